"""The edge's own refusals: no identity, and input the request models cannot judge alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from api.models import FieldProblem
from contactguard.usecases.errors import reason_of


class NotAuthenticated(Exception):
    """No usable identity in the request (the gateway's authorizer did not run)."""


class BadRequest(Exception):
    """Input the request models cannot judge alone (headers together, ranges, times)."""

    def __init__(self, field: str, reason: str, *more: FieldProblem) -> None:
        super().__init__(reason)
        self.problems = [FieldProblem(field=field, reason=reason), *more]


def field_name(loc: Any) -> str:
    parts = loc if isinstance(loc, list | tuple) else (loc,)
    return ".".join(str(part) for part in parts) or "body"


_T = TypeVar("_T")


def from_request(make: Callable[[], _T]) -> _T:
    """A domain value built from request data; the domain's refusal of it is bad input (400)."""
    try:
        return make()
    except ValidationError as invalid:
        problems = [
            FieldProblem(field=field_name(("body", *p["loc"])), reason=reason_of(p))
            for p in invalid.errors()
        ]
        raise BadRequest(problems[0].field, problems[0].reason, *problems[1:]) from None
