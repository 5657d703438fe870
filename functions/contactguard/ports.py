"""Ports: what the services need from storage and the outside world, as Protocols.

AWS adapters (contactguard.adapters) implement them for Lambda; tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from contactguard.domain.case import Case, CaseEvent
from contactguard.domain.model import Contact, Customer


class CaseStore(Protocol):
    def get_case(self, case_id: str) -> Case | None:
        """The current state of one case (strongly consistent)."""

    def cases_for_customer(self, customer_id: str) -> list[Case]:
        """Every case of one customer, newest first (one Query)."""

    def commit(
        self, case: Case, events: tuple[CaseEvent, ...], expected_version: int | None
    ) -> None:
        """Write the new state and its events in one transaction.

        `expected_version` is the version the caller read (None for a new case). Raises
        VersionConflict when another writer got there first; then nothing is written.
        """

    def events(self, case_id: str) -> list[CaseEvent]:
        """The case's events in order (the audit trail)."""


class CustomerStore(Protocol):
    def put_customer(self, customer: Customer) -> None:
        """Create or replace a customer and claim its email addresses."""

    def get_customer(self, customer_id: str) -> Customer | None: ...

    def customer_id_for_email(self, address: str) -> str | None:
        """Case-insensitive lookup of the customer who owns an address (one GetItem)."""


class ContactStore(Protocol):
    def record_contact(self, contact: Contact) -> bool:
        """Log a contact once; False when this contact id was already recorded."""

    def contacts(self, customer_id: str, start: datetime, end: datetime) -> Iterator[Contact]:
        """A customer's contacts with start <= at < end, oldest first (one paginated Query)."""

    def unmatched_contacts(self, address: str) -> list[Contact]:
        """Contacts from an address no customer owned when they arrived."""

    def attribute_unmatched(self, address: str, customer_id: str) -> int:
        """Attribute earlier unmatched contacts from `address` to a customer; returns how many."""
