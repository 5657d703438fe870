"""Error mapping: every refusal by type, never by message text, to its HTTP reply.

| raised                                         | HTTP |
|------------------------------------------------|------|
| RequestValidationError, BadRequest, InvalidInput | 400, each field and why |
| NotAuthenticated                               | 401 |
| NotPermitted                                   | 403, the rule named |
| UnknownCase, UnknownCustomer, NotFound         | 404 |
| VersionConflict, IllegalTransition, RuleViolation, EmailAlreadyClaimed, AlreadyExists | 409, the rule named |
| NothingToDo                                    | 200, with the rule that said so |
| a body over MAX_BODY_BYTES                     | 413 |
| RequestUnsupportedContentType                  | 415 |
| AuditUnavailable                               | 503, nothing shown or changed |
| anything else (our bug)                        | 500, logged by type and place only |
"""  # noqa: E501

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from api.exceptions import BadRequest, NotAuthenticated, field_name
from api.identity import caller
from api.models import ApiError, FieldProblem
from api.resolver import BodyRefused, BodyTooLarge, app, logger
from contactguard.domain.errors import (
    IllegalTransition,
    NothingToDo,
    NotPermitted,
    PolicyError,
    RuleViolation,
    VersionConflict,
)
from contactguard.ports import EmailAlreadyClaimed
from contactguard.usecases.errors import (
    AlreadyExists,
    AuditUnavailable,
    InvalidInput,
    NotFound,
    UnknownCase,
    UnknownCustomer,
    reason_of,
)


def _error(status: int, body: ApiError, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(),
        headers=headers,
    )


def _problem(problem: dict[str, Any], cause: BaseException | None) -> FieldProblem:
    if problem.get("type") == "json_invalid":  # loc is ("body", character position)
        if isinstance(cause, BodyRefused):
            return FieldProblem(field="body", reason=cause.msg)
        detail = (problem.get("ctx") or {}).get("error") or "invalid"
        where = field_name(problem.get("loc", ())).removeprefix("body.")
        return FieldProblem(field="body", reason=f"not valid JSON: {detail} (character {where})")
    return FieldProblem(field=field_name(problem.get("loc")), reason=reason_of(problem))


def _authentication_refusal() -> Response[str] | None:
    """Who is asking comes before what they sent: the refusal, if the caller is refused."""
    try:
        caller()
    except (NotAuthenticated, NotPermitted, BadRequest) as refused:
        return _HANDLERS_FOR_CALLER[type(refused)](refused)
    return None


_E = TypeVar("_E", bound=Exception)
_Mapper = Callable[[_E], Response[str]]


def maps(*types: type[Exception]) -> Callable[[_Mapper[_E]], _Mapper[_E]]:
    """Register a function that maps these exception types to a reply (a typed decorator)."""

    def register(mapper: _Mapper[_E]) -> _Mapper[_E]:
        app.exception_handler(list(types))(mapper)
        return mapper

    return register


@maps(RequestValidationError)
def _invalid(error: RequestValidationError) -> Response[str]:
    refusal = _authentication_refusal()
    if refusal is not None:
        return refusal
    if isinstance(error.__cause__, BodyTooLarge):
        return _error(
            413,
            ApiError(status=413, error="payload-too-large", message=error.__cause__.msg),
        )
    fields = [_problem(p, error.__cause__) for p in error.errors()]
    return _error(
        400, ApiError(status=400, error="bad-request", message="bad input", fields=fields)
    )


@maps(RequestUnsupportedContentType)
def _unsupported(error: RequestUnsupportedContentType) -> Response[str]:
    return _error(
        415,
        ApiError(
            status=415,
            error="unsupported-media-type",
            message="send the body as application/json",
            fields=[FieldProblem(field="header.Content-Type", reason="not application/json")],
        ),
    )


@maps(BadRequest)
def _bad_request(error: BadRequest) -> Response[str]:
    return _error(
        400, ApiError(status=400, error="bad-request", message=str(error), fields=error.problems)
    )


@maps(InvalidInput)
def _invalid_input(error: InvalidInput) -> Response[str]:
    fields = [
        FieldProblem(field=f"{error.source}.{name}" if name else error.source, reason=reason)
        for name, reason in error.problems
    ]
    return _error(400, ApiError(status=400, error="bad-request", message=str(error), fields=fields))


@maps(NotAuthenticated)
def _not_authenticated(error: NotAuthenticated) -> Response[str]:
    return _error(
        401,
        ApiError(status=401, error="not-authenticated", message=str(error)),
        headers={"WWW-Authenticate": "Bearer"},
    )


@maps(NotPermitted)
def _not_permitted(error: NotPermitted) -> Response[str]:
    return _error(
        403, ApiError(status=403, error="not-permitted", rule=error.rule, message=error.message)
    )


_HANDLERS_FOR_CALLER: dict[type[Exception], Callable[[Any], Response[str]]] = {
    NotAuthenticated: _not_authenticated,
    NotPermitted: _not_permitted,
    BadRequest: _bad_request,
}


@maps(AuditUnavailable)
def _audit_unavailable(error: AuditUnavailable) -> Response[str]:
    return _error(
        503,
        ApiError(
            status=503,
            error="audit-unavailable",
            rule="audit-before-access",
            message="the audit trail cannot be written just now: nothing was shown or changed; "
            "try again",
        ),
        headers={"Retry-After": "5"},
    )


@maps(UnknownCase, UnknownCustomer, NotFound)
def _not_found(error: LookupError) -> Response[str]:
    if isinstance(error, UnknownCase):
        message = f"no case {error.case_id}"
    elif isinstance(error, UnknownCustomer):
        message = f"no customer {error.customer_id}"
    else:
        message = str(error)
    return _error(404, ApiError(status=404, error="not-found", message=message))


@app.not_found
def _no_route(error: NotFoundError) -> Response[str]:
    return _error(404, ApiError(status=404, error="not-found", message="no such resource"))


@maps(ServiceError)
def _service_error(error: ServiceError) -> Response[str]:
    status = error.status_code
    kind = "bad-request" if status < 500 else "internal-error"
    return _error(status, ApiError(status=status, error=kind, message=error.msg))


@maps(IllegalTransition, RuleViolation)
def _refused_by_policy(error: PolicyError) -> Response[str]:
    return _error(
        409, ApiError(status=409, error="conflict", rule=error.rule, message=error.message)
    )


@maps(VersionConflict)
def _stale(error: VersionConflict) -> Response[str]:
    return _error(
        409,
        ApiError(
            status=409,
            error="conflict",
            rule="design-optimistic-locking",
            message=(
                f"case {error.case_id} changed since version {error.expected_version}: "
                "reload it and decide again"
            ),
        ),
    )


@maps(EmailAlreadyClaimed)
def _claimed(error: EmailAlreadyClaimed) -> Response[str]:
    return _error(
        409,
        ApiError(
            status=409,
            error="conflict",
            rule="email-claimed",
            message="an email address belongs to another customer: nothing was written",
        ),
    )


@maps(AlreadyExists)
def _exists(error: AlreadyExists) -> Response[str]:
    return _error(
        409, ApiError(status=409, error="conflict", rule=error.rule, message=error.message)
    )


@maps(NothingToDo)
def _nothing_to_do(error: NothingToDo) -> Response[str]:
    body = {"outcome": "nothing-to-do", "rule": error.rule, "note": error.message}
    return Response(200, content_types.APPLICATION_JSON, json.dumps(body))


@maps(Exception)
def _unexpected(error: Exception) -> Response[str]:
    # The last resort of the edge: a JSON 500 the caller can quote instead of the gateway's
    # bare 502. The message is left out of the log (it may quote personal data); the type and
    # where it was raised are enough to find it.
    frames = traceback.extract_tb(error.__traceback__)[-6:]
    logger.error(
        "api: unexpected error",
        extra={
            "error": type(error).__name__,
            "where": [f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in frames],
        },
    )
    return _error(
        500, ApiError(status=500, error="internal-error", message="unexpected error; logged")
    )
