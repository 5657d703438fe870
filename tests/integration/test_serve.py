"""`contactguard serve`: the staff API over real HTTP on loopback, on the embedded stack, with
the local stand-in for the Cognito authorizer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from contactguard_local.cli import main
from contactguard_local.serve import local_claims, run_serve, serving

MANAGER = "Local service-manager:sam"
ADDRESS = {"lines": ["1 High Street", "Derby"], "postcode": "DE1 1AA"}


@pytest.fixture
def url() -> Iterator[str]:
    with serving(port=0) as base:
        yield base


def http(
    url: str,
    method: str,
    path: str,
    body: Any = None,
    auth: str | None = MANAGER,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    sent = dict(headers or {})
    if auth is not None:
        sent["Authorization"] = auth
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    request = Request(url + path, data=data, method=method, headers=sent)
    try:
        with urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers.items()), json.loads(response.read())
    except HTTPError as refused:
        return refused.code, dict(refused.headers.items()), json.loads(refused.read())


@pytest.mark.parametrize(
    ("header", "claims"),
    [
        ("Local service-manager:sam", {"sub": "sam", "cognito:groups": "service-manager"}),
        (
            "Local head-of-service,executive-team:hal.b",
            {"sub": "hal.b", "cognito:groups": "head-of-service,executive-team"},
        ),
    ],
)
def test_a_local_authorization_header_stands_for_a_cognito_token(
    header: str, claims: dict[str, str]
) -> None:
    assert local_claims(header) == {**claims, "name": claims["sub"]}


def test_a_missing_or_malformed_header_is_401_before_the_function_runs(url: str) -> None:
    for header in (None, "", "Bearer eyJhbGciOi", "Local service-manager", "Local :sam"):
        status, headers, body = http(url, "GET", "/read-queue", auth=header)
        assert status == 401, header
        assert headers["WWW-Authenticate"] == "Local"
        assert body["error"] == "not-authenticated"
        assert "Authorization: Local <role>" in body["message"]


def test_requests_reach_the_real_handler_with_the_callers_identity(url: str) -> None:
    customer = {"customer_id": "serve-1", "name": "Ada Tenant", "address": ADDRESS}
    status, headers, created = http(url, "POST", "/customers", customer)
    assert status == 201
    assert headers["Location"] == "/customers/serve-1"
    concern = {
        "kind": "raise-concern",
        "case_id": "serve-case-1",
        "customer_id": "serve-1",
        "behaviours": ["scattergun-approach"],
        "note": "the same complaint through every route",
    }
    status, headers, opened = http(url, "POST", "/cases", concern)
    assert status == 201, opened
    assert opened["events"][0]["actor"] == {
        "actor_id": "sam",
        "role": "service-manager",
        "name": "sam",
    }
    # The stream was pumped after the write: the letters function drafted the concern letter.
    status, headers, case = http(
        url, "GET", "/cases/serve-case-1", auth="Local customer-experience-team:cat"
    )
    assert status == 200
    assert [(x["kind"], x["status"]) for x in case["case"]["letters"]] == [("concern", "drafted")]
    assert headers["ETag"] == f'"{case["version"]}"'


def test_letters_are_still_drafted_after_a_write_that_was_refused(url: str) -> None:
    """moto rolls a failed transaction back onto a copy of the table and its stream: the
    server must go on reading the live stream (a 409 once left every later letter undrafted)."""
    contact = {"channel": "phone", "idempotency_key": "call-1"}
    for customer_id in ("serve-2", "serve-3"):
        assert (
            http(
                url,
                "POST",
                "/customers",
                {"customer_id": customer_id, "name": "Ada Tenant", "address": ADDRESS},
            )[0]
            == 201
        )
    assert http(url, "POST", "/customers/serve-2/contacts", contact)[0] == 201
    assert http(url, "POST", "/customers/serve-2/contacts", contact)[0] == 200  # replayed
    concern = {
        "kind": "raise-concern",
        "case_id": "serve-case-3",
        "customer_id": "serve-3",
        "behaviours": ["scattergun-approach"],
        "note": "the same complaint through every route",
    }
    assert http(url, "POST", "/cases", concern)[0] == 201
    _, _, case = http(url, "GET", "/cases/serve-case-3")
    assert [x["status"] for x in case["case"]["letters"]] == ["drafted"]


def test_the_acting_role_header_passes_through_whatever_its_case(url: str) -> None:
    both = "Local head-of-service,executive-team:hal"
    status, _, body = http(url, "GET", "/customers/nobody", auth=both)
    assert (status, body["fields"][0]["field"]) == (400, "header.X-Acting-Role")
    status, _, body = http(
        url, "GET", "/customers/nobody", auth=both, headers={"x-acting-role": "executive-team"}
    )
    assert (status, body["error"]) == (404, "not-found")


def test_a_role_the_api_does_not_know_is_its_403_not_the_servers(url: str) -> None:
    status, _, body = http(url, "GET", "/read-queue", auth="Local admins:eve")
    assert (status, body["rule"]) == (403, "staff-role-required")


def test_serve_prints_its_url_and_stops_after_the_seconds_given(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_serve(0, seconds=0.2) == 0
    out = capsys.readouterr().out
    assert "contactguard staff API on http://127.0.0.1:" in out
    assert "Authorization: Local <role>" in out


def test_serve_is_a_cli_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "0", "--seconds", "0.1"]) == 0
    assert "http://127.0.0.1:" in capsys.readouterr().out
