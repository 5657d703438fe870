"""The case lifecycle, transition by transition, with the real dates the policy produces.

Each legal transition in TRANSITIONS has an example below (the suite fails if one is added
without one); every pair missing from the table is refused. The remaining tests prove the
policy's rules one by one: who may decide, what must be recorded, and the dates that follow.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from builders import (
    APPEAL_CLOSES_ON,
    CASE_ID,
    CET,
    CONCERN_LETTER_SENT_ON,
    CONCERN_RAISED_ON,
    CUSTOMER_ID,
    DEADLINES,
    DECIDED_ON,
    EXECUTIVE,
    HEAD,
    LETTERS,
    MANAGER,
    RESTRICTION_LETTER_SENT_ON,
    RESTRICTIONS_END_ON,
    STORY_FOR_STATUS,
    Story,
    actor,
    at,
    closed_by_upheld_appeal,
    concern_letter_sent,
    concern_raised,
    equality,
    immediately_restricted,
    impose,
    lapsed,
    letters_only,
    midnight,
    no_case,
    raise_concern,
    restricted,
    restrictions_decided,
    single_point_of_contact,
    telephone_via_third_party,
    under_appeal,
)
from pydantic import ValidationError

from contactguard.domain.calendar import LONDON, WorkingDayCalendar
from contactguard.domain.case import (
    DEADLINE_COMMANDS,
    AcceptLateAppeal,
    AppealOutcome,
    AppealReviewOverdue,
    AppealReviewReminder,
    AppealStatus,
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
    LapseRestrictions,
    LetterKind,
    LetterStatus,
    LogAppeal,
    MarkLetterSent,
    RaiseConcern,
    RecalculateDeadlines,
    RecordLetterDrafted,
    RecordLetterFailed,
    RedraftLetter,
    RemindUnsentLetter,
    ReviewOutcome,
    ReviewPackDue,
)
from contactguard.domain.enforcement import (
    EmailAction,
    channel_guidance,
    email_ruling,
    permitted_channels,
    restrictions_in_force,
)
from contactguard.domain.errors import (
    IllegalTransition,
    NothingToDo,
    NotPermitted,
    PolicyError,
    RuleViolation,
)
from contactguard.domain.lifecycle import LETTER_SENDERS, PERMITTED_ROLES, TRANSITIONS, Policy
from contactguard.domain.model import (
    Actor,
    Behaviour,
    Channel,
    EqualityConsiderations,
    Role,
)
from contactguard.domain.restrictions import (
    AppointmentOnlyVisits,
    OtherRestriction,
    SocialMediaRestriction,
    WitnessAtPersonalContact,
)

S = CaseStatus
K = CommandKind
E = CaseEventType


def refused(
    story: Story,
    command: Command,
    by: Actor,
    now: datetime,
    error: type[PolicyError],
    rule: str,
) -> PolicyError:
    """Assert that `decide` refuses with exactly `error` naming `rule`, changing nothing."""
    snapshot = story.case.model_copy(deep=True) if story.case else None
    with pytest.raises(PolicyError) as caught:
        story.try_(command, by, now)
    assert type(caught.value) is error, caught.value
    assert caught.value.rule == rule, caught.value
    assert story.case == snapshot  # the case it was given is untouched
    return caught.value


def sent_letter_command(story: Story, kind: LetterKind, sent_on: date) -> MarkLetterSent:
    return MarkLetterSent(letter_id=story.letter(kind).letter_id, sent_on=sent_on)


def drafted_command(story: Story, kind: LetterKind, version: int = 1) -> RecordLetterDrafted:
    letter_id = story.letter(kind).letter_id
    return RecordLetterDrafted(
        letter_id=letter_id, version=version, s3_key=f"letters/{letter_id}/v{version}.docx"
    )


def failed_command(story: Story, kind: LetterKind) -> RecordLetterFailed:
    return RecordLetterFailed(
        letter_id=story.letter(kind).letter_id, problems=("no appeal deadline date",)
    )


# Legal transitions: one example per (status, command) -> status in TRANSITIONS -------------

Setup = Callable[[], tuple[Story, Command, Actor, datetime]]


@dataclass(frozen=True)
class Example:
    name: str
    before: CaseStatus | None
    kind: CommandKind
    after: CaseStatus
    types: tuple[CaseEventType, ...]
    setup: Setup


def _drafting(make: Callable[[], Story], kind: LetterKind, now: datetime) -> Setup:
    def setup() -> tuple[Story, Command, Actor, datetime]:
        story = make()
        return story, drafted_command(story, kind), LETTERS, now

    return setup


def _failing(make: Callable[[], Story], kind: LetterKind, now: datetime) -> Setup:
    def setup() -> tuple[Story, Command, Actor, datetime]:
        story = make()
        return story, failed_command(story, kind), LETTERS, now

    return setup


def _sending(make: Callable[[], Story], kind: LetterKind, sent_on: date, by: Actor) -> Setup:
    def setup() -> tuple[Story, Command, Actor, datetime]:
        story = make()
        story.draft(kind, at(sent_on, 9))
        return story, sent_letter_command(story, kind, sent_on), by, at(sent_on, 16)

    return setup


def _then(make: Callable[[], Story], command: Command, by: Actor, now: datetime) -> Setup:
    def setup() -> tuple[Story, Command, Actor, datetime]:
        return make(), command, by, now

    return setup


def _recalculating(make: Callable[[], Story], closure: date, now: datetime) -> Setup:
    """The organisation adds a closure date after the deadlines were set."""

    def setup() -> tuple[Story, Command, Actor, datetime]:
        story = make()
        story.policy = Policy(calendar=WorkingDayCalendar(closures=frozenset({closure})))
        return story, RecalculateDeadlines(), DEADLINES, now

    return setup


def late_appeal_logged() -> Story:
    """The appeal arrives the day after the window closed: recorded as late."""
    story = restricted()
    story.do(
        LogAppeal(received_on=date(2027, 1, 14), grounds="I was in hospital"),
        CET,
        at("2027-01-14", 11),
    )
    return story


def lapsed_then_decided_again() -> Story:
    story = lapsed()
    story.do(impose(), HEAD, at("2027-12-20"))
    return story


IMMEDIATE = impose(
    letters_only(),
    immediate=True,
    immediate_reason="threatened a housing officer at the office",
    case_id=CASE_ID,
    customer_id=CUSTOMER_ID,
)
DISMISSED = DecideAppeal(outcome=AppealOutcome.DISMISSED, reason="the contact was excessive")
UPHELD = DecideAppeal(outcome=AppealOutcome.UPHELD, reason="the emails were about a real leak")
VARIED = DecideAppeal(
    outcome=AppealOutcome.VARIED,
    reason="email to one officer is enough",
    varied_restrictions=(single_point_of_contact(),),
)
EXTEND = DecideReview(outcome=ReviewOutcome.EXTEND, reason="the contact continued all year")
CLOSE = DecideReview(outcome=ReviewOutcome.CLOSE, reason="the contact is now reasonable")

LK = LetterKind
# A letter waiting to be drafted in each status: (status, story, letter kind, when drafted).
WAITING: tuple[tuple[CaseStatus, Callable[[], Story], LetterKind, datetime], ...] = (
    (S.CONCERN, concern_raised, LK.CONCERN, at(CONCERN_RAISED_ON, 11)),
    (S.RESTRICTIONS_DECIDED, restrictions_decided, LK.RESTRICTIONS, at(DECIDED_ON, 11)),
    (S.RESTRICTED, immediately_restricted, LK.IMMEDIATE_RESTRICTIONS, at("2026-12-14", 16)),
    (S.UNDER_APPEAL, under_appeal, LK.APPEAL_ACKNOWLEDGEMENT, at(APPEAL_CLOSES_ON, 12)),
    (S.LAPSED, lapsed, LK.RESTRICTIONS_LAPSED, at(RESTRICTIONS_END_ON, 7)),
    (S.CLOSED, closed_by_upheld_appeal, LK.APPEAL_UPHELD, at("2027-02-01", 11)),
)


def _redrafting(make: Callable[[], Story], kind: LetterKind, drafted: datetime) -> Setup:
    """A drafted, unsent letter that a manager asks to have drafted again, a day later."""

    def setup() -> tuple[Story, Command, Actor, datetime]:
        story = make()
        story.draft(kind, drafted)
        sender = actor(sorted(LETTER_SENDERS[kind])[0])
        command = RedraftLetter(letter_id=story.letter(kind).letter_id)
        return story, command, sender, drafted + timedelta(days=1)

    return setup


def _unsent(make: Callable[[], Story], kind: LetterKind, drafted: datetime) -> Setup:
    """A drafted letter nobody has sent, three working days on: its sender is reminded."""

    def setup() -> tuple[Story, Command, Actor, datetime]:
        story = make()
        story.draft(kind, drafted)
        letter = story.letter(kind)
        due = story.policy.calendar.working_days_after(drafted.date(), 3)
        return story, RemindUnsentLetter(letter_id=letter.letter_id), DEADLINES, at(due, 7)

    return setup


EXAMPLES: tuple[Example, ...] = (
    *(
        Example(
            f"{kind.value} letter left unsent",
            status,
            K.REMIND_UNSENT_LETTER,
            status,
            (E.LETTER_UNSENT,),
            _unsent(make, kind, when),
        )
        for status, make, kind, when in WAITING
    ),
    *(
        Example(
            f"{kind.value} letter redrafted",
            status,
            K.REDRAFT_LETTER,
            status,
            (E.LETTER_REDRAFT_REQUESTED,),
            _redrafting(make, kind, when),
        )
        for status, make, kind, when in WAITING
    ),
    Example(
        "raise concern",
        None,
        K.RAISE_CONCERN,
        S.CONCERN,
        (E.CONCERN_RAISED,),
        _then(no_case, raise_concern(), MANAGER, at(CONCERN_RAISED_ON)),
    ),
    Example(
        "immediate restrictions, no case",
        None,
        K.IMPOSE_RESTRICTIONS,
        S.RESTRICTED,
        (E.RESTRICTIONS_IMPOSED, E.RESTRICTIONS_STARTED),
        _then(no_case, IMMEDIATE, HEAD, at("2026-12-14", 15, 30)),
    ),
    Example(
        "step 2 after step 1",
        S.CONCERN,
        K.IMPOSE_RESTRICTIONS,
        S.RESTRICTIONS_DECIDED,
        (E.RESTRICTIONS_IMPOSED,),
        _then(concern_letter_sent, impose(), HEAD, at(DECIDED_ON)),
    ),
    Example(
        "immediate restrictions on a concern",
        S.CONCERN,
        K.IMPOSE_RESTRICTIONS,
        S.RESTRICTED,
        (E.RESTRICTIONS_IMPOSED, E.RESTRICTIONS_STARTED),
        _then(concern_raised, IMMEDIATE, HEAD, at("2026-11-05")),
    ),
    Example(
        "step 2 again after a lapse",
        S.LAPSED,
        K.IMPOSE_RESTRICTIONS,
        S.RESTRICTIONS_DECIDED,
        (E.RESTRICTIONS_IMPOSED,),
        _then(lapsed, impose(), HEAD, at("2027-12-20")),
    ),
    Example(
        "immediate restrictions after a lapse",
        S.LAPSED,
        K.IMPOSE_RESTRICTIONS,
        S.RESTRICTED,
        (E.RESTRICTIONS_IMPOSED, E.RESTRICTIONS_STARTED),
        _then(lapsed, IMMEDIATE, HEAD, at("2027-12-20")),
    ),
    Example(
        "close concern",
        S.CONCERN,
        K.CLOSE_CONCERN,
        S.CLOSED,
        (E.CONCERN_CLOSED,),
        _then(
            concern_letter_sent, CloseConcern(reason="behaviour changed"), MANAGER, at("2026-12-02")
        ),
    ),
    Example(
        "concern follow-up due",
        S.CONCERN,
        K.CONCERN_FOLLOW_UP_DUE,
        S.CONCERN,
        (E.CONCERN_FOLLOW_UP_DUE,),
        _then(concern_letter_sent, ConcernFollowUpDue(), DEADLINES, at("2026-12-01", 8)),
    ),
    # Letter bookkeeping, in every status.
    *(
        Example(f"draft in {s}", s, K.RECORD_LETTER_DRAFTED, s, (E.LETTER_DRAFTED,), setup)
        for s, setup in ((s, _drafting(make, kind, now)) for s, make, kind, now in WAITING)
    ),
    *(
        Example(f"failure in {s}", s, K.RECORD_LETTER_FAILED, s, (E.LETTER_FAILED,), setup)
        for s, setup in ((s, _failing(make, kind, now)) for s, make, kind, now in WAITING)
    ),
    Example(
        "concern letter sent",
        S.CONCERN,
        K.MARK_LETTER_SENT,
        S.CONCERN,
        (E.LETTER_SENT,),
        _sending(concern_raised, LK.CONCERN, CONCERN_LETTER_SENT_ON, MANAGER),
    ),
    Example(
        "restriction letter sent: restrictions start",
        S.RESTRICTIONS_DECIDED,
        K.MARK_LETTER_SENT,
        S.RESTRICTED,
        (E.LETTER_SENT, E.RESTRICTIONS_STARTED, E.APPEAL_WINDOW_OPENED),
        _sending(restrictions_decided, LK.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, HEAD),
    ),
    Example(
        "an older letter sent while the new decision's letter waits",
        S.RESTRICTIONS_DECIDED,
        K.MARK_LETTER_SENT,
        S.RESTRICTIONS_DECIDED,
        (E.LETTER_SENT,),
        _sending(lapsed_then_decided_again, LK.RESTRICTIONS_LAPSED, date(2027, 12, 21), HEAD),
    ),
    Example(
        "immediate restriction letter sent: the appeal window opens",
        S.RESTRICTED,
        K.MARK_LETTER_SENT,
        S.RESTRICTED,
        (E.LETTER_SENT, E.APPEAL_WINDOW_OPENED),
        _sending(immediately_restricted, LK.IMMEDIATE_RESTRICTIONS, date(2026, 12, 15), HEAD),
    ),
    Example(
        "appeal acknowledgement sent",
        S.UNDER_APPEAL,
        K.MARK_LETTER_SENT,
        S.UNDER_APPEAL,
        (E.LETTER_SENT,),
        _sending(under_appeal, LK.APPEAL_ACKNOWLEDGEMENT, date(2027, 1, 14), CET),
    ),
    Example(
        "lapse letter sent",
        S.LAPSED,
        K.MARK_LETTER_SENT,
        S.LAPSED,
        (E.LETTER_SENT,),
        _sending(lapsed, LK.RESTRICTIONS_LAPSED, date(2027, 12, 20), HEAD),
    ),
    Example(
        "appeal outcome letter sent after closing",
        S.CLOSED,
        K.MARK_LETTER_SENT,
        S.CLOSED,
        (E.LETTER_SENT,),
        _sending(closed_by_upheld_appeal, LK.APPEAL_UPHELD, date(2027, 2, 2), EXECUTIVE),
    ),
    Example(
        "appeal window closes unappealed",
        S.RESTRICTED,
        K.CLOSE_APPEAL_WINDOW,
        S.RESTRICTED,
        (E.APPEAL_WINDOW_CLOSED,),
        _then(restricted, CloseAppealWindow(), DEADLINES, midnight(date(2027, 1, 14))),
    ),
    Example(
        "appeal window closes while the appeal is heard",
        S.UNDER_APPEAL,
        K.CLOSE_APPEAL_WINDOW,
        S.UNDER_APPEAL,
        (E.APPEAL_WINDOW_CLOSED,),
        _then(under_appeal, CloseAppealWindow(), DEADLINES, midnight(date(2027, 1, 14))),
    ),
    Example(
        "appeal in time",
        S.RESTRICTED,
        K.LOG_APPEAL,
        S.UNDER_APPEAL,
        (E.APPEAL_LOGGED,),
        _then(
            restricted,
            LogAppeal(received_on=APPEAL_CLOSES_ON, grounds="unfair"),
            CET,
            at("2027-01-14"),
        ),
    ),
    Example(
        "late appeal",
        S.RESTRICTED,
        K.LOG_APPEAL,
        S.RESTRICTED,
        (E.APPEAL_LOGGED,),
        _then(
            restricted,
            LogAppeal(received_on=date(2027, 1, 14), grounds="unfair"),
            CET,
            at("2027-01-14"),
        ),
    ),
    Example(
        "late appeal accepted",
        S.RESTRICTED,
        K.ACCEPT_LATE_APPEAL,
        S.UNDER_APPEAL,
        (E.LATE_APPEAL_ACCEPTED,),
        _then(
            late_appeal_logged,
            AcceptLateAppeal(reason="in hospital when the letter came"),
            MANAGER,
            at("2027-01-18"),
        ),
    ),
    Example(
        "late appeal declined",
        S.RESTRICTED,
        K.DECLINE_LATE_APPEAL,
        S.RESTRICTED,
        (E.LATE_APPEAL_DECLINED,),
        _then(
            late_appeal_logged,
            DeclineLateAppeal(reason="no reason given for the delay"),
            HEAD,
            at("2027-01-18"),
        ),
    ),
    Example(
        "appeal upheld",
        S.UNDER_APPEAL,
        K.DECIDE_APPEAL,
        S.CLOSED,
        (E.APPEAL_DECIDED, E.RESTRICTIONS_ENDED),
        _then(under_appeal, UPHELD, EXECUTIVE, at("2027-02-01")),
    ),
    Example(
        "appeal dismissed",
        S.UNDER_APPEAL,
        K.DECIDE_APPEAL,
        S.RESTRICTED,
        (E.APPEAL_DECIDED,),
        _then(under_appeal, DISMISSED, EXECUTIVE, at("2027-02-01")),
    ),
    Example(
        "appeal varied",
        S.UNDER_APPEAL,
        K.DECIDE_APPEAL,
        S.RESTRICTED,
        (E.APPEAL_DECIDED,),
        _then(under_appeal, VARIED, EXECUTIVE, at("2027-02-01")),
    ),
    Example(
        "appeal review reminder",
        S.UNDER_APPEAL,
        K.APPEAL_REVIEW_REMINDER,
        S.UNDER_APPEAL,
        (E.APPEAL_REVIEW_REMINDER,),
        _then(under_appeal, AppealReviewReminder(), DEADLINES, at("2027-02-17", 8)),
    ),
    Example(
        "appeal review overdue",
        S.UNDER_APPEAL,
        K.APPEAL_REVIEW_OVERDUE,
        S.UNDER_APPEAL,
        (E.APPEAL_REVIEW_OVERDUE,),
        _then(under_appeal, AppealReviewOverdue(), DEADLINES, midnight(date(2027, 2, 25))),
    ),
    Example(
        "review extends",
        S.RESTRICTED,
        K.DECIDE_REVIEW,
        S.RESTRICTED,
        (E.REVIEW_DECIDED,),
        _then(restricted, EXTEND, HEAD, at("2027-11-29")),
    ),
    Example(
        "review closes",
        S.RESTRICTED,
        K.DECIDE_REVIEW,
        S.CLOSED,
        (E.REVIEW_DECIDED, E.RESTRICTIONS_ENDED),
        _then(restricted, CLOSE, HEAD, at("2027-11-29")),
    ),
    Example(
        "review extends during an appeal",
        S.UNDER_APPEAL,
        K.DECIDE_REVIEW,
        S.UNDER_APPEAL,
        (E.REVIEW_DECIDED,),
        _then(under_appeal, EXTEND, HEAD, at("2027-02-01")),
    ),
    Example(
        "review closes during an appeal",
        S.UNDER_APPEAL,
        K.DECIDE_REVIEW,
        S.CLOSED,
        (E.REVIEW_DECIDED, E.RESTRICTIONS_ENDED),
        _then(under_appeal, CLOSE, HEAD, at("2027-02-01")),
    ),
    Example(
        "review pack due",
        S.RESTRICTED,
        K.REVIEW_PACK_DUE,
        S.RESTRICTED,
        (E.REVIEW_PACK_DUE,),
        _then(restricted, ReviewPackDue(), DEADLINES, at("2027-11-22", 8)),
    ),
    Example(
        "review pack due during an appeal",
        S.UNDER_APPEAL,
        K.REVIEW_PACK_DUE,
        S.UNDER_APPEAL,
        (E.REVIEW_PACK_DUE,),
        _then(under_appeal, ReviewPackDue(), DEADLINES, at("2027-11-22", 8)),
    ),
    Example(
        "restrictions lapse",
        S.RESTRICTED,
        K.LAPSE_RESTRICTIONS,
        S.LAPSED,
        (E.RESTRICTIONS_LAPSED, E.MISSED_REVIEW_ESCALATED),
        _then(restricted, LapseRestrictions(), DEADLINES, midnight(RESTRICTIONS_END_ON)),
    ),
    Example(
        "restrictions lapse during an appeal",
        S.UNDER_APPEAL,
        K.LAPSE_RESTRICTIONS,
        S.LAPSED,
        (E.RESTRICTIONS_LAPSED, E.MISSED_REVIEW_ESCALATED),
        _then(under_appeal, LapseRestrictions(), DEADLINES, midnight(RESTRICTIONS_END_ON)),
    ),
    Example(
        "lapsed case closed",
        S.LAPSED,
        K.CLOSE_CASE,
        S.CLOSED,
        (E.CASE_CLOSED,),
        _then(lapsed, CloseCase(reason="no contact since"), HEAD, at("2028-01-10")),
    ),
    Example(
        "a closure moves the concern follow-up",
        S.CONCERN,
        K.RECALCULATE_DEADLINES,
        S.CONCERN,
        (E.DEADLINES_RECALCULATED,),
        _recalculating(concern_letter_sent, date(2026, 11, 20), at("2026-11-10")),
    ),
    Example(
        "a closure moves the appeal window",
        S.RESTRICTED,
        K.RECALCULATE_DEADLINES,
        S.RESTRICTED,
        (E.DEADLINES_RECALCULATED,),
        _recalculating(restricted, date(2027, 1, 5), at("2026-12-21")),
    ),
    Example(
        "a closure moves the appeal review",
        S.UNDER_APPEAL,
        K.RECALCULATE_DEADLINES,
        S.UNDER_APPEAL,
        (E.DEADLINES_RECALCULATED,),
        _recalculating(under_appeal, date(2027, 2, 1), at("2027-01-20")),
    ),
)


def test_every_transition_in_the_table_has_an_example() -> None:
    covered: dict[tuple[CaseStatus | None, CommandKind], set[CaseStatus]] = {}
    for example in EXAMPLES:
        covered.setdefault((example.before, example.kind), set()).add(example.after)
    assert set(covered) == set(TRANSITIONS)
    for key, targets in TRANSITIONS.items():
        assert covered[key] == set(targets), key


@pytest.mark.policy("design-decisions-recorded")
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda x: x.name)
def test_a_legal_transition(example: Example) -> None:
    story, command, by, now = example.setup()
    before = story.case
    assert (before.status if before else None) == example.before
    outcome = story.try_(command, by, now)
    assert outcome.case.status is example.after
    assert example.after in TRANSITIONS[(example.before, example.kind)]
    assert tuple(e.type for e in outcome.events) == example.types
    first = (before.version if before else 0) + 1
    assert [e.seq for e in outcome.events] == list(range(first, first + len(outcome.events)))
    assert outcome.case.version == outcome.events[-1].seq
    for event in outcome.events:
        assert event.actor == by
        assert event.at == now
        assert (event.case_id, event.customer_id) == (CASE_ID, CUSTOMER_ID)


# Illegal transitions: every pair missing from the table -------------------------------------


def _any_command(kind: CommandKind) -> Command:
    commands: dict[CommandKind, Command] = {
        K.RAISE_CONCERN: raise_concern(),
        K.CLOSE_CONCERN: CloseConcern(reason="behaviour changed"),
        K.IMPOSE_RESTRICTIONS: IMMEDIATE,
        K.RECORD_LETTER_DRAFTED: RecordLetterDrafted(letter_id="x", version=1, s3_key="k"),
        K.RECORD_LETTER_FAILED: RecordLetterFailed(letter_id="x", problems=("p",)),
        K.MARK_LETTER_SENT: MarkLetterSent(letter_id="x", sent_on=date(2026, 11, 2)),
        K.REDRAFT_LETTER: RedraftLetter(letter_id="x"),
        K.REMIND_UNSENT_LETTER: RemindUnsentLetter(letter_id="x"),
        K.LOG_APPEAL: LogAppeal(received_on=date(2026, 11, 2), grounds="unfair"),
        K.ACCEPT_LATE_APPEAL: AcceptLateAppeal(reason="illness"),
        K.DECLINE_LATE_APPEAL: DeclineLateAppeal(reason="no reason"),
        K.DECIDE_APPEAL: DISMISSED,
        K.DECIDE_REVIEW: CLOSE,
        K.CLOSE_CASE: CloseCase(reason="done"),
        K.CONCERN_FOLLOW_UP_DUE: ConcernFollowUpDue(),
        K.CLOSE_APPEAL_WINDOW: CloseAppealWindow(),
        K.APPEAL_REVIEW_REMINDER: AppealReviewReminder(),
        K.APPEAL_REVIEW_OVERDUE: AppealReviewOverdue(),
        K.REVIEW_PACK_DUE: ReviewPackDue(),
        K.LAPSE_RESTRICTIONS: LapseRestrictions(),
        K.RECALCULATE_DEADLINES: RecalculateDeadlines(),
    }
    return commands[kind]


def _permitted_actor(kind: CommandKind) -> Actor:
    return actor(sorted(PERMITTED_ROLES[kind])[0])


ILLEGAL = [
    (status, kind)
    for status in (None, *CaseStatus)
    for kind in CommandKind
    if (status, kind) not in TRANSITIONS
]


@pytest.mark.parametrize(
    ("status", "kind"), ILLEGAL, ids=[f"{s and s.value}-{k.value}" for s, k in ILLEGAL]
)
def test_a_command_outside_the_table_is_refused(
    status: CaseStatus | None, kind: CommandKind
) -> None:
    story = STORY_FOR_STATUS[status]()
    now = at("2028-06-01")  # after every date in the stories
    if kind in DEADLINE_COMMANDS:  # a deadline the case has moved past: a logged no-op
        refused(story, _any_command(kind), DEADLINES, now, NothingToDo, "deadline-stale")
    else:
        refused(
            story, _any_command(kind), _permitted_actor(kind), now, IllegalTransition, "lifecycle"
        )


@pytest.mark.policy("design-decisions-recorded")
def test_an_unsent_letter_reminds_its_sender_then_escalates_once() -> None:
    story = restrictions_decided()
    story.draft(LK.RESTRICTIONS, at(DECIDED_ON, 11))  # Monday 14 December
    letter_id = story.letter(LK.RESTRICTIONS).letter_id
    remind = RemindUnsentLetter(letter_id=letter_id)
    refused(story, remind, DEADLINES, at("2026-12-15", 7), NothingToDo, "deadline-early")
    first = story.do(remind, DEADLINES, at("2026-12-16", 7))  # 2 working days on
    assert first.events[0].data["notify"] == "head-of-service"  # its sender
    assert first.events[0].data["reminder"] == 1
    # The second, 4 working days after drafting (Friday 18th), escalates to the Head of Service.
    refused(story, remind, DEADLINES, at("2026-12-17", 7), NothingToDo, "deadline-early")
    second = story.do(remind, DEADLINES, at("2026-12-18", 7))
    assert second.events[0].data["alert"] is True
    refused(story, remind, DEADLINES, at("2026-12-30", 7), NothingToDo, "deadline-stale")
    assert story.current.status is S.RESTRICTIONS_DECIDED  # a reminder decides nothing


def test_a_closed_case_accepts_only_letter_bookkeeping() -> None:
    allowed = {k for k in CommandKind if (S.CLOSED, k) in TRANSITIONS}
    assert allowed == {
        K.RECORD_LETTER_DRAFTED,
        K.RECORD_LETTER_FAILED,
        K.MARK_LETTER_SENT,
        K.REDRAFT_LETTER,
        K.REMIND_UNSENT_LETTER,
    }


# Roles: each command only from the roles the policy names ----------------------------------

FIRST_EXAMPLE: dict[CommandKind, Example] = {}
for _example in EXAMPLES:
    FIRST_EXAMPLE.setdefault(_example.kind, _example)
WRONG_ROLES = [(k, r) for k in CommandKind for r in Role if r not in PERMITTED_ROLES[k]]


@pytest.mark.parametrize(
    ("kind", "role"), WRONG_ROLES, ids=[f"{k.value}-by-{r.value}" for k, r in WRONG_ROLES]
)
def test_a_command_from_a_role_the_policy_does_not_name_is_refused(
    kind: CommandKind, role: Role
) -> None:
    story, command, _, now = FIRST_EXAMPLE[kind].setup()
    error = refused(story, command, actor(role), now, NotPermitted, "role-permissions")
    assert kind.value in error.message


# Step 1: the concern ------------------------------------------------------------------------


@pytest.mark.policy("s4-step1-service-manager")
def test_a_service_manager_records_the_concern_and_a_concern_letter_is_required() -> None:
    story = no_case()
    outcome = story.do(raise_concern(), MANAGER, at(CONCERN_RAISED_ON))
    case, (event,) = outcome.case, outcome.events
    assert case.status is S.CONCERN
    assert case.opened_at == at(CONCERN_RAISED_ON)
    assert case.concern is not None
    assert case.concern.raised_by == MANAGER
    assert case.concern.evidence_contact_ids == ("contact-1", "contact-2")
    assert event.type is E.CONCERN_RAISED
    assert event.reason == "forty emails in a week, two of them threatening staff"
    assert event.letter is not None
    assert event.letter.kind is LK.CONCERN
    (letter,) = case.letters
    assert (letter.letter_id, letter.status) == (event.letter.letter_id, LetterStatus.REQUIRED)
    assert letter.letter_id == "concern-0001"  # deterministic: kind and event number


@pytest.mark.policy("s4-step1-service-manager")
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.SERVICE_MANAGER])
def test_only_a_service_manager_raises_a_concern(role: Role) -> None:
    refused(
        no_case(),
        raise_concern(),
        actor(role),
        at(CONCERN_RAISED_ON),
        NotPermitted,
        "role-permissions",
    )


@pytest.mark.policy("s3-behaviour-vocabulary")
def test_a_concern_is_recorded_in_the_policy_vocabulary_of_behaviours() -> None:
    outcome = no_case().do(raise_concern(), MANAGER, at(CONCERN_RAISED_ON))
    assert outcome.events[0].data["behaviours"] == [
        "threatening-or-foul-language",
        "multiple-threatening-or-excessive-emails",
    ]
    assert outcome.case.concern is not None
    assert outcome.case.concern.behaviours == (
        Behaviour.THREATENING_LANGUAGE,
        Behaviour.EXCESSIVE_EMAILS,
    )


@pytest.mark.policy("s3-behaviour-vocabulary")
@pytest.mark.parametrize("behaviours", [(), ("shouting-loudly",)])
def test_a_concern_needs_at_least_one_behaviour_from_the_vocabulary(
    behaviours: tuple[str, ...],
) -> None:
    with pytest.raises(ValidationError, match="behaviours"):
        RaiseConcern(case_id=CASE_ID, customer_id=CUSTOMER_ID, behaviours=behaviours, note="n")


@pytest.mark.policy("s4-step1-follow-up")
def test_sending_the_concern_letter_sets_the_follow_up_20_working_days_later() -> None:
    story = concern_raised()
    story.draft(LK.CONCERN, at(CONCERN_RAISED_ON, 11))
    outcome = story.send(LK.CONCERN, CONCERN_LETTER_SENT_ON, MANAGER)
    assert outcome.case.concern is not None
    assert outcome.case.concern.letter_sent_on == date(2026, 11, 3)
    assert outcome.case.concern.follow_up_due_on == date(2026, 12, 1)
    assert outcome.events[0].data["sent_on"] == "2026-11-03"


@pytest.mark.policy("s4-step1-follow-up")
def test_the_follow_up_asks_the_manager_on_its_day_once() -> None:
    story = concern_letter_sent()
    early = at("2026-11-30", 23, 59, 59)
    refused(story, ConcernFollowUpDue(), DEADLINES, early, NothingToDo, "deadline-early")
    outcome = story.do(ConcernFollowUpDue(), DEADLINES, at("2026-12-01", 8))
    assert outcome.events[0].data["due_on"] == "2026-12-01"
    assert outcome.events[0].data["notify"] == "service-manager"
    assert outcome.case.status is S.CONCERN
    again = at("2026-12-01", 9)
    refused(story, ConcernFollowUpDue(), DEADLINES, again, NothingToDo, "deadline-duplicate")


@pytest.mark.policy("s4-step1-follow-up")
def test_no_follow_up_before_the_concern_letter_is_sent() -> None:
    story = concern_raised()
    refused(story, ConcernFollowUpDue(), DEADLINES, at("2027-01-05"), NothingToDo, "deadline-stale")


@pytest.mark.policy("s4-step1-follow-up")
def test_the_manager_closes_the_concern_when_the_behaviour_changed() -> None:
    story = concern_letter_sent()
    refused(
        story,
        CloseConcern(reason="better"),
        HEAD,
        at("2026-12-02"),
        NotPermitted,
        "role-permissions",
    )
    outcome = story.do(
        CloseConcern(reason="no contact of concern since"), MANAGER, at("2026-12-02")
    )
    assert outcome.case.status is S.CLOSED
    assert outcome.case.closed_at == at("2026-12-02")
    assert outcome.case.closure_reason == "no contact of concern since"
    assert outcome.case.decision is None


# Step 2: restrictions -----------------------------------------------------------------------


@pytest.mark.policy("s4-step2-head-of-service")
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.HEAD_OF_SERVICE])
def test_only_the_head_of_service_imposes_restrictions(role: Role) -> None:
    story = concern_letter_sent()
    refused(story, impose(), actor(role), at(DECIDED_ON), NotPermitted, "role-permissions")


@pytest.mark.policy("s4-step2-head-of-service")
def test_the_head_of_service_decides_step_2_after_the_concern_letter() -> None:
    outcome = concern_letter_sent().do(impose(), HEAD, at(DECIDED_ON))
    case, (event,) = outcome.case, outcome.events
    assert case.status is S.RESTRICTIONS_DECIDED
    assert case.decision is not None
    assert case.decision.kind is DecisionKind.STEP_2
    assert case.decision.decided_by == HEAD
    assert case.decision.reason == "the behaviour continued after the concern letter"
    assert case.decision_participants == (HEAD.actor_id,)
    assert event.data["decision_id"] == case.decision.decision_id
    assert event.data["immediate"] is False
    assert event.letter is not None
    assert event.letter.kind is LK.RESTRICTIONS
    assert case.period is None  # not in force until the customer is told


@pytest.mark.policy("s4-step2-after-step1")
def test_restrictions_are_refused_while_the_concern_letter_is_unsent() -> None:
    story = concern_raised()
    story.draft(LK.CONCERN, at(CONCERN_RAISED_ON, 11))  # drafted, not sent
    refused(story, impose(), HEAD, at(DECIDED_ON), RuleViolation, "s4-step2-after-step1")


@pytest.mark.policy("s4-step2-after-step1")
def test_restrictions_without_any_concern_must_be_immediate() -> None:
    command = impose(case_id=CASE_ID, customer_id=CUSTOMER_ID)
    refused(no_case(), command, HEAD, at(DECIDED_ON), RuleViolation, "s4-step2-after-step1")


@pytest.mark.policy("s4-step2-after-step1")
def test_after_an_immediate_decision_lapses_a_normal_decision_still_needs_step_1() -> None:
    story = immediately_restricted()
    story.do(LapseRestrictions(), DEADLINES, midnight(date(2027, 12, 14)))
    assert story.current.status is S.LAPSED
    refused(story, impose(), HEAD, at("2027-12-20"), RuleViolation, "s4-step2-after-step1")


@pytest.mark.policy("s4-immediate-restrictions")
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_immediate_decision_needs_a_reason(reason: str | None) -> None:
    command = impose(
        immediate=True, immediate_reason=reason, case_id=CASE_ID, customer_id=CUSTOMER_ID
    )
    refused(no_case(), command, HEAD, at(DECIDED_ON), RuleViolation, "s4-immediate-restrictions")
    # ...and the same on a case at Step 1.
    refused(
        concern_raised(), command, HEAD, at(DECIDED_ON), RuleViolation, "s4-immediate-restrictions"
    )


@pytest.mark.policy("s4-immediate-restrictions")
def test_immediate_restrictions_start_at_once_and_record_police_action() -> None:
    decided_at = at("2026-12-14", 15, 30)
    outcome = no_case().do(
        impose(
            letters_only(),
            immediate=True,
            immediate_reason="threatened to harm a housing officer",
            police_or_legal_action="reported to Derbyshire Police, ref 123",
            case_id=CASE_ID,
            customer_id=CUSTOMER_ID,
        ),
        HEAD,
        decided_at,
    )
    case = outcome.case
    imposed, started = outcome.events
    assert case.status is S.RESTRICTED
    assert case.decision is not None
    assert case.decision.kind is DecisionKind.IMMEDIATE
    assert case.decision.immediate_reason == "threatened to harm a housing officer"
    assert case.decision.police_or_legal_action == "reported to Derbyshire Police, ref 123"
    assert imposed.data["immediate"] is True
    assert imposed.data["police_or_legal_action"] == "reported to Derbyshire Police, ref 123"
    assert imposed.letter is not None
    assert imposed.letter.kind is LK.IMMEDIATE_RESTRICTIONS
    assert case.period is not None
    assert case.period.starts_at == decided_at
    assert case.period.ends_on == date(2027, 12, 14)
    assert started.data == {
        "starts_at": "2026-12-14T15:30:00+00:00",
        "ends_on": "2027-12-14",
        "review_pack_due_on": "2027-11-16",
    }
    assert restrictions_in_force(case, decided_at) == (letters_only(),)
    assert restrictions_in_force(case, decided_at - timedelta(seconds=1)) == ()
    assert case.appeal_window is None  # opens when the letter is sent


@pytest.mark.policy("s4-immediate-restrictions")
def test_a_new_case_from_an_immediate_decision_needs_its_identity() -> None:
    command = impose(immediate=True, immediate_reason="threats")
    refused(no_case(), command, HEAD, at(DECIDED_ON), RuleViolation, "case-identity")


@pytest.mark.policy("s4-equality-considered")
@pytest.mark.parametrize(
    "record",
    [
        None,
        equality(adjustments=False),
        equality(vulnerability=False),
        equality(equality_act=False),
    ],
    ids=["missing", "no-adjustments", "no-vulnerability", "no-equality-act"],
)
def test_restrictions_need_a_complete_equality_record(
    record: EqualityConsiderations | None,
) -> None:
    step_2 = impose(equality_record=record, with_equality=False)
    refused(
        concern_letter_sent(), step_2, HEAD, at(DECIDED_ON), RuleViolation, "s4-equality-considered"
    )
    immediate = impose(
        equality_record=record,
        with_equality=False,
        immediate=True,
        immediate_reason="threats",
        case_id=CASE_ID,
        customer_id=CUSTOMER_ID,
    )
    refused(no_case(), immediate, HEAD, at(DECIDED_ON), RuleViolation, "s4-equality-considered")


@pytest.mark.policy("s4-equality-considered")
def test_an_agreed_adjustment_is_kept_with_the_decision() -> None:
    record = equality(agreed=("an advocate may call on the customer's behalf",))
    outcome = concern_letter_sent().do(impose(equality_record=record), HEAD, at(DECIDED_ON))
    assert outcome.case.decision is not None
    assert outcome.case.decision.equality == record
    assert outcome.case.decision.equality.adjustments_agreed == (
        "an advocate may call on the customer's behalf",
    )


@pytest.mark.policy("s4-restriction-types")
def test_restrictions_are_tailored_several_at_once() -> None:
    chosen = (
        telephone_via_third_party(),
        AppointmentOnlyVisits(office="Council House, Derby"),
        single_point_of_contact(),
        WitnessAtPersonalContact(),
        SocialMediaRestriction(details="blocked from the Facebook page"),
        OtherRestriction(details="no recording of meetings"),
    )
    story = restrictions_decided(*chosen)
    imposed = next(e for e in story.events if e.type is E.RESTRICTIONS_IMPOSED)
    assert imposed.data["restriction_types"] == [
        "telephone-via-third-party",
        "appointment-only-visits",
        "single-point-of-contact",
        "witness-at-personal-contact",
        "social-media",
        "other",
    ]
    story.draft_and_send(LK.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, HEAD)
    assert restrictions_in_force(story.current, at("2027-01-05")) == chosen


# When restrictions start and end --------------------------------------------------------------


@pytest.mark.policy("s4-restrictions-start-when-told")
def test_decided_restrictions_are_not_in_force_until_the_letter_is_sent() -> None:
    story = restrictions_decided()
    story.draft(LK.RESTRICTIONS, at(DECIDED_ON, 11))
    case = story.current
    assert case.status is S.RESTRICTIONS_DECIDED
    assert restrictions_in_force(case, at("2026-12-17")) == ()
    assert email_ruling([case], at("2026-12-17")).action is EmailAction.DELIVER


@pytest.mark.policy("s4-restrictions-start-when-told")
@pytest.mark.policy("s4-restrictions-12-months")
def test_restrictions_start_at_london_midnight_on_the_day_the_letter_is_sent() -> None:
    story = restrictions_decided()
    story.draft(LK.RESTRICTIONS, at(RESTRICTION_LETTER_SENT_ON, 11))  # dated the day it goes
    outcome = story.send(LK.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, HEAD, at("2026-12-18", 16))
    case = outcome.case
    sent, started, window = outcome.events
    assert case.status is S.RESTRICTED
    assert case.period is not None
    assert case.period.starts_at == datetime(2026, 12, 18, 0, 0, tzinfo=LONDON)
    assert case.period.ends_on == date(2027, 12, 18)
    assert case.period.review_pack_due_on == date(2027, 11, 22)  # 20 working days before
    assert sent.data["sent_on"] == "2026-12-18"
    assert started.data == {
        "starts_at": "2026-12-18T00:00:00+00:00",
        "ends_on": "2027-12-18",
        "review_pack_due_on": "2027-11-22",
    }
    assert window.data["closes_on"] == "2027-01-13"
    assert restrictions_in_force(case, at("2026-12-17", 23, 59, 59)) == ()
    assert restrictions_in_force(case, midnight(date(2026, 12, 18))) == (letters_only(),)


@pytest.mark.policy("s4-restrictions-start-when-told")
def test_a_letter_sent_later_starts_the_restrictions_later() -> None:
    story = restrictions_decided()
    story.draft(LK.RESTRICTIONS, at(DECIDED_ON, 11))
    # Dated 14 December, its dates run from then: it cannot go out on 5 January as it is.
    late = sent_letter_command(story, LK.RESTRICTIONS, date(2027, 1, 5))
    refused(story, late, HEAD, at("2027-01-05", 16), RuleViolation, "letter-dated")
    redraft = story.do(
        RedraftLetter(letter_id=story.letter(LK.RESTRICTIONS).letter_id), HEAD, at("2027-01-05", 9)
    )
    assert [e.type for e in redraft.events] == [E.LETTER_REDRAFT_REQUESTED]
    assert redraft.events[0].data["dated_on"] == "2027-01-05"
    assert story.letter(LK.RESTRICTIONS).status is LetterStatus.REQUIRED
    story.draft(LK.RESTRICTIONS, at("2027-01-05", 10))  # the letters function's version 2
    assert story.letter(LK.RESTRICTIONS).version == 2
    case = story.send(LK.RESTRICTIONS, date(2027, 1, 5), HEAD).case
    assert case.period is not None
    assert case.period.starts_at == datetime(2027, 1, 5, 0, 0, tzinfo=LONDON)
    assert case.period.ends_on == date(2028, 1, 5)
    assert case.appeal_window is not None
    assert case.appeal_window.closes_on == date(2027, 1, 26)
    assert restrictions_in_force(case, at("2027-01-04")) == ()


@pytest.mark.policy("s4-restrictions-12-months")
def test_restrictions_last_twelve_calendar_months() -> None:
    case = restricted().current
    assert restrictions_in_force(case, at("2027-12-17", 23, 59, 59)) == (letters_only(),)
    assert restrictions_in_force(case, midnight(date(2027, 12, 18))) == ()


@pytest.mark.policy("s4-restrictions-12-months")
def test_restrictions_from_29_february_end_on_28_february() -> None:
    story = immediately_restricted(now=at("2028-02-29", 12))
    assert story.current.period is not None
    assert story.current.period.ends_on == date(2029, 2, 28)


# Letters -------------------------------------------------------------------------------------


def test_a_letter_cannot_be_sent_before_it_is_drafted() -> None:
    story = restrictions_decided()
    command = sent_letter_command(story, LK.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON)
    refused(story, command, HEAD, at("2026-12-18", 16), RuleViolation, "letter-must-be-drafted")


def test_a_failed_letter_cannot_be_sent() -> None:
    story = restrictions_decided()
    story.do(failed_command(story, LK.RESTRICTIONS), LETTERS, at(DECIDED_ON, 11))
    assert story.letter(LK.RESTRICTIONS).status is LetterStatus.FAILED
    assert story.letter(LK.RESTRICTIONS).problems == ("no appeal deadline date",)
    command = sent_letter_command(story, LK.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON)
    refused(story, command, HEAD, at("2026-12-18", 16), RuleViolation, "letter-must-be-drafted")
    # A corrected draft clears the problems and can then be sent.
    story.do(drafted_command(story, LK.RESTRICTIONS), LETTERS, at("2026-12-18", 9))
    assert story.letter(LK.RESTRICTIONS).problems == ()
    assert story.do(command, HEAD, at("2026-12-18", 16)).case.status is S.RESTRICTED


def test_a_letter_cannot_be_marked_sent_in_the_future() -> None:
    story = restrictions_decided()
    story.draft(LK.RESTRICTIONS, at(DECIDED_ON, 11))
    command = sent_letter_command(story, LK.RESTRICTIONS, date(2026, 12, 19))
    refused(story, command, HEAD, at("2026-12-18", 23, 59, 59), RuleViolation, "letter-sent-date")


def test_a_letter_cannot_be_sent_before_its_decision() -> None:
    story = restrictions_decided()
    story.draft(LK.RESTRICTIONS, at(DECIDED_ON, 11))
    command = sent_letter_command(story, LK.RESTRICTIONS, date(2026, 12, 13))
    refused(story, command, HEAD, at("2026-12-18"), RuleViolation, "letter-sent-date")


@pytest.mark.parametrize(
    ("make", "kind", "sent_on", "by"),
    [
        (concern_raised, LK.CONCERN, CONCERN_LETTER_SENT_ON, HEAD),
        (restrictions_decided, LK.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, CET),
        (restrictions_decided, LK.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, EXECUTIVE),
        (under_appeal, LK.APPEAL_ACKNOWLEDGEMENT, date(2027, 1, 14), MANAGER),
        (closed_by_upheld_appeal, LK.APPEAL_UPHELD, date(2027, 2, 2), HEAD),
    ],
)
def test_only_the_letters_own_senders_mark_it_sent(
    make: Callable[[], Story], kind: LetterKind, sent_on: date, by: Actor
) -> None:
    assert by.role not in LETTER_SENDERS[kind]
    story = make()
    story.draft(kind, at(sent_on, 9))
    command = sent_letter_command(story, kind, sent_on)
    refused(story, command, by, at(sent_on, 16), NotPermitted, "letter-senders")


def test_the_internal_review_pack_is_never_sent() -> None:
    story = restricted()
    story.do(ReviewPackDue(), DEADLINES, at("2027-11-22", 8))
    story.draft(LK.REVIEW_PACK, at("2027-11-22", 9))
    command = sent_letter_command(story, LK.REVIEW_PACK, date(2027, 11, 22))
    for by in (MANAGER, HEAD, CET, EXECUTIVE):
        refused(story, command, by, at("2027-11-22", 16), NotPermitted, "letter-senders")


def test_marking_a_letter_sent_twice_is_nothing_to_do() -> None:
    story = restricted()
    command = sent_letter_command(story, LK.RESTRICTIONS, date(2026, 12, 21))
    refused(story, command, HEAD, at("2026-12-21"), NothingToDo, "letter-already-sent")
    assert story.letter(LK.RESTRICTIONS).sent_on == RESTRICTION_LETTER_SENT_ON
    assert story.letter(LK.RESTRICTIONS).sent_by == HEAD.actor_id


def test_drafts_are_versioned_and_duplicates_are_nothing_to_do() -> None:
    story = restrictions_decided()
    first = drafted_command(story, LK.RESTRICTIONS, version=1)
    story.do(first, LETTERS, at(DECIDED_ON, 11))
    refused(story, first, LETTERS, at(DECIDED_ON, 12), NothingToDo, "letter-duplicate")
    second = drafted_command(story, LK.RESTRICTIONS, version=2)
    story.do(second, LETTERS, at(RESTRICTION_LETTER_SENT_ON, 9))
    letter = story.letter(LK.RESTRICTIONS)
    assert (letter.status, letter.version, letter.s3_key) == (
        LetterStatus.DRAFTED,
        2,
        second.s3_key,
    )
    assert letter.superseded_keys == (first.s3_key,)
    refused(story, first, LETTERS, at(DECIDED_ON, 14), RuleViolation, "letter-version")
    story.send(LK.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, HEAD)
    third = drafted_command(story, LK.RESTRICTIONS, version=3)
    refused(story, third, LETTERS, at("2026-12-19"), NothingToDo, "letter-already-sent")


def test_a_repeated_failure_is_nothing_to_do() -> None:
    story = restrictions_decided()
    story.do(failed_command(story, LK.RESTRICTIONS), LETTERS, at(DECIDED_ON, 11))
    command = failed_command(story, LK.RESTRICTIONS)
    refused(story, command, LETTERS, at(DECIDED_ON, 12), NothingToDo, "letter-duplicate")


def test_an_unknown_letter_is_refused() -> None:
    command = MarkLetterSent(letter_id="restrictions-9999", sent_on=date(2026, 12, 18))
    refused(restricted(), command, HEAD, at("2026-12-18", 17), RuleViolation, "letter-unknown")


# The appeal window: 15 working days from the letter being sent ------------------------------


@pytest.mark.policy("s5-appeal-15-working-days")
def test_the_appeal_window_closes_on_the_15th_working_day_after_the_letter() -> None:
    story = restricted()
    window = story.current.appeal_window
    assert window is not None
    assert window.letter_sent_on == date(2026, 12, 18)
    # Christmas Day, Boxing Day (substituted to Mon 28 Dec) and New Year's Day are skipped.
    assert window.closes_on == date(2027, 1, 13)
    opened = story.events[-1]
    assert opened.type is E.APPEAL_WINDOW_OPENED
    assert opened.data["closes_on"] == "2027-01-13"
    assert opened.data["closes_at"] == "2027-01-13T23:59:59+00:00"


@pytest.mark.policy("s5-appeal-15-working-days")
@pytest.mark.policy("s5-appeal-to-cet")
def test_an_appeal_received_on_the_closing_day_is_in_time() -> None:
    story = restricted()
    outcome = story.do(
        LogAppeal(received_on=date(2027, 1, 13), grounds="the emails were about a repair"),
        CET,
        at("2027-01-14", 9),  # logged the next morning: the received date counts
    )
    (event,) = outcome.events
    (appeal,) = outcome.case.appeals
    assert outcome.case.status is S.UNDER_APPEAL
    assert appeal.late is False
    assert appeal.status is AppealStatus.UNDER_REVIEW
    assert appeal.logged_by == CET
    assert appeal.review_due_on == date(2027, 2, 24)  # 30 working days after receipt
    assert event.data["late"] is False
    assert event.data["review_due_on"] == "2027-02-24"
    assert event.letter is not None
    assert event.letter.kind is LK.APPEAL_ACKNOWLEDGEMENT


@pytest.mark.policy("s5-appeal-15-working-days")
@pytest.mark.policy("s5-late-appeal")
def test_an_appeal_received_the_day_after_is_recorded_as_late() -> None:
    story = late_appeal_logged()
    case = story.current
    (event,) = story.events[-1:]
    (appeal,) = case.appeals
    assert case.status is S.RESTRICTED  # nothing is under review until a manager accepts it
    assert appeal.late is True
    assert appeal.status is AppealStatus.AWAITING_LATE_ACCEPTANCE
    assert appeal.review_due_on is None
    assert event.data["late"] is True
    assert event.data["window_closed_on"] == "2027-01-13"
    assert event.data["notify"] == "service-manager"
    assert event.letter is None


@pytest.mark.policy("s5-appeal-15-working-days")
def test_the_window_closing_deadline_fires_only_after_23_59_59_and_once() -> None:
    story = restricted()
    last_second = at("2027-01-13", 23, 59, 59)
    refused(story, CloseAppealWindow(), DEADLINES, last_second, NothingToDo, "deadline-early")
    outcome = story.do(CloseAppealWindow(), DEADLINES, midnight(date(2027, 1, 14)))
    assert outcome.events[0].data == {
        "decision_id": "D0004",
        "closes_on": "2027-01-13",
        "appealed": False,
    }
    assert outcome.case.appeal_window is not None
    assert outcome.case.appeal_window.closed
    later = at("2027-01-14", 6)
    refused(story, CloseAppealWindow(), DEADLINES, later, NothingToDo, "deadline-stale")


@pytest.mark.policy("s5-appeal-15-working-days")
def test_an_appeal_cannot_be_received_in_the_future_or_twice() -> None:
    story = restricted()
    future = LogAppeal(received_on=date(2027, 1, 6), grounds="unfair")
    refused(story, future, CET, at("2027-01-05"), RuleViolation, "appeal-received-date")
    story.do(LogAppeal(received_on=date(2027, 1, 5), grounds="unfair"), CET, at("2027-01-05"))
    story.do(DISMISSED, EXECUTIVE, at("2027-01-20"))
    again = LogAppeal(received_on=date(2027, 1, 21), grounds="still unfair")
    refused(story, again, CET, at("2027-01-21"), RuleViolation, "s5-one-appeal-per-decision")


@pytest.mark.policy("s5-late-appeal")
@pytest.mark.parametrize("by", [MANAGER, HEAD])
def test_a_manager_may_accept_a_late_appeal_with_a_reason(by: Actor) -> None:
    story = late_appeal_logged()
    outcome = story.do(
        AcceptLateAppeal(reason="in hospital when the letter came"), by, at("2027-01-18")
    )
    (appeal,) = outcome.case.appeals
    assert outcome.case.status is S.UNDER_APPEAL
    assert appeal.status is AppealStatus.UNDER_REVIEW
    assert appeal.late is True
    assert appeal.late_decision_reason == "in hospital when the letter came"
    # The 30 working days run from acceptance on Mon 18 Jan 2027.
    assert appeal.review_due_on == date(2027, 3, 1)
    assert appeal.reminder_due_on == date(2027, 2, 22)
    (event,) = outcome.events
    assert event.reason == "in hospital when the letter came"
    assert event.data["review_due_on"] == "2027-03-01"
    assert event.letter is not None
    assert event.letter.kind is LK.APPEAL_ACKNOWLEDGEMENT


@pytest.mark.policy("s5-late-appeal")
def test_a_manager_may_decline_a_late_appeal() -> None:
    story = late_appeal_logged()
    outcome = story.do(
        DeclineLateAppeal(reason="no reason for the delay"), MANAGER, at("2027-01-18")
    )
    (appeal,) = outcome.case.appeals
    assert outcome.case.status is S.RESTRICTED
    assert appeal.status is AppealStatus.LATE_DECLINED
    assert appeal.late_decision_reason == "no reason for the delay"
    assert restrictions_in_force(outcome.case, at("2027-01-19")) == (letters_only(),)


@pytest.mark.policy("s5-late-appeal")
@pytest.mark.parametrize("by", [CET, EXECUTIVE])
def test_only_a_manager_decides_on_a_late_appeal(by: Actor) -> None:
    story = late_appeal_logged()
    accept = AcceptLateAppeal(reason="illness")
    refused(story, accept, by, at("2027-01-18"), NotPermitted, "role-permissions")


@pytest.mark.policy("s5-late-appeal")
def test_there_must_be_a_late_appeal_to_accept() -> None:
    accept = AcceptLateAppeal(reason="illness")
    refused(restricted(), accept, MANAGER, at("2027-01-18"), RuleViolation, "s5-late-appeal")
    decline = DeclineLateAppeal(reason="none")
    refused(restricted(), decline, HEAD, at("2027-01-18"), RuleViolation, "s5-late-appeal")


@pytest.mark.policy("s5-appeal-to-cet")
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.CUSTOMER_EXPERIENCE])
def test_only_the_customer_experience_team_logs_an_appeal(role: Role) -> None:
    command = LogAppeal(received_on=date(2027, 1, 5), grounds="unfair")
    refused(restricted(), command, actor(role), at("2027-01-05"), NotPermitted, "role-permissions")


# The independent review ------------------------------------------------------------------------


@pytest.mark.policy("s5-independent-review")
def test_an_executive_who_took_part_in_the_decision_may_not_review_it() -> None:
    story = under_appeal()
    assert story.current.decision_participants == (HEAD.actor_id,)
    # The Head of Service who imposed the restrictions, now sitting as an Executive.
    same_person = Actor(actor_id=HEAD.actor_id, role=Role.EXECUTIVE)
    refused(story, DISMISSED, same_person, at("2027-02-01"), NotPermitted, "s5-independent-review")


@pytest.mark.policy("s5-independent-review")
def test_an_executive_who_extended_the_restrictions_may_not_review_the_extension() -> None:
    story = restricted()
    extender = Actor(actor_id="staff-hos-02", role=Role.HEAD_OF_SERVICE)
    story.do(EXTEND, extender, at("2027-11-29"))
    story.draft_and_send(LK.REVIEW_EXTENDED, date(2027, 12, 1), extender)
    story.do(LogAppeal(received_on=date(2027, 12, 2), grounds="unfair"), CET, at("2027-12-02"))
    as_executive = Actor(actor_id="staff-hos-02", role=Role.EXECUTIVE)
    refused(story, DISMISSED, as_executive, at("2027-12-10"), NotPermitted, "s5-independent-review")
    assert story.do(DISMISSED, EXECUTIVE, at("2027-12-10")).case.status is S.RESTRICTED


@pytest.mark.policy("s5-independent-review")
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.EXECUTIVE])
def test_only_an_executive_decides_an_appeal(role: Role) -> None:
    refused(
        under_appeal(), DISMISSED, actor(role), at("2027-02-01"), NotPermitted, "role-permissions"
    )


@pytest.mark.policy("s5-review-30-working-days")
def test_the_reviewer_is_reminded_five_working_days_before_the_review_is_due() -> None:
    story = under_appeal()
    (appeal,) = story.current.appeals
    assert (appeal.reminder_due_on, appeal.review_due_on) == (date(2027, 2, 17), date(2027, 2, 24))
    early = at("2027-02-16", 23, 59, 59)
    refused(story, AppealReviewReminder(), DEADLINES, early, NothingToDo, "deadline-early")
    outcome = story.do(AppealReviewReminder(), DEADLINES, at("2027-02-17", 8))
    assert outcome.events[0].data["review_due_on"] == "2027-02-24"
    assert outcome.events[0].data["notify"] == "executive-team"
    again = at("2027-02-17", 9)
    refused(story, AppealReviewReminder(), DEADLINES, again, NothingToDo, "deadline-duplicate")


@pytest.mark.policy("s5-review-30-working-days")
def test_a_review_not_decided_within_30_working_days_is_escalated_once() -> None:
    story = under_appeal()
    last_second = at("2027-02-24", 23, 59, 59)
    refused(story, AppealReviewOverdue(), DEADLINES, last_second, NothingToDo, "deadline-early")
    outcome = story.do(AppealReviewOverdue(), DEADLINES, midnight(date(2027, 2, 25)))
    assert outcome.case.status is S.UNDER_APPEAL
    assert outcome.events[0].data["review_due_on"] == "2027-02-24"
    assert outcome.case.appeals[0].overdue_escalated
    later = at("2027-02-25", 6)
    refused(story, AppealReviewOverdue(), DEADLINES, later, NothingToDo, "deadline-duplicate")


@pytest.mark.policy("s5-review-30-working-days")
def test_review_deadlines_after_the_appeal_is_decided_are_nothing_to_do() -> None:
    story = under_appeal()
    story.do(DISMISSED, EXECUTIVE, at("2027-02-01"))
    refused(
        story, AppealReviewReminder(), DEADLINES, at("2027-02-17"), NothingToDo, "deadline-stale"
    )
    refused(
        story, AppealReviewOverdue(), DEADLINES, at("2027-02-25"), NothingToDo, "deadline-stale"
    )


# Appeal outcomes --------------------------------------------------------------------------------


@pytest.mark.policy("s5-appeal-outcomes")
def test_an_upheld_appeal_lifts_the_restrictions_at_that_instant() -> None:
    story = under_appeal()
    decided_at = at("2027-02-01", 14, 15)
    outcome = story.do(UPHELD, EXECUTIVE, decided_at)
    case = outcome.case
    decided, ended = outcome.events
    assert case.status is S.CLOSED
    assert case.closed_at == decided_at
    assert case.closure_reason == "appeal upheld"
    assert case.period is not None
    assert case.period.ended_at == decided_at
    assert case.appeals[0].status is AppealStatus.UPHELD
    assert case.appeals[0].decided_by == EXECUTIVE
    assert decided.data["outcome"] == "upheld"
    assert decided.letter is not None
    assert decided.letter.kind is LK.APPEAL_UPHELD
    assert ended.reason == "appeal upheld: restrictions lifted"
    assert restrictions_in_force(case, decided_at - timedelta(seconds=1)) == (letters_only(),)
    assert restrictions_in_force(case, decided_at) == ()
    assert email_ruling([case], decided_at).action is EmailAction.DELIVER


@pytest.mark.policy("s5-appeal-outcomes")
def test_a_dismissed_appeal_leaves_the_restrictions_as_they_were() -> None:
    story = under_appeal()
    period_before = story.current.period
    outcome = story.do(DISMISSED, EXECUTIVE, at("2027-02-01"))
    assert outcome.case.status is S.RESTRICTED
    assert outcome.case.period == period_before
    assert outcome.case.appeals[0].status is AppealStatus.DISMISSED
    assert outcome.events[0].letter is not None
    assert outcome.events[0].letter.kind is LK.APPEAL_DISMISSED
    assert restrictions_in_force(outcome.case, at("2027-02-02")) == (letters_only(),)


@pytest.mark.policy("s5-appeal-outcomes")
def test_a_varied_appeal_changes_the_restrictions_but_not_the_end_date() -> None:
    story = under_appeal()
    outcome = story.do(VARIED, EXECUTIVE, at("2027-02-01"))
    case = outcome.case
    assert case.status is S.RESTRICTED
    assert case.period is not None
    assert case.period.ends_on == date(2027, 12, 18)
    assert case.appeals[0].status is AppealStatus.VARIED
    assert outcome.events[0].data["restriction_types"] == ["single-point-of-contact"]
    assert outcome.events[0].letter is not None
    assert outcome.events[0].letter.kind is LK.APPEAL_VARIED
    assert restrictions_in_force(case, at("2027-02-02")) == (single_point_of_contact(),)
    ruling = email_ruling([case], at("2027-02-02"))
    assert ruling.action is EmailAction.ROUTE_TO_OFFICER
    assert restrictions_in_force(case, midnight(date(2027, 12, 18))) == ()


@pytest.mark.policy("s5-appeal-outcomes")
def test_only_a_varied_outcome_carries_new_restrictions() -> None:
    story = under_appeal()
    bare_variation = DecideAppeal(outcome=AppealOutcome.VARIED, reason="vary")
    refused(story, bare_variation, EXECUTIVE, at("2027-02-01"), RuleViolation, "s5-appeal-outcomes")
    dismissal_with_changes = DecideAppeal(
        outcome=AppealOutcome.DISMISSED, reason="no", varied_restrictions=(letters_only(),)
    )
    now = at("2027-02-01")
    refused(story, dismissal_with_changes, EXECUTIVE, now, RuleViolation, "s5-appeal-outcomes")


@pytest.mark.policy("s5-restrictions-during-appeal")
def test_restrictions_stay_in_force_while_the_appeal_is_heard() -> None:
    case = under_appeal().current
    assert case.status is S.UNDER_APPEAL
    assert restrictions_in_force(case, at("2027-01-20")) == (letters_only(),)
    ruling = email_ruling([case], at("2027-01-20"))
    assert ruling.action is EmailAction.FILE_AND_BLOCK
    assert ruling.case_id == CASE_ID


@pytest.mark.policy("s5-restrictions-during-appeal")
def test_restrictions_stay_in_force_while_a_late_appeal_is_considered() -> None:
    case = late_appeal_logged().current
    assert restrictions_in_force(case, at("2027-01-15")) == (letters_only(),)


# The twelve-month review ------------------------------------------------------------------------


@pytest.mark.policy("s6-review-12-monthly")
def test_the_review_pack_is_asked_for_20_working_days_before_the_end_date_once() -> None:
    story = restricted()
    early = at("2027-11-19", 23, 59, 59)
    refused(story, ReviewPackDue(), DEADLINES, early, NothingToDo, "deadline-early")
    outcome = story.do(ReviewPackDue(), DEADLINES, at("2027-11-22", 8))
    (event,) = outcome.events
    assert event.data == {"ends_on": "2027-12-18", "notify": "head-of-service"}
    assert event.letter is not None
    assert event.letter.kind is LK.REVIEW_PACK
    again = at("2027-11-22", 9)
    refused(story, ReviewPackDue(), DEADLINES, again, NothingToDo, "deadline-duplicate")


@pytest.mark.policy("s6-review-12-monthly")
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.HEAD_OF_SERVICE])
def test_only_the_head_of_service_decides_the_review(role: Role) -> None:
    refused(restricted(), EXTEND, actor(role), at("2027-11-29"), NotPermitted, "role-permissions")


@pytest.mark.policy("s6-review-12-monthly")
def test_an_extension_runs_12_months_from_the_old_end_date() -> None:
    story = restricted()
    outcome = story.do(EXTEND, HEAD, at("2027-11-29"))
    case, (event,) = outcome.case, outcome.events
    assert case.status is S.RESTRICTED
    assert case.period is not None
    assert case.period.ends_on == date(2028, 12, 18)
    assert case.period.starts_at == datetime(2026, 12, 18, 0, 0, tzinfo=LONDON)
    assert case.period.review_pack_due_on == date(2028, 11, 20)
    assert case.decision is not None
    assert case.decision.kind is DecisionKind.REVIEW_EXTENSION
    assert case.decision.restrictions == (letters_only(),)
    assert event.data["outcome"] == "extend"
    assert event.data["previous_ends_on"] == "2027-12-18"
    assert event.data["ends_on"] == "2028-12-18"
    assert event.letter is not None
    assert event.letter.kind is LK.REVIEW_EXTENDED
    assert case.appeal_window is None  # a new window opens when the new letter is sent
    # No gap at the old end date; enforcement ends at the new one.
    assert restrictions_in_force(case, midnight(date(2027, 12, 18))) == (letters_only(),)
    assert restrictions_in_force(case, midnight(date(2028, 12, 18))) == ()
    # The old end date's lapse deadline no longer applies.
    at_old_end = midnight(date(2027, 12, 18))
    refused(story, LapseRestrictions(), DEADLINES, at_old_end, NothingToDo, "deadline-early")


@pytest.mark.policy("s6-appeal-after-review")
def test_the_extension_letter_gives_a_new_right_of_appeal() -> None:
    story = restricted()
    story.do(EXTEND, HEAD, at("2027-11-29"))
    outcome = story.draft_and_send(LK.REVIEW_EXTENDED, date(2027, 12, 1), HEAD)
    assert [e.type for e in outcome.events] == [E.LETTER_SENT, E.APPEAL_WINDOW_OPENED]
    window = outcome.case.appeal_window
    assert window is not None
    assert outcome.case.decision is not None
    assert window.decision_id == outcome.case.decision.decision_id
    assert window.closes_on == date(2027, 12, 22)
    appeal = LogAppeal(received_on=date(2027, 12, 22), grounds="I have changed")
    logged = story.do(appeal, CET, at("2027-12-23"))
    assert logged.case.status is S.UNDER_APPEAL
    assert logged.case.appeals[-1].late is False
    # 30 working days: Christmas 2027 (both days substituted) and New Year's Day 2028
    # (a Saturday, substituted to Mon 3 Jan) are skipped.
    assert logged.case.appeals[-1].review_due_on == date(2028, 2, 7)


@pytest.mark.policy("s6-review-12-monthly")
def test_closing_at_review_ends_the_restrictions_at_that_instant() -> None:
    story = restricted()
    decided_at = at("2027-11-29", 11)
    outcome = story.do(CLOSE, HEAD, decided_at)
    case = outcome.case
    decided, ended = outcome.events
    assert case.status is S.CLOSED
    assert case.closed_at == decided_at
    assert case.period is not None
    assert case.period.ended_at == decided_at
    assert case.reviewed_ends_on == (date(2027, 12, 18),)
    assert decided.data["outcome"] == "close"
    assert decided.letter is not None
    assert decided.letter.kind is LK.REVIEW_CLOSED
    assert ended.type is E.RESTRICTIONS_ENDED
    assert restrictions_in_force(case, decided_at) == ()
    assert email_ruling([case], decided_at).action is EmailAction.DELIVER


@pytest.mark.policy("s6-review-12-monthly")
def test_closing_at_review_during_an_appeal_makes_the_appeal_moot() -> None:
    story = under_appeal()
    case = story.do(CLOSE, HEAD, at("2027-02-01")).case
    assert case.status is S.CLOSED
    assert case.appeals[0].status is AppealStatus.MOOT
    assert case.open_appeal is None


@pytest.mark.policy("s6-unreviewed-lapse")
def test_restrictions_lapse_on_the_end_date_and_the_missed_review_is_escalated() -> None:
    story = restricted()
    last_second = at("2027-12-17", 23, 59, 59)
    refused(story, LapseRestrictions(), DEADLINES, last_second, NothingToDo, "deadline-early")
    fired_at = at("2027-12-18", 6)
    outcome = story.do(LapseRestrictions(), DEADLINES, fired_at)
    case = outcome.case
    lapsed_event, escalated = outcome.events
    assert case.status is S.LAPSED
    assert case.period is not None
    assert case.period.ended_at == datetime(2027, 12, 18, 0, 0, tzinfo=LONDON)  # not fired_at
    assert lapsed_event.type is E.RESTRICTIONS_LAPSED
    assert lapsed_event.data["ends_on"] == "2027-12-18"
    assert lapsed_event.letter is not None
    assert lapsed_event.letter.kind is LK.RESTRICTIONS_LAPSED
    assert escalated.type is E.MISSED_REVIEW_ESCALATED
    assert escalated.data == {"ends_on": "2027-12-18", "notify": "head-of-service", "alert": True}
    assert restrictions_in_force(case, at("2027-12-17", 23, 59, 59)) == (letters_only(),)
    assert restrictions_in_force(case, midnight(date(2027, 12, 18))) == ()
    refused(story, LapseRestrictions(), DEADLINES, at("2027-12-19"), NothingToDo, "deadline-stale")


@pytest.mark.policy("s6-unreviewed-lapse")
@pytest.mark.policy("design-email-enforcement")
def test_email_is_accepted_again_from_the_end_date_even_if_the_lapse_never_ran() -> None:
    case = restricted().current
    assert case.status is S.RESTRICTED  # no lapse command has run
    blocked = email_ruling([case], at("2027-12-17", 23, 59, 59))
    assert blocked.action is EmailAction.FILE_AND_BLOCK
    assert email_ruling([case], midnight(date(2027, 12, 18))).action is EmailAction.DELIVER
    assert email_ruling([case], at("2028-03-01")).action is EmailAction.DELIVER


@pytest.mark.policy("s6-unreviewed-lapse")
def test_a_lapse_during_an_appeal_makes_the_appeal_moot() -> None:
    story = under_appeal()
    case = story.do(LapseRestrictions(), DEADLINES, midnight(RESTRICTIONS_END_ON)).case
    assert case.status is S.LAPSED
    assert case.appeals[0].status is AppealStatus.MOOT
    assert case.open_appeal is None


@pytest.mark.policy("s6-unreviewed-lapse")
def test_a_lapsed_case_is_closed_by_the_head_of_service_or_decided_again() -> None:
    story = lapsed()
    closing = CloseCase(reason="no contact since the end date")
    refused(story, closing, MANAGER, at("2028-01-10"), NotPermitted, "role-permissions")
    case = story.try_(closing, HEAD, at("2028-01-10")).case
    assert (case.status, case.closure_reason) == (S.CLOSED, "no contact since the end date")
    again = story.do(impose(), HEAD, at("2027-12-20")).case
    assert again.status is S.RESTRICTIONS_DECIDED
    assert again.period is None
    assert restrictions_in_force(again, at("2027-12-21")) == ()


# Every decision is recorded -----------------------------------------------------------------------


@pytest.mark.policy("design-decisions-recorded")
def test_the_whole_story_is_one_numbered_trail_of_who_did_what_when() -> None:
    story = under_appeal()
    story.do(VARIED, EXECUTIVE, at("2027-02-01"))
    story.do(ReviewPackDue(), DEADLINES, at("2027-11-22", 8))
    story.do(EXTEND, HEAD, at("2027-11-29"))
    assert [e.seq for e in story.events] == list(range(1, len(story.events) + 1))
    assert story.current.version == story.events[-1].seq == len(story.events)
    assert story.types() == [
        E.CONCERN_RAISED,
        E.LETTER_DRAFTED,
        E.LETTER_SENT,
        E.RESTRICTIONS_IMPOSED,
        E.LETTER_DRAFTED,
        E.LETTER_SENT,
        E.RESTRICTIONS_STARTED,
        E.APPEAL_WINDOW_OPENED,
        E.APPEAL_LOGGED,
        E.APPEAL_DECIDED,
        E.REVIEW_PACK_DUE,
        E.REVIEW_DECIDED,
    ]
    who = [(e.actor.role, e.at) for e in story.events]
    assert who[0] == (Role.SERVICE_MANAGER, at(CONCERN_RAISED_ON))
    assert who[3] == (Role.HEAD_OF_SERVICE, at(DECIDED_ON))
    assert who[8] == (Role.CUSTOMER_EXPERIENCE, at("2027-01-13", 11))
    assert who[9] == (Role.EXECUTIVE, at("2027-02-01"))
    assert who[10] == (Role.SYSTEM, at("2027-11-22", 8))
    assert story.events[9].reason == "email to one officer is enough"
    assert story.events[-1].event_id == f"{CASE_ID}#000012"


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        no_case().try_(raise_concern(), MANAGER, datetime(2026, 11, 2, 10, 0))


# Enforcement --------------------------------------------------------------------------------------


@pytest.mark.policy("design-email-enforcement")
def test_letters_only_files_and_blocks_email_and_says_where_to_write() -> None:
    case = restricted().current
    ruling = email_ruling([case], at("2027-01-05"))
    assert ruling.action is EmailAction.FILE_AND_BLOCK
    assert ruling.write_to == "Derby Homes, PO Box 1, Derby DE1 1AA"
    assert ruling.case_id == CASE_ID


@pytest.mark.policy("design-email-enforcement")
def test_a_single_point_of_contact_routes_email_to_the_named_officer() -> None:
    case = restricted(single_point_of_contact()).current
    ruling = email_ruling([case], at("2027-01-05"))
    assert ruling.action is EmailAction.ROUTE_TO_OFFICER
    assert ruling.officer_email == "pat.contact@example.org"
    assert ruling.write_to is None


@pytest.mark.policy("design-email-enforcement")
def test_letters_only_wins_over_a_single_point_of_contact() -> None:
    both = restricted(single_point_of_contact(), letters_only()).current
    assert email_ruling([both], at("2027-01-05")).action is EmailAction.FILE_AND_BLOCK
    spoc_case = restricted(single_point_of_contact()).current
    letters_case = restricted(letters_only()).current.model_copy(update={"case_id": "case-0002"})
    ruling = email_ruling([spoc_case, letters_case], at("2027-01-05"))
    assert (ruling.action, ruling.case_id) == (EmailAction.FILE_AND_BLOCK, "case-0002")


@pytest.mark.policy("design-email-enforcement")
def test_email_is_delivered_with_no_restriction_in_force() -> None:
    assert email_ruling([], at("2027-01-05")).action is EmailAction.DELIVER
    phone_only = restricted(telephone_via_third_party()).current
    assert email_ruling([phone_only], at("2027-01-05")).action is EmailAction.DELIVER
    with pytest.raises(ValueError, match="timezone-aware"):
        email_ruling([phone_only], datetime(2027, 1, 5, 10, 0))


@pytest.mark.policy("s4-restriction-types")
def test_a_caller_is_told_telephone_contact_is_only_through_the_third_party() -> None:
    case = restricted(telephone_via_third_party()).current
    guidance = channel_guidance([case], Channel.PHONE, at("2027-01-05"))
    assert guidance.allowed is True
    assert guidance.conditions == ("telephone only through Alex Advocate (advocate)",)
    before = channel_guidance([case], Channel.PHONE, at("2026-12-17"))
    assert (before.allowed, before.conditions) == (True, ())


@pytest.mark.policy("s4-restriction-types")
def test_letters_only_refuses_the_phone_and_a_single_point_of_contact_sets_times() -> None:
    case = restricted(letters_only(), single_point_of_contact()).current
    phone = channel_guidance([case], Channel.PHONE, at("2027-01-05"))
    assert phone.allowed is False
    assert phone.conditions == (
        "letters only: write to Derby Homes, PO Box 1, Derby DE1 1AA",
        "contact through Pat Contact only, Tuesday, Thursday 10:00-12:00",
    )
    letter = channel_guidance([case], Channel.LETTER, at("2027-01-05"))
    assert (letter.allowed, letter.conditions) == (True, ())


@pytest.mark.policy("s2-contact-channels")
def test_contact_may_be_in_person_by_phone_letter_email_or_social_media() -> None:
    assert permitted_channels(()) == (
        Channel.EMAIL,
        Channel.PHONE,
        Channel.LETTER,
        Channel.VISIT,
        Channel.SOCIAL_MEDIA,
    )


@pytest.mark.policy("s4-restriction-types")
def test_permitted_channels_follow_the_restrictions_and_letters_stay_open() -> None:
    assert permitted_channels((letters_only(),)) == (
        Channel.LETTER,
        Channel.VISIT,
        Channel.SOCIAL_MEDIA,
    )
    social = SocialMediaRestriction(details="blocked from all our pages")
    assert Channel.SOCIAL_MEDIA not in permitted_channels((social,))
    assert permitted_channels((letters_only(), social)) == (Channel.LETTER, Channel.VISIT)
    assert Channel.PHONE in permitted_channels((telephone_via_third_party(),))


# Domain bugs found while writing these tests (see the report) ---------------------------------


@pytest.mark.policy("s5-late-appeal")
def test_at_most_one_appeal_is_open_at_a_time() -> None:
    story = late_appeal_logged()  # awaiting a manager's decision on lateness
    story.do(EXTEND, HEAD, at("2027-11-29"))  # a new decision, so a new appeal is possible
    story.draft_and_send(LK.REVIEW_EXTENDED, date(2027, 12, 1), HEAD)
    appeal = LogAppeal(received_on=date(2027, 12, 2), grounds="against the extension")
    with contextlib.suppress(PolicyError):  # refusing the second appeal is one acceptable fix
        story.do(appeal, CET, at("2027-12-02"))
    open_appeals = [a for a in story.current.appeals if a.open]
    assert len(open_appeals) <= 1


@pytest.mark.policy("s5-appeal-15-working-days")
def test_a_closed_case_gains_no_appeal_window() -> None:
    story = under_appeal()
    story.do(EXTEND, HEAD, at("2027-02-01"))  # extension letter not yet sent...
    story.do(UPHELD, EXECUTIVE, at("2027-02-03"))  # ...when the appeal is upheld
    assert story.current.status is S.CLOSED
    outcome = story.draft_and_send(LK.REVIEW_EXTENDED, date(2027, 2, 4), HEAD)
    assert [e.type for e in outcome.events] == [E.LETTER_SENT]
    assert outcome.case.appeal_window is None


@pytest.mark.policy("s6-unreviewed-lapse")
def test_a_review_decided_after_the_end_date_cannot_revive_lapsed_restrictions() -> None:
    story = restricted()
    with pytest.raises(PolicyError):
        story.try_(EXTEND, HEAD, at("2027-12-20"))


@pytest.mark.policy("design-email-enforcement")
def test_restrictions_are_not_in_force_after_the_end_date_whatever_ends_them_later() -> None:
    story = under_appeal()
    case = story.do(UPHELD, EXECUTIVE, at("2027-12-20")).case  # the lapse had not fired yet
    assert restrictions_in_force(case, at("2027-12-19")) == ()
