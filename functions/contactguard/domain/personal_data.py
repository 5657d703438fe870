"""A customer's rights over the data held on them: rectification and erasure (UK GDPR
Articles 16 and 17), as rules and values.

Rectification: a customer's name, postal address or an email address corrected. What each
correction replaced is kept in the audit record of the change (`Correction`), and nowhere else:
not on the customer's record, never in a log line.

Erasure: everything held on a customer (or on an unmatched sender's mail) deleted on request,
where no lawful reason to keep it remains. A case is such a reason: the policy's decisions and
the contact behind them are kept until the case ends and for the retention schedule's period
after (contactguard.domain.retention: closed, lapsed, or decided with the letter never sent),
so a customer with any case still held is refused, naming the case and the rule, unless every
case has ended and its records' retention has passed (they wait only for DynamoDB's TTL).
The receipt says what was erased, per store, when and by whom, and holds no personal data
beyond the customer's id or a hash of the sender's address.

Pure: no AWS, no environment, no clock (time is an argument).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from contactguard.domain.case import Case
from contactguard.domain.errors import RuleViolation
from contactguard.domain.model import (
    AwareDatetime,
    Customer,
    EmailAddress,
    Frozen,
    PostalAddress,
    Role,
    SingleLine,
)
from contactguard.domain.retention import RecordKind, RetentionSchedule

# Rule ids (policy/rules.yaml): named in refusals and in the tests that prove them.
RECTIFICATION_RULE = "design-rectification"
ERASURE_CASE_RULE = "design-erasure-case-history"
ERASURE_CLAIMED_RULE = "design-erasure-address-claimed"


# Rectification ------------------------------------------------------------------------------


class CorrectedField(StrEnum):
    NAME = "name"
    ADDRESS = "address"
    EMAIL = "email"


class Correction(Frozen):
    """One value corrected: which field, and what it held before (the audit record's only)."""

    field: CorrectedField
    previous: Annotated[str, Field(max_length=2000)]


def _address_text(customer: Customer) -> str:
    if customer.address is None:
        return ""
    return ", ".join((*customer.address.lines, customer.address.postcode))


def corrections(before: Customer, after: Customer) -> tuple[Correction, ...]:
    """What changed from `before` to `after`, each with the value it replaced (an email
    address removed is one correction; one added replaces nothing)."""
    found: list[Correction] = []
    if before.name != after.name:
        found.append(Correction(field=CorrectedField.NAME, previous=before.name))
    if before.address != after.address:
        found.append(Correction(field=CorrectedField.ADDRESS, previous=_address_text(before)))
    found.extend(
        Correction(field=CorrectedField.EMAIL, previous=address)
        for address in before.emails
        if address not in after.emails
    )
    return tuple(found)


def correction_codes(done: tuple[Correction, ...]) -> str:
    """The audit record's detail: the fields corrected, as codes ("corrected=name,email")."""
    return "corrected=" + ",".join(dict.fromkeys(c.field.value for c in done))


# Erasure ------------------------------------------------------------------------------------


def cases_needing_data(
    cases: list[Case], now: datetime, retention: RetentionSchedule
) -> list[Case]:
    """The cases that are a lawful reason to keep the customer's data at `now`: every case
    that has not ended (open, restricted, under appeal...) and every ended one (closed, lapsed,
    or decided with its letter never sent) until its records expire under the retention
    schedule; the same rule that stamps the case's records' expiry."""
    kept = []
    for case in cases:
        until = retention.case_expiry(case, now)
        if until is None or until > now:
            kept.append(case)
    return kept


def refuse_erasure_for_cases(held: list[Case], retention: RetentionSchedule) -> None:
    """Raise RuleViolation, in plain words, when a case still needs the customer's data."""
    if not held:
        return
    ids = ", ".join(case.case_id for case in held[:5]) + (" ..." if len(held) > 5 else "")
    raise RuleViolation(
        ERASURE_CASE_RULE,
        f"this customer cannot be erased: case {ids} still needs their data (a case's records "
        f"are kept until it ends and for {retention.periods[RecordKind.CASE_RECORDS].words()} "
        "after it ends); "
        "correct what is wrong instead, or erase once that has passed",
    )


def refuse_erasure_of_claimed(customer_id: str) -> None:
    """An address a customer holds is that customer's: its mail is erased with them."""
    raise RuleViolation(
        ERASURE_CLAIMED_RULE,
        f"this address belongs to customer {customer_id}: its mail is theirs, so correct or "
        "erase that customer instead",
    )


def hashed_address(address: str) -> str:
    """How a receipt names an erased sender: a SHA-256 of the normalised address, so a
    receipt can be matched to a request that names the address without holding it."""
    return "sha256:" + hashlib.sha256(address.encode("utf-8")).hexdigest()


class ErasedSubject(StrEnum):
    CUSTOMER = "customer"
    SENDER = "sender"  # an unmatched sender's mail


class ErasureReceipt(Frozen):
    """What was erased, where, when, by whom: counts per store, ids only (never a name, an
    address or a word of mail)."""

    receipt_id: Annotated[str, Field(min_length=1, max_length=200)]
    subject: ErasedSubject
    customer_id: str | None = None  # the customer erased
    sender: str | None = None  # the sender erased: hashed_address
    erased_at: AwareDatetime
    erased_by: Annotated[str, Field(min_length=1, max_length=128)]
    role: Role
    # store -> what -> how many, e.g. {"table": {"contact": 3}, "raw-mail": {"object": 2}}
    erased: dict[str, dict[str, int]]

    @property
    def total(self) -> int:
        return sum(n for counts in self.erased.values() for n in counts.values())


class Rectification(Frozen):
    """What a member of staff corrects: any of the name, the postal address (whole), and one
    email address (`wrong_email`, one the customer holds, replaced by `right_email`)."""

    name: SingleLine | None = None
    address: PostalAddress | None = None
    wrong_email: EmailAddress | None = None
    right_email: EmailAddress | None = None

    @model_validator(mode="after")
    def _something(self) -> Rectification:
        if (self.wrong_email is None) != (self.right_email is None):
            raise ValueError("an email correction names the wrong address and the right one")
        if self.name is None and self.address is None and self.wrong_email is None:
            raise ValueError("say what to correct: name, address, or an email address")
        return self

    def applied_to(self, customer: Customer) -> Customer:
        """The customer as corrected (the right address takes the wrong one's place)."""
        update: dict[str, object] = {}
        if self.name is not None:
            update["name"] = self.name
        if self.address is not None:
            update["address"] = self.address
        if self.wrong_email is not None and self.right_email is not None:
            emails = (self.right_email if a == self.wrong_email else a for a in customer.emails)
            update["emails"] = tuple(dict.fromkeys(emails))
        return customer.model_copy(update=update)
