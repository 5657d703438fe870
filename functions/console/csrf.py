"""CSRF tokens: every form carries one, signed with the console's secret and bound to the
session (its hash), so a token from another session, or forged, is refused."""

from __future__ import annotations

import hmac

from itsdangerous import BadSignature, URLSafeSerializer

FIELD = "csrf_token"


class Csrf:
    def __init__(self, secret: bytes) -> None:
        self._signer = URLSafeSerializer(secret, salt="contactguard-console-csrf")
        self._notes = URLSafeSerializer(secret, salt="contactguard-console-done")

    def seal(self, message: str) -> str:
        """A success message for the next page's address, signed: a crafted link cannot put
        words of its own in the console's success banner."""
        return str(self._notes.dumps(message))

    def unseal(self, sealed: str | None) -> str | None:
        if not sealed:
            return None
        try:
            message = self._notes.loads(sealed)
        except BadSignature:
            return None
        return message if isinstance(message, str) else None

    def token(self, session_hash: str) -> str:
        return str(self._signer.dumps(session_hash))

    def valid(self, token: str | None, session_hash: str) -> bool:
        if not token:
            return False
        try:
            bound = self._signer.loads(token)
        except BadSignature:
            return False
        return isinstance(bound, str) and hmac.compare_digest(bound, session_hash)
