"""The delivery function's composition root: the only module of delivery that knows the
adapters.

`build(settings, clock)` wires the service to DynamoDB (the ledger), S3 (the stored message)
and SES, the clock injected. The handler serves with the one `current` wiring, built on first
use (never at import) from the environment's settings and the real clock; tests and the
embedded stack give it their own clock with `current.use_clock(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import S3RawMail, SesMailer
from contactguard.adapters.metrics import MetricCounter, metrics_for
from contactguard.ports import Clock
from contactguard.wiring import Current, utc_now
from delivery.service import DeliveryService
from delivery.settings import DeliveryMode, DeliverySettings, delivery_settings

logger = Logger(service="delivery")
metrics = metrics_for("delivery")


@dataclass(frozen=True)
class Wiring:
    clock: Clock
    service: DeliveryService


def build(settings: DeliverySettings, clock: Clock = utc_now) -> Wiring:
    store = DynamoStore(settings.table_name, retention=settings.retention())
    service = DeliveryService(
        ledger=store,
        raw_mail=S3RawMail(settings.raw_mail_bucket, settings.raw_mail_prefix),
        transport=SesMailer(),
        sent_log=store,
        log=logger,
        metrics=MetricCounter(metrics),
        staff_mailbox=str(settings.staff_mailbox),
        sender=str(settings.forwarding_sender),
        max_bytes=settings.delivery_max_bytes,
        link_hours=settings.delivery_link_hours,
        forward_accepted=settings.delivery_mode is DeliveryMode.FORWARD,
    )
    return Wiring(clock=clock, service=service)


current: Current[Wiring] = Current(lambda clock: build(delivery_settings(), clock))
