"""Staff journeys through the console in Chromium, on the embedded stack served by
`contactguard serve`: each page on the way checked with axe-core and photographed, each
journey run with JavaScript on, with it off, and by keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from email.message import EmailMessage

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.browser.conftest import Console, axe, shoot

from contactguard.domain.calendar import LONDON, london_date
from contactguard.domain.case import DOCX_TYPE, Behaviour, LogAppeal, MarkLetterSent, RaiseConcern
from contactguard.domain.model import (
    Actor,
    Contact,
    Customer,
    PostalAddress,
    Role,
)
from contactguard.domain.policy import Policy
from contactguard_local.examples import immediate_restrictions

MANAGER = Actor(actor_id="seed-sm", role=Role.SERVICE_MANAGER)
MODES = ["javascript", "no-javascript", "keyboard"]


def _concern(console: Console, case_id: str) -> None:
    """A customer and a Step 1 concern, its letter drafted by the letters function."""
    stack = console.stack
    stack.store.put_customer(
        Customer(
            customer_id=case_id,
            name="Alex Tenant",
            address=PostalAddress(lines=("1 Example Street",), postcode="DE1 1AA"),
        )
    )
    command = RaiseConcern(
        case_id=case_id,
        customer_id=case_id,
        behaviours=(Behaviour.SCATTERGUN,),
        note="the same complaint through every route",
    )
    stack.cases.open_case(command, MANAGER, stack.clock())
    stack.pump_streams()


def _recent_contacts(console: Console, customer_id: str) -> list[Contact]:
    now = console.stack.clock()
    window = (now - timedelta(days=1), now + timedelta(minutes=1))
    return list(console.stack.store.contacts(customer_id, *window))


def _check(page: Page, mode: str) -> None:
    """axe-core on the page (it runs as script: with JavaScript off the same pages were
    checked in the JavaScript run)."""
    if mode != "no-javascript":
        axe(page)


def _press(page: Page, mode: str, name: str | re.Pattern[str], role: str = "button") -> None:
    """Activate a control as the mode's person would: a click, or Tab to it and Enter."""
    control = page.get_by_role(role, name=name, exact=isinstance(name, str))  # type: ignore[arg-type]
    if mode == "keyboard":
        control.focus()
        expect(control).to_be_focused()
        page.keyboard.press("Enter")
    else:
        control.click()


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def tab(mode: str, browser: Browser) -> Iterator[Page]:
    """A page as the mode's person has it: JavaScript on, or off."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=mode != "no-javascript"
    )
    opened = context.new_page()
    yield opened
    context.close()


def test_a_manager_marks_a_drafted_letter_sent(console: Console, mode: str, tab: Page) -> None:
    case_id = f"journey-letter-{mode}"
    _concern(console, case_id)
    console.sign_in(tab, "sam", ["service-manager"], "Sam Manager")
    tab.goto(f"{console.url}/console/cases/{case_id}")
    expect(tab.get_by_role("heading", level=1)).to_contain_text(case_id)
    _check(tab, mode)
    if mode == "javascript":
        shoot(tab, "case-concern")
    _press(tab, mode, re.compile(r"^Mark as sent\W+Concern letter"), role="link")
    expect(tab.get_by_role("heading", level=1)).to_be_visible()
    _check(tab, mode)
    # Step 1: the version posted (changed from the draft), straight to the bucket (locally,
    # the serve's stand-in for S3), which sends the browser back here with its key.
    tab.locator("#file").set_input_files(
        {"name": "Letter as posted.docx", "mimeType": DOCX_TYPE, "buffer": b"PK\x03\x04 posted"}
    )
    _press(tab, mode, "Upload")
    expect(tab.locator("#uploaded")).to_contain_text("Uploaded: Letter as posted.docx")
    _check(tab, mode)
    today = datetime.now(LONDON).date()
    for part, value in (("day", today.day), ("month", today.month), ("year", today.year)):
        tab.locator(f"#sent_on-{part}").fill(str(value))
    if mode == "javascript":
        shoot(tab, "letter-sent-form")
    _press(tab, mode, "Mark as sent")
    banner = tab.locator(".govuk-notification-banner--success")
    expect(banner).to_be_visible()
    _check(tab, mode)
    letters = tab.get_by_role("region", name="Letters on this case, oldest first")
    expect(letters).to_contain_text("Final version kept: Letter as posted.docx")
    expect(
        letters.get_by_role("link", name=re.compile("^Download the version sent"))
    ).to_be_visible()
    case = console.stack.store.get_case(case_id)
    assert case is not None
    assert [letter.status.value for letter in case.letters] == ["sent"]
    (letter,) = case.letters
    assert letter.sent_key is not None
    kept = console.stack.s3.get_object(
        Bucket=console.stack.names["LettersBucket"], Key=letter.sent_key
    )
    assert kept["Body"].read() == b"PK\x03\x04 posted"


def _customer_with_filed_email(
    console: Console, customer_id: str, name: str = "Alex Tenant"
) -> None:
    """A customer with immediate letters-only restrictions decided, and an email of theirs
    (with a photo attached) through SES's stand-in and ingest, which files it for the
    designated officer."""
    stack = console.stack
    address = f"{customer_id}@example.org"
    stack.store.put_customer(
        Customer(
            customer_id=customer_id,
            name=name,
            emails=(address,),
            address=PostalAddress(lines=("1 Example Street",), postcode="DE1 1AA"),
        )
    )
    head = Actor(actor_id="seed-hos", role=Role.HEAD_OF_SERVICE)
    stack.cases.open_case(
        immediate_restrictions(f"{customer_id}-case", customer_id), head, stack.clock()
    )
    stack.pump_streams()
    stack.advance(stack.clock() + timedelta(minutes=5))  # in force from after the decision
    email = EmailMessage()
    email["From"], email["To"] = address, "housing@example.org"
    email["Subject"] = "The boiler is still broken"
    email.set_content("It has been broken for three weeks now.\nPlease send someone.\n")
    email.add_attachment(b"\x89PNG photo", maintype="image", subtype="png", filename="boiler.png")
    stack.deliver_email(email.as_bytes(), address, str(email["Subject"]))
    (filed,) = [
        c
        for c in _recent_contacts(console, customer_id)
        if c.channel.value == "email" and c.direction.value == "inbound"  # not the auto-reply
    ]
    assert filed.disposition.value == "filed-blocked"  # never delivered to staff


# A surname of the journey's own in each mode (the stack is shared): two customers have it.
SURNAMES = {"javascript": "Quill", "no-javascript": "Quarrie", "keyboard": "Quenby"}


def test_a_call_handler_looks_a_caller_up(console: Console, mode: str, tab: Page) -> None:
    customer_id, surname = f"journey-lookup-{mode}", SURNAMES[mode]
    _customer_with_filed_email(console, customer_id, f"Alex {surname}")
    console.stack.store.put_customer(
        Customer(
            customer_id=f"{customer_id}-other",
            name=f"Bea {surname}",
            address=PostalAddress(lines=("2 Example Street",), postcode="DE1 1AB"),
        )
    )
    console.sign_in(tab, "cal", ["call-handler"], "Cal Handler")
    _press(tab, mode, "Find a caller", role="link")
    expect(tab).to_have_title("Find a caller – Contact restrictions")
    _check(tab, mode)
    search = tab.get_by_label("Name, email address, postcode or customer reference")
    search.fill(surname.lower())  # by name: both are listed
    _press(tab, mode, "Find")
    expect(tab).to_have_title("Choose the caller – Contact restrictions")
    results = tab.get_by_role("region", name="Customers found")
    expect(results.get_by_role("row")).to_have_count(3)  # the heading row and two customers
    expect(results).to_contain_text("Yes")  # Alex's restrictions
    _check(tab, mode)
    if mode == "javascript":
        shoot(tab, "lookup-results")
    _press(tab, mode, re.compile(rf"^Alex {surname}\W+what applies to them"), role="link")
    expect(tab).to_have_title(f"What applies to Alex {surname} – Contact restrictions")
    expect(tab.locator("main")).to_contain_text("Letters only")
    _check(tab, mode)
    search = tab.get_by_label("Name, email address, postcode or customer reference")
    search.fill(f"{customer_id}@example.org")  # and by email address, from the panel
    _press(tab, mode, "Find")
    expect(tab).to_have_title(f"What applies to Alex {surname} – Contact restrictions")
    audited = console.stack.store.audit_of_customer(
        customer_id,
        console.stack.clock() - timedelta(hours=1),
        console.stack.clock() + timedelta(minutes=1),
        100,
    )
    # The stack's clock stands still in a journey: records of one instant come back in the
    # order of their request ids (random), so which were written matters, not their order.
    lookups = sorted(r.detail for r in audited if r.operation.value == "lookup")
    assert lookups == ["by=customer_id found=true", "by=email found=true", "by=name found=2"]


def test_the_safeguarding_lead_reads_a_filed_email(console: Console, mode: str, tab: Page) -> None:
    customer_id = f"journey-read-{mode}"
    _customer_with_filed_email(console, customer_id)
    console.sign_in(tab, "sage", ["safeguarding-lead"], "Sage Guard")
    _press(tab, mode, "Read queue", role="link")
    expect(tab).to_have_title("Filed emails waiting to be read – Contact restrictions")
    _check(tab, mode)
    read = tab.locator("tr", has_text=customer_id).get_by_role("link", name=re.compile("^Read"))
    if mode == "keyboard":
        read.focus()
        tab.keyboard.press("Enter")
    else:
        read.click()
    expect(tab).to_have_title("Read a filed email – Contact restrictions")
    expect(tab.locator("main")).to_contain_text("The boiler is still broken")
    expect(tab.locator(".cg-email-text")).to_have_text(
        "It has been broken for three weeks now.\nPlease send someone."
    )
    _check(tab, mode)
    with tab.expect_download() as downloading:
        _press(tab, mode, re.compile("^Download"), role="link")
    photo = downloading.value
    assert photo.suggested_filename == "boiler.png"
    with open(photo.path(), "rb") as saved:
        assert saved.read() == b"\x89PNG photo"
    tab.get_by_label("A safeguarding concern, referred on").check()
    tab.get_by_label("Note (optional)").fill("Referred to the tenancy support team")
    _press(tab, mode, "Record the read")
    expect(tab.locator(".govuk-notification-banner--success")).to_contain_text("Read recorded")
    _check(tab, mode)
    contacts = _recent_contacts(console, customer_id)
    (email,) = [c for c in contacts if c.channel.value == "email" and c.direction == "inbound"]
    assert email.read is not None
    assert email.read.outcome.value == "safeguarding"


def test_a_head_of_service_imposes_restrictions_and_the_next_email_is_filed(
    console: Console, mode: str, tab: Page
) -> None:
    case_id = f"journey-impose-{mode}"
    _concern(console, case_id)
    address = f"{case_id}@example.org"
    customer = console.stack.store.get_customer(case_id)
    assert customer is not None
    console.stack.store.put_customer(customer.model_copy(update={"emails": (address,)}))
    console.sign_in(tab, "hana", ["head-of-service"], "Hana Head")
    tab.goto(f"{console.url}/console/cases/{case_id}")
    _press(tab, mode, "Impose restrictions", role="link")
    expect(tab).to_have_title("Impose restrictions (Step 2) – Contact restrictions")
    _check(tab, mode)
    tab.get_by_label("No email or telephone contact: letters only").check()
    tab.get_by_label("The postal address the customer should write to").fill(
        "Housing Services, 1 Council Street, Derby DE1 2AB"
    )
    tab.get_by_label("Why are you imposing restrictions?").fill(
        "Threats to staff in emails and calls"
    )
    for considered in (
        "Reasonable adjustments the customer may need",
        "Whether the customer is vulnerable",
        "Our duties under the Equality Act 2010",
    ):
        tab.get_by_label(considered).check()
    tab.get_by_label("What you considered and found").fill("No known disability; advocate offered")
    tab.get_by_label("Why is the behaviour extreme, or a threat to staff safety?").fill(
        "Threats of violence to named staff"
    )
    if mode == "javascript":
        shoot(tab, "impose-restrictions")
    _press(tab, mode, "Impose restrictions")
    expect(tab.locator(".govuk-notification-banner--success")).to_be_visible()
    expect(tab.locator("main")).to_contain_text("letters only")
    _check(tab, mode)
    console.stack.pump_streams()
    # The customer writes a minute later (SES times mail to the millisecond: mail stamped in
    # the millisecond the decision was recorded would be before it).
    console.stack.advance(console.stack.clock() + timedelta(minutes=1))
    message = (
        f"From: Alex Tenant <{address}>\r\nTo: housing@example.org\r\n"
        "Subject: Still waiting\r\nMessage-ID: <impose@example.org>\r\n\r\nStill waiting.\r\n"
    ).encode()
    console.stack.deliver_email(message, address, "Still waiting")
    console.stack.pump_streams()
    contacts = _recent_contacts(console, case_id)
    # Filed, and the auto-reply we sent about it (an outbound contact).
    assert sorted(c.disposition.value for c in contacts if c.channel.value == "email") == [
        "filed-blocked",
        "sent",
    ]
    tab.goto(f"{console.url}/console/customers/{case_id}")
    expect(tab.locator("main")).to_contain_text("Filed")
    _check(tab, mode)


def test_an_executive_delays_an_appeal_review(console: Console, mode: str, tab: Page) -> None:
    customer_id = f"journey-delay-{mode}"
    case_id = f"{customer_id}-case"
    stack = console.stack
    stack.store.put_customer(
        Customer(
            customer_id=customer_id,
            name="Alex Tenant",
            address=PostalAddress(lines=("1 Example Street",), postcode="DE1 1AA"),
        )
    )
    head = Actor(actor_id="seed-hos", role=Role.HEAD_OF_SERVICE)
    stack.cases.open_case(immediate_restrictions(case_id, customer_id), head, stack.clock())
    today = london_date(stack.clock())
    cet = Actor(actor_id="seed-cet", role=Role.CUSTOMER_EXPERIENCE)
    stack.cases.act(case_id, LogAppeal(received_on=today, grounds="unfair"), cet, stack.clock())
    stack.pump_streams()
    case = stack.store.get_case(case_id)
    assert case is not None
    (appeal,) = case.appeals
    assert appeal.review_due_on is not None
    new_due = Policy().calendar.working_days_after(appeal.review_due_on, 5)
    console.sign_in(tab, "ed", ["executive-team"], "Ed Executive")
    tab.goto(f"{console.url}/console/cases/{case_id}")
    _press(tab, mode, "Delay the appeal review", role="link")
    expect(tab).to_have_title("Delay the appeal review – Contact restrictions")
    _check(tab, mode)
    _press(tab, mode, "Delay the review")  # nothing given: the errors, GOV.UK style
    expect(tab.locator(".govuk-error-summary")).to_contain_text("Enter the new date")
    _check(tab, mode)
    for part, value in (("day", new_due.day), ("month", new_due.month), ("year", new_due.year)):
        tab.locator(f"#review_due_on-{part}").fill(str(value))
    tab.get_by_label("Why does the review need longer?").fill("Waiting for the call recordings")
    if mode == "javascript":
        shoot(tab, "appeal-review-delay")
    _press(tab, mode, "Delay the review")
    expect(tab.locator(".govuk-notification-banner--success")).to_contain_text(
        "Appeal review delayed"
    )
    _check(tab, mode)
    case = stack.store.get_case(case_id)
    assert case is not None
    assert case.appeals[0].review_due_on == new_due


def test_a_head_of_service_varies_the_restrictions(console: Console, mode: str, tab: Page) -> None:
    customer_id = f"journey-vary-{mode}"
    case_id = f"{customer_id}-case"
    stack = console.stack
    stack.store.put_customer(
        Customer(
            customer_id=customer_id,
            name="Alex Tenant",
            address=PostalAddress(lines=("1 Example Street",), postcode="DE1 1AA"),
        )
    )
    head = Actor(actor_id="seed-hos", role=Role.HEAD_OF_SERVICE)
    stack.cases.open_case(immediate_restrictions(case_id, customer_id), head, stack.clock())
    stack.pump_streams()  # the immediate restrictions letter is drafted...
    case = stack.store.get_case(case_id)
    assert case is not None
    (letter,) = case.letters
    if letter.letter_date > london_date(stack.clock()):  # drafted for the next working day
        stack.advance(datetime.combine(letter.letter_date, time(9), tzinfo=LONDON))
    sent = MarkLetterSent(letter_id=letter.letter_id, sent_on=letter.letter_date)
    stack.cases.act(case_id, sent, head, stack.clock())  # ...and sent: the customer was told
    stack.pump_streams()
    console.sign_in(tab, "hana", ["head-of-service"], "Hana Head")
    tab.goto(f"{console.url}/console/cases/{case_id}")
    _press(tab, mode, "Vary the restrictions", role="link")
    expect(tab).to_have_title("Vary the restrictions – Contact restrictions")
    _check(tab, mode)
    _press(tab, mode, "Vary the restrictions")  # no reason, no duties: the errors
    expect(tab.locator(".govuk-error-summary")).to_contain_text("Enter the reason")
    _check(tab, mode)
    tab.get_by_label("Our social media sites restricted or denied").check()
    tab.get_by_label("Which sites, and what is restricted").fill("No posts about staff")
    tab.get_by_label("Why are you varying the restrictions?").fill("Posts naming staff")
    tab.get_by_label("Reasonable adjustments the customer may need").check()
    tab.get_by_label("Whether the customer is vulnerable").check()
    tab.get_by_label("Our duties under the Equality Act 2010").check()
    tab.get_by_label("What you considered and found").fill("No change since the decision")
    if mode == "javascript":
        shoot(tab, "vary-restrictions")
    _press(tab, mode, "Vary the restrictions")
    expect(tab.locator(".govuk-notification-banner--success")).to_contain_text(
        "Restrictions varied"
    )
    _check(tab, mode)
    case = stack.store.get_case(case_id)
    assert case is not None
    assert case.decision is not None
    assert [r.type for r in case.decision.restrictions] == ["letters-only", "social-media"]
