"""The staff HTTP API's entry module: the resolver with its error mapping and every route.

API Gateway (a REST API with a Cognito user pool authorizer) authenticates; `api.identity`
reads the caller from the token's claims and checks their role against the route's Operation.
Routes (`api.routes`, one module per resource) only parse, call one use case
(contactguard.usecases) and shape the reply; none touches a store. `api.errors` maps every
refusal by type to its reply; `api.wiring` is the composition root (the only module of the
API that knows the adapters), with the clock injected.

| module            | what                                                             |
|-------------------|------------------------------------------------------------------|
| api.resolver      | the Powertools resolver, the body parser, `endpoint`             |
| api.identity      | `caller()`: claims, the acting role, the role check              |
| api.errors        | exception -> reply (400 ... 503, the 500 of last resort)         |
| api.routes.*      | customers, contacts, cases (and their letters), call handlers, read queue, export, audit |
| api.wiring        | `build(settings, clock)` and the one `current` wiring            |
| api.document      | the OpenAPI document                                             |

Nothing here logs personal data: log lines carry ids, roles and error types only.
"""  # noqa: E501

from __future__ import annotations

from typing import Any

import api.errors  # noqa: F401 - registers the error mapping
import api.routes  # noqa: F401 - registers every route
from api.identity import ACTING_ROLE_HEADER, caller, staff_request
from api.models import domain_command
from api.resolver import MAX_BODY_BYTES, ROUTE_OPERATIONS, app, current_operation, logger
from api.routes.cases import DOCX
from api.wiring import Wiring, current


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI 3.1 document (api.document), imported when asked for: the function
    never serves it, and Powertools' OpenAPI models it needs are most of a cold start."""
    from api.document import openapi_document as document

    return document()


def openapi_json() -> str:
    """The document as functions/api/openapi.json holds it (api.document)."""
    from api.document import openapi_json as document_json

    return document_json()


# The wiring this container serves with: `build()` gives it (built on first use),
# `build.use_clock(clock)` serves on another clock, `build.cache_clear()` rebuilds.
build = current

__all__ = [
    "ACTING_ROLE_HEADER",
    "DOCX",
    "MAX_BODY_BYTES",
    "ROUTE_OPERATIONS",
    "Wiring",
    "app",
    "build",
    "caller",
    "current_operation",
    "domain_command",
    "logger",
    "openapi_document",
    "openapi_json",
    "staff_request",
]
