"""Find a caller: by email address or customer reference, one panel of what applies now, the
lookup audited found or not; the address never in a URL."""

from __future__ import annotations

import re

from tests.staff_console import people
from tests.staff_console.rig import Rig
from tests.unit.builders import CUSTOMER_ID, at, restricted

from contactguard.domain.access import Operation


def main(html: str) -> str:
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found
    return found.group(0)


def channel_row(page: str, channel: str) -> str:
    found = re.search(
        rf'<th scope="row" class="govuk-table__header">{channel}</th>.*?</tr>', page, re.S
    )
    assert found, channel
    return found.group(0)


def test_a_call_handler_finds_a_restricted_caller_by_email_and_sees_what_applies(
    rig: Rig,
) -> None:
    people.customer(rig, CUSTOMER_ID)
    people.story(rig, restricted())  # letters only, from 18 December 2026
    rig.fakes.clock.now = at("2027-01-05")
    browser = rig.browser()
    form = browser.sign_in("cal", ["call-handler"])
    form = browser.get("/console/lookup")
    assert form.title == "Find a caller – Contact restrictions"

    found = browser.submit(form, "/console/lookup", {"caller": " Ada@Example.org "})

    assert found.status == 200
    assert found.title == "What applies to Ada Tenant – Contact restrictions"
    page = main(found.text)
    assert page.count("<h1") == 1
    assert (
        "Restrictions are in force up to and including 17 December 2027 (they end at the start "
        "of 18 December 2027)" in page
    )
    assert "we cannot take their call" in page
    assert (
        "They can contact us by: letter, visits and personal contact, social media. Letters "
        "go to Derby Homes, PO Box 1, Derby DE1 1AA." in page
    )
    assert "Closed" in channel_row(page, "Telephone")
    assert "Closed" in channel_row(page, "Email")
    assert "Letters only: write to Derby Homes" in channel_row(page, "Telephone")
    assert "Open" in channel_row(page, "Letter")
    assert "Not delivered: filed on their record and read by the designated officer" in page
    assert "What the customer has been told in writing" in page
    assert (
        'href="/console/customers/cust-0001/contacts/new?channel=phone">record this call</a>'
        in page
    )
    record = rig.fakes.store.audit[-1]
    assert (record.operation, record.customer_id, record.detail) == (
        Operation.LOOKUP,
        CUSTOMER_ID,
        "by=email found=true",
    )
    assert "ada@example.org" not in found.url  # the address was posted, not put in a URL


def test_a_customer_without_restrictions_is_dealt_with_as_usual(rig: Rig) -> None:
    people.customer(rig)
    browser = rig.browser()
    browser.sign_in("cal", ["call-handler"])

    page = main(browser.get("/console/lookup?customer=cust-0001").text)

    assert "No restrictions are in force. Deal with the caller as usual." in page
    assert "Open" in channel_row(page, "Telephone")
    assert rig.fakes.store.audit[-1].detail == "by=customer_id found=true"


def test_nobody_found_is_said_plainly_and_still_audited(rig: Rig) -> None:
    browser = rig.browser()
    form = browser.sign_in("cal", ["call-handler"])
    form = browser.get("/console/lookup")

    missing = browser.submit(form, "/console/lookup", {"caller": "who@example.org"})

    assert missing.status == 200
    assert "No customer has this email address." in missing.text
    assert 'value="who@example.org"' in missing.text  # kept to correct it
    record = rig.fakes.store.audit[-1]
    assert (record.customer_id, record.detail) == (None, "by=email found=false")
    by_reference = browser.submit(form, "/console/lookup", {"caller": "cust-9999"})
    assert "No customer has this reference." in by_reference.text


def test_bad_input_is_shown_on_the_field_and_in_the_error_summary(rig: Rig) -> None:
    browser = rig.browser()
    browser.sign_in("cal", ["call-handler"])
    form = browser.get("/console/lookup")

    empty = browser.submit(form, "/console/lookup", {"caller": "  "})
    assert empty.status == 400
    assert empty.title.startswith("Error: Find a caller")
    assert (
        '<a href="#caller">Enter the caller&#39;s email address or customer reference</a>'
        in empty.text
    )
    assert 'id="caller-error"' in empty.text

    two_ats = browser.submit(form, "/console/lookup", {"caller": "a@b@example.org"})
    assert two_ats.status == 400
    assert "An email address has exactly one @" in two_ats.text
    assert not [r for r in rig.fakes.store.audit if r.operation is Operation.LOOKUP]


def test_the_data_protection_officer_may_not_look_callers_up(rig: Rig) -> None:
    browser = rig.browser()
    browser.sign_in("dee", ["data-protection-officer"])

    refused = browser.get("/console/lookup")

    assert refused.status == 403
    assert "You cannot see this page" in refused.text
    assert "Find a caller" not in refused.text  # not in the menu either
