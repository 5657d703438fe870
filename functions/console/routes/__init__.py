"""Every page of the console, one module per area (importing registers them)."""

from console.routes import (  # noqa: F401
    accessibility,
    assets,
    cases,
    customers,
    erasure,
    home,
    lookup,
    read_queue,
    signals,
    signing_in,
)
