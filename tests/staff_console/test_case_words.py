"""A case in words: London times as GOV.UK writes them, and a restriction period's end said
the way the domain means it (in force until the start of its end date)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.unit.builders import at

from console.routes.case_words import period_words, sentence, uk_datetime, uk_time, until
from contactguard.domain.case import RestrictionPeriod


def test_times_are_london_times_as_gov_uk_writes_them() -> None:
    assert uk_time(at("2027-01-05", 0)) == "midnight"
    assert uk_time(at("2027-01-05", 12)) == "midday"
    assert uk_time(at("2027-01-05", 9)) == "9am"
    assert uk_time(at("2027-01-05", 12, 30)) == "12:30pm"
    assert uk_time(at("2027-01-05", 23, 5)) == "11:05pm"
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    assert uk_datetime(datetime(2027, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2027, 12:30am"


def test_a_period_ends_at_the_start_of_its_end_date() -> None:
    assert until(date(2027, 12, 18)) == (
        "up to and including 17 December 2027 (they end at the start of 18 December 2027)"
    )
    period = RestrictionPeriod(
        starts_at=at("2026-12-18", 0),
        ends_on=date(2027, 12, 18),
        review_pack_due_on=date(2027, 11, 19),
    )
    assert period_words(period, at("2027-12-17", 23, 59)).startswith(
        "In force since 18 December 2026, up to and including 17 December 2027"
    )
    assert period_words(period, at("2027-12-18", 0)) == (
        "They were in force from 18 December 2026 and ended at the start of 18 December 2027."
    )
    lifted = period.model_copy(update={"ended_at": at("2027-02-01", 15, 15)})
    assert period_words(lifted, at("2027-02-02")) == (
        "They were in force from 18 December 2026 and ended on 1 February 2027 at 3:15pm."
    )


def test_the_domains_words_become_a_sentence_with_uk_dates() -> None:
    assert sentence("sent on 2026-11-03") == "Sent on 3 November 2026."
    assert sentence("is it 2026-02-30?") == "Is it 2026-02-30?"
