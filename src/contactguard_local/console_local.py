"""The console on a laptop: a local identity provider and its sign-in page.

`LocalLogin` plays Cognito's managed login for `contactguard serve`: its sign-in page lets you
choose who you are (a staff id, a name, one or more roles), and it issues Cognito-shaped ID
tokens (`token_use` id, `cognito:groups`, the nonce) signed by an RSA key made when it starts.
The console verifies them with the same code as deployed (console.auth.verify_id_token): the
authorization code flow with PKCE runs end to end, state, nonce, verifier and all. Never
deployed: nothing under functions/ imports this module.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jinja2 import ChoiceLoader, FileSystemLoader

from console import web
from console.auth import SignIn, SignInFailed, Tokens, challenge_of
from console.csrf import Csrf
from console.pages import ROLE_NAMES
from console.render import ASSETS_FOLDER, environment
from console.session_store import DynamoSessions
from console.wiring import ConsoleWiring, current
from contactguard.domain.access import STAFF_ROLES
from contactguard.ports import Clock
from contactguard.settings import CoreSettings
from contactguard.staff_wiring import staff_on_aws
from contactguard_local.apigw import ProxyReply

if TYPE_CHECKING:
    from contactguard_local.stack import EmbeddedStack

ISSUER = "https://cognito-idp.local.invalid/local-staff-pool"
CLIENT_ID = "local-console"
SIGN_IN_PATH = "/console/local/sign-in"
TOKEN_MINUTES = 60
TEMPLATES = FileSystemLoader(str(Path(__file__).with_name("templates")))
ORGANISATION = "Local housing (contactguard serve)"
_ROLE_VALUES = {r.value for r in STAFF_ROLES}


@dataclass(frozen=True)
class _Grant:
    challenge: str
    nonce: str
    redirect_uri: str
    claims: dict[str, Any]


class LocalLogin:
    """An identity provider in memory: codes, refresh tokens and the signing key."""

    def __init__(self, clock: Clock) -> None:
        self.issuer = ISSUER
        self.client_id = CLIENT_ID
        self.clock = clock
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._codes: dict[str, _Grant] = {}
        self._refresh: dict[str, dict[str, Any]] = {}

    # What the console calls (console.auth.IdentityProvider) ---------------------------------

    def authorize_url(self, *, redirect_uri: str, state: str, nonce: str, challenge: str) -> str:
        query = urlencode(
            {
                "redirect_uri": redirect_uri,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{SIGN_IN_PATH}?{query}"

    def exchange(self, *, code: str, verifier: str, redirect_uri: str) -> Tokens:
        grant = self._codes.pop(code, None)
        if grant is None:
            raise SignInFailed("unknown or used code")
        if challenge_of(verifier) != grant.challenge or redirect_uri != grant.redirect_uri:
            raise SignInFailed("the PKCE verifier or redirect URI does not match")
        refresh = secrets.token_urlsafe(32)
        self._refresh[refresh] = grant.claims
        return Tokens(id_token=self._id_token(grant.claims, grant.nonce), refresh_token=refresh)

    def refresh(self, refresh_token: str) -> Tokens:
        claims = self._refresh.get(refresh_token)
        if claims is None:
            raise SignInFailed("the refresh token was revoked")
        return Tokens(id_token=self._id_token(claims, None), refresh_token=refresh_token)

    def revoke(self, refresh_token: str) -> None:
        self._refresh.pop(refresh_token, None)

    def signing_key(self, token: str) -> Any:
        return self._key.public_key()

    def logout_url(self, *, return_to: str) -> str:
        return return_to

    # The local sign-in page ------------------------------------------------------------------

    def grant(self, query: dict[str, str], staff_id: str, name: str, roles: list[str]) -> str:
        """The redirect back to the console with a code for this person (the page's POST)."""
        claims = {"sub": staff_id, "name": name or staff_id, "cognito:groups": roles}
        code = secrets.token_urlsafe(24)
        self._codes[code] = _Grant(
            challenge=query.get("code_challenge", ""),
            nonce=query.get("nonce", ""),
            redirect_uri=query.get("redirect_uri", ""),
            claims=claims,
        )
        back = urlencode({"code": code, "state": query.get("state", "")})
        return f"{query.get('redirect_uri', '')}?{back}"

    def _id_token(self, claims: dict[str, Any], nonce: str | None) -> str:
        now: datetime = self.clock()
        body = {
            **claims,
            "iss": self.issuer,
            "aud": self.client_id,
            "token_use": "id",
            "iat": int(now.timestamp()),
            "auth_time": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=TOKEN_MINUTES)).timestamp()),
        }
        if nonce is not None:
            body["nonce"] = nonce
        return jwt.encode(body, self._key, algorithm="RS256", headers={"kid": "local"})


def sign_in_page(query: dict[str, str], nonce: str, error: str | None = None) -> str:
    env = environment().overlay(loader=ChoiceLoader([TEMPLATES, environment().loader]))  # type: ignore[list-item]
    return env.get_template("local_sign_in.html").render(
        title="Sign in (local)",
        query=query,
        roles=sorted(((r.value, ROLE_NAMES[r]) for r in STAFF_ROLES), key=lambda r: r[1]),
        error=error,
        errors=[{"text": error, "href": "#staff_id"}] if error else None,
        organisation=ORGANISATION,
        console="/console",
        assets_folder=ASSETS_FOLDER,
        cspNonce=nonce,
        page={"actor": False, "signed_in": False, "flash": None},
    )


class LocalConsole:
    """The console function's wiring on the embedded stack, and the local sign-in page."""

    def __init__(self, wiring: ConsoleWiring, login: LocalLogin) -> None:
        self.wiring = wiring
        self.login = login

    @classmethod
    def install(
        cls, stack: EmbeddedStack, console_url: str, upload_url: str | None = None
    ) -> LocalConsole:
        """Serve the console on this stack: the same use cases and session table as deployed,
        the local identity provider, a signing secret made now. `upload_url`: where upload
        forms post (the local server's stand-in for S3, contactguard_local.uploads)."""
        settings = CoreSettings()  # the stack put the template's environment in place
        log = logging.getLogger("contactguard_local.console")
        # No presigned links: a browser cannot reach moto's in-process bucket.
        env = stack.functions["ConsoleFunction"]["env"]  # the template's, resolved
        use_cases, _ = staff_on_aws(
            settings,
            env["CONTACTGUARD_LETTERS_BUCKET"],
            stack.clock,
            log,
            links=False,
            raw_mail=(env["CONTACTGUARD_RAW_MAIL_BUCKET"], env["CONTACTGUARD_RAW_MAIL_PREFIX"]),
            erasure_raw_mail=(
                env["CONTACTGUARD_RAW_MAIL_BUCKET"],
                env["CONTACTGUARD_RAW_MAIL_PREFIX"],
            ),
            erasure_exports=env["CONTACTGUARD_EXPORTS_BUCKET"],
            upload_url=upload_url,
        )
        login = LocalLogin(stack.clock)
        secret = secrets.token_bytes(32)
        wiring = ConsoleWiring(
            clock=stack.clock,
            use_cases=use_cases,
            sessions=DynamoSessions(stack.table, client=stack.dynamodb),
            provider=login,
            sign_in=SignIn(secret),
            csrf=Csrf(secret),
            console_url=console_url,
            organisation=ORGANISATION,
            session_hours=8,
        )
        current.install(wiring)
        return cls(wiring, login)

    def uninstall(self) -> None:
        current.install(None)

    def sign_in_page(
        self, method: str, query: dict[str, list[str]], body: str | None
    ) -> ProxyReply:
        """GET: the page. POST: back to the console's callback with a code for this person
        (any staff id, any roles; none at all shows the console's "no staff role" page)."""
        nonce = web.nonce()
        headers = {"Content-Type": web.HTML, **web.security_headers(nonce)}
        if method == "GET":
            asked = {k: v[-1] for k, v in query.items()}
            return ProxyReply(200, headers, sign_in_page(asked, nonce).encode("utf-8"))
        if method != "POST":
            return ProxyReply(405, {"Allow": "GET, POST"}, b"")
        form = parse_qs(body or "", keep_blank_values=True, max_num_fields=50)
        fields = {k: v[-1] for k, v in form.items()}
        staff_id = fields.get("staff_id", "").strip()
        roles = [r for r in form.get("roles", []) if r in _ROLE_VALUES]
        if not 1 <= len(staff_id) <= 128 or any(c.isspace() for c in staff_id):
            page = sign_in_page(fields, nonce, "Enter a staff id, with no spaces")
            return ProxyReply(400, headers, page.encode("utf-8"))
        back = self.login.grant(fields, staff_id, fields.get("name", "").strip(), roles)
        return ProxyReply(303, {**headers, "Location": back}, b"")
