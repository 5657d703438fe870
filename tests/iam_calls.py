"""Every AWS call a handler makes on the embedded stack, checked against its function's role.

moto enforces no IAM for our services, so a handler calling an API its role never granted
passes every moto test and fails in AWS. This plugin (on for the whole suite) closes that
gap: each call a handler makes while an EmbeddedStack runs it (`stack.call_observers`) is
turned into the (IAM action, resource ARN) pairs AWS authorises it by, and checked against
the role SAM makes for that function from the stack's own template
(`contactguard_local.iam`). A test whose handlers made a call their role does not allow, or a
call the mapping does not know, fails at teardown, naming the function, action and resource.
The terminal summary says how many calls of each function were checked.

A test that makes refused calls on purpose (to prove this check) is marked `iam_denied`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from contactguard_local import stack as stack_module
from contactguard_local.iam import UnmappedCall, requests_for, stack_iam
from contactguard_local.stack import AwsCall, EmbeddedStack


@dataclass(frozen=True)
class Recorded:
    stack: EmbeddedStack
    function: str
    call: str  # "service.Operation"
    pairs: tuple[tuple[str, str], ...]  # (IAM action, resource ARN)
    unmapped: str | None = None


class CallChecker:
    """Collects handler calls; `refusals` says which of them the functions' roles refuse."""

    def __init__(self) -> None:
        self.recorded: list[Recorded] = []
        self.checked: Counter[str] = Counter()  # function -> calls checked

    def __call__(self, call: AwsCall) -> None:
        params = call.stack.params
        name = f"{call.service}.{call.operation}"
        try:
            pairs = requests_for(
                call.service,
                call.operation,
                call.params,
                region=str(params["AWS::Region"]),
                account=str(params["AWS::AccountId"]),
            )
        except UnmappedCall as error:
            self.recorded.append(Recorded(call.stack, call.function, name, (), str(error)))
            return
        self.recorded.append(Recorded(call.stack, call.function, name, tuple(pairs)))

    def take(self) -> list[Recorded]:
        taken, self.recorded = self.recorded, []
        return taken

    def refusals(self, recorded: list[Recorded]) -> list[str]:
        """One line per refused (function, action, resource); counts what was checked."""
        refused: dict[str, None] = {}
        for entry in recorded:
            self.checked[entry.function] += 1
            if entry.unmapped:
                refused[f"{entry.function}: {entry.unmapped}"] = None
                continue
            iam = stack_iam(entry.stack.template, entry.stack.params)
            if entry.function not in iam.function_roles:
                refused[f"{entry.function}: no role for this function in the template"] = None
                continue
            for action, resource in entry.pairs:
                if not iam.decide(entry.function, action, resource).allowed:
                    role = iam.function_roles[entry.function]
                    line = (
                        f"{entry.function} ({role}) may not {action} on {resource} ({entry.call})"
                    )
                    refused[line] = None
        return list(refused)


CHECKER = CallChecker()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "iam_denied: the test makes AWS calls its role refuses, on purpose"
    )
    stack_module.call_observers.append(CHECKER)


def pytest_unconfigure(config: pytest.Config) -> None:
    if CHECKER in stack_module.call_observers:
        stack_module.call_observers.remove(CHECKER)


@pytest.fixture(autouse=True)
def _handler_calls_are_allowed_by_their_roles(request: pytest.FixtureRequest) -> Iterator[None]:
    CHECKER.take()
    yield
    recorded = CHECKER.take()
    if not recorded or request.node.get_closest_marker("iam_denied"):
        return
    refused = CHECKER.refusals(recorded)
    if refused:
        pytest.fail(
            "AWS calls their function's IAM role does not allow (infra/template.yaml):\n  "
            + "\n  ".join(refused),
            pytrace=False,
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CHECKER.checked:
        return
    total = sum(CHECKER.checked.values())
    per_function = ", ".join(f"{f} {n}" for f, n in sorted(CHECKER.checked.items()))
    terminalreporter.write_line(
        f"IAM: {total} AWS calls by handlers checked against their roles ({per_function})"
    )
