"""Customers, contacts and cases for the console's page tests, seeded through the rig's
in-memory store and use cases (cases are driven through the real lifecycle)."""

from __future__ import annotations

from datetime import datetime

from tests.staff_console.rig import Rig
from tests.unit.builders import Story, raise_concern

from contactguard.domain.case import RecordLetterDrafted
from contactguard.domain.model import (
    Actor,
    Channel,
    Contact,
    Customer,
    Disposition,
    PostalAddress,
    Role,
)
from contactguard.usecases import Request

MANAGER = Actor(actor_id="sam", role=Role.SERVICE_MANAGER, name="Sam Manager")
LETTERS = Actor.system("letters")


def customer(
    rig: Rig,
    customer_id: str = "cust-0001",
    name: str = "Ada Tenant",
    emails: tuple[str, ...] = ("ada@example.org",),
) -> Customer:
    held = Customer(
        customer_id=customer_id,
        name=name,
        emails=emails,
        address=PostalAddress(lines=("1 High Street", "Derby"), postcode="DE1 1AA"),
    )
    rig.fakes.store.put_customer(held)
    return held


def story(rig: Rig, told: Story) -> None:
    """A case built by the unit tests' builders, as if committed."""
    case = told.current
    rig.fakes.store.cases_by_id[case.case_id] = case
    rig.fakes.store.events_by_case[case.case_id] = list(told.events)


def concern_with_drafted_letter(
    rig: Rig, at: datetime, case_id: str = "case-0001", customer_id: str = "cust-0001"
) -> None:
    """A Service Manager raised a concern at `at`; its letter was drafted the same day."""
    rig.fakes.clock.now = at
    use_cases = rig.fakes.use_cases
    request = Request(actor=MANAGER, request_id="seed")
    opened = use_cases.cases.open(
        request, raise_concern(case_id, customer_id), customer_id, case_id
    ).case
    (letter,) = opened.letters
    drafted = RecordLetterDrafted(letter_id=letter.letter_id, version=1, s3_key="letters/x")
    use_cases.cases.service.act(case_id, drafted, LETTERS, at)


def filed_email(
    rig: Rig,
    contact_id: str,
    at: datetime,
    summary: str = "about the repair again",
    customer_id: str = "cust-0001",
    flags: tuple[str, ...] = (),
    raw: bytes | None = None,
) -> Contact:
    """An email filed under a letters-only restriction, queued to be read; the stored
    message `raw` (None: a plain one with the summary as subject; b"": none held)."""
    contact = Contact(
        contact_id=contact_id,
        customer_id=customer_id,
        channel=Channel.EMAIL,
        at=at,
        summary=summary,
        flags=flags,
        disposition=Disposition.FILED_BLOCKED,
        raw_ref=contact_id,
    )
    rig.fakes.store.record_contact(contact, queue_for_reading=True)
    if raw is None:
        raw = (
            f"From: customer@example.org\nSubject: {summary}\n\nPlease fix the boiler.\n"
        ).encode()
    if raw:
        rig.fakes.mail.messages[contact_id] = raw
    return contact
