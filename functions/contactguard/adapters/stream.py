"""DynamoDB stream records of the cases table, read back as domain values.

Stream consumers (letters, deadlines) see every change to the table; only INSERTs of case
event items concern them (the template's FilterCriteria narrows this in AWS; this check
holds locally and if the filter is ever lost).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

from contactguard.adapters.dynamodb import case_pk, event_sk
from contactguard.domain.case import CaseEvent
from contactguard.domain.model import STORED, Contact


class NotACaseEvent(ValueError):
    """The record is not what this consumer takes: skip it (it is not a failure)."""


class RecordFailed(Exception):
    """A record could not be handled. Carries the error's type only: the original message
    may quote the record (a validation error quotes the whole document: names, addresses,
    what an email said), and Powertools' batch processor logs the failure's text."""


class ErrorLog(Protocol):
    def error(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...


class FailureCounter(Protocol):
    def count(self, name: str, value: int = 1) -> None: ...


def record_failed(
    log: ErrorLog,
    message: str,
    error: Exception,
    *,
    counter: FailureCounter | None = None,
    **ids: Any,
) -> RecordFailed:
    """Log a record's failure with its ids and the error's type, never the error's text,
    count it (StreamRecordsFailed, on the dashboard) when given a counter, and return the
    exception to raise in its place (`raise ... from None`)."""
    log.error(message, extra={**ids, "error": type(error).__name__})
    if counter is not None:
        counter.count("StreamRecordsFailed")  # Lambda retries the record
    return RecordFailed(type(error).__name__)


T = TypeVar("T")


def read_record(
    read: Callable[[Mapping[str, Any]], T],
    record: Mapping[str, Any],
    log: ErrorLog,
    service: str,
    *,
    counter: FailureCounter | None = None,
) -> T | None:
    """What `read` makes of a stream record, None for one this consumer does not take; one it
    cannot read fails (RecordFailed), logged with its sequence number and never its text."""
    try:
        return read(record)
    except NotACaseEvent:
        return None
    except Exception as error:
        sequence = (record.get("dynamodb") or {}).get("SequenceNumber")
        raise record_failed(
            log, f"{service}: unreadable record", error, counter=counter, sequence=sequence
        ) from None


def case_event_from_record(record: Mapping[str, Any]) -> CaseEvent:
    """The CaseEvent a stream record inserted; NotACaseEvent for anything else."""
    if record.get("eventName") != "INSERT":
        raise NotACaseEvent("not an insert")
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    if (image.get("kind") or {}).get("S") != "event":
        raise NotACaseEvent("not a case event item")
    doc = (image.get("doc") or {}).get("S")
    if not doc:
        raise ValueError("case event item without its document")
    return CaseEvent.model_validate_json(doc, context=STORED)


def contact_from_record(record: Mapping[str, Any]) -> Contact:
    """The Contact a stream record inserted; NotACaseEvent for anything else."""
    if record.get("eventName") != "INSERT":
        raise NotACaseEvent("not an insert")
    image = (record.get("dynamodb") or {}).get("NewImage") or {}
    if (image.get("kind") or {}).get("S") != "contact":
        raise NotACaseEvent("not a contact item")
    doc = (image.get("doc") or {}).get("S")
    if not doc:
        raise ValueError("contact item without its document")
    return Contact.model_validate_json(doc, context=STORED)


def stream_record(event: CaseEvent) -> dict[str, Any]:
    """The stream record DynamoDB would emit for a newly written event (for local pumps)."""
    return {
        "eventID": event.event_id,
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"pk": {"S": case_pk(event.case_id)}, "sk": {"S": event_sk(event.seq)}},
            "NewImage": {
                "pk": {"S": case_pk(event.case_id)},
                "sk": {"S": event_sk(event.seq)},
                "kind": {"S": "event"},
                "case_id": {"S": event.case_id},
                "event_type": {"S": event.type.value},
                "seq": {"N": str(event.seq)},
                "doc": {"S": event.model_dump_json()},
            },
            "SequenceNumber": f"{event.seq:021d}",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
