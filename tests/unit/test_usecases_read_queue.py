"""Opening one filed email of the read queue: for the designated officers, audited first."""

from __future__ import annotations

import pytest
from builders import CALL_HANDLER, CUSTOMER_ID, SAFEGUARDING, at

from contactguard.domain.access import Operation
from contactguard.domain.errors import NotPermitted
from contactguard.domain.model import Channel, Contact, Disposition, ReadOutcome
from contactguard.usecases import Request
from contactguard.usecases.errors import NotFound
from fakes import Fakes, FixedClock, fake_use_cases


def email(fakes: Fakes, contact_id: str, disposition: Disposition) -> None:
    contact = Contact(
        contact_id=contact_id,
        customer_id=CUSTOMER_ID,
        channel=Channel.EMAIL,
        at=at("2026-11-30"),
        summary="words",
        disposition=disposition,
    )
    fakes.store.record_contact(contact, queue_for_reading=disposition is Disposition.FILED_BLOCKED)


def test_one_filed_email_is_opened_audited_and_still_opens_once_read() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    email(fakes, "ses-1", Disposition.FILED_BLOCKED)
    officer = Request(actor=SAFEGUARDING, request_id="req-1")
    queue = fakes.use_cases.read_queue

    opened = queue.one(officer, "ses-1")

    assert opened.summary == "words"
    record = fakes.store.audit[-1]
    assert (record.operation, record.customer_id, record.contact_id) == (
        Operation.READ_QUEUE,
        CUSTOMER_ID,
        "ses-1",
    )
    queue.mark_read(officer, "ses-1", ReadOutcome.NOTHING_NEW)
    assert queue.one(officer, "ses-1").read is not None


def test_only_filed_email_opens_and_only_for_the_designated_officers() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    email(fakes, "ses-2", Disposition.ACCEPTED)
    officer = Request(actor=SAFEGUARDING, request_id="req-1")
    queue = fakes.use_cases.read_queue

    with pytest.raises(NotFound):
        queue.one(officer, "ses-2")
    with pytest.raises(NotFound):
        queue.one(officer, "ses-404")
    assert fakes.store.audit[-1].customer_id is None  # the record says nobody was found
    with pytest.raises(NotPermitted):
        queue.one(Request(actor=CALL_HANDLER, request_id="req-2"), "ses-2")


RAW = b"""From: customer@example.org
Subject: words
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: text/html; charset=utf-8

<p>The boiler is <b>still</b> broken.</p><script>alert(1)</script>
--b
Content-Type: application/pdf
Content-Disposition: attachment; filename="photo of boiler.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--b
Content-Type: image/png
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b--
"""


def filed_with_raw(fakes: Fakes, raw: bytes | None = RAW) -> None:
    contact = Contact(
        contact_id="ses-9",
        customer_id=CUSTOMER_ID,
        channel=Channel.EMAIL,
        at=at("2026-11-30"),
        summary="words",
        disposition=Disposition.FILED_BLOCKED,
        raw_ref="ses-9",
    )
    fakes.store.record_contact(contact, queue_for_reading=True)
    if raw is not None:
        fakes.mail.messages["ses-9"] = raw


def test_a_filed_email_is_read_as_text_with_its_attachments_listed_audited() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    filed_with_raw(fakes)
    officer = Request(actor=SAFEGUARDING, request_id="req-1")

    message = fakes.use_cases.read_queue.read(officer, "ses-9")

    assert message.held
    assert message.text == "The boiler is still broken."  # HTML as text, no script
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        ("photo of boiler.pdf", "application/pdf"),
        (None, "image/png"),
    ]
    record = fakes.store.audit[-1]
    assert (record.operation, record.customer_id, record.contact_id) == (
        Operation.READ_FILED_EMAIL,
        CUSTOMER_ID,
        "ses-9",
    )


def test_an_attachment_is_downloaded_by_its_place_audited_with_it() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    filed_with_raw(fakes)
    officer = Request(actor=SAFEGUARDING, request_id="req-1")
    queue = fakes.use_cases.read_queue

    pdf = queue.attachment(officer, "ses-9", 0)
    png = queue.attachment(officer, "ses-9", 1)

    assert (pdf.filename, pdf.content, pdf.link) == ("photo of boiler.pdf", b"%PDF-1.4\n", None)
    assert (png.filename, png.content_type) == ("attachment-2.png", "image/png")
    assert fakes.store.audit[-1].detail == "attachment=1"
    with pytest.raises(NotFound):
        queue.attachment(officer, "ses-9", 2)


def test_a_message_past_its_retention_leaves_the_record_only() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    filed_with_raw(fakes, raw=None)
    officer = Request(actor=SAFEGUARDING, request_id="req-1")

    message = fakes.use_cases.read_queue.read(officer, "ses-9")

    assert (message.held, message.text, message.contact.summary) == (False, "", "words")
    with pytest.raises(NotFound):
        fakes.use_cases.read_queue.attachment(officer, "ses-9", 0)


def test_only_the_designated_officers_read_the_words() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    filed_with_raw(fakes)
    handler = Request(actor=CALL_HANDLER, request_id="req-1")
    with pytest.raises(NotPermitted):
        fakes.use_cases.read_queue.read(handler, "ses-9")
    with pytest.raises(NotPermitted):
        fakes.use_cases.read_queue.attachment(handler, "ses-9", 0)
    assert fakes.store.audit == []  # refused before anything was read
