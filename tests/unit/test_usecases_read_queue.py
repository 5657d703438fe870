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
