"""The working-day calendar of England and Wales (DESIGN.md, "Working days").

A working day is Monday to Friday, less the bank holidays of England and Wales (the
`holidays` package tracks proclaimed ones, substitute days and one-offs included), less the
organisation's closure dates. A setting widens "bank holiday" to one in any part of the UK.

"Within N working days of D" ends on the N-th working day strictly after D: D is day 0, and
a D that is not itself a working day gives the same answer. A deadline stays open until
23:59:59 Europe/London on its last day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
END_OF_DAY = time(23, 59, 59)


class HolidayRegion(StrEnum):
    ENGLAND_AND_WALES = "england-and-wales"
    ANY_UK = "any-uk"


_SUBDIVISIONS: dict[HolidayRegion, tuple[str, ...]] = {
    HolidayRegion.ENGLAND_AND_WALES: ("ENG",),  # Wales shares England's bank holidays
    HolidayRegion.ANY_UK: ("ENG", "WLS", "SCT", "NIR"),
}


class _HolidayTable:
    """Bank holidays for the region, computed per year on first use."""

    def __init__(self, region: HolidayRegion) -> None:
        # Imported on the first date checked, not with the domain: a function that never
        # counts working days (ingest) does not load it at its cold start.
        import holidays

        self._tables = [holidays.country_holidays("GB", subdiv=s) for s in _SUBDIVISIONS[region]]

    def name(self, day: date) -> str | None:
        for table in self._tables:
            found = table.get(day)
            if found:
                return str(found)
        return None


@dataclass(frozen=True)
class WorkingDayCalendar:
    """Pure calendar arithmetic; give it the closures from configuration."""

    region: HolidayRegion = HolidayRegion.ENGLAND_AND_WALES
    closures: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_settings(
        cls,
        region: str | HolidayRegion = HolidayRegion.ENGLAND_AND_WALES,
        closures: Iterable[date] = (),
    ) -> WorkingDayCalendar:
        return cls(region=HolidayRegion(region), closures=frozenset(closures))

    @cached_property
    def _holidays(self) -> _HolidayTable:
        return _HolidayTable(self.region)

    def why_not_working(self, day: date) -> str | None:
        """The reason `day` is not a working day, or None when it is one."""
        if day.weekday() >= 5:
            return day.strftime("%A")
        holiday = self._holidays.name(day)
        if holiday:
            return f"bank holiday: {holiday}"
        if day in self.closures:
            return "organisation closure"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.why_not_working(day) is None

    def working_days_after(self, start: date, n: int) -> date:
        """The n-th working day strictly after `start` (start is day 0). n=0 gives start."""
        if n < 0:
            raise ValueError("n must be zero or more; use working_days_before to count back")
        day, counted = start, 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def on_or_after(self, day: date) -> date:
        """`day` if it is a working day, else the next one (a letter is dated a day it can
        be posted)."""
        return day if self.is_working_day(day) else self.working_days_after(day, 1)

    def working_days_before(self, end: date, n: int) -> date:
        """The n-th working day strictly before `end` (e.g. a review pack's lead time)."""
        if n < 0:
            raise ValueError("n must be zero or more")
        day, counted = end, 0
        while counted < n:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie in (start, end]: the inverse of working_days_after."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in Europe/London, when a deadline on that day closes."""
    return datetime.combine(day, END_OF_DAY, tzinfo=LONDON)


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Europe/London."""
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


def london_date(instant: datetime) -> date:
    """The Europe/London calendar date of an aware instant."""
    if instant.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return instant.astimezone(LONDON).date()


def add_calendar_months(day: date, months: int) -> date:
    """`day` plus whole calendar months; 29 February and month ends clamp to the month's end."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")
