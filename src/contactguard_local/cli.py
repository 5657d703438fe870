"""The `contactguard` command line (local tooling: never shipped to Lambda).

contactguard workdays add 2026-12-18 15      -> 2027-01-13
contactguard workdays add 2026-12-18 15 --explain
contactguard workdays check 2026-12-28
contactguard demo
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from contactguard.domain.calendar import HolidayRegion, WorkingDayCalendar, end_of_day
from contactguard_local import staff_cli, templates_cli


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-18") from None


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= 2000:
        raise argparse.ArgumentTypeError("the number of working days must be 0 to 2000")
    return value


def _calendar(args: argparse.Namespace) -> WorkingDayCalendar:
    return WorkingDayCalendar.from_settings(args.region, args.closure or ())


def _workdays_add(args: argparse.Namespace) -> int:
    calendar = _calendar(args)
    result = calendar.working_days_after(args.start, args.days)
    if args.json:
        print(
            json.dumps(
                {
                    "start": args.start.isoformat(),
                    "working_days": args.days,
                    "date": result.isoformat(),
                    "closes_at": end_of_day(result).isoformat(),
                    "skipped": _skipped(calendar, args.start, result),
                }
            )
        )
        return 0
    print(result.isoformat())
    if args.explain:
        print(f"open until {end_of_day(result).isoformat()} (Europe/London)")
        for day, why in _skipped(calendar, args.start, result).items():
            print(f"  skipped {day} ({why})")
    return 0


def _skipped(calendar: WorkingDayCalendar, start: date, end: date) -> dict[str, str]:
    skipped: dict[str, str] = {}
    day = start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        why = calendar.why_not_working(day)
        if why and why not in ("Saturday", "Sunday"):
            skipped[day.isoformat()] = why
    return skipped


def _workdays_check(args: argparse.Namespace) -> int:
    why = _calendar(args).why_not_working(args.day)
    print(f"{args.day} is a working day" if why is None else f"{args.day} is not: {why}")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from contactguard_local.simulate import BUNDLED_SCENARIO, simulate

    if not args.serve:
        simulate(BUNDLED_SCENARIO, Path(args.out))
        return 0
    from contactguard_local.serve import serve_stack

    outcome: list[int] = []
    simulate(
        BUNDLED_SCENARIO,
        Path(args.out),
        serve=lambda stack: outcome.append(serve_stack(stack, args.port, args.seconds)),
    )
    return outcome[0] if outcome else 1


def _simulate(args: argparse.Namespace) -> int:
    from contactguard_local.simulate import ScenarioError, passed, simulate, simulate_folder

    if Path(args.scenario).is_dir():
        rows = simulate_folder(Path(args.scenario), Path(args.out))
        failed = any(r.get("error") or r["unmet"] or r.get("unmet_lines") for r in rows)
        return 1 if not rows or failed else 0
    try:
        report = simulate(Path(args.scenario), Path(args.out), quiet=args.quiet)
        if not passed(report):
            return 1
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except FileNotFoundError:
        print(f"error: no scenario file {args.scenario}", file=sys.stderr)
        return 2
    return 0


def _deadlines(args: argparse.Namespace) -> int:
    from contactguard_local.deadlines_cli import run

    return run(args)


def _schema(args: argparse.Namespace) -> int:
    from contactguard_local.simulate import schema

    print(json.dumps(schema(), indent=2))
    return 0


def _local(args: argparse.Namespace) -> int:
    from contactguard_local.local import run_local

    return run_local(args.port, Path(args.maildir), args.customer or [], args.seconds)


def _serve(args: argparse.Namespace) -> int:
    from contactguard_local.serve import run_serve

    return run_serve(args.port, args.seconds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contactguard",
        description="Tools for contactguard: the working-day calendar and the local demo.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    workdays = sub.add_parser("workdays", help="the England and Wales working-day calendar")
    wsub = workdays.add_subparsers(dest="action", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--region",
        choices=[r.value for r in HolidayRegion],
        default=HolidayRegion.ENGLAND_AND_WALES.value,
        help="whose bank holidays count, not an AWS region (default: england-and-wales)",
    )
    common.add_argument(
        "--closure",
        type=_iso_date,
        action="append",
        metavar="DATE",
        help="an organisation closure date (repeat for more)",
    )
    add = wsub.add_parser(
        "add",
        parents=[common],
        help="the N-th working day after a date (the date itself is day 0)",
    )
    add.add_argument("start", type=_iso_date, help="the starting date, e.g. 2026-12-18")
    add.add_argument("days", type=_count, help="how many working days")
    add.add_argument("--explain", action="store_true", help="show the holidays skipped")
    add.add_argument("--json", action="store_true", help="machine-readable output")
    add.set_defaults(func=_workdays_add)
    check = wsub.add_parser("check", parents=[common], help="is a date a working day?")
    check.add_argument("day", type=_iso_date)
    check.set_defaults(func=_workdays_check)

    demo = sub.add_parser("demo", help="run the bundled scenario on the embedded AWS stack")
    demo.add_argument("--out", default="out/demo", help="where to write the report")
    demo.add_argument(
        "--serve",
        action="store_true",
        help="then serve the staff console and API on the story's data (until Ctrl-C)",
    )
    demo.add_argument("--port", type=int, default=8080, help="with --serve: the port (0: any)")
    demo.add_argument("--seconds", type=float, help="with --serve: stop after this long")
    demo.set_defaults(func=_demo)

    sim = sub.add_parser("simulate", help="run a dated scenario through the real handlers")
    sim.add_argument(
        "scenario",
        help="the scenario file (YAML; see docs/scenario.schema.json), or a folder: every"
        " *.yaml in it, with a pass/fail table (exit 1 when an expectation is unmet)",
    )
    sim.add_argument("--out", default="out/simulation", help="where to write the report")
    sim.add_argument("--quiet", action="store_true", help="no summary on the terminal")
    sim.set_defaults(func=_simulate)

    dl = sub.add_parser(
        "deadlines",
        parents=[common],
        help="upcoming deadlines for a case or all open cases",
    )
    dl.add_argument("--case", help="one case id (default: every open case)")
    dl.add_argument("--from", dest="start", type=_iso_date, help="from this date")
    dl.add_argument("--to", dest="end", type=_iso_date, help="up to this date")
    dl.add_argument("--table", help="a deployed stack's cases table (stack output TableName)")
    dl.add_argument("--scenario", help="run this scenario locally first, then list")
    dl.add_argument("--json", action="store_true", help="machine-readable output")
    dl.set_defaults(func=_deadlines)

    schema_cmd = sub.add_parser("scenario-schema", help="print the scenario JSON Schema")
    schema_cmd.set_defaults(func=_schema)

    local = sub.add_parser(
        "local", help="the embedded stack with a local SMTP gateway standing in for SES"
    )
    local.add_argument("--port", type=int, default=2525, help="SMTP port (default 2525)")
    local.add_argument("--maildir", default="out/local/maildir", help="the staff mailbox")
    local.add_argument(
        "--customer",
        action="append",
        metavar="ADDRESS[:letters-only]",
        help="register a customer (repeat); ':letters-only' restricts them at once",
    )
    local.add_argument("--seconds", type=float, help="stop after this long (default: Ctrl-C)")
    local.set_defaults(func=_local)

    serve = sub.add_parser(
        "serve", help="the staff HTTP API on 127.0.0.1, on the embedded stack (in memory)"
    )
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0: any)")
    serve.add_argument("--seconds", type=float, help="stop after this long (default: Ctrl-C)")
    serve.set_defaults(func=_serve)
    index = sub.add_parser(
        "index-customers",
        help="once after deploying the find-customer index: index every customer held before it",
    )
    index.add_argument("--table", required=True, help="the deployed stack's cases table")
    index.set_defaults(func=_index_customers)
    staff_cli.register(sub)
    templates_cli.register(sub)
    return parser


def _index_customers(args: argparse.Namespace) -> int:
    """Write the search entries (postcode, each word of the name) of every customer held before
    the find-customer index, with the caller's AWS credentials (Scan, Query, TransactWriteItems
    on the table). Safe to run again; says how many, never who."""
    from contactguard.adapters.dynamodb import DynamoStore

    written = DynamoStore(args.table).index_customers()
    print(f"indexed {written} customer(s) in {args.table} for search by name and postcode")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
