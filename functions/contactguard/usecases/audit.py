"""The audit trail: a record before any customer's data is shown or changed, and reading it."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from contactguard.domain.access import Operation, require
from contactguard.domain.audit import AuditRecord
from contactguard.domain.calendar import london_date, start_of_day
from contactguard.domain.personal_data import Correction
from contactguard.ports import AuditLog, Clock, Log
from contactguard.usecases.errors import AuditUnavailable, InvalidInput
from contactguard.usecases.request import Request

TRAIL_DAYS = 90  # the default reach of the trail: this many days back from the last date
# The most records one reply holds, oldest first: a busier window is read by narrowing dates.
MAX_TRAIL_RECORDS = 1000


@dataclass
class Auditor:
    """Writes one record per customer touched, before the data is shown or changed.

    No record, no data: a write that fails with one of `unavailable` (the adapter's errors,
    given by the composition root) raises AuditUnavailable and the use case goes no further.
    Records and log lines hold ids and codes only.
    """

    trail: AuditLog
    clock: Clock
    log: Log
    unavailable: tuple[type[Exception], ...] = ()
    _count: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def record(
        self,
        request: Request,
        operation: Operation,
        customer_id: str | None,
        *,
        detail: str = "",
        corrected: tuple[Correction, ...] = (),
        **ids: str | None,
    ) -> None:
        """`corrected`: a rectification's old values, kept in the record only (the log line
        says the detail's codes, never a value)."""
        record = AuditRecord(
            audit_id=f"{request.request_id}-{next(self._count)}",
            at=self.clock(),
            actor_id=request.actor.actor_id,
            role=request.actor.role,
            operation=operation,
            customer_id=customer_id,
            detail=detail,
            corrected=corrected,
            **ids,
        )
        try:
            self.trail.record_audit(record)
        except self.unavailable as error:
            self.log.error(
                "api: audit record not written; request refused",
                extra={"operation": operation.value, "error": type(error).__name__},
            )
            raise AuditUnavailable from error
        self.log.info(
            "audit",
            extra={
                "operation": operation.value,
                "actor_id": request.actor.actor_id,
                "role": request.actor.role.value,
                "customer_id": customer_id,
                **ids,
            },
        )


@dataclass(frozen=True)
class Trail:
    customer_id: str | None
    actor_id: str | None
    first: date
    last: date
    records: list[AuditRecord]
    complete: bool  # False: the window holds more than MAX_TRAIL_RECORDS; these are its oldest


@dataclass
class AuditTrail:
    """The data protection officer's questions: who touched customer X, what did Y touch."""

    trail: AuditLog
    audit: Auditor
    clock: Clock

    def read(
        self,
        request: Request,
        *,
        customer_id: str | None = None,
        actor_id: str | None = None,
        first: date | None = None,
        last: date | None = None,
    ) -> Trail:
        require(request.actor.role, Operation.READ_AUDIT)
        if (customer_id is None) == (actor_id is None):
            raise InvalidInput("query", [("", "give exactly one of customer_id or actor_id")])
        last = last or london_date(self.clock())
        first = first or last - timedelta(days=TRAIL_DAYS)
        if first > last:
            raise InvalidInput("query", [("from", "must not be after to")])
        # Reading the trail is itself recorded: who asked about whom.
        self.audit.record(
            request,
            Operation.READ_AUDIT,
            customer_id,
            detail="trail-by-customer" if customer_id else "trail-by-actor",
        )
        start, end = _day_range(first, last)
        # One more than a reply holds, to tell whether the window held more.
        records = (
            self.trail.audit_of_customer(customer_id, start, end, MAX_TRAIL_RECORDS + 1)
            if customer_id is not None
            else self.trail.audit_by_actor(actor_id or "", start, end, MAX_TRAIL_RECORDS + 1)
        )
        complete = len(records) <= MAX_TRAIL_RECORDS
        return Trail(customer_id, actor_id, first, last, records[:MAX_TRAIL_RECORDS], complete)


def _day_range(first: date, last: date) -> tuple[datetime, datetime]:
    return start_of_day(first), start_of_day(last + timedelta(days=1))
