"""The resolver: Powertools' REST resolver, the body parser, and `endpoint` (a route and the
Operation whose roles guard it)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Annotated, Any, NoReturn, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel

from api.models import ApiError
from contactguard.domain.access import GRANTS, Operation

logger = Logger(service="api")
# Powertools' resolver logs each route's arguments at DEBUG: request bodies, with names and
# addresses. Never personal data in logs, whatever level operations turn on.
logging.getLogger("aws_lambda_powertools.event_handler").setLevel(logging.INFO)

# A request body larger than this is refused before it is parsed: it keeps every stored item
# well inside DynamoDB's 400 KB item limit.
MAX_BODY_BYTES = 64 * 1024


class BodyRefused(json.JSONDecodeError):
    """The body parser's refusal; its message is the reason given to the caller."""


class BodyTooLarge(BodyRefused):
    """Powertools reports it as invalid JSON; we answer 413."""


def parse_body(text: str | bytes | bytearray) -> Any:
    """JSON the way a person's request must be: a small object, finite numbers, valid Unicode.

    Every failure is a JSONDecodeError, which Powertools turns into a RequestValidationError
    (400), so no malformed body reaches a route or becomes a 500.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as error:
            raise BodyRefused("the body is not UTF-8", "", 0) from error
    if len(text.encode("utf-8", errors="surrogatepass")) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB", "", 0)

    def no_constants(name: str) -> NoReturn:
        raise BodyRefused(f"{name} is not a JSON number", text, 0)

    try:
        value = json.loads(text, parse_constant=no_constants)
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # lone surrogates fail here
    except json.JSONDecodeError:
        raise
    except UnicodeEncodeError as error:
        raise BodyRefused("a string holds a lone UTF-16 surrogate", text, 0) from error
    except ValueError as error:
        raise BodyRefused("a number has too many digits", text, 0) from error
    except RecursionError as error:
        raise BodyRefused("the JSON is nested too deeply", text, 0) from error
    if not isinstance(value, dict):
        # Every body here is an object. Powertools would otherwise read a list as its first
        # item (a form-data convenience), accepting [{...}] for {...}.
        raise BodyRefused("the body must be a JSON object", text, 0)
    return value


app = APIGatewayRestResolver(
    enable_validation=True,
    json_body_deserializer=parse_body,
    # A response that does not match its model is our bug: a 500, never a 400 for the caller.
    response_validation_error_http_code=500,
)


# Every route names its Operation: the roles that may call it (contactguard.domain.access).
ROUTE_OPERATIONS: dict[tuple[str, str], Operation] = {}
_ROUTE_MATCHERS: list[tuple[str, re.Pattern[str], Operation]] = []
_RouteFunction = TypeVar("_RouteFunction", bound=Callable[..., Any])


def endpoint(
    method: str, path: str, operation: Operation, **options: Any
) -> Callable[[_RouteFunction], _RouteFunction]:
    """`app.route` for a staff route: the operation's roles guard it (`caller()` checks them
    before the route runs, and before bad input is reported) and the OpenAPI document shows
    them (`x-roles`, `x-rule`)."""
    ROUTE_OPERATIONS[(method, path)] = operation
    pattern = re.compile("^" + re.sub(r"<[^>/]+>", "[^/]+", path) + "/?$")
    _ROUTE_MATCHERS.append((method, pattern, operation))
    grant = GRANTS[operation]
    extensions = {
        "x-operation": operation.value,
        "x-roles": sorted(role.value for role in grant.roles),
        "x-rule": grant.rule,
    }
    return app.route(path, method, openapi_extensions=extensions, **options)


def current_operation() -> Operation:
    """The operation of the route this request is for."""
    method = app.current_event.http_method.upper()
    path = app.current_event.path
    for route_method, pattern, operation in _ROUTE_MATCHERS:
        if route_method == method and pattern.match(path):
            return operation
    raise LookupError("a route without an operation: register it with endpoint()")


def replies(ok: int, said: str, *codes: int) -> dict[int, Any]:
    """The OpenAPI description of a route's replies: its success (the route's return
    annotation gives the schema) and its errors."""
    words = {
        400: "bad input: each field and why",
        401: "not authenticated",
        403: "the caller's role may not do this (the rule is named)",
        404: "no such case, customer or resource",
        409: "conflict: a stale version, or a decision the policy refuses (the rule is named)",
        413: "the body is too large",
        503: "the audit trail cannot be written: nothing was shown or changed",
    }
    errors = {
        code: {"description": words[code], "content": {"application/json": {"model": ApiError}}}
        for code in (*codes, 503)  # every route writes the audit trail first
    }
    return {ok: {"description": said}, **errors}


def json_reply(
    status: int, body: BaseModel, headers: dict[str, str] | None = None
) -> Response[Any]:
    return Response(status, content_types.APPLICATION_JSON, body, headers)


def etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


# Path parameters shared by the resources.
CustomerId = Annotated[str, Path(min_length=1, max_length=64, description="the customer's id")]
CaseId = Annotated[str, Path(min_length=1, max_length=64, description="the case's id")]
