"""`contactguard simulate SCENARIO.yaml --out DIR`: a dated story through the real handlers.

A scenario names customers and staff and lists dated steps: emails (inline or `.eml` files,
with SES verdicts), contacts by phone, letter, visit or social media, staff commands by named
actors, letters marked sent, and time passing. Each step runs on the embedded stack at its
time; due schedules fire on the way. The report (DIR/report.json and a summary on the
terminal) holds every contact with its disposition and reason, every case event, every
letter, and every schedule created, fired or cancelled. The format is documented by
docs/scenario.schema.json (generated from the models below) and docs/examples/.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import (
    Command,
    LetterKind,
    LetterStatus,
    MarkLetterSent,
    RecordLetterDrafted,
    RedraftLetter,
)
from contactguard.domain.errors import PolicyError
from contactguard.domain.letter_kinds import LETTER_KINDS
from contactguard.domain.model import (
    Actor,
    Channel,
    Contact,
    Customer,
    Direction,
    PostalAddress,
    Role,
)
from contactguard_local.pumps import DueSchedule, SchedulerPump
from contactguard_local.scenario_expect import (
    COMMAND_ONLY,
    EMAIL_ONLY,
    Outcome,
    StateExpect,
    StepExpect,
    World,
    check_state,
    check_step,
)
from contactguard_local.simulate_mail import (
    DEFAULT_TO,
    OWN_FIELDS,
    STRUCTURAL,
    SesVerdicts,
    eml_subject,
    first_address,
    inline_message,
)
from contactguard_local.simulate_operations import OperationStep, run_operation
from contactguard_local.stack import EmbeddedStack, SimClock, post_to_maildirs
from letters.docx_render import document_text
from letters.service import letter_key

COMMANDS: TypeAdapter[Any] = TypeAdapter(Command)
BUNDLED_SCENARIO = Path(__file__).resolve().parents[2] / "docs" / "examples" / "demo.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ScenarioCustomer(_Model):
    """A customer on file before the story starts: the addresses their email comes from and
    where letters go."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "cust-0001",
                    "name": "A. Tenant",
                    "emails": ["a.tenant@example.org"],
                    "address": {"lines": ["1 Example Street", "Derby"], "postcode": "DE23 8ZZ"},
                }
            ]
        }
    )
    id: str
    name: str
    emails: list[str] = []
    address: PostalAddress | None = None


class ScenarioStaff(_Model):
    """A member of staff in one role (`role`) or several (`roles`, e.g. a Head of Service who
    sits on the Executive Team); a step by someone with several roles names the one it acts
    in with `as`, as the API's X-Acting-Role header does."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": "staff-sm-01", "role": "service-manager", "name": "S. Manager"},
                {"id": "staff-hos-02", "roles": ["head-of-service", "executive-team"]},
            ]
        }
    )
    id: str
    role: Role | None = None
    roles: list[Role] = []
    name: str | None = None

    @model_validator(mode="after")
    def _some_role(self) -> ScenarioStaff:
        if (self.role is None) == (not self.roles):
            raise ValueError("give `role` (one) or `roles` (several), not both")
        if Role.SYSTEM in self.held:
            raise ValueError("`system` is the deadlines and letters functions, never a person")
        return self

    @property
    def held(self) -> tuple[Role, ...]:
        return (self.role,) if self.role is not None else tuple(dict.fromkeys(self.roles))


class EmailStep(_Model):
    """An email SES receives: an inline message (`from`, `to`, `subject`, `body`, any other
    `headers`) or an `.eml` file, with SES's verdicts on it. `from` is the envelope sender
    (SES's mail.source, the SMTP MAIL FROM); ingest judges the message's own From header,
    as SES read it. Inline, `from` is both. With `eml`, `from` may be left out: the envelope
    sender is then the file's From address; given, it is the envelope sender only (the
    file's From stays as written, e.g. a forged From sent from another address)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"from": "a.tenant@example.org", "subject": "Repairs", "body": "Still broken."},
                {
                    "from": "a.tenant@example.org",
                    "subject": "Out of office",
                    "headers": {"Auto-Submitted": "auto-replied"},
                },
                {"eml": "mail/spoofed.eml", "verdicts": {"dmarc": "FAIL", "dmarcPolicy": "reject"}},
            ]
        }
    )

    sender: str | None = Field(default=None, alias="from")
    to: list[str] = Field(default=[], description=f"the To header (inline; default {DEFAULT_TO})")
    subject: str = ""
    body: str = ""
    headers: dict[str, str] = Field(
        default={},
        description="more headers of the inline message: Auto-Submitted, Precedence, "
        "Reply-To, Cc, List-Id... (From, To and Subject are the step's own fields)",
    )
    eml: str | None = None  # a file, relative to the scenario, instead of subject/body
    verdicts: SesVerdicts = SesVerdicts()

    @model_validator(mode="after")
    def _message(self) -> EmailStep:
        if self.eml is None and not self.sender:
            raise ValueError("an email needs `from`, or an `eml` file whose From is the sender")
        if self.eml is not None and (self.to or self.headers or self.subject or self.body):
            raise ValueError("an `eml` file is the whole message: no to, headers, subject or body")
        own = sorted(h for h in self.headers if h.lower() in OWN_FIELDS | STRUCTURAL)
        if own:
            raise ValueError(f"headers: {', '.join(own)} are set otherwise (from, to, subject)")
        return self


class ContactStep(_Model):
    """A contact staff log by hand: a call, a letter, a visit or a social media post."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"customer": "cust-0001", "channel": "phone", "summary": "Called 4 times"}]
        }
    )
    customer: str
    channel: Literal["phone", "letter", "visit", "social-media"]
    summary: str = ""
    direction: Direction = Direction.INBOUND


class LetterStep(_Model):
    """The case's latest letter of a kind marked sent (redrafted first if it is date-bound and
    dated another day)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"case": "case-0001", "kind": "restrictions"}]}
    )
    case: str
    kind: LetterKind
    sent_on: date | None = None  # default: the step's date


class Step(_Model):
    """One dated thing that happens; `expect` says what should follow it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "at": "2026-12-14T10:00",
                    "by": "staff-hos-02",
                    "as": "head-of-service",
                    "case": "case-0001",
                    "command": {"kind": "decide-review", "outcome": "extend", "reason": "..."},
                    "expect": {"events": ["review-decided"]},
                }
            ]
        }
    )
    at: datetime
    by: str | None = None  # a staff id: who gives the command or sends the letter
    case: str | None = None  # the case a command applies to (new cases name it inside)
    email: EmailStep | None = None
    contact: ContactStep | None = None
    command: dict[str, Any] | None = None
    send_letter: LetterStep | None = None
    operation: OperationStep | None = None  # any staff API operation, as `by`
    note: str | None = None  # shown in the summary
    acting: Role | None = Field(
        default=None,
        alias="as",
        description="the role `by` acts in, when they hold several",
        examples=["executive-team"],
    )
    expect: StepExpect | None = None  # checked right after the step

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        actions = [self.email, self.contact, self.command, self.send_letter, self.operation]
        if sum(a is not None for a in actions) > 1:
            raise ValueError(
                "a step does one thing: email, contact, command, send_letter or operation"
            )
        staffed = (self.command, self.send_letter, self.operation)
        if any(a is not None for a in staffed) and not self.by:
            raise ValueError("a command, a letter or an operation needs `by`: the staff member")
        return self


class Scenario(_Model):
    title: str = "scenario"
    start: datetime
    customers: list[ScenarioCustomer] = []
    staff: list[ScenarioStaff] = []
    steps: list[Step]
    end: datetime | None = None  # run the clock on to here after the last step
    expect: StateExpect | None = None  # checked at the end of the run


class ScenarioError(ValueError):
    """A problem in the scenario file, with the line it is on."""


def _london(value: datetime) -> datetime:
    return value.replace(tzinfo=LONDON) if value.tzinfo is None else value


def _node_at(node: yaml.Node, loc: tuple[Any, ...]) -> yaml.Node:
    """The YAML node at a pydantic error location, as deep as the file goes."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if match is None:
                return node
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def load_scenario(path: Path) -> tuple[Scenario, yaml.Node]:
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "the file"
        raise ScenarioError(f"{path}: {where}: not valid YAML ({error})") from None
    if root is None or not isinstance(data, dict):
        raise ScenarioError(f"{path}: line 1: a scenario is a mapping with start and steps")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems = []
        for issue in error.errors():
            node = _node_at(root, tuple(issue["loc"]))
            field = ".".join(str(p) for p in issue["loc"])
            problems.append(f"{path}: line {node.start_mark.line + 1}: {field}: {issue['msg']}")
        raise ScenarioError("\n".join(problems)) from None
    problems = [f"{path}: line {line}: {text}" for line, text in _problems(scenario, root, path)]
    if problems:
        raise ScenarioError("\n".join(problems))
    return scenario, root


def step_case(step: Step, known: list[str]) -> str | None:
    """The case a step is about: its `case`, its command's or letter's case, else the only
    case so far."""
    named = step.case or (step.command or {}).get("case_id")
    if named is None and step.send_letter is not None:
        named = step.send_letter.case
    if named is None and len(known) == 1:
        return known[0]
    return str(named) if named is not None else None


def _problems(scenario: Scenario, root: yaml.Node, path: Path) -> list[tuple[int, str]]:
    """Every reference in the file resolved before the first step runs: staff and their roles,
    customers, cases (opened by a command carrying case_id before they are used), commands,
    `.eml` files and what each `expect:` may name."""
    found: list[tuple[int, str]] = []

    def problem(text: str, *loc: Any) -> None:
        found.append((int(_node_at(root, loc).start_mark.line) + 1, text))

    def line(*loc: Any) -> int:
        return int(_node_at(root, loc).start_mark.line) + 1

    staff: dict[str, ScenarioStaff] = {}
    for index, member in enumerate(scenario.staff):
        if member.id in staff:
            first = line("staff", scenario.staff.index(staff[member.id]))
            problem(
                f"staff id {member.id!r} is listed twice (first on line {first})", "staff", index
            )
        staff.setdefault(member.id, member)
    customers: dict[str, int] = {}
    for index, customer in enumerate(scenario.customers):
        if customer.id in customers:
            problem(
                f"customer id {customer.id!r} is listed twice "
                f"(first on line {customers[customer.id]})",
                "customers",
                index,
            )
        customers.setdefault(customer.id, line("customers", index))
    cases: list[str] = []
    previous = _london(scenario.start)
    for index, step in enumerate(scenario.steps):
        here: tuple[Any, ...] = ("steps", index)
        when = _london(step.at)
        if when < previous:
            problem(f"steps go forward in time: {when} is before {previous}", *here, "at")
        previous = max(previous, when)
        if step.by is not None and step.by not in staff:
            problem(f"no staff member {step.by!r} in `staff`", *here, "by")
        elif step.by is not None:
            held = staff[step.by].held
            roles = ", ".join(r.value for r in held)
            if step.acting is not None and step.acting not in held:
                problem(
                    f"{step.by} does not hold the role {step.acting.value} ({roles})", *here, "as"
                )
            elif step.acting is None and len(held) > 1:
                problem(
                    f"{step.by} holds several roles ({roles}): say which with `as`", *here, "by"
                )
        elif step.acting is not None:
            problem("`as` is the role of the staff member in `by`: name them", *here, "as")
        eml = step.email.eml if step.email is not None else None
        if eml and not (path.parent / eml).resolve().is_file():
            problem(f"no .eml file {eml}", *here, "email", "eml")
        if step.contact is not None and step.contact.customer not in customers:
            problem(f"no customer {step.contact.customer!r}", *here, "contact", "customer")
        if step.command is not None:
            _command_problems(step, here, set(customers), cases, problem)
        if step.send_letter is not None and step.send_letter.case not in cases:
            problem(f"no case {step.send_letter.case!r} yet", *here, "send_letter", "case")
        if step.operation is not None:
            _operation_problems(step.operation, here, customers, cases, problem)
        if step.expect is not None:
            is_email = step.email is not None
            is_command = any(
                x is not None for x in (step.command, step.send_letter, step.operation)
            )
            for field in EMAIL_ONLY if not is_email else ():
                if getattr(step.expect, field) is not None:
                    problem(f"expect.{field} is for an email step", *here, "expect", field)
            for field in COMMAND_ONLY if not is_command else ():
                if getattr(step.expect, field) is not None:
                    problem(
                        f"expect.{field} is for a command, a letter or an operation",
                        *here,
                        "expect",
                        field,
                    )
            _expect_case_problem(step.expect, step_case(step, cases), cases, problem, *here)
    if scenario.expect is not None:
        only = cases[0] if len(cases) == 1 else None
        _expect_case_problem(scenario.expect, only, cases, problem)
    return sorted(found)


def _operation_problems(
    operation: OperationStep,
    here: tuple[Any, ...],
    customers: dict[str, int],
    cases: list[str],
    problem: Callable[..., None],
) -> None:
    """The customer and the case an operation names: made by it (create_customer, open_case)
    or there before it."""
    given = operation.parameters
    customer_id, case_id = given.get("customer_id"), given.get("case_id")
    where = (*here, "operation", operation.name)
    if operation.name == "create_customer":
        if isinstance(customer_id, str):
            customers.setdefault(customer_id, 0)
    elif isinstance(customer_id, str) and customer_id not in customers:
        problem(f"no customer {customer_id!r}", *where, "customer_id")
    if operation.name == "open_case":
        if isinstance(case_id, str) and case_id not in cases:
            cases.append(case_id)
    elif isinstance(case_id, str) and case_id not in cases:
        problem(f"no case {case_id!r} yet", *where, "case_id")


def _command_problems(
    step: Step,
    here: tuple[Any, ...],
    customers: set[str],
    cases: list[str],
    problem: Callable[..., None],
) -> None:
    try:
        command = COMMANDS.validate_python(step.command)
    except ValidationError as error:
        for issue in error.errors():
            loc = tuple(issue["loc"])
            where = ".".join(str(p) for p in loc)
            problem(f"command {where}: {issue['msg']}", *here, "command", *loc[1:])
        named = (step.command or {}).get("case_id")  # so later steps do not fail for it too
        if isinstance(named, str) and named not in cases:
            cases.append(named)
        return
    opens = getattr(command, "case_id", None)
    customer = getattr(command, "customer_id", None)
    if customer is not None and customer not in customers:
        problem(f"no customer {customer!r}", *here, "command", "customer_id")
    target = step.case or opens
    if target is None:
        problem("name the case this command applies to with `case`", *here, "command")
    elif target not in cases and not opens:
        problem(
            f"no case {target!r} yet: a case is opened by a command carrying case_id",
            *here,
            "case",
        )
    if opens and opens not in cases:
        cases.append(opens)


def _expect_case_problem(
    expect: StateExpect,
    default: str | None,
    cases: list[str],
    problem: Callable[..., None],
    *here: Any,
) -> None:
    if expect.case is None:
        return
    named = expect.case.id or default
    if named is None:
        problem("name the case with `id`: there is more than one", *here, "expect", "case")
    elif named not in cases:
        problem(f"no case {named!r} by then", *here, "expect", "case")


class Simulation:
    def __init__(self, scenario: Scenario, root: yaml.Node, base: Path, out: Path) -> None:
        self.scenario, self.root, self.base, self.out = scenario, root, base, out
        self.staff = {s.id: s for s in scenario.staff}
        self.customers = {c.id for c in scenario.customers}
        self.steps_report: list[dict[str, Any]] = []
        self.schedule_log: list[dict[str, Any]] = []
        self.case_ids: list[str] = []
        self._known: dict[str, DueSchedule] = {}
        self.expectations: list[Outcome] = []

    def line_of(self, index: int, *path: str) -> int:
        return int(_node_at(self.root, ("steps", index, *path)).start_mark.line) + 1

    def fail(self, index: int, message: str, *path: str) -> ScenarioError:
        return ScenarioError(f"line {self.line_of(index, *path)}: {message}")

    def run(self, quiet: bool = False, after: Callable[[], None] | None = None) -> dict[str, Any]:
        scenario = self.scenario
        clock = SimClock(_london(scenario.start))
        with EmbeddedStack(clock) as stack, _plain_warnings(quiet):
            self.stack = stack
            group = stack.functions["DeadlinesStreamFunction"]["env"]["CONTACTGUARD_SCHEDULE_GROUP"]
            self.pump = SchedulerPump(stack.scheduler, group)
            for c in scenario.customers:
                stack.store.put_customer(
                    Customer(
                        customer_id=c.id, name=c.name, emails=tuple(c.emails), address=c.address
                    )
                )
            previous = _london(scenario.start)
            for index, step in enumerate(scenario.steps):
                when = _london(step.at)
                if when < previous:
                    raise self.fail(
                        index, f"steps go forward in time: {when} is before {previous}", "at"
                    )
                previous = when
                self._advance(when, quiet)
                emails_before = len(stack.log.emails)
                outcome = self._step(index, step, when)
                self._track_schedules(when)
                if step.email is not None and len(stack.log.emails) > emails_before:
                    outcome["customer"] = self._attribution()
                entry = {"line": self.line_of(index), "at": when.isoformat(), **outcome}
                self.steps_report.append(entry)
                if not quiet:
                    print(_summary_line(entry), flush=True)
                if step.expect is not None:

                    def expect_line(loc: tuple[Any, ...], i: int = index) -> int:
                        return self.line_of(i, "expect", *loc)

                    checked = check_step(
                        step.expect,
                        outcome,
                        step_case(step, self.case_ids),
                        self._world(),
                        expect_line,
                    )
                    self._checked(checked, quiet)
            if scenario.end is not None:
                self._advance(_london(scenario.end), quiet)
                self._track_schedules(_london(scenario.end))
            if scenario.expect is not None:
                only = self.case_ids[0] if len(self.case_ids) == 1 else None
                checked = check_state(
                    scenario.expect,
                    only,
                    self._world(),
                    lambda loc: int(_node_at(self.root, ("expect", *loc)).start_mark.line) + 1,
                )
                if not quiet and not all(c.met for c in checked):
                    print("  at the end:", flush=True)
                self._checked(checked, quiet)
            if after is not None:
                after()  # while the stack is still up
            return self._report()

    def _advance(self, until: datetime, quiet: bool = True) -> None:
        for fired in self.stack.advance(until):
            self.schedule_log.append(
                {
                    "at": fired.fire_at.isoformat(),
                    "action": "fired",
                    "name": fired.name,
                    "due": fired.fire_at.isoformat(),
                    **fired.payload,
                }
            )
            if not quiet:
                print(
                    f"  {fired.fire_at:%Y-%m-%d %H:%M}  schedule   "
                    f"{fired.payload['deadline']} fired",
                    flush=True,
                )

    def _track_schedules(self, when: datetime) -> None:
        """Log each schedule created or cancelled since the last look, with its kind (the
        deadline) and the time it is or was due."""
        current = {s.name: s for s in self.pump.schedules()}
        fired = {e["name"] for e in self.schedule_log if e["action"] == "fired"}
        for name in sorted(current.keys() - self._known.keys()):
            self.schedule_log.append(_schedule_entry(when, "created", current[name]))
        for name in sorted(self._known.keys() - current.keys() - fired):
            self.schedule_log.append(_schedule_entry(when, "cancelled", self._known[name]))
        self._known = current

    def _actor(self, index: int, staff_id: str | None) -> Actor:
        """The member of staff in `by`, acting in the step's `as` role (or their only one)."""
        if staff_id not in self.staff:
            raise self.fail(index, f"no staff member {staff_id!r} in `staff`", "by")
        member = self.staff[staff_id]
        acting = self.scenario.steps[index].acting or member.held[0]
        if acting not in member.held:
            raise self.fail(index, f"{staff_id} does not hold the role {acting.value}", "as")
        return Actor(actor_id=member.id, role=acting, name=member.name)

    def _attribution(self) -> str:
        """Whom the last email was attributed to: a customer id, or `unmatched`."""
        contact = self.stack.store.get_contact(f"email-{self.stack.log.emails[-1]['message_id']}")
        return contact.customer_id if contact and contact.customer_id else "unmatched"

    def _checked(self, outcomes: list[Outcome], quiet: bool) -> None:
        self.expectations += outcomes
        if not quiet:
            for outcome in outcomes:
                if not outcome.met:
                    print(f"      UNMET {outcome.message()}", flush=True)

    def _world(self) -> World:
        def schedules() -> list[dict[str, Any]]:
            pending = [
                {"action": "pending", "name": s.name, "due": s.fire_at.isoformat(), **s.payload}
                for s in self._known.values()
            ]
            return self.schedule_log + pending

        return World(
            case=self.stack.store.get_case,
            events=self.stack.store.events,
            schedules=schedules,
            mailbox=self._subjects_to,
            letter_text=self._letter_text,
        )

    def _subjects_to(self, address: str | None) -> list[str]:
        address = address or self.stack.staff_mailbox
        return [
            str(message_from_bytes(sent.data, policy=default_policy)["Subject"] or "")
            for sent in self.stack.log.sent
            if address in sent.recipients()
        ]

    def _letter_text(self, key: str) -> str | None:
        bucket = next(
            (
                f["env"]["CONTACTGUARD_LETTERS_BUCKET"]
                for f in self.stack.functions.values()
                if f["env"].get("CONTACTGUARD_LETTERS_BUCKET")
            ),
            None,
        )
        if bucket is None:
            return None
        try:
            body = self.stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception:  # noqa: BLE001 - a draft recorded by the simulator has no file
            return None
        return document_text(body)

    def _step(self, index: int, step: Step, when: datetime) -> dict[str, Any]:
        if step.email is not None:
            return self._email(index, step.email)
        if step.contact is not None:
            return self._contact(index, step.contact, when)
        if step.command is not None:
            return self._command(index, step, when)
        if step.send_letter is not None:
            return self._send_letter(index, step, step.send_letter, when)
        if step.operation is not None:
            assert step.by is not None  # checked at load
            held = self.staff[step.by].held
            return run_operation(self, index, step.operation, self._actor(index, step.by), held)
        return {"step": "time passes", "note": step.note}

    def _email(self, index: int, email: EmailStep) -> dict[str, Any]:
        if email.eml:
            path = (self.base / email.eml).resolve()
            if not path.is_file():
                raise self.fail(index, f"no .eml file {email.eml}", "email", "eml")
            raw = path.read_bytes()
            subject = eml_subject(raw)
            sender = email.sender or first_address(raw)
            if not sender:
                raise self.fail(index, f"{email.eml} has no From: give `from`", "email", "eml")
        else:
            assert email.sender is not None  # the model requires it without an eml
            sender, subject = email.sender, email.subject
            raw = inline_message(sender, email.to, subject, email.body, email.headers)
        sent_before = self._sent()
        disposition = self.stack.deliver_email(
            raw,
            sender,
            subject,
            verdicts=email.verdicts.for_event(),
            headers_from_message=True,  # as SES: ingest sees the message's own From
        )
        contact_id = f"email-{self.stack.log.emails[-1]['message_id']}"
        contact = self.stack.store.get_contact(contact_id)
        sent, staff = self.stack.log.sent[sent_before:], self.stack.staff_mailbox
        return {
            "step": "email",
            "from": sender,
            "contact_id": contact_id,
            "customer": contact.customer_id if contact else None,
            "disposition": disposition,
            "contact": contact.disposition.value if contact else None,
            "reason": contact.reason if contact else None,
            # What SES was asked to send because of this email: the copy in the staff
            # mailbox, and anything else (an auto-reply, the officer's copy).
            "to_staff": sum(1 for m in sent if staff in m.recipients()),
            "mail_sent": sum(1 for m in sent if staff not in m.recipients()),
        }

    def _sent(self) -> int:
        return len(self.stack.log.sent)

    def _contact(self, index: int, contact: ContactStep, when: datetime) -> dict[str, Any]:
        if contact.customer not in self.customers:
            raise self.fail(index, f"no customer {contact.customer!r}", "contact", "customer")
        record = Contact(
            contact_id=f"{contact.channel}-{contact.customer}-{when:%Y%m%dT%H%M%S}",
            customer_id=contact.customer,
            channel=Channel(contact.channel),
            direction=contact.direction,
            at=when,
            summary=contact.summary,
        )
        self.stack.store.record_contact(record)
        return {"step": "contact", "channel": contact.channel, "customer": contact.customer}

    def _command(self, index: int, step: Step, when: datetime) -> dict[str, Any]:
        actor = self._actor(index, step.by)
        try:
            command = COMMANDS.validate_python(step.command)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise self.fail(index, f"command {where}: {first['msg']}", "command") from None
        case_id = step.case or getattr(command, "case_id", None)
        try:
            existing = self.stack.store.get_case(case_id) if case_id else None
            if existing is None:
                if not getattr(command, "case_id", None):
                    raise self.fail(index, f"no case {case_id!r}: name an existing `case`", "case")
                outcome = self.stack.cases.open_case(command, actor, when)
            else:
                outcome = self.stack.cases.act(existing.case_id, command, actor, when)
        except PolicyError as refused:
            return {
                "step": "command",
                "kind": command.kind.value,
                "by": actor.actor_id,
                "refused": refused.rule,
                "reason": refused.message,
            }
        if outcome.case.case_id not in self.case_ids:
            self.case_ids.append(outcome.case.case_id)
        self.stack.pump_streams()
        return {
            "step": "command",
            "kind": command.kind.value,
            "by": actor.actor_id,
            "case": outcome.case.case_id,
            "events": [e.type.value for e in outcome.events],
        }

    def _send_letter(
        self, index: int, step: Step, letter_step: LetterStep, when: datetime
    ) -> dict[str, Any]:
        actor = self._actor(index, step.by)
        case = self.stack.store.get_case(letter_step.case)
        if case is None:
            raise self.fail(index, f"no case {letter_step.case!r}", "send_letter", "case")
        letters = [x for x in case.letters if x.kind is letter_step.kind]
        if not letters:
            raise self.fail(
                index,
                f"case {case.case_id} has no {letter_step.kind.value} letter",
                "send_letter",
                "kind",
            )
        letter = letters[-1]
        notes = []
        sent_on = letter_step.sent_on or when.date()
        if (
            LETTER_KINDS[letter.kind].date_bound
            and letter.status is not LetterStatus.REQUIRED
            and letter.letter_date != sent_on
        ):
            # It states its dates from the day it carries: the manager has it redrafted first.
            self.stack.cases.act(
                case.case_id, RedraftLetter(letter_id=letter.letter_id), actor, when
            )
            self.stack.pump_streams()
            notes.append(f"redrafted for {sent_on} (it was dated {letter.letter_date})")
            refreshed = self.stack.store.get_case(case.case_id)
            assert refreshed is not None
            current = refreshed.letter(letter.letter_id)
            assert current is not None
            letter = current
        if letter.status is LetterStatus.REQUIRED:
            # No letters function drafted it: record the draft as the letters function would.
            key = letter_key(case.case_id, letter.letter_id, letter.version + 1)
            self.stack.cases.act(
                case.case_id,
                RecordLetterDrafted(
                    letter_id=letter.letter_id, version=letter.version + 1, s3_key=key
                ),
                Actor.system("letters"),
                when,
            )
            notes.append("draft recorded by the simulator (no letters function)")
        try:
            outcome = self.stack.cases.act(
                case.case_id,
                MarkLetterSent(letter_id=letter.letter_id, sent_on=sent_on),
                actor,
                when,
            )
        except PolicyError as refused:
            return {
                "step": "letter sent",
                "letter": letter.letter_id,
                "refused": refused.rule,
                "reason": refused.message,
            }
        self.stack.pump_streams()
        return {
            "step": "letter sent",
            "letter": letter.letter_id,
            "sent_on": sent_on.isoformat(),
            "events": [e.type.value for e in outcome.events],
            "notes": notes,
        }

    def _report(self) -> dict[str, Any]:
        store = self.stack.store
        # Every contact the run produced, wherever it is held: a customer's, an unmatched
        # sender's, quarantined mail (even claiming a customer's address), staff-logged.
        contacts = [json.loads(c.model_dump_json()) for c in self.stack.all_contacts()]
        cases = []
        letters_dir = self.out / "letters"
        for case_id in self.case_ids:
            case = store.get_case(case_id)
            if case is None:
                continue
            events = [json.loads(e.model_dump_json()) for e in store.events(case_id)]
            letters = []
            for letter in case.letters:
                entry = json.loads(letter.model_dump_json())
                if letter.s3_key:
                    entry["file"] = self._download(letter.s3_key, letters_dir)
                if letter.email_key:  # its email version, where the policy allows email
                    entry["email_file"] = self._download(letter.email_key, letters_dir)
                letters.append(entry)
            cases.append(
                {"case": json.loads(case.model_dump_json()), "events": events, "letters": letters}
            )
        return {
            "title": self.scenario.title,
            "steps": self.steps_report,
            "contacts": contacts,
            "cases": cases,
            "schedules": self.schedule_log,
            "stream_failures": self.stack.log.stream_failures,
            "mailboxes": self._mailboxes(),
            "expectations": {
                "met": sum(1 for o in self.expectations if o.met),
                "unmet": sum(1 for o in self.expectations if not o.met),
                "checked": [o.as_dict() for o in self.expectations],
            },
        }

    def _mailboxes(self) -> dict[str, list[str]]:
        """What SES was asked to deliver, by recipient (the staff mailbox first), as
        subjects; each message is also kept whole in <out>/mailboxes/<address>/ (a maildir)."""
        staff = self.stack.staff_mailbox
        held: dict[str, list[str]] = {staff: []}
        for sent in self.stack.log.sent:
            subject = str(message_from_bytes(sent.data, policy=default_policy)["Subject"] or "")
            for address in sent.recipients():
                held.setdefault(address, []).append(subject)
        post_to_maildirs(self.stack.log.sent, lambda address: self.out / "mailboxes" / address)
        return held

    def _download(self, key: str, letters_dir: Path) -> str | None:
        bucket = next(
            (
                f["env"].get("CONTACTGUARD_LETTERS_BUCKET")
                for f in self.stack.functions.values()
                if f["env"].get("CONTACTGUARD_LETTERS_BUCKET")
            ),
            None,
        )
        if bucket is None:
            return None
        try:
            body = self.stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except Exception:  # noqa: BLE001 - a draft recorded without a file (simulator stand-in)
            return None
        target = letters_dir / key.replace("/", "_")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        return str(target)


# The functions' Powertools loggers (one per service) write JSON lines for CloudWatch.
SERVICES = ("ingest", "deadlines", "letters", "api", "delivery", "signals", "exports", "console")


def _plain(record: logging.LogRecord) -> str:
    case = getattr(record, "case_id", None)
    return f"      {record.levelname.lower()}: {record.getMessage()}" + (
        f" ({case})" if case else ""
    )


@contextmanager
def _plain_warnings(quiet: bool) -> Iterator[None]:
    """While a scenario runs, the functions' log lines read as text among the summary's
    (or not at all, when quiet); as they were afterwards. Powertools keeps its formatter
    (it appends keys to it): only that formatter's `format` is shadowed, on the instance."""
    saved = []
    for name in SERVICES:
        for handler in logging.getLogger(name).handlers:
            formatter = handler.formatter
            if formatter is None or "format" in vars(formatter):
                continue
            saved.append((handler, formatter, handler.level))
            formatter.format = _plain  # type: ignore[method-assign]
            if quiet:
                handler.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for handler, formatter, level in saved:
            del formatter.format
            handler.setLevel(level)


def _schedule_entry(when: datetime, action: str, schedule: DueSchedule) -> dict[str, Any]:
    return {
        "at": when.isoformat(),
        "action": action,
        "name": schedule.name,
        "due": schedule.fire_at.isoformat(),
        **schedule.payload,
    }


def _summary_line(entry: dict[str, Any]) -> str:
    when = entry["at"][:16].replace("T", " ")
    kind = entry["step"]
    if kind == "email":
        text = f"email -> SES {entry['disposition']} ({entry['contact']}: {entry['reason']}"
        text += ", in the staff mailbox" if entry.get("to_staff") else ""
        text += ", auto-reply sent)" if entry["mail_sent"] else ")"
    elif kind == "command":
        text = f"{entry['kind']} by {entry['by']}: " + (
            f"REFUSED [{entry['refused']}] {entry['reason']}"
            if "refused" in entry
            else ", ".join(entry["events"])
        )
    elif kind == "letter sent":
        text = f"letter {entry['letter']} sent: " + (
            f"REFUSED [{entry['refused']}]" if "refused" in entry else ", ".join(entry["events"])
        )
        text += "".join(f"; {note}" for note in entry.get("notes", ()) if "redrafted" in note)
    elif kind == "contact":
        text = f"{entry['channel']} contact logged"
    else:
        text = entry.get("note") or "time passes"
    return f"  {when}  line {entry['line']:<4} {text}"


def simulate(
    path: Path, out: Path, quiet: bool = False, serve: Callable[[EmbeddedStack], None] | None = None
) -> dict[str, Any]:
    """Run a scenario and write its report; `serve` is then given the stack, still up (e.g. to
    serve the API and the console on the story's data until Ctrl-C)."""
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    for name in ("ingest", "deadlines", "letters", "api"):
        logging.getLogger(name).setLevel(logging.WARNING)
    scenario, root = load_scenario(path)
    out.mkdir(parents=True, exist_ok=True)
    for stale in (out / "letters").glob("*.*"):  # a report describes one run only
        stale.unlink()
    shutil.rmtree(out / "mailboxes", ignore_errors=True)
    if not quiet:
        print(f"{scenario.title}: {len(scenario.steps)} steps from {path}", flush=True)
    simulation = Simulation(scenario, root, path.parent, out)
    after = None if serve is None else (lambda: serve(simulation.stack))
    report = simulation.run(quiet=quiet, after=after)
    (out / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    if not quiet:
        fired = sum(1 for s in report["schedules"] if s["action"] == "fired")
        print(
            f"\n{len(report['contacts'])} contacts, "
            f"{sum(len(c['events']) for c in report['cases'])} case events, "
            f"{sum(len(c['letters']) for c in report['cases'])} letters, "
            f"{fired} schedules fired; report in {out / 'report.json'}"
        )
        staff = next(iter(report["mailboxes"]))
        print(f"\nthe staff mailbox ({staff}), as the delivery function filled it:")
        for subject in report["mailboxes"][staff]:
            print(f"  {subject}")
        filed = [s for s in report["steps"] if s.get("contact") == "filed-blocked"]
        print(
            f"  ({len(filed)} filed emails never reached it; every message sent is kept in "
            f"{out / 'mailboxes'})"
        )
        files = sorted((out / "letters").glob("*.*")) if (out / "letters").is_dir() else []
        if files:
            print(f"letters drafted by the letters function, in {out / 'letters'}:")
            for file in files:
                print(f"  {file.name}")
        print(_expectations_summary(report))
        for line in failure_lines(report):
            print(line)
    return report


def failure_lines(report: dict[str, Any]) -> list[str]:
    """A stream record a function could not process after its retries: in AWS it would wait
    on the stream's failure destination for an operator; here the run fails with it."""
    failures = report["stream_failures"]
    if not failures:
        return []
    by_function: dict[str, int] = {}
    for failure in failures:
        by_function[failure["function"]] = by_function.get(failure["function"], 0) + 1
    return [
        f"FAILED: the {function} could not process {count} stream record(s) after its retries "
        "(report.json stream_failures; the function's warnings above say why)"
        for function, count in sorted(by_function.items())
    ]


def _expectations_summary(report: dict[str, Any]) -> str:
    expectations = report["expectations"]
    if not expectations["checked"]:
        return "\nno expectations in the scenario (add `expect:` to a step or the file)"
    lines = [f"\nexpectations: {expectations['met']} met, {expectations['unmet']} unmet"]
    lines += [
        f"  line {e['line']}: expected {(e['what'] + ' ') if e['what'] else ''}{e['expected']}, "
        f"got {e['got']}"
        for e in expectations["checked"]
        if not e["met"]
    ]
    return "\n".join(lines)


def passed(report: dict[str, Any]) -> bool:
    """The run met every expectation in its file."""
    return not report["expectations"]["unmet"] and not report["stream_failures"]


def simulate_folder(folder: Path, out: Path) -> list[dict[str, Any]]:
    """Run every *.yaml in a folder (each to out/<its name>) and print a pass/fail table; a
    scenario that cannot load fails with its problems."""
    rows: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            report = simulate(path, out / path.stem, quiet=True)
        except ScenarioError as error:
            rows.append(
                {"scenario": path.name, "steps": 0, "met": 0, "unmet": 0, "error": str(error)}
            )
            continue
        rows.append(
            {
                "scenario": path.name,
                "steps": len(report["steps"]),
                "met": report["expectations"]["met"],
                "unmet": report["expectations"]["unmet"],
                "unmet_lines": [
                    f"line {e['line']}: expected {(e['what'] + ' ') if e['what'] else ''}"
                    f"{e['expected']}, got {e['got']}"
                    for e in report["expectations"]["checked"]
                    if not e["met"]
                ]
                + failure_lines(report),
            }
        )
    width = max([len(r["scenario"]) for r in rows] + [8])
    print(f"{'scenario':<{width}}  steps   met  unmet  result")
    for row in rows:
        result = "FAIL" if row.get("error") or row["unmet"] or row.get("unmet_lines") else "pass"
        print(
            f"{row['scenario']:<{width}}  {row['steps']:>5}  {row['met']:>4}  {row['unmet']:>5}  "
            f"{result}"
        )
        for problem in row.get("unmet_lines", []):
            print(f"  {problem}")
        if row.get("error"):
            print("  " + row["error"].replace("\n", "\n  "))
    failed = sum(1 for r in rows if r.get("error") or r["unmet"] or r.get("unmet_lines"))
    print(f"\n{len(rows)} scenarios: {len(rows) - failed} passed, {failed} failed")
    return rows


def schema() -> dict[str, Any]:
    return Scenario.model_json_schema(by_alias=True)
