"""The console's templates: our pages (console/templates) over govuk-frontend-jinja's
components and page template, autoescaped. (Undefined names render empty, as
govuk-frontend-jinja's macros expect of their optional parameters; the page tests assert what
each page shows.)"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)

GOVUK_FRONTEND = "6.3.0"
ASSETS_FOLDER = f"govuk-frontend-{GOVUK_FRONTEND}"
SERVICE_NAME = "Contact restrictions"


@cache
def environment() -> Environment:
    loader = ChoiceLoader(
        [
            PackageLoader("console", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(service_name=SERVICE_NAME)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
