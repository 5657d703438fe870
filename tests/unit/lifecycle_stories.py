"""The case lifecycle's shared test material: the legal transitions' examples, the stories'
commands and the refusal check, for the lifecycle tests (test_lifecycle_*.py) and test_roles.py.

Each legal transition in TRANSITIONS has an example here (test_lifecycle_table.py fails if one
is added without one).
"""

from __future__ import annotations

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
    under_appeal,
)

from contactguard.domain.calendar import WorkingDayCalendar
from contactguard.domain.case import (
    AcceptLateAppeal,
    AppealOutcome,
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
    DecideAppeal,
    DecideReview,
    DeclineLateAppeal,
    DelayAppealReview,
    LapseRestrictions,
    LetterKind,
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
from contactguard.domain.errors import PolicyError
from contactguard.domain.lifecycle import LETTER_SENDERS, Policy
from contactguard.domain.model import Actor


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
# The review of under_appeal()'s appeal (A0009, due Wednesday 24 February 2027) moved on to
# Wednesday 10 March 2027.
DELAYED = DelayAppealReview(
    appeal_id="A0009",
    review_due_on=date(2027, 3, 10),
    reason="we are waiting for the recordings of your calls",
)
# restricted()'s letters-only restriction relaxed mid-term to a single point of contact.
VARY = VaryRestrictions(
    restrictions=(single_point_of_contact(),),
    reason="the letters have been calm: email to one officer is enough",
    equality=equality(),
)
UPHELD = DecideAppeal(outcome=AppealOutcome.UPHELD, reason="the emails were about a real leak")
VARIED = DecideAppeal(
    outcome=AppealOutcome.VARIED,
    reason="email to one officer is enough",
    varied_restrictions=(single_point_of_contact(),),
)
EXTEND = DecideReview(outcome=ReviewOutcome.EXTEND, reason="the contact continued all year")
CLOSE = DecideReview(outcome=ReviewOutcome.CLOSE, reason="the contact is now reasonable")
# A letter waiting to be drafted in each status: (status, story, letter kind, when drafted).
WAITING: tuple[tuple[CaseStatus, Callable[[], Story], LetterKind, datetime], ...] = (
    (CaseStatus.CONCERN, concern_raised, LetterKind.CONCERN, at(CONCERN_RAISED_ON, 11)),
    (
        CaseStatus.RESTRICTIONS_DECIDED,
        restrictions_decided,
        LetterKind.RESTRICTIONS,
        at(DECIDED_ON, 11),
    ),
    (
        CaseStatus.RESTRICTED,
        immediately_restricted,
        LetterKind.IMMEDIATE_RESTRICTIONS,
        at("2026-12-14", 16),
    ),
    (
        CaseStatus.UNDER_APPEAL,
        under_appeal,
        LetterKind.APPEAL_ACKNOWLEDGEMENT,
        at(APPEAL_CLOSES_ON, 12),
    ),
    (CaseStatus.LAPSED, lapsed, LetterKind.RESTRICTIONS_LAPSED, at(RESTRICTIONS_END_ON, 7)),
    (CaseStatus.CLOSED, closed_by_upheld_appeal, LetterKind.APPEAL_UPHELD, at("2027-02-01", 11)),
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
            CommandKind.REMIND_UNSENT_LETTER,
            status,
            (CaseEventType.LETTER_UNSENT,),
            _unsent(make, kind, when),
        )
        for status, make, kind, when in WAITING
    ),
    *(
        Example(
            f"{kind.value} letter redrafted",
            status,
            CommandKind.REDRAFT_LETTER,
            status,
            (CaseEventType.LETTER_REDRAFT_REQUESTED,),
            _redrafting(make, kind, when),
        )
        for status, make, kind, when in WAITING
    ),
    Example(
        "raise concern",
        None,
        CommandKind.RAISE_CONCERN,
        CaseStatus.CONCERN,
        (CaseEventType.CONCERN_RAISED,),
        _then(no_case, raise_concern(), MANAGER, at(CONCERN_RAISED_ON)),
    ),
    Example(
        "immediate restrictions, no case",
        None,
        CommandKind.IMPOSE_RESTRICTIONS,
        CaseStatus.RESTRICTED,
        (CaseEventType.RESTRICTIONS_IMPOSED, CaseEventType.RESTRICTIONS_STARTED),
        _then(no_case, IMMEDIATE, HEAD, at("2026-12-14", 15, 30)),
    ),
    Example(
        "step 2 after step 1",
        CaseStatus.CONCERN,
        CommandKind.IMPOSE_RESTRICTIONS,
        CaseStatus.RESTRICTIONS_DECIDED,
        (CaseEventType.RESTRICTIONS_IMPOSED,),
        _then(concern_letter_sent, impose(), HEAD, at(DECIDED_ON)),
    ),
    Example(
        "immediate restrictions on a concern",
        CaseStatus.CONCERN,
        CommandKind.IMPOSE_RESTRICTIONS,
        CaseStatus.RESTRICTED,
        (CaseEventType.RESTRICTIONS_IMPOSED, CaseEventType.RESTRICTIONS_STARTED),
        _then(concern_raised, IMMEDIATE, HEAD, at("2026-11-05")),
    ),
    Example(
        "step 2 again after a lapse",
        CaseStatus.LAPSED,
        CommandKind.IMPOSE_RESTRICTIONS,
        CaseStatus.RESTRICTIONS_DECIDED,
        (CaseEventType.RESTRICTIONS_IMPOSED,),
        _then(lapsed, impose(), HEAD, at("2027-12-20")),
    ),
    Example(
        "immediate restrictions after a lapse",
        CaseStatus.LAPSED,
        CommandKind.IMPOSE_RESTRICTIONS,
        CaseStatus.RESTRICTED,
        (CaseEventType.RESTRICTIONS_IMPOSED, CaseEventType.RESTRICTIONS_STARTED),
        _then(lapsed, IMMEDIATE, HEAD, at("2027-12-20")),
    ),
    Example(
        "close concern",
        CaseStatus.CONCERN,
        CommandKind.CLOSE_CONCERN,
        CaseStatus.CLOSED,
        (CaseEventType.CONCERN_CLOSED,),
        _then(
            concern_letter_sent, CloseConcern(reason="behaviour changed"), MANAGER, at("2026-12-02")
        ),
    ),
    Example(
        "concern follow-up due",
        CaseStatus.CONCERN,
        CommandKind.CONCERN_FOLLOW_UP_DUE,
        CaseStatus.CONCERN,
        (CaseEventType.CONCERN_FOLLOW_UP_DUE,),
        _then(concern_letter_sent, ConcernFollowUpDue(), DEADLINES, at("2026-12-01", 8)),
    ),
    # Letter bookkeeping, in every status.
    *(
        Example(
            f"draft in {s}",
            s,
            CommandKind.RECORD_LETTER_DRAFTED,
            s,
            (CaseEventType.LETTER_DRAFTED,),
            setup,
        )
        for s, setup in ((s, _drafting(make, kind, now)) for s, make, kind, now in WAITING)
    ),
    *(
        Example(
            f"failure in {s}",
            s,
            CommandKind.RECORD_LETTER_FAILED,
            s,
            (CaseEventType.LETTER_FAILED,),
            setup,
        )
        for s, setup in ((s, _failing(make, kind, now)) for s, make, kind, now in WAITING)
    ),
    Example(
        "concern letter sent",
        CaseStatus.CONCERN,
        CommandKind.MARK_LETTER_SENT,
        CaseStatus.CONCERN,
        (CaseEventType.LETTER_SENT,),
        _sending(concern_raised, LetterKind.CONCERN, CONCERN_LETTER_SENT_ON, MANAGER),
    ),
    Example(
        "restriction letter sent: restrictions start",
        CaseStatus.RESTRICTIONS_DECIDED,
        CommandKind.MARK_LETTER_SENT,
        CaseStatus.RESTRICTED,
        (
            CaseEventType.LETTER_SENT,
            CaseEventType.RESTRICTIONS_STARTED,
            CaseEventType.APPEAL_WINDOW_OPENED,
        ),
        _sending(restrictions_decided, LetterKind.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, HEAD),
    ),
    Example(
        "an older letter sent while the new decision's letter waits",
        CaseStatus.RESTRICTIONS_DECIDED,
        CommandKind.MARK_LETTER_SENT,
        CaseStatus.RESTRICTIONS_DECIDED,
        (CaseEventType.LETTER_SENT,),
        _sending(
            lapsed_then_decided_again, LetterKind.RESTRICTIONS_LAPSED, date(2027, 12, 21), HEAD
        ),
    ),
    Example(
        "immediate restriction letter sent: the appeal window opens",
        CaseStatus.RESTRICTED,
        CommandKind.MARK_LETTER_SENT,
        CaseStatus.RESTRICTED,
        (CaseEventType.LETTER_SENT, CaseEventType.APPEAL_WINDOW_OPENED),
        _sending(
            immediately_restricted, LetterKind.IMMEDIATE_RESTRICTIONS, date(2026, 12, 15), HEAD
        ),
    ),
    Example(
        "appeal acknowledgement sent",
        CaseStatus.UNDER_APPEAL,
        CommandKind.MARK_LETTER_SENT,
        CaseStatus.UNDER_APPEAL,
        (CaseEventType.LETTER_SENT,),
        _sending(under_appeal, LetterKind.APPEAL_ACKNOWLEDGEMENT, date(2027, 1, 14), CET),
    ),
    Example(
        "lapse letter sent",
        CaseStatus.LAPSED,
        CommandKind.MARK_LETTER_SENT,
        CaseStatus.LAPSED,
        (CaseEventType.LETTER_SENT,),
        _sending(lapsed, LetterKind.RESTRICTIONS_LAPSED, date(2027, 12, 20), HEAD),
    ),
    Example(
        "appeal outcome letter sent after closing",
        CaseStatus.CLOSED,
        CommandKind.MARK_LETTER_SENT,
        CaseStatus.CLOSED,
        (CaseEventType.LETTER_SENT,),
        _sending(closed_by_upheld_appeal, LetterKind.APPEAL_UPHELD, date(2027, 2, 2), EXECUTIVE),
    ),
    Example(
        "restrictions varied mid-term",
        CaseStatus.RESTRICTED,
        CommandKind.VARY_RESTRICTIONS,
        CaseStatus.RESTRICTED,
        (CaseEventType.RESTRICTIONS_VARIED,),
        _then(restricted, VARY, HEAD, at("2027-03-01")),
    ),
    Example(
        "appeal window closes unappealed",
        CaseStatus.RESTRICTED,
        CommandKind.CLOSE_APPEAL_WINDOW,
        CaseStatus.RESTRICTED,
        (CaseEventType.APPEAL_WINDOW_CLOSED,),
        _then(restricted, CloseAppealWindow(), DEADLINES, midnight(date(2027, 1, 14))),
    ),
    Example(
        "appeal window closes while the appeal is heard",
        CaseStatus.UNDER_APPEAL,
        CommandKind.CLOSE_APPEAL_WINDOW,
        CaseStatus.UNDER_APPEAL,
        (CaseEventType.APPEAL_WINDOW_CLOSED,),
        _then(under_appeal, CloseAppealWindow(), DEADLINES, midnight(date(2027, 1, 14))),
    ),
    Example(
        "appeal in time",
        CaseStatus.RESTRICTED,
        CommandKind.LOG_APPEAL,
        CaseStatus.UNDER_APPEAL,
        (CaseEventType.APPEAL_LOGGED,),
        _then(
            restricted,
            LogAppeal(received_on=APPEAL_CLOSES_ON, grounds="unfair"),
            CET,
            at("2027-01-14"),
        ),
    ),
    Example(
        "late appeal",
        CaseStatus.RESTRICTED,
        CommandKind.LOG_APPEAL,
        CaseStatus.RESTRICTED,
        (CaseEventType.APPEAL_LOGGED,),
        _then(
            restricted,
            LogAppeal(received_on=date(2027, 1, 14), grounds="unfair"),
            CET,
            at("2027-01-14"),
        ),
    ),
    Example(
        "late appeal accepted",
        CaseStatus.RESTRICTED,
        CommandKind.ACCEPT_LATE_APPEAL,
        CaseStatus.UNDER_APPEAL,
        (CaseEventType.LATE_APPEAL_ACCEPTED,),
        _then(
            late_appeal_logged,
            AcceptLateAppeal(reason="in hospital when the letter came"),
            MANAGER,
            at("2027-01-18"),
        ),
    ),
    Example(
        "late appeal declined",
        CaseStatus.RESTRICTED,
        CommandKind.DECLINE_LATE_APPEAL,
        CaseStatus.RESTRICTED,
        (CaseEventType.LATE_APPEAL_DECLINED,),
        _then(
            late_appeal_logged,
            DeclineLateAppeal(reason="no reason given for the delay"),
            HEAD,
            at("2027-01-18"),
        ),
    ),
    Example(
        "appeal upheld",
        CaseStatus.UNDER_APPEAL,
        CommandKind.DECIDE_APPEAL,
        CaseStatus.CLOSED,
        (CaseEventType.APPEAL_DECIDED, CaseEventType.RESTRICTIONS_ENDED),
        _then(under_appeal, UPHELD, EXECUTIVE, at("2027-02-01")),
    ),
    Example(
        "appeal dismissed",
        CaseStatus.UNDER_APPEAL,
        CommandKind.DECIDE_APPEAL,
        CaseStatus.RESTRICTED,
        (CaseEventType.APPEAL_DECIDED,),
        _then(under_appeal, DISMISSED, EXECUTIVE, at("2027-02-01")),
    ),
    Example(
        "appeal varied",
        CaseStatus.UNDER_APPEAL,
        CommandKind.DECIDE_APPEAL,
        CaseStatus.RESTRICTED,
        (CaseEventType.APPEAL_DECIDED,),
        _then(under_appeal, VARIED, EXECUTIVE, at("2027-02-01")),
    ),
    Example(
        "appeal review delayed",
        CaseStatus.UNDER_APPEAL,
        CommandKind.DELAY_APPEAL_REVIEW,
        CaseStatus.UNDER_APPEAL,
        (CaseEventType.APPEAL_REVIEW_DELAYED,),
        _then(under_appeal, DELAYED, EXECUTIVE, at("2027-02-10")),
    ),
    Example(
        "appeal review reminder",
        CaseStatus.UNDER_APPEAL,
        CommandKind.APPEAL_REVIEW_REMINDER,
        CaseStatus.UNDER_APPEAL,
        (CaseEventType.APPEAL_REVIEW_REMINDER,),
        _then(under_appeal, AppealReviewReminder(), DEADLINES, at("2027-02-17", 8)),
    ),
    Example(
        "appeal review overdue",
        CaseStatus.UNDER_APPEAL,
        CommandKind.APPEAL_REVIEW_OVERDUE,
        CaseStatus.UNDER_APPEAL,
        (CaseEventType.APPEAL_REVIEW_OVERDUE,),
        _then(under_appeal, AppealReviewOverdue(), DEADLINES, midnight(date(2027, 2, 25))),
    ),
    Example(
        "review extends",
        CaseStatus.RESTRICTED,
        CommandKind.DECIDE_REVIEW,
        CaseStatus.RESTRICTED,
        (CaseEventType.REVIEW_DECIDED,),
        _then(restricted, EXTEND, HEAD, at("2027-11-29")),
    ),
    Example(
        "review closes",
        CaseStatus.RESTRICTED,
        CommandKind.DECIDE_REVIEW,
        CaseStatus.CLOSED,
        (CaseEventType.REVIEW_DECIDED, CaseEventType.RESTRICTIONS_ENDED),
        _then(restricted, CLOSE, HEAD, at("2027-11-29")),
    ),
    Example(
        "review extends during an appeal",
        CaseStatus.UNDER_APPEAL,
        CommandKind.DECIDE_REVIEW,
        CaseStatus.UNDER_APPEAL,
        (CaseEventType.REVIEW_DECIDED,),
        _then(under_appeal, EXTEND, HEAD, at("2027-02-01")),
    ),
    Example(
        "review closes during an appeal",
        CaseStatus.UNDER_APPEAL,
        CommandKind.DECIDE_REVIEW,
        CaseStatus.CLOSED,
        (CaseEventType.REVIEW_DECIDED, CaseEventType.RESTRICTIONS_ENDED),
        _then(under_appeal, CLOSE, HEAD, at("2027-02-01")),
    ),
    Example(
        "review pack due",
        CaseStatus.RESTRICTED,
        CommandKind.REVIEW_PACK_DUE,
        CaseStatus.RESTRICTED,
        (CaseEventType.REVIEW_PACK_DUE,),
        _then(restricted, ReviewPackDue(), DEADLINES, at("2027-11-22", 8)),
    ),
    Example(
        "review pack due during an appeal",
        CaseStatus.UNDER_APPEAL,
        CommandKind.REVIEW_PACK_DUE,
        CaseStatus.UNDER_APPEAL,
        (CaseEventType.REVIEW_PACK_DUE,),
        _then(under_appeal, ReviewPackDue(), DEADLINES, at("2027-11-22", 8)),
    ),
    Example(
        "restrictions lapse",
        CaseStatus.RESTRICTED,
        CommandKind.LAPSE_RESTRICTIONS,
        CaseStatus.LAPSED,
        (CaseEventType.RESTRICTIONS_LAPSED, CaseEventType.MISSED_REVIEW_ESCALATED),
        _then(restricted, LapseRestrictions(), DEADLINES, midnight(RESTRICTIONS_END_ON)),
    ),
    Example(
        "restrictions lapse during an appeal",
        CaseStatus.UNDER_APPEAL,
        CommandKind.LAPSE_RESTRICTIONS,
        CaseStatus.LAPSED,
        (CaseEventType.RESTRICTIONS_LAPSED, CaseEventType.MISSED_REVIEW_ESCALATED),
        _then(under_appeal, LapseRestrictions(), DEADLINES, midnight(RESTRICTIONS_END_ON)),
    ),
    Example(
        "lapsed case closed",
        CaseStatus.LAPSED,
        CommandKind.CLOSE_CASE,
        CaseStatus.CLOSED,
        (CaseEventType.CASE_CLOSED,),
        _then(lapsed, CloseCase(reason="no contact since"), HEAD, at("2028-01-10")),
    ),
    Example(
        "a closure moves the concern follow-up",
        CaseStatus.CONCERN,
        CommandKind.RECALCULATE_DEADLINES,
        CaseStatus.CONCERN,
        (CaseEventType.DEADLINES_RECALCULATED,),
        _recalculating(concern_letter_sent, date(2026, 11, 20), at("2026-11-10")),
    ),
    Example(
        "a closure moves the appeal window",
        CaseStatus.RESTRICTED,
        CommandKind.RECALCULATE_DEADLINES,
        CaseStatus.RESTRICTED,
        (CaseEventType.DEADLINES_RECALCULATED,),
        _recalculating(restricted, date(2027, 1, 5), at("2026-12-21")),
    ),
    Example(
        "a closure moves the appeal review",
        CaseStatus.UNDER_APPEAL,
        CommandKind.RECALCULATE_DEADLINES,
        CaseStatus.UNDER_APPEAL,
        (CaseEventType.DEADLINES_RECALCULATED,),
        _recalculating(under_appeal, date(2027, 2, 1), at("2027-01-20")),
    ),
)
