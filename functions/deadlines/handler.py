"""The deadlines Lambda: three entry points over one service.

- `stream_handler`: DynamoDB stream of the cases table (new case events), partial batch
  responses: one bad record fails alone and is retried, the rest go on.
- `schedule_handler`: invoked by EventBridge Scheduler with {case_id, deadline, ...}. An
  infrastructure error raises, so Scheduler retries and then dead-letters; a deadline the
  case has moved past returns normally.
- `reconcile_handler`: the daily fixed schedule.
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
from pydantic import BaseModel, ConfigDict

from contactguard.adapters.metrics import MetricCounter
from contactguard.adapters.stream import case_event_from_record, read_record, record_failed
from contactguard.domain.deadlines import DeadlineKind
from deadlines.wiring import current, logger, metrics

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


class DeadlinePayload(BaseModel):
    model_config = ConfigDict(extra="ignore")
    case_id: str
    deadline: DeadlineKind
    letter_id: str | None = None


# The composition root (deadlines.wiring) builds the service on first use, on its clock.
build = current


def _record(record: DynamoDBRecord) -> None:
    event = read_record(
        case_event_from_record,
        record.raw_event,
        logger,
        "deadlines",
        counter=MetricCounter(metrics),
    )
    if event is None:
        return
    try:
        wiring = current()
        wiring.service.on_event(event, wiring.clock())
    except Exception as error:
        raise record_failed(
            logger,
            "deadlines: record failed",
            error,
            counter=MetricCounter(metrics),
            case_id=event.case_id,
        ) from None


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def stream_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=_record, processor=processor, context=context
    )


@metrics.log_metrics
@logger.inject_lambda_context(log_event=True)  # ids and a deadline kind only
def schedule_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    payload = DeadlinePayload.model_validate(event)
    wiring = current()
    applied = wiring.service.fire(
        payload.case_id, payload.deadline, wiring.clock(), letter_id=payload.letter_id
    )
    MetricCounter(metrics).count("DeadlinesApplied" if applied else "DeadlinesMoot")
    return {"case_id": payload.case_id, "deadline": payload.deadline.value, "applied": applied}


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def reconcile_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring = current()
    report = wiring.service.reconcile_all(wiring.store, wiring.clock())
    # Deadlines whose schedule never fired (applied late by the daily sweep).
    MetricCounter(metrics).count("DeadlinesAppliedLate", len(report.applied))
    # Cases committed before the dashboard's open-cases index existed: indexed once.
    indexed = wiring.store.index_open_cases()
    return {
        "created": len(report.created),
        "deleted": len(report.deleted),
        "applied_late": len(report.applied),
        "kept": report.kept,
        "indexed": indexed,
    }
