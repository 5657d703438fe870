"""Rectification and erasure (UK GDPR Articles 16 and 17), over in-memory ports: who may, what
is recorded first, what is refused and why, what the receipt says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from builders import (
    CALL_HANDLER,
    DPO,
    HEAD,
    MANAGER,
    at,
    lapsed,
    restrictions_decided,
)

from contactguard.domain.access import Operation
from contactguard.domain.case import Case, CaseStatus
from contactguard.domain.errors import NotPermitted, RuleViolation
from contactguard.domain.model import Channel, Contact, Customer, Disposition, RaisedSignal
from contactguard.domain.personal_data import (
    CorrectedField,
    Correction,
    ErasedSubject,
    cases_needing_data,
    corrections,
    hashed_address,
)
from contactguard.domain.retention import RetentionSchedule
from contactguard.ports import EmailAlreadyClaimed
from contactguard.usecases import Request
from contactguard.usecases.errors import AuditUnavailable, InvalidInput, UnknownCustomer
from fakes import Fakes, FixedClock, fake_use_cases

ADA = {
    "name": "Ada Exampel",
    "emails": ["ada@example.org", "ada.work@example.org"],
    "address": {"lines": ["1 High Street"], "postcode": "DE1 1AA"},
}
NOW = at("2026-12-01")


def by(actor: object, request_id: str = "req-1") -> Request:
    return Request(actor=actor, request_id=request_id)  # type: ignore[arg-type]


@pytest.fixture
def fx() -> Fakes:
    fx = fake_use_cases(clock=FixedClock(NOW))
    fx.use_cases.customers.register(by(MANAGER, "req-0"), ADA, "cust-1")
    fx.store.audit.clear()
    return fx


def email_from(address: str, contact_id: str, customer_id: str | None = None) -> Contact:
    return Contact(
        contact_id=contact_id,
        customer_id=customer_id,
        channel=Channel.EMAIL,
        at=NOW - timedelta(days=3),
        disposition=Disposition.ACCEPTED if customer_id else Disposition.UNMATCHED,
        source_address=address,
        raw_ref=f"raw-{contact_id}",
    )


# Rectification ------------------------------------------------------------------------------


def test_corrections_name_each_value_replaced_and_nothing_else() -> None:
    before = Customer.model_validate({**ADA, "customer_id": "c"})
    after = before.model_copy(update={"name": "Ada Example", "emails": ("ada@example.org",)})
    assert corrections(before, after) == (
        Correction(field=CorrectedField.NAME, previous="Ada Exampel"),
        Correction(field=CorrectedField.EMAIL, previous="ada.work@example.org"),
    )
    assert corrections(before, before) == ()


@pytest.mark.policy("design-rectification")
def test_a_correction_is_audited_first_with_the_old_values_and_the_customer_holds_the_new(
    fx: Fakes,
) -> None:
    fx.store.record_contact(email_from("ada.home@example.org", "early"))
    fixed = fx.use_cases.customers.correct(
        by(MANAGER),
        "cust-1",
        {
            "name": "Ada Example",
            "address": {"lines": ["1 High Street", "Derby"], "postcode": "DE1 1AA"},
            "wrong_email": "ada.work@example.org",
            "right_email": "Ada.Home@example.org",
        },
    )
    assert fixed.fields == ("name", "address", "email")
    assert fixed.attributed == 1  # earlier mail from the right address is hers now
    held = fx.store.get_customer("cust-1")
    assert held is not None
    assert held.name == "Ada Example"
    assert held.emails == ("ada@example.org", "ada.home@example.org")  # in the wrong one's place
    assert fx.store.customer_id_for_email("ada.work@example.org") is None
    assert fx.store.customer_id_for_email("ada.home@example.org") == "cust-1"
    (record,) = fx.store.audit
    assert record.operation is Operation.RECTIFY_CUSTOMER
    assert record.detail == "corrected=name,address,email"
    assert [(c.field.value, c.previous) for c in record.corrected] == [
        ("name", "Ada Exampel"),
        ("address", "1 High Street, DE1 1AA"),
        ("email", "ada.work@example.org"),
    ]
    logged = repr(fx.log.lines)
    assert "Exampel" not in logged
    assert "ada.work" not in logged


def test_who_may_correct_and_what_is_refused_before_anything_is_recorded(fx: Fakes) -> None:
    correct = fx.use_cases.customers.correct
    with pytest.raises(NotPermitted) as refused:
        correct(by(CALL_HANDLER), "cust-1", {"name": "Ada Example"})
    assert refused.value.rule == "rectification-deciders"
    with pytest.raises(InvalidInput):
        correct(by(MANAGER), "cust-1", {})  # nothing named
    with pytest.raises(InvalidInput):
        correct(by(MANAGER), "cust-1", {"wrong_email": "ada@example.org"})  # no right one
    with pytest.raises(InvalidInput) as wrong:
        correct(
            by(MANAGER),
            "cust-1",
            {"wrong_email": "someone@example.org", "right_email": "x@example.org"},
        )
    assert wrong.value.problems == [("wrong_email", "not one of this customer's addresses")]
    with pytest.raises(InvalidInput):
        correct(by(MANAGER), "cust-1", {"name": "Ada Exampel"})  # what is held already
    with pytest.raises(InvalidInput):
        correct(by(MANAGER), "cust-1", {"name": "Ada\nExample"})  # single-line
    assert fx.store.audit == []


def test_an_address_another_customer_holds_is_not_taken_by_a_correction(fx: Fakes) -> None:
    fx.use_cases.customers.register(
        by(MANAGER, "req-b"), {"name": "Bo", "emails": ["bo@example.org"]}, "cust-2"
    )
    fx.store.audit.clear()
    change = {"wrong_email": "ada.work@example.org", "right_email": "bo@example.org"}
    with pytest.raises(EmailAlreadyClaimed):
        fx.use_cases.customers.correct(by(DPO), "cust-1", change)
    assert fx.store.audit == []
    assert fx.store.customer_id_for_email("bo@example.org") == "cust-2"
    assert fx.store.customer_id_for_email("ada.work@example.org") == "cust-1"


# Erasure ------------------------------------------------------------------------------------


def closed_case(case_id: str, closed: datetime) -> Case:
    return Case(
        case_id=case_id,
        customer_id="cust-1",
        status=CaseStatus.CLOSED,
        version=3,
        opened_at=closed - timedelta(days=60),
        closed_at=closed,
    )


def test_a_case_needs_the_data_while_open_and_for_its_retention_after_closing() -> None:
    open_case = closed_case("open", NOW).model_copy(
        update={"status": CaseStatus.CONCERN, "closed_at": None}
    )
    recent = closed_case("recent", NOW - timedelta(days=365 * 5))
    expired = closed_case("expired", datetime(2020, 11, 30, 10, tzinfo=UTC))
    schedule = RetentionSchedule.of()
    assert cases_needing_data([open_case, recent, expired], NOW, schedule) == [open_case, recent]
    assert cases_needing_data([expired], NOW, schedule) == []
    assert cases_needing_data([expired], NOW, RetentionSchedule.of(case_years=7)) == [expired]


def test_a_lapsed_or_never_sent_case_ends_and_then_stops_needing_the_data() -> None:
    """The same rule that stamps a case's records' expiry (RetentionSchedule.case_expiry): a
    case never closed but lapsed, or decided with its letter never sent, has ended, and once its
    six years after that have passed it is no reason to refuse erasure."""
    schedule = RetentionSchedule.of()
    for case in (lapsed().current, restrictions_decided().current):
        ends = schedule.case_expiry(case, case.opened_at + timedelta(days=3000))
        assert ends is not None
        assert cases_needing_data([case], ends - timedelta(seconds=1), schedule) == [case]
        assert cases_needing_data([case], ends, schedule) == []


@pytest.mark.policy("design-erasure")
def test_erasing_a_customer_removes_everything_of_theirs_and_says_so_in_the_receipt(
    fx: Fakes,
) -> None:
    mine = email_from("ada@example.org", "m1", "cust-1")
    fx.store.record_contact(mine, queue_for_reading=True)
    fx.store.record_contact(email_from("ada.work@example.org", "before"))  # never attributed
    fx.store.record_contact(email_from("other@example.org", "theirs"))
    fx.store.record_signal(
        RaisedSignal(
            customer_id="cust-1", contact_id="m1", signal="volume", at=NOW, channel=Channel.EMAIL
        )
    )
    fx.store.auto_replied.add("cust-1")
    fx.objects.messages.update({"raw-m1": b"x", "raw-before": b"y", "raw-theirs": b"z"})
    fx.objects.staged["raw-m1"] = 2
    fx.objects.exports["cust-1"] = 1  # a subject access zip made of her

    receipt = fx.use_cases.erasure.erase_customer(by(DPO, "req-e"), "cust-1")

    assert receipt.subject is ErasedSubject.CUSTOMER
    assert (receipt.customer_id, receipt.erased_by, receipt.erased_at) == (
        "cust-1",
        DPO.actor_id,
        NOW,
    )
    assert receipt.erased == {
        "table": {
            "contact": 2,
            "contact-key": 2,
            "read-queue": 1,
            "signal": 1,
            "auto-reply-ledger": 1,
            "email": 2,
            "customer": 1,
        },
        "raw-mail": {"message": 2, "staged-attachment": 2},
        "letters": {},
        "exports": {"subject-access-zip": 1},
    }
    assert fx.store.receipts == [receipt]
    assert fx.store.get_customer("cust-1") is None
    assert fx.store.customer_id_for_email("ada@example.org") is None
    assert set(fx.store.contacts_by_id) == {"theirs"}
    assert set(fx.objects.messages) == {"raw-theirs"}
    (record,) = fx.store.audit  # written before anything was deleted
    assert (record.operation, record.customer_id, record.detail) == (
        Operation.ERASE_PERSONAL_DATA,
        "cust-1",
        "erase=customer",
    )


@pytest.mark.policy("design-erasure-case-history")
def test_a_customer_is_not_erased_while_a_case_needs_their_data(fx: Fakes) -> None:
    fx.store.cases_by_id["case-9"] = closed_case("case-9", NOW - timedelta(days=30))
    fx.objects.messages["raw-m1"] = b"x"
    fx.store.record_contact(email_from("ada@example.org", "m1", "cust-1"))

    with pytest.raises(RuleViolation) as refused:
        fx.use_cases.erasure.erase_customer(by(DPO), "cust-1")

    assert refused.value.rule == "design-erasure-case-history"
    assert refused.value.message.startswith(
        "this customer cannot be erased: case case-9 still needs their data"
    )
    assert fx.store.get_customer("cust-1") is not None
    assert "m1" in fx.store.contacts_by_id
    assert fx.objects.messages == {"raw-m1": b"x"}
    assert fx.store.receipts == []


def test_a_case_past_its_retention_is_erased_with_the_customer_and_its_letters(
    fx: Fakes,
) -> None:
    fx.store.cases_by_id["old"] = closed_case("old", datetime(2019, 1, 1, tzinfo=UTC))
    fx.objects.letter_versions["old"] = 3
    receipt = fx.use_cases.erasure.erase_customer(by(DPO), "cust-1")
    assert receipt.erased["letters"] == {"letter-version": 3}
    assert receipt.erased["table"]["case"] == 1
    assert fx.store.cases_by_id == {}


def test_only_the_data_protection_officer_erases_and_no_record_means_no_erasure(
    fx: Fakes,
) -> None:
    for actor in (MANAGER, HEAD, CALL_HANDLER):
        with pytest.raises(NotPermitted) as refused:
            fx.use_cases.erasure.erase_customer(by(actor), "cust-1")
        assert refused.value.rule == "data-protection-officer"
    with pytest.raises(UnknownCustomer):
        fx.use_cases.erasure.erase_customer(by(DPO), "cust-404")
    fx.store.audit_down = True
    with pytest.raises(AuditUnavailable):
        fx.use_cases.erasure.erase_customer(by(DPO), "cust-1")
    assert fx.store.get_customer("cust-1") is not None


@pytest.mark.policy("design-erasure-address-claimed")
def test_a_sender_s_mail_is_erased_unless_a_customer_holds_the_address(fx: Fakes) -> None:
    fx.store.record_contact(email_from("stranger@example.net", "s1"))
    fx.store.record_contact(email_from("stranger@example.net", "s2"))
    fx.objects.messages.update({"raw-s1": b"x", "raw-s2": b"y"})

    with pytest.raises(RuleViolation) as refused:
        fx.use_cases.erasure.erase_sender(by(DPO), "ADA@example.org")
    assert refused.value.rule == "design-erasure-address-claimed"
    receipt = fx.use_cases.erasure.erase_sender(by(DPO, "req-s"), "Stranger@Example.net")

    assert receipt.subject is ErasedSubject.SENDER
    assert receipt.sender == hashed_address("stranger@example.net")
    assert receipt.customer_id is None
    assert receipt.erased == {
        "table": {"contact": 2, "contact-key": 2},
        "raw-mail": {"message": 2},
    }
    assert "stranger" not in receipt.model_dump_json()
    assert fx.store.contacts_by_id == {}
    assert fx.objects.messages == {}
    with pytest.raises(InvalidInput):
        fx.use_cases.erasure.erase_sender(by(DPO), "not an address")
