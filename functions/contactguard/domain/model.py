"""The policy's nouns: customers, contacts, staff and their roles, behaviours, restrictions.

Pure values (pydantic models, frozen): no AWS, no environment, no clock.
"""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must be timezone-aware")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


def normalise_email(address: str) -> str:
    """The lookup form of an address: trimmed and lower-cased (lookups are case-insensitive)."""
    cleaned = address.strip().strip("<>").strip().lower()
    local, sep, domain = cleaned.rpartition("@")
    if not sep or not local or not domain or " " in cleaned or "." not in domain:
        raise ValueError("not an email address")
    return cleaned


EmailAddress = Annotated[str, AfterValidator(normalise_email)]


class Role(StrEnum):
    SERVICE_MANAGER = "service-manager"
    HEAD_OF_SERVICE = "head-of-service"
    CUSTOMER_EXPERIENCE = "customer-experience-team"
    EXECUTIVE = "executive-team"
    CALL_HANDLER = "call-handler"
    SAFEGUARDING_LEAD = "safeguarding-lead"
    DATA_PROTECTION_OFFICER = "data-protection-officer"  # subject access and the audit trail
    SYSTEM = "system"  # deadlines and letters acting on the case, never a person


class Actor(Frozen):
    """Who did something: a member of staff in a role, or the system."""

    actor_id: Annotated[str, Field(min_length=1, max_length=128)]
    role: Role
    name: str | None = None

    @classmethod
    def system(cls, component: str) -> Actor:
        return cls(actor_id=f"system:{component}", role=Role.SYSTEM)


class PostalAddress(Frozen):
    lines: Annotated[tuple[NonBlank, ...], Field(min_length=1, max_length=6)]
    postcode: NonBlank


class Customer(Frozen):
    customer_id: Annotated[str, Field(min_length=1, max_length=64)]
    name: NonBlank
    emails: tuple[EmailAddress, ...] = ()
    address: PostalAddress | None = None
    designated_officer_id: str | None = None  # reads filed email (policy s.4, ombudsman)


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    LETTER = "letter"
    VISIT = "visit"
    SOCIAL_MEDIA = "social-media"


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Disposition(StrEnum):
    """What happened to a contact."""

    ACCEPTED = "accepted"  # reached staff as usual
    ROUTED_TO_OFFICER = "routed-to-officer"  # single point of contact
    FILED_BLOCKED = "filed-blocked"  # restriction: not delivered, filed and queued to be read
    QUARANTINED = "quarantined"  # unauthenticated, spam or virus: never attributed
    UNMATCHED = "unmatched"  # unknown sender, delivered as usual
    REFUSED = "refused"  # e.g. a call declined under a restriction, logged


class ReadOutcome(StrEnum):
    """What the designated officer found on reading a filed email."""

    NOTHING_NEW = "nothing-new"  # no new issue: the restriction's reply stands
    NEW_INFORMATION = "new-information"  # a new issue to act on through the permitted route
    SAFEGUARDING = "safeguarding"  # a safeguarding concern, referred on


class EmailRead(Frozen):
    """A filed email read by the designated officer (the policy: filtered, never ignored)."""

    read_at: AwareDatetime
    read_by: str  # actor id
    outcome: ReadOutcome
    note: Annotated[str, Field(max_length=2000)] = ""


class Contact(Frozen):
    contact_id: Annotated[str, Field(min_length=1, max_length=200)]
    customer_id: str | None  # None while unmatched or quarantined
    channel: Channel
    direction: Direction = Direction.INBOUND
    at: AwareDatetime
    summary: Annotated[str, Field(max_length=4000)] = ""
    flags: tuple[str, ...] = ()
    disposition: Disposition = Disposition.ACCEPTED
    reason: str = ""
    source_address: EmailAddress | None = None  # the sender, for email
    raw_ref: str | None = None  # e.g. the S3 key of the raw message
    recorded_by: str | None = None  # actor id for staff-logged contacts
    read: EmailRead | None = None  # a filed email, once the designated officer has read it
    deliver_to: EmailAddress | None = None  # single point of contact: the named officer


class Behaviour(StrEnum):
    """The policy's examples (s.3) as a vocabulary; `other` carries free text in the note."""

    THREATENING_LANGUAGE = "threatening-or-foul-language"
    EXCESSIVE_EMAILS = "multiple-threatening-or-excessive-emails"
    OFFENSIVE_VOICEMAILS = "multiple-threatening-or-offensive-voicemails"
    SOCIAL_MEDIA_POSTS = "offensive-or-threatening-social-media-posts"
    CONTACT_TO_ANNOY = "repeated-contact-without-grounds"
    RESOURCES_AFTER_DECISION = "excessive-resources-after-decision"
    OUTSIDE_OUR_POWER = "refusing-to-accept-matters-outside-our-power"
    COVERT_RECORDING = "recording-without-consent"
    SCATTERGUN = "scattergun-approach"
    HISTORIC_DECISION = "challenging-historic-or-irreversible-decision"
    TARGETING_OFFICERS = "seeking-dismissal-of-officers"
    REPEATED_COMPLAINT = "repeated-complaint-minor-differences"
    REFUSING_TO_ENGAGE = "refusing-to-engage"
    DENYING_STATEMENTS = "denying-earlier-statements"
    REFUSING_OUTCOME = "refusing-to-accept-complaint-outcome"
    TRIVIAL_NEW_INFORMATION = "trivial-new-information"
    SUBSIDIARY_ISSUES = "raising-subsidiary-issues"
    OTHER = "other"


BEHAVIOUR_WORDS: dict[Behaviour, str] = {
    Behaviour.THREATENING_LANGUAGE: (
        "repeatedly using threatening, offensive or foul language on the telephone or face to face"
    ),
    Behaviour.EXCESSIVE_EMAILS: "sending multiple threatening, offensive or excessive emails",
    Behaviour.OFFENSIVE_VOICEMAILS: "leaving multiple threatening or offensive voicemails",
    Behaviour.SOCIAL_MEDIA_POSTS: "posting offensive or threatening content on social media",
    Behaviour.CONTACT_TO_ANNOY: "repeated contact with insufficient or no grounds",
    Behaviour.RESOURCES_AFTER_DECISION: (
        "taking up excessive resources after a decision has already been made"
    ),
    Behaviour.OUTSIDE_OUR_POWER: (
        "refusing to accept that issues are not within our power to change or influence"
    ),
    Behaviour.COVERT_RECORDING: (
        "recording meetings and conversations without the knowledge and consent of others"
    ),
    Behaviour.SCATTERGUN: "pursuing the same issue repeatedly through different routes",
    Behaviour.HISTORIC_DECISION: (
        "persistently challenging a historic or irreversible decision or incident"
    ),
    Behaviour.TARGETING_OFFICERS: (
        "contacting us without grounds about the officers dealing with the issue and seeking "
        "to have them dismissed or replaced"
    ),
    Behaviour.REPEATED_COMPLAINT: (
        "making the same complaint repeatedly with minor differences after the complaints "
        "procedure has concluded"
    ),
    Behaviour.REFUSING_TO_ENGAGE: "reporting issues and then refusing to engage to resolve them",
    Behaviour.DENYING_STATEMENTS: "denying statements made at an earlier stage of a complaint",
    Behaviour.REFUSING_OUTCOME: (
        "refusing to accept the outcome of the complaints process after it has concluded"
    ),
    Behaviour.TRIVIAL_NEW_INFORMATION: (
        "introducing trivial or irrelevant new information while a complaint is investigated"
    ),
    Behaviour.SUBSIDIARY_ISSUES: (
        "raising subsidiary or new issues that were not part of the original complaint"
    ),
    Behaviour.OTHER: "other behaviour described in the note",
}


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"


# Restriction types (policy s.4, Step 2), each with the details it needs.
class TelephoneViaThirdParty(Frozen):
    type: Literal["telephone-via-third-party"] = "telephone-via-third-party"
    third_party: NonBlank  # who may call on the customer's behalf
    relationship: NonBlank  # solicitor, councillor, friend, family member...


class LettersOnly(Frozen):
    """No email or telephone contact accepted; correspondence by letter only."""

    type: Literal["letters-only"] = "letters-only"
    write_to: NonBlank  # the postal address the customer should use


class AppointmentOnlyVisits(Frozen):
    type: Literal["appointment-only-visits"] = "appointment-only-visits"
    office: NonBlank


class SinglePointOfContact(Frozen):
    type: Literal["single-point-of-contact"] = "single-point-of-contact"
    officer_id: NonBlank
    officer_name: NonBlank
    officer_email: EmailAddress
    days: Annotated[tuple[Weekday, ...], Field(min_length=1)]
    from_time: time
    to_time: time

    @field_validator("to_time")
    @classmethod
    def _after_from(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("from_time")
        if start is not None and value <= start:
            raise ValueError("to_time must be after from_time")
        return value


class WitnessAtPersonalContact(Frozen):
    type: Literal["witness-at-personal-contact"] = "witness-at-personal-contact"


class SocialMediaRestriction(Frozen):
    type: Literal["social-media"] = "social-media"
    details: NonBlank  # restricted or denied, which sites


class OtherRestriction(Frozen):
    type: Literal["other"] = "other"
    details: NonBlank


Restriction = Annotated[
    TelephoneViaThirdParty
    | LettersOnly
    | AppointmentOnlyVisits
    | SinglePointOfContact
    | WitnessAtPersonalContact
    | SocialMediaRestriction
    | OtherRestriction,
    Field(discriminator="type"),
]


class EqualityConsiderations(Frozen):
    """UK ombudsman guidance: adjustments, vulnerability and Equality Act duties considered."""

    reasonable_adjustments_considered: bool
    vulnerability_considered: bool
    equality_act_duties_considered: bool
    notes: NonBlank
    adjustments_agreed: tuple[NonBlank, ...] = ()  # e.g. "an advocate may call on their behalf"

    @property
    def complete(self) -> bool:
        return (
            self.reasonable_adjustments_considered
            and self.vulnerability_considered
            and self.equality_act_duties_considered
        )


def describe_date(day: date) -> str:
    """A date as a letter writes it: 13 January 2027."""
    return f"{day.day} {day:%B %Y}"
