"""Each function's package holds what it needs and nothing heavy it does not (issue 7).

Checked from the source tree, so no build is needed: the template builds every function with
functions/Makefile, every library a function imports is in its requirements file (or what those
require), the pins agree with pyproject.toml, and only the letters function may carry the
document libraries, only the console its web libraries (LIBRARY_OWNERS). `make build` checks
the built packages themselves.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from contactguard_local.packages import (
    DOCUMENT_LIBRARIES,
    FUNCTIONS,
    LIBRARY_OWNERS,
    ROOT,
    BuiltPackage,
    closure,
    functions_in_template,
    libraries_of,
    makefile_builds,
    pinned,
    problems,
)
from contactguard_local.template import load_template

FIRST_PARTY = {
    "contactguard",
    "ingest",
    "letters",
    "deadlines",
    "api",
    "signals",
    "delivery",
    "console",
    "retention",
    "exports",
}
RUNTIME_PROVIDED = {"boto3", "botocore"}  # in the python3.13 Lambda runtime
BUILDS = makefile_builds()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[str]:
    """Top-level module names imported at run time (not under `if TYPE_CHECKING:`)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            yield from (name for child in node.orelse for name in _imports(child))
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]
        yield from _imports(node)


def third_party_imports(package: str) -> set[str]:
    modules: set[str] = set()
    for folder in ("contactguard", package):
        for path in (FUNCTIONS / folder).rglob("*.py"):
            modules.update(_imports(ast.parse(path.read_text(encoding="utf-8"))))
    return modules - FIRST_PARTY - set(sys.stdlib_module_names) - {"__future__"}


@cache
def _module_distributions() -> dict[str, list[str]]:
    return dict(metadata.packages_distributions())


def distributions_of(module: str) -> set[str]:
    return {canonicalize_name(d) for d in _module_distributions().get(module, [])}


def test_every_function_is_built_by_the_makefile_one_package_each() -> None:
    resources = load_template()["Resources"]
    for lid in functions_in_template():
        assert resources[lid].get("Metadata", {}).get("BuildMethod") == "makefile", lid
        assert lid in BUILDS, f"functions/Makefile has no build-{lid} target"
        handler_module = resources[lid]["Properties"]["Handler"].split(".")[0]
        assert BUILDS[lid].package == handler_module, lid
    assert set(BUILDS) == set(functions_in_template()), "a Makefile target builds no function"


@pytest.mark.parametrize("lid", sorted(BUILDS))
def test_a_function_imports_only_what_its_package_ships(lid: str) -> None:
    build = BUILDS[lid]
    shipped = closure(pinned(build.requirements))
    for module in sorted(third_party_imports(build.package)):
        if module in RUNTIME_PROVIDED:
            continue
        dists = distributions_of(module)
        assert dists, f"{build.package} imports {module}, which no installed distribution provides"
        assert dists & shipped, (
            f"{build.package} imports {module} ({', '.join(dists)}) but "
            f"requirements/{build.requirements}.txt does not ship it"
        )


def _distributions(libraries: tuple[str, ...]) -> set[str]:
    return {d for lib in libraries for d in distributions_of(lib)}


def test_only_the_letters_function_ships_the_document_libraries() -> None:
    documents = _distributions(DOCUMENT_LIBRARIES)
    assert documents >= {"docxtpl", "python-docx", "lxml", "pillow", "jinja2"}
    assert _distributions(libraries_of("console")) >= {
        "jinja2",
        "govuk-frontend-jinja",
        "pyjwt",
        "cryptography",
        "itsdangerous",
    }


@pytest.mark.parametrize("lid", sorted(BUILDS))
def test_a_function_ships_the_libraries_of_its_own_and_no_other_s(lid: str) -> None:
    build = BUILDS[lid]
    shipped = closure(pinned(build.requirements))
    own = _distributions(libraries_of(build.package))
    others = _distributions(tuple(LIBRARY_OWNERS)) - own
    assert own <= shipped, f"{lid} lacks {own - shipped}"
    assert not (others & shipped), f"{lid} would ship {others & shipped}"


def test_the_pins_satisfy_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = {
        "runtime": project["dependencies"],
        "letters": project["dependencies"] + extras["letters"],
        "console": project["dependencies"] + extras["console"],
    }
    for requirements, specs in wanted.items():
        pins = pinned(requirements)
        for spec in map(Requirement, specs):
            name = canonicalize_name(spec.name)
            if name in RUNTIME_PROVIDED:
                assert name not in pins, f"{name} is in the runtime: do not ship it"
                continue
            assert name in pins, f"{name} is in pyproject.toml but not pinned in {requirements}.txt"
            assert spec.specifier.contains(pins[name]), f"{name}=={pins[name]} breaks {spec}"
            for extra in spec.extras:  # e.g. pyjwt[crypto]: what the extra adds is pinned too
                for needed in map(Requirement, metadata.requires(name) or []):
                    if needed.marker and needed.marker.evaluate({"extra": extra}):
                        assert canonicalize_name(needed.name) in pins, (spec, needed)


def test_every_requirements_file_is_what_a_function_installs() -> None:
    used = {build.requirements for build in BUILDS.values()}
    files = {path.stem for path in (FUNCTIONS / "requirements").glob("*.txt")}
    assert files == used | {"runtime"}, "a requirements file no function installs"


def test_a_built_package_with_another_function_s_libraries_is_a_problem() -> None:
    built = [BuiltPackage(lid, 1, 1, libraries_of(BUILDS[lid].package)) for lid in BUILDS]
    assert problems(built, BUILDS) == []

    def changed(lid: str, libraries: tuple[str, ...]) -> list[BuiltPackage]:
        return [
            BuiltPackage(p.logical_id, 1, 1, libraries if p.logical_id == lid else p.libraries)
            for p in built
        ]

    assert problems(changed("IngestFunction", ("docxtpl",)), BUILDS) == [
        "IngestFunction: ships docxtpl"
    ]
    assert problems(changed("ConsoleFunction", ("jinja2", "jwt", "lxml")), BUILDS) == [
        "ConsoleFunction: lacks govuk_frontend_jinja, cryptography, itsdangerous",
        "ConsoleFunction: ships lxml",
    ]
    assert problems(built[1:], BUILDS) == [f"{built[0].logical_id}: not built"]


def test_the_build_makefile_refuses_to_run_outside_sam(tmp_path: Path) -> None:
    import subprocess

    result = subprocess.run(
        ["make", "-s", "-C", str(FUNCTIONS), "build-IngestFunction", "ARTIFACTS_DIR="],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ARTIFACTS_DIR is not set" in result.stderr
