"""A call handler's question: what applies to this caller now?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
from contactguard.ports import CaseStore, Clock, CustomerStore
from contactguard.service import UnknownCustomer
from contactguard.usecases.audit import Auditor
from contactguard.usecases.errors import InvalidInput, NotFound
from contactguard.usecases.request import Request


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


@dataclass
class Lookup:
    customers: CustomerStore
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
        in_force = []
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
