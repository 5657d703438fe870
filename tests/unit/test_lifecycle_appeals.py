"""Appeals (s.5): the 15-working-day window, late appeals, the independent review within 30
working days, and its outcomes."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import pytest
from builders import (
    CASE_ID,
    CET,
    DEADLINES,
    EXECUTIVE,
    HEAD,
    MANAGER,
    actor,
    at,
    letters_only,
    midnight,
    restricted,
    single_point_of_contact,
    under_appeal,
)
from lifecycle_stories import (
    DISMISSED,
    EXTEND,
    UPHELD,
    VARIED,
    late_appeal_logged,
    refused,
)

from contactguard.domain.case import (
    AcceptLateAppeal,
    AppealOutcome,
    AppealReviewOverdue,
    AppealReviewReminder,
    AppealStatus,
    CaseEventType,
    CaseStatus,
    CloseAppealWindow,
    DecideAppeal,
    DeclineLateAppeal,
    DelayAppealReview,
    LetterKind,
    LetterStatus,
    LogAppeal,
)
from contactguard.domain.enforcement import (
    EmailAction,
    email_ruling,
    restrictions_in_force,
)
from contactguard.domain.errors import (
    IllegalTransition,
    NothingToDo,
    NotPermitted,
    PolicyError,
    RuleViolation,
)
from contactguard.domain.model import (
    Actor,
    Role,
)

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
    assert opened.type is CaseEventType.APPEAL_WINDOW_OPENED
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
    assert outcome.case.status is CaseStatus.UNDER_APPEAL
    assert appeal.late is False
    assert appeal.status is AppealStatus.UNDER_REVIEW
    assert appeal.logged_by == CET
    assert appeal.review_due_on == date(2027, 2, 24)  # 30 working days after receipt
    assert event.data["late"] is False
    assert event.data["review_due_on"] == "2027-02-24"
    assert event.letter is not None
    assert event.letter.kind is LetterKind.APPEAL_ACKNOWLEDGEMENT


@pytest.mark.policy("s5-appeal-15-working-days")
@pytest.mark.policy("s5-late-appeal")
def test_an_appeal_received_the_day_after_is_recorded_as_late() -> None:
    story = late_appeal_logged()
    case = story.current
    (event,) = story.events[-1:]
    (appeal,) = case.appeals
    assert (
        case.status is CaseStatus.RESTRICTED
    )  # nothing is under review until a manager accepts it
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
    assert outcome.case.status is CaseStatus.UNDER_APPEAL
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
    assert event.letter.kind is LetterKind.APPEAL_ACKNOWLEDGEMENT


@pytest.mark.policy("s5-late-appeal")
def test_a_manager_may_decline_a_late_appeal() -> None:
    story = late_appeal_logged()
    outcome = story.do(
        DeclineLateAppeal(reason="no reason for the delay"), MANAGER, at("2027-01-18")
    )
    (appeal,) = outcome.case.appeals
    assert outcome.case.status is CaseStatus.RESTRICTED
    assert appeal.status is AppealStatus.LATE_DECLINED
    assert appeal.late_decision_reason == "no reason for the delay"
    assert restrictions_in_force(outcome.case, at("2027-01-19")) == (letters_only(),)
    # The customer is told, with the reason: a letter from whoever declined it.
    (event,) = outcome.events
    assert event.letter is not None
    assert event.letter.kind is LetterKind.LATE_APPEAL_DECLINED
    assert event.data["appeal_id"] == appeal.appeal_id
    letter = outcome.case.letter(event.letter.letter_id)
    assert letter is not None
    assert letter.status is LetterStatus.REQUIRED


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
    story.draft_and_send(LetterKind.REVIEW_EXTENDED, date(2027, 12, 1), extender)
    story.do(LogAppeal(received_on=date(2027, 12, 2), grounds="unfair"), CET, at("2027-12-02"))
    as_executive = Actor(actor_id="staff-hos-02", role=Role.EXECUTIVE)
    refused(story, DISMISSED, as_executive, at("2027-12-10"), NotPermitted, "s5-independent-review")
    assert story.do(DISMISSED, EXECUTIVE, at("2027-12-10")).case.status is CaseStatus.RESTRICTED


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
    assert outcome.case.status is CaseStatus.UNDER_APPEAL
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
    assert case.status is CaseStatus.CLOSED
    assert case.closed_at == decided_at
    assert case.closure_reason == "appeal upheld"
    assert case.period is not None
    assert case.period.ended_at == decided_at
    assert case.appeals[0].status is AppealStatus.UPHELD
    assert case.appeals[0].decided_by == EXECUTIVE
    assert decided.data["outcome"] == "upheld"
    assert decided.letter is not None
    assert decided.letter.kind is LetterKind.APPEAL_UPHELD
    assert ended.reason == "appeal upheld: restrictions lifted"
    assert restrictions_in_force(case, decided_at - timedelta(seconds=1)) == (letters_only(),)
    assert restrictions_in_force(case, decided_at) == ()
    assert email_ruling([case], decided_at).action is EmailAction.DELIVER


@pytest.mark.policy("s5-appeal-outcomes")
def test_a_dismissed_appeal_leaves_the_restrictions_as_they_were() -> None:
    story = under_appeal()
    period_before = story.current.period
    outcome = story.do(DISMISSED, EXECUTIVE, at("2027-02-01"))
    assert outcome.case.status is CaseStatus.RESTRICTED
    assert outcome.case.period == period_before
    assert outcome.case.appeals[0].status is AppealStatus.DISMISSED
    assert outcome.events[0].letter is not None
    assert outcome.events[0].letter.kind is LetterKind.APPEAL_DISMISSED
    assert restrictions_in_force(outcome.case, at("2027-02-02")) == (letters_only(),)


@pytest.mark.policy("s5-appeal-outcomes")
def test_a_varied_appeal_changes_the_restrictions_but_not_the_end_date() -> None:
    story = under_appeal()
    outcome = story.do(VARIED, EXECUTIVE, at("2027-02-01"))
    case = outcome.case
    assert case.status is CaseStatus.RESTRICTED
    assert case.period is not None
    assert case.period.ends_on == date(2027, 12, 18)
    assert case.appeals[0].status is AppealStatus.VARIED
    assert outcome.events[0].data["restriction_types"] == ["single-point-of-contact"]
    assert outcome.events[0].letter is not None
    assert outcome.events[0].letter.kind is LetterKind.APPEAL_VARIED
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
    assert case.status is CaseStatus.UNDER_APPEAL
    assert restrictions_in_force(case, at("2027-01-20")) == (letters_only(),)
    ruling = email_ruling([case], at("2027-01-20"))
    assert ruling.action is EmailAction.FILE_AND_BLOCK
    assert ruling.case_id == CASE_ID


@pytest.mark.policy("s5-restrictions-during-appeal")
def test_restrictions_stay_in_force_while_a_late_appeal_is_considered() -> None:
    case = late_appeal_logged().current
    assert restrictions_in_force(case, at("2027-01-15")) == (letters_only(),)


# Domain bugs found while writing these tests (see the report) ---------------------------------


@pytest.mark.policy("s5-late-appeal")
def test_at_most_one_appeal_is_open_at_a_time() -> None:
    story = late_appeal_logged()  # awaiting a manager's decision on lateness
    story.do(EXTEND, HEAD, at("2027-11-29"))  # a new decision, so a new appeal is possible
    story.draft_and_send(LetterKind.REVIEW_EXTENDED, date(2027, 12, 1), HEAD)
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
    assert story.current.status is CaseStatus.CLOSED
    outcome = story.draft_and_send(LetterKind.REVIEW_EXTENDED, date(2027, 2, 4), HEAD)
    assert [e.type for e in outcome.events] == [CaseEventType.LETTER_SENT]
    assert outcome.case.appeal_window is None


# The review delayed (s.5, the Housing Ombudsman's code: the customer is told the new date) -----


def _delay(day: date, reason: str = "we are waiting for the call recordings") -> DelayAppealReview:
    return DelayAppealReview(appeal_id="A0009", review_due_on=day, reason=reason)


@pytest.mark.policy("s5-review-delayed")
@pytest.mark.parametrize("by", [EXECUTIVE, CET], ids=lambda a: a.role.value)
def test_a_delayed_review_records_both_dates_and_calls_for_a_letter(by: Actor) -> None:
    story = under_appeal()
    outcome = story.do(_delay(date(2027, 3, 10)), by, at("2027-02-10"))
    (event,) = outcome.events
    assert event.type is CaseEventType.APPEAL_REVIEW_DELAYED
    assert event.reason == "we are waiting for the call recordings"
    assert event.data == {
        "appeal_id": "A0009",
        "previous_review_due_on": "2027-02-24",
        "review_due_on": "2027-03-10",
    }
    assert event.letter is not None
    assert event.letter.kind is LetterKind.APPEAL_REVIEW_DELAYED
    (appeal,) = outcome.case.appeals
    assert appeal.review_due_on == date(2027, 3, 10)
    assert appeal.reminder_due_on == date(2027, 3, 3)  # five working days before
    assert appeal.review_delays == 1
    assert appeal.status is AppealStatus.UNDER_REVIEW
    assert outcome.case.status is CaseStatus.UNDER_APPEAL  # the restrictions stay in force
    letter = outcome.case.letter(event.letter.letter_id)
    assert letter is not None
    assert letter.status is LetterStatus.REQUIRED


@pytest.mark.policy("s5-review-delayed")
def test_a_review_may_be_delayed_again_each_time_past_the_last_date() -> None:
    story = under_appeal()
    story.do(_delay(date(2027, 3, 10)), EXECUTIVE, at("2027-02-10"))
    refused(
        story,
        _delay(date(2027, 3, 10)),
        EXECUTIVE,
        at("2027-02-11"),
        RuleViolation,
        "s5-review-delayed",
    )
    outcome = story.do(_delay(date(2027, 3, 11), "the reviewer is unwell"), CET, at("2027-02-11"))
    (event,) = outcome.events
    assert event.data["previous_review_due_on"] == "2027-03-10"
    assert event.data["review_due_on"] == "2027-03-11"
    assert outcome.case.appeals[0].review_delays == 2


@pytest.mark.policy("s5-review-delayed")
@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2027, 2, 24), "after the current one, 2027-02-24"),  # the same day
        (date(2027, 2, 23), "after the current one"),  # earlier
        (date(2027, 2, 27), "a working day: 2027-02-27 is not (Saturday)"),
        (date(2027, 3, 29), "a working day: 2027-03-29 is not (bank holiday: Easter Monday)"),
    ],
)
def test_a_review_is_delayed_only_to_a_later_working_day(day: date, words: str) -> None:
    refusal = refused(
        under_appeal(), _delay(day), EXECUTIVE, at("2027-02-10"), RuleViolation, "s5-review-delayed"
    )
    assert words in refusal.message


@pytest.mark.policy("s5-review-delayed")
def test_an_overdue_review_is_not_delayed_to_a_day_already_past() -> None:
    story = under_appeal()
    story.do(AppealReviewOverdue(), DEADLINES, midnight(date(2027, 2, 25)))
    refusal = refused(
        story,
        _delay(date(2027, 3, 1)),
        EXECUTIVE,
        at("2027-03-02"),
        RuleViolation,
        "s5-review-delayed",
    )
    assert "cannot be in the past" in refusal.message
    # Today is not past: the overdue review is due again today, reminded and escalated anew.
    outcome = story.do(_delay(date(2027, 3, 2)), EXECUTIVE, at("2027-03-02"))
    (appeal,) = outcome.case.appeals
    assert (appeal.overdue_escalated, appeal.reminded) == (False, False)
    later = story.do(AppealReviewOverdue(), DEADLINES, midnight(date(2027, 3, 3)))
    assert later.events[0].data["review_due_on"] == "2027-03-02"


@pytest.mark.policy("s5-review-delayed")
def test_a_delay_names_the_appeal_under_review() -> None:
    refusal = refused(
        under_appeal(),
        DelayAppealReview(appeal_id="A0001", review_due_on=date(2027, 3, 10), reason="r"),
        EXECUTIVE,
        at("2027-02-10"),
        RuleViolation,
        "s5-review-delayed",
    )
    assert "A0001 is not under review" in refusal.message


@pytest.mark.policy("s5-review-delayed")
@pytest.mark.parametrize(
    "role", [r for r in Role if r not in (Role.EXECUTIVE, Role.CUSTOMER_EXPERIENCE)]
)
def test_only_the_executive_or_customer_experience_team_delays_a_review(role: Role) -> None:
    refused(
        under_appeal(),
        _delay(date(2027, 3, 10)),
        actor(role),
        at("2027-02-10"),
        NotPermitted,
        "role-permissions",
    )


@pytest.mark.policy("s5-review-delayed")
def test_a_reviewer_already_reminded_is_reminded_again_before_the_new_date() -> None:
    story = under_appeal()
    story.do(AppealReviewReminder(), DEADLINES, at("2027-02-17", 8))
    story.do(_delay(date(2027, 3, 10)), EXECUTIVE, at("2027-02-18"))
    refused(
        story, AppealReviewReminder(), DEADLINES, at("2027-03-02", 8), NothingToDo, "deadline-early"
    )
    refused(
        story,
        AppealReviewOverdue(),
        DEADLINES,
        midnight(date(2027, 2, 25)),
        NothingToDo,
        "deadline-early",
    )
    outcome = story.do(AppealReviewReminder(), DEADLINES, at("2027-03-03", 8))
    assert outcome.events[0].data["review_due_on"] == "2027-03-10"


@pytest.mark.policy("s5-review-delayed")
def test_no_review_to_delay_once_the_appeal_is_decided() -> None:
    story = under_appeal()
    story.do(DISMISSED, EXECUTIVE, at("2027-02-01"))
    refused(
        story,
        _delay(date(2027, 3, 10)),
        EXECUTIVE,
        at("2027-02-10"),
        IllegalTransition,
        "lifecycle",
    )
