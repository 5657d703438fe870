"""Step 1 (s.4): the Service Manager raises a concern, follows it up, or closes it."""

from __future__ import annotations

from contactguard.domain.calendar import london_date
from contactguard.domain.case import (
    Case,
    CaseEventType,
    CaseStatus,
    CloseConcern,
    CommandKind,
    Concern,
    ConcernFollowUpDue,
    LetterKind,
    RaiseConcern,
)
from contactguard.domain.errors import NothingToDo
from contactguard.domain.lifecycle.handlers import handles, require_case, update_case
from contactguard.domain.lifecycle.recorder import Recorder
from contactguard.domain.model import Role, aspects_data
from contactguard.domain.policy import Policy


@handles(CommandKind.RAISE_CONCERN)
def _raise_concern(_: Case | None, cmd: RaiseConcern, rec: Recorder, policy: Policy) -> Case:
    letter = rec.letter_for_next(LetterKind.CONCERN)
    concern = Concern(
        raised_at=rec.now,
        raised_by=rec.actor,
        behaviours=cmd.behaviours,
        aspects=cmd.aspects,
        evidence_contact_ids=cmd.evidence_contact_ids,
        note=cmd.note,
        letter_id=letter.letter_id,
    )
    rec.add(
        CaseEventType.CONCERN_RAISED,
        reason=cmd.note,
        letter=letter,
        behaviours=[b.value for b in cmd.behaviours],
        **aspects_data(cmd.aspects),
        evidence_contact_ids=list(cmd.evidence_contact_ids),
    )
    return Case(
        case_id=rec.case_id,
        customer_id=rec.customer_id,
        status=CaseStatus.CONCERN,
        version=1,
        opened_at=rec.now,
        concern=concern,
    )


@handles(CommandKind.CLOSE_CONCERN)
def _close_concern(case: Case | None, cmd: CloseConcern, rec: Recorder, _p: Policy) -> Case:
    case = require_case(case)
    # A customer who was sent the concern letter is told it is closed and nothing follows;
    # one who was never sent it was never told of a concern, and gets no letter.
    told = case.concern is not None and case.concern.letter_sent_on is not None
    letter = rec.letter_for_next(LetterKind.CONCERN_CLOSED) if told else None
    rec.add(CaseEventType.CONCERN_CLOSED, reason=cmd.reason, letter=letter)
    return update_case(case, status=CaseStatus.CLOSED, closed_at=rec.now, closure_reason=cmd.reason)


@handles(CommandKind.CONCERN_FOLLOW_UP_DUE)
def _concern_follow_up(
    case: Case | None, _cmd: ConcernFollowUpDue, rec: Recorder, _p: Policy
) -> Case:
    case = require_case(case)
    concern = case.concern
    if concern is None or concern.follow_up_due_on is None:
        raise NothingToDo("deadline-stale", "the concern letter has not been sent")
    if concern.follow_up_reminded:
        raise NothingToDo("deadline-duplicate", "the follow-up reminder was already given")
    if london_date(rec.now) < concern.follow_up_due_on:
        raise NothingToDo("deadline-early", "the follow-up is not due yet")
    rec.add(
        CaseEventType.CONCERN_FOLLOW_UP_DUE,
        reason="has the behaviour changed? close the concern or submit to the Head of Service",
        due_on=concern.follow_up_due_on.isoformat(),
        notify=Role.SERVICE_MANAGER.value,
    )
    return update_case(case, concern=concern.model_copy(update={"follow_up_reminded": True}))
