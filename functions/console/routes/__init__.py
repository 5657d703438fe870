"""Every page of the console, one module per area (importing registers them)."""

from console.routes import (  # noqa: F401
    accessibility,
    assets,
    cases,
    home,
    lookup,
    signing_in,
)
