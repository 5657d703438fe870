"""Regenerate the staff API's OpenAPI document, functions/api/openapi.json, from the code.

python -m contactguard_local.openapi           # write it
python -m contactguard_local.openapi --check   # exit 1 when the checked-in file is stale
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import api.app


def document_path() -> Path:
    return Path(api.app.__file__).with_name("openapi.json")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contactguard_local.openapi", description=__doc__
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the checked-in document is stale"
    )
    args = parser.parse_args(argv)
    path = document_path()
    wanted = api.app.openapi_json()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != wanted:
            print(f"{path} is stale: run python -m contactguard_local.openapi", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    path.write_text(wanted, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
