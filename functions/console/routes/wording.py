"""Words and dates for the customer, caller lookup, read queue and dashboard pages: the
domain's codes as a person reads them, dates in the UK style ("4 December 2026") and times in
Europe/London ("4 December 2026 at 2:05pm")."""

from __future__ import annotations

from datetime import date, datetime

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import CaseStatus, LetterKind
from contactguard.domain.enforcement import EmailAction
from contactguard.domain.model import BEHAVIOUR_WORDS, Behaviour, Channel, Direction, Disposition
from contactguard.domain.model import ReadOutcome as Outcome
from contactguard.domain.worklist import WorkKind


def uk_date(day: date | datetime | None) -> str:
    """4 December 2026 (a time is first put in Europe/London)."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.astimezone(LONDON).date()
    return f"{day.day} {day:%B %Y}"


def uk_time(at: datetime | None) -> str:
    """2:05pm, midday or midnight, Europe/London."""
    if at is None:
        return ""
    local = at.astimezone(LONDON)
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"


def uk_when(at: datetime | None) -> str:
    """4 December 2026 at 2:05pm, Europe/London."""
    return f"{uk_date(at)} at {uk_time(at)}" if at is not None else ""


def days(count: int, unit: str = "day") -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


CHANNELS: dict[Channel, str] = {
    Channel.EMAIL: "Email",
    Channel.PHONE: "Phone",
    Channel.LETTER: "Letter",
    Channel.VISIT: "Visit",
    Channel.SOCIAL_MEDIA: "Social media",
}
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
}
STATUSES: dict[CaseStatus, str] = {
    CaseStatus.CONCERN: "Concern (Step 1)",
    CaseStatus.RESTRICTIONS_DECIDED: "Restrictions decided, letter not sent",
    CaseStatus.RESTRICTED: "Restrictions in force",
    CaseStatus.UNDER_APPEAL: "Under appeal",
    CaseStatus.LAPSED: "Restrictions lapsed",
    CaseStatus.CLOSED: "Closed",
}
LETTERS: dict[LetterKind, str] = {
    LetterKind.CONCERN: "Concern letter",
    LetterKind.RESTRICTIONS: "Restrictions letter",
    LetterKind.IMMEDIATE_RESTRICTIONS: "Immediate restrictions letter",
    LetterKind.APPEAL_ACKNOWLEDGEMENT: "Appeal acknowledgement",
    LetterKind.APPEAL_UPHELD: "Appeal upheld letter",
    LetterKind.APPEAL_DISMISSED: "Appeal dismissed letter",
    LetterKind.APPEAL_VARIED: "Appeal varied letter",
    LetterKind.REVIEW_EXTENDED: "Restrictions extended letter",
    LetterKind.REVIEW_CLOSED: "Restrictions ended letter",
    LetterKind.RESTRICTIONS_LAPSED: "Restrictions lapsed letter",
    LetterKind.REVIEW_PACK: "Review pack",
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
BEHAVIOURS: dict[Behaviour, str] = {
    b: (words[:1].upper() + words[1:]) for b, words in BEHAVIOUR_WORDS.items()
}
