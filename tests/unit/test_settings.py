"""Settings are validated once, from the environment the template sets."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from contactguard.domain.calendar import HolidayRegion
from contactguard.settings import CoreSettings


def test_closure_dates_and_region_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONTACTGUARD_TABLE_NAME", "contactguard-dev")
    monkeypatch.setenv("CONTACTGUARD_CLOSURE_DATES", "2026-12-24, 2026-12-31")
    monkeypatch.setenv("CONTACTGUARD_HOLIDAY_REGION", "any-uk")
    settings = CoreSettings()  # type: ignore[call-arg]
    assert settings.closure_dates == (date(2026, 12, 24), date(2026, 12, 31))
    assert settings.holiday_region is HolidayRegion.ANY_UK
    # 18 Dec + 15 working days skips the two closure days and, UK-wide, Scotland's
    # 2 January holiday (a Saturday in 2027, substituted to Monday 4 January).
    assert settings.policy().calendar.working_days_after(date(2026, 12, 18), 15) == date(
        2027, 1, 18
    )


def test_an_empty_closure_list_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTGUARD_TABLE_NAME", "contactguard-dev")
    monkeypatch.setenv("CONTACTGUARD_CLOSURE_DATES", "")
    assert CoreSettings().closure_dates == ()  # type: ignore[call-arg]


def test_a_missing_table_name_is_an_error_not_a_silent_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CONTACTGUARD_TABLE_NAME", raising=False)
    with pytest.raises(ValidationError, match="table_name"):
        CoreSettings()  # type: ignore[call-arg]


def test_a_bad_closure_date_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTGUARD_TABLE_NAME", "contactguard-dev")
    monkeypatch.setenv("CONTACTGUARD_CLOSURE_DATES", "2026-13-01")
    with pytest.raises(ValidationError, match="closure_dates"):
        CoreSettings()  # type: ignore[call-arg]
