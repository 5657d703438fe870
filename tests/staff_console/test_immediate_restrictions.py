"""Immediate restrictions for a customer with no case (policy s.4: extreme behaviour or a
threat to staff, no prior warning): the Head of Service opens the case from the customer's
page with the Step 2 form, immediate only; in force at once."""

from __future__ import annotations

import re

from tests.staff_console import people
from tests.staff_console.case_seeds import HEAD, MANAGER, signed_in
from tests.staff_console.rig import Page, Rig
from tests.staff_console.test_case_decisions import STEP_2
from tests.staff_console.test_case_page import text

from contactguard.domain.case import CaseStatus, DecisionKind

CUSTOMER = "/console/customers/cust-0001"
FORM = CUSTOMER + "/immediate-restrictions"
AT_ONCE = {
    **{k: v for k, v in STEP_2.items() if k != "immediate"},
    "immediate_reason": "threatened to harm a named officer at the office",
    "police_or_legal_action": "reported to the police",
}
LINK = 'href="/console/customers/cust-0001/immediate-restrictions"'


def new_case_id(form: Page) -> dict[str, str]:
    """The new case's id the form carries (so the form sent twice opens one case)."""
    found = re.search(r'name="case_id" value="(case-[0-9a-f]{12})"', form.text)
    assert found
    return {"case_id": found.group(1)}


def test_the_head_of_service_imposes_restrictions_at_once_on_a_customer_with_no_case(
    rig: Rig,
) -> None:
    people.customer(rig)
    browser = signed_in(rig, HEAD)
    assert LINK in browser.get(CUSTOMER).text
    form = browser.get(FORM)
    assert form.status == 200
    assert form.title == "Impose immediate restrictions on Ada Tenant – Contact restrictions"
    assert "Back to the customer" in form.text
    assert 'name="immediate" value="yes"' in form.text  # never a choice here

    done = browser.submit(form, FORM, {**AT_ONCE, **new_case_id(form)})

    assert done.status == 200
    assert done.url.startswith("/console/cases/case-")
    assert "Restrictions imposed: they are in force now." in text(done)
    (case,) = rig.fakes.store.cases_by_id.values()
    assert case.customer_id == "cust-0001"
    assert case.status is CaseStatus.RESTRICTED
    assert case.decision is not None
    assert case.decision.kind is DecisionKind.IMMEDIATE
    assert case.decision.immediate_reason == AT_ONCE["immediate_reason"]
    again = browser.submit(form, FORM, {**AT_ONCE, **new_case_id(form)})  # sent twice: one case
    assert "These restrictions were already imposed" in text(again)
    assert len(rig.fakes.store.cases_by_id) == 1
    assert LINK not in browser.get(CUSTOMER).text  # an open case: decide on it instead
    assert browser.get(FORM).status == 409


def test_without_the_reason_it_is_extreme_nothing_is_imposed(rig: Rig) -> None:
    people.customer(rig)
    browser = signed_in(rig, HEAD)
    form = browser.get(FORM)

    refused = browser.submit(form, FORM, {**AT_ONCE, **new_case_id(form), "immediate_reason": ""})

    assert refused.status == 400
    assert refused.title.startswith("Error: Impose immediate restrictions")
    assert 'href="#immediate_reason"' in refused.text
    assert not rig.fakes.store.cases_by_id


def test_a_service_manager_raises_a_concern_instead(rig: Rig) -> None:
    people.customer(rig)
    browser = signed_in(rig, MANAGER)
    assert LINK not in browser.get(CUSTOMER).text
    assert browser.get(FORM).status == 403
