"""The deadlines a case has pending, computed from its state alone.

Deadlines are not stored: they follow from the case (DESIGN.md, "EventBridge Scheduler drives
the deadlines"). The deadlines function makes the schedules match this list after every case
event and once a day, so a deadline that moved (a newly proclaimed bank holiday, a later
decision) or a schedule that was lost heals itself.

Fire times are Europe/London wall-clock times outside 01:00-02:00, the hour that daylight
saving can skip or repeat: a deadline "on" a day fires at 07:00 that day; a window that is
open until 23:59:59 closes with a fire at 00:30 the next day.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import (
    AppealReviewOverdue,
    AppealReviewReminder,
    AppealStatus,
    Case,
    CaseStatus,
    CloseAppealWindow,
    CommandKind,
    ConcernFollowUpDue,
    LapseRestrictions,
    RemindUnsentLetter,
    ReviewPackDue,
)
from contactguard.domain.lifecycle import unsent_letter_due
from contactguard.domain.policy import Policy

MORNING = time(7, 0)
AFTER_MIDNIGHT = time(0, 30)
NAME_PREFIX = "cg-"
MAX_NAME = 64  # EventBridge Scheduler's limit
_NAME_CHARS = re.compile(r"[^0-9A-Za-z_.-]")


DeadlineCommand = (
    ConcernFollowUpDue
    | CloseAppealWindow
    | AppealReviewReminder
    | AppealReviewOverdue
    | ReviewPackDue
    | LapseRestrictions
    | RemindUnsentLetter
)


class DeadlineKind(StrEnum):
    CONCERN_FOLLOW_UP = "concern-follow-up"
    APPEAL_WINDOW_CLOSES = "appeal-window-closes"
    APPEAL_REVIEW_REMINDER = "appeal-review-reminder"
    APPEAL_REVIEW_OVERDUE = "appeal-review-overdue"
    REVIEW_PACK_DUE = "review-pack-due"
    RESTRICTIONS_END = "restrictions-end"
    LETTER_UNSENT = "letter-unsent"


# The command each deadline gives when it falls due. A letter's deadline names its letter.
_COMMANDS: dict[DeadlineKind, type[DeadlineCommand]] = {
    DeadlineKind.CONCERN_FOLLOW_UP: ConcernFollowUpDue,
    DeadlineKind.APPEAL_WINDOW_CLOSES: CloseAppealWindow,
    DeadlineKind.APPEAL_REVIEW_REMINDER: AppealReviewReminder,
    DeadlineKind.APPEAL_REVIEW_OVERDUE: AppealReviewOverdue,
    DeadlineKind.REVIEW_PACK_DUE: ReviewPackDue,
    DeadlineKind.RESTRICTIONS_END: LapseRestrictions,
    DeadlineKind.LETTER_UNSENT: RemindUnsentLetter,
}


def deadline_command(kind: DeadlineKind, letter_id: str | None = None) -> DeadlineCommand:
    """The command a due deadline gives; a letter's deadline must name its letter."""
    subject = {"letter_id": letter_id} if letter_id else {}
    return _COMMANDS[kind](**subject)


_SHORT = {
    DeadlineKind.CONCERN_FOLLOW_UP: "fu",
    DeadlineKind.APPEAL_WINDOW_CLOSES: "aw",
    DeadlineKind.APPEAL_REVIEW_REMINDER: "ar",
    DeadlineKind.APPEAL_REVIEW_OVERDUE: "ao",
    DeadlineKind.REVIEW_PACK_DUE: "rp",
    DeadlineKind.RESTRICTIONS_END: "re",
    DeadlineKind.LETTER_UNSENT: "lu",
}


def case_key(case_id: str) -> str:
    """A schedule-name-safe, bounded form of a case id (a hash keeps distinct ids distinct)."""
    cleaned = _NAME_CHARS.sub("_", case_id)
    if cleaned == case_id and len(cleaned) <= 36:
        return cleaned
    digest = hashlib.sha256(case_id.encode("utf-8")).hexdigest()[:10]
    return f"{cleaned[:25]}_{digest}"


def name_prefix(case_id: str) -> str:
    return f"{NAME_PREFIX}{case_key(case_id)}."


@dataclass(frozen=True)
class Deadline:
    case_id: str
    kind: DeadlineKind
    fire_at: datetime  # aware, Europe/London
    version: int  # the case version it was computed from (for the log, never a guard)
    letter_id: str | None = None  # for a letter's own deadline

    @property
    def command(self) -> CommandKind:
        return deadline_command(self.kind, self.letter_id).kind

    @property
    def schedule_name(self) -> str:
        """Deterministic: the same deadline always has the same name; a moved one a new one."""
        kind = _SHORT[self.kind]
        if self.letter_id:  # one schedule per letter: a short, stable digest of its id
            kind += "-" + hashlib.sha256(self.letter_id.encode("utf-8")).hexdigest()[:8]
        name = f"{name_prefix(self.case_id)}{kind}.{self.fire_at:%Y%m%dT%H%M}"
        if len(name) > MAX_NAME:  # cannot happen with case_key's bound; kept as a guard
            raise ValueError("schedule name too long")
        return name


def _on(day: date, at: time = MORNING) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON)


def _after(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), AFTER_MIDNIGHT, tzinfo=LONDON)


def pending_deadlines(case: Case, policy: Policy | None = None) -> list[Deadline]:
    """Every deadline the case is waiting for, in firing order."""
    policy = policy or Policy()
    found: list[tuple[DeadlineKind, datetime]] = []
    concern = case.concern
    if (
        case.status is CaseStatus.CONCERN
        and concern is not None
        and concern.follow_up_due_on is not None
        and not concern.follow_up_reminded
    ):
        found.append((DeadlineKind.CONCERN_FOLLOW_UP, _on(concern.follow_up_due_on)))
    in_force = case.status in (CaseStatus.RESTRICTED, CaseStatus.UNDER_APPEAL)
    window = case.appeal_window
    if in_force and window is not None and not window.closed:
        found.append((DeadlineKind.APPEAL_WINDOW_CLOSES, _after(window.closes_on)))
    for appeal in case.appeals:
        if appeal.status is not AppealStatus.UNDER_REVIEW:
            continue
        if appeal.reminder_due_on is not None and not appeal.reminded:
            found.append((DeadlineKind.APPEAL_REVIEW_REMINDER, _on(appeal.reminder_due_on)))
        if appeal.review_due_on is not None and not appeal.overdue_escalated:
            found.append((DeadlineKind.APPEAL_REVIEW_OVERDUE, _after(appeal.review_due_on)))
    period = case.period
    if in_force and period is not None and period.ended_at is None:
        if not period.review_pack_issued and period.ends_on not in case.reviewed_ends_on:
            found.append((DeadlineKind.REVIEW_PACK_DUE, _on(period.review_pack_due_on)))
        found.append((DeadlineKind.RESTRICTIONS_END, _on(period.ends_on)))
    deadlines = [Deadline(case.case_id, kind, at, case.version) for kind, at in found]
    for letter in case.letters:
        due = unsent_letter_due(letter, policy)
        if due is not None:
            deadlines.append(
                Deadline(
                    case.case_id,
                    DeadlineKind.LETTER_UNSENT,
                    _on(due),
                    case.version,
                    letter.letter_id,
                )
            )
    return sorted(deadlines, key=lambda d: (d.fire_at, d.kind.value, d.letter_id or ""))
