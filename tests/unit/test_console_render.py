"""The console's templates compiled at build time (console/compiled, functions/Makefile) render
exactly what the source templates render, and the console uses them when its package has them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, ModuleLoader

from console import render as render_module
from console.render import compile_templates, make_environment, source_loader

PAGE = {
    "actor": True,
    "signed_in": True,
    "actor_name": "Sam <Manager>",  # escaped alike
    "role_title": "Service Manager",
    "other_roles": True,
    "csrf_token": "token-1",
    "navigation": [{"href": "/console/", "text": "Home", "active": True}],
    "flash": "Saved",
}
CONTEXT: dict[str, Any] = {
    "title": "A page",
    "page": PAGE,
    "organisation": "Example Homes",
    "console": "/prod/console",
    "cspNonce": "nonce-1",
    "assets_folder": render_module.ASSETS_FOLDER,
    "errors": [{"text": "Select a role", "href": "#role"}],
    "error": "Select a role",
    "message": "There is no such record.",
    "rule": "case-readers",
    "roles": [{"value": "service-manager", "text": "Service Manager"}],
    "current": "service-manager",
    "next_path": "/console/",
    "read_queue_waiting": 3,
}


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("compiled")
    assert compile_templates(target) == len(make_environment(source_loader()).list_templates())
    return target


@pytest.fixture(scope="module")
def both(compiled: Path) -> tuple[Environment, Environment]:
    return make_environment(source_loader()), make_environment(ModuleLoader(str(compiled)))


def outcome(env: Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(**context)
    except Exception as error:  # noqa: BLE001 - a template may need context this test lacks
        return f"raised {type(error).__name__}"


def console_templates() -> list[str]:
    return sorted(
        name
        for name in make_environment(source_loader()).list_templates()
        if not name.startswith("govuk_frontend_jinja/")
    )


def test_a_page_renders_the_same_html_compiled_and_from_source(
    both: tuple[Environment, Environment],
) -> None:
    source, compiled = both
    html = source.get_template("role.html").render(**CONTEXT)
    assert "govuk-radios" in html
    assert "Sam &lt;Manager&gt;" in html
    assert compiled.get_template("role.html").render(**CONTEXT) == html


@pytest.mark.parametrize("name", console_templates())
def test_every_console_template_renders_alike(
    both: tuple[Environment, Environment], name: str
) -> None:
    source, compiled = both
    for context in (CONTEXT, {**CONTEXT, "page": {**PAGE, "actor": False}, "errors": None}):
        assert outcome(compiled, name, context) == outcome(source, name, context)


@pytest.fixture
def fresh_environment() -> Iterator[None]:
    render_module.environment.cache_clear()
    yield
    render_module.environment.cache_clear()


@pytest.mark.usefixtures("fresh_environment")
def test_the_console_reads_compiled_templates_when_its_package_has_them(
    compiled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not render_module.COMPILED.exists()  # a checkout reads the source templates
    assert not isinstance(render_module.environment().loader, ModuleLoader)
    render_module.environment.cache_clear()
    monkeypatch.setattr(render_module, "COMPILED", compiled)
    assert isinstance(render_module.environment().loader, ModuleLoader)
    assert "Sign in again" in render_module.render("signed_out.html", **CONTEXT)
