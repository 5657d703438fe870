"""Golden files (tests/golden.py): a difference fails with its diff; UPDATE_GOLDEN=1 rewrites
the file and prints that diff, and prints nothing for a file that did not change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

GOLDEN_TESTS = """
from pathlib import Path

import pytest

@pytest.mark.parametrize(("name", "data"), [("same", {"a": 1}), ("changed", {"a": 2})])
def test_golden(name, data, golden):
    golden.check(Path(__file__).parent / f"{name}.json", data)
"""


def test_update_golden_shows_the_diff_of_each_changed_file_and_nothing_else(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_golden=GOLDEN_TESTS)
    for name in ("same", "changed"):
        (pytester.path / f"{name}.json").write_text('{\n  "a": 1\n}\n')
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))  # tests/
    monkeypatch.delenv("UPDATE_GOLDEN", raising=False)

    checked = pytester.runpytest_subprocess("-p", "golden")
    checked.assert_outcomes(passed=1, failed=1)
    checked.stdout.fnmatch_lines(
        ["*changed.json differs from what the code makes now:", '-  "a": 1', '+  "a": 2']
    )

    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    updated = pytester.runpytest_subprocess("-p", "golden")
    updated.assert_outcomes(passed=2)
    updated.stdout.fnmatch_lines(
        [
            "*UPDATE_GOLDEN=1 rewrote 1 golden file(s)*",
            "--- a/*changed.json",
            "+++ b/*changed.json",
            '-  "a": 1',
            '+  "a": 2',
            "Read this diff before committing*",
        ]
    )
    assert "same.json" not in updated.stdout.str()
    assert json.loads((pytester.path / "changed.json").read_text()) == {"a": 2}

    again = pytester.runpytest_subprocess("-p", "golden")
    again.assert_outcomes(passed=2)
    assert "rewrote" not in again.stdout.str()
