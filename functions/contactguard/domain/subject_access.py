"""A subject access request (UK GDPR Article 15): everything held on one customer, as a zip.

The export is a job: started by the data protection officer, built in the background (a big
customer's mail and letters take minutes), then a draft until the officer has reviewed what
it marks for redaction and released it. Only a released export can be downloaded. What is
marked, and why, is decided here: third parties' personal data (other people an email was
sent to or copied to, a named third party or witness in a restriction), staff safeguarding
notes and staff free text, for the officer to redact or disclose (ICO: the right of access,
"what about other people's information?").

Pure: no AWS, no clock (times are arguments).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from textwrap import fill
from typing import Annotated, Any

from pydantic import Field

from contactguard.domain.case import CaseEvent, CaseEventType, Letter
from contactguard.domain.errors import RuleViolation
from contactguard.domain.model import AwareDatetime, Contact, Frozen, RaisedSignal, ReadOutcome


class ExportStatus(StrEnum):
    BUILDING = "building"  # the export function is gathering it
    DRAFT = "draft"  # built: waits for the officer's redaction review and release
    RELEASED = "released"  # released by a data protection officer: may be downloaded
    FAILED = "failed"  # could not be built (start another)


class Mark(StrEnum):
    """Why an item is marked for the officer's redaction review."""

    THIRD_PARTY_RECIPIENTS = "third-party-recipients"
    THIRD_PARTY_NAMED = "third-party-named"
    ATTACHMENTS = "attachments"
    SAFEGUARDING_NOTE = "staff-safeguarding-note"
    STAFF_NOTE = "staff-note"


MARK_WORDS: dict[Mark, str] = {
    Mark.THIRD_PARTY_RECIPIENTS: (
        "the email was sent or copied to other people: their names and addresses are their "
        "personal data"
    ),
    Mark.THIRD_PARTY_NAMED: "names another person (a third party or witness) and their details",
    Mark.ATTACHMENTS: "has attachments, which may hold other people's personal data",
    Mark.SAFEGUARDING_NOTE: (
        "a staff safeguarding note: may be withheld where disclosure would be likely to cause "
        "serious harm, or names others"
    ),
    Mark.STAFF_NOTE: "free text written by staff: check it for other people's personal data",
}
if set(MARK_WORDS) != set(Mark):  # pragma: no cover - a mark without words fails the import
    raise RuntimeError("every redaction mark needs its words")


class Marked(Frozen):
    """One item of the export for the officer's review: where it is and why it is marked."""

    path: str  # the file in the zip
    item: str  # what, within the file: a contact id, a case event, a letter
    mark: Mark
    why: str


class Withheld(Frozen):
    """A file the officer withheld from the released export after the redaction review, and
    why, in words the customer may read (UK GDPR Art. 15(4): others' rights and freedoms)."""

    path: Annotated[str, Field(min_length=1, max_length=500)]
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class ExportJob(Frozen):
    job_id: Annotated[str, Field(pattern=r"^[a-z0-9-]{1,80}$")]
    customer_id: Annotated[str, Field(min_length=1, max_length=64)]
    requested_by: str
    requested_at: AwareDatetime
    status: ExportStatus = ExportStatus.BUILDING
    done: int = 0  # items gathered so far
    total: int = 0  # items to gather (0 until counted)
    zip_key: str | None = None
    files: int = 0
    marked: tuple[Marked, ...] = ()
    built_at: AwareDatetime | None = None
    released_by: str | None = None
    released_at: AwareDatetime | None = None
    release_note: Annotated[str, Field(max_length=2000)] = ""
    withheld: tuple[Withheld, ...] = ()
    failure: str = ""  # a code, never personal data


def export_prefix(customer_id: str) -> str:
    """Where a customer's zips are kept (erasure deletes them all)."""
    return f"exports/{customer_id}/"


def export_zip_key(job: ExportJob) -> str:
    """Where a job's zip is kept (the exports bucket expires it: infra/template.yaml)."""
    return f"{export_prefix(job.customer_id)}{job.job_id}.zip"


def started(job_id: str, customer_id: str, requested_by: str, at: datetime) -> ExportJob:
    return ExportJob(
        job_id=job_id, customer_id=customer_id, requested_by=requested_by, requested_at=at
    )


def released_zip_key(job: ExportJob) -> str:
    """Where the released zip is kept, beside its draft (the draft stays for the record)."""
    return f"{export_prefix(job.customer_id)}{job.job_id}-released.zip"


def released(
    job: ExportJob,
    by: str,
    at: datetime,
    note: str,
    withheld: tuple[Withheld, ...] = (),
    files: int | None = None,
) -> ExportJob:
    """The officer's release of a reviewed draft: the released zip is the draft less what
    was withheld (`files` in it)."""
    return job.model_copy(
        update={
            "status": ExportStatus.RELEASED,
            "released_by": by,
            "released_at": at,
            "release_note": note,
            "withheld": withheld,
            "zip_key": released_zip_key(job),
            "files": job.files if files is None else files,
        }
    )


README_FILE = "README.txt"
WITHHELD_FILE = "WITHHELD.txt"
WITHHOLD_RULE = "export-withhold"
DRAFT_BANNER = (
    "DRAFT FOR THE DATA PROTECTION OFFICER'S REVIEW: not to be sent to the customer. The "
    "released export (after the review) is the one to send.\n\n"
)


def check_withheld(withheld: Iterable[Withheld], files: Iterable[str]) -> tuple[Withheld, ...]:
    """The officer's choice, checked against the draft's files: each a file of the draft,
    once, and not the README (which tells the customer what was withheld). Raises
    RuleViolation naming every problem."""
    chosen = tuple(withheld)
    held = set(files)
    problems: list[str] = []
    seen: set[str] = set()
    for item in chosen:
        if item.path in seen:
            problems.append(f"{item.path} is withheld twice")
        seen.add(item.path)
        if item.path in (README_FILE, WITHHELD_FILE):
            problems.append(f"{item.path} tells the customer what the export holds: keep it")
        elif item.path not in held:
            problems.append(f"{item.path} is not a file of this export")
        if not item.reason.strip():
            problems.append(f"{item.path}: say why it is withheld")
    if problems:
        raise RuleViolation(WITHHOLD_RULE, "; ".join(problems))
    return chosen


def released_readme(draft_readme: str, withheld: tuple[Withheld, ...]) -> str:
    """The README of the released zip: the draft's without its banner, and, when anything was
    withheld, a paragraph saying so (the list itself is WITHHELD.txt)."""
    text = draft_readme.removeprefix(DRAFT_BANNER)
    if not withheld:
        return text
    words = (
        f"{len(withheld)} file(s) we hold on you are not in this export, each listed with the "
        "reason: the law lets us withhold information about other people, or information "
        "likely to cause serious harm. You may ask us about it, or complain to the "
        "Information Commissioner's Office (ico.org.uk, 0303 123 1113)."
    )
    indent = " " * 6
    paragraph = fill(words, 94, initial_indent=indent, subsequent_indent=indent)
    return f"{text}  {WITHHELD_FILE}\n{paragraph}\n"


def withheld_notice(withheld: tuple[Withheld, ...]) -> str:
    lines = ["Files withheld from this export after our review, and why:", ""]
    for item in withheld:
        lines += [f"  {item.path}", f"      {item.reason.strip()}"]
    return "\n".join(lines) + "\n"


# What is marked -------------------------------------------------------------------------------


def contact_marks(contact: Contact, path: str) -> list[Marked]:
    """A contact's own fields: the designated officer's note on a filed email (a
    safeguarding note when they referred it on)."""
    read = contact.read
    if read is None or not read.note:
        return []
    mark = Mark.SAFEGUARDING_NOTE if read.outcome is ReadOutcome.SAFEGUARDING else Mark.STAFF_NOTE
    return [Marked(path=path, item=f"contact {contact.contact_id}: read note", mark=mark, why="")]


def email_marks(
    contact_id: str, path: str, people: Iterable[str], ours: Iterable[str], attachments: int
) -> list[Marked]:
    """A raw email: the addresses it names (From, To, Cc, Reply-To) other than the customer's
    and our own, and any attachments."""
    own = {a.lower() for a in ours}
    others = sorted({p.lower() for p in people} - own)
    marks = []
    if others:
        marks.append(
            Marked(
                path=path,
                item=f"email {contact_id}: {len(others)} other address(es)",
                mark=Mark.THIRD_PARTY_RECIPIENTS,
                why="",
            )
        )
    if attachments:
        marks.append(
            Marked(
                path=path,
                item=f"email {contact_id}: {attachments} attachment(s)",
                mark=Mark.ATTACHMENTS,
                why="",
            )
        )
    return marks


_THIRD_PARTY_FIELDS = frozenset({"third_party", "relationship", "witness", "advocate"})
_STAFF_TEXT_FIELDS = frozenset({"note", "notes", "reason", "details", "immediate_reason"})


def _fields(value: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _fields(inner, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            yield from _fields(inner, f"{where}[{n}]")
    else:
        yield where, value


def _named(data: Any) -> list[str]:
    """Where `data` names another person (a third party, their relationship, a witness)."""
    return sorted(
        {
            where
            for where, value in _fields(data)
            if value and where.rsplit(".", 1)[-1].split("[")[0] in _THIRD_PARTY_FIELDS
        }
    )


def case_marks(case_id: str, state: dict[str, Any], path: str) -> list[Marked]:
    """A case's state: the restrictions decided may name a third party (telephone only
    through a named person) or a witness."""
    named = _named(state)
    if not named:
        return []
    item = f"case {case_id}: {', '.join(named)}"
    return [Marked(path=path, item=item, mark=Mark.THIRD_PARTY_NAMED, why="")]


def event_marks(event: CaseEvent, path: str) -> list[Marked]:
    """A case event: a named third party or witness in what was decided, and staff free text
    (a reason, a note)."""
    item = f"case {event.case_id} event {event.seq} ({event.type.value})"
    marks: list[Marked] = []
    named = _named(event.data)
    if named:
        marks.append(
            Marked(
                path=path, item=f"{item}: {', '.join(named)}", mark=Mark.THIRD_PARTY_NAMED, why=""
            )
        )
    texts = sorted(
        {
            where
            for where, value in _fields(event.data)
            if isinstance(value, str)
            and value.strip()
            and where.rsplit(".", 1)[-1].split("[")[0] in _STAFF_TEXT_FIELDS
        }
    )
    if event.reason:
        texts.insert(0, "reason")
    if texts:
        marks.append(
            Marked(path=path, item=f"{item}: {', '.join(texts)}", mark=Mark.STAFF_NOTE, why="")
        )
    return marks


def signal_marks(signal: RaisedSignal, path: str) -> list[Marked]:
    """A signal's judgement: the Service Manager's free-text note, when they wrote one."""
    if signal.considered is None or not signal.considered.note.strip():
        return []
    item = f"signal {signal.signal} on contact {signal.contact_id}: considered note"
    return [Marked(path=path, item=item, mark=Mark.STAFF_NOTE, why="")]


def letter_email_keys(letter: Letter, events: Iterable[CaseEvent]) -> tuple[str, ...]:
    """Every email version drafted for a letter, oldest first: each draft's, as its event
    recorded it (a redraft replaces the letter's own `email_key`), and the current one."""
    keys = [
        str(event.data["email_key"])
        for event in events
        if event.type is CaseEventType.LETTER_DRAFTED
        and event.data.get("letter_id") == letter.letter_id
        and isinstance(event.data.get("email_key"), str)
    ]
    if letter.email_key:
        keys.append(letter.email_key)
    return tuple(dict.fromkeys(keys))


def with_reasons(marks: Iterable[Marked]) -> tuple[Marked, ...]:
    """Each mark with its reason in words, in the order of the files."""
    return tuple(
        m.model_copy(update={"why": MARK_WORDS[m.mark]})
        for m in sorted(marks, key=lambda m: (m.path, m.item))
    )


# The README -----------------------------------------------------------------------------------

README = """Subject access export for customer {customer_id}
Made {built_at} (UK time) for a request started by {requested_by} on {requested_at}.

This zip holds everything contactguard holds on the customer. Each file, in plain English:

  README.txt
      This file.
  customer.json
      The customer's record: name, email addresses, postal address, how letters are printed,
      the officer named for them.
  contacts/contacts.json
      Every contact, newest last: {contacts_in} from the customer (emails, calls, letters,
      visits, social media, as logged) and {contacts_out} from us (replies and copies of their
      email we sent, and contacts staff logged making). "direction" says which; "disposition"
      says what happened to it; "read" is the designated officer's read of a filed email.
      {unattributed} email(s) from their addresses before the addresses were linked to them
      are listed under "unattributed".
  contacts/emails/<contact>.eml
      Each email as it was received, or as we sent it ({emails} in all; open one with any
      email program). {emails_missing} email(s) listed in contacts.json are past the time raw
      email is kept and have their record only.
  cases/<case>/case.json
      Each case ({cases} in all): its status, the restrictions and their dates, its letters.
  cases/<case>/events.json
      Each case's events, oldest first: every decision and happening, who made it, when, why.
  letters/<case>/<letter>/drafts/<n>-<file>.docx
      Every version of each letter we drafted, oldest first ({drafts} in all), including
      versions later replaced.
  letters/<case>/<letter>/as-sent.docx (or .pdf)
      The version the sender posted, when they changed the draft before sending it
      ({sent} in all).
  letters/<case>/<letter>/email-versions/<n>-<file>.eml
      Where a letter could go by email, the email we prepared with the letter attached, every
      version, oldest first ({email_versions} in all). Whether it went by post or by email is in
      the case's letters ("sent_via").
  signals/signals.json
      Patterns in the customer's contact that our system pointed out to a manager for
      judgement ({signals} in all): which contact raised it, what kind of pattern, and the
      manager's judgement once they considered it. A signal never changes a case by itself.
  audit/access.json
      Who looked at or changed the customer's record, in which role, when, and what
      ({audit} record(s)).
"""


def readme(job: ExportJob, built_at: str, requested_at: str, counts: dict[str, int]) -> str:
    """The draft's README (its banner comes off when it is released)."""
    return DRAFT_BANNER + README.format(
        customer_id=job.customer_id,
        built_at=built_at,
        requested_by=job.requested_by,
        requested_at=requested_at,
        **counts,
    )
