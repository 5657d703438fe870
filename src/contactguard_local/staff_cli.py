"""Staff commands of the `contactguard` CLI: the staff API's operations, from a terminal.

contactguard customer create --name "Ada Tenant" --id cust-1 --email ada@example.org --local --as service-manager:sam
contactguard case open concern case-1 cust-1 behaviours:='["scattergun-approach"]' note="..." --local --as ...
contactguard case command case-1 mark-letter-sent letter_id=... sent_on=2026-11-03 --version 2 ...

Which API: `--local` (a running `contactguard serve`), `--url URL` / CONTACTGUARD_API_URL, or
`--stack NAME` (the deployed stack's ApiUrl output). Who: `--as ROLE[,ROLE]:STAFF-ID` for a
local server, `--token` / CONTACTGUARD_TOKEN (a Cognito ID token) for a deployed one. Exit codes:
0 done, 1 the API refused (the reason on stderr, rule named), 2 a usage mistake, 3 unreachable.
"""  # noqa: E501

from __future__ import annotations

import argparse
import json
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contactguard.domain.case import DOCX_TYPE, PDF_TYPE
from contactguard_local import staff_format
from contactguard_local.staff_http import CliError, Reply, Target, post_form, target_from, usage

Formatter = Callable[[Any], list[str]]
Command = Callable[[Target, argparse.Namespace], Reply]
STAFF_CHANNELS = ("phone", "letter", "visit", "social-media")
OPEN_ALIASES = {"concern": "raise-concern", "immediate": "impose-restrictions"}


# Running a command ----------------------------------------------------------------------------


def _runner(command: Command, formatter: Formatter) -> Callable[[argparse.Namespace], int]:
    """A subcommand: pick the target, call the API, print the reply or one line of refusal."""

    def run(args: argparse.Namespace) -> int:
        try:
            target = target_from(
                local=args.local,
                url=args.url,
                stack=args.stack,
                identity=args.as_,
                token=args.token,
                acting_role=args.role,
            )
            reply = command(target, args)
        except CliError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return error.code
        except OSError as error:  # a file the command writes (an export, an import report)
            print(f"error: cannot write {error.filename or ''}: {error.strerror}", file=sys.stderr)
            return 2
        if args.json:
            print(reply.text)
        else:
            print("\n".join(formatter(reply.data)))
        return reply.exit_code

    return run


def parse_fields(pairs: list[str]) -> dict[str, Any]:
    """`name=text` for a string, `name:=json` for anything else (lists, numbers, true)."""
    fields: dict[str, Any] = {}
    for pair in pairs:
        name, json_sep, raw = pair.partition(":=")
        if json_sep and "=" not in name:
            try:
                fields[name] = json.loads(raw)
            except ValueError:
                raise usage(f"{pair!r}: the value after := must be JSON") from None
            continue
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise usage(f"{pair!r}: give fields as name=text or name:=json")
        fields[name] = text
    return fields


def _body(args: argparse.Namespace) -> dict[str, Any]:
    """A command body: the JSON of --body (a file, or - for stdin) with the fields on top."""
    body: dict[str, Any] = {}
    if args.body:
        try:
            text = sys.stdin.read() if args.body == "-" else Path(args.body).read_text("utf-8")
            loaded = json.loads(text)
        except OSError as error:
            raise usage(f"cannot read {args.body}: {error.strerror}") from None
        except ValueError as error:
            raise usage(f"{args.body} is not JSON: {error}") from None
        if not isinstance(loaded, dict):
            raise usage(f"{args.body} must hold a JSON object")
        body.update(loaded)
    body.update(parse_fields(args.fields))
    return body


# Customers and contacts ----------------------------------------------------------------------


def _customer_create(target: Target, args: argparse.Namespace) -> Reply:
    body: dict[str, Any] = {"name": args.name, "emails": args.email or []}
    if args.id:
        body["customer_id"] = args.id
    if args.address_line or args.postcode:
        body["address"] = {"lines": args.address_line or [], "postcode": args.postcode or ""}
    if args.officer:
        body["designated_officer_id"] = args.officer
    if args.large_print:
        body["letter_format"] = "large-print"
    return target.call("POST", ["customers"], body=body)


def _customer_show(target: Target, args: argparse.Namespace) -> Reply:
    return target.call("GET", ["customers", args.customer])


def _customer_link(target: Target, args: argparse.Namespace) -> Reply:
    return target.call(
        "POST", ["customers", args.customer, "emails"], body={"address": args.address}
    )


def _customer_letter_format(target: Target, args: argparse.Namespace) -> Reply:
    return target.call(
        "PUT",
        ["customers", args.customer, "letter-format"],
        body={"letter_format": args.letter_format},
    )


def _customer_correct(target: Target, args: argparse.Namespace) -> Reply:
    body: dict[str, Any] = {}
    if args.name:
        body["name"] = args.name
    if args.address_line or args.postcode:
        body["address"] = {"lines": args.address_line or [], "postcode": args.postcode or ""}
    if args.email:
        body["wrong_email"], body["right_email"] = args.email
    if not body:
        raise usage(
            "say what to correct: --name, --address-line/--postcode, or --email WRONG RIGHT"
        )
    return target.call("PATCH", ["customers", args.customer], body=body)


def _confirmed(what: str, given: str | None) -> None:
    """Erasure cannot be undone: the command is run only with --confirm repeating `what`."""
    if given != what:
        raise usage(f"erasure cannot be undone: repeat it to confirm, with --confirm {what}")


def _customer_erase(target: Target, args: argparse.Namespace) -> Reply:
    _confirmed(args.customer, args.confirm)
    return target.call("POST", ["customers", args.customer, "erasure"])


def _erase_sender(target: Target, args: argparse.Namespace) -> Reply:
    _confirmed(args.address, args.confirm)
    return target.call("POST", ["erasure", "senders"], body={"address": args.address})


def _contact_log(target: Target, args: argparse.Namespace) -> Reply:
    body: dict[str, Any] = {
        "channel": args.channel,
        "summary": args.summary,
        "direction": "outbound" if args.outbound else "inbound",
        "disposition": "refused" if args.refused else "accepted",
        "reason": args.reason,
    }
    if args.at:
        body["at"] = args.at
    if args.key:
        body["idempotency_key"] = args.key
    return target.call("POST", ["customers", args.customer, "contacts"], body=body)


def _contact_list(target: Target, args: argparse.Namespace) -> Reply:
    query = {"from": args.start, "to": args.end}
    return target.call("GET", ["customers", args.customer, "contacts"], query=query)


# Cases ---------------------------------------------------------------------------------------


def _case_open(target: Target, args: argparse.Namespace) -> Reply:
    kind = OPEN_ALIASES.get(args.kind, args.kind)
    # The positional words win: a field cannot turn one decision into another.
    body = {**_body(args), "kind": kind, "case_id": args.case, "customer_id": args.customer}
    if kind == "impose-restrictions":
        body.setdefault("immediate", True)
    return target.call("POST", ["cases"], body=body)


def _case_show(target: Target, args: argparse.Namespace) -> Reply:
    return target.call("GET", ["cases", args.case])


def _case_command(target: Target, args: argparse.Namespace) -> Reply:
    body = {**_body(args), "kind": args.kind, "expected_version": args.version}
    if args.final is not None:
        if args.kind != "mark-letter-sent" or not isinstance(body.get("letter_id"), str):
            raise usage("--final goes with mark-letter-sent letter_id=ID")
        body["final_key"] = upload_final(target, args.case, body["letter_id"], Path(args.final))
    return target.call("POST", ["cases", args.case, "commands"], body=body)


FINAL_TYPES = {".docx": DOCX_TYPE, ".pdf": PDF_TYPE}


def upload_final(target: Target, case_id: str, letter_id: str, path: Path) -> str:
    """Upload the version of a letter its sender posted by the presigned POST the API gives
    (straight to the letters bucket); the key to mark it sent with."""
    content_type = FINAL_TYPES.get(path.suffix.lower())
    if content_type is None:
        raise usage(f"{path.name}: the final version must be a .docx or .pdf file")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise usage(f"cannot read {path}: {error.strerror}") from None
    reply = target.call("POST", ["cases", case_id, "letters", letter_id, "upload-form"])
    form = reply.data
    fields = {**form["fields"], "Content-Type": content_type}
    post_form(form["url"], fields, path.name, data)
    return str(fields["key"]).replace("${filename}", path.name)


def _case_timeline(target: Target, args: argparse.Namespace) -> Reply:
    return target.call("GET", ["cases", args.case, "timeline"])


# Call handlers, the read queue, subject access ----------------------------------------------


def _lookup(target: Target, args: argparse.Namespace) -> Reply:
    given = [args.email, args.customer, args.name, args.postcode]
    if sum(value is not None for value in given) != 1:
        raise usage("give one of --email ADDRESS, --customer ID, --name NAME or --postcode CODE")
    if args.name is not None or args.postcode is not None:  # a name is posted, never in a URL
        body = {"name": args.name} if args.name is not None else {"postcode": args.postcode}
        return target.call("POST", ["lookup", "search"], body=body)
    return target.call("GET", ["lookup"], query={"email": args.email, "customer_id": args.customer})


def _audit(target: Target, args: argparse.Namespace) -> Reply:
    if (args.customer is None) == (args.actor is None):
        raise usage("give exactly one of --customer or --actor")
    query = {"customer_id": args.customer, "actor_id": args.actor}
    query |= {"from": args.start, "to": args.end}
    return target.call("GET", ["audit"], query=query)


def _read_queue(target: Target, args: argparse.Namespace) -> Reply:
    return target.call("GET", ["read-queue"])


def _mark_read(target: Target, args: argparse.Namespace) -> Reply:
    body = {"outcome": args.outcome, "note": args.note or ""}
    return target.call("POST", ["read-queue", args.contact, "read"], body=body)


ZIP = "application/zip"
POLL_SECONDS = 2.0  # between looks at a job being built (a deployed stack's; locally it is done)


def _export_start(target: Target, args: argparse.Namespace) -> Reply:
    """Start the export job and wait for its draft (progress on stderr)."""
    started = target.call("POST", ["customers", args.customer, "exports"])
    job_id = json.loads(started.text)["job_id"]
    deadline = time.monotonic() + args.wait
    while True:
        reply = target.call("GET", ["exports", job_id])
        job = json.loads(reply.text)
        if job["status"] != "building" or time.monotonic() >= deadline:
            return reply
        print(f"export {job_id}: {job['done']}/{job['total']} item(s)", file=sys.stderr, flush=True)
        time.sleep(POLL_SECONDS)


def _export_status(target: Target, args: argparse.Namespace) -> Reply:
    return target.call("GET", ["exports", args.job])


def _withheld(value: str) -> dict[str, str]:
    """--withhold PATH=REASON: a file of the draft to leave out, and why."""
    path, equals, reason = value.partition("=")
    if not equals or not path.strip() or not reason.strip():
        raise argparse.ArgumentTypeError("give PATH=REASON, e.g. contacts/emails/x.eml=Why")
    return {"path": path.strip(), "reason": reason.strip()}


def _export_release(target: Target, args: argparse.Namespace) -> Reply:
    body = {"note": args.note or "", "withheld": args.withhold or []}
    return target.call("POST", ["exports", args.job, "release"], body=body)


def _export_download(target: Target, args: argparse.Namespace) -> Reply:
    """The released zip, as the API serves it (the same bytes its presigned link gives); with
    --review, the draft, for the officer's redaction review."""
    reply = target.call("GET", ["exports", args.job])
    job = json.loads(reply.text)
    query: dict[str, str | None] | None = {"review": "true"} if args.review else None
    data = target.fetch(["exports", args.job, "zip"], ZIP, query=query)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    which = "draft" if args.review and job["status"] == "draft" else "released"
    path = out / f"{job['customer_id']}-subject-access{'-draft' if which == 'draft' else ''}.zip"
    path.write_bytes(data)
    if args.json:
        return reply
    with zipfile.ZipFile(path) as archive:
        files = len(archive.namelist())
    lines = [f"wrote {path}: the {which} subject access export ({files} file(s))"]
    return Reply(reply.status, json.dumps({"lines": lines}), reply.headers)


def _export_json(target: Target, args: argparse.Namespace) -> Reply:
    reply = target.call("GET", ["customers", args.customer, "export"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{args.customer}-export.json"
    path.write_text(reply.text, encoding="utf-8")
    if args.json:
        return reply
    lines = [f"wrote {path}: the API's export, as given"]
    return Reply(reply.status, json.dumps({"lines": lines}), reply.headers)


def _lines(reply: dict[str, Any]) -> list[str]:
    return list(reply["lines"])


# The parser ----------------------------------------------------------------------------------


def _target_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    where = options.add_argument_group("which API and who you are")
    where.add_argument("--local", action="store_true", help="`contactguard serve` on :8080")
    where.add_argument("--url", help="the API's base URL (default: CONTACTGUARD_API_URL)")
    where.add_argument("--stack", help="a deployed stack's name: its ApiUrl output")
    where.add_argument(
        "--as",
        dest="as_",
        metavar="ROLE[,ROLE]:STAFF-ID",
        help="local servers only: who you are (default: CONTACTGUARD_AS)",
    )
    where.add_argument("--token", help="a Cognito ID token (default: CONTACTGUARD_TOKEN)")
    where.add_argument("--role", help="the role you act in, when you hold several")
    where.add_argument("--json", action="store_true", help="print the API's JSON unchanged")
    return options


def _leaf(
    parent: Any, name: str, help_: str, command: Command, formatter: Formatter
) -> argparse.ArgumentParser:
    leaf: argparse.ArgumentParser = parent.add_parser(name, help=help_, parents=[_target_options()])
    leaf.set_defaults(func=_runner(command, formatter))
    return leaf


def _fields_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "fields",
        nargs="*",
        metavar="FIELD=TEXT|FIELD:=JSON",
        help="body fields, e.g. note='...' behaviours:='[\"scattergun-approach\"]' "
        "(put options after the fields)",
    )
    parser.add_argument("--body", metavar="FILE", help="a JSON object to start from (- stdin)")


def _register_customers(sub: Any) -> None:
    group = sub.add_parser("customer", help="register, show, link an email address, correct, erase")
    actions = group.add_subparsers(dest="action", required=True)
    create = _leaf(
        actions, "create", "register a customer", _customer_create, staff_format.customer
    )
    create.add_argument("--name", required=True)
    create.add_argument("--id", help="your reference (made up when left out)")
    create.add_argument("--email", action="append", help="an email address (repeat for more)")
    create.add_argument("--address-line", action="append", help="a postal address line (repeat)")
    create.add_argument("--postcode")
    create.add_argument("--officer", help="the designated officer's staff id")
    create.add_argument(
        "--large-print", action="store_true", help="letters in large print (an adjustment)"
    )
    show = _leaf(
        actions, "show", "a customer and their cases", _customer_show, staff_format.customer
    )
    show.add_argument("customer")
    link = _leaf(
        actions, "link-email", "link an email address", _customer_link, staff_format.email_linked
    )
    link.add_argument("customer")
    link.add_argument("address")
    fmt = _leaf(
        actions,
        "letter-format",
        "print letters to the customer in large print (an adjustment), or standard",
        _customer_letter_format,
        staff_format.letter_format_set,
    )
    fmt.add_argument("customer")
    fmt.add_argument("letter_format", choices=("large-print", "standard"))
    correct = _leaf(
        actions,
        "correct",
        "correct a name, address or email address (the old value kept in the audit only)",
        _customer_correct,
        staff_format.customer_corrected,
    )
    correct.add_argument("customer")
    correct.add_argument("--name", help="the name as it should be")
    correct.add_argument("--address-line", action="append", help="the whole address (repeat)")
    correct.add_argument("--postcode")
    correct.add_argument(
        "--email", nargs=2, metavar=("WRONG", "RIGHT"), help="replace an address they hold"
    )
    erase = _leaf(
        actions,
        "erase",
        "erase a customer with no case still held, everywhere (cannot be undone)",
        _customer_erase,
        staff_format.erasure_receipt,
    )
    erase.add_argument("customer")
    erase.add_argument("--confirm", metavar="CUSTOMER", help="the customer's id again")

    contact = sub.add_parser("contact", help="log or list phone, letter, visit, social contacts")
    actions = contact.add_subparsers(dest="action", required=True)
    log = _leaf(actions, "log", "log a contact", _contact_log, staff_format.contact_recorded)
    log.add_argument("customer")
    log.add_argument("--channel", required=True, choices=STAFF_CHANNELS)
    log.add_argument("--summary", default="")
    log.add_argument("--at", help="when, ISO 8601 with a timezone (default: now)")
    log.add_argument("--outbound", action="store_true", help="we contacted them")
    log.add_argument("--refused", action="store_true", help="declined under a restriction")
    log.add_argument("--reason", default="")
    log.add_argument("--key", help="an idempotency key: the same key logs one contact")
    listing = _leaf(
        actions, "list", "contacts between two dates", _contact_list, staff_format.contacts
    )
    listing.add_argument("customer")
    listing.add_argument("--from", dest="start", metavar="DATE", help="default: a year ago")
    listing.add_argument("--to", dest="end", metavar="DATE", help="default: today")


def _register_cases(sub: Any) -> None:
    group = sub.add_parser("case", help="open, show, command, timeline")
    actions = group.add_subparsers(dest="action", required=True)
    opening = _leaf(
        actions,
        "open",
        "open a case: a Step 1 concern, or immediate restrictions",
        _case_open,
        staff_format.command_result,
    )
    opening.add_argument("kind", choices=[*OPEN_ALIASES, *OPEN_ALIASES.values()])
    opening.add_argument("case")
    opening.add_argument("customer")
    _fields_arguments(opening)
    show = _leaf(actions, "show", "a case's state and version", _case_show, staff_format.case)
    show.add_argument("case")
    command = _leaf(
        actions,
        "command",
        "any lifecycle command (mark-letter-sent, log-appeal, vary-restrictions, close-case...)",
        _case_command,
        staff_format.command_result,
    )
    command.add_argument("case")
    command.add_argument("kind", help="the command, e.g. mark-letter-sent")
    command.add_argument(
        "--version", type=int, required=True, help="the case version you decided on (case show)"
    )
    command.add_argument(
        "--final",
        metavar="FILE",
        help="mark-letter-sent: the version you posted, if you changed the draft (.docx, .pdf)",
    )
    _fields_arguments(command)
    timeline = _leaf(
        actions, "timeline", "events, letters, deadlines", _case_timeline, staff_format.timeline
    )
    timeline.add_argument("case")


def _register_others(sub: Any) -> None:
    lookup = _leaf(sub, "lookup", "what applies to a caller now", _lookup, staff_format.lookup)
    lookup.add_argument("--email")
    lookup.add_argument("--customer")
    lookup.add_argument("--name", help="or list customers with every word of it in their name")
    lookup.add_argument("--postcode", help="or list the customers at a full UK postcode")
    _leaf(sub, "read-queue", "filed emails awaiting a read", _read_queue, staff_format.read_queue)
    read = _leaf(
        sub, "mark-read", "record the read of a filed email", _mark_read, staff_format.email_read
    )
    read.add_argument("contact", help="the filed email's contact id (from read-queue)")
    read.add_argument(
        "--outcome",
        required=True,
        choices=["nothing-new", "new-information", "safeguarding"],
        help="what the read found",
    )
    read.add_argument("--note", help="what was found (kept on the contact, never logged)")
    trail = _leaf(sub, "audit", "who read or changed a customer's data", _audit, staff_format.audit)
    trail.add_argument("--customer", help="whose data")
    trail.add_argument("--actor", help="or what one member of staff (their sub) touched")
    trail.add_argument("--from", dest="start", metavar="DATE", help="default: 90 days ago")
    trail.add_argument("--to", dest="end", metavar="DATE", help="default: today")
    sender = _leaf(
        sub,
        "erase-sender",
        "erase an unmatched sender's mail (cannot be undone)",
        _erase_sender,
        staff_format.erasure_receipt,
    )
    sender.add_argument("address")
    sender.add_argument("--confirm", metavar="ADDRESS", help="the address again")
    _register_export(sub)
    imports = sub.add_parser("import", help="bulk imports")
    kinds = imports.add_subparsers(dest="what", required=True)
    from contactguard_local.staff_import import import_customers, summary

    customers = _leaf(
        kinds, "customers", "customers and addresses from CSV", import_customers, summary
    )
    customers.add_argument(
        "file", help="CSV: name,customer_id,emails,address_lines,postcode,designated_officer_id"
    )
    customers.add_argument("--report", help="rejected rows CSV (default: FILE.rejected.csv)")


def _register_export(sub: Any) -> None:
    group = sub.add_parser(
        "export", help="subject access: start, status, release and download a zip; the JSON"
    )
    actions = group.add_subparsers(dest="action", required=True)
    start = _leaf(
        actions,
        "start",
        "start a subject access export and wait for its draft",
        _export_start,
        staff_format.export_job,
    )
    start.add_argument("customer")
    start.add_argument(
        "--wait", type=float, default=900.0, help="seconds to wait for the draft (default 900)"
    )
    status = _leaf(
        actions, "status", "an export's progress and marks", _export_status, staff_format.export_job
    )
    status.add_argument("job")
    release = _leaf(
        actions,
        "release",
        "release a reviewed draft, so that it may be downloaded",
        _export_release,
        staff_format.export_job,
    )
    release.add_argument("job")
    release.add_argument("--note", help="what the redaction review decided (no personal data)")
    release.add_argument(
        "--withhold",
        action="append",
        type=_withheld,
        metavar="PATH=REASON",
        help="leave a file of the draft out of the released zip, saying why (the customer reads "
        "the reason in WITHHELD.txt); repeat for each file",
    )
    download = _leaf(actions, "download", "a released export's zip", _export_download, _lines)
    download.add_argument("job")
    download.add_argument(
        "--review", action="store_true", help="the draft, for the redaction review (audited)"
    )
    download.add_argument("--out", default="out/exports", help="directory (default out/exports)")
    as_json = _leaf(
        actions, "json", "everything held, as the API's JSON document", _export_json, _lines
    )
    as_json.add_argument("customer")
    as_json.add_argument("--out", default="out/exports", help="directory (default out/exports)")


# The API routes each command calls: its roles are theirs (contactguard.domain.access), and the
# role-by-route table (python -m contactguard_local.roles_table) prints them side by side.
COMMAND_ROUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "customer create": (("POST", "/customers"),),
    "customer show": (("GET", "/customers/<customer_id>"),),
    "customer link-email": (("POST", "/customers/<customer_id>/emails"),),
    "customer letter-format": (("PUT", "/customers/<customer_id>/letter-format"),),
    "customer correct": (("PATCH", "/customers/<customer_id>"),),
    "customer erase": (("POST", "/customers/<customer_id>/erasure"),),
    "erase-sender": (("POST", "/erasure/senders"),),
    "contact log": (("POST", "/customers/<customer_id>/contacts"),),
    "contact list": (("GET", "/customers/<customer_id>/contacts"),),
    "case open": (("POST", "/cases"),),
    "case show": (("GET", "/cases/<case_id>"),),
    "case command": (
        ("POST", "/cases/<case_id>/commands"),
        ("POST", "/cases/<case_id>/letters/<letter_id>/upload-form"),  # --final FILE
    ),
    "case timeline": (("GET", "/cases/<case_id>/timeline"),),
    "lookup": (("GET", "/lookup"), ("POST", "/lookup/search")),
    "read-queue": (("GET", "/read-queue"),),
    "mark-read": (("POST", "/read-queue/<contact_id>/read"),),
    "audit": (("GET", "/audit"),),
    "export start": (("POST", "/customers/<customer_id>/exports"), ("GET", "/exports/<job_id>")),
    "export status": (("GET", "/exports/<job_id>"),),
    "export release": (("POST", "/exports/<job_id>/release"),),
    "export download": (("GET", "/exports/<job_id>"), ("GET", "/exports/<job_id>/zip")),
    "export json": (("GET", "/customers/<customer_id>/export"),),
    "import customers": (("POST", "/customers"),),
}


def register(sub: Any) -> None:
    """Add the staff commands to the `contactguard` parser's subcommands."""
    _register_customers(sub)
    _register_cases(sub)
    _register_others(sub)
