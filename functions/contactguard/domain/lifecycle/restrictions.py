"""Step 2 (s.4): the Head of Service imposes restrictions, which start when the customer is told,
or at once for an immediate decision; and varies the restrictions in force during their
period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from contactguard.domain.calendar import london_date
from contactguard.domain.case import (
    Case,
    CaseEventType,
    CaseStatus,
    CommandKind,
    DecisionKind,
    ImposeRestrictions,
    LetterKind,
    LetterStatus,
    RestrictionDecision,
    RestrictionPeriod,
    VaryRestrictions,
)
from contactguard.domain.errors import RuleViolation
from contactguard.domain.lifecycle.handlers import handles, require_case, update_case
from contactguard.domain.lifecycle.recorder import Recorder
from contactguard.domain.model import EqualityConsiderations, aspects_data
from contactguard.domain.policy import Policy
from contactguard.domain.restrictions import Restriction


@handles(CommandKind.IMPOSE_RESTRICTIONS)
def _impose(case: Case | None, cmd: ImposeRestrictions, rec: Recorder, policy: Policy) -> Case:
    if cmd.immediate:
        if not (cmd.immediate_reason and cmd.immediate_reason.strip()):
            raise RuleViolation(
                "s4-immediate-restrictions",
                "an immediate decision must say why the behaviour is extreme or threatens "
                "staff safety",
            )
    else:
        concern = case.concern if case else None
        if concern is None or concern.letter_sent_on is None:
            raise RuleViolation(
                "s4-step2-after-step1",
                "restrictions follow a Step 1 concern letter that has been sent; otherwise "
                "mark the decision immediate with a reason",
            )
    _equality_considered(cmd.equality)
    if case is None and (cmd.case_id is None or cmd.customer_id is None):
        raise RuleViolation("case-identity", "a new case needs a case_id and customer_id")
    if case is not None and cmd.case_id not in (None, case.case_id):
        raise RuleViolation("case-identity", "the command names another case")
    officers_in_organisation(cmd.restrictions, policy)

    kind = LetterKind.IMMEDIATE_RESTRICTIONS if cmd.immediate else LetterKind.RESTRICTIONS
    decision_id = f"D{rec.next_seq:04d}"
    letter = rec.letter_for_next(kind)
    decision = RestrictionDecision(
        decision_id=decision_id,
        kind=DecisionKind.IMMEDIATE if cmd.immediate else DecisionKind.STEP_2,
        decided_at=rec.now,
        decided_by=rec.actor,
        restrictions=cmd.restrictions,
        behaviours=cmd.behaviours,
        aspects=cmd.aspects,
        reason=cmd.reason,
        equality=cmd.equality,
        immediate_reason=cmd.immediate_reason,
        police_or_legal_action=cmd.police_or_legal_action,
        letter_id=letter.letter_id,
    )
    rec.add(
        CaseEventType.RESTRICTIONS_IMPOSED,
        reason=cmd.reason,
        letter=letter,
        decision_id=decision_id,
        immediate=cmd.immediate,
        immediate_reason=cmd.immediate_reason,
        police_or_legal_action=cmd.police_or_legal_action,
        restriction_types=[r.type for r in cmd.restrictions],
        **aspects_data(cmd.aspects),
    )
    base = case or Case(
        case_id=rec.case_id,
        customer_id=rec.customer_id,
        status=CaseStatus.RESTRICTIONS_DECIDED,
        version=1,
        opened_at=rec.now,
    )
    participants = tuple(dict.fromkeys((*base.decision_participants, rec.actor.actor_id)))
    updated = update_case(
        base,
        decision=decision,
        decision_participants=participants,
        period=None,
        appeal_window=None,
        status=CaseStatus.RESTRICTIONS_DECIDED,
    )
    if cmd.immediate:  # s.4: prior warning may not be given; in force at once
        updated = start_restrictions(updated, rec.now, rec, policy)
    return updated


def _equality_considered(equality: EqualityConsiderations | None) -> None:
    if equality is None or not equality.complete:
        raise RuleViolation(
            "s4-equality-considered",
            "record that reasonable adjustments, vulnerability and Equality Act duties were "
            "considered before restricting contact",
        )


VARIED = "s4-restrictions-varied"


@handles(CommandKind.VARY_RESTRICTIONS)
def _vary(case: Case | None, cmd: VaryRestrictions, rec: Recorder, policy: Policy) -> Case:
    """The restrictions in force change mid-term, as an appeal's varied outcome changes them:
    the new set replaces the old one in the case's decision at once (enforcement reads the
    restrictions in force, so the new set applies from this moment), and the period, its end
    date and its 12-month review date stay as they are. The decision gets a new id, so the
    letter that tells the customer opens a new 15-working-day window to appeal against it
    when it is marked sent (letters.py), as a review extension's does. Refused while an
    appeal is open (decide it first: the reviewer judges the restrictions in force), once
    the period has reached its end date, and before the customer has been told of the
    restrictions now in force (send that letter first, so no letter is superseded unsent)."""
    case = require_case(case)
    decision, period = case.decision, case.period
    if decision is None or period is None:  # RESTRICTED always has both; guard for bad data
        raise RuleViolation(VARIED, "there are no restrictions in force to vary")
    if rec.now >= period.scheduled_end:
        raise RuleViolation(
            VARIED,
            f"the restrictions ended on {period.ends_on.isoformat()}: there is nothing in "
            "force to vary",
        )
    appeal = case.open_appeal
    if appeal is not None:
        raise RuleViolation(
            VARIED,
            f"appeal {appeal.appeal_id} against the restrictions is open: it must be decided "
            "before the restrictions are varied",
        )
    told = case.letter(decision.letter_id)
    if told is not None and told.status is not LetterStatus.SENT:
        raise RuleViolation(
            VARIED,
            f"the {told.kind.value} letter ({told.letter_id}) telling the customer of the "
            "restrictions in force has not been sent: send it before varying them",
        )
    _equality_considered(cmd.equality)
    officers_in_organisation(cmd.restrictions, policy)
    if tuple(cmd.restrictions) == tuple(decision.restrictions):
        raise RuleViolation(VARIED, "the new restrictions are the same as those in force")
    letter = rec.letter_for_next(LetterKind.RESTRICTIONS_VARIED)
    varied = decision.model_copy(
        update={
            "decision_id": f"D{rec.next_seq:04d}",
            "kind": DecisionKind.VARIATION,
            "decided_at": rec.now,
            "decided_by": rec.actor,
            "restrictions": cmd.restrictions,
            "reason": cmd.reason,
            "equality": cmd.equality,
            "letter_id": letter.letter_id,
        }
    )
    rec.add(
        CaseEventType.RESTRICTIONS_VARIED,
        reason=cmd.reason,
        letter=letter,
        decision_id=varied.decision_id,
        previous_decision_id=decision.decision_id,
        previous_letter_id=decision.letter_id,
        previous_restriction_types=[r.type for r in decision.restrictions],
        restriction_types=[r.type for r in cmd.restrictions],
        # Unchanged: said so the record shows the variation left them where they were.
        ends_on=period.ends_on.isoformat(),
        review_pack_due_on=period.review_pack_due_on.isoformat(),
    )
    participants = tuple(dict.fromkeys((*case.decision_participants, rec.actor.actor_id)))
    # The window to appeal against the old decision gives way to the one the new letter
    # opens; until it is sent nothing is late (an appeal logged meanwhile is against the
    # restrictions now in force).
    return update_case(
        case, decision=varied, decision_participants=participants, appeal_window=None
    )


def officers_in_organisation(restrictions: Sequence[Restriction], policy: Policy) -> None:
    """Each restriction's details meet the rules the policy's terms set (a single point of
    contact's mail goes to the officer's address: it must be ours)."""
    for restriction in restrictions:
        restriction.check_terms(policy.terms)


def new_restriction_period(
    starts_at: datetime, first_day: date, policy: Policy
) -> RestrictionPeriod:
    dates = policy.restriction_dates(first_day)
    return RestrictionPeriod(
        starts_at=starts_at, ends_on=dates.ends_on, review_pack_due_on=dates.review_pack_due_on
    )


def start_restrictions(case: Case, starts_at: datetime, rec: Recorder, policy: Policy) -> Case:
    period = new_restriction_period(starts_at, london_date(starts_at), policy)
    rec.add(
        CaseEventType.RESTRICTIONS_STARTED,
        starts_at=period.starts_at.isoformat(),
        ends_on=period.ends_on.isoformat(),
        review_pack_due_on=period.review_pack_due_on.isoformat(),
    )
    return update_case(case, status=CaseStatus.RESTRICTED, period=period)
