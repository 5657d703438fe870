"""A call handler's questions: who is this caller, and what applies to them now?

A caller is found by email address or customer reference (one customer: `what_applies`), or
by name or postcode (`find`: a short list, each with whether restrictions apply now, to choose
from). Every search is audited, found or not: one record per customer it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from contactguard.domain.access import Operation, require
from contactguard.domain.case import Case
from contactguard.domain.enforcement import (
    ChannelGuidance,
    EmailRuling,
    channel_guidance,
    email_ruling,
    permitted_channels,
    restrictions_in_force,
)
from contactguard.domain.model import Channel, Customer
from contactguard.domain.restrictions import Restriction
from contactguard.domain.search import (
    SearchBy,
    name_matches,
    name_tokens,
    normalise_postcode,
    postcode_of,
    search_word,
)
from contactguard.ports import CaseStore, Clock, CustomerFinder, CustomerStore
from contactguard.service import UnknownCustomer
from contactguard.usecases.audit import Auditor
from contactguard.usecases.errors import InvalidInput, NotFound
from contactguard.usecases.request import Request

_In = TypeVar("_In")


@dataclass(frozen=True)
class InForce:
    case: Case
    until: datetime | None  # the end of the restriction period, when one is set
    restrictions: list[Restriction]


@dataclass(frozen=True)
class WhatApplies:
    customer: Customer
    at: datetime
    in_force: list[InForce]  # cases with restrictions in force now
    channels: list[ChannelGuidance]  # one per channel
    permitted_channels: list[Channel]
    email: EmailRuling

    @property
    def restricted(self) -> bool:
        return bool(self.in_force)


MAX_MATCHES = 20  # the most customers a search by name or postcode lists


@dataclass(frozen=True)
class Match:
    customer: Customer
    restricted: bool  # restrictions are in force now on one of their cases

    @property
    def postcode(self) -> str | None:
        """Their address's postcode in its written form (as held when it is no UK one)."""
        address = self.customer.address
        return (postcode_of(self.customer) or address.postcode) if address else None


@dataclass(frozen=True)
class Matches:
    by: SearchBy  # NAME or POSTCODE
    searched: str  # the postcode normalised, or the name as given
    matches: list[Match]  # in name order, at most MAX_MATCHES
    more: bool  # more than MAX_MATCHES customers match: the search should be narrowed
    limit: int = MAX_MATCHES


@dataclass
class Lookup:
    customers: CustomerStore
    finder: CustomerFinder
    cases: CaseStore
    audit: Auditor
    clock: Clock

    def what_applies(
        self, request: Request, *, email: str | None = None, customer_id: str | None = None
    ) -> WhatApplies:
        """By the caller's (normalised) email address, or by customer id: exactly one."""
        require(request.actor.role, Operation.LOOKUP)
        if (email is None) == (customer_id is None):
            raise InvalidInput("query", [("", "give exactly one of email or customer_id")])
        found_id = (
            customer_id
            if customer_id is not None
            else self.customers.customer_id_for_email(email or "")
        )
        customer = self.customers.get_customer(found_id) if found_id else None
        by = "email" if email is not None else "customer_id"
        self.audit.record(
            request,
            Operation.LOOKUP,
            customer.customer_id if customer else None,
            detail=f"by={by} found={'true' if customer else 'false'}",
        )
        if customer is None:
            if customer_id is not None:
                raise UnknownCustomer(customer_id)
            raise NotFound("no customer has this email address")
        now = self.clock()
        cases = self.cases.cases_for_customer(customer.customer_id)
        in_force: list[InForce] = []
        for case in cases:
            restrictions = restrictions_in_force(case, now)
            if restrictions:
                until = case.period.effective_end if case.period is not None else None
                in_force.append(InForce(case, until, list(restrictions)))
        every = [r for entry in in_force for r in entry.restrictions]
        return WhatApplies(
            customer=customer,
            at=now,
            in_force=in_force,
            channels=[channel_guidance(cases, channel, now) for channel in Channel],
            permitted_channels=list(permitted_channels(every)),
            email=email_ruling(cases, now),
        )

    def find(
        self, request: Request, *, name: str | None = None, postcode: str | None = None
    ) -> Matches:
        """Customers by name (every word of it in theirs, in any order; a single letter an
        initial) or by postcode (a full UK one): exactly one. At most MAX_MATCHES, in name
        order, with `more` when there are others: never cut short without saying so. One
        audit record per customer listed (none listed: one record of the search), before
        anything is shown; records say how they searched, never what for."""
        require(request.actor.role, Operation.LOOKUP)
        if (name is None) == (postcode is None):
            raise InvalidInput("query", [("", "give exactly one of name or postcode")])
        if postcode is not None:
            by, searched = SearchBy.POSTCODE, _checked("postcode", normalise_postcode, postcode)
            ids = self.finder.customers_at_postcode(searched, MAX_MATCHES + 1)

            def fits(customer: Customer) -> bool:
                return postcode_of(customer) == searched
        else:
            by, searched = SearchBy.NAME, (name or "").strip()
            words = name_tokens(searched)
            _checked("name", search_word, words)
            ids = self.finder.customers_named(words, MAX_MATCHES + 1)

            def fits(customer: Customer) -> bool:
                return name_matches(words, name_tokens(customer.name))

        more = len(ids) > MAX_MATCHES
        # The index is eventually consistent: each customer is read and checked again.
        held = (self.customers.get_customer(customer_id) for customer_id in ids[:MAX_MATCHES])
        found = [customer for customer in held if customer is not None and fits(customer)]
        detail = f"by={by.value} found={len(found)}{'+' if more else ''}"
        shown: list[str | None] = [customer.customer_id for customer in found]
        for customer_id in shown or [None]:
            self.audit.record(request, Operation.LOOKUP, customer_id, detail=detail)
        now = self.clock()
        return Matches(
            by=by,
            searched=searched,
            matches=[Match(customer, self._restricted(customer, now)) for customer in found],
            more=more,
        )

    def _restricted(self, customer: Customer, now: datetime) -> bool:
        cases = self.cases.cases_for_customer(customer.customer_id)
        return any(restrictions_in_force(case, now) for case in cases)


def _checked(field: str, check: Callable[[_In], str], value: _In) -> str:
    """What `check` makes of a value; its refusal is the field's invalid input."""
    try:
        return check(value)
    except ValueError as refused:
        raise InvalidInput("query", [(field, str(refused))]) from None
