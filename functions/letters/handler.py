"""The letters Lambda: the cases table's DynamoDB stream -> DOCX drafts in S3.

Powertools BatchProcessor with partial batch responses: a record that is not a new case
event, or an event that calls for no letter, succeeds doing nothing; one record that fails
is reported alone in batchItemFailures and retried, the rest go on. Nothing touches AWS at
import time: the service is built on first use.
"""

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
from contactguard.adapters.stream import case_event_from_record, read_record, record_failed
from letters.service import LetterResult
from letters.wiring import current, logger, metrics

RESULT_METRICS = {LetterResult.DRAFTED: "LettersDrafted", LetterResult.FAILED: "LettersFailed"}
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


# The composition root (letters.wiring) builds the service on first use, on its clock.
build = current


def _record(record: DynamoDBRecord) -> None:
    event = read_record(
        case_event_from_record, record.raw_event, logger, "letters", counter=MetricCounter(metrics)
    )
    if event is None or event.letter is None:
        return
    try:
        wiring = current()
        result = wiring.service.on_event(event, wiring.clock())
    except Exception as error:
        raise record_failed(
            logger,
            "letters: record failed",
            error,
            counter=MetricCounter(metrics),
            case_id=event.case_id,
            letter_id=event.letter.letter_id,
        ) from None
    if result in RESULT_METRICS:
        MetricCounter(metrics).count(RESULT_METRICS[result])


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)  # records hold case documents: never logged
def stream_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=_record, processor=processor, context=context
    )
