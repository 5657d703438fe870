"""`@pytest.mark.soak`: long adversarial runs, left out unless `--soak` is given (`make soak`).

Without `--soak` the soak tests are deselected, so `make test` never runs them; `make soak`
runs `pytest --soak -m soak`, only them.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("soak").addoption(
        "--soak",
        action="store_true",
        help="run the tests marked soak (long fuzzing, fault injection and replay runs)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--soak"):
        return
    soak = [item for item in items if item.get_closest_marker("soak") is not None]
    if soak:
        config.hook.pytest_deselected(items=soak)
        items[:] = [item for item in items if item.get_closest_marker("soak") is None]
