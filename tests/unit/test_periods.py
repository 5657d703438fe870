"""Periods of months are calendar months, never a count of days.

The policy says restrictions apply for 12 months (s.4) and cases are reviewed every 12
months (s.6); DESIGN.md keeps retention for years after closure. A period of months ends on
the corresponding date of the later month, or, when that month is too short to have one, on
its last day (the corresponding date rule of English law, Dodds v Walker [1981]). So:

- 1 March 2027 + 12 months is 1 March 2028: 366 days, across 29 February 2028;
- 29 February 2028 + 12 months is 28 February 2029;
- 28 February 2027 + 12 months is 28 February 2028, not the month's end (29 February);
- with 6-month terms, 31 August 2027 + 6 months is 29 February 2028 and 30 September 2027
  + 6 months is 30 March 2028 (a 30th is not a month end once the month has 31 days).

Periods exactly 365 days long cannot tell these apart, so every example here crosses (or
starts on, or ends beside) a 29 February or a short month. The expected dates are written
out, or come from `corresponding_date` below, which shares no code with the domain.
Everything runs through `decide` with time as an argument: no clock, no AWS.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

import pytest
from builders import (
    DEADLINES,
    HEAD,
    Story,
    at,
    immediately_restricted,
    midnight,
    restrictions_decided,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from contactguard.domain.calendar import LONDON, add_calendar_months
from contactguard.domain.case import (
    CaseStatus,
    DecideReview,
    LapseRestrictions,
    LetterKind,
    ReviewOutcome,
)
from contactguard.domain.deadlines import DeadlineKind, pending_deadlines
from contactguard.domain.enforcement import restrictions_in_force
from contactguard.domain.errors import NothingToDo
from contactguard.domain.lifecycle import Policy, PolicyTerms
from contactguard.domain.retention import Period, Unit

EXTEND = DecideReview(outcome=ReviewOutcome.EXTEND, reason="the contact went on all year")


def corresponding_date(day: date, months: int) -> date:
    """`months` calendar months after `day` (before, if negative): the same day of the month,
    or the later month's last day when it has no such day."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def restricted_from(start: date, policy: Policy | None = None) -> Story:
    """An immediate decision at noon on `start`: restrictions in force from then."""
    story = immediately_restricted(at(start, 12), policy or Policy())
    assert story.current.status is CaseStatus.RESTRICTED
    return story


def ends_on(story: Story) -> date:
    assert story.current.period is not None
    return story.current.period.ends_on


def in_force(story: Story, instant: datetime) -> bool:
    return restrictions_in_force(story.current, instant) != ()


def extend_before_the_end(story: Story) -> Story:
    """The Head of Service extends a fortnight before the end date."""
    story.do(EXTEND, HEAD, at(ends_on(story) - timedelta(days=14)))
    return story


# Restrictions: 12 calendar months ---------------------------------------------------------------


@pytest.mark.policy("s4-restrictions-12-months")
@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (date(2027, 3, 1), date(2028, 3, 1), 366),  # the year crosses 29 Feb 2028
        (date(2027, 6, 15), date(2028, 6, 15), 366),
        (date(2027, 12, 31), date(2028, 12, 31), 366),
        (date(2028, 2, 28), date(2029, 2, 28), 366),  # the day before a leap day
        (date(2028, 2, 29), date(2029, 2, 28), 365),  # no 29 Feb in 2029: the month's end
        (date(2027, 2, 28), date(2028, 2, 28), 365),  # a month end stays the 28th
        (date(2028, 3, 1), date(2029, 3, 1), 365),
        (date(2027, 4, 30), date(2028, 4, 30), 366),
    ],
)
def test_restrictions_end_on_the_same_date_a_calendar_year_on(
    start: date, end: date, days: int
) -> None:
    story = restricted_from(start)
    assert ends_on(story) == end
    assert (end - start).days == days
    last_second = datetime.combine(end - timedelta(days=1), time(23, 59, 59), tzinfo=LONDON)
    assert in_force(story, last_second)
    assert not in_force(story, midnight(end))


@pytest.mark.policy("s4-restrictions-12-months")
@pytest.mark.policy("s4-restrictions-start-when-told")
def test_a_restriction_letter_sent_on_1_march_2027_restricts_until_1_march_2028() -> None:
    story = restrictions_decided()
    story.draft_and_send(LetterKind.RESTRICTIONS, date(2027, 3, 1), HEAD)
    assert ends_on(story) == date(2028, 3, 1)
    assert in_force(story, at("2028-02-29", 23, 59, 59))  # day 366 is still restricted
    assert not in_force(story, midnight(date(2028, 3, 1)))


@pytest.mark.policy("s4-restrictions-12-months")
@given(start=st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)))
@settings(max_examples=150, deadline=None, derandomize=True)
def test_any_start_date_restricts_for_twelve_calendar_months(start: date) -> None:
    story = restricted_from(start)
    end = corresponding_date(start, 12)
    assert ends_on(story) == end
    assert in_force(story, at(end - timedelta(days=1), 23, 59, 59))
    assert not in_force(story, midnight(end))


@pytest.mark.policy("s4-restrictions-12-months")
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2027, 8, 31), date(2028, 2, 29)),  # 31 days into a leap February
        (date(2026, 8, 31), date(2027, 2, 28)),
        (date(2027, 3, 31), date(2027, 9, 30)),  # a 31-day month into a 30-day one
        (date(2027, 10, 31), date(2028, 4, 30)),
        (date(2027, 9, 30), date(2028, 3, 30)),  # a 30th is not a month end in March
    ],
)
def test_other_terms_count_calendar_months_too(start: date, end: date) -> None:
    """PolicyTerms.restriction_months is a term of the domain: six months is six calendar
    months, whatever the months' lengths."""
    story = restricted_from(start, Policy(terms=PolicyTerms(restriction_months=6)))
    assert ends_on(story) == end


# Extensions and the 12-month review ------------------------------------------------------------


@pytest.mark.policy("s6-review-12-monthly")
@pytest.mark.parametrize(
    ("start", "old_end", "new_end"),
    [
        (date(2026, 3, 1), date(2027, 3, 1), date(2028, 3, 1)),  # the extension is 366 days
        (date(2027, 2, 28), date(2028, 2, 28), date(2029, 2, 28)),  # not to 29 Feb 2028...
        (date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28)),
        (date(2030, 2, 28), date(2031, 2, 28), date(2032, 2, 28)),  # ...nor to 29 Feb 2032
    ],
)
def test_an_extension_runs_twelve_calendar_months_from_the_old_end_date(
    start: date, old_end: date, new_end: date
) -> None:
    story = restricted_from(start)
    assert ends_on(story) == old_end
    extend_before_the_end(story)
    assert ends_on(story) == new_end
    assert in_force(story, midnight(old_end))  # no gap at the old end date
    assert in_force(story, at(new_end - timedelta(days=1), 23, 59, 59))
    assert not in_force(story, midnight(new_end))


@pytest.mark.policy("s6-review-12-monthly")
def test_a_second_extension_counts_from_the_first_ones_end_not_from_its_start() -> None:
    story = restricted_from(date(2031, 2, 28))  # ends 28 Feb 2032, in a leap year
    extend_before_the_end(story)
    extend_before_the_end(story)
    assert ends_on(story) == date(2034, 2, 28)


@pytest.mark.policy("s6-review-12-monthly")
def test_six_month_extensions_keep_the_corresponding_date() -> None:
    story = restricted_from(date(2027, 3, 31), Policy(terms=PolicyTerms(restriction_months=6)))
    assert ends_on(story) == date(2027, 9, 30)
    extend_before_the_end(story)
    assert ends_on(story) == date(2028, 3, 30)


@pytest.mark.policy("s6-review-12-monthly")
@given(start=st.dates(min_value=date(2001, 1, 1), max_value=date(2097, 12, 31)))
@settings(max_examples=100, deadline=None, derandomize=True)
def test_any_extension_ends_twelve_calendar_months_after_the_old_end(start: date) -> None:
    story = restricted_from(start)
    old_end = ends_on(story)
    extend_before_the_end(story)
    assert ends_on(story) == corresponding_date(old_end, 12)
    assert story.current.period is not None
    assert story.current.period.review_pack_due_on < ends_on(story)


@pytest.mark.policy("s6-review-12-monthly")
def test_the_review_falls_due_from_the_calendar_end_date() -> None:
    """1 March 2027 to 1 March 2028: the review pack is 20 working days before 1 March
    (2 Feb 2028, not 1 Feb as 365 days would make it) and the end is scheduled on 1 March."""
    story = restricted_from(date(2027, 3, 1))
    assert story.current.period is not None
    assert story.current.period.review_pack_due_on == date(2028, 2, 2)
    due = {d.kind: d.fire_at for d in pending_deadlines(story.current, story.policy)}
    assert due[DeadlineKind.REVIEW_PACK_DUE].date() == date(2028, 2, 2)
    assert due[DeadlineKind.RESTRICTIONS_END].date() == date(2028, 3, 1)


@pytest.mark.policy("s6-unreviewed-lapse")
def test_unreviewed_restrictions_lapse_on_the_calendar_end_date_not_after_365_days() -> None:
    story = restricted_from(date(2027, 3, 1))
    with pytest.raises(NothingToDo) as early:
        story.try_(LapseRestrictions(), DEADLINES, at("2028-02-29", 23, 59, 59))
    assert early.value.rule == "deadline-early"
    story.do(LapseRestrictions(), DEADLINES, midnight(date(2028, 3, 1)))
    assert story.current.status is CaseStatus.LAPSED


# Every month-based period: the same counting ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 3, 31), 1, date(2027, 4, 30)),
        (date(2027, 5, 31), -1, date(2027, 4, 30)),
        (date(2028, 2, 29), -12, date(2027, 2, 28)),  # the review pack's "last 12 months"
        (date(2028, 3, 1), -24, date(2026, 3, 1)),  # and the 12 before them
        (date(2026, 3, 1), 72, date(2032, 3, 1)),  # six years' retention: 2,192 days
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
    ],
)
def test_calendar_months_clamp_to_the_shorter_months_end(
    day: date, months: int, expected: date
) -> None:
    assert add_calendar_months(day, months) == expected


@given(
    day=st.dates(min_value=date(1910, 1, 1), max_value=date(2090, 12, 31)),
    months=st.integers(min_value=-120, max_value=120),
)
@settings(max_examples=500, deadline=None, derandomize=True)
def test_calendar_months_are_the_corresponding_date(day: date, months: int) -> None:
    assert add_calendar_months(day, months) == corresponding_date(day, months)


@given(
    closed=st.datetimes(
        min_value=datetime(2001, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(UTC)
    ),
    years=st.integers(min_value=1, max_value=10),
)
@settings(max_examples=200, deadline=None, derandomize=True)
def test_retention_keeps_records_whole_calendar_years(closed: datetime, years: int) -> None:
    """DESIGN.md: kept six years (configurable) after the case closes, counted in UTC."""
    kept = Period(years, Unit.YEARS).after(closed.astimezone(LONDON))
    assert kept.date() == corresponding_date(closed.date(), 12 * years)
    assert kept.timetz() == closed.timetz()
