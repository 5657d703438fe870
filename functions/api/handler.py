"""The staff API Lambda: API Gateway (REST, Cognito authorizer) -> the resolver in api.app.

Thin: the Powertools decorators and one call. api.app gathers the routes (api.routes), the
caller's identity (api.identity) and the error mapping (api.errors); the wiring (api.wiring) is
built on the first request, so nothing touches AWS at import time.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.app import app, logger


# The event holds bodies with names and addresses: never logged. The request id correlates.
@logger.inject_lambda_context(
    log_event=False, correlation_id_path=correlation_paths.API_GATEWAY_REST
)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
