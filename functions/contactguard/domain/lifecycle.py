"""The case lifecycle: a transition table and one pure function, `decide`.

`decide(case, command, actor, now, policy)` returns the new case state and the events that
record the decision, or raises a typed PolicyError naming the rule that refused it. It reads
no clock and touches nothing outside its arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import JsonValue

from contactguard.domain.calendar import end_of_day, london_date, start_of_day
from contactguard.domain.case import (
    DEADLINE_COMMANDS,
    AcceptLateAppeal,
    Appeal,
    AppealOutcome,
    AppealReviewOverdue,
    AppealReviewReminder,
    AppealStatus,
    AppealWindow,
    Case,
    CaseEvent,
    CaseEventType,
    CaseStatus,
    CloseAppealWindow,
    CloseCase,
    CloseConcern,
    Command,
    CommandKind,
    Concern,
    ConcernFollowUpDue,
    DecideAppeal,
    DecideReview,
    DecisionKind,
    DeclineLateAppeal,
    ImposeRestrictions,
    LapseRestrictions,
    Letter,
    LetterKind,
    LetterRef,
    LetterStatus,
    LogAppeal,
    MarkLetterSent,
    RaiseConcern,
    RecalculateDeadlines,
    RecordLetterDrafted,
    RecordLetterFailed,
    RedraftLetter,
    RemindUnsentLetter,
    RestrictionDecision,
    RestrictionPeriod,
    ReviewOutcome,
    ReviewPackDue,
)
from contactguard.domain.errors import (
    IllegalTransition,
    NothingToDo,
    NotPermitted,
    PolicyError,
    RuleViolation,
)
from contactguard.domain.letter_kinds import (
    APPEALABLE_LETTERS,
    DATE_BOUND_LETTERS,
    INTERNAL_LETTERS,
    LETTER_SENDERS,
)
from contactguard.domain.model import (
    Actor,
    Role,
)
from contactguard.domain.policy import Policy, PolicyTerms
from contactguard.domain.restrictions import Restriction

S = CaseStatus
K = CommandKind
_ALL = tuple(CaseStatus)
_IN_FORCE = (S.RESTRICTED, S.UNDER_APPEAL)


@dataclass(frozen=True)
class Outcome:
    case: Case
    events: tuple[CaseEvent, ...]


# The transition table: (status before, command) -> the statuses it may lead to. `None` is
# "no case yet". A pair missing from the table is an illegal transition.
TRANSITIONS: dict[tuple[CaseStatus | None, CommandKind], frozenset[CaseStatus]] = {
    (None, K.RAISE_CONCERN): frozenset({S.CONCERN}),
    (None, K.IMPOSE_RESTRICTIONS): frozenset({S.RESTRICTED}),  # immediate only (s.4)
    (S.CONCERN, K.IMPOSE_RESTRICTIONS): frozenset({S.RESTRICTIONS_DECIDED, S.RESTRICTED}),
    (S.LAPSED, K.IMPOSE_RESTRICTIONS): frozenset({S.RESTRICTIONS_DECIDED, S.RESTRICTED}),
    (S.CONCERN, K.CLOSE_CONCERN): frozenset({S.CLOSED}),
    (S.CONCERN, K.CONCERN_FOLLOW_UP_DUE): frozenset({S.CONCERN}),
    **{(s, K.RECORD_LETTER_DRAFTED): frozenset({s}) for s in _ALL},
    **{(s, K.RECORD_LETTER_FAILED): frozenset({s}) for s in _ALL},
    **{(s, K.MARK_LETTER_SENT): frozenset({s}) for s in _ALL if s is not S.RESTRICTIONS_DECIDED},
    (S.RESTRICTIONS_DECIDED, K.MARK_LETTER_SENT): frozenset({S.RESTRICTIONS_DECIDED, S.RESTRICTED}),
    **{(s, K.REDRAFT_LETTER): frozenset({s}) for s in _ALL},
    **{(s, K.CLOSE_APPEAL_WINDOW): frozenset({s}) for s in _IN_FORCE},
    (S.RESTRICTED, K.LOG_APPEAL): frozenset({S.RESTRICTED, S.UNDER_APPEAL}),
    (S.RESTRICTED, K.ACCEPT_LATE_APPEAL): frozenset({S.UNDER_APPEAL}),
    (S.RESTRICTED, K.DECLINE_LATE_APPEAL): frozenset({S.RESTRICTED}),
    (S.UNDER_APPEAL, K.DECIDE_APPEAL): frozenset({S.RESTRICTED, S.CLOSED}),
    (S.UNDER_APPEAL, K.APPEAL_REVIEW_REMINDER): frozenset({S.UNDER_APPEAL}),
    (S.UNDER_APPEAL, K.APPEAL_REVIEW_OVERDUE): frozenset({S.UNDER_APPEAL}),
    (S.RESTRICTED, K.DECIDE_REVIEW): frozenset({S.RESTRICTED, S.CLOSED}),
    (S.UNDER_APPEAL, K.DECIDE_REVIEW): frozenset({S.UNDER_APPEAL, S.CLOSED}),
    **{(s, K.REVIEW_PACK_DUE): frozenset({s}) for s in _IN_FORCE},
    **{(s, K.LAPSE_RESTRICTIONS): frozenset({S.LAPSED}) for s in _IN_FORCE},
    (S.LAPSED, K.CLOSE_CASE): frozenset({S.CLOSED}),
    **{(s, K.REMIND_UNSENT_LETTER): frozenset({s}) for s in _ALL},
    **{
        (s, K.RECALCULATE_DEADLINES): frozenset({s})
        for s in (S.CONCERN, S.RESTRICTED, S.UNDER_APPEAL)
    },
}

# Who may give each command (s.4: Step 1 by the Service Manager, Step 2 by the Head of
# Service; s.5: appeals to the Customer Experience Team, reviewed by the Executive Team).
PERMITTED_ROLES: dict[CommandKind, frozenset[Role]] = {
    K.RAISE_CONCERN: frozenset({Role.SERVICE_MANAGER}),
    K.CLOSE_CONCERN: frozenset({Role.SERVICE_MANAGER}),
    K.IMPOSE_RESTRICTIONS: frozenset({Role.HEAD_OF_SERVICE}),
    K.RECORD_LETTER_DRAFTED: frozenset({Role.SYSTEM}),
    K.RECORD_LETTER_FAILED: frozenset({Role.SYSTEM}),
    K.MARK_LETTER_SENT: frozenset(
        {Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE, Role.CUSTOMER_EXPERIENCE, Role.EXECUTIVE}
    ),
    K.REDRAFT_LETTER: frozenset(
        {Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE, Role.CUSTOMER_EXPERIENCE, Role.EXECUTIVE}
    ),
    K.LOG_APPEAL: frozenset({Role.CUSTOMER_EXPERIENCE}),
    K.ACCEPT_LATE_APPEAL: frozenset({Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE}),
    K.DECLINE_LATE_APPEAL: frozenset({Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE}),
    K.DECIDE_APPEAL: frozenset({Role.EXECUTIVE}),
    K.DECIDE_REVIEW: frozenset({Role.HEAD_OF_SERVICE}),
    K.CLOSE_CASE: frozenset({Role.HEAD_OF_SERVICE}),
    **{k: frozenset({Role.SYSTEM}) for k in DEADLINE_COMMANDS},
}

# Which roles may mark which letters sent (the manager who checks and sends it), whether a
# letter must go on the day it carries, whether it opens an appeal: one row per letter kind in
# letter_kinds.LETTER_KINDS, read here through its views.


class _Recorder:
    """Collects the events one command produces, numbering them from the case version."""

    def __init__(self, case_id: str, customer_id: str, version: int, actor: Actor, now: datetime):
        self.case_id, self.customer_id = case_id, customer_id
        self.version, self.actor, self.now = version, actor, now
        self.events: list[CaseEvent] = []
        self.letters: list[Letter] = []

    @property
    def next_seq(self) -> int:
        return self.version + len(self.events) + 1

    def letter_for_next(self, kind: LetterKind) -> Letter:
        """A letter required by the next event; its id is deterministic (kind + event seq)."""
        letter = Letter(
            letter_id=f"{kind.value}-{self.next_seq:04d}",
            kind=kind,
            required_at=self.now,
            source_seq=self.next_seq,
        )
        self.letters.append(letter)
        return letter

    def add(
        self,
        type_: CaseEventType,
        *,
        reason: str | None = None,
        letter: Letter | None = None,
        **data: JsonValue,
    ) -> None:
        self.events.append(
            CaseEvent(
                case_id=self.case_id,
                customer_id=self.customer_id,
                seq=self.next_seq,
                type=type_,
                at=self.now,
                actor=self.actor,
                reason=reason,
                data=data,
                letter=LetterRef(letter_id=letter.letter_id, kind=letter.kind) if letter else None,
            )
        )


_C = TypeVar("_C")
_Handler = Callable[[Case | None, Any, "_Recorder", Policy], Case]
_HANDLERS: dict[CommandKind, _Handler] = {}


def _handles(kind: CommandKind) -> Callable[[_C], _C]:
    def register(fn: _C) -> _C:
        _HANDLERS[kind] = fn  # type: ignore[assignment]
        return fn

    return register


def decide(
    case: Case | None, command: Command, actor: Actor, now: datetime, policy: Policy
) -> Outcome:
    """Apply one command to a case. Raises a PolicyError subclass naming the refusing rule."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    kind = command.kind
    allowed_roles = PERMITTED_ROLES[kind]
    if actor.role not in allowed_roles:
        roles = ", ".join(sorted(r.value for r in allowed_roles))
        raise NotPermitted("role-permissions", f"{kind.value} needs the role: {roles}")
    status = case.status if case else None
    targets = TRANSITIONS.get((status, kind))
    if targets is None:
        where = f"a case that is {status.value}" if status else "a customer with no case"
        if kind in DEADLINE_COMMANDS:
            raise NothingToDo("deadline-stale", f"{kind.value} no longer applies to {where}")
        raise IllegalTransition("lifecycle", f"{kind.value} is not possible for {where}")
    if case is not None and case.version < 1:
        raise ValueError("case version must be 1 or more")
    recorder = _Recorder(
        case.case_id if case else _new_case_id(command),
        case.customer_id if case else _new_customer_id(command),
        case.version if case else 0,
        actor,
        now,
    )
    new_case = _HANDLERS[kind](case, command, recorder, policy)
    if not recorder.events:
        raise AssertionError(f"{kind.value} produced no event")
    if new_case.status not in targets:
        raise AssertionError(f"{kind.value} led to {new_case.status}, outside the table")
    letters = tuple(
        x for x in new_case.letters if x.letter_id not in {n.letter_id for n in recorder.letters}
    ) + tuple(recorder.letters)
    new_case = new_case.model_copy(update={"version": recorder.events[-1].seq, "letters": letters})
    return Outcome(case=new_case, events=tuple(recorder.events))


def _new_case_id(command: Command) -> str:
    case_id = getattr(command, "case_id", None)
    if not case_id:
        raise RuleViolation("case-identity", "a new case needs a case_id")
    return str(case_id)


def _new_customer_id(command: Command) -> str:
    customer_id = getattr(command, "customer_id", None)
    if not customer_id:
        raise RuleViolation("case-identity", "a new case needs the customer_id")
    return str(customer_id)


def _require(case: Case | None) -> Case:
    if case is None:  # the table never routes a missing case here
        raise AssertionError("case required")
    return case


def _today(now: datetime) -> date:
    return london_date(now)


def _update(case: Case, **changes: Any) -> Case:
    return case.model_copy(update=changes)


def _replace_letter(case: Case, letter: Letter) -> tuple[Letter, ...]:
    return tuple(letter if x.letter_id == letter.letter_id else x for x in case.letters)


# Step 1 -------------------------------------------------------------------------------------


@_handles(K.RAISE_CONCERN)
def _raise_concern(_: Case | None, cmd: RaiseConcern, rec: _Recorder, policy: Policy) -> Case:
    letter = rec.letter_for_next(LetterKind.CONCERN)
    concern = Concern(
        raised_at=rec.now,
        raised_by=rec.actor,
        behaviours=cmd.behaviours,
        evidence_contact_ids=cmd.evidence_contact_ids,
        note=cmd.note,
        letter_id=letter.letter_id,
    )
    rec.add(
        CaseEventType.CONCERN_RAISED,
        reason=cmd.note,
        letter=letter,
        behaviours=[b.value for b in cmd.behaviours],
        evidence_contact_ids=list(cmd.evidence_contact_ids),
    )
    return Case(
        case_id=rec.case_id,
        customer_id=rec.customer_id,
        status=S.CONCERN,
        version=1,
        opened_at=rec.now,
        concern=concern,
    )


@_handles(K.CLOSE_CONCERN)
def _close_concern(case: Case | None, cmd: CloseConcern, rec: _Recorder, _p: Policy) -> Case:
    case = _require(case)
    rec.add(CaseEventType.CONCERN_CLOSED, reason=cmd.reason)
    return _update(case, status=S.CLOSED, closed_at=rec.now, closure_reason=cmd.reason)


@_handles(K.CONCERN_FOLLOW_UP_DUE)
def _concern_follow_up(
    case: Case | None, _cmd: ConcernFollowUpDue, rec: _Recorder, _p: Policy
) -> Case:
    case = _require(case)
    concern = case.concern
    if concern is None or concern.follow_up_due_on is None:
        raise NothingToDo("deadline-stale", "the concern letter has not been sent")
    if concern.follow_up_reminded:
        raise NothingToDo("deadline-duplicate", "the follow-up reminder was already given")
    if _today(rec.now) < concern.follow_up_due_on:
        raise NothingToDo("deadline-early", "the follow-up is not due yet")
    rec.add(
        CaseEventType.CONCERN_FOLLOW_UP_DUE,
        reason="has the behaviour changed? close the concern or submit to the Head of Service",
        due_on=concern.follow_up_due_on.isoformat(),
        notify=Role.SERVICE_MANAGER.value,
    )
    return _update(case, concern=concern.model_copy(update={"follow_up_reminded": True}))


# Step 2 -------------------------------------------------------------------------------------


@_handles(K.IMPOSE_RESTRICTIONS)
def _impose(case: Case | None, cmd: ImposeRestrictions, rec: _Recorder, policy: Policy) -> Case:
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
    if cmd.equality is None or not cmd.equality.complete:
        raise RuleViolation(
            "s4-equality-considered",
            "record that reasonable adjustments, vulnerability and Equality Act duties were "
            "considered before restricting contact",
        )
    if case is None and (cmd.case_id is None or cmd.customer_id is None):
        raise RuleViolation("case-identity", "a new case needs a case_id and customer_id")
    if case is not None and cmd.case_id not in (None, case.case_id):
        raise RuleViolation("case-identity", "the command names another case")
    _officers_in_organisation(cmd.restrictions, policy)

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
    )
    base = case or Case(
        case_id=rec.case_id,
        customer_id=rec.customer_id,
        status=S.RESTRICTIONS_DECIDED,
        version=1,
        opened_at=rec.now,
    )
    participants = tuple(dict.fromkeys((*base.decision_participants, rec.actor.actor_id)))
    updated = _update(
        base,
        decision=decision,
        decision_participants=participants,
        period=None,
        appeal_window=None,
        status=S.RESTRICTIONS_DECIDED,
    )
    if cmd.immediate:  # s.4: prior warning may not be given; in force at once
        updated = _start_restrictions(updated, rec.now, rec, policy)
    return updated


def _officers_in_organisation(restrictions: Sequence[Restriction], policy: Policy) -> None:
    """Each restriction's details meet the rules the policy's terms set (a single point of
    contact's mail goes to the officer's address: it must be ours)."""
    for restriction in restrictions:
        restriction.check_terms(policy.terms)


def _new_period(starts_at: datetime, first_day: date, policy: Policy) -> RestrictionPeriod:
    dates = policy.restriction_dates(first_day)
    return RestrictionPeriod(
        starts_at=starts_at, ends_on=dates.ends_on, review_pack_due_on=dates.review_pack_due_on
    )


def _start_restrictions(case: Case, starts_at: datetime, rec: _Recorder, policy: Policy) -> Case:
    period = _new_period(starts_at, london_date(starts_at), policy)
    rec.add(
        CaseEventType.RESTRICTIONS_STARTED,
        starts_at=period.starts_at.isoformat(),
        ends_on=period.ends_on.isoformat(),
        review_pack_due_on=period.review_pack_due_on.isoformat(),
    )
    return _update(case, status=S.RESTRICTED, period=period)


# Letters ------------------------------------------------------------------------------------


def _known_letter(case: Case, letter_id: str) -> Letter:
    letter = case.letter(letter_id)
    if letter is None:
        raise RuleViolation("letter-unknown", f"no letter {letter_id} on this case")
    return letter


@_handles(K.RECORD_LETTER_DRAFTED)
def _letter_drafted(
    case: Case | None, cmd: RecordLetterDrafted, rec: _Recorder, _p: Policy
) -> Case:
    case = _require(case)
    letter = _known_letter(case, cmd.letter_id)
    if letter.status is LetterStatus.SENT:
        raise NothingToDo("letter-already-sent", "a sent letter cannot be redrafted")
    if cmd.version <= letter.version:
        if cmd.version == letter.version and cmd.s3_key == letter.s3_key:
            raise NothingToDo("letter-duplicate", "this draft is already recorded")
        raise RuleViolation("letter-version", "a newer version of this letter is recorded")
    superseded = letter.superseded_keys + ((letter.s3_key,) if letter.s3_key else ())
    drafted = letter.model_copy(
        update={
            "status": LetterStatus.DRAFTED,
            "version": cmd.version,
            "s3_key": cmd.s3_key,
            "dated_on": cmd.dated_on or _today(rec.now),
            "drafted_on": _today(rec.now),
            "unsent_reminders": 0,
            "superseded_keys": superseded,
            "problems": (),
        }
    )
    rec.add(
        CaseEventType.LETTER_DRAFTED,
        letter_id=letter.letter_id,
        letter_kind=letter.kind.value,
        version=cmd.version,
        s3_key=cmd.s3_key,
    )
    return _update(case, letters=_replace_letter(case, drafted))


@_handles(K.RECORD_LETTER_FAILED)
def _letter_failed(case: Case | None, cmd: RecordLetterFailed, rec: _Recorder, _p: Policy) -> Case:
    case = _require(case)
    letter = _known_letter(case, cmd.letter_id)
    if letter.status is LetterStatus.SENT:
        raise NothingToDo("letter-already-sent", "the letter was already sent")
    if letter.status is LetterStatus.FAILED and letter.problems == cmd.problems:
        raise NothingToDo("letter-duplicate", "this failure is already recorded")
    failed = letter.model_copy(update={"status": LetterStatus.FAILED, "problems": cmd.problems})
    rec.add(
        CaseEventType.LETTER_FAILED,
        reason="the letter lacks required content and was not issued",
        letter_id=letter.letter_id,
        letter_kind=letter.kind.value,
        problems=list(cmd.problems),
    )
    return _update(case, letters=_replace_letter(case, failed))


@_handles(K.MARK_LETTER_SENT)
def _letter_sent(case: Case | None, cmd: MarkLetterSent, rec: _Recorder, policy: Policy) -> Case:
    case = _require(case)
    letter = _known_letter(case, cmd.letter_id)
    if rec.actor.role not in LETTER_SENDERS[letter.kind]:
        raise NotPermitted("letter-senders", f"a {letter.kind.value} letter is not yours to send")
    if letter.status is LetterStatus.SENT:
        raise NothingToDo("letter-already-sent", f"sent on {letter.sent_on}")
    if letter.status is not LetterStatus.DRAFTED:
        raise RuleViolation(
            "letter-must-be-drafted",
            f"the letter is {letter.status.value}: only a drafted letter can be sent",
        )
    if cmd.sent_on > _today(rec.now):
        raise RuleViolation("letter-sent-date", "a letter cannot be marked sent in the future")
    if cmd.sent_on < london_date(letter.required_at):
        raise RuleViolation("letter-sent-date", "the letter cannot be sent before its decision")
    if letter.kind in DATE_BOUND_LETTERS and cmd.sent_on != letter.letter_date:
        # Its start, end and appeal dates were computed from the date it carries.
        raise RuleViolation(
            "letter-dated",
            f"the letter is dated {letter.letter_date} and states its dates from that day: "
            "redraft it for the day it goes out",
        )

    sent = letter.model_copy(
        update={"status": LetterStatus.SENT, "sent_on": cmd.sent_on, "sent_by": rec.actor.actor_id}
    )
    case = _update(case, letters=_replace_letter(case, sent))
    rec.add(
        CaseEventType.LETTER_SENT,
        letter_id=letter.letter_id,
        letter_kind=letter.kind.value,
        sent_on=cmd.sent_on.isoformat(),
    )
    if letter.kind is LetterKind.CONCERN and case.concern is not None:
        due = policy.concern_follow_up_due(cmd.sent_on)
        case = _update(
            case,
            concern=case.concern.model_copy(
                update={"letter_sent_on": cmd.sent_on, "follow_up_due_on": due}
            ),
        )
    if letter.kind is LetterKind.RESTRICTIONS and case.status is S.RESTRICTIONS_DECIDED:
        # s.4: restrictions take effect once the customer has been told.
        case = _start_restrictions(case, start_of_day(cmd.sent_on), rec, policy)
    decision = case.decision
    # A right of appeal exists only against restrictions in force (not lifted or lapsed ones).
    if letter.kind in APPEALABLE_LETTERS and decision is not None and case.status in _IN_FORCE:
        closes_on = policy.appeal_window_closes(cmd.sent_on)
        case = _update(
            case,
            appeal_window=AppealWindow(
                decision_id=decision.decision_id,
                letter_id=letter.letter_id,
                letter_sent_on=cmd.sent_on,
                closes_on=closes_on,
            ),
        )
        rec.add(
            CaseEventType.APPEAL_WINDOW_OPENED,
            decision_id=decision.decision_id,
            closes_on=closes_on.isoformat(),
            closes_at=end_of_day(closes_on).isoformat(),
        )
    return case


# Appeals (s.5) ------------------------------------------------------------------------------


@_handles(K.CLOSE_APPEAL_WINDOW)
def _close_window(case: Case | None, _c: CloseAppealWindow, rec: _Recorder, _p: Policy) -> Case:
    case = _require(case)
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
    return _update(case, appeal_window=window.model_copy(update={"closed": True}))


def unsent_letter_due(letter: Letter, policy: Policy) -> date | None:
    """When the next unsent-letter reminder falls due, or None when none is owed."""
    if (
        letter.status is not LetterStatus.DRAFTED
        or letter.drafted_on is None
        or letter.kind in INTERNAL_LETTERS  # never sent
        or letter.unsent_reminders >= 2
    ):
        return None
    return policy.unsent_letter_reminder_due(letter.drafted_on, letter.unsent_reminders)


@_handles(K.REMIND_UNSENT_LETTER)
def _remind_unsent(
    case: Case | None, cmd: RemindUnsentLetter, rec: _Recorder, policy: Policy
) -> Case:
    case = _require(case)
    letter = _known_letter(case, cmd.letter_id)
    due = unsent_letter_due(letter, policy)
    if due is None:
        raise NothingToDo("deadline-stale", "the letter was sent, redrafted or already escalated")
    if _today(rec.now) < due:
        raise NothingToDo("deadline-early", f"the reminder is due on {due}")
    escalate = letter.unsent_reminders == 1
    senders = sorted(r.value for r in LETTER_SENDERS[letter.kind])
    # DESIGN.md: remind the manager, then escalate to the Head of Service, so restrictions that
    # wait on a forgotten letter never silently fail to start.
    rec.add(
        CaseEventType.LETTER_UNSENT,
        reason="a drafted letter has not been marked sent",
        letter_id=letter.letter_id,
        letter_kind=letter.kind.value,
        drafted_on=letter.drafted_on.isoformat() if letter.drafted_on else None,
        reminder=letter.unsent_reminders + 1,
        notify=Role.HEAD_OF_SERVICE.value if escalate else senders[0],
        alert=escalate,
    )
    reminded = letter.model_copy(update={"unsent_reminders": letter.unsent_reminders + 1})
    return _update(case, letters=_replace_letter(case, reminded))


@_handles(K.REDRAFT_LETTER)
def _redraft(case: Case | None, cmd: RedraftLetter, rec: _Recorder, _p: Policy) -> Case:
    case = _require(case)
    letter = _known_letter(case, cmd.letter_id)
    if rec.actor.role not in LETTER_SENDERS[letter.kind]:
        raise NotPermitted("letter-senders", f"a {letter.kind.value} letter is not yours to send")
    if letter.status is LetterStatus.SENT:
        raise RuleViolation("letter-already-sent", "a sent letter cannot be redrafted")
    if letter.status is LetterStatus.REQUIRED:
        raise NothingToDo("letter-duplicate", "a draft of this letter is already on its way")
    today = _today(rec.now)
    redraft = letter.model_copy(update={"status": LetterStatus.REQUIRED, "problems": ()})
    rec.add(
        CaseEventType.LETTER_REDRAFT_REQUESTED,
        reason=cmd.reason,
        letter=redraft,
        letter_id=letter.letter_id,
        source_seq=letter.source_seq,
        dated_on=today.isoformat(),
    )
    return _update(case, letters=_replace_letter(case, redraft))


@_handles(K.LOG_APPEAL)
def _log_appeal(case: Case | None, cmd: LogAppeal, rec: _Recorder, policy: Policy) -> Case:
    case = _require(case)
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
    if cmd.received_on > _today(rec.now):
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
        return _update(case, appeals=(*case.appeals, appeal))
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
    return _update(case, appeals=(*case.appeals, appeal), status=S.UNDER_APPEAL)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _under_review(
    appeal_id: str,
    decision_id: str,
    cmd: LogAppeal,
    rec: _Recorder,
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


@_handles(K.ACCEPT_LATE_APPEAL)
def _accept_late(case: Case | None, cmd: AcceptLateAppeal, rec: _Recorder, policy: Policy) -> Case:
    case = _require(case)
    appeal = _late_appeal(case)
    # The review's working days run from acceptance: the review could not start before it.
    review_due = policy.appeal_review_due(_today(rec.now))
    accepted = appeal.model_copy(
        update={
            "status": AppealStatus.UNDER_REVIEW,
            "late_decision_reason": cmd.reason,
            "review_due_on": review_due,
            "review_clock_from": _today(rec.now),
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
    return _update(case, appeals=_replace_appeal(case, accepted), status=S.UNDER_APPEAL)


@_handles(K.DECLINE_LATE_APPEAL)
def _decline_late(case: Case | None, cmd: DeclineLateAppeal, rec: _Recorder, _p: Policy) -> Case:
    case = _require(case)
    appeal = _late_appeal(case)
    declined = appeal.model_copy(
        update={"status": AppealStatus.LATE_DECLINED, "late_decision_reason": cmd.reason}
    )
    rec.add(CaseEventType.LATE_APPEAL_DECLINED, reason=cmd.reason, appeal_id=appeal.appeal_id)
    return _update(case, appeals=_replace_appeal(case, declined))


def _appeal_under_review(case: Case) -> Appeal:
    appeal = next((a for a in case.appeals if a.status is AppealStatus.UNDER_REVIEW), None)
    if appeal is None:  # UNDER_APPEAL always has one; guard for bad data
        raise RuleViolation("s5-right-of-appeal", "no appeal is under review")
    return appeal


@_handles(K.APPEAL_REVIEW_REMINDER)
def _appeal_reminder(
    case: Case | None, _c: AppealReviewReminder, rec: _Recorder, _p: Policy
) -> Case:
    case = _require(case)
    appeal = _appeal_under_review(case)
    if appeal.reminded:
        raise NothingToDo("deadline-duplicate", "the reviewer was already reminded")
    if appeal.reminder_due_on is None or _today(rec.now) < appeal.reminder_due_on:
        raise NothingToDo("deadline-early", "the reminder is not due yet")
    rec.add(
        CaseEventType.APPEAL_REVIEW_REMINDER,
        appeal_id=appeal.appeal_id,
        review_due_on=_iso(appeal.review_due_on),
        notify=Role.EXECUTIVE.value,
    )
    return _update(
        case, appeals=_replace_appeal(case, appeal.model_copy(update={"reminded": True}))
    )


@_handles(K.APPEAL_REVIEW_OVERDUE)
def _appeal_overdue(
    case: Case | None, _c: AppealReviewOverdue, rec: _Recorder, policy: Policy
) -> Case:
    case = _require(case)
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
    return _update(case, appeals=_replace_appeal(case, escalated))


@_handles(K.DECIDE_APPEAL)
def _decide_appeal(case: Case | None, cmd: DecideAppeal, rec: _Recorder, policy: Policy) -> Case:
    case = _require(case)
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
    _officers_in_organisation(cmd.varied_restrictions, policy)
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
    case = _update(case, appeals=_replace_appeal(case, decided))
    if cmd.outcome is AppealOutcome.UPHELD:
        rec.add(CaseEventType.RESTRICTIONS_ENDED, reason="appeal upheld: restrictions lifted")
        return _update(
            case,
            status=S.CLOSED,
            period=period.model_copy(update={"ended_at": rec.now}),
            closed_at=rec.now,
            closure_reason="appeal upheld",
        )
    if cmd.outcome is AppealOutcome.VARIED:  # end date unchanged
        case = _update(
            case, decision=decision.model_copy(update={"restrictions": cmd.varied_restrictions})
        )
    return _update(case, status=S.RESTRICTED)


# The twelve-month review (s.6) ----------------------------------------------------------------


def _in_force_period(case: Case) -> RestrictionPeriod:
    if case.period is None:
        raise RuleViolation("s6-review", "the restrictions have not started")
    return case.period


@_handles(K.REVIEW_PACK_DUE)
def _review_pack_due(case: Case | None, _c: ReviewPackDue, rec: _Recorder, _p: Policy) -> Case:
    case = _require(case)
    period = case.period
    if period is None or period.ends_on in case.reviewed_ends_on:
        raise NothingToDo("deadline-stale", "no review is pending")
    if period.review_pack_issued:
        raise NothingToDo("deadline-duplicate", "the review pack was already asked for")
    if _today(rec.now) < period.review_pack_due_on:
        raise NothingToDo("deadline-early", "the review pack is not due yet")
    letter = rec.letter_for_next(LetterKind.REVIEW_PACK)
    rec.add(
        CaseEventType.REVIEW_PACK_DUE,
        letter=letter,
        ends_on=period.ends_on.isoformat(),
        notify=Role.HEAD_OF_SERVICE.value,
    )
    return _update(case, period=period.model_copy(update={"review_pack_issued": True}))


@_handles(K.DECIDE_REVIEW)
def _decide_review(case: Case | None, cmd: DecideReview, rec: _Recorder, policy: Policy) -> Case:
    case = _require(case)
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
        return _update(
            case,
            status=S.CLOSED,
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
    new_period = _new_period(period.scheduled_end, period.ends_on, policy)
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
    return _update(
        case,
        decision=decision,
        decision_participants=participants,
        reviewed_ends_on=reviewed,
        period=new_period.model_copy(update={"starts_at": period.starts_at}),
        appeal_window=None,
    )


@_handles(K.LAPSE_RESTRICTIONS)
def _lapse(case: Case | None, _c: LapseRestrictions, rec: _Recorder, _p: Policy) -> Case:
    case = _require(case)
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
    return _update(
        case,
        status=S.LAPSED,
        appeals=appeals,
        period=period.model_copy(update={"ended_at": period.scheduled_end}),
    )


@_handles(K.CLOSE_CASE)
def _close_case(case: Case | None, cmd: CloseCase, rec: _Recorder, _p: Policy) -> Case:
    case = _require(case)
    rec.add(CaseEventType.CASE_CLOSED, reason=cmd.reason)
    return _update(case, status=S.CLOSED, closed_at=rec.now, closure_reason=cmd.reason)


@_handles(K.RECALCULATE_DEADLINES)
def _recalculate(
    case: Case | None, _c: RecalculateDeadlines, rec: _Recorder, policy: Policy
) -> Case:
    """Open working-day deadlines recomputed with the calendar as it is now.

    Only deadlines still to come move; one already passed, reminded or issued stays as it was.
    """
    case = _require(case)
    today = _today(rec.now)
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
    return _update(
        case, concern=concern, appeal_window=window, appeals=tuple(appeals), period=period
    )


def _check_every_command_is_handled() -> None:
    missing = set(CommandKind) - set(_HANDLERS)
    if missing:
        raise AssertionError(f"commands without a handler: {sorted(missing)}")


_check_every_command_is_handled()

__all__ = [
    "LETTER_SENDERS",
    "PERMITTED_ROLES",
    "TRANSITIONS",
    "Outcome",
    "Policy",
    "PolicyError",
    "PolicyTerms",
    "decide",
]
