"""The working-day calendar against real dates (DESIGN.md, "Working days")."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from contactguard.domain.calendar import (
    LONDON,
    HolidayRegion,
    WorkingDayCalendar,
    add_calendar_months,
    end_of_day,
    london_date,
    start_of_day,
)

pytestmark = pytest.mark.policy("design-working-days")

ENGLAND_AND_WALES = WorkingDayCalendar()
ANY_UK = WorkingDayCalendar.from_settings(region="any-uk")
# An independent oracle for "never a bank holiday": the holidays package itself.
ENGLISH_BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG", years=range(2020, 2037))


# Bank holidays, substitute days included ---------------------------------------------------


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 12, 25), "bank holiday: Christmas Day"),
        (date(2026, 12, 26), "Saturday"),
        (date(2026, 12, 27), "Sunday"),
        (date(2026, 12, 28), "bank holiday: Boxing Day (observed)"),  # Boxing Day substitute
        (date(2027, 1, 1), "bank holiday: New Year's Day"),
        (date(2027, 12, 27), "bank holiday: Christmas Day (observed)"),  # both days on a weekend
        (date(2027, 12, 28), "bank holiday: Boxing Day (observed)"),
        (date(2027, 3, 26), "bank holiday: Good Friday"),
        (date(2027, 3, 29), "bank holiday: Easter Monday"),
    ],
)
def test_bank_holidays_and_their_substitutes_are_not_working_days(day: date, why: str) -> None:
    assert ENGLAND_AND_WALES.why_not_working(day) == why
    assert not ENGLAND_AND_WALES.is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 12, 24),  # Christmas Eve is an ordinary working day
        date(2026, 12, 29),  # the Tuesday after the Boxing Day substitute
        date(2026, 12, 31),
        date(2027, 1, 4),  # Scotland's 2 January substitute does not count in England
        date(2027, 3, 25),  # Maundy Thursday
        date(2027, 3, 30),  # the Tuesday after Easter Monday
        date(2027, 12, 29),  # after both Christmas 2027 substitutes
    ],
)
def test_days_around_the_holidays_are_working_days(day: date) -> None:
    assert ENGLAND_AND_WALES.why_not_working(day) is None
    assert ENGLAND_AND_WALES.is_working_day(day)


# "Within N working days of D" --------------------------------------------------------------


def test_fifteen_working_days_after_the_friday_before_christmas_2026() -> None:
    # Christmas Day, the Boxing Day substitute (Mon 28 Dec) and New Year's Day are skipped.
    assert ENGLAND_AND_WALES.working_days_after(date(2026, 12, 18), 15) == date(2027, 1, 13)


def test_day_zero_is_not_counted() -> None:
    assert ENGLAND_AND_WALES.working_days_after(date(2027, 1, 13), 1) == date(2027, 1, 14)
    assert ENGLAND_AND_WALES.working_days_after(date(2026, 12, 24), 1) == date(2026, 12, 29)
    assert ENGLAND_AND_WALES.working_days_after(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert ENGLAND_AND_WALES.working_days_after(date(2027, 3, 25), 0) == date(2027, 3, 25)


def test_a_start_that_is_not_a_working_day_gives_the_same_answer() -> None:
    # Saturday and Sunday give the same answer as each other, and as the Friday before.
    friday, saturday, sunday = date(2026, 12, 18), date(2026, 12, 19), date(2026, 12, 20)
    answers = {ENGLAND_AND_WALES.working_days_after(d, 15) for d in (friday, saturday, sunday)}
    assert answers == {date(2027, 1, 13)}
    # A run of holidays and a weekend: Christmas Day to the Boxing Day substitute.
    christmas_run = [date(2026, 12, 24) + timedelta(days=i) for i in range(5)]  # Thu..Mon
    assert {ENGLAND_AND_WALES.working_days_after(d, 1) for d in christmas_run} == {
        date(2026, 12, 29)
    }


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="zero or more"):
        ENGLAND_AND_WALES.working_days_after(date(2027, 1, 13), -1)
    with pytest.raises(ValueError, match="zero or more"):
        ENGLAND_AND_WALES.working_days_before(date(2027, 1, 13), -1)


def test_counting_back_for_a_review_pack_skips_holidays() -> None:
    # 20 working days before an end date of Sat 18 Dec 2027.
    assert ENGLAND_AND_WALES.working_days_before(date(2027, 12, 18), 20) == date(2027, 11, 22)
    # Back over Easter 2027: 1 working day before Tue 30 Mar is Thu 25 Mar.
    assert ENGLAND_AND_WALES.working_days_before(date(2027, 3, 30), 1) == date(2027, 3, 25)


def test_working_days_between_counts_the_interval_after_the_start() -> None:
    assert ENGLAND_AND_WALES.working_days_between(date(2026, 12, 18), date(2027, 1, 13)) == 15
    assert ENGLAND_AND_WALES.working_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 0
    assert ENGLAND_AND_WALES.working_days_between(date(2027, 1, 13), date(2027, 1, 13)) == 0


# Closures and the any-UK option ------------------------------------------------------------


def test_closure_dates_from_configuration_are_not_working_days() -> None:
    calendar = WorkingDayCalendar.from_settings(closures=[date(2026, 12, 24), date(2026, 12, 31)])
    assert calendar.why_not_working(date(2026, 12, 24)) == "organisation closure"
    assert calendar.why_not_working(date(2026, 12, 31)) == "organisation closure"
    assert calendar.is_working_day(date(2026, 12, 30))
    # Two more days skipped: the appeal window of the 18 Dec letter closes on Fri 15 Jan.
    assert calendar.working_days_after(date(2026, 12, 18), 15) == date(2027, 1, 15)
    assert ENGLAND_AND_WALES.is_working_day(date(2026, 12, 24))


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (date(2025, 12, 1), "Saint Andrew's Day (observed)"),  # Scotland, 30 Nov was a Sunday
        (date(2026, 11, 30), "Saint Andrew's Day"),
        (date(2027, 7, 12), "Battle of the Boyne"),  # Northern Ireland
        (date(2026, 7, 13), "Battle of the Boyne (observed)"),  # 12 July 2026 is a Sunday
        (date(2027, 1, 4), "New Year Holiday (observed)"),  # Scotland's 2 January, substituted
    ],
)
def test_other_nations_holidays_count_only_with_the_any_uk_option(day: date, holiday: str) -> None:
    assert ENGLAND_AND_WALES.is_working_day(day)
    assert ANY_UK.why_not_working(day) == f"bank holiday: {holiday}"


def test_the_any_uk_option_moves_a_deadline() -> None:
    friday = date(2027, 7, 9)
    assert ENGLAND_AND_WALES.working_days_after(friday, 1) == date(2027, 7, 12)
    assert ANY_UK.working_days_after(friday, 1) == date(2027, 7, 13)
    assert ANY_UK.region is HolidayRegion.ANY_UK


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="wales"):
        WorkingDayCalendar.from_settings(region="wales")


# Times of day in Europe/London -------------------------------------------------------------


def test_a_deadline_closes_at_23_59_59_london_time_in_winter() -> None:
    closes = end_of_day(date(2027, 1, 13))
    assert (closes.hour, closes.minute, closes.second) == (23, 59, 59)
    assert closes.utcoffset() == timedelta(0)  # GMT
    assert closes.astimezone(UTC) == datetime(2027, 1, 13, 23, 59, 59, tzinfo=UTC)


def test_a_deadline_closes_at_23_59_59_london_time_in_summer() -> None:
    closes = end_of_day(date(2027, 7, 13))
    assert closes.utcoffset() == timedelta(hours=1)  # BST
    assert closes.astimezone(UTC) == datetime(2027, 7, 13, 22, 59, 59, tzinfo=UTC)


def test_start_of_day_is_london_midnight() -> None:
    assert start_of_day(date(2027, 7, 13)).astimezone(UTC) == datetime(
        2027, 7, 12, 23, 0, tzinfo=UTC
    )
    assert start_of_day(date(2026, 12, 18)).astimezone(UTC) == datetime(
        2026, 12, 18, 0, 0, tzinfo=UTC
    )


def test_the_london_date_of_an_instant() -> None:
    # 23:30 UTC on 1 July is already 2 July in London (BST); in January it is not.
    assert london_date(datetime(2027, 7, 1, 23, 30, tzinfo=UTC)) == date(2027, 7, 2)
    assert london_date(datetime(2027, 1, 1, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        london_date(datetime(2027, 1, 1, 12, 0))


# Calendar months ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 12, 18), 12, date(2027, 12, 18)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # 29 February clamps
        (date(2027, 1, 31), 1, date(2027, 2, 28)),  # 31st clamps to the month's end
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # ...in a leap year too
        (date(2027, 3, 31), 1, date(2027, 4, 30)),
        (date(2027, 8, 31), 12, date(2028, 8, 31)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2027, 5, 31), -3, date(2027, 2, 28)),
    ],
)
def test_add_calendar_months(day: date, months: int, expected: date) -> None:
    assert add_calendar_months(day, months) == expected


# Laws ---------------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2034, 12, 31))
COUNTS = st.integers(min_value=1, max_value=40)
LAWS = settings(max_examples=150, deadline=None, derandomize=True, database=None)


@LAWS
@given(DAYS, COUNTS)
def test_the_nth_working_day_is_a_working_day_and_never_a_bank_holiday(d: date, n: int) -> None:
    result = ENGLAND_AND_WALES.working_days_after(d, n)
    assert ENGLAND_AND_WALES.is_working_day(result)
    assert result.weekday() < 5
    assert result not in ENGLISH_BANK_HOLIDAYS
    assert result > d


@LAWS
@given(DAYS, COUNTS)
def test_one_more_working_day_is_later(d: date, n: int) -> None:
    assert ENGLAND_AND_WALES.working_days_after(d, n + 1) > ENGLAND_AND_WALES.working_days_after(
        d, n
    )


@LAWS
@given(DAYS, st.integers(min_value=0, max_value=40))
def test_working_days_between_inverts_working_days_after(d: date, n: int) -> None:
    assert (
        ENGLAND_AND_WALES.working_days_between(d, ENGLAND_AND_WALES.working_days_after(d, n)) == n
    )


@LAWS
@given(DAYS, COUNTS)
def test_a_non_working_start_answers_like_the_day_before_it(d: date, n: int) -> None:
    assume(not ENGLAND_AND_WALES.is_working_day(d))
    before = d - timedelta(days=1)
    assert ENGLAND_AND_WALES.working_days_after(d, n) == ENGLAND_AND_WALES.working_days_after(
        before, n
    )


@LAWS
@given(DAYS, COUNTS)
def test_counting_back_from_the_nth_working_day_returns_to_a_working_start(d: date, n: int) -> None:
    assume(ENGLAND_AND_WALES.is_working_day(d))
    forward = ENGLAND_AND_WALES.working_days_after(d, n)
    assert ENGLAND_AND_WALES.working_days_before(forward, n) == d


@LAWS
@given(DAYS, COUNTS)
def test_the_any_uk_calendar_is_never_earlier(d: date, n: int) -> None:
    # Every England-and-Wales holiday is a UK holiday, so UK-wide deadlines can only be later.
    assert ANY_UK.working_days_after(d, n) >= ENGLAND_AND_WALES.working_days_after(d, n)


@LAWS
@given(DAYS)
def test_end_of_day_is_the_last_second_of_the_london_date(d: date) -> None:
    closes = end_of_day(d)
    assert london_date(closes) == d
    assert london_date(closes + timedelta(seconds=1)) == d + timedelta(days=1)
    assert closes.tzinfo is LONDON
    assert closes.timetz().replace(tzinfo=None) == time(23, 59, 59)


def test_on_or_after_is_the_day_itself_or_the_next_working_day() -> None:
    calendar = WorkingDayCalendar.from_settings(HolidayRegion.ENGLAND_AND_WALES, ())
    assert calendar.on_or_after(date(2026, 12, 24)) == date(2026, 12, 24)
    assert calendar.on_or_after(date(2026, 12, 25)) == date(2026, 12, 29)
    assert calendar.on_or_after(date(2026, 11, 28)) == date(2026, 11, 30)
