"""What a scenario expects: the `expect:` blocks of `contactguard simulate`, and their check.

A step's `expect:` is checked right after the step runs (and the schedules due by then have
fired); the scenario's own `expect:` after the run's `end`. Each expectation names what a
policy officer would look at: the email's disposition and who it was attributed to, the
events a command recorded or the rule that refused it, the case's state, its events, letters
and schedules, and the staff mailbox. Where the policy allows several answers, a time is a
range (`between: [from, to]`, both ends included). The vocabulary is documented by
docs/scenario.schema.json (generated from the models below).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import CaseEventType, CaseStatus, LetterKind, LetterStatus


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


Moment = date | datetime  # a date alone means the whole day (Europe/London)


class When(_Model):
    """When something happened or is due: `at` an exact time, `day` a day, or `between` two
    (both included; a date alone is its whole day). Times without a zone are Europe/London."""

    at: datetime | None = None
    day: date | None = None  # (not `on`, which YAML reads as true)
    between: tuple[Moment, Moment] | None = Field(
        default=None, examples=[["2027-01-13", "2027-01-15T12:00"]]
    )

    @model_validator(mode="after")
    def _one_way(self) -> When:
        if sum(x is not None for x in (self.at, self.day, self.between)) > 1:
            raise ValueError("say when with one of at, day or between")
        return self

    def describe(self) -> str:
        if self.at is not None:
            return f" at {_london(self.at):%Y-%m-%d %H:%M}"
        if self.day is not None:
            return f" on {self.day}"
        if self.between is not None:
            return f" between {self.between[0]} and {self.between[1]}"
        return ""

    def matches(self, moment: datetime) -> bool:
        local = moment.astimezone(LONDON)
        if self.at is not None:
            return local == _london(self.at)
        if self.day is not None:
            return local.date() == self.day
        if self.between is not None:
            low, high = self.between
            return _start(low) <= local <= _finish(high)
        return True


class EventExpect(When):
    """An event in the case's history (of any step, or fired by a schedule), when it happened."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"type": "restrictions-lapsed", "day": "2027-12-18"}]}
    )
    type: CaseEventType


class LetterExpect(_Model):
    """The case's latest letter of a kind: its status, the date it carries, and phrases its
    drafted document (the DOCX the letters function wrote) must contain."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"kind": "restrictions", "status": "sent", "contains": ["by letter only"]}]
        }
    )
    kind: LetterKind
    status: LetterStatus | None = None
    dated: date | None = None
    contains: list[str] = []


class CaseExpect(_Model):
    """A case's state: its status, when its restrictions end, events it holds (in any order,
    each with an optional time) and its letters. `id` defaults to the step's case, or to the
    scenario's only case."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "restricted",
                    "ends_on": "2027-12-18",
                    "events": [{"type": "appeal-window-closed", "day": "2027-01-14"}],
                    "letters": [{"kind": "restrictions", "status": "sent"}],
                }
            ]
        }
    )
    id: str | None = None
    status: CaseStatus | None = None
    ends_on: date | None = None  # the restriction period's end
    events: list[EventExpect] = []
    letters: list[LetterExpect] = []


ScheduleState = Literal["created", "fired", "cancelled", "pending"]


class ScheduleExpect(When):
    """A deadline schedule, by its kind: `created` (at some point), `fired`, `cancelled` or
    `pending` (still waiting when checked), and when it was due (`at`, `day`, `between`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"deadline": "appeal-window-closes", "state": "fired", "day": "2027-01-14"}
            ]
        }
    )
    deadline: str
    state: ScheduleState = "fired"


class MailboxExpect(_Model):
    """What SES was asked to deliver to an address (default: the staff mailbox), so far:
    how many messages, and their subjects in order."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"count": 2, "subjects": ["Repairs again", "Repairs"]}]}
    )
    address: str | None = None
    count: int | None = Field(default=None, ge=0)
    subjects: list[str] | None = None


class StateExpect(_Model):
    """What must be true at the end of the run (the scenario's `expect:`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case": {"status": "lapsed"},
                    "schedules": [{"deadline": "restrictions-end", "state": "fired"}],
                    "mailbox": {"count": 1},
                }
            ]
        }
    )
    case: CaseExpect | None = None
    schedules: list[ScheduleExpect] = []
    mailbox: MailboxExpect | None = None


class StepExpect(StateExpect):
    """What must be true right after a step: of an email, SES's disposition (CONTINUE or
    STOP_RULE_SET), the contact's disposition, its attribution (a customer id or
    `unmatched`), how many messages went to the staff mailbox and how many elsewhere (an
    auto-reply); of a command or a letter sent, the events it recorded (all, in order) or the
    rule that refused it; and the state, as at the end."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"disposition": "STOP_RULE_SET", "contact": "filed-blocked", "mail_sent": 1},
                {"events": ["concern-raised"], "case": {"status": "concern"}},
                {"refused": "step-1-before-step-2"},
            ]
        }
    )
    disposition: Literal["CONTINUE", "STOP_RULE_SET"] | None = None
    contact: str | None = Field(default=None, examples=["accepted", "filed-blocked"])
    customer: str | None = Field(default=None, examples=["cust-0001", "unmatched"])
    to_staff: int | None = Field(default=None, ge=0)
    mail_sent: int | None = Field(default=None, ge=0)
    events: list[CaseEventType] | None = None
    refused: str | None = None


EMAIL_ONLY = ("disposition", "contact", "customer", "to_staff", "mail_sent")
COMMAND_ONLY = ("events", "refused")


@dataclass(frozen=True)
class Outcome:
    """One expectation checked: where it is, what it wanted, what the run gave."""

    line: int
    what: str
    expected: str
    got: str
    met: bool

    def message(self) -> str:
        wanted = f"{self.what} {self.expected}" if self.what else self.expected
        return f"line {self.line}: expected {wanted}, got {self.got}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "what": self.what,
            "expected": self.expected,
            "got": self.got,
            "met": self.met,
        }


@dataclass
class World:
    """What the checks read, from the simulation at the moment of checking."""

    case: Callable[[str], Any]  # the Case or None
    events: Callable[[str], Sequence[Any]]  # the case's CaseEvents
    schedules: Callable[[], list[dict[str, Any]]]  # the schedule log, with pending ones
    mailbox: Callable[[str | None], list[str]]  # subjects sent to an address (None: staff)
    letter_text: Callable[[str], str | None]  # a drafted letter's text, by its S3 key


Line = Callable[[tuple[Any, ...]], int]


def check_step(
    expect: StepExpect, outcome: dict[str, Any], case_id: str | None, world: World, line: Line
) -> list[Outcome]:
    results: list[Outcome] = []

    def compare(field: str, what: str, expected: Any, got: Any) -> None:
        if expected is None:
            return
        results.append(
            Outcome(
                line((field,)), what, _show(expected), _show(got), _show(expected) == _show(got)
            )
        )

    compare("disposition", "disposition", expect.disposition, outcome.get("disposition"))
    compare("contact", "contact disposition", expect.contact, outcome.get("contact"))
    compare("customer", "attribution", expect.customer, outcome.get("customer"))
    compare("to_staff", "messages to the staff mailbox", expect.to_staff, outcome.get("to_staff"))
    compare("mail_sent", "messages sent elsewhere", expect.mail_sent, outcome.get("mail_sent"))
    if expect.refused is not None:
        got = outcome.get("refused")
        compare("refused", "refused by rule", expect.refused, got or _events(outcome))
    if expect.events is not None:
        got = _events(outcome)
        compare("events", "events", [e.value for e in expect.events], got)
    return results + check_state(expect, case_id, world, line)


def _events(outcome: dict[str, Any]) -> Any:
    if "refused" in outcome:
        return f"refused [{outcome['refused']}]"
    return outcome.get("events", "no command")


def check_state(
    expect: StateExpect, case_id: str | None, world: World, line: Line
) -> list[Outcome]:
    results: list[Outcome] = []
    if expect.case is not None:
        results += _check_case(expect.case, expect.case.id or case_id, world, line)
    for index, wanted in enumerate(expect.schedules):
        log = [
            s
            for s in world.schedules()
            if s.get("deadline") == wanted.deadline and s.get("action") == wanted.state
        ]
        what = f"a {wanted.deadline} schedule {wanted.state}{wanted.describe()}"
        met = any(wanted.matches(datetime.fromisoformat(s["due"])) for s in log if s.get("due"))
        got = ", ".join(_due(s) for s in log) or "none"
        results.append(Outcome(line(("schedules", index)), "", what, got, met))
    if expect.mailbox is not None:
        box = expect.mailbox
        subjects = world.mailbox(box.address)
        who = box.address or "the staff mailbox"
        if box.count is not None:
            results.append(
                Outcome(
                    line(("mailbox", "count")),
                    f"{who} to hold",
                    f"{box.count} messages",
                    f"{len(subjects)}",
                    box.count == len(subjects),
                )
            )
        if box.subjects is not None:
            results.append(
                Outcome(
                    line(("mailbox", "subjects")),
                    f"{who}'s subjects",
                    _show(box.subjects),
                    _show(subjects),
                    box.subjects == subjects,
                )
            )
    return results


def _check_case(expect: CaseExpect, case_id: str | None, world: World, line: Line) -> list[Outcome]:
    case = world.case(case_id) if case_id else None
    if case_id is None or case is None:
        return [Outcome(line(("case",)), "a case", str(case_id), "no such case", False)]
    results: list[Outcome] = []
    if expect.status is not None:
        results.append(
            Outcome(
                line(("case", "status")),
                f"case {case_id} status",
                expect.status.value,
                case.status.value,
                expect.status is case.status,
            )
        )
    if expect.ends_on is not None:
        ends = case.period.ends_on if case.period else None
        results.append(
            Outcome(
                line(("case", "ends_on")),
                f"case {case_id}'s restrictions to end on",
                str(expect.ends_on),
                str(ends) if ends else "no restriction period",
                ends == expect.ends_on,
            )
        )
    events = list(world.events(case_id))
    for index, wanted in enumerate(expect.events):
        same = [e for e in events if e.type is wanted.type]
        met = any(wanted.matches(e.at) for e in same)
        got = ", ".join(f"{e.type.value} at {e.at.astimezone(LONDON):%Y-%m-%d %H:%M}" for e in same)
        results.append(
            Outcome(
                line(("case", "events", index)),
                "event",
                f"{wanted.type.value}{wanted.describe()}",
                got or "no such event",
                met,
            )
        )
    for index, letter in enumerate(expect.letters):

        def letter_line(*loc: Any, i: int = index) -> int:
            return line(("case", "letters", i, *loc))

        results += _check_letter(letter, case, world, letter_line)
    return results


def _check_letter(
    wanted: LetterExpect, case: Any, world: World, line: Callable[..., int]
) -> list[Outcome]:
    letters = [x for x in case.letters if x.kind is wanted.kind]
    what = f"a {wanted.kind.value} letter"
    if not letters:
        return [Outcome(line(), what, "on the case", "none", False)]
    letter = letters[-1]
    results: list[Outcome] = []
    if wanted.status is not None:
        results.append(
            Outcome(
                line("status"),
                f"{what}'s status",
                wanted.status.value,
                letter.status.value,
                letter.status is wanted.status,
            )
        )
    if wanted.dated is not None:
        results.append(
            Outcome(
                line("dated"),
                f"{what} dated",
                str(wanted.dated),
                str(letter.letter_date),
                letter.letter_date == wanted.dated,
            )
        )
    if wanted.contains:
        text = world.letter_text(letter.s3_key) if letter.s3_key else None
        flat = " ".join((text or "").split())
        for index, phrase in enumerate(wanted.contains):
            found = text is not None and " ".join(phrase.split()) in flat
            results.append(
                Outcome(
                    line("contains", index),
                    f"{what} ({letter.letter_id}) to contain",
                    repr(phrase),
                    "it does"
                    if found
                    else ("no drafted document" if text is None else "not there"),
                    found,
                )
            )
    return results


def _due(entry: dict[str, Any]) -> str:
    due = entry.get("due")
    return f"due {datetime.fromisoformat(due):%Y-%m-%d %H:%M}" if due else "due unknown"


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _london(value: datetime) -> datetime:
    return value.replace(tzinfo=LONDON) if value.tzinfo is None else value.astimezone(LONDON)


def _start(value: Moment) -> datetime:
    if isinstance(value, datetime):
        return _london(value)
    return datetime.combine(value, time(), tzinfo=LONDON)


def _finish(value: Moment) -> datetime:
    if isinstance(value, datetime):
        return _london(value)
    return datetime.combine(value, time.max, tzinfo=LONDON)
