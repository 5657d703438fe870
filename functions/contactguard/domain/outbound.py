"""Mail we send because a customer wrote: each copy is an outbound contact on their record.

An auto-reply (ingest), the copy forwarded to the staff mailbox, the copy sent to a single
point of contact and the notice sent in place of a message too large to forward (delivery) are
personal data held about the customer (UK GDPR Article 15 asks for what was sent as well as
what was received), so each is logged as a contact: direction outbound, disposition `sent`,
the SES message id of what went out as its `raw_ref`. Its id is the business key (what was
sent, because of which inbound message), so an at-least-once delivery of the same work logs
one contact however often it runs. They are ours, not the customer's: signals and the review
pack count inbound contacts only.

Pure: no AWS, no clock (the time is an argument).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from contactguard.domain.model import Channel, Contact, Direction, Disposition

# Where the bytes of what we sent are kept beside the raw inbound mail (the raw mail bucket,
# expired with it): one object per outbound contact, named by the contact.
SENT_PREFIX = "sent/"
SENT_SUFFIX = ".eml"


class Sent(StrEnum):
    """What we sent (the contact's `reason`)."""

    AUTO_REPLY = "auto-reply"  # to the customer: email is not accepted, how to write instead
    FORWARDED = "forwarded-to-staff-mailbox"  # their email, forwarded to the staff mailbox
    OFFICER_COPY = "copied-to-officer"  # their email, sent to their single point of contact
    TOO_LARGE_NOTICE = "too-large-notice"  # told to staff in place of a message too large


def sent_contact_id(sent: Sent, inbound_message_id: str) -> str:
    """One contact per thing sent for one inbound message: an auto-reply answers one message,
    and a message is delivered once (one recipient: the mailbox or the officer)."""
    kind = "auto-reply" if sent is Sent.AUTO_REPLY else "delivery"
    return f"sent-{kind}-{inbound_message_id}"


def sent_key(contact_id: str) -> str:
    """The object key of an outbound contact's message, as sent."""
    return f"{SENT_PREFIX}{contact_id}{SENT_SUFFIX}"


def sent_contact(
    sent: Sent,
    *,
    inbound: Contact,
    at: datetime,
    ses_message_id: str,
    to: str,
    summary: str,
) -> Contact:
    """The outbound contact for mail sent because of `inbound` (a customer's email).

    It is filed where `inbound` is: on the customer's record, or under the address while
    unmatched (attributed with it when staff link the address). `source_address` is the
    customer's address it concerns, `deliver_to` where it went."""
    if inbound.raw_ref is None:
        raise ValueError("mail is only sent for an email with a stored message")
    return Contact(
        contact_id=sent_contact_id(sent, inbound.raw_ref),
        customer_id=inbound.customer_id,
        channel=Channel.EMAIL,
        direction=Direction.OUTBOUND,
        at=at,
        summary=summary[:200],
        disposition=Disposition.SENT,
        reason=sent.value,
        source_address=inbound.source_address,
        raw_ref=ses_message_id,
        deliver_to=to,
    )


def is_customers_own(contact: Contact) -> bool:
    """Whether a contact is one the customer made (what signals and the review pack weigh):
    never one we made, logged by staff or sent by us."""
    return contact.direction is Direction.INBOUND
