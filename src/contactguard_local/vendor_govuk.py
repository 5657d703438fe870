"""Vendor GOV.UK Frontend's precompiled CSS and JS into the console, unbranded.

    python -m contactguard_local.vendor_govuk            # check the vendored copy is what it says
    python -m contactguard_local.vendor_govuk --update   # fetch VERSION with npm and rewrite it

The console uses GOV.UK Frontend's components through govuk-frontend-jinja (whose 4.1.x
releases target GOV.UK Frontend 6.3.0) but is not a GOV.UK service: no crown, no GDS Transport
font. So the vendored stylesheet has its `@font-face` rules removed and the font stack reads
Arial. The package tarball is checked against the integrity hash the npm registry published
(PINNED below) before anything is taken from it.

To move to a new release: change VERSION and INTEGRITY (`npm view govuk-frontend@X
dist.integrity`), check govuk-frontend-jinja supports it, run with `--update`, rename the
folder reference in `console.assets`, and look at every page's screenshot (docs/console/).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "6.3.0"
INTEGRITY = "sha512-" + (  # as npm view govuk-frontend@6.3.0 dist.integrity prints it
    "cXIQxm5PHCsbic47GXZrVBZhAeeshTLRL6ZBKilLsR6rMCjJuWb7Fruq0VUNMBJFlJk/srsRj/q8d5bM9cgKoA=="
)
STATIC = Path(__file__).resolve().parents[2] / "functions" / "console" / "static"
FOLDER = STATIC / f"govuk-frontend-{VERSION}"
FILES = {
    "package/dist/govuk/govuk-frontend.min.css": "govuk-frontend.min.css",
    "package/dist/govuk/govuk-frontend.min.js": "govuk-frontend.min.js",
    "package/package.json": "package.json",
}
_FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
_GDS_FONT = re.compile(r"GDS Transport,\s*")


def unbranded(css: str) -> str:
    """The stylesheet without GDS Transport: no @font-face rules, Arial first in every stack."""
    css = _FONT_FACE.sub("", css)
    css = css.replace("font-family:GDS Transport}", "font-family:arial,sans-serif}")
    return _GDS_FONT.sub("", css)


def _tarball() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            ["npm", "pack", f"govuk-frontend@{VERSION}", "--silent"],
            cwd=folder,
            check=True,
            capture_output=True,
        )
        return (Path(folder) / f"govuk-frontend-{VERSION}.tgz").read_bytes()


def _check_integrity(data: bytes) -> None:
    algorithm, _, expected = INTEGRITY.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        sys.exit(f"error: govuk-frontend {VERSION} does not match its pinned integrity hash")


def update() -> None:
    data = _tarball()
    _check_integrity(data)
    FOLDER.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        for member, name in FILES.items():
            extracted = archive.extractfile(member)
            assert extracted is not None, member
            content = extracted.read()
            if name.endswith(".css"):
                content = unbranded(content.decode("utf-8")).encode("utf-8")
            (FOLDER / name).write_bytes(content)
    print(f"vendored govuk-frontend {VERSION} into {FOLDER}")


def check() -> int:
    css = (FOLDER / "govuk-frontend.min.css").read_text(encoding="utf-8")
    problems = []
    if "@font-face" in css or "GDS Transport" in css:
        problems.append("the stylesheet still names GDS Transport")
    if f'--govuk-frontend-version:"{VERSION}"' not in css:
        problems.append(f"the stylesheet is not version {VERSION}")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="fetch and rewrite the copy")
    args = parser.parse_args(argv)
    if args.update:
        update()
    return check()


if __name__ == "__main__":
    raise SystemExit(main())
