"""The case lifecycle's shared parts: the transition table, who may give each command, and
`decide()`'s record of every decision.

Each legal transition in TRANSITIONS has an example (lifecycle_stories.EXAMPLES; the suite fails
if one is added without one); every pair missing from the table is refused; a command from a
role the policy does not name is refused.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from builders import (
    CASE_ID,
    CONCERN_RAISED_ON,
    CUSTOMER_ID,
    DEADLINES,
    DECIDED_ON,
    EXECUTIVE,
    HEAD,
    MANAGER,
    STORY_FOR_STATUS,
    actor,
    at,
    no_case,
    raise_concern,
    under_appeal,
)
from lifecycle_stories import (
    CLOSE,
    DELAYED,
    DISMISSED,
    EXAMPLES,
    EXTEND,
    IMMEDIATE,
    VARIED,
    VARY,
    Example,
    refused,
)

from contactguard.domain.case import (
    DEADLINE_COMMANDS,
    AcceptLateAppeal,
    AppealReviewOverdue,
    AppealReviewReminder,
    CaseEventType,
    CaseStatus,
    CloseAppealWindow,
    CloseCase,
    CloseConcern,
    Command,
    CommandKind,
    ConcernFollowUpDue,
    DeclineLateAppeal,
    LapseRestrictions,
    LogAppeal,
    MarkLetterSent,
    RecalculateDeadlines,
    RecordLetterDrafted,
    RecordLetterFailed,
    RedraftLetter,
    RemindUnsentLetter,
    ReviewPackDue,
)
from contactguard.domain.errors import (
    IllegalTransition,
    NothingToDo,
    NotPermitted,
)
from contactguard.domain.lifecycle import PERMITTED_ROLES, TRANSITIONS
from contactguard.domain.model import (
    Actor,
    Role,
)

# Legal transitions: one example each (lifecycle_stories.EXAMPLES) ---------------------------


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
        CommandKind.RAISE_CONCERN: raise_concern(),
        CommandKind.CLOSE_CONCERN: CloseConcern(reason="behaviour changed"),
        CommandKind.IMPOSE_RESTRICTIONS: IMMEDIATE,
        CommandKind.VARY_RESTRICTIONS: VARY,
        CommandKind.RECORD_LETTER_DRAFTED: RecordLetterDrafted(
            letter_id="x", version=1, s3_key="k"
        ),
        CommandKind.RECORD_LETTER_FAILED: RecordLetterFailed(letter_id="x", problems=("p",)),
        CommandKind.MARK_LETTER_SENT: MarkLetterSent(letter_id="x", sent_on=date(2026, 11, 2)),
        CommandKind.REDRAFT_LETTER: RedraftLetter(letter_id="x"),
        CommandKind.REMIND_UNSENT_LETTER: RemindUnsentLetter(letter_id="x"),
        CommandKind.LOG_APPEAL: LogAppeal(received_on=date(2026, 11, 2), grounds="unfair"),
        CommandKind.ACCEPT_LATE_APPEAL: AcceptLateAppeal(reason="illness"),
        CommandKind.DECLINE_LATE_APPEAL: DeclineLateAppeal(reason="no reason"),
        CommandKind.DELAY_APPEAL_REVIEW: DELAYED,
        CommandKind.DECIDE_APPEAL: DISMISSED,
        CommandKind.DECIDE_REVIEW: CLOSE,
        CommandKind.CLOSE_CASE: CloseCase(reason="done"),
        CommandKind.CONCERN_FOLLOW_UP_DUE: ConcernFollowUpDue(),
        CommandKind.CLOSE_APPEAL_WINDOW: CloseAppealWindow(),
        CommandKind.APPEAL_REVIEW_REMINDER: AppealReviewReminder(),
        CommandKind.APPEAL_REVIEW_OVERDUE: AppealReviewOverdue(),
        CommandKind.REVIEW_PACK_DUE: ReviewPackDue(),
        CommandKind.LAPSE_RESTRICTIONS: LapseRestrictions(),
        CommandKind.RECALCULATE_DEADLINES: RecalculateDeadlines(),
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


def test_a_closed_case_accepts_only_letter_bookkeeping() -> None:
    allowed = {k for k in CommandKind if (CaseStatus.CLOSED, k) in TRANSITIONS}
    assert allowed == {
        CommandKind.RECORD_LETTER_DRAFTED,
        CommandKind.RECORD_LETTER_FAILED,
        CommandKind.MARK_LETTER_SENT,
        CommandKind.REDRAFT_LETTER,
        CommandKind.REMIND_UNSENT_LETTER,
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
        CaseEventType.CONCERN_RAISED,
        CaseEventType.LETTER_DRAFTED,
        CaseEventType.LETTER_SENT,
        CaseEventType.RESTRICTIONS_IMPOSED,
        CaseEventType.LETTER_DRAFTED,
        CaseEventType.LETTER_SENT,
        CaseEventType.RESTRICTIONS_STARTED,
        CaseEventType.APPEAL_WINDOW_OPENED,
        CaseEventType.APPEAL_LOGGED,
        CaseEventType.APPEAL_DECIDED,
        CaseEventType.REVIEW_PACK_DUE,
        CaseEventType.REVIEW_DECIDED,
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
