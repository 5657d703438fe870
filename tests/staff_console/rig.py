"""The console in process: its wiring over the in-memory ports (tests.fakes), the local
identity provider, and a browser that keeps cookies, follows redirects and sends forms with
the CSRF token the page gave it. Requests go through the real handler as API Gateway's REST
proxy events."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.fakes import Fakes, fake_use_cases

from console import handler
from console.auth import SignIn
from console.csrf import Csrf
from console.sessions import MemorySessions
from console.wiring import ConsoleWiring, current
from contactguard_local.apigw import rest_event
from contactguard_local.console_local import LocalLogin
from contactguard_local.stack import FakeContext

ORIGIN = "https://staff.example.test"
CONSOLE_URL = f"{ORIGIN}/console"
SECRET = b"a test secret that is long enough to sign with"


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    set_cookies: list[str]
    text: str
    url: str
    body: bytes = b""  # what the browser gets (a download's bytes, base64 undone)

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")

    def csrf(self) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.text)
        assert found, f"no CSRF token on {self.url}"
        return unescape(found.group(1))

    @property
    def title(self) -> str:
        found = re.search(r"<title[^>]*>(.*?)</title>", self.text, re.S)
        return unescape(found.group(1).strip()) if found else ""


@dataclass
class Browser:
    rig: Rig
    cookies: dict[str, str] = field(default_factory=dict)
    fetch_site: str | None = "same-origin"

    def request(
        self,
        method: str,
        url: str,
        form: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Page:
        parts = urlsplit(url)
        query: dict[str, list[str]] = {}
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            query.setdefault(key, []).append(value)
        sent = {"Host": urlsplit(ORIGIN).netloc}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.fetch_site:
            sent["Sec-Fetch-Site"] = self.fetch_site
        body = None
        if form is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = ORIGIN
            body = urlencode(form, doseq=True)
        sent.update(headers or {})
        event = rest_event(method, parts.path, claims=None, headers=sent, query=query, body=body)
        context: Any = FakeContext(function_name="ConsoleFunction")
        result = handler.lambda_handler(event, context)
        heads = {k: str(v) for k, v in (result.get("headers") or {}).items()}
        multi = result.get("multiValueHeaders") or {}
        for key, values in multi.items():
            if key.lower() != "set-cookie":
                heads[key] = str(values[-1])
        set_cookies = [str(v) for k, vs in multi.items() if k.lower() == "set-cookie" for v in vs]
        for cookie in set_cookies:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        text = str(result.get("body") or "")
        body = base64.b64decode(text) if result.get("isBase64Encoded") else text.encode()
        return Page(int(result["statusCode"]), heads, set_cookies, text, url, body)

    def get(self, url: str, follow: bool = True) -> Page:
        page = self.request("GET", url)
        return self.follow(page) if follow else page

    def post(self, url: str, form: dict[str, Any], follow: bool = True) -> Page:
        page = self.request("POST", url, form)
        return self.follow(page) if follow else page

    def submit(self, page: Page, url: str, form: dict[str, Any], follow: bool = True) -> Page:
        """Send a form from `page`, with the CSRF token it carries."""
        return self.post(url, {"csrf_token": page.csrf(), **form}, follow)

    def follow(self, page: Page) -> Page:
        for _ in range(10):
            if page.status not in (301, 302, 303, 307) or not page.location:
                return page
            location = page.location
            if location.startswith(ORIGIN):
                location = location[len(ORIGIN) :]
            if location.startswith("/console/local/sign-in"):
                location = self.rig.local_sign_in(location)
            page = self.request("GET", location)
        raise AssertionError("too many redirects")

    def sign_in(self, staff_id: str, roles: list[str], name: str = "") -> Page:
        self.rig.identity = (staff_id, name or staff_id, roles)
        return self.get("/console/")


class Rig:
    def __init__(self) -> None:
        self.fakes: Fakes = fake_use_cases()
        self.sessions = MemorySessions()
        self.login = LocalLogin(self.fakes.clock)
        self.identity: tuple[str, str, list[str]] = ("sam", "Sam Manager", ["service-manager"])
        self.wiring = ConsoleWiring(
            clock=self.fakes.clock,
            use_cases=self.fakes.use_cases,
            sessions=self.sessions,
            provider=self.login,
            sign_in=SignIn(SECRET),
            csrf=Csrf(SECRET),
            console_url=CONSOLE_URL,
            organisation="Example Homes",
            session_hours=8,
        )
        current.install(self.wiring)

    def local_sign_in(self, location: str) -> str:
        """What the local sign-in page does when this person signs in: the callback URL."""
        query = dict(parse_qsl(urlsplit(location).query))
        staff_id, name, roles = self.identity
        back = self.login.grant(query, staff_id, name, roles)
        return back[len(ORIGIN) :] if back.startswith(ORIGIN) else back

    def browser(self) -> Browser:
        return Browser(self)

    def close(self) -> None:
        current.install(None)
