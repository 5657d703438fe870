"""Issue 15: the policy's date rules are written once (contactguard.domain.policy), so the
lifecycle, its recalculation, the letters and the deadlines agree whatever the terms are."""

from __future__ import annotations

from datetime import date

from builders import CET, HEAD, at, concern_letter_sent, impose

from contactguard.domain.calendar import start_of_day
from contactguard.domain.case import LetterKind, LogAppeal
from contactguard.domain.deadlines import DeadlineKind, pending_deadlines
from contactguard.domain.model import Customer, PostalAddress, describe_date
from contactguard.domain.policy import Policy, PolicyTerms
from letters.content import LetterInputs, prepare

# Terms an operator might choose, none of them the default.
TERMS = PolicyTerms(
    appeal_window_working_days=20,
    appeal_review_working_days=25,
    appeal_review_reminder_working_days=3,
    restriction_months=6,
    concern_follow_up_working_days=10,
    review_pack_lead_working_days=15,
    letter_unsent_reminder_working_days=4,
)
POLICY = Policy(terms=TERMS)
CUSTOMER = Customer(
    customer_id="cust-0001",
    name="Pat Customer",
    address=PostalAddress(lines=("1 High Street", "Town"), postcode="AB1 2CD"),
)
DAY = date(2026, 12, 18)  # a Friday before Christmas


def test_the_letter_states_the_dates_the_lifecycle_then_holds_under_other_terms() -> None:
    story = concern_letter_sent()
    story.policy = POLICY
    story.do(impose(), HEAD, at(DAY, 9))
    event = [e for e in story.events if e.letter and e.letter.kind is LetterKind.RESTRICTIONS][-1]
    context = prepare(
        LetterInputs(case=story.current, customer=CUSTOMER, event=event, policy=POLICY)
    ).context
    assert context["appeal_working_days"] == "20"
    assert context["restriction_months"] == "6"

    story.draft_and_send(LetterKind.RESTRICTIONS, DAY, HEAD)
    case = story.current
    assert case.period is not None
    assert case.appeal_window is not None
    assert case.period.starts_at == start_of_day(DAY)
    assert context["starts_on"] == describe_date(DAY)
    assert context["ends_on"] == describe_date(case.period.ends_on) == "18 June 2027"
    assert context["review_on"] == describe_date(case.period.review_pack_due_on)
    assert case.period.review_pack_due_on == POLICY.calendar.working_days_before(
        date(2027, 6, 18), 15
    )
    assert context["appeal_deadline"] == describe_date(case.appeal_window.closes_on)
    assert case.appeal_window.closes_on == POLICY.calendar.working_days_after(DAY, 20)


def test_the_appeal_review_and_its_reminder_follow_the_terms_and_so_do_the_deadlines() -> None:
    story = concern_letter_sent()
    story.policy = POLICY
    story.do(impose(), HEAD, at(DAY, 9))
    story.draft_and_send(LetterKind.RESTRICTIONS, DAY, HEAD)
    received = date(2027, 1, 4)
    story.do(LogAppeal(received_on=received, grounds="I disagree"), CET, at(received, 11))
    appeal = story.current.appeals[-1]
    assert appeal.review_due_on == POLICY.calendar.working_days_after(received, 25)
    assert appeal.reminder_due_on == POLICY.calendar.working_days_before(appeal.review_due_on, 3)
    fires = {d.kind: d.fire_at.date() for d in pending_deadlines(story.current, POLICY)}
    assert fires[DeadlineKind.APPEAL_REVIEW_REMINDER] == appeal.reminder_due_on


def test_each_named_rule_counts_its_own_term() -> None:
    cal, day = POLICY.calendar, date(2027, 3, 1)
    assert POLICY.appeal_window_closes(day) == cal.working_days_after(day, 20)
    assert POLICY.appeal_review_due(day) == cal.working_days_after(day, 25)
    assert POLICY.appeal_review_reminder(day) == cal.working_days_before(day, 3)
    assert POLICY.concern_follow_up_due(day) == cal.working_days_after(day, 10)
    assert POLICY.restriction_ends(day) == date(2027, 9, 1)
    assert POLICY.review_pack_due(day) == cal.working_days_before(day, 15)
    assert POLICY.unsent_letter_reminder_due(day, 0) == cal.working_days_after(day, 4)
    assert POLICY.unsent_letter_reminder_due(day, 1) == cal.working_days_after(day, 8)
    assert POLICY.letter_dated(date(2027, 3, 6)) == date(2027, 3, 8)  # Saturday -> Monday
    dates = POLICY.restriction_dates(day)
    assert (dates.first_day, dates.ends_on) == (day, date(2027, 9, 1))
    assert dates.review_pack_due_on == POLICY.review_pack_due(date(2027, 9, 1))
