"""Use cases: load, decide, commit. Given their ports; time is an argument."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contactguard.domain.case import Case, Command
from contactguard.domain.errors import VersionConflict
from contactguard.domain.lifecycle import Outcome, Policy, decide
from contactguard.domain.model import Actor, Customer, normalise_email
from contactguard.ports import CaseStore, ContactStore, CustomerStore


class UnknownCase(LookupError):
    def __init__(self, case_id: str) -> None:
        super().__init__(f"no case {case_id}")
        self.case_id = case_id


class UnknownCustomer(LookupError):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"no customer {customer_id}")
        self.customer_id = customer_id


@dataclass
class CaseService:
    cases: CaseStore
    customers: CustomerStore
    policy: Policy

    def open_case(self, command: Command, actor: Actor, now: datetime) -> Outcome:
        """Start a case (a Step 1 concern, or immediate restrictions) for a known customer."""
        customer_id = getattr(command, "customer_id", None)
        if customer_id is None or self.customers.get_customer(customer_id) is None:
            raise UnknownCustomer(str(customer_id))
        outcome = decide(None, command, actor, now, self.policy)
        self.cases.commit(outcome.case, outcome.events, expected_version=None)
        return outcome

    def act(
        self,
        case_id: str,
        command: Command,
        actor: Actor,
        now: datetime,
        expected_version: int | None = None,
    ) -> Outcome:
        """Apply a command to an existing case.

        `expected_version` is the version the member of staff was looking at; when given, a
        case that moved on since is a conflict rather than a silent overwrite.
        """
        case = self.cases.get_case(case_id)
        if case is None:
            raise UnknownCase(case_id)
        if expected_version is not None and expected_version != case.version:
            raise VersionConflict(case_id, expected_version)
        outcome = decide(case, command, actor, now, self.policy)
        self.cases.commit(outcome.case, outcome.events, expected_version=case.version)
        return outcome

    def cases_of(self, customer_id: str) -> list[Case]:
        return self.cases.cases_for_customer(customer_id)


@dataclass
class CustomerService:
    customers: CustomerStore
    contacts: ContactStore

    def register(self, customer: Customer, at: datetime) -> None:
        self.customers.put_customer(customer, registered_at=at)

    def link_email(self, customer_id: str, address: str) -> int:
        """Add an address to a customer and attribute its earlier unmatched contacts."""
        customer = self.customers.get_customer(customer_id)
        if customer is None:
            raise UnknownCustomer(customer_id)
        normalised = normalise_email(address)
        if normalised not in customer.emails:  # linking twice adds nothing
            updated = customer.model_copy(update={"emails": (*customer.emails, normalised)})
            self.customers.put_customer(updated)
        return self.contacts.attribute_unmatched(normalised, customer_id)
