"""The staff HTTP API: Powertools' REST resolver, its routes and its error mapping.

API Gateway (a REST API with a Cognito user pool authorizer) authenticates; this module reads
the caller from the token's claims (`sub` is the actor id, `cognito:groups` the roles, and
`X-Acting-Role` picks one when a person holds several) and records that actor on every case
event. Whether a role may take a decision is the domain's answer (`decide` raises
NotPermitted); routes only parse, call one use case and shape the reply.

Errors are mapped by type, never by message text:

| raised                                         | HTTP |
|------------------------------------------------|------|
| RequestValidationError, BadRequest             | 400, each field and why |
| NotAuthenticated                               | 401 |
| NotPermitted                                   | 403, the rule named |
| UnknownCase, UnknownCustomer, NotFound         | 404 |
| VersionConflict, IllegalTransition, RuleViolation, EmailAlreadyClaimed, AlreadyExists | 409, the rule named |
| NothingToDo                                    | 200, with the rule that said so |
| a body over MAX_BODY_BYTES                     | 413 |
| RequestUnsupportedContentType                  | 415 |
| anything else (our bug)                        | 500, logged by type and place only |

Nothing here logs personal data: log lines carry ids, roles and error types only.
"""  # noqa: E501

from __future__ import annotations

import json
import logging
import re
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated, Any, NoReturn, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query
from botocore.exceptions import ClientError
from pydantic import BaseModel, ValidationError

from api.models import (
    EARLIEST_DATE,
    LATEST_DATE,
    ApiEmail,
    ApiError,
    AuditTrail,
    CaseCommandRequest,
    CaseRecord,
    CaseRestrictions,
    CaseSummary,
    CaseView,
    ChannelAdvice,
    CommandResult,
    ContactList,
    ContactRecorded,
    CustomerView,
    DeadlineEntry,
    EmailHandling,
    EmailLinked,
    EmailReadRecorded,
    EventEntry,
    FieldProblem,
    LetterEntry,
    LinkEmail,
    LookupResult,
    MarkRead,
    NewContact,
    NewCustomer,
    OpenCaseRequest,
    QueuedEmail,
    ReadQueue,
    SubjectAccessExport,
    Timeline,
    TimelineEntry,
    domain_command,
)
from api.settings import api_settings
from contactguard.adapters.dynamodb import DynamoStore, EmailAlreadyClaimed
from contactguard.adapters.messaging import S3Objects
from contactguard.domain.access import GRANTS, STAFF_ROLES, Operation, may, require
from contactguard.domain.audit import AuditRecord
from contactguard.domain.calendar import london_date, start_of_day
from contactguard.domain.case import Case, CaseEvent, LetterKind
from contactguard.domain.deadlines import pending_deadlines
from contactguard.domain.enforcement import (
    channel_guidance,
    email_ruling,
    permitted_channels,
    restrictions_in_force,
)
from contactguard.domain.errors import (
    IllegalTransition,
    NothingToDo,
    NotPermitted,
    PolicyError,
    RuleViolation,
    VersionConflict,
)
from contactguard.domain.model import (
    Actor,
    Channel,
    Contact,
    Customer,
    Disposition,
    EmailRead,
    Role,
)
from contactguard.service import CaseService, CustomerService, UnknownCase, UnknownCustomer

logger = Logger(service="api")
# Powertools' resolver logs each route's arguments at DEBUG: request bodies, with names and
# addresses. Never personal data in logs, whatever level operations turn on.
logging.getLogger("aws_lambda_powertools.event_handler").setLevel(logging.INFO)

ACTING_ROLE_HEADER = "X-Acting-Role"
# A request body larger than this is refused before it is parsed: it keeps every stored item
# well inside DynamoDB's 400 KB item limit.
MAX_BODY_BYTES = 64 * 1024
# A contact logged by staff cannot be in the future; this much clock skew is tolerated.
CLOCK_SKEW = timedelta(minutes=5)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXPORT_NOT_INCLUDED = [
    "letter documents (DOCX): the export lists each letter and its status; each document is "
    "at GET /cases/{case_id}/letters/{letter_id} (the CLI's export zip includes them)",
    "raw email messages: each email contact names its stored message (raw_ref)",
]


def utc_now() -> datetime:
    return datetime.now(UTC)


# The edge reads the clock; everything below takes time as an argument. Tests and local runs
# (the embedded stack) replace this with a clock they control.
clock: Callable[[], datetime] = utc_now


def _now() -> datetime:
    return clock()


# Wiring -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wiring:
    store: DynamoStore
    cases: CaseService
    customers: CustomerService
    letters: S3Objects


@lru_cache(maxsize=1)
def build() -> Wiring:
    """Built on first use (never at import): settings validated once, one client."""
    settings = api_settings()
    store = DynamoStore(settings.table_name, retention_years=settings.retention_years)
    return Wiring(
        store=store,
        cases=CaseService(cases=store, customers=store, policy=settings.policy()),
        customers=CustomerService(customers=store, contacts=store),
        letters=S3Objects(settings.letters_bucket),
    )


# Errors of the edge -------------------------------------------------------------------------


class AuditUnavailable(Exception):
    """The audit record could not be written: nothing is shown and nothing changed (503)."""


class NotAuthenticated(Exception):
    """No usable identity in the request (the gateway's authorizer did not run)."""


class BadRequest(Exception):
    """Input the request models cannot judge alone (headers together, ranges, times)."""

    def __init__(self, field: str, reason: str, *more: FieldProblem) -> None:
        super().__init__(reason)
        self.problems = [FieldProblem(field=field, reason=reason), *more]


_T = TypeVar("_T")


def from_request(make: Callable[[], _T]) -> _T:
    """A domain value built from request data; the domain's refusal of it is bad input (400).

    The domain's models are the last word on a value: e.g. a text of spaces passes a length
    check and is then stripped to nothing, which the domain refuses when it reads it back.
    Checking here keeps such a value from ever being stored.
    """
    try:
        return make()
    except ValidationError as invalid:
        problems = [
            FieldProblem(field=_field(("body", *p["loc"])), reason=p["msg"])
            for p in invalid.errors()
        ]
        raise BadRequest(problems[0].field, problems[0].reason, *problems[1:]) from None


class NotFound(LookupError):
    """A resource other than a case or a customer (e.g. no customer has this address)."""


class AlreadyExists(Exception):
    """A create named an id that is taken."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


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


def _error(status: int, body: ApiError, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(),
        headers=headers,
    )


def _field(loc: Any) -> str:
    parts = loc if isinstance(loc, list | tuple) else (loc,)
    return ".".join(str(part) for part in parts) or "body"


def _problem(problem: dict[str, Any], cause: BaseException | None) -> FieldProblem:
    if problem.get("type") == "json_invalid":  # loc is ("body", character position)
        if isinstance(cause, BodyRefused):
            return FieldProblem(field="body", reason=cause.msg)
        detail = (problem.get("ctx") or {}).get("error") or "invalid"
        where = _field(problem.get("loc", ())).removeprefix("body.")
        return FieldProblem(field="body", reason=f"not valid JSON: {detail} (character {where})")
    reason = str(problem.get("msg") or problem.get("type") or "invalid")
    return FieldProblem(field=_field(problem.get("loc")), reason=reason)


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


def _replies(ok: int, said: str, *codes: int) -> dict[int, Any]:
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


# The caller ---------------------------------------------------------------------------------


def _claims() -> dict[str, Any]:
    context = app.current_event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, dict) else None
    claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
    return claims if isinstance(claims, dict) else {}


def _groups(claim: object) -> list[str]:
    """`cognito:groups` as API Gateway passes it: "a,b" (REST), "[a b]" (HTTP API) or a list."""
    if isinstance(claim, list):
        items = [str(item) for item in claim]
    elif isinstance(claim, str):
        items = re.split(r"[,\s]+", claim.strip().strip("[]"))
    else:
        items = []
    return [item.strip() for item in items if item.strip()]


def caller() -> Actor:
    """The member of staff making this request, in the one role they act in."""
    claims = _claims()
    sub = claims.get("sub")
    if not isinstance(sub, str) or not 1 <= len(sub) <= 128:
        raise NotAuthenticated("no authenticated user: call through the API's authorizer")
    held = sorted(
        {Role(group) for group in _groups(claims.get("cognito:groups")) if group in STAFF_ROLES}
    )
    if not held:
        raise NotPermitted(
            "staff-role-required",
            "your account is in no staff group: ask for one of "
            + ", ".join(sorted(r.value for r in STAFF_ROLES)),
        )
    named = app.current_event.headers.get(ACTING_ROLE_HEADER)
    if named is None or not named.strip():
        if len(held) > 1:
            raise BadRequest(
                f"header.{ACTING_ROLE_HEADER}",
                "you hold several roles ("
                + ", ".join(r.value for r in held)
                + "): name the one you act in",
            )
        role = held[0]
    else:
        chosen = next((r for r in held if r.value == named.strip()), None)
        if chosen is None:
            raise NotPermitted(
                "acting-role-not-held",
                "the acting role must be one of your groups: " + ", ".join(r.value for r in held),
            )
        role = chosen
    require(role, current_operation())
    name = claims.get("name")
    return Actor(
        actor_id=sub, role=role, name=name[:200] if isinstance(name, str) and name else None
    )


def _audit(actor: Actor, customer_id: str | None, *, detail: str = "", **ids: str | None) -> None:
    """Record who is reading or changing this customer's data, before it is shown or changed.

    One record per customer; ids and codes only. No record, no data: a failed write stops
    the request with a 503.
    """
    operation = current_operation()
    context = app.current_event.request_context
    request_id = getattr(context, "request_id", None) or uuid.uuid4().hex
    _audit_count[0] += 1
    record = AuditRecord(
        audit_id=f"{request_id}-{_audit_count[0]}",
        at=_now(),
        actor_id=actor.actor_id,
        role=actor.role,
        operation=operation,
        customer_id=customer_id,
        detail=detail,
        **ids,
    )
    try:
        build().store.record_audit(record)
    except ClientError as error:
        logger.error(
            "api: audit record not written; request refused",
            extra={"operation": operation.value, "error": type(error).__name__},
        )
        raise AuditUnavailable from error
    logger.info(
        "audit",
        extra={
            "operation": operation.value,
            "actor_id": actor.actor_id,
            "role": actor.role.value,
            "customer_id": customer_id,
            **ids,
        },
    )


_audit_count = [0]  # one Lambda container serves one request at a time


# Parameters ---------------------------------------------------------------------------------

CustomerId = Annotated[str, Path(min_length=1, max_length=64, description="the customer's id")]
CaseId = Annotated[str, Path(min_length=1, max_length=64, description="the case's id")]


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def _json(status: int, body: BaseModel, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(status, content_types.APPLICATION_JSON, body, headers)


def _expected_version(in_body: int | None, if_match: str | None) -> int:
    header: int | None = None
    if if_match is not None:
        tag = if_match.strip().removeprefix("W/").strip('"')
        if not tag.isdigit() or int(tag) < 1 or len(tag) > 9:
            raise BadRequest("header.If-Match", 'a case version, as GET /cases/{id} gives: "3"')
        header = int(tag)
    if in_body is not None and header is not None and in_body != header:
        raise BadRequest("body.expected_version", "differs from the If-Match header")
    version = in_body if in_body is not None else header
    if version is None:
        raise BadRequest(
            "body.expected_version",
            "give the case version you acted on, in the body or an If-Match header",
        )
    return version


# Customers ----------------------------------------------------------------------------------


def _customer_view(customer: Customer, cases: list[Case]) -> CustomerView:
    return CustomerView(
        customer=customer,
        cases=[
            CaseSummary(
                case_id=c.case_id, status=c.status, version=c.version, opened_at=c.opened_at
            )
            for c in cases
        ],
    )


@endpoint(
    "POST",
    "/customers",
    Operation.REGISTER_CUSTOMER,
    summary="Register a customer",
    responses=_replies(201, "registered", 400, 401, 403, 409, 413),
    tags=["customers"],
)
def create_customer(new: NewCustomer) -> Response[CustomerView]:
    actor = caller()
    if new.emails:  # an address decides whose record each email lands on: a manager's call
        require(actor.role, Operation.LINK_EMAIL)
    wiring = build()
    customer_id = new.customer_id or f"cust-{uuid.uuid4().hex[:16]}"
    _audit(actor, customer_id)
    if wiring.store.get_customer(customer_id) is not None:
        raise AlreadyExists("customer-exists", f"customer {customer_id} already exists")
    customer = from_request(
        lambda: Customer.model_validate(
            {**new.model_dump(exclude={"customer_id"}), "customer_id": customer_id}
        )
    )
    wiring.customers.register(customer)
    return _json(
        201, _customer_view(customer, []), headers={"Location": f"/customers/{customer_id}"}
    )


def _customer(customer_id: str) -> Customer:
    customer = build().store.get_customer(customer_id)
    if customer is None:
        raise UnknownCustomer(customer_id)
    return customer


@endpoint(
    "GET",
    "/customers/<customer_id>",
    Operation.READ_CUSTOMER,
    summary="A customer and their cases",
    responses=_replies(200, "the customer", 400, 401, 403, 404),
    tags=["customers"],
)
def get_customer(customer_id: CustomerId) -> CustomerView:
    actor = caller()
    customer = _customer(customer_id)
    _audit(actor, customer_id)
    return _customer_view(customer, build().cases.cases_of(customer_id))


@endpoint(
    "POST",
    "/customers/<customer_id>/emails",
    Operation.LINK_EMAIL,
    summary="Link an email address; earlier unmatched contacts from it are attributed",
    responses=_replies(200, "linked", 400, 401, 403, 404, 409, 413),
    tags=["customers"],
)
def link_email(customer_id: CustomerId, link: LinkEmail) -> EmailLinked:
    actor = caller()
    customer = _customer(customer_id)
    _audit(actor, customer_id)
    if link.address in customer.emails:
        # Mail from a linked address is matched as it arrives: nothing unmatched to move.
        return EmailLinked(
            customer_id=customer_id, address=link.address, already_linked=True, attributed=0
        )
    attributed = build().customers.link_email(customer_id, link.address)
    return EmailLinked(
        customer_id=customer_id, address=link.address, already_linked=False, attributed=attributed
    )


@endpoint(
    "POST",
    "/customers/<customer_id>/contacts",
    Operation.LOG_CONTACT,
    summary="Log a phone, letter, visit or social-media contact (email arrives by itself)",
    responses=_replies(
        201, "logged (200 with recorded false: already logged)", 400, 401, 403, 404, 413
    ),
    tags=["contacts"],
)
def log_contact(customer_id: CustomerId, new: NewContact) -> Response[ContactRecorded]:
    actor = caller()
    now = _now()
    at = new.at or now
    if at > now + CLOCK_SKEW:
        raise BadRequest("body.at", "a contact cannot be logged in the future")
    if at < datetime.combine(EARLIEST_DATE, time(), tzinfo=UTC):
        raise BadRequest("body.at", f"before {EARLIEST_DATE.isoformat()}")
    _customer(customer_id)
    key = new.idempotency_key or uuid.uuid4().hex
    _audit(actor, customer_id, contact_id=f"staff-{key}")
    contact = Contact(
        contact_id=f"staff-{key}",  # never an SES message id, so never mistaken for an email
        customer_id=customer_id,
        channel=new.channel,
        direction=new.direction,
        at=at,
        summary=new.summary,
        disposition=new.disposition,
        reason=new.reason,
        recorded_by=actor.actor_id,
    )  # plain strings and checked values only: nothing the domain could refuse on reading
    recorded = build().store.record_contact(contact)
    return _json(201 if recorded else 200, ContactRecorded(recorded=recorded, contact=contact))


@endpoint(
    "GET",
    "/customers/<customer_id>/contacts",
    Operation.READ_CONTACTS,
    summary="A customer's contacts between two dates (inclusive, Europe/London)",
    responses=_replies(200, "the contacts", 400, 401, 403, 404),
    tags=["contacts"],
)
def list_contacts(
    customer_id: CustomerId,
    from_date: Annotated[
        date | None,
        Query(alias="from", ge=EARLIEST_DATE, le=LATEST_DATE, description="default: a year ago"),
    ] = None,
    to_date: Annotated[
        date | None,
        Query(alias="to", ge=EARLIEST_DATE, le=LATEST_DATE, description="default: today"),
    ] = None,
) -> ContactList:
    actor = caller()
    last = to_date or london_date(_now())
    first = from_date or last - timedelta(days=365)
    if first > last:
        raise BadRequest("query.from", "must not be after to")
    _customer(customer_id)
    full = may(actor.role, Operation.READ_FILED_EMAIL)
    _audit(actor, customer_id, detail=f"filed-email={'shown' if full else 'withheld'}")
    contacts = list(
        build().store.contacts(
            customer_id, start_of_day(first), start_of_day(last + timedelta(days=1))
        )
    )
    withheld = [] if full else [c.contact_id for c in contacts if _filed(c)]
    return ContactList(
        customer_id=customer_id,
        from_date=first,
        to_date=last,
        contacts=[_without_words(c) if c.contact_id in withheld else c for c in contacts],
        withheld=withheld,
    )


def _filed(contact: Contact) -> bool:
    """Filed email, or anything the designated officer has read and noted."""
    return contact.disposition is Disposition.FILED_BLOCKED or contact.read is not None


def _without_words(contact: Contact) -> Contact:
    """That a filed email exists and when, not what it says nor what was noted on reading it."""
    return contact.model_copy(update={"summary": "", "flags": (), "raw_ref": None, "read": None})


# Cases --------------------------------------------------------------------------------------


@endpoint(
    "POST",
    "/cases",
    Operation.OPEN_CASE,
    summary="Open a case: a Step 1 concern, or immediate restrictions",
    responses=_replies(201, "the case is open", 400, 401, 403, 404, 409, 413),
    tags=["cases"],
)
def open_case(
    opening: Annotated[OpenCaseRequest, Body(discriminator="kind")],
) -> Response[CommandResult]:
    actor = caller()
    command = from_request(lambda: domain_command(opening))
    _audit(actor, opening.customer_id, case_id=opening.case_id)
    try:
        outcome = build().cases.open_case(command, actor, _now())
    except VersionConflict as taken:  # the case id's item already exists
        raise AlreadyExists("case-exists", f"case {opening.case_id} already exists") from taken
    case = outcome.case
    return _json(
        201,
        CommandResult(
            outcome="decided",
            case_id=case.case_id,
            version=case.version,
            case=case,
            events=list(outcome.events),
        ),
        headers={"Location": f"/cases/{case.case_id}", **_etag(case.version)},
    )


def _case(case_id: str) -> Case:
    case = build().store.get_case(case_id)
    if case is None:
        raise UnknownCase(case_id)
    return case


@endpoint(
    "GET",
    "/cases/<case_id>",
    Operation.READ_CASE,
    summary="A case's state and version (also in the ETag header)",
    responses=_replies(200, "the case", 400, 401, 403, 404),
    tags=["cases"],
)
def get_case(case_id: CaseId) -> Response[CaseView]:
    actor = caller()
    case = _case(case_id)
    _audit(actor, case.customer_id, case_id=case_id)
    return _json(
        200, CaseView(case_id=case_id, version=case.version, case=case), _etag(case.version)
    )


LetterId = Annotated[str, Path(min_length=1, max_length=64, description="the letter's id")]


@endpoint(
    "GET",
    "/cases/<case_id>/letters/<letter_id>",
    Operation.READ_LETTER,
    summary="A letter's current draft or sent document (DOCX; send Accept with its type)",
    responses={
        **_replies(200, "the document", 400, 401, 403, 404),
        200: {"description": "the document", "content": {DOCX: {"schema": {}}}},
    },
    tags=["cases"],
)
# No return annotation on purpose: Powertools validates an annotated reply as JSON, and this
# one is a document's bytes (base64 through API Gateway).
def get_letter(case_id: CaseId, letter_id: LetterId):  # type: ignore[no-untyped-def]
    actor = caller()
    case = _case(case_id)
    letter = case.letter(letter_id)
    if letter is None:
        raise NotFound(f"case {case_id} has no letter {letter_id}")
    if letter.kind is LetterKind.REVIEW_PACK:
        require(actor.role, Operation.READ_REVIEW_PACK)
    if letter.s3_key is None:
        raise NotFound(f"letter {letter_id} has no document yet (it is {letter.status.value})")
    _audit(actor, case.customer_id, case_id=case_id, letter_id=letter_id)
    try:
        document = build().letters.read_key(letter.s3_key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
            raise
        logger.warning("a letter's document is missing", extra={"letter_id": letter_id})
        raise NotFound(
            f"letter {letter_id}'s document is missing from the letters bucket"
        ) from None
    name = f"{case_id}-{letter_id}.docx"
    return Response(
        200,
        DOCX,
        document,
        {"Content-Disposition": f'attachment; filename="{name}"', "ETag": f'"{letter.version}"'},
    )


@endpoint(
    "POST",
    "/cases/<case_id>/commands",
    Operation.DECIDE,
    summary="Record a decision on a case (any command of the case lifecycle)",
    responses=_replies(200, "decided, or nothing to do", 400, 401, 403, 404, 409, 413),
    tags=["cases"],
)
def command_case(
    case_id: CaseId,
    request: Annotated[CaseCommandRequest, Body(discriminator="kind")],
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", max_length=40, description='the case version, e.g. "3"'),
    ] = None,
) -> Response[CommandResult]:
    actor = caller()
    expected = _expected_version(request.expected_version, if_match)
    command = from_request(lambda: domain_command(request))
    _audit(actor, _case(case_id).customer_id, case_id=case_id, detail=f"command={request.kind}")
    wiring = build()
    try:
        outcome = wiring.cases.act(case_id, command, actor, _now(), expected_version=expected)
    except NothingToDo as nothing:
        case = _case(case_id)
        result = CommandResult(
            outcome="nothing-to-do",
            case_id=case_id,
            version=case.version,
            case=case,
            rule=nothing.rule,
            note=nothing.message,
        )
        return _json(200, result, _etag(case.version))
    case = outcome.case
    result = CommandResult(
        outcome="decided",
        case_id=case_id,
        version=case.version,
        case=case,
        events=list(outcome.events),
    )
    return _json(200, result, _etag(case.version))


def _timeline(case: Case, events: list[CaseEvent]) -> list[TimelineEntry]:
    entries: list[tuple[datetime, int, int, TimelineEntry]] = []
    for event in events:
        entries.append((event.at, 0, event.seq, EventEntry(at=event.at, event=event)))
    for n, letter in enumerate(case.letters):
        entries.append(
            (letter.required_at, 1, n, LetterEntry(at=letter.required_at, letter=letter))
        )
    for n, deadline in enumerate(pending_deadlines(case)):
        entry = DeadlineEntry(at=deadline.fire_at, deadline=deadline.kind, command=deadline.command)
        entries.append((deadline.fire_at, 2, n, entry))
    entries.sort(key=lambda item: (item[0], item[1], item[2]))
    return [entry for *_, entry in entries]


@endpoint(
    "GET",
    "/cases/<case_id>/timeline",
    Operation.READ_CASE,
    summary="A case's events, letters and pending deadlines, in time order",
    responses=_replies(200, "the timeline", 400, 401, 403, 404),
    tags=["cases"],
)
def case_timeline(case_id: CaseId) -> Timeline:
    actor = caller()
    case = _case(case_id)
    _audit(actor, case.customer_id, case_id=case_id)
    events = build().store.events(case_id)
    return Timeline(
        case_id=case_id,
        status=case.status,
        version=case.version,
        entries=_timeline(case, events),
    )


# Call handlers, the designated officer, subject access --------------------------------------


@endpoint(
    "GET",
    "/lookup",
    Operation.LOOKUP,
    summary="What applies to a caller now: restrictions, channel guidance, permitted channels",
    responses=_replies(200, "what applies now", 400, 401, 403, 404),
    tags=["call handlers"],
)
def lookup(
    email: Annotated[ApiEmail | None, Query(description="the caller's email address")] = None,
    customer_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="or the customer's id")
    ] = None,
) -> LookupResult:
    actor = caller()
    if (email is None) == (customer_id is None):
        raise BadRequest("query", "give exactly one of email or customer_id")
    store = build().store
    found_id = customer_id if customer_id is not None else store.customer_id_for_email(email or "")
    customer = store.get_customer(found_id) if found_id else None
    by = "email" if email is not None else "customer_id"
    _audit(
        actor,
        customer.customer_id if customer else None,
        detail=f"by={by} found={'true' if customer else 'false'}",
    )
    if customer is None:
        if customer_id is not None:
            raise UnknownCustomer(customer_id)
        raise NotFound("no customer has this email address")
    now = _now()
    cases = store.cases_for_customer(customer.customer_id)
    in_force = []
    for case in cases:
        restrictions = restrictions_in_force(case, now)
        if restrictions:
            until = case.period.effective_end if case.period is not None else None
            in_force.append(
                CaseRestrictions(
                    case_id=case.case_id,
                    status=case.status,
                    until=until,
                    restrictions=list(restrictions),
                )
            )
    every = [r for entry in in_force for r in entry.restrictions]
    ruling = email_ruling(cases, now)
    return LookupResult(
        customer_id=customer.customer_id,
        name=customer.name,
        at=now,
        restricted=bool(in_force),
        in_force=in_force,
        channels=[
            ChannelAdvice(channel=g.channel, allowed=g.allowed, conditions=list(g.conditions))
            for g in (channel_guidance(cases, channel, now) for channel in Channel)
        ],
        permitted_channels=list(permitted_channels(every)),
        email=EmailHandling(
            action=ruling.action,
            reason=ruling.reason,
            write_to=ruling.write_to,
            officer_email=ruling.officer_email,
        ),
    )


@endpoint(
    "GET",
    "/read-queue",
    Operation.READ_QUEUE,
    summary="Filed emails awaiting the designated officer's read",
    responses=_replies(200, "the queue", 401, 403),
    tags=["designated officer"],
)
def read_queue() -> ReadQueue:
    actor = caller()
    store = build().store
    waiting = store.read_queue()
    for customer_id, contact_id in waiting:
        _audit(actor, customer_id, contact_id=contact_id)
    return ReadQueue(
        items=[
            QueuedEmail(
                customer_id=customer_id,
                contact_id=contact_id,
                contact=store.get_contact(contact_id),
            )
            for customer_id, contact_id in waiting
        ]
    )


ContactId = Annotated[str, Path(min_length=1, max_length=200, description="the contact's id")]


@endpoint(
    "POST",
    "/read-queue/<contact_id>/read",
    Operation.MARK_READ,
    summary="The designated officer has read a filed email: off the queue, outcome recorded",
    responses=_replies(200, "recorded (or already read: nothing to do)", 400, 401, 403, 404, 409),
    tags=["designated officer"],
)
def mark_read(contact_id: ContactId, read: MarkRead) -> EmailReadRecorded:
    actor = caller()
    store = build().store
    held = store.get_contact(contact_id)
    _audit(
        actor,
        held.customer_id if held else None,
        contact_id=contact_id,
        detail=f"outcome={read.outcome.value}",
    )
    record = EmailRead(read_at=_now(), read_by=actor.actor_id, outcome=read.outcome, note=read.note)
    contact = store.mark_read(contact_id, record)
    if contact is None:
        held = store.get_contact(contact_id)
        if held is None:
            raise NotFound(f"no contact {contact_id}")
        if held.read is not None:
            raise NothingToDo(
                "read-once", f"read on {held.read.read_at.isoformat()} by {held.read.read_by}"
            )
        raise RuleViolation(
            "read-queue-filed-only", "only a filed email waits to be read: this one was not filed"
        )
    return EmailReadRecorded(
        contact_id=contact_id, customer_id=contact.customer_id, contact=contact
    )


@endpoint(
    "GET",
    "/customers/<customer_id>/export",
    Operation.SUBJECT_ACCESS_EXPORT,
    summary="Subject access: everything held on one customer, as one JSON document",
    responses=_replies(200, "everything held", 400, 401, 403, 404),
    tags=["customers"],
)
def export_customer(customer_id: CustomerId) -> SubjectAccessExport:
    actor = caller()
    customer = _customer(customer_id)
    _audit(actor, customer_id)
    store = build().store
    everything = store.contacts(
        customer_id, datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)
    )
    unattributed = [c for address in customer.emails for c in store.unmatched_contacts(address)]
    return SubjectAccessExport(
        exported_at=_now(),
        customer=customer,
        contacts=list(everything),
        unattributed_contacts=unattributed,
        cases=[
            CaseRecord(case=case, events=store.events(case.case_id))
            for case in store.cases_for_customer(customer_id)
        ],
        not_included=EXPORT_NOT_INCLUDED,
    )


@endpoint(
    "GET",
    "/audit",
    Operation.READ_AUDIT,
    summary="The audit trail: who read or changed one customer's data, or what one person did",
    responses=_replies(200, "the records, oldest first", 400, 401, 403),
    tags=["data protection"],
)
def audit_trail(
    customer_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="whose data")
    ] = None,
    actor_id: Annotated[
        str | None, Query(min_length=1, max_length=128, description="or by whom (the sub)")
    ] = None,
    from_date: Annotated[
        date | None,
        Query(alias="from", ge=EARLIEST_DATE, le=LATEST_DATE, description="default: 90 days ago"),
    ] = None,
    to_date: Annotated[
        date | None,
        Query(alias="to", ge=EARLIEST_DATE, le=LATEST_DATE, description="default: today"),
    ] = None,
) -> AuditTrail:
    actor = caller()
    if (customer_id is None) == (actor_id is None):
        raise BadRequest("query", "give exactly one of customer_id or actor_id")
    last = to_date or london_date(_now())
    first = from_date or last - timedelta(days=90)
    if first > last:
        raise BadRequest("query.from", "must not be after to")
    # Reading the trail is itself recorded: who asked about whom.
    _audit(actor, customer_id, detail="trail-by-customer" if customer_id else "trail-by-actor")
    start, end = start_of_day(first), start_of_day(last + timedelta(days=1))
    store = build().store
    records = (
        store.audit_of_customer(customer_id, start, end)
        if customer_id is not None
        else store.audit_by_actor(actor_id or "", start, end)
    )
    return AuditTrail(
        customer_id=customer_id,
        actor_id=actor_id,
        from_date=first,
        to_date=last,
        records=records,
    )


# The OpenAPI document -----------------------------------------------------------------------


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI 3.1 document (functions/api/openapi.json is this, checked in)."""
    schema = app.get_openapi_schema(
        title="contactguard staff API",
        version="1.0.0",
        description=(
            "Staff record the vexatious-contact policy's decisions and look up what applies "
            "to a caller. Every request carries a Cognito user pool ID token; the caller's "
            "groups are their roles. See docs/api.md."
        ),
        security_schemes={
            "cognito": APIKey(
                name="Authorization",
                in_=APIKeyIn.header,
                description="a Cognito user pool ID token (API Gateway's Cognito authorizer)",
            )
        },
        security=[{"cognito": []}],
    )
    doc: dict[str, Any] = schema.model_dump(mode="json", by_alias=True, exclude_none=True)
    # Bad input is a 400 with ApiError here, not Powertools' default 422.
    schemas = doc.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(name, None)
    doc.setdefault("components", {}).setdefault("parameters", {})["ActingRole"] = {
        "name": ACTING_ROLE_HEADER,
        "in": "header",
        "required": False,
        "description": (
            "the role you act in; required when you are in several staff groups, and it must "
            "be one of them"
        ),
        "schema": {"type": "string", "enum": sorted(r.value for r in STAFF_ROLES)},
    }
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["500"] = {
                "description": "unexpected error (logged; never the answer to bad input)",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}
                },
            }
            operation.setdefault("parameters", []).append(
                {"$ref": "#/components/parameters/ActingRole"}
            )
            roles = ", ".join(operation.get("x-roles", []))
            said = operation.get("description", "")
            operation["description"] = (
                f"{said}\n\n" if said else ""
            ) + f"Roles: {roles} (otherwise 403, rule `{operation.get('x-rule')}`)."
    return doc


def openapi_json() -> str:
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
