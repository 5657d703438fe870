"""The ingest Lambda: SES receipt rule (RequestResponse) -> disposition.

Decorators, parse, one service call, map the result. Business rules live in the service and
the domain. Nothing touches AWS at import time: the service is built on first use.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import S3RawMail, SesMailer, SnsAlerts
from contactguard.lexicon import default_patterns
from ingest.service import IngestService, SesDisposition
from ingest.settings import ingest_settings

logger = Logger(service="ingest")


@lru_cache(maxsize=1)
def build_service() -> IngestService:
    settings = ingest_settings()
    return IngestService(
        store=DynamoStore(settings.table_name, retention_years=settings.retention_years),
        raw_mail=S3RawMail(settings.raw_mail_bucket, settings.raw_mail_prefix),
        mailer=SesMailer(),
        alerts=SnsAlerts(settings.alerts_topic_arn),
        log=logger,
        patterns=default_patterns(),
        auto_reply_sender=settings.auto_reply_sender,
        auto_reply_period=timedelta(hours=settings.auto_reply_period_hours),
    )


@logger.inject_lambda_context(log_event=False)  # the event holds addresses: never logged
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    try:
        service = build_service()
    except Exception as error:  # noqa: BLE001 - misconfigured: still deliver the mail
        logger.error("ingest: cannot start", extra={"error": type(error).__name__})
        return {"disposition": SesDisposition.CONTINUE.value}
    return service.ingest(event).response()
