"""The export function's composition root: the only module of exports that knows the adapters.

`build(settings, clock)` wires the export builder to DynamoDB (the job, the customer's records
and audit trail), the raw mail bucket (emails as received and as sent), the letters bucket
(every version) and the exports bucket, the clock injected; `current` is the one wiring the
handler serves with, built on first use.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import S3Objects, S3RawMail
from contactguard.ports import Clock
from contactguard.usecases.export_jobs import ExportBuilder
from contactguard.wiring import Current, utc_now
from exports.settings import ExportSettings, export_settings

logger = Logger(service="exports")


@dataclass(frozen=True)
class Wiring:
    clock: Clock
    builder: ExportBuilder


def build(settings: ExportSettings, clock: Clock = utc_now) -> Wiring:
    store = DynamoStore(settings.table_name, retention=settings.retention())
    builder = ExportBuilder(
        jobs=store,
        customers=store,
        contacts=store,
        cases=store,
        audit_log=store,
        signals=store,
        mail=S3RawMail(settings.raw_mail_bucket, settings.raw_mail_prefix),
        letters=S3Objects(settings.letters_bucket),
        files=S3Objects(settings.exports_bucket),
        clock=clock,
        log=logger,
        our_domains=settings.organisation_domains,
    )
    return Wiring(clock=clock, builder=builder)


current: Current[Wiring] = Current(lambda clock: build(export_settings(), clock))
