"""The retention schedule (UK GDPR, storage limitation): one rule per kind of record and object,
each with its default period, the moment it counts from and why, written once here and read by
every writer (the table's `expires_at`, the daily purge of S3 objects) and by the generated
docs/data-protection.md.

A record expires at (the moment its rule counts from) + (its period). Periods are whole days or
whole calendar years (counted in UTC; 29 February becomes 28 February, as the case retention
always was). Each deployment may change any period but case records' (RetentionYears) through
one setting, `RetentionSchedule`: `kind=period` pairs, e.g. `quarantined-mail=60d,contacts=3y`.

Pure: time is an argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from contactguard.domain.calendar import add_calendar_months
from contactguard.domain.case import Case, CaseStatus


class RecordKind(StrEnum):
    """What a retention rule governs."""

    CASE_RECORDS = "case-records"
    CONTACTS = "contacts"
    QUARANTINED_MAIL = "quarantined-mail"
    UNMATCHED_MAIL = "unmatched-mail"
    AUDIT = "audit"
    SIGNALS = "signals"
    AUTO_REPLY_LEDGER = "auto-reply-ledger"
    DELIVERY_LEDGER = "delivery-ledger"


class Unit(StrEnum):
    DAYS = "d"
    YEARS = "y"


_PERIOD = re.compile(r"^([0-9]{1,5})([dy])$")


@dataclass(frozen=True, order=True)
class Period:
    """A whole number of days or of calendar years."""

    count: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("a period cannot be negative")

    @classmethod
    def parse(cls, text: str) -> Period:
        """'90d' or '6y'."""
        match = _PERIOD.match(text.strip())
        if match is None:
            raise ValueError(f"a period is whole days or years, e.g. 90d or 6y: {text!r}")
        return cls(int(match.group(1)), Unit(match.group(2)))

    def after(self, moment: datetime) -> datetime:
        """The end of this period from `moment` (timezone-aware), in UTC."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("retention is counted from a timezone-aware moment")
        utc = moment.astimezone(UTC)
        if self.unit is Unit.DAYS:
            return utc + timedelta(days=self.count)
        return datetime.combine(add_calendar_months(utc.date(), 12 * self.count), utc.timetz())

    def __str__(self) -> str:
        return f"{self.count}{self.unit.value}"

    def words(self) -> str:
        noun = {Unit.DAYS: "day", Unit.YEARS: "year"}[self.unit]
        return f"{self.count} {noun}{'' if self.count == 1 else 's'}"


@dataclass(frozen=True)
class Rule:
    """One row of the schedule."""

    kind: RecordKind
    default: Period
    counted_from: str  # the moment the period starts, in plain words
    reason: str  # why this long, in plain words
    minimum: Period = field(default=Period(1, Unit.DAYS))  # a deployment may not go below it


# The schedule. Case records are the policy's evidence: a decision may be challenged (the
# Ombudsman, a court) long after it was made, so they follow the landlord's records schedule
# for tenancy-management complaints: six years after the case ends (DESIGN.md).
RULES: Mapping[RecordKind, Rule] = MappingProxyType(
    {
        rule.kind: rule
        for rule in (
            Rule(
                RecordKind.CASE_RECORDS,
                Period(6, Unit.YEARS),
                "the case ends: it is closed; or its restrictions lapsed with no review decision "
                "(the day they ended); or restrictions were decided and their letter was still "
                "unsent when they would have ended had it gone the same day (that day)",
                "The case's state, events and letters are the record of each decision under the "
                "policy, which the customer may challenge through the Ombudsman or the courts "
                "for years after it ends: kept six years after the case ends (the limitation "
                "period for a claim), then deleted. A lapsed case has ended in all but name: "
                "enforcement stopped when its restrictions ended and nothing more happens "
                "unless someone decides again, which restarts the clock. Restrictions never "
                "start without their letter; once the whole restriction period has passed with "
                "the letter unsent, the decision can no longer take effect as made, so the case "
                "has ended then (sending it later restarts the clock). "
                "While a case is open its records, and every contact of its customer, are kept.",
                minimum=Period(1, Unit.YEARS),
            ),
            Rule(
                RecordKind.CONTACTS,
                Period(2, Unit.YEARS),
                "the contact (for a customer who has a case: the latest end of their cases' "
                "retention, whichever is later)",
                "Contacts of a customer with no case are kept for two years: long enough to see "
                "a pattern of contact build up (the policy's signals look back a year) and to "
                "answer a complaint about how a contact was handled. Once a customer has a "
                "case, their contacts are its evidence (policy s.3-s.6) and are kept as long as "
                "any case of theirs is. Raw mail goes with its contact; the customer's profile, "
                "addresses and search entries with the last contact or case, counted from the "
                "start of the month after the last contact (so they are restamped once a month, "
                "not on every email); a customer registered and never heard from, as if "
                "registering were their first contact.",
            ),
            Rule(
                RecordKind.QUARANTINED_MAIL,
                Period(90, Unit.DAYS),
                "the message's arrival",
                "Quarantined mail (failed authentication, spam or virus verdicts) belongs to no "
                "known person: kept 90 days for staff to review it and for security "
                "investigation, then deleted. Raw mail whose record is missing is treated the "
                "same way.",
            ),
            Rule(
                RecordKind.UNMATCHED_MAIL,
                Period(1, Unit.YEARS),
                "the message's arrival",
                "Mail from an address no customer holds is kept a year so staff can link the "
                "address to a customer and attribute it; once linked it follows that customer's "
                "contacts.",
            ),
            Rule(
                RecordKind.AUDIT,
                Period(6, Unit.YEARS),
                "the access or change recorded",
                "Who read or changed personal data, kept as long as the case records it "
                "concerns could be, so any access to them can be accounted for.",
                minimum=Period(1, Unit.YEARS),
            ),
            Rule(
                RecordKind.SIGNALS,
                Period(366, Unit.DAYS),
                "the contact that raised it",
                "A signal for judgement points at contacts; the policy's volume windows look "
                "back at most a month and its reviews a year, so a year and a day.",
            ),
            Rule(
                RecordKind.AUTO_REPLY_LEDGER,
                Period(0, Unit.DAYS),
                "the end of the auto-reply period after the last auto-reply",
                "The ledger only answers 'was an auto-reply sent within the period?': past the "
                "period it answers nothing and goes.",
                minimum=Period(0, Unit.DAYS),
            ),
            Rule(
                RecordKind.DELIVERY_LEDGER,
                Period(400, Unit.DAYS),
                "the delivery attempt",
                "Makes a redelivered SES message reach staff once; holds ids only, kept past "
                "any retry or replay of a delivery.",
            ),
        )
    }
)

if set(RULES) != set(RecordKind):  # one rule per kind, checked when the module loads
    raise RuntimeError(f"retention rules missing: {sorted(set(RecordKind) - set(RULES))}")

# Case records' period is RetentionYears, a setting of its own since the first version.
CASE_RECORDS_SETTING = "RetentionYears"


def parse_overrides(text: str) -> dict[RecordKind, Period]:
    """`kind=period` pairs, comma-separated (empty: the defaults). Raises ValueError naming
    what is wrong: an unknown kind, a kind twice, a period below its rule's minimum, or case
    records (set by RetentionYears)."""
    overrides: dict[RecordKind, Period] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, equals, value = part.partition("=")
        if not equals:
            raise ValueError(f"each retention override is kind=period: {part!r}")
        try:
            kind = RecordKind(name.strip())
        except ValueError:
            known = ", ".join(k.value for k in RecordKind)
            raise ValueError(f"unknown retention kind {name.strip()!r} (one of {known})") from None
        if kind is RecordKind.CASE_RECORDS:
            raise ValueError(f"case records' retention is set by {CASE_RECORDS_SETTING}")
        if kind in overrides:
            raise ValueError(f"retention for {kind.value} is given twice")
        period = Period.parse(value)
        if _days(period) < _days(RULES[kind].minimum):
            raise ValueError(f"retention for {kind.value} is at least {RULES[kind].minimum}")
        overrides[kind] = period
    return overrides


def _days(period: Period) -> int:
    """A period's length in days, for comparing periods (a year as 365)."""
    return period.count * (365 if period.unit is Unit.YEARS else 1)


@dataclass(frozen=True)
class CasesHeld:
    """What a customer's cases say about keeping their records: `live` when any case has not
    ended (then nothing of the customer's may expire), else `until`, the latest end of their
    cases' retention (None: no case)."""

    live: bool = False
    until: datetime | None = None


@dataclass(frozen=True)
class RetentionSchedule:
    """The periods in force in one deployment: the rules' defaults, less its overrides.
    `restriction_months` is the policy's restriction period (PolicyTerms): how long an unsent
    restriction letter is waited for."""

    periods: Mapping[RecordKind, Period]
    restriction_months: int = 12

    def __post_init__(self) -> None:
        if set(self.periods) != set(RecordKind):
            raise ValueError("a retention schedule has a period for every kind")

    @classmethod
    def of(
        cls,
        case_years: int = 6,
        overrides: Mapping[RecordKind, Period] | None = None,
        restriction_months: int = 12,
    ) -> RetentionSchedule:
        if case_years < 1:
            raise ValueError("case records are kept at least a year")
        periods = {kind: rule.default for kind, rule in RULES.items()}
        periods.update(overrides or {})
        periods[RecordKind.CASE_RECORDS] = Period(case_years, Unit.YEARS)
        return cls(MappingProxyType(periods), restriction_months)

    def expires(self, kind: RecordKind, moment: datetime) -> datetime:
        """When a record of `kind` whose rule counts from `moment` expires."""
        return self.periods[kind].after(moment)

    # Cases -----------------------------------------------------------------------------------

    def case_ended_at(self, case: Case, now: datetime) -> datetime | None:
        """The moment a case ended, as known at `now` (RULES[CASE_RECORDS].counted_from);
        None while it has not: closed, its closing; lapsed, the moment its restrictions
        ended; restrictions decided and their letter unsent a whole restriction period later,
        the end of that period."""
        if case.status is CaseStatus.CLOSED:
            return case.closed_at
        if case.status is CaseStatus.LAPSED and case.period is not None:
            return case.period.effective_end
        if case.status is CaseStatus.RESTRICTIONS_DECIDED and case.decision is not None:
            decided = case.decision.decided_at.astimezone(UTC)
            day = add_calendar_months(decided.date(), self.restriction_months)
            unsent_until = datetime.combine(day, decided.timetz())
            return unsent_until if unsent_until <= now else None
        return None

    def case_expiry(self, case: Case, now: datetime) -> datetime | None:
        """When a case's records expire, as known at `now`; None while it has not ended."""
        ended = self.case_ended_at(case, now)
        return None if ended is None else self.expires(RecordKind.CASE_RECORDS, ended)

    def cases_held(self, cases: Iterable[Case], now: datetime) -> CasesHeld:
        ends = [self.case_expiry(case, now) for case in cases]
        if any(end is None for end in ends):
            return CasesHeld(live=True)
        return CasesHeld(until=max((end for end in ends if end is not None), default=None))

    # A customer's records --------------------------------------------------------------------

    def contact_expiry(self, at: datetime, held: CasesHeld) -> datetime | None:
        """A customer's contact (and its raw mail): two years after it, or while any case of
        theirs is kept, whichever is later; None while a case of theirs has not ended."""
        if held.live:
            return None
        own = self.expires(RecordKind.CONTACTS, at)
        return own if held.until is None else max(own, held.until)

    def customer_expiry(self, last_at: datetime, held: CasesHeld) -> datetime | None:
        """A customer's profile, addresses and search entries: with their latest contact
        (`last_at`), counted from the start of the next month (UTC), so that a month's
        contacts restamp them once, not each time; never before any contact of theirs."""
        utc = last_at.astimezone(UTC)
        next_month = add_calendar_months(utc.date().replace(day=1), 1)
        return self.contact_expiry(datetime.combine(next_month, time(), UTC), held)

    def quarantined_expiry(self, arrived: datetime) -> datetime:
        return self.expires(RecordKind.QUARANTINED_MAIL, arrived)

    def unmatched_expiry(self, arrived: datetime) -> datetime:
        return self.expires(RecordKind.UNMATCHED_MAIL, arrived)

    def orphan_mail_due(self, stored: datetime, now: datetime) -> bool:
        """Raw mail with no record left (its record expired, or none was ever written) goes
        once the shortest mail period has passed since it was stored: a record of any kind
        would have expired by then only if its own period was as short."""
        shortest = min(
            (self.periods[k] for k in (RecordKind.QUARANTINED_MAIL, RecordKind.UNMATCHED_MAIL)),
            key=_days,
        )
        return now >= shortest.after(stored)

    def auto_reply_ledger_expiry(self, last_sent: datetime, period: timedelta) -> datetime:
        return self.expires(RecordKind.AUTO_REPLY_LEDGER, last_sent + period)

    # Objects: each follows the record it belongs to ------------------------------------------

    def raw_mail_due(self, record: HeldRecord, stored: datetime, now: datetime) -> bool:
        """A raw message goes with its contact's record (the same rule: quarantined, unmatched
        or the customer's); with no record left, once orphan_mail_due says so."""
        if record.found:
            return record.due(now)
        return self.orphan_mail_due(stored, now)


@dataclass(frozen=True)
class HeldRecord:
    """What the table holds of the record an object belongs to: whether it is there, and its
    expiry (None: kept, no expiry yet)."""

    found: bool
    expires_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        """Past its expiry (DynamoDB's TTL deletes an item some time after, not at once)."""
        return self.expires_at is not None and self.expires_at <= now


def letters_due(case: HeldRecord, now: datetime) -> bool:
    """A case's letter documents go with its records: once they are due, or gone."""
    return not case.found or case.due(now)


DEFAULT_SCHEDULE = RetentionSchedule.of()


def epoch_seconds(moment: datetime | None) -> int | None:
    """DynamoDB TTL's form of an expiry: whole seconds since the epoch."""
    return None if moment is None else int(moment.timestamp())
