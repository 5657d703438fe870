"""The designated officer's read queue: the filed emails waiting, one read as text only, and
the read recorded with its outcome and a note."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from tests.staff_console import people
from tests.staff_console.rig import Browser, Rig

from contactguard.domain.access import Operation
from contactguard.domain.model import ReadOutcome

QUEUE = "/console/read-queue"
RAW = b"""From: customer@example.org
Subject: Repair
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/plain; charset=utf-8

Dear landlord,

The <boiler> is broken.
--b
Content-Type: application/pdf
Content-Disposition: attachment; filename="boiler.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--b--
"""


def main(html: str) -> str:
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found
    return found.group(0)


def officer(rig: Rig) -> Browser:
    browser = rig.browser()
    browser.sign_in("sage", ["safeguarding-lead"], "Sage Guard")
    return browser


@pytest.mark.parametrize("role", ["call-handler", "head-of-service", "executive-team"])
def test_a_role_without_the_read_queue_gets_the_403_page(rig: Rig, role: str) -> None:
    people.customer(rig)
    people.filed_email(rig, "ses-1", datetime(2026, 11, 30, 9, tzinfo=UTC))
    browser = rig.browser()
    home = browser.sign_in("someone", [role])
    assert 'href="/console/read-queue"' not in home.text  # not in the menu

    refused = browser.get(QUEUE)

    assert refused.status == 403
    assert refused.title == "You cannot see this page – Contact restrictions"
    assert browser.get(QUEUE + "/ses-1").status == 403
    assert not rig.fakes.store.audit  # refused before anything was read


def test_the_officer_reads_a_filed_email_as_text_and_records_what_they_found(rig: Rig) -> None:
    people.customer(rig)
    people.filed_email(
        rig,
        "ses-1",
        datetime(2026, 11, 30, 9, 15, tzinfo=UTC),
        summary="<b>Repair</b> <script>alert(1)</script>",
        flags=("abusive-language", "attachment:application/pdf"),
        raw=RAW,
    )
    browser = officer(rig)

    queue = browser.get(QUEUE)
    assert queue.title == "Filed emails waiting to be read – Contact restrictions"
    listed = main(queue.text)
    assert "30 November 2026, 9:15am" in listed
    assert '<th scope="col"' in listed
    assert 'href="/console/read-queue/ses-1"' in listed

    email = browser.get(QUEUE + "/ses-1")
    page = main(email.text)
    assert page.count("<h1") == 1
    assert "<script>alert" not in email.text  # never rendered as HTML
    assert "&lt;b&gt;Repair&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "abusive-language" in page
    words = re.search(r'<div class="govuk-body cg-email-text">(.*?)</div>', page, re.S)
    assert words
    assert words.group(1) == "Dear landlord,\n\nThe &lt;boiler&gt; is broken."
    assert '<td class="govuk-table__cell govuk-!-text-break-word">boiler.pdf</td>' in page
    assert '<td class="govuk-table__cell">9 bytes</td>' in page
    assert 'href="/console/read-queue/ses-1/attachments/1" download' in page
    assert rig.fakes.store.audit[-1].operation is Operation.READ_FILED_EMAIL

    downloaded = browser.get(QUEUE + "/ses-1/attachments/1")
    assert downloaded.status == 200
    assert downloaded.headers["Content-Type"] == "application/octet-stream"
    assert downloaded.headers["Content-Disposition"] == 'attachment; filename="boiler.pdf"'
    assert downloaded.body == b"%PDF-1.4\n"
    assert rig.fakes.store.audit[-1].detail == "attachment=0"
    assert browser.get(QUEUE + "/ses-1/attachments/2").status == 404
    assert browser.get(QUEUE + "/ses-1/attachments/0").status == 404
    assert 'for="note"' in page

    done = browser.submit(
        email, QUEUE + "/ses-1", {"outcome": "new-information", "note": "asks about the boiler"}
    )

    assert done.url.startswith(QUEUE + "?done=")
    assert "Read recorded: new information to act on through the permitted route" in done.text
    assert "No filed emails are waiting to be read." in done.text
    read = rig.fakes.store.contacts_by_id["ses-1"].read
    assert read is not None
    assert (read.outcome, read.note, read.read_by) == (
        ReadOutcome.NEW_INFORMATION,
        "asks about the boiler",
        "sage",
    )
    again = main(browser.get(QUEUE + "/ses-1").text)
    assert "Already read" in again
    assert "asks about the boiler" in again
    assert 'name="outcome"' not in again


def test_a_read_without_an_outcome_shows_the_error_and_changes_nothing(rig: Rig) -> None:
    people.customer(rig)
    people.filed_email(rig, "ses-1", datetime(2026, 11, 30, 9, tzinfo=UTC))
    browser = officer(rig)
    email = browser.get(QUEUE + "/ses-1")

    refused = browser.submit(email, QUEUE + "/ses-1", {"note": "x" * 2001})

    assert refused.status == 400
    assert refused.title.startswith("Error: Read a filed email")
    assert '<a href="#outcome">Select what you found</a>' in refused.text
    assert '<a href="#note">The note must be 2,000 characters or fewer</a>' in refused.text
    assert rig.fakes.store.contacts_by_id["ses-1"].read is None


def test_an_email_read_by_someone_else_meanwhile_is_said_so(rig: Rig) -> None:
    people.customer(rig)
    people.filed_email(rig, "ses-1", datetime(2026, 11, 30, 9, tzinfo=UTC))
    mine, theirs = officer(rig), officer(rig)
    form = mine.get(QUEUE + "/ses-1")
    theirs.submit(theirs.get(QUEUE + "/ses-1"), QUEUE + "/ses-1", {"outcome": "nothing-new"})

    late = mine.submit(form, QUEUE + "/ses-1", {"outcome": "safeguarding"})

    assert "This email had already been read: nothing changed" in late.text
    read = rig.fakes.store.contacts_by_id["ses-1"].read
    assert read is not None
    assert read.outcome is ReadOutcome.NOTHING_NEW


def test_only_filed_email_opens_in_the_queue(rig: Rig) -> None:
    browser = officer(rig)

    assert browser.get(QUEUE + "/no-such-email").status == 404


def test_a_filed_email_past_its_retention_shows_its_record_and_says_so(rig: Rig) -> None:
    people.customer(rig)
    people.filed_email(rig, "ses-1", datetime(2026, 11, 30, 9, tzinfo=UTC), raw=b"")
    browser = officer(rig)

    page = main(browser.get(QUEUE + "/ses-1").text)

    assert "The message as received is no longer held" in page
    assert "about the repair again" in page  # the record's subject is still shown
    assert 'name="outcome"' in page  # and the read can still be recorded
    assert browser.get(QUEUE + "/ses-1/attachments/1").status == 404
