"""The policy's nouns: customers, contacts, staff and their roles, behaviours, restrictions.

Pure values (pydantic models, frozen): no AWS, no environment, no clock.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from email.errors import MessageError
from email.headerregistry import Address
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    ValidationInfo,
)


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("must be timezone-aware")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]

# Validation context for data already held (DynamoDB items, stream records): it came through
# earlier, looser validators and must still load, so its text is cleaned rather than refused.
# Adapters pass it (`Model.model_validate_json(doc, context=STORED)`); input never does.
STORED: Final[dict[str, Any]] = {"stored": True}


def _is_stored(info: ValidationInfo) -> bool:
    return isinstance(info.context, dict) and info.context.get("stored") is True


# Email addresses ----------------------------------------------------------------------------

MAX_ADDRESS_LENGTH = 254  # RFC 5321 path limit less the angle brackets
MAX_LOCAL_PART_LENGTH = 64  # RFC 5321 4.5.3.1.1
# RFC 5322 atext: what a dot-atom local part may hold (no quotes, comments or brackets).
_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_ASCII_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")


def _domain_label_ok(label: str) -> bool:
    if label.isascii():
        return _ASCII_LABEL.fullmatch(label) is not None
    # An internationalised label (U-label): letters, digits and inner hyphens.
    return (
        0 < len(label) <= 63
        and all(c.isalnum() or c == "-" for c in label)
        and not label.startswith("-")
        and not label.endswith("-")
    )


def normalise_email(address: str) -> str:
    """Exactly one address (an RFC 5322 addr-spec), lower-cased: the form every lookup uses.

    Strict on purpose: no display name or angle brackets, no comments or quoted local part, no
    list (comma, semicolon), no whitespace or control characters, one @, a local part of at
    most 64 characters and a domain of dot-separated labels (at least two), 254 in all. The
    standard library's parser (email.headerregistry.Address) must read the same address back.
    Errors name the rule and never repeat the value: they may reach logs.
    """
    cleaned = address.strip(" ").lower()
    if not cleaned:
        raise ValueError("an email address is required")
    if len(cleaned) > MAX_ADDRESS_LENGTH:
        raise ValueError(f"an email address is at most {MAX_ADDRESS_LENGTH} characters")
    if any(c.isspace() or unicodedata.category(c)[0] in "CZ" for c in cleaned):
        raise ValueError(
            "an email address cannot contain spaces, line breaks or control characters"
        )
    if "," in cleaned or ";" in cleaned:
        raise ValueError("one email address only: no commas or semicolons")
    if cleaned.count("@") != 1:
        raise ValueError("an email address has exactly one @")
    local, _, domain = cleaned.partition("@")
    if not local:
        raise ValueError("an email address needs a local part before the @")
    if len(local) > MAX_LOCAL_PART_LENGTH:
        raise ValueError(
            f"the part of an email address before the @ is at most {MAX_LOCAL_PART_LENGTH} "
            "characters"
        )
    if _LOCAL_PART.fullmatch(local) is None:
        raise ValueError(
            "the part of an email address before the @ may hold letters, digits, dots (not "
            "first, last or doubled) and ! # $ % & ' * + / = ? ^ _ ` { | } ~ -: no display "
            "name, quotes, comments or brackets"
        )
    labels = domain.split(".")
    if len(labels) < 2 or not all(_domain_label_ok(label) for label in labels):
        raise ValueError(
            "the domain of an email address needs at least one dot and labels of letters, "
            "digits and inner hyphens"
        )
    if labels[-1].isdigit():
        raise ValueError("the domain of an email address must be a name, not a number")
    try:
        parsed = Address(addr_spec=cleaned)
    except (MessageError, ValueError, TypeError, IndexError):
        raise ValueError("not an email address (addr-spec)") from None
    if parsed.addr_spec != cleaned:
        raise ValueError("not an email address (addr-spec)")
    return cleaned


def legacy_normalise_email(address: str) -> str:
    """The looser lookup form addresses were stored in before the strict check: trimmed and
    lower-cased. Only for reading data already held, never for input."""
    return address.strip().strip("<>").strip().lower()


def _email(address: str, info: ValidationInfo) -> str:
    try:
        return normalise_email(address)
    except ValueError:
        if _is_stored(info):  # held before the strict check: it must still load
            return legacy_normalise_email(address)
        raise


EmailAddress = Annotated[str, AfterValidator(_email)]


def in_domains(address: str, domains: frozenset[str] | tuple[str, ...]) -> bool:
    """Whether an address's domain is one of `domains` or a subdomain of one."""
    domain = address.rpartition("@")[2].lower().rstrip(".")
    return any(domain == d or domain.endswith(f".{d}") for d in domains)


# Single-line text ---------------------------------------------------------------------------

# Unicode's explicit bidirectional formatting characters: embeddings and overrides
# (U+202A-U+202E), isolates (U+2066-U+2069), the marks (U+200E, U+200F) and the Arabic letter
# mark (U+061C). In a name or an address they change what is displayed, not what is said.
BIDI_CONTROLS: Final = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # controls, line breaks, tabs


def one_line(text: str) -> str:
    """Text cleaned to one line for display: bidi controls dropped, each run of line breaks,
    tabs, control characters or spaces made one space, the ends trimmed. Text with none of
    them is returned as it is."""
    if not _BREAKS.search(text) and BIDI_CONTROLS.isdisjoint(text):
        return text
    kept = "".join(c for c in text if c not in BIDI_CONTROLS)
    return " ".join(_BREAKS.sub(" ", kept).split())


def _single_line(text: str, info: ValidationInfo) -> str:
    """A name, an address line, a title: one line, displayed as written.

    Input holding a line break or a bidi control is refused (rule `single-line`), never
    silently joined or stripped: a name split over two lines or reordered for display is not
    the same name, and a person should decide what was meant. Data already held is cleaned.
    """
    if _is_stored(info):
        return one_line(text)
    if any(c in BIDI_CONTROLS for c in text):
        raise ValueError(
            "must not contain bidirectional control characters (they change how text is "
            "displayed) (rule single-line)"
        )
    if _BREAKS.search(text):
        raise ValueError(
            "must be a single line: no line breaks, tabs or control characters (rule single-line)"
        )
    return text


SingleLine = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=4000),
    AfterValidator(_single_line),
]


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
    lines: Annotated[tuple[SingleLine, ...], Field(min_length=1, max_length=6)]
    postcode: SingleLine


class LetterFormat(StrEnum):
    """How letters to a customer are printed: large print is a reasonable adjustment."""

    STANDARD = "standard"
    LARGE_PRINT = "large-print"  # every letter drafted at 16 point or more


class Customer(Frozen):
    customer_id: Annotated[str, Field(min_length=1, max_length=64)]
    name: SingleLine
    emails: tuple[EmailAddress, ...] = ()
    address: PostalAddress | None = None
    designated_officer_id: str | None = None  # reads filed email (policy s.4, ombudsman)
    letter_format: LetterFormat = LetterFormat.STANDARD


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
    SENT = "sent"  # mail we sent (an auto-reply, a forwarded or officer copy): outbound


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


class SignalConsidered(Frozen):
    """A Service Manager's judgement on a signal: seen and weighed (policy s.2)."""

    at: AwareDatetime
    by: str  # actor id
    note: Annotated[str, Field(max_length=2000)] = ""


class RaisedSignal(Frozen):
    """A signal for judgement raised by one contact (contactguard.domain.signals: volume
    over a threshold, the same complaint repeated, one issue through several routes). It
    informs; it never changes a case. Waits on the dashboard until considered."""

    customer_id: Annotated[str, Field(min_length=1, max_length=64)]
    contact_id: Annotated[str, Field(min_length=1, max_length=200)]
    signal: Annotated[str, Field(pattern=r"^[a-z][a-z-]{0,63}$")]
    at: AwareDatetime  # the contact's time
    channel: Channel
    considered: SignalConsidered | None = None


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


class Aspect(StrEnum):
    """Which of the policy's alternatives ("threatening, offensive or excessive") staff saw.

    A letter names only what was seen: a customer who sent many emails reads that they sent
    "an excessive number of emails", not that their emails were threatening or offensive."""

    THREATENING = "threatening"
    OFFENSIVE = "offensive"
    FOUL = "foul"
    EXCESSIVE = "excessive"
    HISTORIC = "historic"
    IRREVERSIBLE = "irreversible"
    TRIVIAL = "trivial"
    IRRELEVANT = "irrelevant"
    SUBSIDIARY = "subsidiary"
    NEW = "new"


# Each behaviour whose policy wording lists alternatives: the alternatives, in the policy's
# order, and the sentence they fill ({which}: the aspects seen, joined by "and").
ASPECTS: Final[dict[Behaviour, tuple[tuple[Aspect, ...], str]]] = {
    Behaviour.THREATENING_LANGUAGE: (
        (Aspect.THREATENING, Aspect.OFFENSIVE, Aspect.FOUL),
        "repeatedly using {which} language when speaking to our staff",
    ),
    Behaviour.EXCESSIVE_EMAILS: (
        (Aspect.THREATENING, Aspect.OFFENSIVE, Aspect.EXCESSIVE),
        "sending {many} {which} emails",
    ),
    Behaviour.OFFENSIVE_VOICEMAILS: (
        (Aspect.THREATENING, Aspect.OFFENSIVE),
        "leaving multiple {which} voicemails",
    ),
    Behaviour.SOCIAL_MEDIA_POSTS: (
        (Aspect.OFFENSIVE, Aspect.THREATENING),
        "posting {which} content on social media",
    ),
    Behaviour.HISTORIC_DECISION: (
        (Aspect.HISTORIC, Aspect.IRREVERSIBLE),
        "persistently challenging {which} decision",
    ),
    Behaviour.TRIVIAL_NEW_INFORMATION: (
        (Aspect.TRIVIAL, Aspect.IRRELEVANT),
        "introducing {which} new information while a complaint is investigated",
    ),
    Behaviour.SUBSIDIARY_ISSUES: (
        (Aspect.SUBSIDIARY, Aspect.NEW),
        "raising {which} issues that were not part of the original complaint",
    ),
}

BehaviourAspects = dict[Behaviour, tuple[Aspect, ...]]


def check_aspects(behaviours: tuple[Behaviour, ...], aspects: BehaviourAspects) -> None:
    """Aspects are given only for a chosen behaviour that has alternatives, from its own
    alternatives, at least one and each once: a ValueError in plain words otherwise."""
    for behaviour, seen in aspects.items():
        if behaviour not in behaviours:
            raise ValueError(f"aspects are given for {behaviour.value}, which is not chosen")
        if behaviour not in ASPECTS:
            raise ValueError(f"{behaviour.value} has no aspects to choose from")
        allowed = ASPECTS[behaviour][0]
        wrong = [a.value for a in seen if a not in allowed]
        if wrong:
            choices = ", ".join(a.value for a in allowed)
            raise ValueError(f"{behaviour.value} may be {choices}; not {', '.join(wrong)}")
        if not seen or len(set(seen)) != len(seen):
            raise ValueError(f"choose each aspect of {behaviour.value} once, at least one")


def aspects_data(aspects: BehaviourAspects) -> dict[str, JsonValue]:
    """An event's record of the aspects staff saw: nothing when none were chosen."""
    if not aspects:
        return {}
    return {"aspects": {b.value: [a.value for a in seen] for b, seen in aspects.items()}}


def _and(words: list[str]) -> str:
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def describe_behaviour(behaviour: Behaviour, seen: tuple[Aspect, ...] = ()) -> str:
    """The behaviour as a letter puts it to the customer: only the aspects staff saw, in the
    policy's order. With none recorded (or none to choose), the policy's own words."""
    if behaviour not in ASPECTS or not seen:
        return BEHAVIOUR_WORDS[behaviour]
    allowed, sentence = ASPECTS[behaviour]
    chosen = [a for a in allowed if a in seen]
    many = "multiple"
    if Aspect.EXCESSIVE in chosen and "{many}" in sentence:
        chosen.remove(Aspect.EXCESSIVE)
        many = "an excessive number of"
    which = _and([a.value for a in chosen])
    if behaviour is Behaviour.HISTORIC_DECISION:
        which = f"{'an' if which[0] in 'aeiou' else 'a'} {which}"
    return " ".join(sentence.format(which=which, many=many).split())


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"


# Restriction types (policy s.4, Step 2) are in contactguard.domain.restrictions, one module
# each with everything about the type.


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
