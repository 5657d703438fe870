"""Customers: register one, read one with their cases, link an email address."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from contactguard.domain.access import Operation, require
from contactguard.domain.case import Case
from contactguard.domain.model import Customer, LetterFormat
from contactguard.ports import CaseStore, ContactStore, CustomerStore
from contactguard.service import CustomerService, UnknownCustomer
from contactguard.usecases.audit import Auditor
from contactguard.usecases.errors import AlreadyExists, validated
from contactguard.usecases.request import Request


@dataclass(frozen=True)
class Linked:
    already_linked: bool  # the address was already this customer's
    attributed: int  # earlier unmatched contacts now attributed


def known_customer(customers: CustomerStore, customer_id: str) -> Customer:
    customer = customers.get_customer(customer_id)
    if customer is None:
        raise UnknownCustomer(customer_id)
    return customer


@dataclass
class Customers:
    customers: CustomerStore
    contacts: ContactStore
    cases: CaseStore
    audit: Auditor

    def register(
        self, request: Request, fields: dict[str, Any], customer_id: str | None = None
    ) -> Customer:
        """A new customer from `fields` (Customer's, without the id); a new id when none is
        given. Raises AlreadyExists, EmailAlreadyClaimed or InvalidInput."""
        role = request.actor.role
        require(role, Operation.REGISTER_CUSTOMER)
        if fields.get("emails"):  # an address decides whose record each email lands on
            require(role, Operation.LINK_EMAIL)  # a manager's call
        customer_id = customer_id or f"cust-{uuid.uuid4().hex[:16]}"
        self.audit.record(request, Operation.REGISTER_CUSTOMER, customer_id)
        if self.customers.get_customer(customer_id) is not None:
            raise AlreadyExists("customer-exists", f"customer {customer_id} already exists")
        customer = validated(
            lambda: Customer.model_validate({**fields, "customer_id": customer_id})
        )
        self._service().register(customer)
        return customer

    def view(self, request: Request, customer_id: str) -> tuple[Customer, list[Case]]:
        """A customer and their cases, newest first."""
        require(request.actor.role, Operation.READ_CUSTOMER)
        customer = known_customer(self.customers, customer_id)
        self.audit.record(request, Operation.READ_CUSTOMER, customer_id)
        return customer, self.cases.cases_for_customer(customer_id)

    def link_email(self, request: Request, customer_id: str, address: str) -> Linked:
        """Link a (normalised) address; earlier unmatched contacts from it are attributed."""
        require(request.actor.role, Operation.LINK_EMAIL)
        customer = known_customer(self.customers, customer_id)
        self.audit.record(request, Operation.LINK_EMAIL, customer_id)
        if address in customer.emails:
            # Mail from a linked address is matched as it arrives: nothing unmatched to move.
            return Linked(already_linked=True, attributed=0)
        attributed = self._service().link_email(customer_id, address)
        return Linked(already_linked=False, attributed=attributed)

    def set_letter_format(
        self, request: Request, customer_id: str, letter_format: LetterFormat
    ) -> Customer:
        """Record how letters to the customer are printed (large print: an adjustment); the
        next letter drafted uses it."""
        require(request.actor.role, Operation.SET_LETTER_FORMAT)
        customer = known_customer(self.customers, customer_id)
        self.audit.record(request, Operation.SET_LETTER_FORMAT, customer_id)
        if customer.letter_format is letter_format:
            return customer
        updated = customer.model_copy(update={"letter_format": letter_format})
        self.customers.put_customer(updated)
        return updated

    def _service(self) -> CustomerService:
        return CustomerService(customers=self.customers, contacts=self.contacts)
