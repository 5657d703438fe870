"""Subject access: everything held on one customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from contactguard.domain.access import Operation, require
from contactguard.domain.case import Case, CaseEvent
from contactguard.domain.model import Contact, Customer
from contactguard.ports import CaseStore, Clock, ContactStore, CustomerStore
from contactguard.usecases.audit import Auditor
from contactguard.usecases.customers import known_customer
from contactguard.usecases.request import Request

# Every contact a customer could have: the store's keys cover these years.
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
_END = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Everything:
    exported_at: datetime
    customer: Customer
    contacts: list[Contact]
    unattributed_contacts: list[Contact]  # from the customer's addresses, before they were linked
    cases: list[tuple[Case, list[CaseEvent]]]


@dataclass
class SubjectAccess:
    customers: CustomerStore
    contacts: ContactStore
    cases: CaseStore
    audit: Auditor
    clock: Clock

    def export(self, request: Request, customer_id: str) -> Everything:
        require(request.actor.role, Operation.SUBJECT_ACCESS_EXPORT)
        customer = known_customer(self.customers, customer_id)
        self.audit.record(request, Operation.SUBJECT_ACCESS_EXPORT, customer_id)
        contacts = list(self.contacts.contacts(customer_id, _BEGINNING, _END))
        unattributed = [
            c for address in customer.emails for c in self.contacts.unmatched_contacts(address)
        ]
        cases = [
            (case, self.cases.events(case.case_id))
            for case in self.cases.cases_for_customer(customer_id)
        ]
        return Everything(
            exported_at=self.clock(),
            customer=customer,
            contacts=contacts,
            unattributed_contacts=unattributed,
            cases=cases,
        )
