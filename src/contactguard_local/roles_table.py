"""The role-by-route table, generated from the code: which staff roles may call each API route
and CLI command (contactguard.domain.access.GRANTS, api.app.ROUTE_OPERATIONS,
contactguard_local.staff_cli.COMMAND_ROUTES). It is written into README.md and docs/api.md
between `<!-- roles:start -->` and `<!-- roles:end -->`.

python -m contactguard_local.roles_table           # rewrite both
python -m contactguard_local.roles_table --check   # exit 1 when either is stale (a test runs this)
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from api.app import ROUTE_OPERATIONS
from contactguard.domain.access import GRANTS, STAFF_ROLES, Operation
from contactguard.domain.model import Role
from contactguard_local.staff_cli import COMMAND_ROUTES

START, END = "<!-- roles:start -->", "<!-- roles:end -->"
ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "api.md")
# Column order: the policy's people first, data protection last.
ROLE_ORDER = (
    Role.CALL_HANDLER,
    Role.CUSTOMER_EXPERIENCE,
    Role.SERVICE_MANAGER,
    Role.SAFEGUARDING_LEAD,
    Role.HEAD_OF_SERVICE,
    Role.EXECUTIVE,
    Role.DATA_PROTECTION_OFFICER,
)
_FIELD_NOTE = (
    "Filed email's words (summary, flags, the designated officer's read and note) in "
    "`GET /customers/{id}/contacts` are shown only to "
)


def _path(path: str) -> str:
    return re.sub(r"<([^>]+)>", r"{\1}", path)


def table() -> str:
    if set(ROLE_ORDER) != STAFF_ROLES:
        raise RuntimeError("ROLE_ORDER must list every staff role once")
    commands: dict[tuple[str, str], list[str]] = {}
    for command, routes in COMMAND_ROUTES.items():
        for route in routes:
            commands.setdefault(route, []).append(f"`{command}`")
    head = ["route", "CLI command", *(f"`{r.value}`" for r in ROLE_ORDER), "else 403, rule"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for (method, path), operation in ROUTE_OPERATIONS.items():
        grant = GRANTS[operation]
        cells = [
            f"`{method} {_path(path)}`",
            ", ".join(commands.get((method, path), [])) or "-",
            *("yes" if role in grant.roles else "-" for role in ROLE_ORDER),
            f"`{grant.rule}`",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    readers = GRANTS[Operation.READ_FILED_EMAIL].roles
    lines += [
        "",
        _FIELD_NOTE
        + ", ".join(f"`{r.value}`" for r in ROLE_ORDER if r in readers)
        + "; other roles see that it exists, its date and disposition (`withheld` lists it).",
        "Registering a customer *with* email addresses needs the roles of linking one (`"
        + GRANTS[Operation.LINK_EMAIL].rule
        + "`): an address decides whose record each email lands on. The review pack (a letter "
        "listing filed email by subject) is only for "
        + ", ".join(
            f"`{r.value}`" for r in ROLE_ORDER if r in GRANTS[Operation.READ_REVIEW_PACK].roles
        )
        + f" (`{GRANTS[Operation.READ_REVIEW_PACK].rule}`).",
    ]
    return "\n".join(lines) + "\n"


def rewritten(text: str, body: str) -> str:
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"no {START} ... {END} section")
    return text[: start + len(START)] + "\n" + body + text[end:]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contactguard_local.roles_table", description=__doc__
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a document is stale")
    args = parser.parse_args(argv)
    body = table()
    stale = []
    for path in DOCUMENTS:
        text = path.read_text(encoding="utf-8")
        wanted = rewritten(text, body)
        if wanted == text:
            continue
        if args.check:
            stale.append(path)
        else:
            path.write_text(wanted, encoding="utf-8")
            print(f"wrote the role-by-route table into {path}")
    for path in stale:
        print(f"{path}: the role-by-route table is stale: run {parser.prog}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
