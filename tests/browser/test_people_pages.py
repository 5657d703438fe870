"""The home dashboard, caller lookup, customer and read queue pages in Chromium: each free of
axe-core violations (WCAG 2.2 A/AA), with its error state, and a form sent without
JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect
from tests.browser.conftest import Console, axe, shoot

from contactguard.domain.case import RaiseConcern, RecordLetterDrafted
from contactguard.domain.model import (
    Actor,
    Behaviour,
    Channel,
    Contact,
    Customer,
    Disposition,
    PostalAddress,
    RaisedSignal,
    Role,
)

CUSTOMER = "cust-browser"


@pytest.fixture(scope="module")
def seeded(console: Console) -> Console:
    """A customer with a drafted concern letter (three days old) and a filed email."""
    stack = console.stack
    now = stack.clock()
    stack.store.put_customer(
        Customer(
            customer_id=CUSTOMER,
            name="Ada Browser",
            emails=("ada.browser@example.org",),
            address=PostalAddress(lines=("1 High Street", "Derby"), postcode="DE1 1AA"),
        )
    )
    manager = Actor(actor_id="sam", role=Role.SERVICE_MANAGER, name="Sam Manager")
    raised = RaiseConcern(
        case_id="case-browser",
        customer_id=CUSTOMER,
        behaviours=(Behaviour.SCATTERGUN,),
        note="the same complaint through every route",
    )
    case = stack.cases.open_case(raised, manager, now - timedelta(days=3)).case
    drafted = RecordLetterDrafted(
        letter_id=case.letters[0].letter_id, version=1, s3_key="letters/case-browser/v1.docx"
    )
    stack.cases.act("case-browser", drafted, Actor.system("letters"), now - timedelta(days=3))
    filed = Contact(
        contact_id="ses-browser-1",
        customer_id=CUSTOMER,
        channel=Channel.EMAIL,
        at=now - timedelta(hours=2),
        summary="About the repair, again",
        flags=("attachment:application/pdf",),
        disposition=Disposition.FILED_BLOCKED,
        raw_ref="ses-browser-1",
    )
    stack.store.record_contact(filed, queue_for_reading=True)
    stored = EmailMessage()
    stored["From"], stored["Subject"] = "ada.browser@example.org", filed.summary
    stored.set_content(
        "Dear Housing,\n\nThe kitchen tap has leaked since June. I have written four times.\n"
        "A photo of the damage is attached.\n\nAda\n"
    )
    stored.add_attachment(b"%PDF-1.4\n", maintype="application", subtype="pdf", filename="tap.pdf")
    env = stack.functions["IngestFunction"]["env"]
    stack.s3.put_object(
        Bucket=env["CONTACTGUARD_RAW_MAIL_BUCKET"],
        Key=env["CONTACTGUARD_RAW_MAIL_PREFIX"] + filed.contact_id,
        Body=stored.as_bytes(),
    )
    stack.store.record_signal(
        RaisedSignal(
            customer_id=CUSTOMER,
            contact_id="call-browser-6",
            signal="volume-day",
            at=now - timedelta(hours=1),
            channel=Channel.PHONE,
        )
    )
    return console


def test_a_managers_dashboard_and_a_customers_page(seeded: Console, page: Page) -> None:
    seeded.sign_in(page, "sam", ["service-manager"], "Sam Manager")
    expect(page.get_by_role("heading", name="Letters to check and send")).to_be_visible()
    expect(page.get_by_role("heading", name="Signals for your judgement")).to_be_visible()
    axe(page)
    shoot(page, "home-dashboard-service-manager")

    page.get_by_role("link", name=re.compile("^Consider the signal")).click()
    expect(page).to_have_title("A signal for your judgement – Contact restrictions")
    axe(page)
    shoot(page, "signal")
    page.get_by_label("What you decided (optional)").fill("A genuine repair problem: no action")
    page.get_by_role("button", name="Record that you considered it").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Considered")
    expect(page.locator("main")).to_contain_text("No signals are waiting for your judgement.")
    axe(page)

    page.get_by_role("link", name="Ada Browser").first.click()
    expect(page).to_have_title("Ada Browser – Contact restrictions")
    axe(page)
    shoot(page, "customer")

    page.get_by_role("link", name="Record a contact").click()
    page.get_by_role("button", name="Record the contact").click()
    expect(page).to_have_title("Error: Record a contact – Contact restrictions")
    axe(page)
    shoot(page, "customer-contact-error")

    page.goto(f"{seeded.url}/console/customers/{CUSTOMER}/concern")
    axe(page)
    page.goto(f"{seeded.url}/console/customers/{CUSTOMER}/emails/new")
    axe(page)
    page.goto(f"{seeded.url}/console/customers/{CUSTOMER}/letter-format")
    axe(page)


def test_a_call_handler_finds_a_caller(seeded: Console, page: Page) -> None:
    seeded.sign_in(page, "cal", ["call-handler"], "Cal Handler")
    page.get_by_role("link", name="Find a caller", exact=True).click()
    page.get_by_role("button", name="Find").click()
    expect(page).to_have_title("Error: Find a caller – Contact restrictions")
    axe(page)
    page.get_by_label("Name, email address, postcode or customer reference").fill(
        "ada.browser@example.org"
    )
    page.get_by_role("button", name="Find").click()
    expect(page).to_have_title("What applies to Ada Browser – Contact restrictions")
    axe(page)
    shoot(page, "lookup-panel")


def test_the_designated_officer_reads_a_filed_email(seeded: Console, page: Page) -> None:
    seeded.sign_in(page, "sage", ["safeguarding-lead"], "Sage Guard")
    page.get_by_role("link", name="Read queue").click()
    expect(page).to_have_title("Filed emails waiting to be read – Contact restrictions")
    axe(page)
    shoot(page, "read-queue")
    page.get_by_role("link", name="Read the email received").first.click()
    expect(page).to_have_title("Read a filed email – Contact restrictions")
    expect(page.locator(".cg-email-text")).to_contain_text("The kitchen tap has leaked")
    axe(page)
    shoot(page, "read-queue-email")
    page.get_by_role("button", name="Record the read").click()
    expect(page).to_have_title("Error: Read a filed email – Contact restrictions")
    axe(page)
    shoot(page, "read-queue-email-error")


def test_a_contact_is_recorded_without_javascript(seeded: Console, no_js_page: Page) -> None:
    page = no_js_page
    seeded.sign_in(page, "cal", ["call-handler"], "Cal Handler")
    page.goto(f"{seeded.url}/console/customers/{CUSTOMER}/contacts/new")
    page.get_by_label("Phone call").check()
    page.get_by_label("What was it about?").fill("Rang about the repair")
    page.get_by_role("button", name="Record the contact").click()
    expect(page.get_by_text("Phone call recorded")).to_be_visible()
    expect(page.get_by_text("Rang about the repair")).to_be_visible()


def test_immediate_restrictions_from_the_customers_page(seeded: Console, page: Page) -> None:
    """A customer with no open case: the Head of Service opens one with immediate
    restrictions (the seeded customer's case is a concern, so a second customer)."""
    stack = seeded.stack
    stack.store.put_customer(Customer(customer_id="cust-extreme", name="Eve Extreme"))
    seeded.sign_in(page, "hana", ["head-of-service"], "Hana Head")
    page.goto(f"{seeded.url}/console/customers/cust-extreme")
    page.get_by_role("link", name=re.compile("^Impose immediate restrictions")).click()
    expect(page).to_have_title(
        "Impose immediate restrictions on Eve Extreme – Contact restrictions"
    )
    axe(page)
    shoot(page, "immediate-restrictions")
    page.get_by_role("button", name="Impose restrictions").click()
    expect(page).to_have_title(
        "Error: Impose immediate restrictions on Eve Extreme – Contact restrictions"
    )
    axe(page)


def test_the_data_protection_officer_erases_a_customer(seeded: Console, page: Page) -> None:
    """The confirmation page, its error, the receipt, and the page for a customer a case still
    needs: each free of axe violations, each reflowing."""
    seeded.stack.store.put_customer(
        Customer(customer_id="cust-erasable", name="Eve Erasable", emails=("eve@example.org",))
    )
    seeded.sign_in(page, "dee", ["data-protection-officer"], "Dee Officer")
    page.goto(f"{seeded.url}/console/customers/{CUSTOMER}/erasure")
    expect(page.get_by_text("cannot be erased while a case needs their data")).to_be_visible()
    axe(page)
    page.goto(f"{seeded.url}/console/customers/cust-erasable")
    page.get_by_role("link", name="Erase this customer (on their request)").click()
    axe(page)
    shoot(page, "customer-erasure")
    page.get_by_role("button", name="Erase this customer").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the customer reference")
    axe(page)
    page.get_by_label("To confirm, enter the customer reference cust-erasable").fill(
        "cust-erasable"
    )
    page.get_by_role("button", name="Erase this customer").click()
    expect(page.get_by_role("heading", name="Customer erased")).to_be_visible()
    axe(page)
    shoot(page, "customer-erasure-receipt")
    assert seeded.stack.store.get_customer("cust-erasable") is None
