"""The console's templates: our pages (console/templates) over govuk-frontend-jinja's
components and page template, autoescaped. (Undefined names render empty, as
govuk-frontend-jinja's macros expect of their optional parameters; the page tests assert what
each page shows.)

A built package also holds them compiled (console/compiled: `python -m console.render compile
DIR`, run by functions/Makefile with the jinja2 the package ships), so a cold start imports
Python modules instead of lexing, parsing and compiling every template it renders. Without
that folder (a checkout, tests, `contactguard serve`) the source templates are read.
"""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    ModuleLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)

GOVUK_FRONTEND = "6.3.0"
ASSETS_FOLDER = f"govuk-frontend-{GOVUK_FRONTEND}"
SERVICE_NAME = "Contact restrictions"
COMPILED = Path(__file__).resolve().with_name("compiled")


def source_loader() -> BaseLoader:
    """Our templates, and govuk-frontend-jinja's under its package name."""
    return ChoiceLoader(
        [
            PackageLoader("console", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )


def make_environment(loader: BaseLoader) -> Environment:
    """The console's environment over `loader`: the same options compiled or not (they
    decide the code a template compiles to)."""
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(service_name=SERVICE_NAME)
    return env


@cache
def environment() -> Environment:
    """Over the compiled templates when this package has them, else the source templates."""
    if COMPILED.is_dir():
        return make_environment(ModuleLoader(str(COMPILED)))
    return make_environment(source_loader())


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def compile_templates(target: Path) -> int:
    """Compile every template the source loader finds into `target` (a folder of modules for
    ModuleLoader); a template that does not compile fails. Returns how many."""
    env = make_environment(source_loader())
    env.compile_templates(str(target), zip=None, ignore_errors=False)
    return len(env.list_templates())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="compile the console's templates")
    commands = parser.add_subparsers(dest="command", required=True)
    compile_command = commands.add_parser("compile", help="into a folder of Python modules")
    compile_command.add_argument("target", type=Path)
    args = parser.parse_args(argv)
    count = compile_templates(args.target)
    print(f"compiled {count} templates into {args.target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
