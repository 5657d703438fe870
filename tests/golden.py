"""Golden files, checked and (with UPDATE_GOLDEN=1) rewritten (a pytest plugin).

`golden.check(path, data)` compares what the code made with the JSON file at `path`. With
UPDATE_GOLDEN=1 a file that differs is rewritten, and the session ends by printing a unified
diff of each rewritten file with a reminder to read it before committing; an unchanged file
prints nothing. Without it, a difference fails the test with the same diff.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
_REWRITTEN = pytest.StashKey[list[str]]()


def as_text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def unified_diff(path: Path, old: str, new: str) -> str:
    name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"a/{name}",
        tofile=f"b/{name}",
    )
    return "".join(lines)


class Golden:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def check(self, path: Path, data: Any) -> None:
        """`data` must be what `path` holds (as JSON); UPDATE_GOLDEN=1 rewrites it instead."""
        new = as_text(data)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if old and json.loads(old) == data:
            return
        self._differs(path, old, new, lambda: path.write_text(new, encoding="utf-8"))

    def check_bytes(self, path: Path, data: bytes) -> None:
        """`data` must be exactly the bytes `path` holds (an email, say); the same rewriting."""
        old = path.read_bytes() if path.exists() else b""
        if old and old == data:
            return
        shown = (old.decode("utf-8", "replace"), data.decode("utf-8", "replace"))
        self._differs(path, *shown, lambda: path.write_bytes(data))

    def _differs(self, path: Path, old: str, new: str, write: Callable[[], Any]) -> None:
        diff = unified_diff(path, old, new)
        if not os.environ.get("UPDATE_GOLDEN"):
            pytest.fail(
                f"{path.name} {'differs from' if old else 'does not yet hold'} what the code "
                f"makes now:\n{diff}\n"
                "If the change is intended, rerun with UPDATE_GOLDEN=1 and read the diff "
                "before committing.",
                pytrace=False,
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        write()
        self.config.stash.setdefault(_REWRITTEN, []).append(diff)


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Golden:
    return Golden(request.config)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    diffs = terminalreporter.config.stash.get(_REWRITTEN, [])
    if not diffs:
        return
    terminalreporter.section(f"UPDATE_GOLDEN=1 rewrote {len(diffs)} golden file(s)")
    for diff in diffs:
        terminalreporter.write(diff if diff.endswith("\n") else diff + "\n")
    terminalreporter.write_line(
        "Read this diff before committing: each line is now what the tests hold true.",
        bold=True,
    )
