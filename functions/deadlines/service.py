"""Deadlines: make the schedules match the case, and apply a deadline when it fires.

- After every case event (the stream), the case's pending deadlines are recomputed from its
  state and the schedules made to match: missing ones created, moot or moved ones deleted.
  A deadline already past when its event arrives is applied at once (Scheduler does not
  promise what a past `at()` does).
- When a schedule fires, the case is re-read and the deadline applied through the domain
  like any other decision. A case that moved on gives NothingToDo: logged, not an error.
- Once a day every open case is reconciled, so a lost schedule heals within a day, a
  deadline moved by a newly proclaimed bank holiday is rescheduled, and one that passed
  without firing is applied late and raised as an alert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from contactguard.domain.case import (
    CaseEvent,
    CaseEventType,
    CaseStatus,
    RecalculateDeadlines,
)
from contactguard.domain.deadlines import (
    Deadline,
    DeadlineKind,
    deadline_command,
    name_prefix,
    pending_deadlines,
)
from contactguard.domain.errors import NothingToDo, VersionConflict
from contactguard.domain.model import Actor
from contactguard.ports import Alerts, Log
from contactguard.service import CaseService

ACTOR = Actor.system("deadlines")
MAX_CATCH_UP = 20  # past deadlines applied in one reconciliation, at most


class Schedules(Protocol):
    def names(self, prefix: str) -> set[str]: ...
    def create(self, deadline: Deadline, now: datetime) -> bool: ...
    def delete(self, name: str) -> bool: ...


class OpenCases(Protocol):
    def open_case_ids(self) -> list[str]: ...


class Retention(Protocol):
    def apply_retention(self, case_id: str, now: datetime | None = None) -> int: ...


# contactguard.domain.retention: the statuses in which a case may have ended.
_MAY_HAVE_ENDED = (CaseStatus.CLOSED, CaseStatus.LAPSED, CaseStatus.RESTRICTIONS_DECIDED)


@dataclass
class ReconcileReport:
    created: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # past deadlines applied at once
    kept: int = 0

    def merge(self, other: ReconcileReport) -> None:
        self.created += other.created
        self.deleted += other.deleted
        self.applied += other.applied
        self.kept += other.kept


@dataclass
class DeadlinesService:
    cases: CaseService
    schedules: Schedules
    alerts: Alerts
    log: Log
    # Stamps the retention expiry on a closed case's earlier events (the commit that closes a
    # case stamps only itself and what follows); None where no store applies it.
    retention: Retention | None = None

    def on_event(self, event: CaseEvent, now: datetime) -> ReconcileReport:
        """A new case event: tell whoever it names, then bring the schedules into line."""
        notify = event.data.get("notify")
        if isinstance(notify, str):
            self.alerts.alert(event.type.value, case_id=event.case_id, role=notify)
        return self.reconcile(event.case_id, now, event_at=event.at)

    def reconcile(
        self,
        case_id: str,
        now: datetime,
        *,
        late_is_alert: bool = False,
        event_at: datetime | None = None,
    ) -> ReconcileReport:
        report = ReconcileReport()
        desired: list[Deadline] = []
        retained = False
        for _ in range(MAX_CATCH_UP):
            case = self.cases.cases.get_case(case_id)
            if case is None:
                self.log.warning("deadlines: no such case", extra={"case_id": case_id})
                return report
            # Retention (contactguard.domain.retention), once: on every case event (a case
            # opened, ended or reopened moves its customer's records' expiry too), and daily
            # for a case that may have ended without a commit (lapsed, or its restriction
            # letter unsent a whole restriction period).
            if not retained and (event_at is not None or case.status in _MAY_HAVE_ENDED):
                self._retain(case_id, now)
                retained = True
            desired = pending_deadlines(case, self.cases.policy)
            past = [d for d in desired if d.fire_at <= now]
            if not past:
                break
            # Apply the earliest, then recompute: it may make the others moot.
            deadline = past[0]
            if not self.fire(
                case_id, deadline.kind, now, late=late_is_alert, letter_id=deadline.letter_id
            ):
                desired = [d for d in desired if d.fire_at > now]
                break
            report.applied.append(deadline.kind.value)
        wanted = {d.schedule_name: d for d in desired if d.fire_at > now}
        existing = self.schedules.names(name_prefix(case_id))
        for name, deadline in wanted.items():
            if name in existing:
                report.kept += 1
            elif self.schedules.create(deadline, now):
                report.created.append(name)
        for name in sorted(existing - wanted.keys()):
            if self.schedules.delete(name):
                report.deleted.append(name)
        self.log.info(
            "deadlines: reconciled",
            extra={
                "case_id": case_id,
                "schedules_created": len(report.created),
                "schedules_deleted": len(report.deleted),
                "applied": report.applied,
                "kept": report.kept,
            },
        )
        return report

    def _retain(self, case_id: str, now: datetime) -> None:
        if self.retention is None:
            return
        stamped = self.retention.apply_retention(case_id, now)
        if stamped:
            self.log.info(
                "deadlines: retention applied", extra={"case_id": case_id, "events": stamped}
            )

    def fire(
        self,
        case_id: str,
        kind: DeadlineKind,
        now: datetime,
        *,
        late: bool = False,
        letter_id: str | None = None,
    ) -> bool:
        """Apply one deadline to the case as it is now. False when it no longer applies."""
        for attempt in (1, 2):
            try:
                command = deadline_command(kind, letter_id)
                outcome = self.cases.act(case_id, command, ACTOR, now)
            except NothingToDo as stale:
                self.log.info(
                    "deadlines: nothing to do",
                    extra={"case_id": case_id, "deadline": kind.value, "rule": stale.rule},
                )
                return False
            except VersionConflict:
                if attempt == 2:
                    raise
                continue  # a staff action landed first: re-read and decide again
            self.log.info(
                "deadlines: applied",
                extra={
                    "case_id": case_id,
                    "deadline": kind.value,
                    "events": [e.type.value for e in outcome.events],
                    "late": late,
                },
            )
            if any(e.type is CaseEventType.MISSED_REVIEW_ESCALATED for e in outcome.events):
                # The MissedReviews metric filter in the template counts these lines.
                self.log.warning(
                    "deadlines: missed review", extra={"case_id": case_id, "missed_review": True}
                )
            if late:
                self.alerts.alert("deadline-applied-late", case_id=case_id, deadline=kind.value)
            return True
        return False  # pragma: no cover - the loop returns or raises

    def recalculate(self, case_id: str, now: datetime) -> bool:
        """Move open deadlines the calendar has moved (e.g. a newly proclaimed bank holiday)."""
        try:
            outcome = self.cases.act(case_id, RecalculateDeadlines(), ACTOR, now)
        except NothingToDo:
            return False
        moved = outcome.events[0].data.get("moved")
        self.log.warning(
            "deadlines: calendar moved deadlines",
            extra={"case_id": case_id, "moved": sorted(moved) if isinstance(moved, dict) else []},
        )
        return True

    def reconcile_all(self, store: OpenCases, now: datetime) -> ReconcileReport:
        """The daily job: every open case recalculated with today's calendar, its schedules
        brought into line, and any deadline that passed unfired applied and alerted."""
        total = ReconcileReport()
        for case_id in store.open_case_ids():
            self.recalculate(case_id, now)
            total.merge(self.reconcile(case_id, now, late_is_alert=True))
        return total
