"""`decide()`: a command checked against the roles and the table, then handed to its handler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contactguard.domain.case import (
    DEADLINE_COMMANDS,
    Case,
    CaseEvent,
    Command,
)
from contactguard.domain.errors import (
    IllegalTransition,
    NothingToDo,
    NotPermitted,
    RuleViolation,
)
from contactguard.domain.lifecycle.handlers import HANDLERS
from contactguard.domain.lifecycle.recorder import Recorder
from contactguard.domain.lifecycle.roles import PERMITTED_ROLES
from contactguard.domain.lifecycle.table import FIRST, TRANSITIONS
from contactguard.domain.model import Actor
from contactguard.domain.policy import Policy


@dataclass(frozen=True)
class Outcome:
    case: Case
    events: tuple[CaseEvent, ...]


def decide(
    case: Case | None, command: Command, actor: Actor, now: datetime, policy: Policy
) -> Outcome:
    """Apply one command to a case. Raises a PolicyError subclass naming the refusing rule."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    kind = command.kind
    allowed_roles = PERMITTED_ROLES[kind]
    if actor.role not in allowed_roles:
        roles = ", ".join(sorted(r.value for r in allowed_roles))
        raise NotPermitted("role-permissions", f"{kind.value} needs the role: {roles}")
    status = case.status if case else None
    targets = TRANSITIONS.get((status, kind))
    if targets is None:
        where = f"a case that is {status.value}" if status else "a customer with no case"
        if kind in DEADLINE_COMMANDS:
            raise NothingToDo("deadline-stale", f"{kind.value} no longer applies to {where}")
        first = FIRST.get((status, kind)) if status else None
        why = f": {first}" if first else ""
        raise IllegalTransition("lifecycle", f"{kind.value} is not possible for {where}{why}")
    if case is not None and case.version < 1:
        raise ValueError("case version must be 1 or more")
    recorder = Recorder(
        case.case_id if case else _new_case_id(command),
        case.customer_id if case else _new_customer_id(command),
        case.version if case else 0,
        actor,
        now,
    )
    new_case = HANDLERS[kind](case, command, recorder, policy)
    if not recorder.events:
        raise AssertionError(f"{kind.value} produced no event")
    if new_case.status not in targets:
        raise AssertionError(f"{kind.value} led to {new_case.status}, outside the table")
    letters = tuple(
        x for x in new_case.letters if x.letter_id not in {n.letter_id for n in recorder.letters}
    ) + tuple(recorder.letters)
    new_case = new_case.model_copy(update={"version": recorder.events[-1].seq, "letters": letters})
    return Outcome(case=new_case, events=tuple(recorder.events))


def _new_case_id(command: Command) -> str:
    case_id = getattr(command, "case_id", None)
    if not case_id:
        raise RuleViolation("case-identity", "a new case needs a case_id")
    return str(case_id)


def _new_customer_id(command: Command) -> str:
    customer_id = getattr(command, "customer_id", None)
    if not customer_id:
        raise RuleViolation("case-identity", "a new case needs the customer_id")
    return str(customer_id)
