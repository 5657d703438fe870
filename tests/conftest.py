"""Suite-wide settings and the policy traceability check.

Every rule in policy/rules.yaml must be proved by at least one test carrying
`@pytest.mark.policy("<rule id>")`. `pytest --policy-check` (what `make test` runs) fails the
run when a rule has no test or a test names an unknown rule; `pytest --policy-matrix` prints
the rule -> tests table and runs nothing.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

pytest_plugins = ["log_privacy", "soak_marker", "iam_calls", "golden"]  # tests/<name>.py

RULES_FILE = Path(__file__).resolve().parents[1] / "policy" / "rules.yaml"


def load_rules() -> list[dict[str, str]]:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return list(data["rules"])


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("policy")
    group.addoption(
        "--policy-check",
        action="store_true",
        help="fail when a rule in policy/rules.yaml has no test",
    )
    group.addoption(
        "--policy-matrix",
        action="store_true",
        help="print the policy rule -> tests table and run nothing",
    )


def _collect_matrix(items: list[pytest.Item]) -> tuple[dict[str, list[str]], list[str]]:
    known = {rule["id"] for rule in load_rules()}
    matrix: dict[str, list[str]] = defaultdict(list)
    unknown: list[str] = []
    for item in items:
        for marker in item.iter_markers(name="policy"):
            for rule_id in marker.args:
                if rule_id in known:
                    matrix[rule_id].append(item.nodeid)
                else:
                    unknown.append(f"{item.nodeid} names unknown rule {rule_id!r}")
    return matrix, unknown


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    check, show = config.getoption("--policy-check"), config.getoption("--policy-matrix")
    if not (check or show):
        return
    matrix, unknown = _collect_matrix(items)
    rules = load_rules()
    if show:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        write = reporter.write_line if reporter else print
        write(f"{'rule':34} {'section':32} tests")
        for rule in rules:
            tests = matrix.get(rule["id"], [])
            write(f"{rule['id']:34} {rule['section']:32} {len(tests)}")
            for nodeid in tests:
                write(f"{'':34} {'':32} - {nodeid}")
        uncovered = [r["id"] for r in rules if not matrix.get(r["id"])]
        write(f"\n{len(rules) - len(uncovered)} of {len(rules)} rules proved by tests")
        items.clear()  # print only
    missing = [r["id"] for r in rules if not matrix.get(r["id"])]
    problems = unknown + [f"rule {rule_id!r} has no test" for rule_id in missing]
    if check and problems:
        raise pytest.UsageError(
            "policy traceability (policy/rules.yaml):\n  " + "\n  ".join(problems)
        )
