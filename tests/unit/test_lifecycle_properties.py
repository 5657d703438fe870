"""Property tests of the lifecycle: random staff and deadlines acting on one customer.

Hypothesis generates sequences of steps (a command of any kind, given by any role, valid or
not, after a time advance), applied from no case. Whatever happens, `decide` either refuses
with a PolicyError (and nothing changes) or makes a transition the table allows, and the case
keeps the policy's invariants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from builders import (
    CASE_ID,
    CUSTOMER_ID,
    POLICY,
    at,
    equality,
    letters_only,
    raise_concern,
    single_point_of_contact,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactguard.domain.calendar import (
    add_calendar_months,
    end_of_day,
    london_date,
    start_of_day,
)
from contactguard.domain.case import (
    AcceptLateAppeal,
    AppealOutcome,
    AppealReviewOverdue,
    AppealReviewReminder,
    AppealStatus,
    Case,
    CaseEvent,
    CaseEventType,
    CaseStatus,
    CloseAppealWindow,
    CloseCase,
    CloseConcern,
    Command,
    CommandKind,
    ConcernFollowUpDue,
    DecideAppeal,
    DecideReview,
    DecisionKind,
    DeclineLateAppeal,
    DelayAppealReview,
    ImposeRestrictions,
    LapseRestrictions,
    LetterStatus,
    LogAppeal,
    MarkLetterSent,
    RecalculateDeadlines,
    RecordLetterDrafted,
    RecordLetterFailed,
    RedraftLetter,
    RemindUnsentLetter,
    ReviewOutcome,
    ReviewPackDue,
    VaryRestrictions,
)
from contactguard.domain.enforcement import restrictions_in_force
from contactguard.domain.errors import (
    IllegalTransition,
    NothingToDo,
    NotPermitted,
    PolicyError,
)
from contactguard.domain.lifecycle import LETTER_SENDERS, PERMITTED_ROLES, TRANSITIONS, decide
from contactguard.domain.model import Actor, Role

IN_FORCE = (CaseStatus.RESTRICTED, CaseStatus.UNDER_APPEAL)
LETTER_BOOKKEEPING = frozenset(
    {
        CommandKind.RECORD_LETTER_DRAFTED,
        CommandKind.RECORD_LETTER_FAILED,
        CommandKind.MARK_LETTER_SENT,
        CommandKind.REDRAFT_LETTER,
        CommandKind.REMIND_UNSENT_LETTER,
    }
)
START = at("2026-11-02", 10)
NEXT_DEADLINE = None  # an advance to the instant the case's next deadline falls due
ADVANCES: tuple[timedelta | None, ...] = (
    NEXT_DEADLINE,
    NEXT_DEADLINE,
    NEXT_DEADLINE,
    timedelta(0),
    timedelta(hours=1),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(days=12),
    timedelta(days=30),
    timedelta(days=100),
    timedelta(days=370),
)


@dataclass(frozen=True)
class Step:
    kind: CommandKind
    role: Role | None  # None: a role the command permits
    person: int  # which member of staff in that role; 2 is one person who holds every role
    advance: timedelta | None  # None: to the case's next deadline
    pick: int  # which letter, restriction or outcome
    days_back: int  # how far before today a letter was sent or an appeal received (-1: future)
    flags: int  # variants: immediate, a reason given, equality recorded, a stale draft...
    sane: bool = True  # details filled in as the policy asks; False lets `flags` spoil them


ALL_KINDS = list(CommandKind)
# Commands that end the walk early or make no progress are drawn less often.
DETOURS = frozenset(
    {CommandKind.CLOSE_CONCERN, CommandKind.CLOSE_CASE, CommandKind.RECORD_LETTER_FAILED}
)


def steps(status: CaseStatus | None) -> st.SearchStrategy[Step]:
    """A step from `status`: mostly a command the table allows from there, seldom one that
    closes the case or records a failed letter (so walks get deep into the lifecycle), and
    one time in four any command at all."""
    legal = [k for k in ALL_KINDS if (status, k) in TRANSITIONS]
    onward = [k for k in legal if k not in DETOURS] or legal
    return st.builds(
        Step,
        kind=st.one_of(
            st.sampled_from(onward),
            st.sampled_from(onward),
            st.sampled_from(legal),
            st.sampled_from(ALL_KINDS),
        ),
        # mostly a role the command permits, otherwise any role at all
        role=st.one_of(st.none(), st.none(), st.none(), st.sampled_from(list(Role))),
        person=st.integers(0, 2),
        advance=st.sampled_from(ADVANCES),
        pick=st.integers(0, 7),
        days_back=st.one_of(st.integers(0, 2), st.integers(-1, 20)),
        flags=st.integers(0, 31),
        sane=st.one_of(st.just(True), st.just(True), st.just(True), st.booleans()),
    )


STEPS = {status: steps(status) for status in (None, *CaseStatus)}


def _actor(step: Step, kind: CommandKind, case: Case | None, letter_id: str | None) -> Actor:
    role = step.role
    if role is None:
        permitted = sorted(PERMITTED_ROLES[kind])
        letter = case.letter(letter_id) if case and letter_id else None
        if letter is not None and LETTER_SENDERS[letter.kind] & PERMITTED_ROLES[kind]:
            permitted = sorted(LETTER_SENDERS[letter.kind] & PERMITTED_ROLES[kind])
        role = permitted[step.pick % len(permitted)]
    actor_id = "staff-shared" if step.person == 2 else f"{role.value}-{step.person}"
    return Actor(actor_id=actor_id, role=role)


# Upheld ends the case, so it is drawn two times in eight and walks go on.
APPEAL_OUTCOMES = (
    AppealOutcome.DISMISSED,
    AppealOutcome.VARIED,
    AppealOutcome.UPHELD,
    AppealOutcome.DISMISSED,
    AppealOutcome.VARIED,
    AppealOutcome.DISMISSED,
    AppealOutcome.VARIED,
    AppealOutcome.UPHELD,
)
# The letters a sane step acts on: those waiting for that piece of bookkeeping.
WAITING_FOR = {
    CommandKind.RECORD_LETTER_DRAFTED: (LetterStatus.REQUIRED, LetterStatus.FAILED),
    CommandKind.RECORD_LETTER_FAILED: (LetterStatus.REQUIRED, LetterStatus.DRAFTED),
    CommandKind.MARK_LETTER_SENT: (LetterStatus.DRAFTED,),
}


def _letter_id(step: Step, case: Case | None) -> str:
    if case is None or not case.letters:
        return "letter-unknown"
    waiting = [x for x in reversed(case.letters) if x.status in WAITING_FOR[step.kind]]
    if waiting and (step.sane or step.flags % 4 != 0):
        return waiting[step.pick % len(waiting)].letter_id
    choices = [x.letter_id for x in case.letters] + ["letter-unknown"]
    return choices[step.pick % len(choices)]


def _command(step: Step, case: Case | None, now: datetime) -> tuple[Command, str | None]:
    """The command a step stands for, given the case as it is now."""
    today = london_date(now)
    earlier = today - timedelta(days=step.days_back)
    # A sane step keeps only the choices the policy leaves open (immediate or not, which
    # restrictions and outcome, how late an appeal is); the rest is filled in properly.
    flags = (0 if step.flags % 4 else 1) if step.sane else step.flags
    restrictions = [
        (letters_only(),),
        (single_point_of_contact(),),
        (single_point_of_contact(), letters_only()),
    ]
    match step.kind:
        case CommandKind.RAISE_CONCERN:
            return raise_concern(), None
        case CommandKind.CLOSE_CONCERN:
            return CloseConcern(reason="behaviour changed"), None
        case CommandKind.IMPOSE_RESTRICTIONS:
            record = None if flags & 4 else equality(vulnerability=not flags & 8)
            return ImposeRestrictions(
                restrictions=restrictions[step.pick % 3],
                reason="the behaviour continued",
                equality=record,
                immediate=bool(flags & 1),
                immediate_reason=None if flags & 2 else "threats to staff",
                case_id=None if flags & 16 else CASE_ID,
                customer_id=None if flags & 16 else CUSTOMER_ID,
            ), None
        case CommandKind.VARY_RESTRICTIONS:
            record = None if flags & 4 else equality(adjustments=not flags & 8)
            return VaryRestrictions(
                restrictions=restrictions[step.pick % 3],  # maybe the set in force
                reason="the contact changed",
                equality=record,
            ), None
        case CommandKind.RECORD_LETTER_DRAFTED:
            letter_id = _letter_id(step, case)
            letter = case.letter(letter_id) if case else None
            version = (letter.version if letter else 0) + (0 if flags & 16 else 1)
            key = f"letters/{letter_id}/v{version}.docx"
            return RecordLetterDrafted(letter_id=letter_id, version=max(version, 1), s3_key=key), (
                letter_id
            )
        case CommandKind.RECORD_LETTER_FAILED:
            letter_id = _letter_id(step, case)
            return RecordLetterFailed(letter_id=letter_id, problems=("no deadline date",)), (
                letter_id
            )
        case CommandKind.MARK_LETTER_SENT:
            letter_id = _letter_id(step, case)
            sent_on = today if step.sane else earlier
            return MarkLetterSent(letter_id=letter_id, sent_on=sent_on), letter_id
        case CommandKind.LOG_APPEAL:
            received_on = today if step.sane else earlier  # late after a deadline advance
            return LogAppeal(received_on=received_on, grounds="unfair"), None
        case CommandKind.ACCEPT_LATE_APPEAL:
            return AcceptLateAppeal(reason="was in hospital"), None
        case CommandKind.DECLINE_LATE_APPEAL:
            return DeclineLateAppeal(reason="no reason for the delay"), None
        case CommandKind.DELAY_APPEAL_REVIEW:
            heard = case.open_appeal if case else None
            due = heard.review_due_on if heard and heard.review_due_on else today
            # A sane step moves it on by whole weeks (a weekday stays one, bar holidays).
            new_due = due + timedelta(weeks=1 + step.pick % 3) if step.sane else earlier
            return DelayAppealReview(
                appeal_id=heard.appeal_id if heard else "A0001",
                review_due_on=new_due,
                reason="the reviewer needs the call recordings",
            ), None
        case CommandKind.DECIDE_APPEAL:
            appeal_outcome = APPEAL_OUTCOMES[step.pick % len(APPEAL_OUTCOMES)]
            varied = (appeal_outcome is AppealOutcome.VARIED) != bool(flags & 16)  # maybe wrong
            return DecideAppeal(
                outcome=appeal_outcome,
                reason="reviewed",
                varied_restrictions=(single_point_of_contact(),) if varied else (),
            ), None
        case CommandKind.DECIDE_REVIEW:
            # closing ends the walk: drawn one time in eight
            review_outcome = ReviewOutcome.CLOSE if step.pick == 0 else ReviewOutcome.EXTEND
            return DecideReview(outcome=review_outcome, reason="reviewed"), None
        case CommandKind.CLOSE_CASE:
            return CloseCase(reason="no contact since"), None
        case CommandKind.CONCERN_FOLLOW_UP_DUE:
            return ConcernFollowUpDue(), None
        case CommandKind.CLOSE_APPEAL_WINDOW:
            return CloseAppealWindow(), None
        case CommandKind.APPEAL_REVIEW_REMINDER:
            return AppealReviewReminder(), None
        case CommandKind.APPEAL_REVIEW_OVERDUE:
            return AppealReviewOverdue(), None
        case CommandKind.REVIEW_PACK_DUE:
            return ReviewPackDue(), None
        case CommandKind.LAPSE_RESTRICTIONS:
            return LapseRestrictions(), None
        case CommandKind.RECALCULATE_DEADLINES:
            return RecalculateDeadlines(), None
        case CommandKind.REMIND_UNSENT_LETTER:
            letters = case.letters if case else ()
            letter_id = letters[step.pick % len(letters)].letter_id if letters else "none"
            return RemindUnsentLetter(letter_id=letter_id), None
        case CommandKind.REDRAFT_LETTER:
            letters = case.letters if case else ()
            letter_id = letters[step.pick % len(letters)].letter_id if letters else "none"
            return RedraftLetter(letter_id=letter_id), None
    raise AssertionError(step.kind)


def _next_deadline(case: Case | None, now: datetime) -> datetime:
    """When the case's next deadline falls due (as the deadlines function would fire it)."""
    if case is None:
        return now
    due: list[datetime] = []
    concern = case.concern
    if concern and concern.follow_up_due_on and not concern.follow_up_reminded:
        due.append(at(concern.follow_up_due_on, 8))
    window = case.appeal_window
    if window and not window.closed:
        due.append(end_of_day(window.closes_on) + timedelta(seconds=1))
    for appeal in case.appeals:
        if appeal.status is AppealStatus.UNDER_REVIEW and appeal.review_due_on:
            if appeal.reminder_due_on and not appeal.reminded:
                due.append(at(appeal.reminder_due_on, 8))
            if not appeal.overdue_escalated:
                due.append(end_of_day(appeal.review_due_on) + timedelta(seconds=1))
    period = case.period
    if period and period.ended_at is None:
        if not period.review_pack_issued:
            due.append(at(period.review_pack_due_on, 8))
        due.append(period.scheduled_end)
    later = [d for d in due if d > now]
    return min(later, default=now)


@dataclass
class Walk:
    case: Case | None = None
    now: datetime = START
    history: list[CaseEvent] = field(default_factory=list)


def _check_refusal(error: PolicyError, before: Case | None, kind: CommandKind, by: Actor) -> None:
    assert error.rule, "every refusal names its rule"
    status = before.status if before else None
    if by.role not in PERMITTED_ROLES[kind]:
        assert type(error) is NotPermitted
        assert error.rule == "role-permissions"
    elif (status, kind) not in TRANSITIONS:
        assert type(error) in (IllegalTransition, NothingToDo)
        assert error.rule in ("lifecycle", "deadline-stale")


def _check_case(case: Case, history: list[CaseEvent], now: datetime) -> None:
    # The version is the number of the last event recorded on the case.
    assert case.version == history[-1].seq == len(history)
    # Enforcement only while restrictions are in force.
    if case.status not in IN_FORCE:
        assert restrictions_in_force(case, now) == ()
    # One appeal is heard at a time, and only while the case is under appeal. (The stronger
    # "at most one open appeal" is broken by a known domain bug: see
    # test_lifecycle_appeals.py::test_at_most_one_appeal_is_open_at_a_time.)
    heard = [a for a in case.appeals if a.status is AppealStatus.UNDER_REVIEW]
    assert len(heard) <= 1
    assert (case.status is CaseStatus.UNDER_APPEAL) == bool(heard)
    open_decisions = [a.decision_id for a in case.appeals if a.open]
    assert len(open_decisions) == len(set(open_decisions))
    # Twelve calendar months from the first day; an extension adds twelve to the end date
    # (a variation after it leaves the end date where the extension put it).
    period, decision = case.period, case.decision
    if period is not None:
        assert decision is not None
        first_end = add_calendar_months(london_date(period.starts_at), 12)
        started = max(
            i for i, e in enumerate(history) if e.type is CaseEventType.RESTRICTIONS_STARTED
        )
        extended = any(
            e.type is CaseEventType.REVIEW_DECIDED and e.data.get("outcome") == "extend"
            for e in history[started:]
        )
        if not extended:
            assert period.ends_on == first_end
        else:
            assert period.ends_on > first_end
    if case.status is CaseStatus.CLOSED:
        assert case.closed_at is not None


def _check_events(outcome_events: tuple[CaseEvent, ...], case: Case, now: datetime) -> None:
    for event in outcome_events:
        if event.type is CaseEventType.RESTRICTIONS_STARTED:
            assert case.period is not None
            assert case.decision is not None
            starts_at = case.period.starts_at
            if case.decision.kind is DecisionKind.IMMEDIATE:
                assert starts_at == now
            else:  # the day the restriction letter was marked sent, 00:00 London
                letter = case.letter(case.decision.letter_id)
                assert letter is not None
                assert letter.sent_on is not None
                assert starts_at == start_of_day(letter.sent_on)
            assert (
                event.data["ends_on"] == add_calendar_months(london_date(starts_at), 12).isoformat()
            )
        if event.type is CaseEventType.RESTRICTIONS_VARIED:
            # s.4: the end and review dates stay as they were; the new set is the one in force.
            # (Seldom reached: the walk's clock mostly jumps past the end date first; any
            # sequence of variations is walked in test_lifecycle_variation.)
            assert case.period is not None
            assert case.decision is not None
            assert event.data["ends_on"] == case.period.ends_on.isoformat()
            assert event.data["review_pack_due_on"] == case.period.review_pack_due_on.isoformat()
            assert case.decision.kind is DecisionKind.VARIATION
            assert restrictions_in_force(case, now) == case.decision.restrictions
        if event.type is CaseEventType.REVIEW_DECIDED and event.data["outcome"] == "extend":
            previous = date.fromisoformat(str(event.data["previous_ends_on"]))
            assert event.data["ends_on"] == add_calendar_months(previous, 12).isoformat()


def _check_closed_case_refuses_all_but_letters(case: Case, now: datetime) -> None:
    for kind in CommandKind:
        if kind in LETTER_BOOKKEEPING:
            continue
        step = Step(kind, None, 0, timedelta(0), 0, 0, 1)
        command, letter_id = _command(step, case, now)
        with pytest.raises(PolicyError):
            decide(case, command, _actor(step, kind, case, letter_id), now, POLICY)


PROPERTIES = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.policy("design-decisions-recorded")
@PROPERTIES
@given(st.data())
def test_any_sequence_of_commands_keeps_the_lifecycle_invariants(data: st.DataObject) -> None:
    walk = Walk()
    for _ in range(data.draw(st.integers(10, 40), label="number of steps")):
        step = data.draw(STEPS[walk.case.status if walk.case else None], label="step")
        if step.advance is NEXT_DEADLINE:
            walk.now = _next_deadline(walk.case, walk.now)
        else:
            walk.now += step.advance
        before = walk.case
        snapshot = before.model_copy(deep=True) if before else None
        command, letter_id = _command(step, before, walk.now)
        by = _actor(step, step.kind, before, letter_id)
        try:
            outcome = decide(before, command, by, walk.now, POLICY)
        except PolicyError as error:
            assert before == snapshot  # refused: decide changed nothing it was given
            _check_refusal(error, before, step.kind, by)
            continue
        old_status = before.status if before else None
        # The transition is one the table allows, by a role the policy names.
        assert (old_status, step.kind) in TRANSITIONS
        assert outcome.case.status in TRANSITIONS[(old_status, step.kind)]
        assert by.role in PERMITTED_ROLES[step.kind]
        if old_status is CaseStatus.CLOSED:
            assert step.kind in LETTER_BOOKKEEPING
            assert outcome.case.status is CaseStatus.CLOSED
        # Every event is numbered on from the old version, by this actor, at this instant.
        first = (before.version if before else 0) + 1
        assert [e.seq for e in outcome.events] == list(range(first, first + len(outcome.events)))
        assert all(e.actor == by and e.at == walk.now for e in outcome.events)
        walk.history.extend(outcome.events)
        walk.case = outcome.case
        _check_case(outcome.case, walk.history, walk.now)
        _check_events(outcome.events, outcome.case, walk.now)
        if outcome.case.status is CaseStatus.CLOSED and old_status is not CaseStatus.CLOSED:
            _check_closed_case_refuses_all_but_letters(outcome.case, walk.now)
