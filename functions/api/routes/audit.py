"""The audit trail, for the data protection officer."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from api.identity import staff_request
from api.models import AuditTrail
from api.resolver import endpoint, replies
from api.wiring import current
from contactguard.domain.access import Operation
from contactguard.usecases import EARLIEST_DATE, LATEST_DATE


@endpoint(
    "GET",
    "/audit",
    Operation.READ_AUDIT,
    summary="The audit trail: who read or changed one customer's data, or what one person did",
    responses=replies(200, "the records, oldest first", 400, 401, 403),
    tags=["data protection"],
)
def audit_trail(
    customer_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="whose data")
    ] = None,
    actor_id: Annotated[
        str | None, Query(min_length=1, max_length=128, description="or by whom (the sub)")
    ] = None,
    from_date: Annotated[
        date | None,
        Query(alias="from", ge=EARLIEST_DATE, le=LATEST_DATE, description="default: 90 days ago"),
    ] = None,
    to_date: Annotated[
        date | None,
        Query(alias="to", ge=EARLIEST_DATE, le=LATEST_DATE, description="default: today"),
    ] = None,
) -> AuditTrail:
    trail = current().use_cases.audit_trail.read(
        staff_request(), customer_id=customer_id, actor_id=actor_id, first=from_date, last=to_date
    )
    return AuditTrail(
        customer_id=trail.customer_id,
        actor_id=trail.actor_id,
        from_date=trail.first,
        to_date=trail.last,
        records=trail.records,
        complete=trail.complete,
    )
