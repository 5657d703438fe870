"""Customers: register one, read one with their cases, link an email address, correct one
(UK GDPR Art. 16)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from contactguard.domain.access import Operation, require
from contactguard.domain.case import Case
from contactguard.domain.model import Customer, LetterFormat
from contactguard.domain.personal_data import Rectification, correction_codes, corrections
from contactguard.ports import CaseStore, Clock, ContactStore, CustomerStore, EmailAlreadyClaimed
from contactguard.service import CustomerService, UnknownCustomer
from contactguard.usecases.audit import Auditor
from contactguard.usecases.errors import AlreadyExists, InvalidInput, validated
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


@dataclass(frozen=True)
class Rectified:
    customer: Customer  # as corrected
    fields: tuple[str, ...]  # which were corrected: name, address, email
    attributed: int  # earlier unmatched contacts from the right address, now the customer's


@dataclass
class Customers:
    customers: CustomerStore
    contacts: ContactStore
    cases: CaseStore
    audit: Auditor
    clock: Clock

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
        self._service().register(customer, self.clock())
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

    def correct(self, request: Request, customer_id: str, fields: dict[str, Any]) -> Rectified:
        """Correct the name, the postal address or an email address (`Rectification`'s
        fields). The values replaced go into the audit record of the change and nowhere else.
        A corrected address is matched from now on: the wrong one no longer attributes mail
        (its claim is released), earlier contacts stay the customer's, and earlier unmatched
        mail from the right one is attributed. Raises InvalidInput (nothing differs, or the
        wrong address is not the customer's) or EmailAlreadyClaimed (the right address is
        another customer's), before anything is recorded or changed."""
        require(request.actor.role, Operation.RECTIFY_CUSTOMER)
        change = validated(lambda: Rectification.model_validate(fields))
        customer = known_customer(self.customers, customer_id)
        if change.wrong_email is not None and change.wrong_email not in customer.emails:
            raise InvalidInput("body", [("wrong_email", "not one of this customer's addresses")])
        right = change.right_email
        owner = self.customers.customer_id_for_email(right) if right else None
        if right and owner not in (None, customer_id):
            raise EmailAlreadyClaimed(right)
        corrected = change.applied_to(customer)
        done = corrections(customer, corrected)
        if not done:
            raise InvalidInput("body", [("", "nothing differs from what is held")])
        self.audit.record(
            request,
            Operation.RECTIFY_CUSTOMER,
            customer_id,
            detail=correction_codes(done),
            corrected=done,
        )
        self.customers.put_customer(corrected)
        attributed = self.contacts.attribute_unmatched(right, customer_id) if right else 0
        fields_done = tuple(dict.fromkeys(c.field.value for c in done))
        return Rectified(customer=corrected, fields=fields_done, attributed=attributed)

    def _service(self) -> CustomerService:
        return CustomerService(customers=self.customers, contacts=self.contacts)
