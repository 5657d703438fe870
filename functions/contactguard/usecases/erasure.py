"""Erasure (UK GDPR Art. 17): a customer with no case that still needs their data, or an
unmatched sender's mail, erased everywhere it is held, with a receipt.

The data protection officer decides; the case rule refuses, in words and by name, while any
case of the customer is still held for its retention (contactguard.domain.personal_data).
The stored messages are deleted before the table items that point at them: a run cut short
leaves items a second run finds and finishes, never a message nothing points at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from contactguard.domain.access import Operation, require
from contactguard.domain.model import Contact, Direction, normalise_email
from contactguard.domain.personal_data import (
    ErasedSubject,
    ErasureReceipt,
    cases_needing_data,
    hashed_address,
    refuse_erasure_for_cases,
    refuse_erasure_of_claimed,
)
from contactguard.domain.retention import RetentionSchedule
from contactguard.ports import (
    CaseStore,
    Clock,
    ContactStore,
    CustomerStore,
    Erased,
    Log,
    PersonalData,
    StoredObjects,
)
from contactguard.usecases.audit import Auditor
from contactguard.usecases.customers import known_customer
from contactguard.usecases.errors import InvalidInput
from contactguard.usecases.request import Request

# Every contact a customer could have: the store's keys cover these years.
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
_END = datetime(2200, 1, 1, tzinfo=UTC)


def _sent(contacts: list[Contact]) -> tuple[str, ...]:
    """The outbound contacts among them: what we sent, whose copies are kept (sent/)."""
    return tuple(c.contact_id for c in contacts if c.direction is Direction.OUTBOUND)


def _refs(contacts: list[Contact]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.raw_ref for c in contacts if c.raw_ref))


def _merge(*parts: dict[str, int]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for part in parts:
        for kind, count in part.items():
            merged[kind] = merged.get(kind, 0) + count
    return merged


@dataclass
class Erasure:
    customers: CustomerStore
    contacts: ContactStore
    cases: CaseStore
    data: PersonalData
    objects: StoredObjects
    audit: Auditor
    clock: Clock
    log: Log
    retention: RetentionSchedule

    def erase_customer(self, request: Request, customer_id: str) -> ErasureReceipt:
        """Erase one customer everywhere: refused (RuleViolation, rule
        design-erasure-case-history) while a case still needs their data."""
        require(request.actor.role, Operation.ERASE_PERSONAL_DATA)
        customer = known_customer(self.customers, customer_id)
        self.audit.record(
            request, Operation.ERASE_PERSONAL_DATA, customer_id, detail="erase=customer"
        )
        now = self.clock()
        cases = self.cases.cases_for_customer(customer_id)
        refuse_erasure_for_cases(cases_needing_data(cases, now, self.retention), self.retention)
        contacts = list(self.contacts.contacts(customer_id, _BEGINNING, _END))
        for address in customer.emails:
            contacts.extend(self.contacts.unmatched_contacts(address))
        messages = _merge(
            self.objects.erase_messages(_refs(contacts)), self.objects.erase_sent(_sent(contacts))
        )
        letters = _merge(*(self.objects.erase_letters(case.case_id) for case in cases))
        exports = self.objects.erase_exports(customer_id)
        erased = self.data.erase_customer(customer, cases)
        messages = _merge(messages, self._late_messages(erased, contacts))
        receipt = ErasureReceipt(
            receipt_id=f"erasure-{request.request_id}",
            subject=ErasedSubject.CUSTOMER,
            customer_id=customer_id,
            erased_at=now,
            erased_by=request.actor.actor_id,
            role=request.actor.role,
            erased={
                "table": erased.items,
                "raw-mail": messages,
                "letters": letters,
                "exports": exports,
            },
        )
        return self._kept(receipt)

    def erase_sender(self, request: Request, address: str) -> ErasureReceipt:
        """Erase the mail of an address no customer holds (its unattributed contacts and
        their stored messages). Refused (rule design-erasure-address-claimed) when a customer
        holds the address: that mail is theirs."""
        require(request.actor.role, Operation.ERASE_PERSONAL_DATA)
        try:
            normalised = normalise_email(address)
        except ValueError as error:
            raise InvalidInput("body", [("address", str(error))]) from None
        self.audit.record(request, Operation.ERASE_PERSONAL_DATA, None, detail="erase=sender")
        owner = self.customers.customer_id_for_email(normalised)
        if owner is not None:
            refuse_erasure_of_claimed(owner)
        contacts = self.contacts.unmatched_contacts(normalised)
        messages = _merge(
            self.objects.erase_messages(_refs(contacts)), self.objects.erase_sent(_sent(contacts))
        )
        erased = self.data.erase_sender(normalised)
        messages = _merge(messages, self._late_messages(erased, contacts))
        receipt = ErasureReceipt(
            receipt_id=f"erasure-{request.request_id}",
            subject=ErasedSubject.SENDER,
            sender=hashed_address(normalised),
            erased_at=self.clock(),
            erased_by=request.actor.actor_id,
            role=request.actor.role,
            erased={"table": erased.items, "raw-mail": messages},
        )
        return self._kept(receipt)

    def _late_messages(self, erased: Erased, read: list[Contact]) -> dict[str, int]:
        """Messages of contacts that arrived between the read and the table's erasure."""
        late = tuple(ref for ref in erased.raw_refs if ref not in set(_refs(read)))
        return self.objects.erase_messages(late) if late else {}

    def _kept(self, receipt: ErasureReceipt) -> ErasureReceipt:
        self.data.record_erasure(receipt)
        self.log.info(
            "erasure: done",
            extra={
                "receipt_id": receipt.receipt_id,
                "subject": receipt.subject.value,
                "customer_id": receipt.customer_id,
                "erased": receipt.total,
            },
        )
        return receipt
