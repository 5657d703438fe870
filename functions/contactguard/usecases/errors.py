"""What the staff use cases refuse, as types (the API maps each to its HTTP status)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from contactguard.service import UnknownCase, UnknownCustomer

__all__ = [
    "AlreadyExists",
    "AuditUnavailable",
    "InvalidInput",
    "NotFound",
    "UnknownCase",
    "UnknownCustomer",
    "validated",
]


class AuditUnavailable(Exception):
    """The audit record could not be written: nothing is shown and nothing changed."""


class NotFound(LookupError):
    """A resource other than a case or a customer (e.g. no customer has this address)."""


class AlreadyExists(Exception):
    """A create named an id that is taken."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class InvalidInput(ValueError):
    """Input a use case refuses: each (field, reason), the fields named within `source`
    (e.g. "body" or "query"; a field of "" is the source as a whole)."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems[0][1])
        self.source = source
        self.problems = problems


_T = TypeVar("_T")


def validated(make: Callable[[], _T], source: str = "body") -> _T:
    """A domain value built from input; the domain's refusal of it is invalid input.

    The domain's models are the last word on a value: e.g. a text of spaces passes a length
    check and is then stripped to nothing, which the domain refuses when it reads it back.
    Checking here keeps such a value from ever being stored.
    """
    try:
        return make()
    except ValidationError as invalid:
        problems = [
            (
                ".".join(str(part) for part in p["loc"]),
                reason_of(p),
            )
            for p in invalid.errors()
        ]
        raise InvalidInput(source, problems) from None


def reason_of(problem: Any) -> str:
    """pydantic's message for one problem, without its "Value error, " prefix (our validators'
    own words follow it)."""
    return str(problem.get("msg") or problem.get("type") or "invalid").removeprefix("Value error, ")
