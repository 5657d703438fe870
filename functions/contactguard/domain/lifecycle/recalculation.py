"""Recalculation: open working-day deadlines moved when the calendar changes."""

from __future__ import annotations

from pydantic import JsonValue

from contactguard.domain.calendar import london_date
from contactguard.domain.case import (
    AppealStatus,
    Case,
    CaseEventType,
    CommandKind,
    RecalculateDeadlines,
)
from contactguard.domain.errors import NothingToDo
from contactguard.domain.lifecycle.handlers import handles, require_case, update_case
from contactguard.domain.lifecycle.recorder import Recorder
from contactguard.domain.policy import Policy


@handles(CommandKind.RECALCULATE_DEADLINES)
def _recalculate(
    case: Case | None, _c: RecalculateDeadlines, rec: Recorder, policy: Policy
) -> Case:
    """Open working-day deadlines recomputed with the calendar as it is now.

    Only deadlines still to come move; one already passed, reminded or issued stays as it was.
    """
    case = require_case(case)
    today = london_date(rec.now)
    moved: dict[str, JsonValue] = {}
    concern = case.concern
    if (
        concern
        and concern.letter_sent_on
        and concern.follow_up_due_on
        and not (concern.follow_up_reminded)
    ):
        due = policy.concern_follow_up_due(concern.letter_sent_on)
        if due != concern.follow_up_due_on and min(due, concern.follow_up_due_on) >= today:
            moved["concern_follow_up_due_on"] = [
                concern.follow_up_due_on.isoformat(),
                due.isoformat(),
            ]
            concern = concern.model_copy(update={"follow_up_due_on": due})
    window = case.appeal_window
    if window and not window.closed:
        closes = policy.appeal_window_closes(window.letter_sent_on)
        if closes != window.closes_on and min(closes, window.closes_on) >= today:
            moved["appeal_window_closes_on"] = [window.closes_on.isoformat(), closes.isoformat()]
            window = window.model_copy(update={"closes_on": closes})
    appeals = []
    for appeal in case.appeals:
        if (
            appeal.status is AppealStatus.UNDER_REVIEW
            and appeal.review_clock_from
            and appeal.review_due_on
            and not appeal.overdue_escalated
            # A delayed review is due on the date the customer was told: not recomputed.
            and not appeal.review_delays
        ):
            due = policy.appeal_review_due(appeal.review_clock_from)
            if due != appeal.review_due_on and min(due, appeal.review_due_on) >= today:
                moved[f"appeal_{appeal.appeal_id}_review_due_on"] = [
                    appeal.review_due_on.isoformat(),
                    due.isoformat(),
                ]
                reminder = policy.appeal_review_reminder(due)
                appeal = appeal.model_copy(
                    update={
                        "review_due_on": due,
                        "reminder_due_on": appeal.reminder_due_on if appeal.reminded else reminder,
                    }
                )
        appeals.append(appeal)
    period = case.period
    if period and period.ended_at is None and not period.review_pack_issued:
        pack = policy.review_pack_due(period.ends_on)
        if pack != period.review_pack_due_on and min(pack, period.review_pack_due_on) >= today:
            moved["review_pack_due_on"] = [period.review_pack_due_on.isoformat(), pack.isoformat()]
            period = period.model_copy(update={"review_pack_due_on": pack})
    if not moved:
        raise NothingToDo("deadlines-unchanged", "every open deadline is where the calendar says")
    rec.add(
        CaseEventType.DEADLINES_RECALCULATED,
        reason="the working-day calendar changed",
        moved=moved,
    )
    return update_case(
        case, concern=concern, appeal_window=window, appeals=tuple(appeals), period=period
    )
