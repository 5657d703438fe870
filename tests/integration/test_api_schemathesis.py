"""Schemathesis against `contactguard serve`: requests generated from the checked-in OpenAPI
document (functions/api/openapi.json), valid and invalid, over real HTTP to the real handler on
the embedded stack. Whatever a caller sends, the API never answers with a 5xx.

Random ids find nothing, so the API is also fuzzed against real records: one case in each
status of the lifecycle (concern, restrictions decided, restricted, restricted after a
12-month extension, under appeal, lapsed, closed), each driven there through the real case
service over a year and more of simulated time (letters drafted, deadlines fired), then
served. Every operation with ids runs on each of them, with its ids fixed to that case's
records; an operation with two ids (a case and one of its letters) also runs with the first
id real and the second generated, so an unknown letter of a real case is tried. Commands go
to a second copy of each case: a generated command that succeeds moves that copy on, and
the reads keep seeing the status they were given.

The budget is fixed (examples per run, derandomized, no example database), so a run is the
same every time. There are 99 runs (each operation valid and invalid with random ids, and
valid on each seeded case). `make test` gives each 6 examples (EXAMPLES): 594 requests, 35 s
on the 2-core development machine. `make soak` gives each 200 (SOAK_EXAMPLES): 19,630
requests in 27 minutes, measured once with `make test` running beside it. `-s` prints the
count of requests at the end.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode

import api.app
from contactguard.domain.calendar import LONDON
from contactguard.domain.case import (
    CaseStatus,
    CloseConcern,
    Command,
    DecideReview,
    LetterKind,
    LogAppeal,
    MarkLetterSent,
    RaiseConcern,
    ReviewOutcome,
)
from contactguard.domain.model import Actor, Behaviour, Customer, PostalAddress, Role
from contactguard_local.examples import CONSIDERED, immediate_restrictions
from contactguard_local.serve import serving
from contactguard_local.stack import EmbeddedStack, SimClock

OPENAPI = Path(api.app.__file__).with_name("openapi.json")
EXAMPLES = int(os.environ.get("CONTACTGUARD_FUZZ_EXAMPLES", "6"))
SOAK_EXAMPLES = 200
# Slowness is not what this test judges: on a busy machine an export of a customer the fuzzer
# gave hundreds of contacts took longer than schemathesis's 10 s default, and failed the run.
REQUEST_TIMEOUT = 300
# Who calls: each role the routes treat differently, and one in two groups (needs X-Acting-Role).
CALLERS = [
    "service-manager:fuzz-sm",
    "head-of-service:fuzz-hos",
    "customer-experience-team:fuzz-cet",
    "call-handler:fuzz-call",
    "head-of-service,executive-team:fuzz-both",
    "data-protection-officer:fuzz-dpo",  # the subject access and audit routes
]

SCHEMA = schemathesis.openapi.from_path(OPENAPI)
Operation = schemathesis.APIOperation[Any, Any, Any, Any]


def _operations() -> list[Operation]:
    """Every operation of the document; one schemathesis cannot read fails the module."""
    found = []
    for result in SCHEMA.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        found.append(result.ok())
    return found


OPERATIONS = _operations()


# The seeded cases ---------------------------------------------------------------------------

MANAGER = Actor(actor_id="seed-sm", role=Role.SERVICE_MANAGER)
HEAD = Actor(actor_id="seed-hos", role=Role.HEAD_OF_SERVICE)
CET = Actor(actor_id="seed-cet", role=Role.CUSTOMER_EXPERIENCE)
TODAY = datetime.now(LONDON).date()
CALL_CONTACT = "staff-fuzz-call"  # a phone contact (never filed, so never read: 409)


@dataclass(frozen=True)
class Seeded:
    """A case in one lifecycle status, and the ids of its records."""

    label: str
    status: CaseStatus
    story: tuple[tuple[int, Callable[[EmbeddedStack, str], None]], ...]  # (days ago, step)

    def case_id(self, copy: str) -> str:
        return f"fuzz-{self.label}-{copy}"


def _concern(stack: EmbeddedStack, case_id: str) -> None:
    command = RaiseConcern(
        case_id=case_id,
        customer_id=case_id,
        behaviours=(Behaviour.SCATTERGUN,),
        note="seeded for schemathesis",
    )
    stack.cases.open_case(command, MANAGER, stack.clock())


def _immediate(stack: EmbeddedStack, case_id: str) -> None:
    stack.cases.open_case(immediate_restrictions(case_id, case_id), HEAD, stack.clock())


def _act(command: Command, by: Actor) -> Callable[[EmbeddedStack, str], None]:
    def step(stack: EmbeddedStack, case_id: str) -> None:
        stack.cases.act(case_id, command, by, stack.clock())

    return step


def _impose(stack: EmbeddedStack, case_id: str) -> None:
    command = immediate_restrictions(case_id, case_id).model_copy(
        update={"immediate": False, "immediate_reason": None, "equality": CONSIDERED}
    )
    stack.cases.act(case_id, command.model_copy(update={"case_id": None}), HEAD, stack.clock())


def _send(kind: LetterKind, by: Actor) -> Callable[[EmbeddedStack, str], None]:
    """The manager marks the latest letter of `kind` sent on the date its draft carries."""

    def step(stack: EmbeddedStack, case_id: str) -> None:
        case = stack.cases.cases.get_case(case_id)
        assert case is not None
        letter = [x for x in case.letters if x.kind is kind][-1]
        assert letter.dated_on is not None, f"{case_id}: {kind} was never drafted"
        sent = MarkLetterSent(letter_id=letter.letter_id, sent_on=letter.dated_on)
        stack.cases.act(case_id, sent, by, stack.clock())

    return step


def _appeal(stack: EmbeddedStack, case_id: str) -> None:
    received = LogAppeal(received_on=stack.clock().date(), grounds="the emails were needed")
    stack.cases.act(case_id, received, CET, stack.clock())


SEEDED = (
    Seeded("concern", CaseStatus.CONCERN, ((5, _concern),)),
    Seeded(
        "decided",
        CaseStatus.RESTRICTIONS_DECIDED,
        ((40, _concern), (35, _send(LetterKind.CONCERN, MANAGER)), (10, _impose)),
    ),
    Seeded(
        "restricted",
        CaseStatus.RESTRICTED,
        (
            (100, _concern),
            (95, _send(LetterKind.CONCERN, MANAGER)),
            (60, _impose),
            (55, _send(LetterKind.RESTRICTIONS, HEAD)),
        ),
    ),
    Seeded(
        "extended",
        CaseStatus.RESTRICTED,
        (
            (410, _immediate),
            (60, _act(DecideReview(outcome=ReviewOutcome.EXTEND, reason="went on"), HEAD)),
            (55, _send(LetterKind.REVIEW_EXTENDED, HEAD)),
        ),
    ),
    Seeded(
        "appeal",
        CaseStatus.UNDER_APPEAL,
        ((50, _immediate), (45, _send(LetterKind.IMMEDIATE_RESTRICTIONS, HEAD)), (44, _appeal)),
    ),
    Seeded("lapsed", CaseStatus.LAPSED, ((420, _immediate),)),
    Seeded(
        "closed",
        CaseStatus.CLOSED,
        (
            (30, _concern),
            (25, _send(LetterKind.CONCERN, MANAGER)),
            (20, _act(CloseConcern(reason="no further contact"), MANAGER)),
        ),
    ),
)
COPIES = ("read", "command")


def _seed(stack: EmbeddedStack) -> None:
    """Every seeded case, each step on its day (10:00 London), in date order, the stack's
    functions reacting as in AWS; then the clock is brought to now."""
    address = PostalAddress(lines=("1 High Street",), postcode="DE1 1AA")
    steps = []
    for seeded in SEEDED:
        for copy in COPIES:
            case_id = seeded.case_id(copy)
            customer = Customer(customer_id=case_id, name="Fuzz Tenant", address=address)
            stack.store.put_customer(customer)
            steps += [(days, case_id, step) for days, step in seeded.story]
    for days, case_id, step in sorted(steps, key=lambda s: -s[0]):
        stack.advance(datetime.combine(TODAY - timedelta(days=days), time(10), tzinfo=LONDON))
        step(stack, case_id)
        stack.pump_streams()
    stack.advance(datetime.now(LONDON))


def _post_call(url: str) -> None:
    """A phone contact, through the API, for the read-queue route's known contact."""
    call = {"channel": "phone", "at": "2026-11-02T10:00:00Z", "idempotency_key": "fuzz-call"}
    customer = SEEDED[0].case_id("read")
    request = Request(
        f"{url}/customers/{customer}/contacts",
        data=json.dumps(call).encode(),
        method="POST",
        headers={"Authorization": f"Local {CALLERS[0]}", "Content-Type": "application/json"},
    )
    with urlopen(request, timeout=30) as reply:
        assert reply.status == 201


def _post_export(url: str) -> str:
    """A subject access export of the first seeded customer, through the API (built by the
    export function as serve pumps the stream): the export routes' known job."""
    customer = SEEDED[0].case_id("read")
    request = Request(
        f"{url}/customers/{customer}/exports",
        data=b"",
        method="POST",
        headers={"Authorization": "Local data-protection-officer:dee"},
    )
    with urlopen(request, timeout=120) as reply:
        assert reply.status == 202
        return str(json.load(reply)["job_id"])


@dataclass
class Served:
    url: str
    stack: EmbeddedStack
    job_id: str = ""
    requests: int = 0


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    start = datetime.combine(TODAY - timedelta(days=430), time(9), tzinfo=LONDON)
    with EmbeddedStack(SimClock(start)) as stack:
        _seed(stack)
        with serving(port=0, stack=stack) as url:
            _post_call(url)
            yield (running := Served(url, stack, _post_export(url)))
    if running.requests:  # the figures the README quotes come from this line
        print(f"\nschemathesis: {running.requests} requests", file=sys.__stderr__)


def test_the_seeded_cases_are_in_every_status_of_the_lifecycle(served: Served) -> None:
    found = {}
    for seeded in SEEDED:
        case = served.stack.store.get_case(seeded.case_id("read"))
        assert case is not None
        assert case.status is seeded.status, seeded.label
        found[seeded.label] = case.status
    assert set(found.values()) == set(CaseStatus)
    extended = served.stack.store.get_case("fuzz-extended-read")
    assert extended is not None
    assert extended.reviewed_ends_on  # restricted again after its 12-month review


# The runs ---------------------------------------------------------------------------------------


def _plans(operation: Operation) -> Iterator[tuple[str, GenerationMode, str | None, int]]:
    """(label, mode, seeded case label or None, how many path ids are real)."""
    yield "valid", GenerationMode.POSITIVE, None, 0
    yield "invalid", GenerationMode.NEGATIVE, None, 0
    names = [p.name for p in operation.path_parameters]
    if not names:
        return
    if names == ["contact_id"]:
        yield "valid on the known contact", GenerationMode.POSITIVE, None, 1
        return
    if names == ["job_id"]:
        yield "valid on the known export", GenerationMode.POSITIVE, None, 1
        return
    for seeded in SEEDED:
        yield f"valid on the {seeded.label} case", GenerationMode.POSITIVE, seeded.label, len(names)
        if len(names) > 1:
            unknown = names[-1].removesuffix("_id")
            label = f"valid on the {seeded.label} case, any {unknown}"
            yield label, GenerationMode.POSITIVE, seeded.label, 1


def _runs() -> list[Any]:
    runs = []
    for budget, marks in ((EXAMPLES, [pytest.mark.slow]), (SOAK_EXAMPLES, [pytest.mark.soak])):
        for operation in OPERATIONS:
            for label, mode, seeded, real in _plans(operation):
                runs.append(
                    pytest.param(
                        operation,
                        mode,
                        seeded,
                        real,
                        budget,
                        id=f"{operation.label} {label} x{budget}",
                        marks=marks,
                    )
                )
    return runs


@pytest.mark.parametrize(("operation", "mode", "seeded", "real", "examples"), _runs())
def test_no_request_the_document_allows_or_forbids_gets_a_5xx(
    served: Served,
    operation: Operation,
    mode: GenerationMode,
    seeded: str | None,
    real: int,
    examples: int,
) -> None:
    fixed = None
    if real:
        by_label = {s.label: s for s in SEEDED}
        writes = operation.method.upper() == "POST" and "case_id" in operation.path
        copy = "command" if writes else "read"
        case_id = by_label[seeded].case_id(copy) if seeded else SEEDED[0].case_id("read")
        known = {**_real_ids(served.stack, case_id), "job_id": served.job_id}
        names = [p.name for p in operation.path_parameters][:real]
        fixed = {name: known[name] for name in names}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)

    @given(case=strategy, caller=st.sampled_from(CALLERS))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case[Any], caller: str) -> None:
        served.requests += 1
        response = case.call(
            base_url=served.url,
            headers={"Authorization": f"Local {caller}"},
            timeout=REQUEST_TIMEOUT,
        )
        case.validate_response(response, checks=[not_a_server_error])

    call()


def _real_ids(stack: EmbeddedStack, case_id: str) -> dict[str, str]:
    """The real record behind each path parameter: the seeded case, its customer (who has the
    case's id), its first letter, and the known phone contact."""
    case = stack.store.get_case(case_id)
    assert case is not None
    assert case.letters, f"{case_id} has no letter"
    letter = case.letters[0].letter_id
    return {
        "case_id": case_id,
        "customer_id": case_id,
        "letter_id": letter,
        "contact_id": CALL_CONTACT,
    }
