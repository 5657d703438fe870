"""HTML replies and what every page carries: security headers, a Content Security Policy with
a fresh nonce per reply, cookies, and the refusal of cross-site requests that change things.

The console is server rendered and works without JavaScript; GOV.UK Frontend's script only
enhances it. The only script that runs inline is the template's one line that marks the body
`js-enabled`, and it carries the reply's nonce.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

HTML = "text/html; charset=utf-8"


def nonce() -> str:
    return secrets.token_urlsafe(16)


def content_security_policy(script_nonce: str, form_targets: tuple[str, ...] = ()) -> str:
    """Nothing from elsewhere, no inline script but the nonce's, no framing."""
    forms = " ".join(("'self'", *form_targets))
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'self' 'nonce-{script_nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            f"form-action {forms}",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "manifest-src 'self'",
        )
    )


def security_headers(script_nonce: str, form_targets: tuple[str, ...] = ()) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(script_nonce, form_targets),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
        "Cache-Control": "no-store",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


@dataclass
class Reply:
    """What a page handler returns; the app adds the headers every reply carries."""

    status: int = 200
    body: str | bytes = ""  # bytes: a document (API Gateway gets it base64-encoded)
    location: str | None = None
    cookies: list[Cookie] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    # Other origins this page's forms post to (CSP form-action): the letters bucket, on the
    # page that uploads a letter's final version, and nowhere else.
    form_targets: tuple[str, ...] = ()

    @classmethod
    def redirect(cls, location: str, cookies: list[Cookie] | None = None) -> Reply:
        """Post/redirect/get: 303 See Other."""
        return cls(HTTPStatus.SEE_OTHER, "", location, cookies or [])

    def response(
        self, script_nonce: str, form_targets: tuple[str, ...] = ()
    ) -> Response[str | bytes]:
        targets = tuple(dict.fromkeys((*form_targets, *self.form_targets)))
        headers = {**security_headers(script_nonce, targets), **self.headers}
        if self.location is not None:
            headers["Location"] = self.location
        return Response(self.status, HTML, self.body, headers, cookies=self.cookies)


def origin_of(url: str) -> str:
    """scheme://host[:port] of an address."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def host_cookie(name: str, value: str, *, max_age: int) -> Cookie:
    """A `__Host-` cookie: Secure, HttpOnly, Path=/, no Domain, SameSite=Lax."""
    return Cookie(
        name=name,
        value=value,
        path="/",
        secure=True,
        http_only=True,
        same_site=SameSite.LAX_MODE,
        max_age=max_age,
    )


def cleared(name: str) -> Cookie:
    return host_cookie(name, "", max_age=0)


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    """One cookie's value from a Cookie header (the last if sent twice)."""
    found = None
    for part in (cookie_header or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            found = value
    return found


def cross_site(headers: dict[str, str], console_origin: str) -> bool:
    """A state-changing request from another site: Sec-Fetch-Site says so, or Origin names
    another origin. Browsers without Sec-Fetch-Site fall back to Origin; neither header (a
    non-browser client) is left to the CSRF token."""
    lowered = {k.lower(): v for k, v in headers.items()}
    site = lowered.get("sec-fetch-site")
    if site is not None and site.strip().lower() not in {"same-origin", "none"}:
        return True
    origin = lowered.get("origin")
    if origin is not None and origin.strip() != "null":
        return origin_of(origin.strip()) != console_origin
    return origin is not None  # "null": a sandboxed or privacy-stripped cross-site request
