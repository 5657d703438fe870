"""The customer, contact, subject access and audit-trail use cases, over in-memory ports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from builders import CALL_HANDLER, DPO, MANAGER, SAFEGUARDING

from contactguard.domain.access import Operation
from contactguard.domain.errors import NotPermitted
from contactguard.domain.model import Channel, Contact, Disposition, Role
from contactguard.ports import EmailAlreadyClaimed
from contactguard.usecases import Request
from contactguard.usecases.contacts import ContactEntry
from contactguard.usecases.errors import (
    AlreadyExists,
    AuditUnavailable,
    InvalidInput,
    UnknownCustomer,
)
from fakes import Fakes, fake_use_cases

ADA = {"name": "Ada Example", "emails": ["ada@example.org"]}


def by(actor: object, request_id: str = "req-1") -> Request:
    return Request(actor=actor, request_id=request_id)  # type: ignore[arg-type]


@pytest.fixture
def fx() -> Fakes:
    return fake_use_cases()


def test_registering_writes_the_audit_record_first_and_claims_the_addresses(fx: Fakes) -> None:
    customer = fx.use_cases.customers.register(by(MANAGER), ADA, "cust-1")
    assert fx.store.customer_id_for_email("ADA@example.org") == "cust-1"
    (record,) = fx.store.audit
    assert (record.customer_id, record.operation, record.actor_id) == (
        "cust-1",
        Operation.REGISTER_CUSTOMER,
        MANAGER.actor_id,
    )
    assert record.audit_id == "req-1-1"
    assert customer.name == "Ada Example"
    assert fx.log.lines[-1][1] == "audit"


def test_registering_an_id_twice_or_a_claimed_address_is_refused(fx: Fakes) -> None:
    fx.use_cases.customers.register(by(MANAGER), ADA, "cust-1")
    with pytest.raises(AlreadyExists):
        fx.use_cases.customers.register(by(MANAGER), ADA, "cust-1")
    with pytest.raises(EmailAlreadyClaimed):
        fx.use_cases.customers.register(by(MANAGER), ADA, "cust-2")
    assert fx.store.get_customer("cust-2") is None


def test_only_a_manager_registers_with_addresses_and_bad_values_are_invalid_input(
    fx: Fakes,
) -> None:
    with pytest.raises(NotPermitted):
        fx.use_cases.customers.register(by(CALL_HANDLER), ADA)
    assert fx.store.audit == []
    generated = fx.use_cases.customers.register(by(CALL_HANDLER), {"name": "Bo"})
    assert generated.customer_id.startswith("cust-")
    with pytest.raises(InvalidInput) as invalid:
        fx.use_cases.customers.register(by(MANAGER), {"name": "   "}, "cust-3")
    assert invalid.value.source == "body"
    assert invalid.value.problems[0][0] == "name"
    assert fx.store.get_customer("cust-3") is None


@pytest.mark.policy("design-audit-trail")
def test_no_audit_record_means_nothing_shown_and_nothing_changed(fx: Fakes) -> None:
    fx.use_cases.customers.register(by(MANAGER), ADA, "cust-1")
    fx.store.audit_down = True
    with pytest.raises(AuditUnavailable):
        fx.use_cases.customers.view(by(MANAGER), "cust-1")
    with pytest.raises(AuditUnavailable):
        fx.use_cases.customers.link_email(by(MANAGER), "cust-1", "new@example.org")
    assert fx.store.customer_id_for_email("new@example.org") is None
    assert fx.log.lines[-1][:2] == ("error", "api: audit record not written; request refused")


def test_an_unknown_customer_is_refused_before_any_audit_record(fx: Fakes) -> None:
    with pytest.raises(UnknownCustomer):
        fx.use_cases.customers.view(by(MANAGER), "nobody")
    assert fx.store.audit == []


def test_linking_an_address_attributes_its_unmatched_contacts(fx: Fakes) -> None:
    fx.use_cases.customers.register(by(MANAGER), {"name": "Ada"}, "cust-1")
    early = Contact(
        contact_id="ses-1",
        customer_id=None,
        channel=Channel.EMAIL,
        at=fx.clock.now - timedelta(days=2),
        source_address="ada@example.org",
    )
    fx.store.record_contact(early)
    linked = fx.use_cases.customers.link_email(by(MANAGER), "cust-1", "ada@example.org")
    assert (linked.already_linked, linked.attributed) == (False, 1)
    again = fx.use_cases.customers.link_email(by(MANAGER), "cust-1", "ada@example.org")
    assert (again.already_linked, again.attributed) == (True, 0)
    customer, cases = fx.use_cases.customers.view(by(MANAGER), "cust-1")
    assert customer.emails == ("ada@example.org",)
    assert cases == []


def test_a_contact_is_logged_once_per_key_and_never_in_the_future(fx: Fakes) -> None:
    fx.use_cases.customers.register(by(MANAGER), {"name": "Ada"}, "cust-1")
    contacts = fx.use_cases.contacts
    entry = ContactEntry(channel=Channel.PHONE, summary="asked again", idempotency_key="k1")
    recorded, contact = contacts.log(by(CALL_HANDLER), "cust-1", entry)
    assert recorded
    assert contact.contact_id == "staff-k1"
    assert contact.at == fx.clock.now
    assert contact.recorded_by == CALL_HANDLER.actor_id
    assert contacts.log(by(CALL_HANDLER), "cust-1", entry)[0] is False
    future = ContactEntry(channel=Channel.PHONE, at=fx.clock.now + timedelta(hours=1))
    with pytest.raises(InvalidInput) as invalid:
        contacts.log(by(CALL_HANDLER), "cust-1", future)
    assert invalid.value.problems == [("at", "a contact cannot be logged in the future")]
    ancient = ContactEntry(channel=Channel.PHONE, at=datetime(1999, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput):
        contacts.log(by(CALL_HANDLER), "cust-1", ancient)
    with pytest.raises(UnknownCustomer):
        contacts.log(by(CALL_HANDLER), "nobody", ContactEntry(channel=Channel.PHONE))


def test_filed_email_words_are_withheld_from_roles_that_may_not_read_them(fx: Fakes) -> None:
    fx.use_cases.customers.register(by(MANAGER), {"name": "Ada"}, "cust-1")
    filed = Contact(
        contact_id="ses-9",
        customer_id="cust-1",
        channel=Channel.EMAIL,
        at=fx.clock.now - timedelta(days=1),
        summary="the words",
        disposition=Disposition.FILED_BLOCKED,
        raw_ref="raw/ses-9",
    )
    fx.store.record_contact(filed, queue_for_reading=True)
    seen = fx.use_cases.contacts.between(by(CALL_HANDLER), "cust-1")
    assert seen.withheld == ["ses-9"]
    assert (seen.contacts[0].summary, seen.contacts[0].raw_ref) == ("", None)
    assert fx.store.audit[-1].detail == "filed-email=withheld"
    full = fx.use_cases.contacts.between(by(SAFEGUARDING), "cust-1")
    assert (full.withheld, full.contacts[0].summary) == ([], "the words")
    assert full.last == date(2026, 12, 1)
    assert full.first == date(2025, 12, 1)
    with pytest.raises(InvalidInput) as invalid:
        fx.use_cases.contacts.between(by(MANAGER), "cust-1", date(2026, 2, 1), date(2026, 1, 1))
    assert (invalid.value.source, invalid.value.problems[0][0]) == ("query", "from")


def test_the_subject_access_export_holds_everything_and_is_audited(fx: Fakes) -> None:
    fx.use_cases.customers.register(by(MANAGER), ADA, "cust-1")
    entry = ContactEntry(channel=Channel.PHONE, idempotency_key="k1")
    fx.use_cases.contacts.log(by(CALL_HANDLER), "cust-1", entry)
    with pytest.raises(NotPermitted):
        fx.use_cases.subject_access.export(by(MANAGER), "cust-1")
    everything = fx.use_cases.subject_access.export(by(DPO, "req-9"), "cust-1")
    assert [c.contact_id for c in everything.contacts] == ["staff-k1"]
    assert everything.exported_at == fx.clock.now
    assert fx.store.audit[-1].operation == Operation.SUBJECT_ACCESS_EXPORT


def test_reading_the_audit_trail_is_itself_recorded(fx: Fakes) -> None:
    fx.use_cases.customers.register(by(MANAGER), ADA, "cust-1")
    trail = fx.use_cases.audit_trail.read(by(DPO, "req-2"), customer_id="cust-1")
    assert [r.operation for r in trail.records] == [
        Operation.REGISTER_CUSTOMER,
        Operation.READ_AUDIT,
    ]
    assert (trail.first, trail.last) == (date(2026, 9, 2), date(2026, 12, 1))
    mine = fx.use_cases.audit_trail.read(by(DPO, "req-3"), actor_id=MANAGER.actor_id)
    assert [r.customer_id for r in mine.records] == ["cust-1"]
    with pytest.raises(InvalidInput):
        fx.use_cases.audit_trail.read(by(DPO), customer_id="a", actor_id="b")
    with pytest.raises(NotPermitted):
        fx.use_cases.audit_trail.read(by(MANAGER), customer_id="cust-1")


def test_a_trail_busier_than_one_reply_says_it_is_incomplete_and_gives_the_oldest(
    fx: Fakes,
) -> None:
    from contactguard.domain.audit import AuditRecord
    from contactguard.usecases.audit import MAX_TRAIL_RECORDS

    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    for n in range(MAX_TRAIL_RECORDS + 1):
        fx.store.record_audit(
            AuditRecord(
                audit_id=f"seeded-{n}",
                at=start + timedelta(seconds=n),
                actor_id="cal",
                role=Role.CALL_HANDLER,
                operation=Operation.LOOKUP,
                customer_id="cust-9",
            )
        )
    busy = fx.use_cases.audit_trail.read(by(DPO), customer_id="cust-9")
    assert not busy.complete
    assert len(busy.records) == MAX_TRAIL_RECORDS
    assert busy.records[0].audit_id == "seeded-0"  # oldest first
    assert busy.records[-1].audit_id == f"seeded-{MAX_TRAIL_RECORDS - 1}"
    narrower = fx.use_cases.audit_trail.read(
        by(DPO), customer_id="cust-9", first=date(2026, 11, 1), last=date(2026, 11, 1)
    )
    assert not narrower.complete  # all 1,001 fall on that one day
    quiet = fx.use_cases.audit_trail.read(by(DPO), actor_id="cal", first=date(2026, 11, 2))
    assert quiet.complete
    assert quiet.records == []
