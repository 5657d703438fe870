"""The purge's composition root: the only module of retention that knows the adapters."""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools import Logger

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.purge import S3LetterObjects, S3RawMailObjects
from contactguard.domain.outbound import SENT_PREFIX
from contactguard.ports import Clock
from contactguard.wiring import Current, utc_now
from retention.service import RetentionPurge
from retention.settings import PurgeSettings, purge_settings

logger = Logger(service="retention")


@dataclass(frozen=True)
class Wiring:
    clock: Clock
    purge: RetentionPurge


def build(settings: PurgeSettings, clock: Clock = utc_now) -> Wiring:
    schedule = settings.retention()
    purge = RetentionPurge(
        schedule=schedule,
        records=DynamoStore(settings.table_name, retention=schedule),
        raw_mail=S3RawMailObjects(settings.raw_mail_bucket, settings.raw_mail_prefix),
        sent_mail=S3RawMailObjects(settings.raw_mail_bucket, SENT_PREFIX),
        letters=S3LetterObjects(settings.letters_bucket),
    )
    return Wiring(clock=clock, purge=purge)


current: Current[Wiring] = Current(lambda clock: build(purge_settings(), clock))
