"""The delivery Lambda: new email contacts from the table's stream -> the staff mailbox or
the named officer, through SES raw sending. Partial batch responses: one bad record never
holds up the rest; a failed one is retried by Lambda, then kept on the failure queue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from contactguard.adapters.metrics import MetricCounter
from contactguard.adapters.stream import contact_from_record, read_record, record_failed
from delivery.wiring import current, logger, metrics

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


# The composition root (delivery.wiring) builds the service on first use, on its clock.
build = current


def _record(record: DynamoDBRecord) -> None:
    contact = read_record(
        contact_from_record, record.raw_event, logger, "delivery", counter=MetricCounter(metrics)
    )
    if contact is None:
        return
    # The record's sequence number names the attempt: its retries share it.
    attempt = record.dynamodb.sequence_number if record.dynamodb else None
    try:
        wiring = current()
        wiring.service.deliver(contact, wiring.clock(), attempt=attempt or record.event_id or "")
    except Exception as error:
        raise record_failed(
            logger,
            "delivery: record failed",
            error,
            counter=MetricCounter(metrics),
            contact_id=contact.contact_id,
        ) from None


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)  # records hold addresses: never logged
def stream_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=_record, processor=processor, context=context
    )
