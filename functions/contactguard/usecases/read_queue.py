"""The designated officer's read queue: filed emails waiting to be read, and marking one read."""

from __future__ import annotations

from dataclasses import dataclass

from contactguard.domain.access import Operation, require
from contactguard.domain.errors import NothingToDo, RuleViolation
from contactguard.domain.model import Contact, Disposition, EmailRead, ReadOutcome
from contactguard.ports import Clock, ReadQueue
from contactguard.usecases.audit import Auditor
from contactguard.usecases.errors import NotFound
from contactguard.usecases.request import Request


@dataclass(frozen=True)
class Waiting:
    customer_id: str
    contact_id: str
    contact: Contact | None


@dataclass
class ReadQueueUseCases:
    queue: ReadQueue
    audit: Auditor
    clock: Clock

    def waiting(self, request: Request) -> list[Waiting]:
        """Every filed email waiting; one audit record per item, before any is shown."""
        require(request.actor.role, Operation.READ_QUEUE)
        items = self.queue.read_queue()
        for customer_id, contact_id in items:
            self.audit.record(request, Operation.READ_QUEUE, customer_id, contact_id=contact_id)
        return [
            Waiting(customer_id, contact_id, self.queue.get_contact(contact_id))
            for customer_id, contact_id in items
        ]

    def one(self, request: Request, contact_id: str) -> Contact:
        """One filed email of the queue, waiting or already read, audited before it is shown.
        Not a filed email, or no such contact: NotFound."""
        require(request.actor.role, Operation.READ_QUEUE)
        held = self.queue.get_contact(contact_id)
        self.audit.record(
            request,
            Operation.READ_QUEUE,
            held.customer_id if held else None,
            contact_id=contact_id,
        )
        if held is None or held.disposition is not Disposition.FILED_BLOCKED:
            raise NotFound(f"no filed email {contact_id}")
        return held

    def mark_read(
        self, request: Request, contact_id: str, outcome: ReadOutcome, note: str = ""
    ) -> Contact:
        """Off the queue, the outcome recorded. Already read: NothingToDo; never filed:
        RuleViolation; no such contact: NotFound."""
        actor = request.actor
        require(actor.role, Operation.MARK_READ)
        held = self.queue.get_contact(contact_id)
        self.audit.record(
            request,
            Operation.MARK_READ,
            held.customer_id if held else None,
            contact_id=contact_id,
            detail=f"outcome={outcome.value}",
        )
        record = EmailRead(read_at=self.clock(), read_by=actor.actor_id, outcome=outcome, note=note)
        contact = self.queue.mark_read(contact_id, record)
        if contact is not None:
            return contact
        held = self.queue.get_contact(contact_id)
        if held is None:
            raise NotFound(f"no contact {contact_id}")
        if held.read is not None:
            raise NothingToDo(
                "read-once", f"read on {held.read.read_at.isoformat()} by {held.read.read_by}"
            )
        raise RuleViolation(
            "read-queue-filed-only", "only a filed email waits to be read: this one was not filed"
        )
