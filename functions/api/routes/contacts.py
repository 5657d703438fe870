"""Contacts: log a phone call, letter, visit or social-media contact; list a customer's."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from api.identity import staff_request
from api.models import ContactList, ContactRecorded, NewContact
from api.resolver import CustomerId, endpoint, json_reply, replies
from api.wiring import current
from contactguard.domain.access import Operation
from contactguard.usecases import EARLIEST_DATE, LATEST_DATE
from contactguard.usecases.contacts import ContactEntry


@endpoint(
    "POST",
    "/customers/<customer_id>/contacts",
    Operation.LOG_CONTACT,
    summary="Log a phone, letter, visit or social-media contact (email arrives by itself)",
    responses=replies(
        201, "logged (200 with recorded false: already logged)", 400, 401, 403, 404, 413
    ),
    tags=["contacts"],
)
def log_contact(customer_id: CustomerId, new: NewContact) -> Response[ContactRecorded]:
    request = staff_request()
    entry = ContactEntry(
        channel=new.channel,
        direction=new.direction,
        at=new.at,
        summary=new.summary,
        disposition=new.disposition,
        reason=new.reason,
        idempotency_key=new.idempotency_key,
    )
    recorded, contact = current().use_cases.contacts.log(request, customer_id, entry)
    return json_reply(201 if recorded else 200, ContactRecorded(recorded=recorded, contact=contact))


@endpoint(
    "GET",
    "/customers/<customer_id>/contacts",
    Operation.READ_CONTACTS,
    summary="A customer's contacts between two dates (inclusive, Europe/London)",
    responses=replies(200, "the contacts", 400, 401, 403, 404),
    tags=["contacts"],
)
def list_contacts(
    customer_id: CustomerId,
    from_date: Annotated[
        date | None,
        Query(alias="from", ge=EARLIEST_DATE, le=LATEST_DATE, description="default: a year ago"),
    ] = None,
    to_date: Annotated[
        date | None,
        Query(alias="to", ge=EARLIEST_DATE, le=LATEST_DATE, description="default: today"),
    ] = None,
) -> ContactList:
    request = staff_request()
    seen = current().use_cases.contacts.between(request, customer_id, from_date, to_date)
    return ContactList(
        customer_id=customer_id,
        from_date=seen.first,
        to_date=seen.last,
        contacts=seen.contacts,
        withheld=seen.withheld,
    )
