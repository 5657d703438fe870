"""What the restrictions in force mean for a contact arriving now (ingest, call handlers).

`restrictions_in_force(case, at)` is the one answer to "is this customer restricted at T".
It follows the period's dates, so enforcement stops at the end date even if the lapse
deadline never fired: enforcement never outlives a decision (DESIGN.md). What each
restriction type means on each channel and for email is the type's own
(`contactguard.domain.restrictions`); this module combines the restrictions in force.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contactguard.domain.case import Case, CaseStatus
from contactguard.domain.model import Channel, Contact, Direction, Disposition
from contactguard.domain.restrictions import EmailAction, Restriction

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
    if contact.direction is Direction.OUTBOUND:  # mail we sent: delivered already
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
            handling = restriction.email_handling()
            if handling is None or handling.action is EmailAction.DELIVER:
                continue
            ruling = EmailRuling(
                action=handling.action,
                reason=handling.reason,
                case_id=case.case_id,
                officer_email=handling.officer_email,
                write_to=handling.write_to,
            )
            if handling.action is EmailAction.FILE_AND_BLOCK:
                return ruling
            if route is None:
                route = ruling
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
            ok, condition = r.channel_effect(channel)
            allowed = allowed and ok
            if condition:
                conditions.append(condition)
    return ChannelGuidance(channel=channel, allowed=allowed, conditions=tuple(conditions))


def permitted_channels(restrictions: Iterable[Restriction]) -> tuple[Channel, ...]:
    """The channels still open to the customer (letters always are)."""
    rs = tuple(restrictions)
    return tuple(
        ch
        for ch in Channel
        if all(r.channel_effect(ch).allowed for r in rs) or ch is Channel.LETTER
    )


__all__ = [
    "ChannelGuidance",
    "EmailAction",
    "EmailRuling",
    "Recipient",
    "channel_guidance",
    "email_ruling",
    "permitted_channels",
    "recipient",
    "restrictions_in_force",
]
