"""A customer's page: details, contacts by channel over time, cases, and the forms to record a
contact, link an email address and raise a concern, each for the roles that may."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.staff_console import people
from tests.staff_console.rig import Browser, Page, Rig

from contactguard.domain.access import Operation
from contactguard.domain.case import CaseStatus
from contactguard.domain.model import Aspect, Behaviour, Channel, Contact, Direction, Disposition

CUSTOMER = "/console/customers/cust-0001"


def main(html: str) -> str:
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found
    return found.group(0)


def signed_in(rig: Rig, role: str, staff_id: str = "staff-1") -> Browser:
    browser = rig.browser()
    browser.sign_in(staff_id, [role])
    return browser


def hidden(page: Page, name: str) -> str:
    """A hidden field's value: what the form sends back (e.g. its idempotency key)."""
    found = re.search(rf'name="{name}" value="([^"]+)"', page.text)
    assert found, name
    return found.group(1)


def labelled(page: Page) -> None:
    """Every visible field has a label (or is in a fieldset a legend names): a user's read."""
    html = main(page.text)
    for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", html):
        if 'type="hidden"' in tag:
            continue
        field_id = re.search(r'id="([^"]+)"', tag)
        assert field_id, tag
        assert f'for="{field_id.group(1)}"' in html, f"no label for {field_id.group(1)}"
    assert html.count("<h1") == 1


def test_recording_a_phone_contact_shows_it_on_the_customer_page(rig: Rig) -> None:
    people.customer(rig)
    browser = signed_in(rig, "call-handler", "cal")
    form = browser.get(CUSTOMER + "/contacts/new?channel=phone")
    assert form.status == 200
    assert form.title == "Record a contact – Contact restrictions"
    labelled(form)
    assert 'value="phone" checked' in form.text

    done = browser.submit(
        form,
        CUSTOMER + "/contacts",
        {
            "channel": "phone",
            "direction": "inbound",
            "summary": "Rang about the repair to the back door",
            "refused": "no",
            "key": hidden(form, "key"),
        },
    )

    assert done.url.startswith(CUSTOMER + "?done=")
    page = main(done.text)
    assert "Phone call recorded" in page  # the success banner
    assert "Rang about the repair to the back door" in page
    assert "1 December 2026, 10am" in page  # now, in London
    december = re.search(r"December 2026</th>(.*?)</tr>", page, re.S)
    assert december
    counts = re.findall(r">(\d+)</td>", december.group(1))
    assert counts == ["0", "1", "0", "0", "0", "1"]  # email, phone, letter, visit, social, all
    (logged,) = rig.fakes.store.contacts_by_id.values()
    assert (logged.channel, logged.recorded_by, logged.disposition) == (
        Channel.PHONE,
        "cal",
        Disposition.ACCEPTED,
    )


def test_the_same_contact_form_sent_twice_records_one_contact(rig: Rig) -> None:
    people.customer(rig)
    browser = signed_in(rig, "call-handler")
    form = browser.get(CUSTOMER + "/contacts/new")
    key = hidden(form, "key")
    sent = {"channel": "visit", "direction": "inbound", "refused": "no", "key": key}

    browser.submit(form, CUSTOMER + "/contacts", sent)
    again = browser.submit(form, CUSTOMER + "/contacts", sent)

    assert "This visit was already recorded" in again.text
    assert len(rig.fakes.store.contacts_by_id) == 1


def test_bad_contact_input_shows_each_fields_error_and_keeps_what_was_typed(rig: Rig) -> None:
    people.customer(rig)
    browser = signed_in(rig, "call-handler")
    form = browser.get(CUSTOMER + "/contacts/new")
    key = hidden(form, "key")

    refused = browser.submit(
        form,
        CUSTOMER + "/contacts",
        {
            "direction": "inbound",
            "at-day": "3",
            "at-month": "12",
            "at-year": "2026",
            "summary": "kept as typed",
            "refused": "no",
            "key": key,
        },
    )

    assert refused.status == 400
    assert refused.title.startswith("Error: Record a contact")
    assert '<a href="#channel">Select how the contact was made</a>' in refused.text
    assert '<a href="#time">Enter the time of the contact</a>' in refused.text
    assert 'id="channel-error"' in refused.text
    assert "kept as typed</textarea>" in refused.text
    labelled(refused)

    future = browser.submit(
        form,
        CUSTOMER + "/contacts",
        {
            "channel": "letter",
            "direction": "inbound",
            "at-day": "3",
            "at-month": "12",
            "at-year": "2026",
            "time": "9:30am",
            "refused": "no",
            "key": key,
        },
    )
    assert future.status == 400  # the use case's refusal, shown on the date's field
    assert '<a href="#at-day">A contact cannot be logged in the future</a>' in future.text
    not_a_date = browser.submit(
        form,
        CUSTOMER + "/contacts",
        {
            "channel": "letter",
            "direction": "inbound",
            "at-day": "31",
            "at-month": "2",
            "at-year": "2026",
            "time": "25:00",
            "refused": "no",
            "key": key,
        },
    )
    assert "The date of the contact must be a real date" in not_a_date.text
    assert "Enter a real time, for example 9:30am or 14:30" in not_a_date.text
    assert not rig.fakes.store.contacts_by_id


def test_a_filed_emails_words_are_withheld_from_a_call_handler(rig: Rig) -> None:
    people.customer(rig)
    people.filed_email(
        rig, "ses-1", datetime(2026, 11, 30, 9, tzinfo=UTC), summary="Words only officers read"
    )

    handler = main(signed_in(rig, "call-handler").get(CUSTOMER).text)
    manager = main(signed_in(rig, "service-manager").get(CUSTOMER).text)

    assert "Words only officers read" not in handler
    assert "Filed email: not shown to your role" in handler
    assert "1 filed email in these dates" in handler
    assert "Filed, not delivered" in handler  # that it exists, and what happened to it
    assert "Words only officers read" in manager
    details = [r.detail for r in rig.fakes.store.audit if r.operation is Operation.READ_CONTACTS]
    assert details == ["filed-email=withheld", "filed-email=shown"]


def test_mail_we_sent_is_shown_as_sent_with_what_it_was(rig: Rig) -> None:
    people.customer(rig)
    at = datetime(2026, 11, 30, 9, tzinfo=UTC)
    for reason in ("auto-reply", "forwarded-to-staff-mailbox"):
        rig.fakes.store.record_contact(
            Contact(
                contact_id=f"sent-{reason}",
                customer_id="cust-0001",
                channel=Channel.EMAIL,
                direction=Direction.OUTBOUND,
                disposition=Disposition.SENT,
                reason=reason,
                at=at,
                summary="Auto: Boiler",
            )
        )
    page = main(signed_in(rig, "service-manager").get(CUSTOMER).text)
    assert "Sent: the auto-reply to the customer" in page
    assert "Sent: their email, forwarded to the staff mailbox" in page


def test_each_role_is_offered_only_what_it_may_do(rig: Rig) -> None:
    people.customer(rig)
    people.concern_with_drafted_letter(rig, datetime(2026, 11, 23, 10, tzinfo=UTC))
    rig.fakes.clock.now = datetime(2026, 12, 1, 10, tzinfo=UTC)

    manager = main(signed_in(rig, "service-manager").get(CUSTOMER).text)
    handler = main(signed_in(rig, "call-handler").get(CUSTOMER).text)
    officer = main(signed_in(rig, "data-protection-officer").get(CUSTOMER).text)

    for link in ("/contacts/new", "/emails/new", "/concern", "/console/cases/case-0001"):
        assert link in manager
    assert "/contacts/new" in handler
    assert "/emails/new" not in handler
    assert "/concern" not in handler
    assert "/console/cases/case-0001" not in handler  # the case is listed, not linked
    assert "Concern raised (Step 1)" in handler
    assert "Ada Tenant" in officer
    assert 'id="contacts"' not in officer
    assert "/contacts/new" not in officer
    head = main(signed_in(rig, "head-of-service").get(CUSTOMER).text)
    assert "/concern" not in head  # opens cases, but Step 1 is the Service Manager's


def test_forms_the_role_may_not_use_are_refused(rig: Rig) -> None:
    people.customer(rig)
    browser = signed_in(rig, "call-handler")

    assert browser.get(CUSTOMER + "/emails/new").status == 403
    assert browser.get(CUSTOMER + "/concern").status == 403
    assert browser.get("/console/customers/cust-9999").status == 404
    head = signed_in(rig, "head-of-service")
    assert head.get(CUSTOMER + "/concern").status == 403  # opens cases, at Step 2 only


def test_a_manager_links_an_email_address_and_earlier_mail_from_it_joins_the_record(
    rig: Rig,
) -> None:
    people.customer(rig)
    people.customer(rig, "cust-0002", "Ben Other", ("ben@example.org",))
    browser = signed_in(rig, "service-manager")
    form = browser.get(CUSTOMER + "/emails/new")
    assert form.title == "Link an email address – Contact restrictions"
    labelled(form)

    taken = browser.submit(form, CUSTOMER + "/emails", {"address": "ben@example.org"})
    assert taken.status == 409
    assert "This email address is linked to another customer" in taken.text
    bad = browser.submit(form, CUSTOMER + "/emails", {"address": "not an address"})
    assert bad.status == 400
    assert '<a href="#address">' in bad.text

    done = browser.submit(form, CUSTOMER + "/emails", {"address": "Ada.Home@Example.org"})

    assert "ada.home@example.org linked" in done.text
    assert "<li>ada.home@example.org</li>" in done.text
    assert rig.fakes.store.customer_id_for_email("ada.home@example.org") == "cust-0001"


def test_a_service_manager_raises_a_concern_and_the_case_appears(rig: Rig) -> None:
    people.customer(rig)
    browser = signed_in(rig, "service-manager")
    form = browser.get(CUSTOMER + "/concern")
    assert form.title == "Raise a concern (Step 1) – Contact restrictions"
    labelled(form)
    case_id = hidden(form, "case_id")

    missing = browser.submit(form, CUSTOMER + "/concern", {"case_id": case_id})
    assert missing.status == 400
    assert '<a href="#behaviours">Select at least one behaviour</a>' in missing.text
    assert '<a href="#note">Enter why the behaviour causes concern</a>' in missing.text

    sent = {
        "case_id": case_id,
        "behaviour-scattergun-approach": "yes",
        "note": "the same complaint through every route",
    }
    done = browser.submit(form, CUSTOMER + "/concern", sent)

    assert f"Concern raised: case {case_id}" in done.text
    assert f'href="/console/cases/{case_id}"' in done.text
    case = rig.fakes.store.cases_by_id[case_id]
    assert case.status is CaseStatus.CONCERN
    assert case.concern is not None
    assert case.concern.note == sent["note"]
    again = browser.submit(form, CUSTOMER + "/concern", sent)
    assert "This concern was already raised" in again.text
    assert len(rig.fakes.store.cases_by_id) == 1


def test_a_concern_about_emails_records_what_was_seen_of_them(rig: Rig) -> None:
    """Many emails, none threatening: the concern records only that (the letter then says
    "an excessive number of emails", not "threatening, offensive or excessive emails")."""
    people.customer(rig)
    browser = signed_in(rig, "service-manager")
    form = browser.get(CUSTOMER + "/concern")
    case_id = hidden(form, "case_id")
    sent = {
        "case_id": case_id,
        "behaviour-multiple-threatening-or-excessive-emails": "yes",
        "note": "ninety emails in a fortnight",
    }
    missing = browser.submit(form, CUSTOMER + "/concern", sent)
    assert missing.status == 400
    summary = missing.text[missing.text.index("govuk-error-summary") :]
    assert (
        '<a href="#aspects-multiple-threatening-or-excessive-emails">Select what you saw: '
        "threatening, offensive or excessive</a>"
    ) in summary
    assert "ninety emails in a fortnight" in missing.text  # what was typed is kept

    done = browser.submit(
        form,
        CUSTOMER + "/concern",
        {**sent, "aspects-multiple-threatening-or-excessive-emails-excessive": "yes"},
    )
    assert f"Concern raised: case {case_id}" in done.text
    concern = rig.fakes.store.cases_by_id[case_id].concern
    assert concern is not None
    assert concern.aspects == {Behaviour.EXCESSIVE_EMAILS: (Aspect.EXCESSIVE,)}


def test_contacts_are_shown_between_the_dates_asked_and_bad_dates_are_errors(rig: Rig) -> None:
    people.customer(rig)
    people.filed_email(rig, "ses-1", datetime(2026, 10, 5, 9, tzinfo=UTC))
    browser = signed_in(rig, "service-manager")

    october = main(
        browser.get(
            CUSTOMER + "?from-day=1&from-month=10&from-year=2026&to-day=31&to-month=10&to-year=2026"
        ).text
    )
    assert "Contacts by month and channel, 1 October 2026 to 31 October 2026" in october
    assert "October 2026</th>" in october
    assert "November 2026</th>" not in october

    backwards = browser.get(
        CUSTOMER + "?from-day=2&from-month=11&from-year=2026&to-day=1&to-month=11&to-year=2026"
    )
    assert backwards.status == 400
    summary = '<a href="#from-day">The first date must be on or before the last date</a>'
    assert summary in backwards.text
    nonsense = browser.get(CUSTOMER + "?from-day=40&from-month=1&from-year=2026")
    assert nonsense.status == 400
    assert "The first date must be a real date" in nonsense.text
    partial = browser.get(CUSTOMER + "?to-day=4&to-year=2026")
    assert "The last date must include a month" in partial.text


def test_a_call_handler_records_large_print_and_the_record_says_so(rig: Rig) -> None:
    """A reasonable adjustment asked for on the phone: recorded by the call handler, shown on
    the record, the next letter drafted in large print; a role that may not is refused."""
    people.customer(rig)
    browser = signed_in(rig, "call-handler")
    assert "Standard print" in main(browser.get(CUSTOMER).text)
    form = browser.get(CUSTOMER + "/letter-format")
    assert form.title == "How should letters to this customer be printed? – Contact restrictions"
    labelled(form)

    missing = browser.submit(form, CUSTOMER + "/letter-format", {})
    assert missing.status == 400
    assert "Select standard print or large print" in missing.text

    done = browser.submit(form, CUSTOMER + "/letter-format", {"letter_format": "large-print"})
    assert "Letters to this customer will be in large print" in done.text
    assert "Large print (16 point or larger)" in main(done.text)
    stored = rig.fakes.store.get_customer("cust-0001")
    assert stored is not None
    assert stored.letter_format.value == "large-print"
    assert signed_in(rig, "data-protection-officer").get(CUSTOMER + "/letter-format").status == 403
