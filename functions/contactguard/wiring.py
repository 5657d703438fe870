"""What every function's composition root shares: the real clock and the one wiring a Lambda
container serves with (`Current`), built on first use, never at import.

Each function has its own composition root (`<function>/wiring.py`: `build(settings, clock)`
and its `current`), the only place that knows which adapters it runs on. Tests and the
embedded stack give a function their clock with `current.use_clock(...)`, or install a wiring
of their own: nothing is patched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from contactguard.ports import Clock

W = TypeVar("W")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Current(Generic[W]):
    """The wiring this Lambda container serves with: one, built on first use."""

    def __init__(self, make: Callable[[Clock], W]) -> None:
        self._make = make
        self._clock: Clock = utc_now
        self._wiring: W | None = None

    def __call__(self) -> W:
        if self._wiring is None:
            self._wiring = self._make(self._clock)
        return self._wiring

    def use_clock(self, clock: Clock | None) -> None:
        """Serve on `clock` (None: the real one) from the next call, wired afresh."""
        self._clock = clock or utc_now
        self._wiring = None

    def install(self, wiring: W | None) -> None:
        """Serve with this wiring (e.g. over in-memory fakes); None: build from settings."""
        self._wiring = wiring

    def cache_clear(self) -> None:
        """Settings changed: wire afresh on the next call (the clock is kept)."""
        self._wiring = None
