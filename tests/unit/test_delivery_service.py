"""Where the delivery function sends each email contact, with in-memory fakes (no AWS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from contactguard.domain.model import Channel, Contact, Disposition
from delivery.service import Busy, DeliveryService, Outcome
from log_privacy import rig_logger

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)
STAFF = "customer-services@landlord.example"
OFFICER = "j.officer@landlord.example"
RAW = b"From: Pat <pat@example.org>\r\nTo: contact@landlord.example\r\nSubject: Hi\r\n\r\nHello\r\n"


@dataclass
class Ledger:
    done: set[str] = field(default_factory=set)
    claims: dict[str, str] = field(default_factory=dict)

    def claim_delivery(
        self, message_id: str, attempt: str, now: datetime, lease: timedelta
    ) -> bool:
        holder = self.claims.get(message_id)
        if message_id in self.done or holder not in (None, attempt):
            return False
        self.claims[message_id] = attempt
        return True

    def delivery_sent(
        self, message_id: str, now: datetime, *, to: str, ses_message_id: str
    ) -> None:
        self.done.add(message_id)

    def release_delivery(self, message_id: str, attempt: str) -> None:
        if self.claims.get(message_id) == attempt:
            del self.claims[message_id]

    def delivery_done(self, message_id: str) -> bool:
        return message_id in self.done


class Raw:
    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    def read(self, message_id: str) -> bytes:
        return RAW

    def keep_sent(self, contact_id: str, data: bytes) -> None:
        self.kept[contact_id] = data

    def link(self, message_id: str, seconds: int) -> str:
        return f"https://example.invalid/{message_id}?X-Amz-Expires={seconds}"


@dataclass
class Transport:
    sent: list[tuple[str, ...]] = field(default_factory=list)

    def send_raw(self, data: bytes, sender: str, destinations: list[str]) -> str:
        self.sent.append(tuple(destinations))
        return f"ses-{len(self.sent)}"


@dataclass
class SentLog:
    """The contacts the store holds, by id: a second write of one id is no new contact."""

    contacts: dict[str, Contact] = field(default_factory=dict)

    def record_contact(self, contact: Contact, *, queue_for_reading: bool = False) -> bool:
        if contact.contact_id in self.contacts:
            return False
        self.contacts[contact.contact_id] = contact
        return True


class Counts:
    def count(self, name: str, value: int = 1) -> None:
        pass


def service(
    transport: Transport, *, workmail: bool = False, sent_log: SentLog | None = None
) -> DeliveryService:
    return DeliveryService(
        ledger=Ledger(),
        raw_mail=Raw(),
        transport=transport,
        sent_log=sent_log if sent_log is not None else SentLog(),
        log=rig_logger("delivery-service"),
        metrics=Counts(),
        staff_mailbox=STAFF,
        sender="customer-email@landlord.example",
        forward_accepted=not workmail,
    )


def contact(disposition: Disposition, **extra: object) -> Contact:
    fields: dict[str, object] = {
        "contact_id": "email-m1",
        "customer_id": "c1",
        "channel": Channel.EMAIL,
        "at": NOW,
        "disposition": disposition,
        "source_address": "pat@example.org",
        "raw_ref": "m1",
        **extra,
    }
    return Contact.model_validate(fields)


@pytest.mark.parametrize(
    ("disposition", "extra", "to"),
    [
        (Disposition.ACCEPTED, {}, STAFF),
        (Disposition.UNMATCHED, {"customer_id": None}, STAFF),
        (Disposition.ROUTED_TO_OFFICER, {"deliver_to": OFFICER}, OFFICER),
        (Disposition.FILED_BLOCKED, {}, None),
        (Disposition.QUARANTINED, {"customer_id": None}, None),
    ],
)
def test_each_contact_is_sent_to_the_address_its_recipient_has(
    disposition: Disposition, extra: dict[str, object], to: str | None
) -> None:
    transport = Transport()
    result = service(transport).deliver(contact(disposition, **extra), NOW, attempt="seq-1")
    assert transport.sent == ([(to,)] if to else [])
    assert result.outcome is (Outcome.FORWARDED if to else Outcome.NOT_FOR_DELIVERY)


def test_with_workmail_only_the_officers_mail_is_forwarded() -> None:
    """DeliveryMode workmail: the receipt rule's WorkMail action delivers accepted mail."""
    transport = Transport()
    mine = service(transport, workmail=True)
    accepted = mine.deliver(contact(Disposition.ACCEPTED), NOW, attempt="seq-1")
    routed = mine.deliver(
        contact(Disposition.ROUTED_TO_OFFICER, raw_ref="m2", deliver_to=OFFICER),
        NOW,
        attempt="seq-2",
    )
    assert accepted.outcome is Outcome.NOT_FOR_DELIVERY
    assert routed.outcome is Outcome.FORWARDED
    assert transport.sent == [(OFFICER,)]


def test_another_record_of_a_message_being_sent_waits_then_finds_it_delivered() -> None:
    transport = Transport()
    mine = service(transport)
    assert mine.ledger.claim_delivery("m1", "seq-1", NOW, timedelta(minutes=5))  # in flight
    with pytest.raises(Busy):
        mine.deliver(contact(Disposition.ACCEPTED), NOW, attempt="seq-2")
    mine.ledger.delivery_sent("m1", NOW, to=STAFF, ses_message_id="ses-0")
    again = mine.deliver(contact(Disposition.ACCEPTED), NOW, attempt="seq-2")
    assert again.outcome is Outcome.ALREADY_DELIVERED
    assert transport.sent == []


@pytest.mark.parametrize(
    ("disposition", "extra", "to", "reason"),
    [
        (Disposition.ACCEPTED, {}, STAFF, "forwarded-to-staff-mailbox"),
        (Disposition.ROUTED_TO_OFFICER, {"deliver_to": OFFICER}, OFFICER, "copied-to-officer"),
    ],
)
def test_each_copy_sent_is_an_outbound_contact_on_the_customers_record(
    disposition: Disposition, extra: dict[str, object], to: str, reason: str
) -> None:
    transport, log = Transport(), SentLog()
    mine = service(transport, sent_log=log)
    mine.deliver(contact(disposition, **extra), NOW, attempt="seq-1")
    (sent,) = log.contacts.values()
    assert (sent.customer_id, sent.direction, sent.disposition) == ("c1", "outbound", "sent")
    assert (sent.reason, sent.deliver_to, sent.raw_ref, sent.at) == (reason, to, "ses-1", NOW)
    assert sent.summary == "Hi"
    # What went out is kept under the contact, as sent.
    assert mine.raw_mail.kept[sent.contact_id].startswith(b"From: ")  # type: ignore[attr-defined]
    assert b"Hello" in mine.raw_mail.kept[sent.contact_id]  # type: ignore[attr-defined]


def test_a_copy_sent_again_after_a_lost_answer_is_still_one_outbound_contact() -> None:
    """At least once: SES took the copy but the mark was lost, so a retry sends it again;
    the outbound contact's id is the message's, so the record stays one."""
    transport, log = Transport(), SentLog()
    first = service(transport, sent_log=log)
    first.deliver(contact(Disposition.ACCEPTED), NOW, attempt="seq-1")
    second = service(transport, sent_log=log)  # a fresh ledger: the mark never landed
    second.deliver(contact(Disposition.ACCEPTED), NOW + timedelta(minutes=1), attempt="seq-1")
    assert len(transport.sent) == 2
    assert list(log.contacts) == ["sent-delivery-m1"]


def test_our_own_outbound_mail_is_never_delivered_again() -> None:
    transport = Transport()
    outbound = contact(
        Disposition.SENT, direction="outbound", contact_id="sent-delivery-m1", raw_ref="ses-9"
    )
    assert service(transport).deliver(outbound, NOW, attempt="seq-1").outcome is (
        Outcome.NOT_FOR_DELIVERY
    )
    assert transport.sent == []
