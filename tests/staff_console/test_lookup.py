"""Find a caller: by name, email address, postcode or customer reference in one box, one panel
of what applies now, a list to choose from when a name or postcode fits several customers; the
lookup audited found or not; what was searched never in a URL."""

from __future__ import annotations

import re

from tests.staff_console import people
from tests.staff_console.rig import Rig
from tests.unit.builders import CUSTOMER_ID, at, restricted

from contactguard.domain.access import Operation
from contactguard.domain.model import PostalAddress
from contactguard.usecases.lookup import MAX_MATCHES


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
    by_name = browser.submit(form, "/console/lookup", {"caller": "Jane Smith"})
    assert by_name.status == 200
    assert (
        '<div class="govuk-inset-text" id="not-found">No customer has a name with all the words '
        "of “Jane Smith”. Check it with the caller, or search another way: by name, email "
        "address, postcode or customer reference.</div>" in by_name.text
    )
    record = rig.fakes.store.audit[-1]
    assert (record.customer_id, record.detail) == (None, "by=name found=0")
    by_postcode = browser.submit(form, "/console/lookup", {"caller": "ng1 1aa"})
    assert "No customer has an address with the postcode “NG1 1AA”." in by_postcode.text


def test_bad_input_is_shown_on_the_field_and_in_the_error_summary(rig: Rig) -> None:
    browser = rig.browser()
    browser.sign_in("cal", ["call-handler"])
    form = browser.get("/console/lookup")

    empty = browser.submit(form, "/console/lookup", {"caller": "  "})
    assert empty.status == 400
    assert empty.title.startswith("Error: Find a caller")
    assert (
        '<a href="#caller">Enter the caller&#39;s name, email address, postcode or customer '
        "reference</a>" in empty.text
    )
    assert 'id="caller-error"' in empty.text

    two_ats = browser.submit(form, "/console/lookup", {"caller": "a@b@example.org"})
    assert two_ats.status == 400
    assert "An email address has exactly one @" in two_ats.text

    part_postcode = browser.submit(form, "/console/lookup", {"caller": "DE1 1A"})
    assert part_postcode.status == 400
    assert part_postcode.title.startswith("Error: Find a caller")
    assert '<a href="#caller">Enter a full postcode, like DE1 1AA</a>' in part_postcode.text
    assert 'value="DE1 1A"' in part_postcode.text  # kept to correct it
    initials = browser.submit(form, "/console/lookup", {"caller": "J S"})
    assert "Enter a name, not only initials" in initials.text
    assert not [r for r in rig.fakes.store.audit if r.operation is Operation.LOOKUP]


def test_the_data_protection_officer_may_not_look_callers_up(rig: Rig) -> None:
    browser = rig.browser()
    browser.sign_in("dee", ["data-protection-officer"])

    refused = browser.get("/console/lookup")

    assert refused.status == 403
    assert "You cannot see this page" in refused.text
    assert "Find a caller" not in refused.text  # not in the menu either


def smiths(rig: Rig, count: int) -> None:
    """`count` customers called Smith at DE22 3AB, the first (cust-0001) restricted."""
    address = PostalAddress(lines=("2 Low Road",), postcode="de22 3ab")
    for n in range(count):
        held = people.customer(rig, f"cust-{n + 1:04d}", f"Jane Smith {n + 1:02d}x", ())
        rig.fakes.store.put_customer(held.model_copy(update={"address": address}))
    people.story(rig, restricted())
    rig.fakes.clock.now = at("2027-01-05")


def rows(page: str) -> list[list[str]]:
    body = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', page, re.S)
    assert body
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr.*?</tr>", body.group(1), re.S)
    ]


def test_a_name_that_fits_several_customers_lists_them_to_choose_from(rig: Rig) -> None:
    smiths(rig, 3)
    browser = rig.browser()
    browser.sign_in("cal", ["call-handler"])
    form = browser.get("/console/lookup")

    found = browser.submit(form, "/console/lookup", {"caller": "  jane SMITH "})

    assert found.status == 200
    assert found.title == "Choose the caller – Contact restrictions"
    page = main(found.text)
    assert "3 customers match. Check with the caller which one they are" in page
    assert "Customers found by name: jane SMITH</caption>" in page
    assert rows(page) == [
        ["Jane Smith 01x: what applies to them", "DE22 3AB", "cust-0001", "Yes"],
        ["Jane Smith 02x: what applies to them", "DE22 3AB", "cust-0002", "No"],
        ["Jane Smith 03x: what applies to them", "DE22 3AB", "cust-0003", "No"],
    ]
    assert 'href="/console/lookup?customer=cust-0002">Jane Smith 02x<' in page
    assert "More than" not in page
    assert 'value="  jane SMITH "' in page  # the search, to search again
    assert "smith" not in found.url.lower()  # the name was posted, not put in a URL
    records = [r for r in rig.fakes.store.audit if r.operation is Operation.LOOKUP]
    assert [(r.customer_id, r.detail) for r in records] == [
        (f"cust-000{n}", "by=name found=3") for n in (1, 2, 3)
    ]
    chosen = browser.get("/console/lookup?customer=cust-0001")
    assert chosen.title == "What applies to Jane Smith 01x – Contact restrictions"
    assert "Restrictions are in force" in chosen.text


def test_one_customer_found_by_postcode_or_name_is_their_panel_at_once(rig: Rig) -> None:
    people.customer(rig)  # Ada Tenant, DE1 1AA
    browser = rig.browser()
    browser.sign_in("cal", ["call-handler"])
    form = browser.get("/console/lookup")

    by_postcode = browser.submit(form, "/console/lookup", {"caller": "de11aa"})
    by_name = browser.submit(form, "/console/lookup", {"caller": "Tenant"})

    for found in (by_postcode, by_name):
        assert found.title == "What applies to Ada Tenant – Contact restrictions"
        assert "No restrictions are in force. Deal with the caller as usual." in found.text
    details = [r.detail for r in rig.fakes.store.audit if r.operation is Operation.LOOKUP]
    assert details == [
        "by=postcode found=1",
        "by=customer_id found=true",
        "by=name found=1",
        "by=customer_id found=true",
    ]


def test_more_customers_than_the_list_holds_are_said_and_the_search_narrowed(rig: Rig) -> None:
    smiths(rig, MAX_MATCHES + 2)
    browser = rig.browser()
    browser.sign_in("cal", ["call-handler"])
    form = browser.get("/console/lookup")

    found = browser.submit(form, "/console/lookup", {"caller": "DE22 3AB"})

    page = main(found.text)
    assert (
        f"More than {MAX_MATCHES} customers match, so only the first {MAX_MATCHES} are shown. "
        "Narrow your search: search by name or email address." in page
    )
    assert len(rows(page)) == MAX_MATCHES
    assert rows(page)[-1][2] == f"cust-00{MAX_MATCHES}"
    by_name = main(browser.submit(form, "/console/lookup", {"caller": "Smith"}).text)
    assert "Narrow your search: add a first name, or search by postcode." in by_name
    people.customer(rig, "cust-0099", "Zara Smith", ())
    narrowed = browser.submit(form, "/console/lookup", {"caller": "zara smith"})
    assert narrowed.title == "What applies to Zara Smith – Contact restrictions"
