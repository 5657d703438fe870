"""EventBridge Scheduler: one-time `at()` schedules for case deadlines.

Scheduler accepts names, expressions and past dates it should not (moto accepts even more),
so everything is validated here before the call. Create treats ConflictException as done,
delete treats ResourceNotFoundException as done: schedules are idempotent by name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from contactguard.adapters.aws import AwsAdapter
from contactguard.domain.calendar import LONDON
from contactguard.domain.deadlines import MAX_NAME, Deadline

_VALID_NAME = re.compile(r"^[0-9A-Za-z_.-]{1,64}$")


class InvalidSchedule(ValueError):
    """A schedule our own checks refuse (bad name, a fire time in the past or the DST hour)."""


@dataclass(frozen=True)
class ScheduleTarget:
    function_arn: str
    role_arn: str
    dead_letter_arn: str
    group: str = "default"
    max_retries: int = 10
    max_event_age_seconds: int = 86_400


def at_expression(fire_at: datetime) -> str:
    """`at(yyyy-mm-ddThh:mm:ss)` in Europe/London wall-clock time."""
    local = fire_at.astimezone(LONDON)
    if local.hour == 1:
        raise InvalidSchedule("no schedule fires in the 01:00-02:00 hour daylight saving moves")
    return f"at({local:%Y-%m-%dT%H:%M:%S})"


def payload(deadline: Deadline) -> dict[str, Any]:
    return {
        "case_id": deadline.case_id,
        "deadline": deadline.kind.value,
        "fire_at": deadline.fire_at.isoformat(),
        "computed_from_version": deadline.version,
        **({"letter_id": deadline.letter_id} if deadline.letter_id else {}),
    }


class SchedulerGateway(AwsAdapter):
    service = "scheduler"

    def __init__(self, target: ScheduleTarget, client: Any | None = None) -> None:
        super().__init__(client)
        self.target = target

    def names(self, prefix: str) -> set[str]:
        """The schedules in the group whose names start with `prefix` (paginated)."""
        found: set[str] = set()
        request: dict[str, Any] = {"GroupName": self.target.group, "NamePrefix": prefix}
        while True:
            self.requests += 1
            page = self.client.list_schedules(**request)
            found.update(s["Name"] for s in page.get("Schedules", []))
            token = page.get("NextToken")
            if not token:
                return found
            request["NextToken"] = token

    def create(self, deadline: Deadline, now: datetime) -> bool:
        """Schedule a deadline; False when a schedule of that name already exists."""
        name = deadline.schedule_name
        if not _VALID_NAME.match(name) or len(name) > MAX_NAME:
            raise InvalidSchedule("schedule names are 1-64 of [0-9A-Za-z_.-]")
        if deadline.fire_at <= now:
            raise InvalidSchedule("a deadline in the past is applied at once, not scheduled")
        try:
            self.requests += 1
            self.client.create_schedule(
                Name=name,
                GroupName=self.target.group,
                ScheduleExpression=at_expression(deadline.fire_at),
                ScheduleExpressionTimezone="Europe/London",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Description=f"{deadline.kind.value} for a case",
                Target={
                    "Arn": self.target.function_arn,
                    "RoleArn": self.target.role_arn,
                    "Input": json.dumps(payload(deadline)),
                    "RetryPolicy": {
                        "MaximumRetryAttempts": self.target.max_retries,
                        "MaximumEventAgeInSeconds": self.target.max_event_age_seconds,
                    },
                    "DeadLetterConfig": {"Arn": self.target.dead_letter_arn},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConflictException":
                return False
            raise
        return True

    def delete(self, name: str) -> bool:
        """Remove a schedule; False when it was already gone."""
        try:
            self.requests += 1
            self.client.delete_schedule(Name=name, GroupName=self.target.group)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return False
            raise
        return True
