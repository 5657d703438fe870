"""The deadlines Lambda: three entry points over one service.

- `stream_handler`: DynamoDB stream of the cases table (new case events), partial batch
  responses: one bad record fails alone and is retried, the rest go on.
- `schedule_handler`: invoked by EventBridge Scheduler with {case_id, deadline, ...}. An
  infrastructure error raises, so Scheduler retries and then dead-letters; a deadline the
  case has moved past returns normally.
- `reconcile_handler`: the daily fixed schedule.
"""

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
from pydantic import BaseModel, ConfigDict

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import SnsAlerts
from contactguard.adapters.metrics import MetricCounter, metrics_for
from contactguard.adapters.scheduler import SchedulerGateway, ScheduleTarget
from contactguard.adapters.stream import case_event_from_record, read_record, record_failed
from contactguard.domain.deadlines import DeadlineKind
from contactguard.service import CaseService
from deadlines.service import DeadlinesService
from deadlines.settings import deadlines_settings

logger = Logger(service="deadlines")
metrics = metrics_for("deadlines")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


class DeadlinePayload(BaseModel):
    model_config = ConfigDict(extra="ignore")
    case_id: str
    deadline: DeadlineKind
    letter_id: str | None = None


@lru_cache(maxsize=1)
def build() -> tuple[DeadlinesService, DynamoStore]:
    settings = deadlines_settings()
    store = DynamoStore(settings.table_name, retention_years=settings.retention_years)
    service = DeadlinesService(
        cases=CaseService(cases=store, customers=store, policy=settings.policy()),
        schedules=SchedulerGateway(
            ScheduleTarget(
                function_arn=settings.deadlines_function_arn,
                role_arn=settings.scheduler_role_arn,
                dead_letter_arn=settings.dead_letter_arn,
                group=settings.schedule_group,
            )
        ),
        alerts=SnsAlerts(settings.alerts_topic_arn),
        log=logger,
        retention=store,
    )
    return service, store


def utc_now() -> datetime:
    return datetime.now(UTC)


# The edge reads the clock; everything below takes time as an argument. Local runs (the
# embedded stack, the simulator) replace this with a clock they control.
clock: Callable[[], datetime] = utc_now


def _now() -> datetime:
    return clock()


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
        build()[0].on_event(event, _now())
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
    applied = build()[0].fire(
        payload.case_id, payload.deadline, _now(), letter_id=payload.letter_id
    )
    MetricCounter(metrics).count("DeadlinesApplied" if applied else "DeadlinesMoot")
    return {"case_id": payload.case_id, "deadline": payload.deadline.value, "applied": applied}


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)
def reconcile_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    service, store = build()
    report = service.reconcile_all(store, _now())
    # Deadlines whose schedule never fired (applied late by the daily sweep).
    MetricCounter(metrics).count("DeadlinesAppliedLate", len(report.applied))
    return {
        "created": len(report.created),
        "deleted": len(report.deleted),
        "applied_late": len(report.applied),
        "kept": report.kept,
    }
