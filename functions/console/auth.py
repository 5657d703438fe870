"""Sign-in with Cognito's managed login: the authorization code flow with PKCE.

1. `begin`: a random state, nonce and PKCE verifier go into a short signed cookie (ten
   minutes), and the browser is sent to the identity provider's authorize page with the state,
   nonce and the verifier's S256 challenge.
2. `finish` (the callback): the state must match the cookie's, the code is exchanged with the
   verifier, and the ID token is verified (signature from the provider's JWKS, issuer,
   audience, `token_use`, nonce, expiry against the injected clock); the staff roles come from
   `cognito:groups`. A server-side session starts (console.sessions).
3. Near the ID token's expiry the refresh token gets a new one; sign-out revokes the refresh
   token, deletes the session, and ends the provider's own session.

The provider is a port (`IdentityProvider`): `CognitoLogin` talks to Cognito's OAuth endpoints
over HTTPS; `contactguard serve` wires a local one that signs Cognito-shaped tokens with a key
made at start-up, so this module's verification runs unchanged on a laptop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import jwt
from itsdangerous import BadSignature, URLSafeSerializer

SIGN_IN_COOKIE = "__Host-contactguard-sign-in"
SIGN_IN_MINUTES = 10
REFRESH_BEFORE = timedelta(minutes=5)
LEEWAY = timedelta(seconds=30)


class SignInFailed(Exception):
    """Why a sign-in or a token was refused (for the log: no personal data)."""


@dataclass(frozen=True)
class Tokens:
    id_token: str
    refresh_token: str | None


class IdentityProvider(Protocol):
    issuer: str
    client_id: str

    def authorize_url(
        self, *, redirect_uri: str, state: str, nonce: str, challenge: str
    ) -> str: ...

    def exchange(self, *, code: str, verifier: str, redirect_uri: str) -> Tokens: ...

    def refresh(self, refresh_token: str) -> Tokens: ...

    def revoke(self, refresh_token: str) -> None: ...

    def signing_key(self, token: str) -> Any:
        """The public key that signed `token` (from the provider's JWKS)."""
        ...

    def logout_url(self, *, return_to: str) -> str: ...


@dataclass(frozen=True)
class Identity:
    """What a verified ID token says: who, their groups, and when the token runs out."""

    subject: str
    name: str | None
    groups: list[str]
    expires_at: datetime


def challenge_of(verifier: str) -> str:
    """PKCE's S256 code challenge (RFC 7636)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify_id_token(
    provider: IdentityProvider, token: str, *, now: datetime, nonce: str | None
) -> Identity:
    """The ID token's claims, once signature, issuer, audience, use, nonce and expiry hold."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            provider.signing_key(token),
            algorithms=["RS256"],
            audience=provider.client_id,
            issuer=provider.issuer,
            # Expiry is checked below against the injected clock, not the machine's.
            options={
                "require": ["exp", "iat", "sub", "aud", "iss"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError as error:
        raise SignInFailed(f"the ID token was refused: {type(error).__name__}") from error
    if claims.get("token_use") != "id":
        raise SignInFailed("not an ID token")
    if nonce is not None and not hmac.compare_digest(str(claims.get("nonce", "")), nonce):
        raise SignInFailed("the ID token's nonce is not this sign-in's")
    expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    if now >= expires + LEEWAY:
        raise SignInFailed("the ID token has expired")
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        groups = [groups]
    name = claims.get("name") or claims.get("email")
    return Identity(
        subject=str(claims["sub"]),
        name=str(name)[:200] if name else None,
        groups=[str(g) for g in groups],
        expires_at=expires,
    )


class SignIn:
    """The sign-in cookie: state, nonce, PKCE verifier and where to go after, signed."""

    def __init__(self, secret: bytes) -> None:
        self._signer = URLSafeSerializer(secret, salt="contactguard-console-sign-in")

    def begin(
        self, provider: IdentityProvider, *, redirect_uri: str, next_path: str, now: datetime
    ) -> tuple[str, str]:
        """(the provider's authorize URL, the cookie's value)."""
        state = secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        cookie = self._signer.dumps(
            {
                "state": state,
                "nonce": nonce,
                "verifier": verifier,
                "next": next_path,
                "at": int(now.timestamp()),
            }
        )
        url = provider.authorize_url(
            redirect_uri=redirect_uri, state=state, nonce=nonce, challenge=challenge_of(verifier)
        )
        return url, cookie

    def finish(
        self,
        provider: IdentityProvider,
        *,
        cookie: str | None,
        state: str | None,
        code: str | None,
        redirect_uri: str,
        now: datetime,
    ) -> tuple[Identity, Tokens, str]:
        """(the verified identity, the tokens, the path to go to)."""
        if not cookie or not state or not code:
            raise SignInFailed("the callback lacks its state, code or cookie")
        try:
            saved = self._signer.loads(cookie)
        except BadSignature as error:
            raise SignInFailed("the sign-in cookie is not ours") from error
        if not isinstance(saved, dict) or not hmac.compare_digest(str(saved.get("state")), state):
            raise SignInFailed("the state is not this browser's sign-in")
        started = datetime.fromtimestamp(int(saved.get("at", 0)), UTC)
        if not started <= now < started + timedelta(minutes=SIGN_IN_MINUTES):
            raise SignInFailed("the sign-in took too long")
        tokens = provider.exchange(
            code=code, verifier=str(saved["verifier"]), redirect_uri=redirect_uri
        )
        identity = verify_id_token(provider, tokens.id_token, now=now, nonce=str(saved["nonce"]))
        return identity, tokens, safe_next(str(saved.get("next") or ""))


def safe_next(path: str) -> str:
    """Only a path inside the console: never another site (an open redirect)."""
    if path.startswith("/console/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/console/"


class CognitoLogin:
    """Cognito's managed login (a public app client: PKCE, no client secret)."""

    def __init__(self, *, issuer: str, client_id: str, login_domain: str, timeout: float = 5):
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.login_domain = login_domain.rstrip("/")
        self.timeout = timeout
        self._keys = jwt.PyJWKClient(f"{self.issuer}/.well-known/jwks.json", cache_keys=True)

    def authorize_url(self, *, redirect_uri: str, state: str, nonce: str, challenge: str) -> str:
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid email profile",
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.login_domain}/oauth2/authorize?{query}"

    def _post(self, path: str, form: dict[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - https to the configured domain only
            f"{self.login_domain}{path}",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # noqa: S310
                body = reply.read()
        except OSError as error:
            raise SignInFailed(f"Cognito refused {path}: {type(error).__name__}") from error
        return json.loads(body) if body else {}

    def exchange(self, *, code: str, verifier: str, redirect_uri: str) -> Tokens:
        reply = self._post(
            "/oauth2/token",
            {
                "grant_type": "authorization_code",
                "client_id": self.client_id,
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
        )
        return Tokens(id_token=str(reply["id_token"]), refresh_token=reply.get("refresh_token"))

    def refresh(self, refresh_token: str) -> Tokens:
        reply = self._post(
            "/oauth2/token",
            {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "refresh_token": refresh_token,
            },
        )
        return Tokens(id_token=str(reply["id_token"]), refresh_token=refresh_token)

    def revoke(self, refresh_token: str) -> None:
        self._post("/oauth2/revoke", {"token": refresh_token, "client_id": self.client_id})

    def signing_key(self, token: str) -> Any:
        try:
            return self._keys.get_signing_key_from_jwt(token).key
        except jwt.PyJWTError as error:
            raise SignInFailed(f"no key for the token: {type(error).__name__}") from error

    def logout_url(self, *, return_to: str) -> str:
        query = urllib.parse.urlencode({"client_id": self.client_id, "logout_uri": return_to})
        return f"{self.login_domain}/logout?{query}"
