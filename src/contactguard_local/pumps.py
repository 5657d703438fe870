"""What AWS does between our functions, done by hand on the embedded stack.

moto never fires schedules, never runs stream consumers and cannot invoke Lambda without
Docker, so local runs and tests pump them: the scheduler pump fires the schedules due at a
clock the caller controls (earliest first, one at a time, as Scheduler would), then deletes
them (ActionAfterCompletion DELETE).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contactguard.domain.calendar import LONDON

_AT = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")


@dataclass(frozen=True)
class DueSchedule:
    name: str
    fire_at: datetime
    payload: dict[str, Any]
    target_arn: str = ""


class SchedulerPump:
    def __init__(self, client: Any, group: str) -> None:
        self.client, self.group = client, group
        self.fired: list[DueSchedule] = []

    def schedules(self) -> Iterator[DueSchedule]:
        request: dict[str, Any] = {"GroupName": self.group}
        while True:
            page = self.client.list_schedules(**request)
            for summary in page.get("Schedules", []):
                detail = self.client.get_schedule(Name=summary["Name"], GroupName=self.group)
                yield _due(detail)
            if not page.get("NextToken"):
                return
            request["NextToken"] = page["NextToken"]

    def next_due(self, until: datetime) -> DueSchedule | None:
        due = [s for s in self.schedules() if s.fire_at <= until]
        return min(due, key=lambda s: (s.fire_at, s.name)) if due else None

    def run_until(self, until: datetime, fire: Callable[[DueSchedule], None]) -> list[DueSchedule]:
        """Fire every schedule due by `until`, earliest first; each fire may add new ones."""
        fired: list[DueSchedule] = []
        for _ in range(1000):
            schedule = self.next_due(until)
            if schedule is None:
                return fired
            self.client.delete_schedule(Name=schedule.name, GroupName=self.group)
            fire(schedule)
            fired.append(schedule)
            self.fired.append(schedule)
        raise RuntimeError("more than 1000 schedules fired: a schedule keeps recreating itself")


def _due(detail: dict[str, Any]) -> DueSchedule:
    match = _AT.match(detail["ScheduleExpression"])
    if not match:
        raise ValueError(f"not a one-time schedule: {detail['ScheduleExpression']}")
    zone = detail.get("ScheduleExpressionTimezone") or "UTC"
    if zone != "Europe/London":
        raise ValueError(f"schedules are in Europe/London, not {zone}")
    fire_at = datetime.fromisoformat(match.group(1)).replace(tzinfo=LONDON)
    target = detail["Target"]
    return DueSchedule(detail["Name"], fire_at, json.loads(target["Input"]), target["Arn"])
