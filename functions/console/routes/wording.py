"""Words for the customer, caller lookup, read queue and home pages, beside case_words (the
case's words, UK dates and London times, which these pages use too): what happened to a
contact, who made it, what staff log, what a work item asks, what happens to email, what the
designated officer found. Each table has a row for every member of its enum, checked when the
module is imported."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from contactguard.domain.enforcement import EmailAction
from contactguard.domain.model import Channel, Direction, Disposition
from contactguard.domain.model import ReadOutcome as Outcome
from contactguard.domain.outbound import Sent
from contactguard.domain.worklist import WorkKind

DIRECTIONS: dict[Direction, str] = {
    Direction.INBOUND: "From the customer",
    Direction.OUTBOUND: "To the customer",
}
DISPOSITIONS: dict[Disposition, str] = {
    Disposition.ACCEPTED: "Accepted",
    Disposition.ROUTED_TO_OFFICER: "Sent to the single point of contact",
    Disposition.FILED_BLOCKED: "Filed, not delivered",
    Disposition.QUARANTINED: "Quarantined",
    Disposition.UNMATCHED: "From an address not yet linked",
    Disposition.REFUSED: "Refused under a restriction",
    Disposition.SENT: "Sent",
}
# Mail we sent (a contact's reason when its disposition is `sent`).
SENT: dict[Sent, str] = {
    Sent.AUTO_REPLY: "Sent: the auto-reply to the customer",
    Sent.FORWARDED: "Sent: their email, forwarded to the staff mailbox",
    Sent.OFFICER_COPY: "Sent: their email, to their single point of contact",
    Sent.TOO_LARGE_NOTICE: "Sent: a notice of their email, too large to forward",
}
# What staff log by hand (email logs itself as it arrives).
LOGGED: dict[Channel, str] = {
    Channel.PHONE: "Phone call",
    Channel.LETTER: "Letter",
    Channel.VISIT: "Visit",
    Channel.SOCIAL_MEDIA: "Social media contact",
}
WORK: dict[WorkKind, str] = {
    WorkKind.LETTER_TO_SEND: "Check and send the letter",
    WorkKind.LETTER_FAILED: "Redraft the letter: it lacked required content",
    WorkKind.LATE_APPEAL: "Accept or decline a late appeal",
    WorkKind.APPEAL_DECISION: "Decide the appeal",
    WorkKind.CONCERN_FOLLOW_UP: "Step 1 follow-up: has the behaviour changed?",
    WorkKind.APPEAL_WINDOW_CLOSES: "The appeal window closes",
    WorkKind.REVIEW_PACK_DUE: "The 12-month review pack is due",
    WorkKind.REVIEW_DECISION: "Decide the 12-month review: extend or close",
    WorkKind.LAPSED: "Restrictions lapsed without a review: decide what follows",
}
EMAIL_ACTIONS: dict[EmailAction, str] = {
    EmailAction.DELIVER: "Delivered to the staff mailbox as usual",
    EmailAction.ROUTE_TO_OFFICER: "Sent to their single point of contact only",
    EmailAction.FILE_AND_BLOCK: (
        "Not delivered: filed on their record and read by the designated officer"
    ),
}
OUTCOMES: dict[Outcome, str] = {
    Outcome.NOTHING_NEW: "Nothing new",
    Outcome.NEW_INFORMATION: "New information to act on through the permitted route",
    Outcome.SAFEGUARDING: "A safeguarding concern, referred on",
}


def disposition_words(disposition: Disposition, reason: str) -> str:
    """What happened to a contact; for mail we sent, what it was."""
    if disposition is Disposition.SENT and reason in SENT:
        return SENT[Sent(reason)]
    return DISPOSITIONS[disposition]


def days(count: int, unit: str = "day") -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _check_every_member_has_words() -> None:
    tables: tuple[tuple[type[Enum], Mapping[Any, str], frozenset[Any]], ...] = (
        (Direction, DIRECTIONS, frozenset()),
        (Disposition, DISPOSITIONS, frozenset()),
        (Sent, SENT, frozenset()),
        (Channel, LOGGED, frozenset({Channel.EMAIL})),
        (WorkKind, WORK, frozenset()),
        (EmailAction, EMAIL_ACTIONS, frozenset()),
        (Outcome, OUTCOMES, frozenset()),
    )
    for enum, words, without in tables:
        missing = set(enum) - set(words) - without
        if missing:
            names = sorted(str(m.value) for m in missing)
            raise AssertionError(f"{enum.__name__} members without words: {names}")


_check_every_member_has_words()


# Signals for judgement (contactguard.domain.signals), as a manager reads them.
SIGNALS: dict[str, str] = {
    "volume-day": "More contacts in 24 hours than the daily threshold",
    "volume-week": "More contacts in 7 days than the weekly threshold",
    "volume-month": "More contacts in 30 days than the monthly threshold",
    "repeated-with-minor-differences": "The same complaint repeated with minor differences",
    "scattergun": "One issue pursued through several routes at once",
}


def signal_words(signal: str) -> str:
    return SIGNALS.get(signal, signal.replace("-", " ").capitalize())
