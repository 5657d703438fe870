"""The console on a laptop: a local identity provider and its sign-in page.

`LocalLogin` plays Cognito's managed login for `contactguard serve`: its sign-in page lets you
choose who you are (a staff id, a name, one or more roles), and it issues Cognito-shaped ID
tokens (`token_use` id, `cognito:groups`, the nonce) signed by an RSA key made when it starts.
The console verifies them with the same code as deployed (console.auth.verify_id_token): the
authorization code flow with PKCE runs end to end, state, nonce, verifier and all. Never
deployed: nothing under functions/ imports this module.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jinja2 import ChoiceLoader, FileSystemLoader

from console.auth import SignInFailed, Tokens, challenge_of
from console.pages import ROLE_NAMES
from console.render import environment
from contactguard.domain.access import STAFF_ROLES
from contactguard.ports import Clock

ISSUER = "https://cognito-idp.local.invalid/local-staff-pool"
CLIENT_ID = "local-console"
SIGN_IN_PATH = "/console/local/sign-in"
TOKEN_MINUTES = 60
TEMPLATES = FileSystemLoader(str(__import__("pathlib").Path(__file__).with_name("templates")))


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


def sign_in_page(query: dict[str, str], error: str | None = None) -> str:
    env = environment().overlay(loader=ChoiceLoader([TEMPLATES, environment().loader]))  # type: ignore[list-item]
    return env.get_template("local_sign_in.html").render(
        title="Sign in (local)",
        query=query,
        roles=sorted(((r.value, ROLE_NAMES[r]) for r in STAFF_ROLES), key=lambda r: r[1]),
        error=error,
        errors=[{"text": error, "href": "#staff_id"}] if error else None,
        organisation="Local console",
        page={"actor": False, "flash": None},
    )
