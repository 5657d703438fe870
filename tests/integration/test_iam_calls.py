"""The recorded-call IAM check (tests/iam_calls.py) sees what every function does on the
embedded stack, allows it under the template's roles, and refuses a call a role lacks."""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from console_on_stack import CONSOLE_PARAMS, console_on
from contactguard.domain.calendar import LONDON
from contactguard_local import stack as stack_module
from contactguard_local.apigw import ProxyReply, rest_event
from contactguard_local.stack import EmbeddedStack, SimClock
from contactguard_local.template import load_template
from iam_calls import CallChecker, Recorded

START = datetime(2026, 12, 1, 9, tzinfo=LONDON)
SENDER = "ada.tenant@example.org"
MANAGER = {"sub": "sub-sm", "cognito:groups": "service-manager", "name": "Sam Manager"}


@pytest.fixture
def checker() -> Iterator[CallChecker]:
    """A call checker of this test's own, beside the suite's."""
    own = CallChecker()
    stack_module.call_observers.append(own)
    try:
        yield own
    finally:
        stack_module.call_observers.remove(own)


def api(
    stack: EmbeddedStack,
    method: str,
    path: str,
    body: Any = None,
    claims: dict[str, Any] | None = None,
) -> ProxyReply:
    event = rest_event(
        method,
        path,
        claims=claims or MANAGER,
        headers={"Content-Type": "application/json"},
        body=None if body is None else json.dumps(body),
    )
    return ProxyReply.of(stack.invoke("ApiFunction", event))


def email(stack: EmbeddedStack, sender: str = SENDER) -> str:
    message = EmailMessage()
    message["From"] = sender
    message["Subject"] = "My repair"
    message.set_content("The boiler is still broken.")
    return stack.deliver_email(message.as_bytes(), sender, "My repair")


def a_case_s_first_weeks(stack: EmbeddedStack) -> None:
    """Every function but the console at work: staff through the API, mail in, letters,
    deadlines firing, and the daily reconcile."""
    customer = {
        "customer_id": "cust-1",
        "name": "Ada Tenant",
        "emails": [SENDER],
        "address": {"lines": ["1 High Street", "Derby"], "postcode": "DE1 1AA"},
    }
    assert api(stack, "POST", "/customers", customer).status == 201
    concern = {
        "kind": "raise-concern",
        "case_id": "case-1",
        "customer_id": "cust-1",
        "behaviours": ["scattergun-approach"],
        "note": "the same complaint through every route",
    }
    assert api(stack, "POST", "/cases", concern).status == 201
    stack.pump_streams()  # letters drafts the concern letter; deadlines schedules follow-up
    assert email(stack) == "CONTINUE"  # ingest, then signals from the stream
    case = api(stack, "GET", "/cases/case-1").json()
    (letter,) = case["case"]["letters"]
    assert api(stack, "GET", f"/cases/case-1/letters/{letter['letter_id']}").status == 200
    stack.advance(START + timedelta(days=45))  # the concern follow-up fires
    assert stack.log.fired
    stack.invoke("DeadlinesReconcileFunction", {})
    assert stack.purge()["raw_mail_kept"] == 1  # the daily retention purge: nothing due yet
    # The data protection officer's subject access export, built by the export function.
    dpo = {"sub": "dee", "cognito:groups": "data-protection-officer"}
    assert api(stack, "POST", "/customers/cust-1/exports", claims=dpo).status == 202
    stack.pump_streams()
    assert stack.log.stream_failures == []


def pairs_of(recorded: list[Recorded], function: str) -> set[tuple[str, str]]:
    return {pair for r in recorded if r.function == function for pair in r.pairs}


def test_the_check_sees_every_function_s_calls_and_the_roles_allow_them(
    checker: CallChecker,
) -> None:
    with EmbeddedStack(SimClock(START), params=CONSOLE_PARAMS) as stack:
        a_case_s_first_weeks(stack)
        with console_on(stack) as browser:  # and a manager at the console
            browser.sign_out(browser.sign_in("sam", ["service-manager"]))
        functions = set(stack.functions)
        signing_secret = stack.names["ConsoleSigningSecret"]
    recorded = checker.take()
    calls = Counter(r.function for r in recorded)
    assert set(calls) == functions, f"functions that made no call: {functions - set(calls)}"
    assert checker.refusals(recorded) == []
    assert sum(checker.checked.values()) == len(recorded)
    # What the old template refused, and what only the daily reconcile may do:
    for function in ("DeadlinesStreamFunction", "DeadlinesReconcileFunction"):
        assert ("scheduler:ListSchedules", "*") in pairs_of(recorded, function)
    scans = {r.function for r in recorded if any(a == "dynamodb:Scan" for a, _ in r.pairs)}
    assert scans == {"DeadlinesReconcileFunction"}
    # The console: its secret and client id at its cold start, its session's whole life.
    console = {action for action, _ in pairs_of(recorded, "ConsoleFunction")}
    assert console >= {
        "secretsmanager:GetSecretValue",
        "ssm:GetParameter",
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "dynamodb:DeleteItem",
    }
    readers = {r.function for r in recorded if any(signing_secret in res for _, res in r.pairs)}
    assert readers == {"ConsoleFunction"}


def without(template: dict[str, Any], function: str, action: str) -> dict[str, Any]:
    """A copy of the template whose function's own statements no longer grant `action`."""
    changed = copy.deepcopy(template)
    removed = 0
    for policy in changed["Resources"][function]["Properties"]["Policies"]:
        for statement in policy.get("Statement", []):
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            if action in actions:
                statement["Action"] = [a for a in actions if a != action]
                assert statement["Action"], "the statement would grant nothing: drop it instead"
                removed += 1
    assert removed, f"{function} was never granted {action}"
    return changed


@pytest.mark.iam_denied
def test_a_call_the_role_does_not_grant_is_refused(checker: CallChecker) -> None:
    template = without(load_template(), "ApiFunction", "dynamodb:PutItem")
    with EmbeddedStack(SimClock(START), template=template) as stack:
        customer = {"customer_id": "cust-9", "name": "Ada Tenant"}
        assert api(stack, "POST", "/customers", customer).status == 201  # moto allowed it
        table = stack.table
    refused = checker.refusals(checker.take())
    where = f"arn:aws:dynamodb:eu-west-2:123456789012:table/{table}"
    assert refused == [  # the audit record first, then the customer
        f"ApiFunction (ApiFunctionRole) may not dynamodb:PutItem on {where} (dynamodb.PutItem)",
        f"ApiFunction (ApiFunctionRole) may not dynamodb:PutItem on {where} "
        "(dynamodb.TransactWriteItems)",
    ]


@pytest.mark.iam_denied
def test_the_console_deleting_a_session_without_the_grant_is_refused(checker: CallChecker) -> None:
    template = without(load_template(), "ConsoleFunction", "dynamodb:DeleteItem")
    with EmbeddedStack(SimClock(START), params=CONSOLE_PARAMS, template=template) as stack:
        with console_on(stack) as browser:
            assert browser.sign_out(browser.sign_in("sam", ["service-manager"])).status == 303
        table = stack.table
    refused = checker.refusals(checker.take())
    where = f"arn:aws:dynamodb:eu-west-2:123456789012:table/{table}"
    assert refused == [
        f"ConsoleFunction (ConsoleFunctionRole) may not dynamodb:DeleteItem on {where} "
        "(dynamodb.DeleteItem)"
    ]


@pytest.mark.iam_denied
def test_the_old_resource_scoped_list_schedules_grant_is_refused_when_deadlines_run(
    checker: CallChecker,
) -> None:
    template = copy.deepcopy(load_template())
    for function in ("DeadlinesStreamFunction", "DeadlinesReconcileFunction"):
        for policy in template["Resources"][function]["Properties"]["Policies"]:
            for statement in policy.get("Statement", []):
                if statement["Action"] == "scheduler:ListSchedules":
                    statement["Resource"] = {
                        "Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:"
                        "${AWS::AccountId}:schedule/contactguard-${Stage}/*"
                    }
    with EmbeddedStack(SimClock(START), template=template) as stack:
        a_case_s_first_weeks(stack)
    refused = checker.refusals(checker.take())
    assert {line.split(" (", 1)[0] for line in refused} == {
        "DeadlinesStreamFunction",
        "DeadlinesReconcileFunction",
    }
    assert all("may not scheduler:ListSchedules on *" in line for line in refused)
