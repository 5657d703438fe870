"""Appeals (s.5): the window, logging an appeal, late appeals, the independent review and its
decision."""

from __future__ import annotations

from datetime import date

from contactguard.domain.calendar import end_of_day, london_date
from contactguard.domain.case import (
    AcceptLateAppeal,
    Appeal,
    AppealOutcome,
    AppealReviewOverdue,
    AppealReviewReminder,
    AppealStatus,
    Case,
    CaseEventType,
    CaseStatus,
    CloseAppealWindow,
    CommandKind,
    DecideAppeal,
    DeclineLateAppeal,
    DelayAppealReview,
    LetterKind,
    LogAppeal,
)
from contactguard.domain.errors import (
    NothingToDo,
    NotPermitted,
    RuleViolation,
)
from contactguard.domain.lifecycle.handlers import handles, require_case, update_case
from contactguard.domain.lifecycle.recorder import Recorder
from contactguard.domain.lifecycle.restrictions import officers_in_organisation
from contactguard.domain.model import Role
from contactguard.domain.policy import Policy


@handles(CommandKind.CLOSE_APPEAL_WINDOW)
def _close_window(case: Case | None, _c: CloseAppealWindow, rec: Recorder, _p: Policy) -> Case:
    case = require_case(case)
    window = case.appeal_window
    if window is None or window.closed:
        raise NothingToDo("deadline-stale", "no open appeal window")
    if rec.now <= end_of_day(window.closes_on):
        raise NothingToDo("deadline-early", "the appeal window is still open")
    appealed = any(a.decision_id == window.decision_id for a in case.appeals)
    rec.add(
        CaseEventType.APPEAL_WINDOW_CLOSED,
        decision_id=window.decision_id,
        closes_on=window.closes_on.isoformat(),
        appealed=appealed,
    )
    return update_case(case, appeal_window=window.model_copy(update={"closed": True}))


@handles(CommandKind.LOG_APPEAL)
def _log_appeal(case: Case | None, cmd: LogAppeal, rec: Recorder, policy: Policy) -> Case:
    case = require_case(case)
    decision = case.decision
    if decision is None:  # RESTRICTED always has a decision; guard for mypy and bad data
        raise RuleViolation("s5-right-of-appeal", "there is no decision to appeal")
    if case.open_appeal is not None:
        raise RuleViolation(
            "s5-one-appeal-per-decision",
            "an appeal is already open on this case: it must be decided first",
        )
    if any(a.decision_id == decision.decision_id for a in case.appeals):
        raise RuleViolation(
            "s5-one-appeal-per-decision", "an appeal against this decision is already logged"
        )
    if cmd.received_on > london_date(rec.now):
        raise RuleViolation("appeal-received-date", "an appeal cannot be received in the future")
    window = case.appeal_window
    # Before the letter is sent the window has not started, so nothing is late yet.
    late = (
        window is not None
        and window.decision_id == decision.decision_id
        and cmd.received_on > window.closes_on
    )
    appeal_id = f"A{rec.next_seq:04d}"
    if late:
        appeal = Appeal(
            appeal_id=appeal_id,
            decision_id=decision.decision_id,
            received_on=cmd.received_on,
            logged_by=rec.actor,
            grounds=cmd.grounds,
            late=True,
            status=AppealStatus.AWAITING_LATE_ACCEPTANCE,
        )
        rec.add(
            CaseEventType.APPEAL_LOGGED,
            reason=cmd.grounds,
            appeal_id=appeal_id,
            decision_id=decision.decision_id,
            received_on=cmd.received_on.isoformat(),
            late=True,
            window_closed_on=window.closes_on.isoformat() if window else None,
            notify=Role.SERVICE_MANAGER.value,
        )
        return update_case(case, appeals=(*case.appeals, appeal))
    appeal = _under_review(appeal_id, decision.decision_id, cmd, rec, policy, cmd.received_on)
    letter = rec.letter_for_next(LetterKind.APPEAL_ACKNOWLEDGEMENT)
    rec.add(
        CaseEventType.APPEAL_LOGGED,
        reason=cmd.grounds,
        letter=letter,
        appeal_id=appeal_id,
        decision_id=decision.decision_id,
        received_on=cmd.received_on.isoformat(),
        late=False,
        review_due_on=_iso(appeal.review_due_on),
    )
    return update_case(case, appeals=(*case.appeals, appeal), status=CaseStatus.UNDER_APPEAL)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _under_review(
    appeal_id: str,
    decision_id: str,
    cmd: LogAppeal,
    rec: Recorder,
    policy: Policy,
    clock_starts: date,
) -> Appeal:
    review_due = policy.appeal_review_due(clock_starts)
    return Appeal(
        appeal_id=appeal_id,
        decision_id=decision_id,
        received_on=cmd.received_on,
        logged_by=rec.actor,
        grounds=cmd.grounds,
        late=False,
        status=AppealStatus.UNDER_REVIEW,
        review_due_on=review_due,
        review_clock_from=clock_starts,
        reminder_due_on=policy.appeal_review_reminder(review_due),
    )


def _late_appeal(case: Case) -> Appeal:
    appeal = next(
        (a for a in case.appeals if a.status is AppealStatus.AWAITING_LATE_ACCEPTANCE), None
    )
    if appeal is None:
        raise RuleViolation("s5-late-appeal", "there is no late appeal awaiting a decision")
    return appeal


def _replace_appeal(case: Case, appeal: Appeal) -> tuple[Appeal, ...]:
    return tuple(appeal if a.appeal_id == appeal.appeal_id else a for a in case.appeals)


@handles(CommandKind.ACCEPT_LATE_APPEAL)
def _accept_late(case: Case | None, cmd: AcceptLateAppeal, rec: Recorder, policy: Policy) -> Case:
    case = require_case(case)
    appeal = _late_appeal(case)
    # The review's working days run from acceptance: the review could not start before it.
    review_due = policy.appeal_review_due(london_date(rec.now))
    accepted = appeal.model_copy(
        update={
            "status": AppealStatus.UNDER_REVIEW,
            "late_decision_reason": cmd.reason,
            "review_due_on": review_due,
            "review_clock_from": london_date(rec.now),
            "reminder_due_on": policy.appeal_review_reminder(review_due),
        }
    )
    letter = rec.letter_for_next(LetterKind.APPEAL_ACKNOWLEDGEMENT)
    rec.add(
        CaseEventType.LATE_APPEAL_ACCEPTED,
        reason=cmd.reason,
        letter=letter,
        appeal_id=appeal.appeal_id,
        review_due_on=review_due.isoformat(),
    )
    return update_case(
        case, appeals=_replace_appeal(case, accepted), status=CaseStatus.UNDER_APPEAL
    )


@handles(CommandKind.DECLINE_LATE_APPEAL)
def _decline_late(case: Case | None, cmd: DeclineLateAppeal, rec: Recorder, _p: Policy) -> Case:
    case = require_case(case)
    appeal = _late_appeal(case)
    declined = appeal.model_copy(
        update={"status": AppealStatus.LATE_DECLINED, "late_decision_reason": cmd.reason}
    )
    letter = rec.letter_for_next(LetterKind.LATE_APPEAL_DECLINED)
    rec.add(
        CaseEventType.LATE_APPEAL_DECLINED,
        reason=cmd.reason,
        letter=letter,
        appeal_id=appeal.appeal_id,
    )
    return update_case(case, appeals=_replace_appeal(case, declined))


def _appeal_under_review(case: Case) -> Appeal:
    appeal = next((a for a in case.appeals if a.status is AppealStatus.UNDER_REVIEW), None)
    if appeal is None:  # UNDER_APPEAL always has one; guard for bad data
        raise RuleViolation("s5-right-of-appeal", "no appeal is under review")
    return appeal


@handles(CommandKind.APPEAL_REVIEW_REMINDER)
def _appeal_reminder(
    case: Case | None, _c: AppealReviewReminder, rec: Recorder, _p: Policy
) -> Case:
    case = require_case(case)
    appeal = _appeal_under_review(case)
    if appeal.reminded:
        raise NothingToDo("deadline-duplicate", "the reviewer was already reminded")
    if appeal.reminder_due_on is None or london_date(rec.now) < appeal.reminder_due_on:
        raise NothingToDo("deadline-early", "the reminder is not due yet")
    rec.add(
        CaseEventType.APPEAL_REVIEW_REMINDER,
        appeal_id=appeal.appeal_id,
        review_due_on=_iso(appeal.review_due_on),
        notify=Role.EXECUTIVE.value,
    )
    return update_case(
        case, appeals=_replace_appeal(case, appeal.model_copy(update={"reminded": True}))
    )


@handles(CommandKind.APPEAL_REVIEW_OVERDUE)
def _appeal_overdue(
    case: Case | None, _c: AppealReviewOverdue, rec: Recorder, policy: Policy
) -> Case:
    case = require_case(case)
    appeal = _appeal_under_review(case)
    if appeal.overdue_escalated:
        raise NothingToDo("deadline-duplicate", "the overdue appeal was already escalated")
    if appeal.review_due_on is None or rec.now <= end_of_day(appeal.review_due_on):
        raise NothingToDo("deadline-early", "the appeal review is not overdue")
    rec.add(
        CaseEventType.APPEAL_REVIEW_OVERDUE,
        reason="the independent review was not completed within "
        f"{policy.terms.appeal_review_working_days} working days",
        appeal_id=appeal.appeal_id,
        review_due_on=_iso(appeal.review_due_on),
        notify=Role.EXECUTIVE.value,
    )
    escalated = appeal.model_copy(update={"overdue_escalated": True})
    return update_case(case, appeals=_replace_appeal(case, escalated))


@handles(CommandKind.DELAY_APPEAL_REVIEW)
def _delay_review(case: Case | None, cmd: DelayAppealReview, rec: Recorder, policy: Policy) -> Case:
    """The review needs longer: a later working day, and why. The customer is told by letter
    (the Housing Ombudsman's Complaint Handling Code); the reminder and the escalation follow
    the new date. It may be delayed again."""
    case = require_case(case)
    appeal = _appeal_under_review(case)
    if cmd.appeal_id != appeal.appeal_id:
        raise RuleViolation("s5-review-delayed", f"appeal {cmd.appeal_id} is not under review")
    current = appeal.review_due_on
    if current is None:  # an appeal under review always has its due date; guard for bad data
        raise RuleViolation("s5-review-delayed", "the review has no due date to move")
    new = cmd.review_due_on
    if new <= current:
        raise RuleViolation(
            "s5-review-delayed",
            f"the new review date must be after the current one, {current.isoformat()}",
        )
    if new < london_date(rec.now):
        raise RuleViolation("s5-review-delayed", "the new review date cannot be in the past")
    why_not = policy.calendar.why_not_working(new)
    if why_not is not None:
        raise RuleViolation(
            "s5-review-delayed",
            f"the new review date must be a working day: {new.isoformat()} is not ({why_not})",
        )
    letter = rec.letter_for_next(LetterKind.APPEAL_REVIEW_DELAYED)
    rec.add(
        CaseEventType.APPEAL_REVIEW_DELAYED,
        reason=cmd.reason,
        letter=letter,
        appeal_id=appeal.appeal_id,
        previous_review_due_on=current.isoformat(),
        review_due_on=new.isoformat(),
    )
    # A new date: the reviewer is reminded before it and escalated after it, even when they
    # were for the old one.
    delayed = appeal.model_copy(
        update={
            "review_due_on": new,
            "reminder_due_on": policy.appeal_review_reminder(new),
            "reminded": False,
            "overdue_escalated": False,
            "review_delays": appeal.review_delays + 1,
        }
    )
    return update_case(case, appeals=_replace_appeal(case, delayed))


@handles(CommandKind.DECIDE_APPEAL)
def _decide_appeal(case: Case | None, cmd: DecideAppeal, rec: Recorder, policy: Policy) -> Case:
    case = require_case(case)
    appeal = _appeal_under_review(case)
    if rec.actor.actor_id in case.decision_participants:
        raise NotPermitted(
            "s5-independent-review",
            "the appeal reviewer must be an Executive Team member who took no part in the decision",
        )
    decision, period = case.decision, case.period
    if decision is None or period is None:
        raise RuleViolation("s5-right-of-appeal", "there are no restrictions to review")
    status_by_outcome = {
        AppealOutcome.UPHELD: AppealStatus.UPHELD,
        AppealOutcome.DISMISSED: AppealStatus.DISMISSED,
        AppealOutcome.VARIED: AppealStatus.VARIED,
    }
    letter_by_outcome = {
        AppealOutcome.UPHELD: LetterKind.APPEAL_UPHELD,
        AppealOutcome.DISMISSED: LetterKind.APPEAL_DISMISSED,
        AppealOutcome.VARIED: LetterKind.APPEAL_VARIED,
    }
    if cmd.outcome is AppealOutcome.VARIED and not cmd.varied_restrictions:
        raise RuleViolation("s5-appeal-outcomes", "a varied outcome must give the new restrictions")
    if cmd.outcome is not AppealOutcome.VARIED and cmd.varied_restrictions:
        raise RuleViolation("s5-appeal-outcomes", "only a varied outcome changes restrictions")
    officers_in_organisation(cmd.varied_restrictions, policy)
    decided = appeal.model_copy(
        update={
            "status": status_by_outcome[cmd.outcome],
            "decided_by": rec.actor,
            "outcome_reason": cmd.reason,
        }
    )
    letter = rec.letter_for_next(letter_by_outcome[cmd.outcome])
    rec.add(
        CaseEventType.APPEAL_DECIDED,
        reason=cmd.reason,
        letter=letter,
        appeal_id=appeal.appeal_id,
        outcome=cmd.outcome.value,
        restriction_types=[r.type for r in cmd.varied_restrictions],
    )
    case = update_case(case, appeals=_replace_appeal(case, decided))
    if cmd.outcome is AppealOutcome.UPHELD:
        rec.add(CaseEventType.RESTRICTIONS_ENDED, reason="appeal upheld: restrictions lifted")
        return update_case(
            case,
            status=CaseStatus.CLOSED,
            period=period.model_copy(update={"ended_at": rec.now}),
            closed_at=rec.now,
            closure_reason="appeal upheld",
        )
    if cmd.outcome is AppealOutcome.VARIED:  # end date unchanged
        case = update_case(
            case, decision=decision.model_copy(update={"restrictions": cmd.varied_restrictions})
        )
    return update_case(case, status=CaseStatus.RESTRICTED)
