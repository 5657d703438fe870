"""API Gateway's side of the staff API, for local runs and tests: the REST proxy event a
Cognito user pool authorizer hands the Lambda function, and the reply read back from it.

One builder, so the tests and `contactguard serve` send the function exactly the same shape.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STAGE = "prod"
# Who a local caller says they are, standing in for a Cognito token: ROLE[,ROLE...]:STAFF-ID.
# Both halves are plain tokens: no spaces, nothing a shell or a log would mangle.
LOCAL_IDENTITY = r"[a-z][a-z,-]*[a-z]:[A-Za-z0-9._@+-]{1,128}"


def rest_event(
    method: str,
    path: str,
    *,
    claims: Mapping[str, Any] | None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, list[str]] | None = None,
    body: str | None = None,
    source_ip: str = "192.0.2.1",
) -> dict[str, Any]:
    """The REST API proxy event; `claims` is what the authorizer verified (None: it did not
    run). Query values are lists, as API Gateway keeps every value of a repeated name."""
    all_headers = dict(headers or {})
    context: dict[str, Any] = {
        "requestId": str(uuid.uuid4()),
        "stage": STAGE,
        "httpMethod": method,
        "path": f"/{STAGE}{path}",
        "identity": {"sourceIp": source_ip},
    }
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} if query else None,
        "multiValueQueryStringParameters": {k: list(v) for k, v in query.items()}
        if query
        else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
    }


@dataclass
class ProxyReply:
    """A Lambda proxy integration's reply, as API Gateway turns it into HTTP (a base64 body,
    such as a letter's DOCX, back into its bytes)."""

    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str] = field(default_factory=list)  # each its own Set-Cookie header

    @classmethod
    def of(cls, result: Mapping[str, Any]) -> ProxyReply:
        multi = result.get("multiValueHeaders") or {}
        headers = {k: str(v[-1]) for k, v in multi.items() if k.lower() != "set-cookie"}
        headers.update({k: str(v) for k, v in (result.get("headers") or {}).items()})
        cookies = [str(v) for k, vs in multi.items() if k.lower() == "set-cookie" for v in vs]
        raw = str(result.get("body") or "")
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
        return cls(int(result["statusCode"]), headers, body, cookies)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.text) if self.body else None
