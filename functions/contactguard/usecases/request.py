"""Who is asking: every staff use case is given the actor and the request's id."""

from __future__ import annotations

from dataclasses import dataclass

from contactguard.domain.model import Actor


@dataclass(frozen=True)
class Request:
    """The member of staff, in the one role they act in, and an id for this request (the
    audit records carry it: an API Gateway request id, or any unique id for a CLI or console
    call)."""

    actor: Actor
    request_id: str
