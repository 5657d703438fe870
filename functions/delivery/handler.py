"""The delivery Lambda: new email contacts from the table's stream -> the staff mailbox or
the named officer, through SES raw sending. Partial batch responses: one bad record never
holds up the rest; a failed one is retried by Lambda, then kept on the failure queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import S3RawMail, SesMailer
from contactguard.adapters.metrics import MetricCounter, metrics_for
from contactguard.adapters.stream import contact_from_record, read_record, record_failed
from delivery.service import DeliveryService
from delivery.settings import DeliveryMode, delivery_settings

logger = Logger(service="delivery")
metrics = metrics_for("delivery")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731 - the stack sets its own


@lru_cache(maxsize=1)
def build() -> DeliveryService:
    settings = delivery_settings()
    return DeliveryService(
        ledger=DynamoStore(settings.table_name, retention_years=settings.retention_years),
        raw_mail=S3RawMail(settings.raw_mail_bucket, settings.raw_mail_prefix),
        transport=SesMailer(),
        log=logger,
        metrics=MetricCounter(metrics),
        staff_mailbox=str(settings.staff_mailbox),
        sender=str(settings.forwarding_sender),
        max_bytes=settings.delivery_max_bytes,
        link_hours=settings.delivery_link_hours,
        forward_accepted=settings.delivery_mode is DeliveryMode.FORWARD,
    )


def _record(record: DynamoDBRecord) -> None:
    contact = read_record(
        contact_from_record, record.raw_event, logger, "delivery", counter=MetricCounter(metrics)
    )
    if contact is None:
        return
    # The record's sequence number names the attempt: its retries share it.
    attempt = record.dynamodb.sequence_number if record.dynamodb else None
    try:
        build().deliver(contact, clock(), attempt=attempt or record.event_id or "")
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
