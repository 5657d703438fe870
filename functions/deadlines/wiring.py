"""The deadlines functions' composition root: the only module of deadlines that knows the
adapters.

`build(settings, clock)` wires the service to DynamoDB, EventBridge Scheduler and SNS, the
clock injected. The handlers serve with the one `current` wiring, built on first use (never at
import) from the environment's settings and the real clock; tests and the embedded stack give
it their own clock with `current.use_clock(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import SnsAlerts
from contactguard.adapters.metrics import metrics_for
from contactguard.adapters.scheduler import SchedulerGateway, ScheduleTarget
from contactguard.ports import Clock
from contactguard.service import CaseService
from contactguard.wiring import Current, utc_now
from deadlines.service import DeadlinesService
from deadlines.settings import DeadlinesSettings, deadlines_settings

logger = Logger(service="deadlines")
metrics = metrics_for("deadlines")


@dataclass(frozen=True)
class Wiring:
    clock: Clock
    service: DeadlinesService
    store: DynamoStore  # every open case, for the daily reconcile


def build(settings: DeadlinesSettings, clock: Clock = utc_now) -> Wiring:
    store = DynamoStore(settings.table_name, retention=settings.retention())
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
    return Wiring(clock=clock, service=service, store=store)


current: Current[Wiring] = Current(lambda clock: build(deadlines_settings(), clock))
