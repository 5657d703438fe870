"""`contactguard serve`: the staff API and the staff console over real HTTP on loopback,
backed by the embedded stack.

The console (`/console/`) is the console function behind API Gateway as deployed, with no
authorizer: it signs people in itself. Locally its identity provider is
contactguard_local.console_local's, whose sign-in page (`/console/local/sign-in`) is served
here and never deployed: choose a staff id and roles, and the console verifies the token it
is given exactly as it verifies Cognito's.

The API:

Each request becomes the REST proxy event API Gateway would pass the real handler after its
Cognito authorizer. Locally there is no user pool, so the caller says who they are:

    Authorization: Local <role>[,<role>...]:<staff-id>
    e.g. Authorization: Local service-manager:sam    (or head-of-service,executive-team:hal)

The roles become the token's `cognito:groups` and the staff id its `sub`; the API itself
decides what each role may do, exactly as deployed. A missing or malformed header is a 401,
as the gateway would answer before the function ran. After every write the DynamoDB stream is
pumped (letters drafted, deadlines scheduled) and due schedules fire on the wall clock, so a
case looks as it would in AWS a moment later. Everything is in memory and lost on exit.

`/local/s3-upload/<bucket>` stands in for S3's POST upload (contactguard_local.uploads), where
the console's upload form posts a letter's final version locally. Never deployed.
"""

from __future__ import annotations

import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from api import wiring as api_wiring
from api.resolver import logger as api_logger
from api.settings import api_settings
from contactguard.domain.calendar import LONDON
from contactguard.staff_wiring import staff_on_aws
from contactguard_local import uploads
from contactguard_local.apigw import LOCAL_IDENTITY, ProxyReply, rest_event
from contactguard_local.console_local import SIGN_IN_PATH, LocalConsole
from contactguard_local.local import LiveClock
from contactguard_local.stack import EmbeddedStack

DEFAULT_PORT = 8080
API_FUNCTION = "ApiFunction"
CONSOLE_FUNCTION = "ConsoleFunction"
CONSOLE = "/console"
AUTH_SCHEME = "Local"
AUTH_FORMAT = "Authorization: Local <role>[,<role>...]:<staff-id>"
_LOCAL_AUTH = re.compile(rf"^{AUTH_SCHEME}\s+({LOCAL_IDENTITY})$")
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The largest body read; the API refuses anything over 64 KiB with a 413 of its own.
_MAX_READ = 1024 * 1024


def local_claims(header: str | None) -> dict[str, str] | None:
    """The claims a Cognito ID token would carry for this local Authorization header."""
    match = _LOCAL_AUTH.match((header or "").strip())
    if match is None:
        return None
    groups, _, staff_id = match.group(1).partition(":")
    return {"sub": staff_id, "cognito:groups": groups, "name": staff_id}


def unauthenticated() -> ProxyReply:
    """The gateway's refusal, in the API's error shape so clients read one format."""
    body = (
        '{"status": 401, "error": "not-authenticated", "rule": null, '
        f'"message": "send {AUTH_FORMAT}", "fields": []}}'
    )
    return ProxyReply(
        401,
        {"Content-Type": "application/json", "WWW-Authenticate": AUTH_SCHEME},
        body.encode("utf-8"),
    )


class LocalApi:
    """The stack behind a lock: moto and the handlers' module state are not thread-safe."""

    def __init__(self, stack: EmbeddedStack) -> None:
        self.stack = stack
        self.lock = threading.Lock()
        self.console: LocalConsole | None = None

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: str | None
    ) -> ProxyReply:
        url = urlsplit(target)
        path = url.path or "/"
        query = parse_qs(url.query, keep_blank_values=True)
        if path == CONSOLE or path.startswith(CONSOLE + "/"):
            return self._console(method, path, headers, query, body)
        claims = local_claims(_header(headers, "Authorization"))
        if claims is None:
            return unauthenticated()
        event = rest_event(method, path, claims=claims, headers=headers, query=query, body=body)
        return self._invoke(API_FUNCTION, method, event)

    def upload(self, method: str, path: str, headers: dict[str, str], body: bytes) -> ProxyReply:
        """S3's POST upload, as the stand-in answers it (never deployed)."""
        if method != "POST":
            return ProxyReply(405, {"Allow": "POST"}, b"")
        signer, _, bucket = path.removeprefix(uploads.UPLOAD_PATH).partition("/")
        if signer not in (API_FUNCTION, CONSOLE_FUNCTION):
            return ProxyReply(404, {}, b"")
        session = self.stack.boto3.DEFAULT_SESSION
        secret = session.get_credentials().get_frozen_credentials().secret_key
        with self.lock:
            return uploads.accept(
                self.stack.s3,
                signer,
                bucket,
                _header(headers, "Content-Type") or "",
                body,
                secret_key=secret,
                now=datetime.now(LONDON),
            )

    def _invoke(self, function: str, method: str, event: dict[str, Any]) -> ProxyReply:
        with self.lock:
            self.stack.advance(datetime.now(LONDON))  # fire what fell due meanwhile
            reply = ProxyReply.of(self.stack.invoke(function, event))
            if method in _WRITES:
                self.stack.pump_streams()
        return reply

    def _console(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        query: dict[str, list[str]],
        body: str | None,
    ) -> ProxyReply:
        if self.console is None:
            raise RuntimeError("the console is not wired: serve it with serving()")
        if path == SIGN_IN_PATH:
            with self.lock:
                return self.console.sign_in_page(method, query, body)
        event = rest_event(method, path, claims=None, headers=headers, query=query, body=body)
        return self._invoke(CONSOLE_FUNCTION, method, event)


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _handler_class(api: LocalApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "contactguard-local"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            headers = dict(self.headers.items())
            if self.path.startswith(uploads.UPLOAD_PATH):  # the stand-in for S3: bytes
                upload = self.rfile.read(min(length, uploads.MAX_UPLOAD_BYTES + 1))
                self._send(api.upload(self.command, self.path, headers, upload))
                return
            raw = self.rfile.read(min(length, _MAX_READ)) if length > 0 else None
            # API Gateway passes a non-binary body as text; bytes that are not UTF-8 are lost.
            body = raw.decode("utf-8", errors="replace") if raw is not None else None
            self._send(api.handle(self.command, self.path, headers, body))

        def _send(self, reply: ProxyReply) -> None:
            payload = reply.body
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            for cookie in reply.set_cookies:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: request lines carry customer ids and email addresses in query strings."""

    return Handler


@contextmanager
def serving(port: int = 0, stack: EmbeddedStack | None = None) -> Iterator[str]:
    """The API served from a background thread; yields its base URL. For tests and `serve`."""
    with _stack(stack) as running:
        api = LocalApi(running)
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(api))
        server.daemon_threads = True
        host, bound = server.server_address[:2]
        url = f"http://{host!s}:{bound}"
        _install_api(running, uploads.upload_url(url, API_FUNCTION, running.names["LettersBucket"]))
        api.console = LocalConsole.install(
            running,
            console_url=f"{url}{CONSOLE}",
            upload_url=uploads.upload_url(url, CONSOLE_FUNCTION, running.names["LettersBucket"]),
        )
        thread = threading.Thread(target=server.serve_forever, name="contactguard-serve")
        thread.start()
        try:
            yield url
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
            api.console.uninstall()
            api_wiring.current.install(None)


def _install_api(stack: EmbeddedStack, upload_url: str) -> None:
    """The API function's wiring as deployed, but for where its upload forms post: the stand-in
    for S3 on this server (contactguard_local.uploads). Never deployed."""
    settings = api_settings()
    use_cases, store = staff_on_aws(
        settings,
        settings.letters_bucket,
        stack.clock,
        api_logger,
        erasure_raw_mail=(settings.raw_mail_bucket, settings.raw_mail_prefix),
        upload_url=upload_url,
        exports_bucket=settings.exports_bucket,
        erasure_exports=settings.exports_bucket,
    )
    api_wiring.current.install(
        api_wiring.Wiring(clock=stack.clock, use_cases=use_cases, audit_log=store)
    )


@contextmanager
def _stack(stack: EmbeddedStack | None) -> Iterator[EmbeddedStack]:
    if stack is not None:
        yield stack
        return
    with EmbeddedStack(LiveClock(datetime.now(LONDON))) as fresh:
        yield fresh


def run_serve(port: int, seconds: float | None = None) -> int:
    """Serve a fresh, empty stack until Ctrl-C (or for `seconds`)."""
    return _serve_until_stopped(port, seconds, None)


def serve_stack(stack: EmbeddedStack, port: int, seconds: float | None = None) -> int:
    """Serve this stack (e.g. the demo's, its story loaded) until Ctrl-C or `seconds`."""
    return _serve_until_stopped(port, seconds, stack)


def _serve_until_stopped(port: int, seconds: float | None, stack: EmbeddedStack | None) -> int:
    try:
        with serving(port, stack=stack) as url:
            print(f"contactguard staff API on {url} (in memory: lost when this stops)")
            print(f"authenticate with: {AUTH_FORMAT}")
            print(f"staff console on {url}{CONSOLE}/ (sign in as anyone, in any role)")
            print("Ctrl-C stops", flush=True)
            deadline = None if seconds is None else time.monotonic() + seconds
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.2)
    except KeyboardInterrupt:
        print("stopped")
    except OSError as error:
        print(f"error: cannot listen on 127.0.0.1:{port}: {error.strerror}", file=sys.stderr)
        return 3
    return 0
