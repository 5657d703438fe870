"""What an open case is waiting on a member of staff for, and from or by when.

`work_items(case)` lists each thing on an open case that a person must do, or must not let
pass: a drafted letter waiting to be checked and sent (waiting since the day it was drafted;
on a closed case, the only items), a late appeal to accept or decline, an appeal to decide
(due by its review date), the Step 1 follow-up, the appeal window closing, the review pack
and the 12-month review decision, and a lapsed period nobody decided on. Each item names
the roles that act on it (the lifecycle's `PERMITTED_ROLES`, the letter kinds' senders), so a
work list shows a person only what their role may do.

`attention_on(case)` is the earliest day any item needs a person: the day it started waiting
or, for a deadline still to come, the day it falls due. The DynamoDB adapter keeps each open
case with such a day in a sparse index ordered by it (docs/access-patterns.md), so "everything
waiting, overdue or due by Friday" is one bounded Query. Like the deadlines, the items follow
from the case's state alone. Pure: no AWS, no clock (today is an argument).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from contactguard.domain.calendar import london_date
from contactguard.domain.case import (
    AppealStatus,
    Case,
    CaseStatus,
    CommandKind,
    LetterKind,
    LetterStatus,
)
from contactguard.domain.letter_kinds import INTERNAL_LETTERS, LETTER_SENDERS
from contactguard.domain.lifecycle import PERMITTED_ROLES
from contactguard.domain.model import Role

__all__ = ["WorkItem", "WorkKind", "acts_on", "attention_on", "work_items"]


class WorkKind(StrEnum):
    LETTER_TO_SEND = "letter-to-send"  # drafted: check it and mark it sent
    LETTER_FAILED = "letter-failed"  # lacked required content: redraft it
    LATE_APPEAL = "late-appeal"  # received after the window: accept or decline it
    APPEAL_DECISION = "appeal-decision"  # the Executive Team's review, due by a date
    CONCERN_FOLLOW_UP = "concern-follow-up"  # Step 1: has the behaviour changed?
    APPEAL_WINDOW_CLOSES = "appeal-window-closes"
    REVIEW_PACK_DUE = "review-pack-due"
    REVIEW_DECISION = "review-decision"  # the 12-month review: extend or close, by the end date
    LAPSED = "lapsed"  # the end date passed with no review decision


def _roles(*commands: CommandKind) -> frozenset[Role]:
    return frozenset(role for command in commands for role in PERMITTED_ROLES[command])


# Who acts on each kind of item (a letter's item: the senders of its kind).
_ACTORS: dict[WorkKind, frozenset[Role]] = {
    WorkKind.LATE_APPEAL: _roles(CommandKind.ACCEPT_LATE_APPEAL, CommandKind.DECLINE_LATE_APPEAL),
    WorkKind.APPEAL_DECISION: _roles(CommandKind.DECIDE_APPEAL),
    WorkKind.CONCERN_FOLLOW_UP: _roles(CommandKind.CLOSE_CONCERN),
    WorkKind.APPEAL_WINDOW_CLOSES: _roles(CommandKind.LOG_APPEAL),
    WorkKind.REVIEW_PACK_DUE: _roles(CommandKind.DECIDE_REVIEW),
    WorkKind.REVIEW_DECISION: _roles(CommandKind.DECIDE_REVIEW),
    WorkKind.LAPSED: _roles(CommandKind.CLOSE_CASE, CommandKind.IMPOSE_RESTRICTIONS),
}


def acts_on(role: Role) -> frozenset[WorkKind]:
    """The kinds of item a role acts on: what its work lists can ever hold."""
    sends = any(role in LETTER_SENDERS[k] for k in LetterKind if k not in INTERNAL_LETTERS)
    letters = {WorkKind.LETTER_TO_SEND, WorkKind.LETTER_FAILED} if sends else set()
    return frozenset(letters | {kind for kind, roles in _ACTORS.items() if role in roles})


@dataclass(frozen=True)
class WorkItem:
    case_id: str
    customer_id: str
    kind: WorkKind
    roles: frozenset[Role]  # who acts on it
    waiting_since: date | None = None  # waiting on a person from this day
    due_on: date | None = None  # to be done by (or, for the window, it closes on) this day
    letter_id: str | None = None
    letter_kind: LetterKind | None = None
    appeal_id: str | None = None

    @property
    def attention_on(self) -> date:
        """The day it needs a person: from when it waits, else when it falls due."""
        day = self.waiting_since or self.due_on
        assert day is not None  # every item has one or the other (work_items)
        return day

    def overdue(self, today: date) -> bool:
        """Past its day (a window open until the end of its day is overdue the day after)."""
        return self.due_on is not None and self.due_on < today


def work_items(case: Case) -> list[WorkItem]:
    """What the case waits on staff for, earliest first; for a closed case, only its letters
    still to send (the letter that tells the customer it closed)."""
    items: list[WorkItem] = []

    def add(
        kind: WorkKind,
        *,
        waiting_since: date | None = None,
        due_on: date | None = None,
        appeal_id: str | None = None,
    ) -> None:
        items.append(
            WorkItem(
                case.case_id,
                case.customer_id,
                kind,
                _ACTORS[kind],
                waiting_since=waiting_since,
                due_on=due_on,
                appeal_id=appeal_id,
            )
        )

    for letter in case.letters:
        if letter.kind in INTERNAL_LETTERS:  # never sent: its reader acts on the review
            continue
        if letter.status in (LetterStatus.DRAFTED, LetterStatus.FAILED):
            drafted = letter.status is LetterStatus.DRAFTED
            items.append(
                WorkItem(
                    case.case_id,
                    case.customer_id,
                    WorkKind.LETTER_TO_SEND if drafted else WorkKind.LETTER_FAILED,
                    LETTER_SENDERS[letter.kind],
                    waiting_since=(letter.drafted_on if drafted else None)
                    or london_date(letter.required_at),
                    letter_id=letter.letter_id,
                    letter_kind=letter.kind,
                )
            )
    if case.status is CaseStatus.CLOSED:
        return _earliest_first(items)
    for appeal in case.appeals:
        if appeal.status is AppealStatus.AWAITING_LATE_ACCEPTANCE:
            add(WorkKind.LATE_APPEAL, waiting_since=appeal.received_on, appeal_id=appeal.appeal_id)
        elif appeal.status is AppealStatus.UNDER_REVIEW:
            add(
                WorkKind.APPEAL_DECISION,
                waiting_since=appeal.review_clock_from or appeal.received_on,
                due_on=appeal.review_due_on,
                appeal_id=appeal.appeal_id,
            )
    concern = case.concern
    if case.status is CaseStatus.CONCERN and concern and concern.follow_up_due_on:
        add(WorkKind.CONCERN_FOLLOW_UP, due_on=concern.follow_up_due_on)
    in_force = case.status in (CaseStatus.RESTRICTED, CaseStatus.UNDER_APPEAL)
    window = case.appeal_window
    if in_force and window is not None and not window.closed:
        add(WorkKind.APPEAL_WINDOW_CLOSES, due_on=window.closes_on)
    period = case.period
    reviewing = (
        in_force
        and period is not None
        and period.ended_at is None
        and period.ends_on not in case.reviewed_ends_on
    )
    if reviewing and period is not None:
        if not period.review_pack_issued:
            add(WorkKind.REVIEW_PACK_DUE, due_on=period.review_pack_due_on)
        add(
            WorkKind.REVIEW_DECISION,
            # Once the pack is out, the Head of Service can decide: it waits on them.
            waiting_since=period.review_pack_due_on if period.review_pack_issued else None,
            due_on=period.ends_on,
        )
    if case.status is CaseStatus.LAPSED and period is not None:
        add(WorkKind.LAPSED, waiting_since=period.ends_on, due_on=period.ends_on)
    return _earliest_first(items)


def _earliest_first(items: list[WorkItem]) -> list[WorkItem]:
    return sorted(items, key=lambda i: (i.attention_on, i.kind.value, i.letter_id or ""))


def attention_on(case: Case) -> date | None:
    """The earliest day the case needs a person; None when it waits on nobody (a closed case
    once its last letter is sent)."""
    items = work_items(case)
    return items[0].attention_on if items else None
