"""The registry of command handlers (one per command kind), and the helpers they share.

A handler takes the case (None when there is none yet), its command, the recorder of the
events it produces, and the policy; it returns the new case state or raises a PolicyError.
Each policy step's module registers its handlers with `@handles(kind)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from contactguard.domain.case import Case, CommandKind
from contactguard.domain.lifecycle.recorder import Recorder
from contactguard.domain.policy import Policy

_C = TypeVar("_C")
Handler = Callable[[Case | None, Any, Recorder, Policy], Case]
HANDLERS: dict[CommandKind, Handler] = {}


def handles(kind: CommandKind) -> Callable[[_C], _C]:
    def register(fn: _C) -> _C:
        HANDLERS[kind] = fn  # type: ignore[assignment]
        return fn

    return register


def check_every_command_is_handled() -> None:
    missing = set(CommandKind) - set(HANDLERS)
    if missing:
        raise AssertionError(f"commands without a handler: {sorted(missing)}")


def require_case(case: Case | None) -> Case:
    if case is None:  # the table never routes a missing case here
        raise AssertionError("case required")
    return case


def update_case(case: Case, **changes: Any) -> Case:
    return case.model_copy(update=changes)
