"""Call handlers: who is calling (by name or postcode, a short list), and what applies to a
caller now (by email address or customer id)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from api.identity import staff_request
from api.models import (
    ApiEmail,
    CallerMatch,
    CallersFound,
    CaseRestrictions,
    ChannelAdvice,
    EmailHandling,
    FindCaller,
    LookupResult,
)
from api.resolver import endpoint, replies
from api.wiring import current
from contactguard.domain.access import Operation
from contactguard.usecases.lookup import WhatApplies


def lookup_result(applies: WhatApplies) -> LookupResult:
    ruling = applies.email
    return LookupResult(
        customer_id=applies.customer.customer_id,
        name=applies.customer.name,
        at=applies.at,
        restricted=applies.restricted,
        in_force=[
            CaseRestrictions(
                case_id=entry.case.case_id,
                status=entry.case.status,
                until=entry.until,
                restrictions=entry.restrictions,
            )
            for entry in applies.in_force
        ],
        channels=[
            ChannelAdvice(channel=g.channel, allowed=g.allowed, conditions=list(g.conditions))
            for g in applies.channels
        ],
        permitted_channels=applies.permitted_channels,
        email=EmailHandling(
            action=ruling.action,
            reason=ruling.reason,
            write_to=ruling.write_to,
            officer_email=ruling.officer_email,
        ),
    )


@endpoint(
    "GET",
    "/lookup",
    Operation.LOOKUP,
    summary="What applies to a caller now: restrictions, channel guidance, permitted channels",
    responses=replies(200, "what applies now", 400, 401, 403, 404),
    tags=["call handlers"],
)
def lookup(
    email: Annotated[ApiEmail | None, Query(description="the caller's email address")] = None,
    customer_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="or the customer's id")
    ] = None,
) -> LookupResult:
    request = staff_request()
    applies = current().use_cases.lookup.what_applies(request, email=email, customer_id=customer_id)
    return lookup_result(applies)


@endpoint(
    "POST",
    "/lookup/search",
    Operation.LOOKUP,
    summary="Callers by name or postcode: at most 20 in name order, each with whether "
    "restrictions apply now, and whether there were more",
    responses=replies(200, "the customers found (perhaps none)", 400, 401, 403),
    tags=["call handlers"],
)
def search(find: FindCaller) -> CallersFound:
    request = staff_request()
    found = current().use_cases.lookup.find(request, name=find.name, postcode=find.postcode)
    return CallersFound(
        by=found.by,
        searched=found.searched,
        matches=[
            CallerMatch(
                customer_id=match.customer.customer_id,
                name=match.customer.name,
                postcode=match.postcode,
                restricted=match.restricted,
            )
            for match in found.matches
        ],
        more=found.more,
        limit=found.limit,
    )
