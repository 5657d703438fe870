"""Scenario steps for the staff API's operations: `operation: {link_email: {...}}`.

Anything a member of staff can do through the API can be a step, by the operation's name in
the API's OpenAPI document (functions/api/openapi.json: the operationId without its path and
method, e.g. `link_email`, `mark_read`, `command_case`). The step runs as its staff member
through the real API function on the embedded stack, as the REST event API Gateway's Cognito
authorizer would pass it (contactguard_local.apigw), so the role check, the validation and
every refusal are the API's own: a 4xx reply is a recorded outcome, not a failure of the run.

The operation's name is the step's one key; it holds the parameters by name: path parameters
(`customer_id`, `case_id`...), query parameters (`from`, `email`...), and the rest the JSON
body. A few are filled in as a member of staff would, when left out:

- `command_case`: `expected_version`, the case's current version (as the console sends it);
- `letter: <kind>` (with a `case_id`): the `letter_id` of the case's latest letter of that kind;
- `mark_read`: `contact_id`, the oldest filed email awaiting a read (the read queue's head);
- `export_status`, `release_export`, `export_zip`: `job_id`, the last export this run started.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, model_validator

import api
from contactguard.domain.case import LetterKind
from contactguard.domain.model import Actor, Role
from contactguard_local.apigw import ProxyReply, rest_event

if TYPE_CHECKING:
    from contactguard_local.simulate import Simulation

API_FUNCTION = "ApiFunction"  # the template's logical id of the staff API's function
ACTING_ROLE_HEADER = "X-Acting-Role"
_JOB_OPERATIONS = frozenset({"export_status", "release_export", "export_zip"})
_FILLED = {"letter"}  # step fields the simulator resolves, never sent as they are


@dataclass(frozen=True)
class ApiOperation:
    """One route of the staff API, as its OpenAPI document describes it."""

    name: str  # the operationId without its path and method: the route's function
    operation_id: str
    method: str
    path: str  # with {placeholders}
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    header_params: tuple[str, ...]
    has_body: bool
    summary: str
    access: str  # the access.py Operation guarding it


@cache
def api_operations() -> dict[str, ApiOperation]:
    """Every operation of the staff API, by name, from the checked-in OpenAPI document (a
    test keeps it current with the code)."""
    document = json.loads(Path(api.__file__).with_name("openapi.json").read_text(encoding="utf-8"))
    found: dict[str, ApiOperation] = {}
    for path, methods in document["paths"].items():
        for method, spec in methods.items():
            if not isinstance(spec, dict) or "operationId" not in spec:
                continue
            suffix = re.sub(r"\W", "_", path) + "_" + method
            operation_id = str(spec["operationId"])
            name = operation_id.removesuffix(suffix)
            params = [p for p in spec.get("parameters", []) if "name" in p]
            found[name] = ApiOperation(
                name=name,
                operation_id=operation_id,
                method=method.upper(),
                path=path,
                path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                query_params=tuple(p["name"] for p in params if p["in"] == "query"),
                header_params=tuple(p["name"].lower() for p in params if p["in"] == "header"),
                has_body="requestBody" in spec,
                summary=str(spec.get("summary", "")),
                access=str(spec.get("x-operation", "")),
            )
    return found


def _schema(schema: dict[str, Any]) -> None:
    """The JSON Schema of an operation step: one key, the operation's name, holding its
    parameters (or the name alone), each operation described."""
    operations = api_operations()
    described = {
        op.name: {
            "type": "object",
            "description": f"{op.method} {op.path}: {op.summary} (roles: access.py "
            f"{op.access}; parameters: "
            + ", ".join([*op.path_params, *op.query_params, *(["the body"] if op.has_body else [])])
            + ")",
        }
        for op in operations.values()
    }
    for key in list(schema):
        if key not in ("title", "description"):
            del schema[key]
    schema["anyOf"] = [
        {"type": "string", "enum": sorted(operations), "description": "no parameters"},
        {
            "type": "object",
            "properties": described,
            "additionalProperties": False,
            "minProperties": 1,
            "maxProperties": 1,
        },
    ]
    schema["examples"] = [
        {"link_email": {"customer_id": "cust-0001", "address": "new@example.org"}},
        "read_queue",
        {"mark_read": {"outcome": "nothing-new", "note": "the same complaint again"}},
        {"set_letter_format": {"customer_id": "cust-0001", "letter_format": "large-print"}},
        {"command_case": {"case_id": "case-0001", "kind": "redraft-letter", "letter": "concern"}},
        {"log_contact": {"customer_id": "cust-0001", "channel": "phone", "summary": "Called"}},
        {"start_export": {"customer_id": "cust-0001"}},
        "export_status",
    ]


class OperationStep(BaseModel):
    """A staff API operation, run as the step's `by` through the real API function: its
    role check, validation and refusals are the API's own. Written as one key, the
    operation's name (its OpenAPI operationId without path and method), holding its
    parameters by name: path, query, then the JSON body. An operation without parameters
    may be given by its name alone."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_schema)

    name: str
    parameters: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _one_key(cls, given: Any) -> Any:
        if isinstance(given, str):
            return {"name": given, "parameters": {}}
        if isinstance(given, dict) and len(given) == 1:
            ((name, parameters),) = given.items()
            if parameters is None:
                parameters = {}
            if not isinstance(parameters, dict):
                raise ValueError(f"{name}: its parameters are a mapping, name: value")
            return {"name": name, "parameters": parameters}
        raise ValueError(
            "an operation is one key, its name, holding its parameters: "
            "{link_email: {customer_id: ..., address: ...}}, or its name alone"
        )

    @model_validator(mode="after")
    def _known(self) -> OperationStep:
        operations = api_operations()
        by_id = {op.operation_id: op.name for op in operations.values()}
        if self.name in by_id:  # the whole operationId names it too
            self.name = by_id[self.name]
        operation = operations.get(self.name)
        if operation is None:
            raise ValueError(
                f"no API operation {self.name!r}: one of " + ", ".join(sorted(operations))
            )
        fields = self.parameters
        if "letter" in fields:
            try:
                LetterKind(fields["letter"])
            except ValueError:
                raise ValueError(
                    f"letter: {fields['letter']!r} is not a kind of letter: one of "
                    + ", ".join(k.value for k in LetterKind)
                ) from None
            if "case_id" not in fields:
                raise ValueError("letter: names a letter of a case: give case_id too")
        missing = [
            p
            for p in operation.path_params
            if p not in fields and not _filled_later(operation.name, p, fields)
        ]
        if missing:
            raise ValueError(f"{self.name} needs " + ", ".join(missing))
        if not operation.has_body:
            stray = set(fields) - _FILLED - _plain_params(operation)
            if stray:
                raise ValueError(
                    f"{self.name} takes no " + ", ".join(sorted(stray)) + " (it has no body)"
                )
        return self


def _plain_params(operation: ApiOperation) -> set[str]:
    return {*operation.path_params, *operation.query_params, *operation.header_params}


def _filled_later(name: str, param: str, fields: dict[str, Any]) -> bool:
    return (
        (param == "letter_id" and "letter" in fields)
        or (param == "contact_id" and name == "mark_read")
        or (param == "job_id" and name in _JOB_OPERATIONS)
    )


def run_operation(
    sim: Simulation,
    index: int,
    step: OperationStep,
    actor: Actor,
    held: Iterable[Role] = (),
) -> dict[str, Any]:
    """Send the operation to the API function as `actor`, acting in `actor.role` (named in
    the X-Acting-Role header); `held` are any other roles the person holds (their Cognito
    groups, beside the acting one). The outcome, for the report."""
    operation = api_operations()[step.name]
    fields = _resolved(sim, index, operation, step.parameters)
    path = operation.path
    for param in operation.path_params:
        path = path.replace("{" + param + "}", quote(str(fields.pop(param)), safe=""))
    query = {
        p: [str(v) for v in value] if isinstance(value, list) else [str(value)]
        for p in operation.query_params
        if (value := fields.pop(p, None)) is not None
    }
    headers = {"Content-Type": "application/json", ACTING_ROLE_HEADER: actor.role.value}
    for header in operation.header_params:
        given = next((k for k in fields if k.lower() == header), None)
        if given is not None:
            headers[header] = str(fields.pop(given))
    groups = sorted({actor.role.value, *(r.value for r in held)})
    claims: dict[str, Any] = {"sub": actor.actor_id, "cognito:groups": ",".join(groups)}
    if actor.name:
        claims["name"] = actor.name
    body = json.dumps(fields, default=str) if operation.has_body else None
    event = rest_event(
        operation.method, path, claims=claims, headers=headers, query=query, body=body
    )
    reply = ProxyReply.of(sim.stack.invoke(API_FUNCTION, event))
    if operation.method != "GET":
        sim.stack.pump_streams()  # what the write sets off: letters, deadlines, exports
    return _outcome(sim, operation, actor, reply, step.parameters)


def _resolved(
    sim: Simulation, index: int, operation: ApiOperation, given: dict[str, Any]
) -> dict[str, Any]:
    fields = dict(given)
    store = sim.stack.store
    if "letter" in fields:
        kind = LetterKind(fields.pop("letter"))
        case = store.get_case(str(fields["case_id"]))
        letters = [x for x in case.letters if x.kind is kind] if case else []
        if not letters:
            raise sim.fail(
                index, f"case {fields['case_id']} has no {kind.value} letter", "operation"
            )
        fields["letter_id"] = letters[-1].letter_id
    if operation.name == "command_case":
        no_version = "expected_version" not in fields
        if no_version and not any(k.lower() == "if-match" for k in fields):
            case = store.get_case(str(fields["case_id"]))
            if case is not None:
                fields["expected_version"] = case.version
    if operation.name == "mark_read" and "contact_id" not in fields:
        queue = store.read_queue()
        if not queue:
            raise sim.fail(index, "mark_read: no filed email awaits a read", "operation")
        fields["contact_id"] = queue[0][1]
    if operation.name in _JOB_OPERATIONS and "job_id" not in fields:
        job = next((s["job_id"] for s in reversed(sim.steps_report) if "job_id" in s), None)
        if job is None:
            raise sim.fail(index, f"{operation.name}: no export started yet", "operation")
        fields["job_id"] = job
    return fields


def _outcome(
    sim: Simulation,
    operation: ApiOperation,
    actor: Actor,
    reply: ProxyReply,
    given: dict[str, Any],
) -> dict[str, Any]:
    outcome: dict[str, Any] = {
        "step": "operation",
        "operation": operation.name,
        "by": actor.actor_id,
        "role": actor.role.value,
        "status": reply.status,
    }
    content_type = reply.headers.get("Content-Type", "")
    data = reply.json() if content_type.startswith("application/json") and reply.body else None
    if reply.status >= 400:
        problem = data if isinstance(data, dict) else {}
        outcome["refused" if reply.status < 500 else "failed"] = (
            problem.get("rule") or problem.get("error") or str(reply.status)
        )
        outcome["reason"] = problem.get("message", reply.text[:200])
        if problem.get("fields"):
            outcome["fields"] = {f["field"]: f["reason"] for f in problem["fields"]}
        verdict = "REFUSED" if reply.status < 500 else "FAILED"
        fields = "".join(f"; {k}: {v}" for k, v in outcome.get("fields", {}).items())
        outcome["note"] = (
            f"{operation.name} by {actor.actor_id}: {verdict} {reply.status} "
            f"[{outcome['refused' if reply.status < 500 else 'failed']}] {outcome['reason']}"
            + fields
        )
        return outcome
    case_id = given.get("case_id")
    if operation.name in ("open_case", "command_case") and isinstance(data, dict):
        # The case itself is in the report's cases: here what the decision did.
        if isinstance(case_id, str) and case_id not in sim.case_ids:
            sim.case_ids.append(case_id)
        outcome["case"] = data.get("case_id", case_id)
        outcome["version"] = data.get("version")
        outcome["events"] = [e.get("type") for e in data.get("events", [])]
        if data.get("outcome") == "nothing-to-do":
            outcome["nothing_to_do"] = data.get("rule")
            outcome["reason"] = data.get("note")
    elif data is not None:
        outcome["reply"] = data
    else:
        outcome["content_type"] = content_type
        outcome["bytes"] = len(reply.body)
    if isinstance(data, dict) and operation.name == "start_export":
        outcome["job_id"] = data.get("job_id")
    outcome["note"] = f"{operation.name} by {actor.actor_id}: {reply.status}" + (
        ", " + ", ".join(str(e) for e in outcome["events"]) if outcome.get("events") else ""
    )
    return outcome
