from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.staff_console.rig import Rig


@pytest.fixture
def rig() -> Iterator[Rig]:
    running = Rig()
    yield running
    running.close()
