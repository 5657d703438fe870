"""What each Lambda function ships: the requirement closure per function and the built sizes.

`sam build` (via functions/Makefile) gives every function its own package. This module says,
from the source tree alone, which third-party distributions each function may ship (its
requirements file and what those require), and, after a build, how big each package is and
whether it holds anything it should not (only the letters function carries the document
libraries, only the console its web libraries; both carry Jinja2).

    python -m contactguard_local.packages            # after `make build`: sizes, checked
    python -m contactguard_local.packages --json

Local tooling: never shipped to Lambda.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from contactguard_local.template import TEMPLATE_PATH, load_template

ROOT = TEMPLATE_PATH.parents[1]
FUNCTIONS = ROOT / "functions"
REQUIREMENTS = FUNCTIONS / "requirements"
BUILD_DIR = ROOT / ".aws-sam" / "build"
FUNCTION_TYPE = "AWS::Serverless::Function"
# Libraries only some functions ship (import names as they appear in a built package), and
# whose they are (functions/<package>): each of those packages must ship them, no other may.
LIBRARY_OWNERS: dict[str, tuple[str, ...]] = {
    "docxtpl": ("letters",),
    "docx": ("letters",),
    "lxml": ("letters",),
    "PIL": ("letters",),
    "jinja2": ("letters", "console"),
    "govuk_frontend_jinja": ("console",),
    "jwt": ("console",),
    "cryptography": ("console",),
    "itsdangerous": ("console",),
}
DOCUMENT_LIBRARIES = tuple(lib for lib, owners in LIBRARY_OWNERS.items() if "letters" in owners)
_TARGET = re.compile(r"^((?:build-[A-Za-z0-9]+\s*)+):", re.MULTILINE)
_PACKAGE_CALL = re.compile(r"\$\(call package,([a-z_]+),([a-z_-]+)\)")


@dataclass(frozen=True)
class FunctionBuild:
    """One function as functions/Makefile builds it."""

    logical_id: str
    package: str  # its own package beside the shared core
    requirements: str  # the file in functions/requirements/, without .txt


def functions_in_template(template: Mapping[str, Any] | None = None) -> list[str]:
    resources = (template or load_template())["Resources"]
    return sorted(lid for lid, res in resources.items() if res["Type"] == FUNCTION_TYPE)


def makefile_builds(makefile: Path = FUNCTIONS / "Makefile") -> dict[str, FunctionBuild]:
    """{logical id: build} read from the Makefile's `build-X:` targets and their recipes."""
    text = makefile.read_text(encoding="utf-8")
    builds: dict[str, FunctionBuild] = {}
    matches = list(_TARGET.finditer(text))
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
        call = _PACKAGE_CALL.search(text, match.end(), end)
        if call is None:
            continue
        for target in match.group(1).split():
            lid = target.removeprefix("build-")
            builds[lid] = FunctionBuild(lid, call.group(1), call.group(2))
    return builds


def pinned(requirements: str) -> dict[str, str]:
    """{canonical name: version} from a requirements file, following `-r` includes."""
    pins: dict[str, str] = {}
    for raw in (REQUIREMENTS / f"{requirements}.txt").read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            pins.update(pinned(line[3:].strip().removesuffix(".txt")))
            continue
        req = Requirement(line)
        pins[canonicalize_name(req.name)] = str(req.specifier).removeprefix("==")
    return pins


def closure(names: Iterable[str]) -> set[str]:
    """The named distributions and everything they require (as installed in this venv)."""
    seen: set[str] = set()
    todo = [canonicalize_name(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for spec in requires:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return seen


@dataclass(frozen=True)
class BuiltPackage:
    logical_id: str
    bytes: int
    files: int
    libraries: tuple[str, ...]  # those of LIBRARY_OWNERS it holds

    @property
    def megabytes(self) -> float:
        return self.bytes / 1_000_000


def built_packages(build_dir: Path = BUILD_DIR) -> list[BuiltPackage]:
    """The packages `sam build` left in .aws-sam/build (empty when nothing is built)."""
    packages: list[BuiltPackage] = []
    if not build_dir.is_dir():
        return packages
    for lid in functions_in_template():
        folder = build_dir / lid
        if not folder.is_dir():
            continue
        files = [p for p in folder.rglob("*") if p.is_file()]
        present = tuple(lib for lib in LIBRARY_OWNERS if (folder / lib).is_dir())
        packages.append(
            BuiltPackage(lid, sum(p.stat().st_size for p in files), len(files), present)
        )
    return packages


def libraries_of(package: str) -> tuple[str, ...]:
    """The libraries of LIBRARY_OWNERS that functions/<package> ships."""
    return tuple(lib for lib, owners in LIBRARY_OWNERS.items() if package in owners)


def problems(packages: Iterable[BuiltPackage], builds: Mapping[str, FunctionBuild]) -> list[str]:
    """What is wrong with a build: a function missing, a library it needs missing, or one it
    should not carry (LIBRARY_OWNERS)."""
    found = {p.logical_id: p for p in packages}
    wrong = [f"{lid}: not built" for lid in functions_in_template() if lid not in found]
    for lid, package in found.items():
        wanted = libraries_of(builds[lid].package)
        lacking = [lib for lib in wanted if lib not in package.libraries]
        extra = [lib for lib in package.libraries if lib not in wanted]
        if lacking:
            wrong.append(f"{lid}: lacks {', '.join(lacking)}")
        if extra:
            wrong.append(f"{lid}: ships {', '.join(extra)}")
    return wrong


_SMOKE = """
import importlib, importlib.util, os, sys
sys.path[:0] = sys.argv[1:3]
module = importlib.import_module(sys.argv[3])
assert callable(getattr(module, sys.argv[4])), sys.argv[4]
# every module the handler loaded from the package has its bytecode there (functions/Makefile)
package = os.path.abspath(sys.argv[1])
files = [getattr(m, "__file__", None) or "" for m in list(sys.modules.values())]
loaded = [f for f in files if f.startswith(package) and f.endswith(".py")]
missing = [f for f in loaded if not os.path.exists(importlib.util.cache_from_source(f))]
assert loaded and not missing, f"no bytecode shipped for {missing[:3]}"
exec(sys.argv[5])
"""
# What else a package must do with nothing but itself (and boto3) on the path.
SMOKE_CHECKS: dict[str, str] = {
    # The console renders a page from the templates the build compiled (console/compiled).
    "console": (
        "from jinja2 import ModuleLoader\n"
        "from console.render import environment, render\n"
        "assert isinstance(environment().loader, ModuleLoader), environment().loader\n"
        "assert 'Sign in again' in render('signed_out.html', title='t', page={}, console='/c')"
    ),
}


def smoke(workdir: Path) -> list[str]:
    """Build each distinct package for this machine and import its handlers with nothing on
    the path but the package and boto3 (what the runtime adds): a missing dependency or data
    file fails here, not on the first invocation in AWS. Returns what failed."""
    if sys.version_info[:2] != (3, 13):
        return [f"smoke test needs python3.13 (this is {sys.version.split()[0]})"]
    platform_tag = f"manylinux2014_{'aarch64' if os.uname().machine == 'aarch64' else 'x86_64'}"
    boto = workdir / "runtime-boto3"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "--target", str(boto), "boto3"],
        check=True,
    )  # fmt: skip
    handlers = {
        lid: res["Properties"]["Handler"].rsplit(".", 1)
        for lid, res in load_template()["Resources"].items()
        if res["Type"] == FUNCTION_TYPE
    }
    failed: list[str] = []
    built: dict[tuple[str, str], Path] = {}
    for lid, build in sorted(makefile_builds().items()):
        key = (build.package, build.requirements)
        if key not in built:
            built[key] = workdir / build.package
            subprocess.run(
                ["make", "-s", "-C", str(FUNCTIONS), f"build-{lid}",
                 f"ARTIFACTS_DIR={built[key]}", f"LAMBDA_PLATFORM={platform_tag}",
                 f"PYTHON={sys.executable}"],
                check=True,
            )  # fmt: skip
        module, attribute = handlers[lid]
        result = subprocess.run(
            [
                sys.executable,
                "-I",
                "-S",
                "-c",
                _SMOKE,
                str(built[key]),
                str(boto),
                module,
                attribute,
                SMOKE_CHECKS.get(build.package, ""),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        status = "imports" if result.returncode == 0 else "FAILS"
        print(f"  {lid:28} {module}.{attribute} {status}", flush=True)
        if result.returncode:
            failed.append(f"{lid}: {result.stderr.strip().splitlines()[-1]}")
    return failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the size and contents of each built package")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="build each package for this machine and import its handlers in isolation",
    )
    args = parser.parse_args(argv)
    if args.smoke:
        print("import smoke test: each package alone, plus boto3 as the runtime provides")
        with tempfile.TemporaryDirectory(prefix="contactguard-smoke-") as tmp:
            failed = smoke(Path(tmp))
        for line in failed:
            print(f"problem: {line}", file=sys.stderr)
        return 1 if failed else 0
    packages = built_packages()
    if not packages:
        print("nothing built yet: run `make build` first", file=sys.stderr)
        return 1
    wrong = problems(packages, makefile_builds())
    if args.json:
        rows = [{"function": p.logical_id, "bytes": p.bytes, "files": p.files} for p in packages]
        print(json.dumps({"packages": rows, "problems": wrong}, indent=2))
    else:
        print(f"{'function':28} {'size':>9} {'files':>6}  libraries of their own")
        for p in packages:
            own = ", ".join(p.libraries) or "-"
            print(f"{p.logical_id:28} {p.megabytes:7.1f}MB {p.files:6}  {own}")
        for line in wrong:
            print(f"problem: {line}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
