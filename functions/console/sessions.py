"""Signed-in sessions, held server side: the browser holds only a random id in a `__Host-`
cookie; the table holds its SHA-256 (a read of the table cannot be replayed as a cookie),
who signed in, the roles their token carried, the role they act in, and when it ends.

Sessions end on their own (`expires_at`, DynamoDB's TTL deletes the item; a read past it is
refused whether or not TTL has run yet), at sign-out, or when the identity provider will not
refresh them.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field

from contactguard.domain.access import STAFF_ROLES
from contactguard.domain.model import Actor, Role

COOKIE = "__Host-contactguard-session"


class Session(BaseModel):
    model_config = ConfigDict(frozen=True)

    session_hash: Annotated[str, Field(min_length=64, max_length=64)]
    actor_id: Annotated[str, Field(min_length=1, max_length=128)]
    name: Annotated[str | None, Field(max_length=200)] = None
    roles: tuple[Role, ...]
    acting: Role | None = None  # chosen when several roles are held
    started_at: datetime
    expires_at: datetime
    # When the identity token runs out; refreshed near it with the refresh token.
    token_expires_at: datetime
    refresh_token: str | None = None

    @property
    def role(self) -> Role | None:
        """The role this session acts in: the only one held, or the one chosen."""
        if self.acting is not None:
            return self.acting
        return self.roles[0] if len(self.roles) == 1 else None

    def actor(self) -> Actor | None:
        role = self.role
        if role is None:
            return None
        return Actor(actor_id=self.actor_id, role=role, name=self.name)

    def live(self, now: datetime) -> bool:
        return now < self.expires_at


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def staff_roles(groups: list[str]) -> tuple[Role, ...]:
    """The staff roles among a token's groups, in a stable order."""
    return tuple(sorted({Role(g) for g in groups if g in {r.value for r in STAFF_ROLES}}))


def start(
    session_id: str,
    *,
    actor_id: str,
    name: str | None,
    roles: tuple[Role, ...],
    now: datetime,
    hours: int,
    token_expires_at: datetime,
    refresh_token: str | None,
) -> Session:
    return Session(
        session_hash=hashed(session_id),
        actor_id=actor_id,
        name=name,
        roles=roles,
        started_at=now,
        expires_at=now + timedelta(hours=hours),
        token_expires_at=token_expires_at,
        refresh_token=refresh_token,
    )


class SessionStore(Protocol):
    def put_session(self, session: Session) -> None: ...

    def get_session(self, session_hash: str) -> Session | None: ...

    def delete_session(self, session_hash: str) -> None: ...


class MemorySessions:
    """Sessions in a dict: for tests."""

    def __init__(self) -> None:
        self.items: dict[str, Session] = {}

    def put_session(self, session: Session) -> None:
        self.items[session.session_hash] = session

    def get_session(self, session_hash: str) -> Session | None:
        return self.items.get(session_hash)

    def delete_session(self, session_hash: str) -> None:
        self.items.pop(session_hash, None)
