"""`contactguard import customers FILE.csv`: many customers at once, through the staff API.

Every row is checked by the API's own request model before anything is sent, and rows that
repeat an earlier row's id or address are refused, so one bad row never stops the good ones.
The API still has the last word (an id or address already taken is its 409). Rejected rows go
to a CSV beside the file (row number as a spreadsheet shows it, the header being row 1, and
the reason); progress goes to stderr so stdout stays the summary. A cell a spreadsheet would
run as a formula is written with a leading quote (`spreadsheet_safe`): the report repeats what
the file said, and the file came from somewhere else.

Columns (a header row is required; only `name` must have a value):
    customer_id, name, emails (separated by ;), address_lines (separated by |), postcode,
    designated_officer_id
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from contactguard.usecases.errors import reason_of
from contactguard_local.staff_http import EXIT_REFUSED, CliError, Reply, Target, usage

COLUMNS = ("customer_id", "name", "emails", "address_lines", "postcode", "designated_officer_id")
PROGRESS_EVERY = 25


@dataclass
class Outcome:
    rows: int = 0
    imported: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # row, id, reason


def row_body(row: dict[str, str]) -> dict[str, Any]:
    """The POST /customers body a CSV row stands for; empty cells are left out."""
    cell = {k: (v or "").strip() for k, v in row.items() if k in COLUMNS}
    body: dict[str, Any] = {"name": cell.get("name", "")}
    for name in ("customer_id", "designated_officer_id"):
        if cell.get(name):
            body[name] = cell[name]
    body["emails"] = [e.strip() for e in cell.get("emails", "").split(";") if e.strip()]
    lines = [line.strip() for line in cell.get("address_lines", "").split("|") if line.strip()]
    if lines or cell.get("postcode"):
        body["address"] = {"lines": lines, "postcode": cell.get("postcode", "")}
    return body


def check_row(body: dict[str, Any]) -> str | None:
    """Why the API would refuse this body as bad input, or None: its own model decides."""
    from api.models import NewCustomer

    if not body["name"]:
        return "name: missing"
    try:
        NewCustomer.model_validate(body)
    except ValidationError as invalid:
        problem = invalid.errors()[0]
        loc, reason = problem["loc"], reason_of(problem)
        if loc[:1] == ("emails",) and len(loc) > 1 and isinstance(loc[1], int):
            return f"email {body['emails'][loc[1]]!r}: {reason}"
        return f"{'.'.join(str(part) for part in loc) or 'row'}: {reason}"
    return None


class SeenBefore:
    """Ids and addresses of earlier rows in the same file."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.emails: dict[str, int] = {}

    def clash(self, body: dict[str, Any]) -> str | None:
        customer_id = body.get("customer_id")
        if customer_id and customer_id in self.ids:
            return f"duplicate: customer_id {customer_id} is also on row {self.ids[customer_id]}"
        for email in body["emails"]:
            if email.lower() in self.emails:
                return f"duplicate: email {email} is also on row {self.emails[email.lower()]}"
        return None

    def add(self, row_number: int, body: dict[str, Any]) -> None:
        if body.get("customer_id"):
            self.ids[body["customer_id"]] = row_number
        for email in body["emails"]:
            self.emails[email.lower()] = row_number


def read_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            unknown = set(reader.fieldnames or ()) - set(COLUMNS)
            rows = list(reader)
    except OSError as error:
        raise usage(f"cannot read {path}: {error.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise usage(f"{path} is not a UTF-8 CSV file: {error}") from None
    if reader.fieldnames is None or "name" not in reader.fieldnames:
        raise usage(f"{path} needs a header row with a name column: {', '.join(COLUMNS)}")
    if unknown:
        raise usage(
            f"{path}: unknown column(s) {', '.join(sorted(unknown))}: use {', '.join(COLUMNS)}"
        )
    return rows


def _import_row(target: Target, body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(the customer id, None) when imported, or (None, why the API refused it)."""
    try:
        reply = target.call("POST", ["customers"], body=body)
    except CliError as error:
        if error.code != 1:
            raise
        return None, error.message
    return str(reply.data["customer"]["customer_id"]), None


def run_import(target: Target, rows: list[dict[str, str]]) -> Outcome:
    outcome = Outcome(rows=len(rows))
    seen = SeenBefore()
    for index, row in enumerate(rows, start=1):
        number = index + 1  # the header is row 1
        body = row_body(row)
        reason = check_row(body) or seen.clash(body)
        if reason is None:
            seen.add(number, body)
            imported, reason = _import_row(target, body)
            if imported is not None:
                outcome.imported.append(imported)
        if reason is not None:
            outcome.rejected.append((number, body.get("customer_id", ""), reason))
        if index % PROGRESS_EVERY == 0 or index == len(rows):
            print(f"imported {len(outcome.imported)}/{len(rows)}", file=sys.stderr, flush=True)
    return outcome


# What makes a spreadsheet read a cell as a formula or a command (OWASP, CSV injection): a
# leading =, +, - or @, or a tab or carriage return before one.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: object) -> object:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a leading
    single quote (Excel and LibreOffice then show it as written). Numbers pass unchanged."""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def write_csv(path: Path, header: list[str], rows: list[tuple[object, ...]]) -> None:
    """Every CSV the CLI writes goes through here, each cell made spreadsheet-safe."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([spreadsheet_safe(cell) for cell in header])
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)


def write_report(path: Path, rejected: list[tuple[int, str, str]]) -> None:
    write_csv(path, ["row", "customer_id", "reason"], list(rejected))


def import_customers(target: Target, args: argparse.Namespace) -> Reply:
    source = Path(args.file)
    rows = read_rows(source)
    outcome = run_import(target, rows)
    report = Path(args.report) if args.report else source.with_suffix(".rejected.csv")
    if outcome.rejected:
        write_report(report, outcome.rejected)
    summary = {
        "file": str(source),
        "rows": outcome.rows,
        "imported": len(outcome.imported),
        "rejected": len(outcome.rejected),
        "report": str(report) if outcome.rejected else None,
        "customer_ids": outcome.imported,
    }
    # Some rows refused: the command exits 1 so a script notices.
    return Reply(200, json.dumps(summary), {}, exit_code=EXIT_REFUSED if outcome.rejected else 0)


def summary(data: dict[str, Any]) -> list[str]:
    line = f"imported {data['imported']} of {data['rows']} row(s) from {data['file']}"
    if data["rejected"]:
        line += f"; {data['rejected']} rejected: see {data['report']}"
    return [line]
