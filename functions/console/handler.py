"""The staff console Lambda: API Gateway (REST, /console/...) -> the resolver in console.app.

Thin: the Powertools decorators and one call. The wiring (console.wiring) is built on the
first request, so nothing touches AWS at import time.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from console.app import app, logger


# The event holds form bodies with names and addresses: never logged.
@logger.inject_lambda_context(
    log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_REST
)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
