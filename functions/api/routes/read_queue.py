"""The designated officer's read queue."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from api.identity import staff_request
from api.models import EmailReadRecorded, MarkRead, QueuedEmail, ReadQueue
from api.resolver import endpoint, replies
from api.wiring import current
from contactguard.domain.access import Operation


@endpoint(
    "GET",
    "/read-queue",
    Operation.READ_QUEUE,
    summary="Filed emails awaiting the designated officer's read",
    responses=replies(200, "the queue", 401, 403),
    tags=["designated officer"],
)
def read_queue() -> ReadQueue:
    waiting = current().use_cases.read_queue.waiting(staff_request())
    return ReadQueue(
        items=[
            QueuedEmail(customer_id=w.customer_id, contact_id=w.contact_id, contact=w.contact)
            for w in waiting
        ]
    )


ContactId = Annotated[str, Path(min_length=1, max_length=200, description="the contact's id")]


@endpoint(
    "POST",
    "/read-queue/<contact_id>/read",
    Operation.MARK_READ,
    summary="The designated officer has read a filed email: off the queue, outcome recorded",
    responses=replies(200, "recorded (or already read: nothing to do)", 400, 401, 403, 404, 409),
    tags=["designated officer"],
)
def mark_read(contact_id: ContactId, read: MarkRead) -> EmailReadRecorded:
    request = staff_request()
    contact = current().use_cases.read_queue.mark_read(request, contact_id, read.outcome, read.note)
    return EmailReadRecorded(
        contact_id=contact_id, customer_id=contact.customer_id, contact=contact
    )
