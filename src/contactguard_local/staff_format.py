"""The API's replies as short aligned text for a person at a terminal (times in Europe/London).

Each function takes the API's JSON (as parsed) and returns lines; `--json` bypasses all of
this and prints the API's own text, so scripts never depend on these words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contactguard.domain.calendar import LONDON


def when(value: Any) -> str:
    """An ISO time as London wall-clock time; a date or anything else as given."""
    if not isinstance(value, str) or "T" not in value:
        return str(value) if value is not None else "-"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")


def _rows(rows: list[list[str]], indent: str = "  ") -> list[str]:
    """Columns padded to their widest cell; the last column is left ragged."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append((indent + "  ".join([*padded, row[-1]])).rstrip())
    return lines


def customer(view: dict[str, Any]) -> list[str]:
    person = view["customer"]
    address = person.get("address")
    lines = [f"customer {person['customer_id']}: {person['name']}"]
    lines += _rows(
        [
            ["emails", ", ".join(person.get("emails") or []) or "-"],
            [
                "address",
                ", ".join([*address["lines"], address["postcode"]]) if address else "-",
            ],
            ["officer", person.get("designated_officer_id") or "-"],
            ["letters", LETTER_FORMAT_WORDS.get(person.get("letter_format") or "standard", "-")],
        ]
    )
    cases = view.get("cases") or []
    lines.append(f"  cases    {len(cases) or 'none'}")
    lines += _rows(
        [
            [c["case_id"], c["status"], f"v{c['version']}", f"opened {when(c['opened_at'])}"]
            for c in cases
        ],
        indent="    ",
    )
    return lines


LETTER_FORMAT_WORDS = {"standard": "standard print", "large-print": "large print (16 point)"}


def letter_format_set(reply: dict[str, Any]) -> list[str]:
    words = LETTER_FORMAT_WORDS.get(reply["letter_format"], reply["letter_format"])
    return [f"letters to {reply['customer_id']} are drafted in {words} from now on"]


def email_linked(reply: dict[str, Any]) -> list[str]:
    if reply["already_linked"]:
        return [f"{reply['address']} was already {reply['customer_id']}'s: nothing changed"]
    return [
        f"linked {reply['address']} to {reply['customer_id']}; "
        f"{reply['attributed']} earlier email(s) attributed"
    ]


def customer_corrected(reply: dict[str, Any]) -> list[str]:
    customer = reply["customer"]
    lines = [
        f"corrected {', '.join(reply['corrected'])} of {customer['customer_id']} "
        "(the old values are in the audit record only)"
    ]
    if reply["attributed"]:
        lines.append(f"  {reply['attributed']} earlier email(s) from the right address attributed")
    return lines


def erasure_receipt(reply: dict[str, Any]) -> list[str]:
    """A receipt: who was erased (an id, or the sender's hash), when, by whom, and per store."""
    whom = reply.get("customer_id") or reply.get("sender")
    lines = [
        f"erased {reply['subject']} {whom} at {when(reply['erased_at'])} "
        f"by {reply['erased_by']} ({reply['role']})",
        f"  receipt  {reply['receipt_id']}",
    ]
    for store, counts in reply["erased"].items():
        said = ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) or "nothing held"
        lines.append(f"  {store:<8} {said}")
    return lines


def _contact_row(contact: dict[str, Any]) -> list[str]:
    summary = (contact.get("summary") or "").replace("\n", " ")
    return [
        when(contact["at"]),
        contact["channel"],
        contact.get("direction") or "",
        contact.get("disposition") or "",
        contact["contact_id"],
        summary[:60],
    ]


def contact_recorded(reply: dict[str, Any]) -> list[str]:
    contact = reply["contact"]
    said = "logged" if reply["recorded"] else "already logged (same key): nothing new"
    return [f"{said}: contact {contact['contact_id']}", *_rows([_contact_row(contact)])]


def contacts(reply: dict[str, Any]) -> list[str]:
    items = reply["contacts"]
    withheld = set(reply.get("withheld") or ())
    head = (
        f"{reply['customer_id']}: {len(items)} contact(s) "
        f"{reply['from_date']} to {reply['to_date']}"
    )
    rows = [_contact_row(c) for c in items]
    for row, contact in zip(rows, items, strict=True):
        if contact["contact_id"] in withheld:
            row[-1] = "(filed email: its words are for the designated officer)"
    return [head, *_rows(rows)]


def audit(reply: dict[str, Any]) -> list[str]:
    records = reply["records"]
    subject = (
        f"customer {reply['customer_id']}"
        if reply.get("customer_id")
        else f"staff {reply['actor_id']}"
    )
    head = f"{subject}: {len(records)} audit record(s) {reply['from_date']} to {reply['to_date']}"
    if reply.get("complete") is False:
        head += f" (the oldest {len(records):,} only: narrow the dates with --from/--to)"
    rows = [
        [
            when(r["at"]),
            r["actor_id"],
            r["role"],
            r["operation"],
            r.get("customer_id") or "-",
            " ".join(
                f"{name}={r[name]}"
                for name in ("case_id", "contact_id", "letter_id")
                if r.get(name)
            )
            + (f" {r['detail']}" if r.get("detail") else ""),
        ]
        for r in records
    ]
    return [head, *_rows(rows)]


def case(view: dict[str, Any]) -> list[str]:
    state = view["case"]
    lines = [
        f"case {state['case_id']} ({state['customer_id']}): {state['status']}, "
        f"version {view['version']}",
    ]
    rows = [["opened", when(state["opened_at"])]]
    period = state.get("period")
    if period:
        rows.append(["restricted", f"from {when(period['starts_at'])} to {period['ends_on']}"])
    decision = state.get("decision")
    if decision:
        kinds = ", ".join(r.get("type", "?") for r in decision.get("restrictions") or [])
        rows.append(["restrictions", kinds or "-"])
    if state.get("closed_at"):
        rows.append(["closed", f"{when(state['closed_at'])}: {state.get('closure_reason')}"])
    lines += _rows(rows)
    letters = state.get("letters") or []
    if letters:
        lines.append("  letters")
        lines += _rows(
            [
                [
                    letter["letter_id"],
                    letter["kind"],
                    letter["status"],
                    f"sent {letter['sent_on']}" if letter.get("sent_on") else "",
                ]
                for letter in letters
            ],
            indent="    ",
        )
    return lines


def command_result(reply: dict[str, Any]) -> list[str]:
    state = reply["case"]
    if reply["outcome"] == "nothing-to-do":
        return [
            f"nothing to do (rule {reply.get('rule')}): {reply.get('note')}",
            f"case {reply['case_id']} unchanged: {state['status']}, version {reply['version']}",
        ]
    lines = [f"case {reply['case_id']} is now {state['status']}, version {reply['version']}"]
    lines += _rows([_event_row(e) for e in reply.get("events") or []])
    return lines


def _event_row(event: dict[str, Any]) -> list[str]:
    actor = event.get("actor") or {}
    return [when(event["at"]), "event", event["type"], f"by {actor.get('actor_id')}"]


def timeline(reply: dict[str, Any]) -> list[str]:
    rows = []
    for entry in reply["entries"]:
        if entry["entry"] == "event":
            rows.append(_event_row(entry["event"]))
        elif entry["entry"] == "letter":
            letter = entry["letter"]
            rows.append([when(entry["at"]), "letter", letter["kind"], letter["status"]])
        else:
            rows.append([when(entry["at"]), "deadline", entry["deadline"], "(pending)"])
    head = f"case {reply['case_id']}: {reply['status']}, version {reply['version']}"
    return [head, *_rows(rows)]


def lookup(reply: dict[str, Any]) -> list[str]:
    if "matches" in reply:
        return callers_found(reply)
    state = "RESTRICTED" if reply["restricted"] else "no restrictions in force"
    lines = [f"{reply['customer_id']} {reply['name']}: {state} (at {when(reply['at'])})"]
    for entry in reply["in_force"]:
        kinds = ", ".join(r.get("type", "?") for r in entry["restrictions"])
        lines.append(f"  case {entry['case_id']} until {when(entry['until'])}: {kinds}")
    lines += _rows(
        [
            [
                c["channel"],
                "allowed" if c["allowed"] else "NOT allowed",
                "; ".join(c.get("conditions") or []),
            ]
            for c in reply["channels"]
        ]
    )
    email = reply["email"]
    lines.append(f"  email: {email['action']} ({email['reason']})")
    return lines


def callers_found(reply: dict[str, Any]) -> list[str]:
    """Customers found by name or postcode: one line each, and whether there were more."""
    matches = reply["matches"]
    head = f"{len(matches)} customer(s) found by {reply['by']}"
    if reply["more"]:
        head += f": more than {reply['limit']} match, narrow the search"
    rows = [
        [
            m["customer_id"],
            m["name"],
            m.get("postcode") or "-",
            "RESTRICTED" if m["restricted"] else "no restrictions in force",
        ]
        for m in matches
    ]
    return [head, *_rows(rows)]


def read_queue(reply: dict[str, Any]) -> list[str]:
    items = reply["items"]
    rows = [
        [
            item["customer_id"],
            item["contact_id"],
            when((item.get("contact") or {}).get("at")),
        ]
        for item in items
    ]
    return [f"{len(items)} filed email(s) waiting to be read", *_rows(rows)]


def email_read(reply: dict[str, Any]) -> list[str]:
    if reply.get("outcome") == "nothing-to-do":
        return [f"nothing to do (rule {reply.get('rule')}): {reply.get('note')}"]
    read = reply["contact"]["read"]
    return [
        f"{reply['contact_id']} read: {read['outcome']}, by {read['read_by']} "
        f"at {when(read['read_at'])}; off the queue"
    ]


def export_job(job: dict[str, Any]) -> list[str]:
    """A subject access export job: where it is, what it marks for redaction review, and what
    to do next."""
    job_id, status = job["job_id"], job["status"]
    lines = [
        f"export {job_id} for {job['customer_id']}: {status}, "
        f"{job['done']}/{job['total']} item(s), {job['files']} file(s)"
    ]
    marked = job.get("marked") or []
    if status in ("draft", "released"):
        lines.append(f"  marked for redaction review: {len(marked)} item(s)")
        lines += _rows([[m["path"], m["mark"], m["item"]] for m in marked], indent="    ")
        for why in dict.fromkeys(f"{m['mark']}: {m['why']}" for m in marked):
            lines.append(f"    ({why})")
    if status == "draft":
        lines.append(
            "  a draft: a data protection officer reviews it "
            f"(`contactguard export download {job_id} --review`) and the marks, then "
            f"`contactguard export release {job_id} --note ... [--withhold PATH=REASON]`"
        )
    elif status == "released":
        withheld = job.get("withheld") or []
        lines.append(
            f"  released by {job.get('released_by')} at {when(job.get('released_at'))}, "
            f"{len(withheld)} file(s) withheld: `contactguard export download {job_id}`"
        )
        lines += _rows([[w["path"], w["reason"]] for w in withheld], indent="    ")
    elif status == "failed":
        lines.append("  it could not be built: start another")
    return lines
