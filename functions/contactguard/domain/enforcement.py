"""What the restrictions in force mean for a contact arriving now (ingest, call handlers).

`restrictions_in_force(case, at)` is the one answer to "is this customer restricted at T".
It follows the period's dates, so enforcement stops at the end date even if the lapse
deadline never fired: enforcement never outlives a decision (DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contactguard.domain.case import Case, CaseStatus
from contactguard.domain.model import (
    AppointmentOnlyVisits,
    Channel,
    Contact,
    Disposition,
    LettersOnly,
    OtherRestriction,
    Restriction,
    SinglePointOfContact,
    SocialMediaRestriction,
    TelephoneViaThirdParty,
    WitnessAtPersonalContact,
)

# Statuses under which a period may be in force. LAPSED and CLOSED periods carry `ended_at`,
# RESTRICTIONS_DECIDED has no period yet (the letter has not been sent).
_ENFORCING = frozenset(
    {CaseStatus.RESTRICTED, CaseStatus.UNDER_APPEAL, CaseStatus.LAPSED, CaseStatus.CLOSED}
)


def restrictions_in_force(case: Case, at: datetime) -> tuple[Restriction, ...]:
    """The restrictions that apply at instant `at` (empty when none do)."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    if case.status not in _ENFORCING or case.period is None or case.decision is None:
        return ()
    if not case.period.covers(at):
        return ()
    return case.decision.restrictions


class EmailAction(StrEnum):
    DELIVER = "deliver"  # CONTINUE: reaches the staff mailbox as usual
    ROUTE_TO_OFFICER = "route-to-officer"  # single point of contact
    FILE_AND_BLOCK = "file-and-block"  # STOP_RULE_SET; filed, read for new information


class Recipient(StrEnum):
    """Who receives a copy of an email contact once it is logged."""

    STAFF_MAILBOX = "staff-mailbox"  # accepted, or from an address nobody has linked yet
    OFFICER = "officer"  # the single point of contact named on the contact
    NOBODY = "nobody"  # filed under a restriction, quarantined, refused, or not an email


def recipient(contact: Contact) -> Recipient:
    """Where a logged email goes. Filed and quarantined mail never reaches anyone (DESIGN.md:
    filed, never delivered; quarantine held for review). An unmatched contact that already
    has a customer was moved there when staff linked its address: it was delivered when it
    arrived, so it goes nowhere now."""
    if contact.channel is not Channel.EMAIL or not contact.raw_ref:
        return Recipient.NOBODY
    if contact.disposition is Disposition.ROUTED_TO_OFFICER and contact.deliver_to:
        return Recipient.OFFICER
    if contact.disposition is Disposition.ACCEPTED:
        return Recipient.STAFF_MAILBOX
    if contact.disposition is Disposition.UNMATCHED and contact.customer_id is None:
        return Recipient.STAFF_MAILBOX
    return Recipient.NOBODY


@dataclass(frozen=True)
class EmailRuling:
    action: EmailAction
    reason: str
    case_id: str | None = None
    officer_email: str | None = None
    write_to: str | None = None  # for the auto-reply: how to write instead


def email_ruling(cases: Iterable[Case], at: datetime) -> EmailRuling:
    """May this customer's email be accepted at `at`, and if not, what happens to it?

    The strictest restriction wins: letters-only blocks even when a single point of contact
    is also named.
    """
    route: EmailRuling | None = None
    for case in cases:
        for restriction in restrictions_in_force(case, at):
            if isinstance(restriction, LettersOnly):
                return EmailRuling(
                    action=EmailAction.FILE_AND_BLOCK,
                    reason="letters-only restriction in force: email is not accepted",
                    case_id=case.case_id,
                    write_to=restriction.write_to,
                )
            if isinstance(restriction, SinglePointOfContact) and route is None:
                route = EmailRuling(
                    action=EmailAction.ROUTE_TO_OFFICER,
                    reason="single point of contact in force",
                    case_id=case.case_id,
                    officer_email=restriction.officer_email,
                )
    return route or EmailRuling(action=EmailAction.DELIVER, reason="no email restriction in force")


@dataclass(frozen=True)
class ChannelGuidance:
    """For a call handler or officer: may this channel be used now, and on what terms."""

    channel: Channel
    allowed: bool
    conditions: tuple[str, ...]


def channel_guidance(cases: Iterable[Case], channel: Channel, at: datetime) -> ChannelGuidance:
    allowed, conditions = True, []
    for case in cases:
        for r in restrictions_in_force(case, at):
            ok, condition = _effect(r, channel)
            allowed = allowed and ok
            if condition:
                conditions.append(condition)
    return ChannelGuidance(channel=channel, allowed=allowed, conditions=tuple(conditions))


def permitted_channels(restrictions: Iterable[Restriction]) -> tuple[Channel, ...]:
    """The channels still open to the customer (letters always are)."""
    rs = tuple(restrictions)
    return tuple(ch for ch in Channel if all(_effect(r, ch)[0] for r in rs) or ch is Channel.LETTER)


def _effect(r: Restriction, channel: Channel) -> tuple[bool, str | None]:
    """(allowed at all, the condition attached) for one restriction on one channel."""
    match r:
        case LettersOnly() if channel in (Channel.EMAIL, Channel.PHONE):
            return False, f"letters only: write to {r.write_to}"
        case TelephoneViaThirdParty() if channel is Channel.PHONE:
            return True, f"telephone only through {r.third_party} ({r.relationship})"
        case AppointmentOnlyVisits() if channel is Channel.VISIT:
            return True, f"visits by appointment only, at {r.office}"
        case SinglePointOfContact() if channel in (Channel.EMAIL, Channel.PHONE, Channel.VISIT):
            days = ", ".join(d.value.capitalize() for d in r.days)
            return True, (
                f"contact through {r.officer_name} only, {days} "
                f"{r.from_time:%H:%M}-{r.to_time:%H:%M}"
            )
        case WitnessAtPersonalContact() if channel in (Channel.VISIT,):
            return True, "personal contact only with an appropriate witness present"
        case SocialMediaRestriction() if channel is Channel.SOCIAL_MEDIA:
            return False, f"social media restricted: {r.details}"
        case OtherRestriction():
            return True, r.details
    return True, None
