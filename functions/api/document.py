"""The API's OpenAPI 3.1 document (functions/api/openapi.json is this, checked in)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

import api.routes  # noqa: F401 - every route registered before the document is made
from api.identity import ACTING_ROLE_HEADER
from api.resolver import app
from contactguard.domain.access import STAFF_ROLES


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
