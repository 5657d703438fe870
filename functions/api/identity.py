"""The caller: who is asking (the token's claims), in which role, and may they.

API Gateway's Cognito authorizer authenticates; `sub` is the actor id, `cognito:groups` the
roles, and `X-Acting-Role` picks one when a person holds several. The role is checked against
the route's Operation here, before the route runs and before bad input is reported.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from api.exceptions import BadRequest, NotAuthenticated
from api.resolver import app, current_operation
from contactguard.domain.access import STAFF_ROLES, require
from contactguard.domain.errors import NotPermitted
from contactguard.domain.model import Actor, Role
from contactguard.usecases import Request

ACTING_ROLE_HEADER = "X-Acting-Role"


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


def staff_request() -> Request:
    """The caller (checked as `caller()` does) and this request's id, for a use case."""
    actor = caller()
    context = app.current_event.request_context
    request_id = getattr(context, "request_id", None) or uuid.uuid4().hex
    return Request(actor=actor, request_id=request_id)
