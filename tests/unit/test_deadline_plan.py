"""Pending deadlines follow from the case state; schedules get safe names and London times."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from builders import (
    APPEAL_CLOSES_ON,
    CET,
    DEADLINES,
    EXECUTIVE,
    HEAD,
    Story,
    at,
    concern_letter_sent,
    equality,
    restricted,
    single_point_of_contact,
    under_appeal,
)

from contactguard.adapters.scheduler import InvalidSchedule, at_expression
from contactguard.domain.calendar import LONDON, WorkingDayCalendar
from contactguard.domain.case import (
    AppealOutcome,
    DecideAppeal,
    DecideReview,
    DelayAppealReview,
    LetterKind,
    LogAppeal,
    RecalculateDeadlines,
    ReviewOutcome,
    VaryRestrictions,
)
from contactguard.domain.deadlines import Deadline, DeadlineKind, case_key, pending_deadlines
from contactguard.domain.errors import NothingToDo
from contactguard.domain.lifecycle import Policy

K = DeadlineKind


def plan(story: Story) -> list[tuple[DeadlineKind, str]]:
    return [(d.kind, d.fire_at.isoformat()) for d in pending_deadlines(story.current)]


@pytest.mark.policy("s4-step1-follow-up")
def test_a_sent_concern_letter_waits_for_its_follow_up() -> None:
    assert plan(concern_letter_sent()) == [(K.CONCERN_FOLLOW_UP, "2026-12-01T07:00:00+00:00")]


@pytest.mark.policy("s5-appeal-15-working-days")
def test_restrictions_in_force_wait_for_the_window_the_pack_and_the_end() -> None:
    assert plan(restricted()) == [
        (K.APPEAL_WINDOW_CLOSES, "2027-01-14T00:30:00+00:00"),  # after 23:59:59 on 13 Jan
        (K.REVIEW_PACK_DUE, "2027-11-22T07:00:00+00:00"),
        (K.RESTRICTIONS_END, "2027-12-18T07:00:00+00:00"),
    ]


@pytest.mark.policy("s4-restrictions-varied", "s5-appeal-15-working-days")
def test_a_variation_keeps_the_pack_and_the_end_and_its_letter_opens_a_new_window() -> None:
    story = restricted()
    story.do(
        VaryRestrictions(
            restrictions=(single_point_of_contact(),), reason="calmer", equality=equality()
        ),
        HEAD,
        at("2027-01-04"),  # while the first window is still open
    )
    # The first window gives way to the variation letter's; the dates of the period stay.
    assert plan(story) == [
        (K.REVIEW_PACK_DUE, "2027-11-22T07:00:00+00:00"),
        (K.RESTRICTIONS_END, "2027-12-18T07:00:00+00:00"),
    ]
    story.draft_and_send(LetterKind.RESTRICTIONS_VARIED, date(2027, 1, 4), HEAD)
    assert plan(story) == [
        (K.APPEAL_WINDOW_CLOSES, "2027-01-26T00:30:00+00:00"),  # 15 working days on: 25 Jan
        (K.REVIEW_PACK_DUE, "2027-11-22T07:00:00+00:00"),
        (K.RESTRICTIONS_END, "2027-12-18T07:00:00+00:00"),
    ]


@pytest.mark.policy("s5-review-30-working-days")
def test_an_appeal_under_review_adds_its_reminder_and_overdue_escalation() -> None:
    kinds = dict(plan(under_appeal()))
    # received 13 Jan 2027: due 24 Feb 2027 (30 working days), reminder 5 working days before
    assert kinds[K.APPEAL_REVIEW_REMINDER] == "2027-02-17T07:00:00+00:00"
    assert kinds[K.APPEAL_REVIEW_OVERDUE] == "2027-02-25T00:30:00+00:00"


@pytest.mark.policy("s5-review-delayed")
def test_a_delayed_review_moves_its_reminder_and_overdue_escalation_to_the_new_date() -> None:
    story = under_appeal()
    story.do(
        DelayAppealReview(appeal_id="A0009", review_due_on=date(2027, 3, 10), reason="recordings"),
        EXECUTIVE,
        at("2027-02-10"),
    )
    kinds = dict(plan(story))
    assert kinds[K.APPEAL_REVIEW_REMINDER] == "2027-03-03T07:00:00+00:00"
    assert kinds[K.APPEAL_REVIEW_OVERDUE] == "2027-03-11T00:30:00+00:00"


@pytest.mark.policy("s5-review-delayed", "design-working-days")
def test_a_closure_added_later_leaves_the_date_a_delayed_review_gave_the_customer() -> None:
    story = under_appeal()
    story.do(
        DelayAppealReview(appeal_id="A0009", review_due_on=date(2027, 3, 10), reason="recordings"),
        EXECUTIVE,
        at("2027-02-10"),
    )
    story = _with_closure(story, date(2027, 2, 12))
    with pytest.raises(NothingToDo):  # 30 working days from receipt would now be 25 February
        story.do(RecalculateDeadlines(), DEADLINES, at("2027-02-11"))
    assert story.current.appeals[0].review_due_on == date(2027, 3, 10)


def test_a_decided_appeal_makes_its_deadlines_moot() -> None:
    story = under_appeal()
    story.do(
        DecideAppeal(outcome=AppealOutcome.DISMISSED, reason="fair"), EXECUTIVE, at("2027-02-01")
    )
    kinds = [k for k, _ in plan(story)]
    assert K.APPEAL_REVIEW_OVERDUE not in kinds
    assert K.APPEAL_REVIEW_REMINDER not in kinds


@pytest.mark.policy("s6-review-12-monthly")
def test_an_extension_moves_the_end_and_the_next_pack() -> None:
    story = restricted()
    story.do(DecideReview(outcome=ReviewOutcome.EXTEND, reason="continued"), HEAD, at("2027-11-25"))
    assert plan(story)[-2:] == [
        (K.REVIEW_PACK_DUE, "2028-11-20T07:00:00+00:00"),
        (K.RESTRICTIONS_END, "2028-12-18T07:00:00+00:00"),
    ]


def test_summer_deadlines_fire_at_seven_london_time_in_bst() -> None:
    deadline = Deadline("c", K.REVIEW_PACK_DUE, datetime(2027, 6, 1, 7, tzinfo=LONDON), 3)
    assert deadline.fire_at.utcoffset() == timedelta(hours=1)  # 06:00 UTC
    assert at_expression(deadline.fire_at) == "at(2027-06-01T07:00:00)"


def test_no_schedule_in_the_hour_daylight_saving_moves() -> None:
    with pytest.raises(InvalidSchedule):
        at_expression(datetime(2027, 3, 28, 1, 30, tzinfo=LONDON))


@pytest.mark.parametrize("case_id", ["case-0001", "x" * 64, "Case with spaces/and:colons", "é"])
def test_schedule_names_are_deterministic_safe_and_short(case_id: str) -> None:
    deadline = Deadline(case_id, K.RESTRICTIONS_END, datetime(2027, 12, 18, 7, tzinfo=LONDON), 9)
    name = deadline.schedule_name
    assert name == Deadline(case_id, K.RESTRICTIONS_END, deadline.fire_at, 1).schedule_name
    assert len(name) <= 64
    assert all(c.isascii() and (c.isalnum() or c in "-_.") for c in name)


def test_distinct_long_case_ids_keep_distinct_names() -> None:
    assert case_key("a" * 40 + "1") != case_key("a" * 40 + "2")


def _with_closure(story: Story, closure: date) -> Story:
    story.policy = Policy(calendar=WorkingDayCalendar(closures=frozenset({closure})))
    return story


@pytest.mark.policy("design-working-days")
def test_a_closure_added_later_moves_the_appeal_window_by_a_day() -> None:
    story = _with_closure(restricted(), date(2027, 1, 5))
    outcome = story.do(RecalculateDeadlines(), DEADLINES, at("2026-12-21"))
    window = story.current.appeal_window
    assert window is not None
    assert window.closes_on == date(2027, 1, 14)
    assert outcome.events[0].data["moved"] == {
        "appeal_window_closes_on": [APPEAL_CLOSES_ON.isoformat(), "2027-01-14"]
    }
    # an appeal on 14 January is now in time
    story.do(LogAppeal(received_on=date(2027, 1, 14), grounds="g"), CET, at("2027-01-14"))
    assert story.current.appeals[-1].late is False


def test_recalculating_an_unchanged_calendar_is_nothing_to_do() -> None:
    with pytest.raises(NothingToDo):
        restricted().do(RecalculateDeadlines(), DEADLINES, at("2026-12-21"))


def test_a_deadline_already_passed_is_not_moved() -> None:
    story = _with_closure(restricted(), date(2027, 1, 5))
    with pytest.raises(NothingToDo):  # the window already closed on 13 January
        story.do(RecalculateDeadlines(), DEADLINES, at("2027-01-20"))
