"""The export Lambda: each subject access export job inserted on the table's stream is built
(contactguard.usecases.export_jobs), with partial batch responses. A job already built (a
redelivered record) is left as it is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from contactguard.adapters.stream import NotACaseEvent, read_record, record_failed
from contactguard.domain.subject_access import ExportJob
from exports.wiring import current, logger

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def job_from_record(record: Mapping[str, Any]) -> str:
    """The id of the export job a stream record inserted; NotACaseEvent for anything else."""
    if record.get("eventName") != "INSERT":
        raise NotACaseEvent("not an insert")
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    if (image.get("kind") or {}).get("S") != "export-job":
        raise NotACaseEvent("not an export job")
    doc = (image.get("doc") or {}).get("S")
    if not doc:
        raise ValueError("export job item without its document")
    return ExportJob.model_validate_json(doc).job_id


def _record(record: DynamoDBRecord) -> None:
    job_id = read_record(job_from_record, record.raw_event, logger, "exports")
    if job_id is None:
        return
    try:
        current().builder.build(job_id)
    except Exception as error:
        raise record_failed(logger, "exports: record failed", error, job_id=job_id) from None


@logger.inject_lambda_context(log_event=False)
def stream_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=_record, processor=processor, context=context
    )
