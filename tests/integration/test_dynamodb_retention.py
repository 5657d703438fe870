"""The store stamps every item's expiry from the retention schedule, and restamps a customer's
records when a case of theirs ends or reopens (contactguard.domain.retention)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.unit.builders import (
    CASE_ID,
    CUSTOMER_ID,
    HEAD,
    at,
    impose,
    lapsed,
    letters_only,
    restrictions_decided,
)

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.domain.case import CaseStatus
from contactguard.domain.model import (
    Channel,
    Contact,
    Customer,
    Disposition,
    EmailRead,
    ReadOutcome,
)
from contactguard.domain.retention import Period, Unit

T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)


def years(n: int, moment: datetime) -> datetime:
    return Period(n, Unit.YEARS).after(moment)


def expiry(store: DynamoStore, pk: str, sk: str) -> datetime | None:
    item = store.client.get_item(
        TableName=store.table_name, Key={"pk": {"S": pk}, "sk": {"S": sk}}
    )["Item"]
    stamp = item.get("expires_at")
    return None if stamp is None else datetime.fromtimestamp(int(stamp["N"]), UTC)


def case_expiries(store: DynamoStore) -> set[datetime | None]:
    items = store.client.query(
        TableName=store.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"CASE#{CASE_ID}"}},
    )["Items"]
    assert len(items) > 2
    stamps: set[datetime | None] = set()
    for item in items:
        stamp: Any = item.get("expires_at")
        stamps.add(None if stamp is None else datetime.fromtimestamp(int(stamp["N"]), UTC))
    return stamps


def contact(n: int, when: datetime, **fields: Any) -> Contact:
    return Contact(
        contact_id=f"c{n}",
        customer_id=CUSTOMER_ID,
        channel=Channel.EMAIL,
        at=when,
        summary="boiler",
        **fields,
    )


def contact_expiry(store: DynamoStore, item: Contact) -> datetime | None:
    from contactguard.adapters.dynamodb import contact_pk, contact_sk

    return expiry(store, contact_pk(item), contact_sk(item))


@pytest.fixture
def customer(store: DynamoStore) -> Customer:
    held = Customer(customer_id=CUSTOMER_ID, name="Ada Tenant", emails=("ada@example.org",))
    store.put_customer(held)
    return held


@pytest.mark.policy("design-data-protection")
def test_a_lapsed_case_is_kept_six_years_from_the_lapse_and_a_new_decision_reopens_it(
    store: DynamoStore, customer: Customer
) -> None:
    first = contact(1, T0)
    assert store.record_contact(first)
    story = lapsed()
    case = story.current
    assert case.period is not None
    ended = case.period.effective_end
    store.commit(case, tuple(story.events), expected_version=None)
    store.apply_retention(CASE_ID, at("2027-12-18", 7))
    due = years(6, ended)
    assert case_expiries(store) == {due}
    assert contact_expiry(store, first) == due
    assert expiry(store, "CONTACTKEY#c1", "KEY") == due
    assert expiry(store, f"CUSTOMER#{CUSTOMER_ID}", "PROFILE") == due
    assert expiry(store, "EMAIL#ada@example.org", "EMAIL") == due

    # The Head of Service decides again on the lapsed case: it is under way, nothing expires.
    before = story.current.version
    outcome = story.do(impose(letters_only()), HEAD, at("2028-01-10"))
    assert story.current.status is CaseStatus.RESTRICTIONS_DECIDED
    store.commit(outcome.case, outcome.events, expected_version=before)
    store.apply_retention(CASE_ID, at("2028-01-10", 11))
    assert case_expiries(store) == {None}
    assert contact_expiry(store, first) is None
    assert expiry(store, "CONTACTKEY#c1", "KEY") is None
    assert expiry(store, f"CUSTOMER#{CUSTOMER_ID}", "PROFILE") is None
    assert expiry(store, "EMAIL#ada@example.org", "EMAIL") is None
    # A contact while it is under way is kept with it.
    later = contact(2, at("2028-01-11"))
    assert store.record_contact(later)
    assert contact_expiry(store, later) is None


@pytest.mark.policy("design-data-protection")
def test_restrictions_whose_letter_is_never_sent_end_the_case_a_year_after_the_decision(
    store: DynamoStore, customer: Customer
) -> None:
    story = restrictions_decided()
    case = story.current
    assert case.decision is not None
    decided = case.decision.decided_at.astimezone(UTC)
    year_on = years(1, decided)
    store.commit(case, tuple(story.events), expected_version=None)
    assert store.apply_retention(CASE_ID, year_on - timedelta(seconds=1)) == 0
    assert case_expiries(store) == {None}
    assert store.apply_retention(CASE_ID, year_on) > 0  # the daily run a year on
    assert case_expiries(store) == {years(6, year_on)}


def test_contacts_by_kind_and_what_moves_with_them(store: DynamoStore, customer: Customer) -> None:
    quarantined = Contact(
        contact_id="q1",
        customer_id=None,
        channel=Channel.EMAIL,
        at=T0,
        disposition=Disposition.QUARANTINED,
        source_address="spoof@example.net",
    )
    unmatched = Contact(
        contact_id="u1",
        customer_id=None,
        channel=Channel.EMAIL,
        at=T0,
        disposition=Disposition.UNMATCHED,
        source_address="new@example.org",
    )
    filed = contact(3, T0, disposition=Disposition.FILED_BLOCKED)
    assert store.record_contact(quarantined)
    assert store.record_contact(unmatched)
    assert store.record_contact(filed, queue_for_reading=True)
    assert contact_expiry(store, quarantined) == T0 + timedelta(days=90)
    assert contact_expiry(store, unmatched) == years(1, T0)
    assert contact_expiry(store, filed) == years(2, T0)
    assert expiry(store, "CONTACTKEY#u1", "KEY") == years(1, T0)
    assert expiry(store, "READQUEUE", f"CONTACT#{T0.strftime('%Y-%m-%dT%H:%M:%S')}.000000Z#c3") == (
        years(2, T0)
    )
    # The officer's read rewrites the contact: its expiry stays.
    read = EmailRead(read_at=T0, read_by="so", outcome=ReadOutcome.NOTHING_NEW)
    assert store.mark_read("c3", read) is not None
    assert contact_expiry(store, filed) == years(2, T0)

    # Linked to the customer: the unmatched contact is now theirs, kept as theirs are.
    linked = customer.model_copy(update={"emails": (*customer.emails, "new@example.org")})
    store.put_customer(linked)
    assert store.attribute_unmatched("new@example.org", CUSTOMER_ID) == 1
    moved = unmatched.model_copy(update={"customer_id": CUSTOMER_ID})
    assert contact_expiry(store, moved) == years(2, T0)
    assert expiry(store, "CONTACTKEY#u1", "KEY") == years(2, T0)
    # The profile and both its addresses, from the month after the last contact.
    month_after = datetime(2028, 12, 1, tzinfo=UTC)
    assert expiry(store, f"CUSTOMER#{CUSTOMER_ID}", "PROFILE") == month_after
    assert expiry(store, "EMAIL#new@example.org", "EMAIL") == month_after
    store.put_customer(linked.model_copy(update={"name": "Ada Tenant-Smith"}))
    assert expiry(store, f"CUSTOMER#{CUSTOMER_ID}", "PROFILE") == month_after  # kept on save


def test_the_ledgers_expire_when_they_have_nothing_left_to_answer(store: DynamoStore) -> None:
    week = timedelta(hours=168)
    assert store.claim_auto_reply(CUSTOMER_ID, T0, week)
    assert expiry(store, f"AUTOREPLY#{CUSTOMER_ID}", "LEDGER") == T0 + week
    assert store.claim_delivery("m1", "a1", T0, timedelta(minutes=5))
    assert expiry(store, "DELIVERY#m1", "DELIVERY") == T0 + timedelta(days=400)
