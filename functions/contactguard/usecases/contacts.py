"""Contacts: staff log a phone call, letter, visit or social-media contact; staff read a
customer's contacts (filed email's words only for the roles that may read them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from contactguard.domain.access import Operation, may, require
from contactguard.domain.calendar import london_date, start_of_day
from contactguard.domain.model import Channel, Contact, Direction, Disposition
from contactguard.ports import Clock, ContactStore, CustomerStore
from contactguard.usecases.audit import Auditor
from contactguard.usecases.customers import known_customer
from contactguard.usecases.errors import InvalidInput
from contactguard.usecases.request import Request

# A contact logged by staff cannot be in the future; this much clock skew is tolerated.
CLOCK_SKEW = timedelta(minutes=5)
CONTACTS_DAYS = 365  # the default reach of a contact list: this many days back


@dataclass(frozen=True)
class ContactEntry:
    """A contact as staff log it. Plain strings and checked values only: nothing the domain
    could refuse on reading it back."""

    channel: Channel
    direction: Direction = Direction.INBOUND
    at: datetime | None = None  # None: now
    summary: str = ""
    disposition: Disposition = Disposition.ACCEPTED
    reason: str = ""
    idempotency_key: str | None = None  # the same key twice logs one contact


@dataclass(frozen=True)
class ContactsSeen:
    first: date
    last: date
    contacts: list[Contact]
    withheld: list[str]  # filed email whose words this role may not read


@dataclass
class Contacts:
    customers: CustomerStore
    contacts: ContactStore
    audit: Auditor
    clock: Clock
    earliest: date  # nothing is logged before this day

    def log(self, request: Request, customer_id: str, entry: ContactEntry) -> tuple[bool, Contact]:
        """(recorded, the contact): recorded is False when the key was logged already."""
        require(request.actor.role, Operation.LOG_CONTACT)
        now = self.clock()
        at = entry.at or now
        if at > now + CLOCK_SKEW:
            raise InvalidInput("body", [("at", "a contact cannot be logged in the future")])
        if at < datetime.combine(self.earliest, time(), tzinfo=UTC):
            raise InvalidInput("body", [("at", f"before {self.earliest.isoformat()}")])
        known_customer(self.customers, customer_id)
        contact_id = f"staff-{entry.idempotency_key or uuid.uuid4().hex}"
        self.audit.record(request, Operation.LOG_CONTACT, customer_id, contact_id=contact_id)
        contact = Contact(
            contact_id=contact_id,  # never an SES message id, so never mistaken for an email
            customer_id=customer_id,
            channel=entry.channel,
            direction=entry.direction,
            at=at,
            summary=entry.summary,
            disposition=entry.disposition,
            reason=entry.reason,
            recorded_by=request.actor.actor_id,
        )
        return self.contacts.record_contact(contact), contact

    def between(
        self,
        request: Request,
        customer_id: str,
        first: date | None = None,
        last: date | None = None,
    ) -> ContactsSeen:
        """A customer's contacts from `first` to `last` inclusive (Europe/London days)."""
        role = request.actor.role
        require(role, Operation.READ_CONTACTS)
        last = last or london_date(self.clock())
        first = first or last - timedelta(days=CONTACTS_DAYS)
        if first > last:
            raise InvalidInput("query", [("from", "must not be after to")])
        known_customer(self.customers, customer_id)
        full = may(role, Operation.READ_FILED_EMAIL)
        detail = f"filed-email={'shown' if full else 'withheld'}"
        self.audit.record(request, Operation.READ_CONTACTS, customer_id, detail=detail)
        found = list(
            self.contacts.contacts(
                customer_id, start_of_day(first), start_of_day(last + timedelta(days=1))
            )
        )
        withheld = [] if full else [c.contact_id for c in found if filed(c)]
        shown = [without_words(c) if c.contact_id in withheld else c for c in found]
        return ContactsSeen(first=first, last=last, contacts=shown, withheld=withheld)


def filed(contact: Contact) -> bool:
    """Filed email, or anything the designated officer has read and noted."""
    return contact.disposition is Disposition.FILED_BLOCKED or contact.read is not None


def without_words(contact: Contact) -> Contact:
    """That a filed email exists and when, not what it says nor what was noted on reading it."""
    return contact.model_copy(update={"summary": "", "flags": (), "raw_ref": None, "read": None})
