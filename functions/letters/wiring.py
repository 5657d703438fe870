"""The letters function's composition root: the only module of letters that knows the
adapters.

`build(settings, clock)` wires the service to DynamoDB, the letters bucket and SNS, the clock
injected. The handler serves with the one `current` wiring, built on first use (never at
import) from the environment's settings and the real clock; tests and the embedded stack give
it their own clock with `current.use_clock(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import SnsAlerts
from contactguard.adapters.metrics import metrics_for
from contactguard.ports import Clock
from contactguard.service import CaseService
from contactguard.wiring import Current, utc_now
from letters.service import LettersService
from letters.settings import LettersSettings, letters_settings
from letters.storage import S3LetterBucket
from letters.template_store import S3PublishedTemplates

logger = Logger(service="letters")
metrics = metrics_for("letters")


@dataclass(frozen=True)
class Wiring:
    clock: Clock
    service: LettersService


def build(settings: LettersSettings, clock: Clock = utc_now) -> Wiring:
    store = DynamoStore(settings.table_name, retention=settings.retention())
    service = LettersService(
        cases=CaseService(cases=store, customers=store, policy=settings.policy()),
        contacts=store,
        bucket=S3LetterBucket(settings.letters_bucket),
        alerts=SnsAlerts(settings.alerts_topic_arn),
        log=logger,
        organisation=settings.organisation,
        templates=S3PublishedTemplates(settings.letters_bucket),
    )
    return Wiring(clock=clock, service=service)


current: Current[Wiring] = Current(lambda clock: build(letters_settings(), clock))
