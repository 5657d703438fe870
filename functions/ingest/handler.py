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
from contactguard.adapters.metrics import MetricCounter, metrics_for
from contactguard.domain.model import Disposition
from contactguard.lexicon import default_patterns
from ingest.service import IngestResult, IngestService, SesDisposition
from ingest.settings import ingest_settings

logger = Logger(service="ingest")
metrics = metrics_for("ingest")
# The metric each contact disposition counts under (the dashboard shows them side by side;
# the quarantine-spike alarm watches EmailsQuarantined).
DISPOSITION_METRICS = {
    Disposition.ACCEPTED: "EmailsAccepted",
    Disposition.UNMATCHED: "EmailsUnmatched",
    Disposition.FILED_BLOCKED: "EmailsFiled",
    Disposition.ROUTED_TO_OFFICER: "EmailsRoutedToOfficer",
    Disposition.QUARANTINED: "EmailsQuarantined",
    Disposition.REFUSED: "EmailsRefused",
}


@lru_cache(maxsize=1)
def build_service() -> IngestService:
    settings = ingest_settings()
    return IngestService(
        store=DynamoStore(settings.table_name, retention=settings.retention()),
        raw_mail=S3RawMail(settings.raw_mail_bucket, settings.raw_mail_prefix),
        mailer=SesMailer(),
        alerts=SnsAlerts(settings.alerts_topic_arn),
        log=logger,
        patterns=default_patterns(),
        auto_reply_sender=settings.auto_reply_sender,
        auto_reply_period=timedelta(hours=settings.auto_reply_period_hours),
        organisation=settings.organisation,
    )


def count(result: IngestResult) -> None:
    """Operations' view of one email: counted once, however often SES delivers it."""
    counter = MetricCounter(metrics)
    if result.recorded and not result.new_contact:
        counter.count("EmailsRedelivered")
        return
    counter.count(DISPOSITION_METRICS[result.contact_disposition])
    if result.reason.startswith("fallback:"):
        counter.count("EmailsFallback")
    if result.auto_replied:
        counter.count("AutoReplies")


@metrics.log_metrics
@logger.inject_lambda_context(log_event=False)  # the event holds addresses: never logged
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    try:
        service = build_service()
    except Exception as error:  # noqa: BLE001 - misconfigured: still deliver the mail
        logger.error("ingest: cannot start", extra={"error": type(error).__name__})
        MetricCounter(metrics).count("EmailsFallback")
        return {"disposition": SesDisposition.CONTINUE.value}
    result = service.ingest(event)
    count(result)
    return result.response()
