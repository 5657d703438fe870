"""Delivery: an accepted customer email reaches the staff mailbox, routed mail the named
officer, exactly once, whatever the retries. Filed and quarantined mail never does.

Ingest only decides and records (inside SES's synchronous call); this step runs from the
contact record's stream event, so it is retried by Lambda, bounded, with a failure queue and
an alarm behind it. The SES message id is the idempotency key: a delivery is claimed before
sending (a lease, so a crashed attempt can be taken over later) and marked sent after, so a
redelivered stream record, a replayed SES delivery or a contact moved when staff link its
address never sends a second copy. Once SES has taken the copy, nothing raises (a retry could
only send it again). The one window for a duplicate is SES taking the copy while its answer
is lost (a read timeout), or a crash just after: at least once, never none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from contactguard.domain.enforcement import Recipient, recipient
from contactguard.domain.model import Contact
from contactguard.domain.outbound import Sent, sent_contact, sent_contact_id
from contactguard.ports import Log
from delivery.forward import forwarded, original, too_large_notice

MARK_ATTEMPTS = 3  # marking a sent copy delivered, before giving up (and saying so)
LEASE = timedelta(minutes=5)  # longer than one function run: a live attempt is never raced


class Outcome(StrEnum):
    FORWARDED = "forwarded"
    NOTICE_SENT = "notice-sent"  # too large for SES: staff got a notice with a link
    ALREADY_DELIVERED = "already-delivered"
    NOT_FOR_DELIVERY = "not-for-delivery"  # filed, quarantined, moved, not email


class Busy(Exception):
    """Another attempt holds the delivery's lease: try again later (a stream retry)."""


class DeliveryLedger(Protocol):
    def claim_delivery(
        self, message_id: str, attempt: str, now: datetime, lease: timedelta
    ) -> bool: ...
    def delivery_sent(
        self, message_id: str, now: datetime, *, to: str, ses_message_id: str
    ) -> None: ...
    def release_delivery(self, message_id: str, attempt: str) -> None: ...
    def delivery_done(self, message_id: str) -> bool: ...


class RawMail(Protocol):
    def read(self, message_id: str) -> bytes: ...
    def link(self, message_id: str, seconds: int) -> str: ...
    def keep_sent(self, contact_id: str, data: bytes) -> None: ...


class SentLog(Protocol):
    def record_contact(self, contact: Contact, *, queue_for_reading: bool = False) -> bool: ...


class Transport(Protocol):
    def send_raw(self, data: bytes, sender: str, destinations: list[str]) -> str: ...


class Counter(Protocol):
    def count(self, name: str, value: int = 1) -> None: ...


@dataclass(frozen=True)
class Delivered:
    outcome: Outcome
    to: str | None = None
    ses_message_id: str | None = None


@dataclass
class DeliveryService:
    ledger: DeliveryLedger
    raw_mail: RawMail
    transport: Transport
    sent_log: SentLog  # each copy sent is an outbound contact (contactguard.domain.outbound)
    log: Log
    metrics: Counter
    staff_mailbox: str
    sender: str
    max_bytes: int = 10 * 1024 * 1024  # SES API v1 SendRawEmail, the whole message
    link_hours: int = 12
    forward_accepted: bool = True  # False when WorkMail delivers accepted mail itself

    def deliver(self, contact: Contact, now: datetime, attempt: str) -> Delivered:
        """Deliver one email contact. `attempt` names this piece of work (the stream record)
        so that its own retry may take over its claim; another record of the same message
        (a moved contact, a replay) finds it delivered and sends nothing."""
        to = self._address(recipient(contact), contact)
        if to is None or contact.raw_ref is None or contact.source_address is None:
            return Delivered(Outcome.NOT_FOR_DELIVERY)
        message_id = contact.raw_ref
        if not self._take(message_id, attempt, now):
            self.metrics.count("DeliveriesDuplicate")
            return Delivered(Outcome.ALREADY_DELIVERED, to)
        try:
            outcome, ses_id, summary = self._send(contact, message_id, to)
        except Exception:
            self.metrics.count("DeliveryFailures")
            self.ledger.release_delivery(message_id, attempt)  # the retry sends it
            raise
        self.metrics.count("Deliveries")
        if outcome is Outcome.NOTICE_SENT:
            self.metrics.count("DeliveriesTooLarge")
        self._record_sent(contact, message_id, now, to, ses_id)
        self._log_outbound(contact, outcome, now, to, ses_id, summary)
        self.log.info(
            "delivery: sent", extra={"contact_id": contact.contact_id, "outcome": outcome.value}
        )
        return Delivered(outcome, to, ses_id)

    def _take(self, message_id: str, attempt: str, now: datetime) -> bool:
        """True when this attempt may send; False when the message was delivered already;
        Busy while another attempt holds it (the stream retries this record later)."""
        if self.ledger.delivery_done(message_id):
            return False
        if self.ledger.claim_delivery(message_id, attempt, now, LEASE):
            return True
        if self.ledger.delivery_done(message_id):  # delivered between the two reads
            return False
        raise Busy("another attempt is delivering this message")

    def _address(self, who: Recipient, contact: Contact) -> str | None:
        if who is Recipient.OFFICER:
            return contact.deliver_to
        if who is Recipient.STAFF_MAILBOX and self.forward_accepted:
            return self.staff_mailbox
        return None  # nobody, or WorkMail delivers accepted mail itself

    def _record_sent(
        self, contact: Contact, message_id: str, now: datetime, to: str, ses_id: str
    ) -> None:
        """Mark the message delivered, trying a few times: it is in the mailbox now, so
        nothing may raise (a retry would send it again), and an unmarked claim would let a
        stray redelivery of this record send it again too."""
        for attempt in range(1, MARK_ATTEMPTS + 1):
            try:
                self.ledger.delivery_sent(message_id, now, to=to, ses_message_id=ses_id)
                return
            except Exception as error:  # noqa: BLE001 - delivered: log and count, never raise
                if attempt == MARK_ATTEMPTS:
                    self.log.error(
                        "delivery: sent but not recorded",
                        extra={"contact_id": contact.contact_id, "error": type(error).__name__},
                    )
                    self.metrics.count("DeliveriesUnrecorded")

    def _log_outbound(
        self, contact: Contact, outcome: Outcome, now: datetime, to: str, ses_id: str, summary: str
    ) -> None:
        """The copy sent, as an outbound contact on the customer's record (once: its id is
        the message's, so a retry that sends again logs nothing new). Sent: never raises."""
        if outcome is Outcome.NOTICE_SENT:
            sent = Sent.TOO_LARGE_NOTICE
        elif recipient(contact) is Recipient.OFFICER:
            sent = Sent.OFFICER_COPY
        else:
            sent = Sent.FORWARDED
        outbound = sent_contact(
            sent, inbound=contact, at=now, ses_message_id=ses_id, to=to, summary=summary
        )
        try:
            self.sent_log.record_contact(outbound)
        except Exception as error:  # noqa: BLE001 - delivered: log and count, never raise
            self.log.error(
                "delivery: sent but not logged as a contact",
                extra={"contact_id": outbound.contact_id, "error": type(error).__name__},
            )
            self.metrics.count("DeliveriesNotLogged")

    def _send(self, contact: Contact, message_id: str, to: str) -> tuple[Outcome, str, str]:
        """(what was sent, SES's id for it, its subject). A copy of what is sent is kept
        first, under the outbound contact's key."""
        assert contact.source_address is not None  # checked by deliver
        assert contact.raw_ref is not None
        raw = self.raw_mail.read(message_id)
        customer = original(raw, contact.source_address)
        data = forwarded(raw, contact_id=contact.contact_id, sender=self.sender, customer=customer)
        kept_as = sent_contact_id(Sent.FORWARDED, contact.raw_ref)
        if len(data) <= self.max_bytes:
            self.raw_mail.keep_sent(kept_as, data)
            ses_id = self.transport.send_raw(data, self.sender, [to])
            return Outcome.FORWARDED, ses_id, customer.subject
        link = self.raw_mail.link(message_id, self.link_hours * 3600)
        notice = too_large_notice(
            contact_id=contact.contact_id,
            sender=self.sender,
            to=to,
            customer=customer,
            size=len(data),
            link=link,
            hours=self.link_hours,
        )
        self.raw_mail.keep_sent(kept_as, notice.as_bytes())
        ses_id = self.transport.send_raw(notice.as_bytes(), self.sender, [to])
        return Outcome.NOTICE_SENT, ses_id, str(notice["Subject"] or "")
