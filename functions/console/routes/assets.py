"""The console's static files: GOV.UK Frontend's vendored CSS and JS (a versioned folder,
cached for a year) and our brand's stylesheet, script and icon (cached for an hour). No
session is read: assets are the same for everyone."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aws_lambda_powertools.event_handler import Response

from console.resolver import app

STATIC = Path(__file__).resolve().parents[1] / "static"
TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
YEAR = "public, max-age=31536000, immutable"
HOUR = "public, max-age=3600"


@cache
def _file(relative: str) -> tuple[str, str] | None:
    """(content type, text) of a static file, or None: only files under STATIC, by suffix."""
    path = (STATIC / relative).resolve()
    if STATIC not in path.parents or path.suffix not in TYPES or not path.is_file():
        return None
    return TYPES[path.suffix], path.read_text(encoding="utf-8")


def _reply(relative: str, versioned: bool) -> Response[str]:
    found = _file(relative)
    if found is None:
        return Response(
            404, "text/plain; charset=utf-8", "not found", {"X-Content-Type-Options": "nosniff"}
        )
    content_type, text = found
    headers = {"Cache-Control": YEAR if versioned else HOUR, "X-Content-Type-Options": "nosniff"}
    return Response(200, content_type, text, headers)


@app.get("/console/assets/<name>")
def brand_asset(name: str) -> Response[str]:
    return _reply(name, versioned=False)


@app.get("/console/assets/<folder>/<name>")
def vendored_asset(folder: str, name: str) -> Response[str]:
    return _reply(f"{folder}/{name}", versioned=folder.startswith("govuk-frontend-"))
