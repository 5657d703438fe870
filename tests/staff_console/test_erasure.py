"""Erasing a customer at the console (UK GDPR Art. 17): the data protection officer's, after
a page that says what goes and asks for the reference again; the receipt; a refusal while a
case needs the data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.staff_console import people
from tests.staff_console.rig import Rig
from tests.staff_console.test_customer import CUSTOMER, labelled, main, signed_in

from contactguard.domain.case import Case, CaseStatus


@pytest.mark.policy("design-erasure")
def test_the_data_protection_officer_erases_a_customer_once_confirmed(rig: Rig) -> None:
    people.customer(rig)
    rig.fakes.objects.messages["raw-1"] = b"x"
    browser = signed_in(rig, "data-protection-officer", "dee")
    assert "Erase this customer (on their request)" in browser.get(CUSTOMER).text
    form = browser.get(CUSTOMER + "/erasure")
    assert form.status == 200
    assert form.title == "Erase this customer – Contact restrictions"
    labelled(form)
    assert "Erasing cannot be undone." in form.text

    wrong = browser.submit(form, CUSTOMER + "/erasure", {"confirm": "cust-0002"})
    assert wrong.status == 400
    assert "Enter the customer reference cust-0001 to confirm" in wrong.text
    assert rig.fakes.store.get_customer("cust-0001") is not None

    done = browser.submit(wrong, CUSTOMER + "/erasure", {"confirm": "cust-0001"})

    assert done.status == 200
    assert done.title == "Customer erased – Contact restrictions"
    (receipt,) = rig.fakes.store.receipts
    assert receipt.receipt_id in done.text
    assert "Customer reference cust-0001 was erased" in main(done.text)
    assert "Ada Tenant" not in main(done.text)
    assert rig.fakes.store.get_customer("cust-0001") is None
    assert rig.fakes.store.customer_id_for_email("ada@example.org") is None
    assert browser.get(CUSTOMER).status == 404


def test_only_the_data_protection_officer_sees_the_erasure_page(rig: Rig) -> None:
    people.customer(rig)
    for role in ("service-manager", "head-of-service", "call-handler"):
        browser = signed_in(rig, role)
        assert "/erasure" not in browser.get(CUSTOMER).text
        assert browser.get(CUSTOMER + "/erasure").status == 403


@pytest.mark.policy("design-erasure-case-history")
def test_a_customer_with_a_case_is_not_offered_erasure_and_a_forced_post_is_refused(
    rig: Rig,
) -> None:
    people.customer(rig)
    opened = datetime(2026, 11, 2, 10, tzinfo=UTC)
    case = Case(
        case_id="case-7",
        customer_id="cust-0001",
        status=CaseStatus.CONCERN,
        version=1,
        opened_at=opened,
    )
    rig.fakes.store.commit(case, (), expected_version=None)
    browser = signed_in(rig, "data-protection-officer", "dee")
    page = browser.get(CUSTOMER + "/erasure")
    assert page.status == 200
    assert "cannot be erased while a case needs their data" in page.text
    assert 'name="confirm"' not in page.text

    refused = browser.submit(page, CUSTOMER + "/erasure", {"confirm": "cust-0001"})

    assert refused.status == 409
    assert "case case-7 still needs their data" in refused.text
    assert "design-erasure-case-history" in refused.text
    assert rig.fakes.store.get_customer("cust-0001") is not None
