"""The retention schedule (contactguard.domain.retention): one rule per kind of record, each
record's expiry from its facts, and the deployment's overrides."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.builders import (
    closed,
    concern_raised,
    lapsed,
    restricted,
    restrictions_decided,
)

from contactguard.domain.case import CaseStatus
from contactguard.domain.retention import (
    DEFAULT_SCHEDULE,
    RULES,
    CasesHeld,
    HeldRecord,
    Period,
    RecordKind,
    RetentionSchedule,
    Unit,
    epoch_seconds,
    letters_due,
    parse_overrides,
)

T = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)
SECOND_ = timedelta(seconds=1)
SCHEDULE = DEFAULT_SCHEDULE


# Periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("90d", Period(90, Unit.DAYS)),
        ("6y", Period(6, Unit.YEARS)),
        (" 2y ", Period(2, Unit.YEARS)),
        ("0d", Period(0, Unit.DAYS)),
        ("99999d", Period(99999, Unit.DAYS)),
    ],
)
def test_a_period_is_whole_days_or_whole_years(text: str, period: Period) -> None:
    assert Period.parse(text) == period
    assert Period.parse(str(period)) == period


@pytest.mark.parametrize("text", ["6", "6m", "-1d", "", "d", "1.5y", "100000d", "6 y", "6Y"])
def test_anything_else_is_not_a_period(text: str) -> None:
    with pytest.raises(ValueError, match="whole days or years"):
        Period.parse(text)


def test_a_period_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="^a period cannot be negative$"):
        Period(-1, Unit.DAYS)
    assert Period(0, Unit.DAYS).count == 0


def test_days_are_counted_to_the_second_and_years_on_the_calendar() -> None:
    assert Period(90, Unit.DAYS).after(T) == T + timedelta(days=90)
    assert Period(6, Unit.YEARS).after(T) == datetime(2032, 12, 1, 10, 30, tzinfo=UTC)
    leap = datetime(2028, 2, 29, 23, 0, tzinfo=UTC)
    assert Period(1, Unit.YEARS).after(leap) == datetime(2029, 2, 28, 23, 0, tzinfo=UTC)
    assert Period(4, Unit.YEARS).after(leap) == datetime(2032, 2, 29, 23, 0, tzinfo=UTC)


def test_years_are_counted_in_utc_whatever_zone_the_moment_is_in() -> None:
    from contactguard.domain.calendar import LONDON

    # 00:30 on 1 July in London is 23:30 on 30 June in UTC.
    summer = datetime(2027, 7, 1, 0, 30, tzinfo=LONDON)
    kept = Period(1, Unit.YEARS).after(summer)
    assert kept == datetime(2028, 6, 30, 23, 30, tzinfo=UTC)
    assert kept.utcoffset() == timedelta(0)


class _NoOffset(tzinfo):
    """A zone that names itself but knows no offset: as naive as no zone at all."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str:
        return "nowhere"

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


@pytest.mark.parametrize("zone", [None, _NoOffset()])
def test_retention_counts_only_from_an_aware_moment(zone: tzinfo | None) -> None:
    with pytest.raises(ValueError, match="^retention is counted from a timezone-aware moment$"):
        Period(1, Unit.DAYS).after(datetime(2026, 12, 1, tzinfo=zone))


@pytest.fixture
def far_east_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's own zone far from UTC: nothing may be counted in local time."""
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("far_east_machine")
def test_nothing_is_counted_in_the_machine_s_zone() -> None:
    # 23:30 UTC on 30 June is already 1 July in Auckland.
    late = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)
    kept = Period(1, Unit.YEARS).after(late)
    assert kept == datetime(2028, 6, 30, 23, 30, tzinfo=UTC)
    assert kept.utcoffset() == timedelta(0)
    assert SCHEDULE.customer_expiry(late, CasesHeld()) == datetime(2029, 7, 1, tzinfo=UTC)
    case = restrictions_decided().current
    assert case.decision is not None
    decided = case.decision.decided_at.astimezone(UTC)
    late_decision = case.model_copy(
        update={
            "decision": case.decision.model_copy(
                update={"decided_at": datetime(2026, 12, 31, 23, 30, tzinfo=UTC)}
            )
        }
    )
    year_on = datetime(2027, 12, 31, 23, 30, tzinfo=UTC)
    assert SCHEDULE.case_ended_at(late_decision, year_on) == year_on
    ended = SCHEDULE.case_ended_at(late_decision, year_on)
    assert ended is not None
    assert ended.utcoffset() == timedelta(0)
    assert decided.utcoffset() == timedelta(0)


def test_periods_read_in_words() -> None:
    assert Period(1, Unit.DAYS).words() == "1 day"
    assert Period(90, Unit.DAYS).words() == "90 days"
    assert Period(1, Unit.YEARS).words() == "1 year"
    assert Period(6, Unit.YEARS).words() == "6 years"


# The table ---------------------------------------------------------------------------------


def test_the_schedule_has_one_rule_per_kind_each_with_its_reasoning() -> None:
    assert set(RULES) == set(RecordKind)
    for kind, rule in RULES.items():
        assert rule.kind is kind
        assert len(rule.reason) > 40, kind
        assert rule.counted_from, kind


def test_the_defaults_are_the_landlord_s_schedule() -> None:
    periods = RetentionSchedule.of().periods
    assert periods[RecordKind.CASE_RECORDS] == Period(6, Unit.YEARS)
    assert periods[RecordKind.CONTACTS] == Period(2, Unit.YEARS)
    assert periods[RecordKind.QUARANTINED_MAIL] == Period(90, Unit.DAYS)
    assert periods[RecordKind.UNMATCHED_MAIL] == Period(1, Unit.YEARS)
    assert periods[RecordKind.AUDIT] == Period(6, Unit.YEARS)
    assert periods[RecordKind.SIGNALS] == Period(366, Unit.DAYS)
    assert periods[RecordKind.AUTO_REPLY_LEDGER] == Period(0, Unit.DAYS)
    assert periods[RecordKind.DELIVERY_LEDGER] == Period(400, Unit.DAYS)
    assert {k: r.default for k, r in RULES.items()} == dict(periods)
    assert RetentionSchedule.of().restriction_months == 12


def test_a_schedule_needs_a_period_for_every_kind() -> None:
    periods = dict(SCHEDULE.periods)
    del periods[RecordKind.SIGNALS]
    with pytest.raises(ValueError, match="^a retention schedule has a period for every kind$"):
        RetentionSchedule(MappingProxyType(periods))


# The deployment's overrides ----------------------------------------------------------------


def test_overrides_change_only_what_they_name() -> None:
    overrides = parse_overrides(" quarantined-mail=60d, contacts=3y,")
    assert overrides == {
        RecordKind.QUARANTINED_MAIL: Period(60, Unit.DAYS),
        RecordKind.CONTACTS: Period(3, Unit.YEARS),
    }
    schedule = RetentionSchedule.of(7, overrides, restriction_months=6)
    assert schedule.periods[RecordKind.QUARANTINED_MAIL] == Period(60, Unit.DAYS)
    assert schedule.periods[RecordKind.CONTACTS] == Period(3, Unit.YEARS)
    assert schedule.periods[RecordKind.UNMATCHED_MAIL] == Period(1, Unit.YEARS)
    assert schedule.periods[RecordKind.CASE_RECORDS] == Period(7, Unit.YEARS)
    assert schedule.restriction_months == 6
    assert parse_overrides("") == {}
    assert parse_overrides(" , ") == {}
    assert parse_overrides(",, signals=30d") == {RecordKind.SIGNALS: Period(30, Unit.DAYS)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("contacts", "kind=period"),
        ("letters=2y", "unknown retention kind 'letters'"),
        ("case-records=7y", "RetentionYears"),
        ("contacts=2y,contacts=3y", "given twice"),
        ("contacts=2", "whole days or years"),
        ("contacts=2y=3", "whole days or years"),
        ("audit=364d", "at least 1y"),
        ("case-records=0y", "RetentionYears"),
        ("signals=0d", "at least 1d"),
        ("contacts=0y", "at least 1d"),
    ],
)
def test_a_bad_override_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_overrides(text)


def test_an_unknown_kind_is_told_the_known_ones() -> None:
    known = ", ".join(k.value for k in RecordKind)
    with pytest.raises(ValueError, match="^unknown retention kind") as refused:
        parse_overrides("letters=2y")
    assert str(refused.value) == f"unknown retention kind 'letters' (one of {known})"
    assert "case-records, contacts, quarantined-mail" in str(refused.value)


def test_the_minimums_compare_years_as_365_days() -> None:
    assert parse_overrides("audit=365d") == {RecordKind.AUDIT: Period(365, Unit.DAYS)}
    assert parse_overrides("audit=1y") == {RecordKind.AUDIT: Period(1, Unit.YEARS)}
    assert parse_overrides("auto-reply-ledger=0d") == {
        RecordKind.AUTO_REPLY_LEDGER: Period(0, Unit.DAYS)
    }
    assert parse_overrides("signals=1d") == {RecordKind.SIGNALS: Period(1, Unit.DAYS)}


def test_case_records_are_kept_at_least_a_year() -> None:
    with pytest.raises(ValueError, match="^case records are kept at least a year$"):
        RetentionSchedule.of(0)
    assert RetentionSchedule.of(1).periods[RecordKind.CASE_RECORDS] == Period(1, Unit.YEARS)


# Cases -------------------------------------------------------------------------------------


def test_a_closed_case_is_kept_six_years_after_it_closed() -> None:
    case = closed().current
    assert case.closed_at is not None
    assert SCHEDULE.case_ended_at(case, T) == case.closed_at
    assert SCHEDULE.case_expiry(case, T) == Period(6, Unit.YEARS).after(case.closed_at)


def test_a_lapsed_case_ended_when_its_restrictions_did() -> None:
    case = lapsed().current
    assert case.period is not None
    assert SCHEDULE.case_ended_at(case, T) == case.period.effective_end
    assert SCHEDULE.case_expiry(case, T) == Period(6, Unit.YEARS).after(case.period.effective_end)


def test_an_unsent_restriction_letter_ends_the_case_a_restriction_period_after_the_decision() -> (
    None
):
    case = restrictions_decided().current
    assert case.decision is not None
    decided = case.decision.decided_at.astimezone(UTC)
    year_on = decided.replace(year=decided.year + 1)
    assert SCHEDULE.case_ended_at(case, year_on - timedelta(seconds=1)) is None
    assert SCHEDULE.case_ended_at(case, year_on) == year_on
    assert SCHEDULE.case_expiry(case, year_on) == Period(6, Unit.YEARS).after(year_on)
    six_months = RetentionSchedule.of(restriction_months=6)
    half = decided.replace(month=decided.month + 6 - 12, year=decided.year + 1)
    assert six_months.case_ended_at(case, half) == half
    assert six_months.case_ended_at(case, half - timedelta(seconds=1)) is None


def test_a_case_under_way_has_not_ended() -> None:
    far = T + timedelta(days=3650)
    for case in (concern_raised().current, restricted().current):
        assert SCHEDULE.case_ended_at(case, far) is None
        assert SCHEDULE.case_expiry(case, far) is None
    without_decision = restrictions_decided().current.model_copy(update={"decision": None})
    assert SCHEDULE.case_ended_at(without_decision, far) is None
    without_period = lapsed().current.model_copy(update={"period": None})
    assert SCHEDULE.case_ended_at(without_period, far) is None


def test_a_customer_s_cases_hold_their_records_while_any_has_not_ended() -> None:
    done, going = closed().current, restricted().current
    assert done.closed_at is not None
    assert SCHEDULE.cases_held([done, going], T) == CasesHeld(live=True)
    assert SCHEDULE.cases_held([], T) == CasesHeld()
    later = done.model_copy(update={"closed_at": done.closed_at + timedelta(days=30)})
    held = SCHEDULE.cases_held([later, done], T)
    assert held == CasesHeld(live=False, until=SCHEDULE.case_expiry(later, T))
    assert SCHEDULE.cases_held([done], T).until == SCHEDULE.case_expiry(done, T)
    waiting = restrictions_decided().current
    assert waiting.decision is not None
    year_on = waiting.decision.decided_at.astimezone(UTC)
    year_on = year_on.replace(year=year_on.year + 1)
    assert SCHEDULE.cases_held([waiting], year_on - SECOND_) == CasesHeld(live=True)
    assert SCHEDULE.cases_held([waiting], year_on) == CasesHeld(
        until=Period(6, Unit.YEARS).after(year_on)
    )
    assert restricted().current.status is CaseStatus.RESTRICTED


# A customer's records ----------------------------------------------------------------------


def test_contacts_of_a_customer_with_no_case_are_kept_two_years() -> None:
    assert SCHEDULE.contact_expiry(T, CasesHeld()) == datetime(2028, 12, 1, 10, 30, tzinfo=UTC)


def test_a_customer_s_profile_is_kept_from_the_month_after_their_last_contact() -> None:
    """So a month's contacts restamp it once; never before any contact of theirs goes."""
    assert SCHEDULE.customer_expiry(T, CasesHeld()) == datetime(2029, 1, 1, tzinfo=UTC)
    december = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert SCHEDULE.customer_expiry(december, CasesHeld()) == datetime(2029, 1, 1, tzinfo=UTC)
    assert SCHEDULE.customer_expiry(datetime(2027, 1, 1, tzinfo=UTC), CasesHeld()) == datetime(
        2029, 2, 1, tzinfo=UTC
    )
    until = datetime(2035, 1, 1, tzinfo=UTC)
    assert SCHEDULE.customer_expiry(T, CasesHeld(until=until)) == until
    assert SCHEDULE.customer_expiry(T, CasesHeld(live=True)) is None


def test_contacts_follow_their_customer_s_cases_once_there_is_one() -> None:
    until = datetime(2032, 12, 1, tzinfo=UTC)
    assert SCHEDULE.contact_expiry(T, CasesHeld(until=until)) == until
    assert SCHEDULE.contact_expiry(T, CasesHeld(live=True)) is None
    # A contact long after the case: its own two years are later.
    late = datetime(2031, 6, 1, tzinfo=UTC)
    assert SCHEDULE.contact_expiry(late, CasesHeld(until=until)) == datetime(2033, 6, 1, tzinfo=UTC)


@given(
    at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    until=st.none()
    | st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    live=st.booleans(),
)
def test_no_contact_expires_before_two_years_or_while_its_customer_s_cases_are_kept(
    at: datetime, until: datetime | None, live: bool
) -> None:
    expiry = SCHEDULE.contact_expiry(at, CasesHeld(live=live, until=until))
    if live:
        assert expiry is None
        return
    assert expiry is not None
    assert expiry >= at + timedelta(days=730)
    assert until is None or expiry >= until
    assert expiry in (Period(2, Unit.YEARS).after(at), until)
    profile = SCHEDULE.customer_expiry(at, CasesHeld(live=live, until=until))
    assert profile is not None
    assert expiry <= profile <= expiry + timedelta(days=31)


def test_mail_that_is_no_customer_s_has_its_own_periods() -> None:
    assert SCHEDULE.quarantined_expiry(T) == T + timedelta(days=90)
    assert SCHEDULE.unmatched_expiry(T) == datetime(2027, 12, 1, 10, 30, tzinfo=UTC)
    assert SCHEDULE.expires(RecordKind.SIGNALS, T) == T + timedelta(days=366)
    assert SCHEDULE.expires(RecordKind.DELIVERY_LEDGER, T) == T + timedelta(days=400)
    assert SCHEDULE.expires(RecordKind.AUDIT, T) == datetime(2032, 12, 1, 10, 30, tzinfo=UTC)


def test_the_auto_reply_ledger_goes_when_its_period_has_passed() -> None:
    week = timedelta(hours=168)
    assert SCHEDULE.auto_reply_ledger_expiry(T, week) == T + week
    longer = RetentionSchedule.of(overrides=parse_overrides("auto-reply-ledger=1d"))
    assert longer.auto_reply_ledger_expiry(T, week) == T + week + timedelta(days=1)


# Objects -----------------------------------------------------------------------------------


def test_raw_mail_goes_with_its_contact() -> None:
    due = T + timedelta(days=400)
    assert SCHEDULE.raw_mail_due(HeldRecord(True, due), T, due)
    assert not SCHEDULE.raw_mail_due(HeldRecord(True, due), T, due - timedelta(seconds=1))
    assert not SCHEDULE.raw_mail_due(HeldRecord(True, None), T, T + timedelta(days=9999))


def test_raw_mail_with_no_record_goes_after_the_shortest_mail_period() -> None:
    gone = HeldRecord(found=False)
    assert not SCHEDULE.raw_mail_due(gone, T, T + timedelta(days=90) - timedelta(seconds=1))
    assert SCHEDULE.raw_mail_due(gone, T, T + timedelta(days=90))
    assert SCHEDULE.orphan_mail_due(T, T + timedelta(days=90))
    short = RetentionSchedule.of(overrides=parse_overrides("unmatched-mail=30d"))
    assert short.orphan_mail_due(T, T + timedelta(days=30))
    assert not short.orphan_mail_due(T, T + timedelta(days=30) - timedelta(seconds=1))
    long_quarantine = RetentionSchedule.of(overrides=parse_overrides("quarantined-mail=2y"))
    assert long_quarantine.orphan_mail_due(T, datetime(2027, 12, 1, 10, 30, tzinfo=UTC))
    assert not long_quarantine.orphan_mail_due(T, datetime(2027, 12, 1, 10, 29, tzinfo=UTC))


def test_a_case_s_letters_go_with_its_records_or_once_they_are_gone() -> None:
    due = T + timedelta(days=1)
    assert letters_due(HeldRecord(found=False), T)
    assert letters_due(HeldRecord(True, due), due)
    assert not letters_due(HeldRecord(True, due), due - timedelta(seconds=1))
    assert not letters_due(HeldRecord(True, None), due)
    assert HeldRecord(True, due).due(due + timedelta(days=1))


def test_expiries_are_stored_as_epoch_seconds() -> None:
    assert epoch_seconds(None) is None
    assert epoch_seconds(datetime(1970, 1, 2, tzinfo=UTC)) == 86400
