"""The staff console over real HTTP from `contactguard serve`: the local sign-in page, the
authorization code flow with PKCE against the local identity provider, the session cookie,
and the console function invoked as API Gateway would, with no authorizer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPRedirectHandler, Request, build_opener

import pytest

from contactguard_local.cli import main
from contactguard_local.serve import serving


class _Stay(HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # each redirect is asserted, then followed by hand


class Client:
    """A browser's cookie handling, by hand: urllib's jar sends no Secure cookie over http,
    where Chromium (like this) treats loopback as a secure origin."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = build_opener(_Stay)

    def send(
        self, path: str, form: dict[str, object] | None = None
    ) -> tuple[int, str | None, str, list[str]]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urlencode(form, doseq=True).encode()
        url = path if path.startswith("http") else self.base + path
        try:
            reply = self.opener.open(Request(url, data=data, headers=headers), timeout=30)
        except HTTPError as refused:
            reply = refused
        set_cookies = reply.headers.get_all("Set-Cookie") or []
        for cookie in set_cookies:
            name, _, rest = cookie.partition("=")
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = rest.split(";", 1)[0]
        return reply.status, reply.headers.get("Location"), reply.read().decode(), set_cookies


@pytest.fixture
def client() -> Iterator[Client]:
    with serving(port=0) as base:
        yield Client(base)


def test_a_person_signs_in_through_the_local_page_and_reaches_the_console(
    client: Client,
) -> None:
    status, location, _, _ = client.send("/console/")
    assert (status, location) == (303, "/console/sign-in?next=/console/")
    status, location, _, cookies = client.send("/console/sign-in?next=/console/")
    assert status == 303
    assert location is not None
    assert location.startswith("/console/local/sign-in?")
    assert any(c.startswith("__Host-contactguard-sign-in=") for c in cookies)
    status, _, page, _ = client.send(location)
    assert status == 200
    assert "This is the local sign-in page of contactguard serve" in page
    hidden = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page))
    assert hidden["code_challenge_method"] == "S256"
    status, location, _, _ = client.send(
        "/console/local/sign-in",
        {**hidden, "staff_id": "sam", "name": "Sam Manager", "roles": ["service-manager"]},
    )
    assert status == 303
    assert location is not None
    assert location.startswith(f"{client.base}/console/auth/callback?code=")
    status, location, _, cookies = client.send(location)
    assert (status, location) == (303, "/console/")
    session = next(c for c in cookies if c.startswith("__Host-contactguard-session="))
    assert "HttpOnly" in session
    assert "Secure" in session
    status, _, home, _ = client.send("/console/")
    assert status == 200
    assert "Signed in as <strong>Sam Manager</strong>, acting as Service Manager" in home


def test_the_local_sign_in_page_wants_a_staff_id(client: Client) -> None:
    status, _, page, _ = client.send("/console/local/sign-in", {"staff_id": "two words"})
    assert status == 400
    assert "Error: Sign in (local)" in page
    assert "Enter a staff id, with no spaces" in page


def test_the_api_still_wants_its_authorization_header(client: Client) -> None:
    status, _, body, _ = client.send("/customers/anyone")
    assert status == 401
    assert "not-authenticated" in body


def test_the_demo_serves_the_console_on_its_story(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["demo", "--serve", "--port", "0", "--seconds", "0.2", "--out", "out/test-demo"]) == 0
    )
    printed = capsys.readouterr().out
    assert re.search(r"staff console on http://127\.0\.0\.1:\d+/console/", printed)
