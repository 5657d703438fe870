"""The retention purge Lambda: invoked daily by EventBridge Scheduler; one service call."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from retention.wiring import current, logger


@logger.inject_lambda_context(log_event=False)
def purge_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wiring = current()
    report = asdict(wiring.purge.run(wiring.clock()))
    logger.info("retention: purged", extra=report)  # counts only
    return report
