"""The staff console on the embedded stack, wired as deployed: its signing secret read from
Secrets Manager and its client id from SSM (both by the names the template gives them), its
sessions in the cases table, the staff use cases on the stack's table and buckets. Only the
identity provider is the local one (contactguard_local.console_local): Cognito's managed
login is not in moto. Requests go through `stack.invoke("ConsoleFunction", ...)`, so every AWS
call the console makes is checked against its role (tests/iam_calls.py).

    with EmbeddedStack(clock, params=CONSOLE_PARAMS) as stack, console_on(stack) as browser:
        home = browser.sign_in("sam", ["service-manager"])
        browser.sign_out(home)
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

from console import handler  # noqa: F401 - the app loaded as Lambda loads it (pages, then routes)
from console.settings import console_settings
from console.wiring import current
from contactguard_local.apigw import ProxyReply, rest_event
from contactguard_local.console_local import CLIENT_ID, LocalLogin
from contactguard_local.stack import REGION, EmbeddedStack

ORIGIN = "https://staff.example.test"
# The console at a custom domain (the ConsoleUrl parameter): the local API events carry no
# domain for it to derive its address from.
CONSOLE_PARAMS = {"ConsoleUrl": f"{ORIGIN}/console"}


def provision(stack: EmbeddedStack) -> None:
    """What CloudFormation makes for the console and the embedded stack does not: the
    generated signing secret and the client id parameter (its value the local provider's)."""
    client = stack.boto3.client
    secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))
    client("secretsmanager", region_name=REGION).create_secret(
        Name=stack.names["ConsoleSigningSecret"], SecretString=secret
    )
    client("ssm", region_name=REGION).put_parameter(
        Name=stack.names["ConsoleClientIdParameter"], Value=CLIENT_ID, Type="String"
    )


@dataclass
class ConsoleBrowser:
    """A browser of the console on the stack: keeps its cookies, sends forms same-site."""

    stack: EmbeddedStack
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, url: str, form: dict[str, str] | None = None) -> ProxyReply:
        parts = urlsplit(url.removeprefix(ORIGIN))
        query: dict[str, list[str]] = {}
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            query.setdefault(key, []).append(value)
        headers = {"Host": urlsplit(ORIGIN).netloc, "Sec-Fetch-Site": "same-origin"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "Origin": ORIGIN}
        event = rest_event(
            method,
            parts.path,
            claims=None,  # no authorizer on the console's routes
            headers=headers,
            query=query or None,
            body=None if form is None else urlencode(form),
        )
        result = self.stack.invoke("ConsoleFunction", event)
        for cookie in (result.get("multiValueHeaders") or {}).get("Set-Cookie", []):
            name, _, rest = str(cookie).partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return ProxyReply.of(result)

    def sign_in(self, staff_id: str, roles: list[str], name: str = "") -> ProxyReply:
        """Through the code flow with PKCE, to the home page."""
        login = LocalLogin(self.stack.clock)
        # The first request wires the console (secret and client id read, as at a cold
        # start); then the local provider stands in for Cognito's managed login.
        self.request("GET", "/console/signed-out")
        current.install(replace(current(), provider=login))
        start = self.request("GET", "/console/sign-in")
        query = dict(parse_qsl(urlsplit(start.headers["Location"]).query))
        callback = self.request("GET", login.grant(query, staff_id, name or staff_id, roles))
        assert callback.status == 303, callback.text
        return self.request("GET", callback.headers["Location"])

    def sign_out(self, page: ProxyReply) -> ProxyReply:
        """The sign-out button on `page`, with the CSRF token it carries."""
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found, "no CSRF token on the page"
        return self.request("POST", "/console/sign-out", {"csrf_token": unescape(found.group(1))})


@contextmanager
def console_on(stack: EmbeddedStack) -> Iterator[ConsoleBrowser]:
    """The console wired afresh from this stack's environment, on its clock."""
    provision(stack)
    console_settings.cache_clear()
    current.use_clock(stack.clock)
    try:
        yield ConsoleBrowser(stack)
    finally:
        current.use_clock(None)
        console_settings.cache_clear()
