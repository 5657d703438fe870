"""The signals Lambda: new contact items from the table's stream, partial batch responses."""

from __future__ import annotations

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
from contactguard.adapters.messaging import SnsAlerts
from contactguard.adapters.stream import contact_from_record, read_record, record_failed
from signals.service import SignalsService
from signals.settings import signals_settings

logger = Logger(service="signals")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@lru_cache(maxsize=1)
def build() -> SignalsService:
    settings = signals_settings()
    store = DynamoStore(settings.table_name, retention=settings.retention())
    return SignalsService(
        contacts=store,
        signals=store,
        alerts=SnsAlerts(settings.alerts_topic_arn),
        log=logger,
        thresholds=settings.thresholds(),
    )


def _record(record: DynamoDBRecord) -> None:
    contact = read_record(contact_from_record, record.raw_event, logger, "signals")
    if contact is None:
        return
    try:
        build().on_contact(contact)
    except Exception as error:
        raise record_failed(
            logger, "signals: record failed", error, contact_id=contact.contact_id
        ) from None


@logger.inject_lambda_context(log_event=False)
def stream_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=_record, processor=processor, context=context
    )
