"""The twelve-month review (s.6): the review pack, the review decision, the lapse of unreviewed
restrictions, and closing a lapsed case."""

from __future__ import annotations

from contactguard.domain.calendar import london_date
from contactguard.domain.case import (
    AppealStatus,
    Case,
    CaseEventType,
    CaseStatus,
    CloseCase,
    CommandKind,
    DecideReview,
    DecisionKind,
    LapseRestrictions,
    LetterKind,
    RestrictionPeriod,
    ReviewOutcome,
    ReviewPackDue,
)
from contactguard.domain.errors import (
    NothingToDo,
    RuleViolation,
)
from contactguard.domain.lifecycle.handlers import handles, require_case, update_case
from contactguard.domain.lifecycle.recorder import Recorder
from contactguard.domain.lifecycle.restrictions import new_restriction_period
from contactguard.domain.model import Role
from contactguard.domain.policy import Policy


def _in_force_period(case: Case) -> RestrictionPeriod:
    if case.period is None:
        raise RuleViolation("s6-review", "the restrictions have not started")
    return case.period


@handles(CommandKind.REVIEW_PACK_DUE)
def _review_pack_due(case: Case | None, _c: ReviewPackDue, rec: Recorder, _p: Policy) -> Case:
    case = require_case(case)
    period = case.period
    if period is None or period.ends_on in case.reviewed_ends_on:
        raise NothingToDo("deadline-stale", "no review is pending")
    if period.review_pack_issued:
        raise NothingToDo("deadline-duplicate", "the review pack was already asked for")
    if london_date(rec.now) < period.review_pack_due_on:
        raise NothingToDo("deadline-early", "the review pack is not due yet")
    letter = rec.letter_for_next(LetterKind.REVIEW_PACK)
    rec.add(
        CaseEventType.REVIEW_PACK_DUE,
        letter=letter,
        ends_on=period.ends_on.isoformat(),
        notify=Role.HEAD_OF_SERVICE.value,
    )
    return update_case(case, period=period.model_copy(update={"review_pack_issued": True}))


@handles(CommandKind.DECIDE_REVIEW)
def _decide_review(case: Case | None, cmd: DecideReview, rec: Recorder, policy: Policy) -> Case:
    case = require_case(case)
    period = _in_force_period(case)
    if rec.now >= period.scheduled_end:
        # s.6 / DESIGN.md: the restrictions lapsed on the end date; a late decision cannot
        # revive them (a new Step 2 decision can impose them again).
        raise RuleViolation(
            "s6-unreviewed-lapse",
            f"the restrictions ended on {period.ends_on}: the review decision came too late",
        )
    if period.ends_on in case.reviewed_ends_on:
        raise RuleViolation("s6-one-review-per-period", "this period's review is already decided")
    reviewed = (*case.reviewed_ends_on, period.ends_on)
    if cmd.outcome is ReviewOutcome.CLOSE:
        letter = rec.letter_for_next(LetterKind.REVIEW_CLOSED)
        rec.add(CaseEventType.REVIEW_DECIDED, reason=cmd.reason, letter=letter, outcome="close")
        rec.add(CaseEventType.RESTRICTIONS_ENDED, reason="review: case closed")
        appeals = tuple(
            a.model_copy(update={"status": AppealStatus.MOOT}) if a.open else a
            for a in case.appeals
        )
        return update_case(
            case,
            status=CaseStatus.CLOSED,
            reviewed_ends_on=reviewed,
            appeals=appeals,
            period=period.model_copy(update={"ended_at": rec.now}),
            closed_at=rec.now,
            closure_reason=cmd.reason,
        )
    if case.decision is None:
        raise RuleViolation("s6-review", "there are no restrictions to extend")
    # s.6: extend for a new 12-month period from the old end date; a new letter and a new
    # right of appeal.
    new_period = new_restriction_period(period.scheduled_end, period.ends_on, policy)
    letter = rec.letter_for_next(LetterKind.REVIEW_EXTENDED)
    decision = case.decision.model_copy(
        update={
            "decision_id": f"D{rec.next_seq:04d}",
            "kind": DecisionKind.REVIEW_EXTENSION,
            "decided_at": rec.now,
            "decided_by": rec.actor,
            "reason": cmd.reason,
            "letter_id": letter.letter_id,
        }
    )
    rec.add(
        CaseEventType.REVIEW_DECIDED,
        reason=cmd.reason,
        letter=letter,
        outcome="extend",
        decision_id=decision.decision_id,
        previous_ends_on=period.ends_on.isoformat(),
        ends_on=new_period.ends_on.isoformat(),
        review_pack_due_on=new_period.review_pack_due_on.isoformat(),
    )
    participants = tuple(dict.fromkeys((*case.decision_participants, rec.actor.actor_id)))
    # The extension starts where the old period ends; until then the old period runs on.
    return update_case(
        case,
        decision=decision,
        decision_participants=participants,
        reviewed_ends_on=reviewed,
        period=new_period.model_copy(update={"starts_at": period.starts_at}),
        appeal_window=None,
    )


@handles(CommandKind.LAPSE_RESTRICTIONS)
def _lapse(case: Case | None, _c: LapseRestrictions, rec: Recorder, _p: Policy) -> Case:
    case = require_case(case)
    period = _in_force_period(case)
    if rec.now < period.scheduled_end:
        raise NothingToDo("deadline-early", f"the restrictions run until {period.ends_on}")
    letter = rec.letter_for_next(LetterKind.RESTRICTIONS_LAPSED)
    rec.add(
        CaseEventType.RESTRICTIONS_LAPSED,
        reason="the end date passed with no review decision",
        letter=letter,
        ends_on=period.ends_on.isoformat(),
    )
    rec.add(
        CaseEventType.MISSED_REVIEW_ESCALATED,
        reason="the 12-month review was not decided before the end date",
        ends_on=period.ends_on.isoformat(),
        notify=Role.HEAD_OF_SERVICE.value,
        alert=True,
    )
    appeals = tuple(
        a.model_copy(update={"status": AppealStatus.MOOT}) if a.open else a for a in case.appeals
    )
    return update_case(
        case,
        status=CaseStatus.LAPSED,
        appeals=appeals,
        period=period.model_copy(update={"ended_at": period.scheduled_end}),
    )


@handles(CommandKind.CLOSE_CASE)
def _close_case(case: Case | None, cmd: CloseCase, rec: Recorder, _p: Policy) -> Case:
    case = require_case(case)
    letter = rec.letter_for_next(LetterKind.CASE_CLOSED)
    rec.add(CaseEventType.CASE_CLOSED, reason=cmd.reason, letter=letter)
    return update_case(case, status=CaseStatus.CLOSED, closed_at=rec.now, closure_reason=cmd.reason)
