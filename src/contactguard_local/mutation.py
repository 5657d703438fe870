"""`make mutation` (in `make soak`): mutation testing of the pure domain and ingest's decisions.

mutmut 3 changes one thing at a time in the code (`<` to `<=`, a constant, a removed argument,
`and` to `or`...) and runs the unit tests that reach the changed function. A mutant no test
notices is a *survivor*: either a blind spot in the tests or an *equivalent* mutant, a change
no caller can tell apart. This command fails when:

- a survivor (or a mutant no selected test reaches) is not in tests/mutation/equivalents.toml;
- the kill rate, killed / (mutants less listed equivalents), is below the floor set there;
- mutmut itself fails (its clean run, or mutants left unchecked).

What is mutated, with which tests, is `[tool.mutmut]` in pyproject.toml. mutmut 3 derives a
module's name from its path only for a root or src/ layout, so the run happens in `.mutation/`
(gitignored): a fresh copy with functions/contactguard and functions/ingest under src/, the
tests and pyproject.toml. Results stay there (`.mutation/mutants/`) for a look afterwards:
`cd .mutation && ../.venv/bin/mutmut show NAME`, or `mutmut run "NAME"` to retest one mutant
after a change to the tests (copy the changed test into .mutation/mutants/tests/ first).

A survivor is named by what it changed, not by mutmut's number (which shifts when the function
changes): the function, the original line(s) and the mutated line(s), whitespace collapsed.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".mutation"
EQUIVALENTS = ROOT / "tests" / "mutation" / "equivalents.toml"
# What is copied into the work folder: (from the repository, to the work folder).
LAYOUT = (
    ("functions/contactguard", "src/contactguard"),
    ("functions/ingest", "src/ingest"),
    ("tests", "tests"),
)
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")

# mutmut's exit codes per mutant (mutmut.stats.status_by_exit_code), folded into our buckets.
_STATUS = {
    0: "survived",
    1: "killed",
    3: "killed",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    36: "timeout",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
    None: "not checked",
}
SURVIVOR_STATUSES = ("survived", "no tests")


def _status(exit_code: int | None) -> str:
    return _STATUS.get(exit_code, "suspicious")


def _squash(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Mutant:
    name: str  # mutmut's name, for `mutmut show NAME` in .mutation/
    function: str  # module:qualified.name
    original: str  # the line(s) the mutation changed, whitespace collapsed, joined by "\n"
    mutated: str
    status: str
    where: str = ""  # functions/...py:LINE of the original line, for people

    def key(self) -> tuple[str, str, str]:
        return self.function, self.original, self.mutated


@dataclass(frozen=True)
class Equivalent:
    function: str
    original: str
    mutated: str
    reason: str

    def key(self) -> tuple[str, str, str]:
        return self.function, _squash_lines(self.original), _squash_lines(self.mutated)


def _squash_lines(text: str) -> str:
    return "\n".join(_squash(line) for line in text.strip().splitlines() if line.strip())


# --- the work folder and the run -------------------------------------------------------------


def stage(work: Path = WORK) -> None:
    """A fresh copy of the code and tests in the layout mutmut understands."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    for source, target in LAYOUT:
        shutil.copytree(ROOT / source, work / target, ignore=_IGNORE)
    shutil.copy2(ROOT / "pyproject.toml", work / "pyproject.toml")


def run_mutmut(work: Path, jobs: int, heartbeat: float = 60.0) -> int:
    """`mutmut run` in the work folder; its spinner goes to mutmut.log, a line a minute here."""
    mutmut = Path(sys.executable).with_name("mutmut")
    log_path = work / "mutmut.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(mutmut), "run", "--max-children", str(jobs)],
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        while True:
            try:
                return process.wait(timeout=heartbeat)
            except subprocess.TimeoutExpired:
                minutes = (time.monotonic() - started) / 60
                print(f"  {minutes:4.1f} min  {_last_status(log_path)}", flush=True)


def _last_status(log_path: Path) -> str:
    tail = log_path.read_bytes()[-2000:].decode("utf-8", "replace")
    lines = [line.strip() for line in tail.replace("\r", "\n").splitlines() if line.strip()]
    return lines[-1] if lines else "starting"


# --- reading the results ---------------------------------------------------------------------


def _readable(function_name: str) -> str:
    """`x_name__mutmut_3` -> `name`; `xǁClassǁmethod__mutmut_3` -> `Class.method`."""
    base = function_name.partition("__mutmut_")[0]
    if base.startswith("xǁ"):
        _, cls, method = base.split("ǁ", 2)
        return f"{cls}.{method}"
    return base.removeprefix("x_")


def _variants(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in tree.body:
        bodies = [node] if not isinstance(node, ast.ClassDef) else node.body
        for item in bodies:
            if (
                isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                and "__mutmut_" in item.name
            ):
                found.append(item)
    return found


def _changes(original: str, mutated: str) -> tuple[str, str]:
    before, after = original.splitlines(), mutated.splitlines()
    removed: list[str] = []
    added: list[str] = []
    for line in difflib.ndiff(before, after):
        if line.startswith("- "):
            removed.append(_squash(line[2:]))
        elif line.startswith("+ "):
            added.append(_squash(line[2:]))
    return "\n".join(removed), "\n".join(added)


def _text_of(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """A function's source with its name neutral (ast.get_source_segment splits the whole
    file on every call: too slow for a thousand mutants)."""
    return "\n".join(lines[node.lineno - 1 : node.end_lineno]).replace(node.name, "FUNCTION")


def _function_spans(source: str) -> dict[str, tuple[int, int]]:
    """qualified name -> (first line, last line) of each function in the original file."""
    spans: dict[str, tuple[int, int]] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                spans[f"{prefix}{node.name}"] = (node.lineno, node.end_lineno or node.lineno)

    visit(ast.parse(source).body, "")
    return spans


def _where(original_file: Path, qualname: str, original: str) -> str:
    rel = original_file.relative_to(ROOT)
    try:
        lines = original_file.read_text("utf-8").splitlines()
        first, last = _function_spans("\n".join(lines))[qualname]
    except (OSError, KeyError, SyntaxError):
        return str(rel)
    wanted = original.splitlines()[0] if original else ""
    for number in range(first, last + 1):
        if wanted and _squash(lines[number - 1]) == wanted:
            return f"{rel}:{number}"
    return f"{rel}:{first}"


def collect(work: Path = WORK) -> list[Mutant]:
    """Every mutant of the run, with its status and what it changed."""
    mutants: list[Mutant] = []
    for meta_path in sorted((work / "mutants" / "src").rglob("*.py.meta")):
        exit_codes: dict[str, int | None] = json.loads(meta_path.read_text("utf-8"))[
            "exit_code_by_key"
        ]
        if not exit_codes:
            continue
        source_path = meta_path.with_suffix("")  # the mutated copy of the module
        relative = source_path.relative_to(work / "mutants" / "src")
        module = ".".join(relative.with_suffix("").parts)
        original_file = ROOT / "functions" / relative
        source = source_path.read_text("utf-8")
        lines = source.splitlines()
        variants = {node.name: node for node in _variants(ast.parse(source))}
        for name, exit_code in sorted(exit_codes.items()):
            function_name = name.removeprefix(module + ".")
            orig_name = function_name.partition("__mutmut_")[0] + "__mutmut_orig"
            node, orig = variants.get(function_name), variants.get(orig_name)
            original = mutated = ""
            if node is not None and orig is not None:
                original, mutated = _changes(_text_of(lines, orig), _text_of(lines, node))
            qualname = _readable(function_name)
            mutants.append(
                Mutant(
                    name=name,
                    function=f"{module}:{qualname}",
                    original=original,
                    mutated=mutated,
                    status=_status(exit_code),
                    where=_where(original_file, qualname, original),
                )
            )
    return mutants


def load_equivalents(path: Path = EQUIVALENTS) -> tuple[float, list[Equivalent]]:
    data = tomllib.loads(path.read_text("utf-8"))
    entries = [
        Equivalent(e["function"], e["original"], e["mutated"], e["reason"])
        for e in data.get("equivalent", [])
    ]
    return float(data["floor"]), entries


# --- the verdict -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    counts: dict[str, int]
    total: int
    listed: int  # survivors matched by an entry of the equivalents list
    kill_rate: float
    floor: float
    unlisted: list[Mutant]
    stale: list[Equivalent]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def judge(mutants: list[Mutant], floor: float, equivalents: list[Equivalent]) -> Verdict:
    counts = Counter(m.status for m in mutants)
    by_key = {e.key(): e for e in equivalents}
    survivors = [m for m in mutants if m.status in SURVIVOR_STATUSES]
    listed = [m for m in survivors if m.key() in by_key]
    unlisted = [m for m in survivors if m.key() not in by_key]
    matched = {m.key() for m in listed}
    stale = [e for e in equivalents if e.key() not in matched]
    total = len(mutants)
    denominator = total - len(listed)
    kill_rate = counts["killed"] / denominator if denominator else 0.0
    problems: list[str] = []
    if not mutants:
        problems.append("no mutants: is [tool.mutmut] in pyproject.toml right?")
    if counts["not checked"]:
        problems.append(f"{counts['not checked']} mutant(s) not checked: mutmut stopped early")
    if unlisted:
        problems.append(f"{len(unlisted)} survivor(s) not listed as equivalent")
    if kill_rate < floor:
        problems.append(f"kill rate {kill_rate:.1%} is below the floor {floor:.1%}")
    return Verdict(
        counts=dict(counts),
        total=total,
        listed=len(listed),
        kill_rate=kill_rate,
        floor=floor,
        unlisted=unlisted,
        stale=stale,
        problems=problems,
    )


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def report(verdict: Verdict, seconds: float, jobs: int) -> str:
    c = verdict.counts
    suspicious = verdict.total - sum(
        c.get(s, 0) for s in ("killed", "timeout", "survived", "no tests", "skipped")
    )
    lines = [
        "",
        f"mutation check: {verdict.total} mutants",
        f"  killed {c.get('killed', 0)}, survived {c.get('survived', 0)}, "
        f"no tests {c.get('no tests', 0)}, timeout {c.get('timeout', 0)}, "
        f"suspicious/other {suspicious}, skipped {c.get('skipped', 0)}",
        f"  survivors listed as equivalent: {verdict.listed}",
        f"  kill rate {c.get('killed', 0)}/{verdict.total - verdict.listed} = "
        f"{verdict.kill_rate:.1%} (listed equivalents left out; floor {verdict.floor:.1%})",
        f"  took {int(seconds // 60)} min {int(seconds % 60)} s with {jobs} worker(s)",
    ]
    if verdict.unlisted:
        lines += ["", "Survivors not in tests/mutation/equivalents.toml (write the test that"]
        lines += ["kills each; list it only if no caller could ever tell the difference):"]
        for m in verdict.unlisted:
            lines += [
                "",
                f"# {m.where}  ({m.status}; cd .mutation && ../.venv/bin/mutmut show {m.name})",
                "[[equivalent]]",
                f"function = {_toml_string(m.function)}",
                f"original = {_toml_string(m.original)}",
                f"mutated = {_toml_string(m.mutated)}",
                'reason = "TODO"',
            ]
    if verdict.stale:
        # A warning, not a failure: a few mutants are equivalent on one Python and killed on
        # another (the standard library differs), and the check runs on 3.11 to 3.13.
        lines += ["", "WARNING: listed equivalents that no longer survive (delete them):"]
        lines += [f"  {e.function}: {e.original!r} -> {e.mutated!r}" for e in verdict.stale]
    lines += [""] + [f"FAILED: {p}" for p in verdict.problems]
    if verdict.ok:
        lines.append("mutation check passed")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make mutation", description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="judge the results already in .mutation/ without running mutmut again",
    )
    args = parser.parse_args(argv)
    floor, equivalents = load_equivalents()
    started = time.monotonic()
    if not args.report_only:
        print(f"mutation check: staging {WORK.relative_to(ROOT)}/ and running mutmut", flush=True)
        stage()
        code = run_mutmut(WORK, args.jobs)
        if code != 0:
            print((WORK / "mutmut.log").read_text("utf-8", "replace")[-4000:])
            print(f"FAILED: mutmut exited with {code}")
            return 1
    mutants = collect()
    verdict = judge(mutants, floor, equivalents)
    seconds = time.monotonic() - started
    print(report(verdict, seconds, args.jobs))
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    summary: dict[str, Any] = {
        "total": verdict.total,
        "counts": verdict.counts,
        "listed_equivalents": verdict.listed,
        "kill_rate": round(verdict.kill_rate, 4),
        "floor": verdict.floor,
        "seconds": round(seconds),
        "jobs": args.jobs,
        "unlisted": [asdict(m) for m in verdict.unlisted],
        "problems": verdict.problems,
    }
    (out / "mutation.json").write_text(json.dumps(summary, indent=2) + "\n", "utf-8")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
