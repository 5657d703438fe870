"""Subject access exports as jobs: start one, watch it, release it, download it (staff), and
build one (the export function, from the job's insert on the table's stream).

The zip is built here and only here: the API's download and the CLI's (which downloads what
the API serves) are the same bytes. What is in it, file by file, is the README's business
(contactguard.domain.subject_access); what is marked for the officer's redaction review is the
domain's too. Nothing of another customer is read: contacts by the customer's partition and
their own addresses, cases by the customer's index, the audit by the customer.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import IO, Any

from contactguard.domain.access import Operation, require
from contactguard.domain.calendar import LONDON
from contactguard.domain.case import Case, CaseEvent, Letter
from contactguard.domain.errors import RuleViolation
from contactguard.domain.model import Contact, Direction
from contactguard.domain.subject_access import (
    README_FILE,
    WITHHELD_FILE,
    ExportJob,
    ExportStatus,
    Marked,
    Withheld,
    case_marks,
    check_withheld,
    contact_marks,
    email_marks,
    event_marks,
    export_zip_key,
    letter_email_keys,
    readme,
    released,
    released_readme,
    released_zip_key,
    signal_marks,
    started,
    with_reasons,
    withheld_notice,
)
from contactguard.mail.mime import parse_message
from contactguard.ports import (
    AuditLog,
    CaseStore,
    Clock,
    ContactStore,
    CustomerStore,
    ExportFiles,
    ExportJobs,
    LetterArchive,
    Log,
    MailArchive,
    SignalLog,
)
from contactguard.usecases.audit import Auditor
from contactguard.usecases.customers import known_customer
from contactguard.usecases.errors import NotFound
from contactguard.usecases.request import Request

# Every record a customer could have: the store's keys cover these years.
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)
_END = datetime(2200, 1, 1, tzinfo=UTC)
AUDIT_LIMIT = 100_000  # the trail of one customer; more would be a runaway, not a record
LINK_SECONDS = 300  # the download link: five minutes, enough to start it
PROGRESS_EVERY = 25  # items between progress saves


class NotReleased(RuleViolation):
    def __init__(self, status: ExportStatus) -> None:
        super().__init__(
            "export-not-released",
            f"the export is {status.value}: only an export a data protection officer has "
            "released may be downloaded",
        )


def _unknown(job_id: str) -> NotFound:
    return NotFound(f"no subject access export {job_id}")


@dataclass(frozen=True)
class Download:
    job: ExportJob
    link: str | None  # a presigned address, or None where there is none (bytes instead)
    body: bytes | None


@dataclass
class SubjectAccessJobs:
    """The data protection officer's side: start, watch, release, download."""

    customers: CustomerStore
    jobs: ExportJobs
    files: ExportFiles | None  # None where exports are not served (the console)
    audit: Auditor
    clock: Clock
    new_id: Callable[[], str] = field(default=lambda: f"sar-{uuid.uuid4().hex}")

    def start(self, request: Request, customer_id: str) -> ExportJob:
        require(request.actor.role, Operation.SUBJECT_ACCESS_EXPORT)
        known_customer(self.customers, customer_id)
        job = started(self.new_id(), customer_id, request.actor.actor_id, self.clock())
        self.audit.record(
            request, Operation.SUBJECT_ACCESS_EXPORT, customer_id, detail=f"start job={job.job_id}"
        )
        self.jobs.create_export_job(job)  # its insert on the stream starts the build
        return job

    def status(self, request: Request, job_id: str) -> ExportJob:
        require(request.actor.role, Operation.SUBJECT_ACCESS_EXPORT)
        job = self._job(job_id)
        self.audit.record(
            request, Operation.SUBJECT_ACCESS_EXPORT, job.customer_id, detail=f"status job={job_id}"
        )
        return job

    def release(
        self, request: Request, job_id: str, note: str, withheld: Iterable[Withheld] = ()
    ) -> ExportJob:
        """The officer has reviewed the draft (what it marks, and the draft itself): the
        export may now be downloaded, less the files `withheld` (each with the reason the
        customer is told, in WITHHELD.txt). Audited (who released what, when, how much was
        withheld). Raises RuleViolation for a job that is not a draft, or a file that is not
        the draft's."""
        require(request.actor.role, Operation.RELEASE_SUBJECT_ACCESS_EXPORT)
        job = self._job(job_id)
        if job.status is not ExportStatus.DRAFT or job.zip_key is None:
            raise RuleViolation(
                "export-release-draft-only",
                f"the export is {job.status.value}: only a built draft can be released",
            )
        draft = self._files().file(job.zip_key)
        if draft is None:
            raise NotFound(f"subject access export {job_id} has expired: start another")
        with zipfile.ZipFile(io.BytesIO(draft)) as source:
            chosen = check_withheld(withheld, source.namelist())
            self.audit.record(
                request,
                Operation.RELEASE_SUBJECT_ACCESS_EXPORT,
                job.customer_id,
                detail=f"release job={job_id} marked={len(job.marked)} withheld={len(chosen)}",
            )
            with tempfile.TemporaryFile() as spool:
                files = _without(source, spool, chosen)
                spool.seek(0)
                self._files().put_file(released_zip_key(job), spool)
        done = released(job, request.actor.actor_id, self.clock(), note, chosen, files)
        self.jobs.save_export_job(done)
        return done

    def download(
        self, request: Request, job_id: str, *, body: bool = False, review: bool = False
    ) -> Download:
        """A released export: a short-lived presigned link (or, asked for or where there is
        no link, the bytes). A draft is refused, except to the officer who may release it,
        asking for it to `review` (audited as a review)."""
        require(request.actor.role, Operation.SUBJECT_ACCESS_EXPORT)
        job = self._job(job_id)
        reviewing = review and job.status is ExportStatus.DRAFT
        if reviewing:
            require(request.actor.role, Operation.RELEASE_SUBJECT_ACCESS_EXPORT)
        elif job.status is not ExportStatus.RELEASED:
            raise NotReleased(job.status)
        if job.zip_key is None:  # pragma: no cover - a built job always has its zip
            raise NotReleased(job.status)
        self.audit.record(
            request,
            Operation.SUBJECT_ACCESS_EXPORT,
            job.customer_id,
            detail=f"{'review' if reviewing else 'download'} job={job_id}",
        )
        files = self._files()
        name = f"{job.customer_id}-subject-access{'-draft' if reviewing else ''}.zip"
        link = None if body else files.download_link(job.zip_key, name, LINK_SECONDS)
        if link is not None:
            return Download(job, link, None)
        data = files.file(job.zip_key)
        if data is None:
            raise NotFound(f"subject access export {job_id} has expired: start another")
        return Download(job, None, data)

    def _job(self, job_id: str) -> ExportJob:
        job = self.jobs.export_job(job_id)
        if job is None:
            raise _unknown(job_id)
        return job

    def _files(self) -> ExportFiles:
        if self.files is None:  # pragma: no cover - an edge wired without the exports bucket
            raise NotFound("subject access exports are not served here")
        return self.files


def _without(source: zipfile.ZipFile, spool: IO[bytes], withheld: tuple[Withheld, ...]) -> int:
    """Copy the draft into `spool` less the withheld files, its README released (no draft
    banner; what was withheld said), WITHHELD.txt added when anything was; returns how many
    files the released zip holds."""
    gone = {item.path for item in withheld}
    count = 0
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename in gone:
                continue
            data = source.read(info)
            if info.filename == README_FILE:
                data = released_readme(data.decode("utf-8"), withheld).encode("utf-8")
            out.writestr(info, data)
            count += 1
        if withheld:
            out.writestr(WITHHELD_FILE, withheld_notice(withheld))
            count += 1
    return count


# Building the zip -----------------------------------------------------------------------------


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def _name(text: str) -> str:
    """A path segment any unzip accepts: letters, digits, '.', '_' and '-' only."""
    return _UNSAFE.sub("_", text)[:120] or "_"


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _addresses(raw: bytes) -> list[str]:
    """The addresses an email names in From, To, Cc and Reply-To (headers only)."""
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
        fields = [
            str(v) for name in ("From", "To", "Cc", "Reply-To") for v in headers.get_all(name, [])
        ]
        return [address for _, address in getaddresses(fields) if "@" in address]
    except Exception:  # noqa: BLE001 - hostile mail: what cannot be read marks nothing here
        return []


def _when(at: datetime | None) -> str:
    return at.astimezone(LONDON).strftime("%d %B %Y %H:%M") if at else "-"


@dataclass
class _Zip:
    """The zip being written, with what it counts and marks."""

    archive: zipfile.ZipFile
    marks: list[Marked] = field(default_factory=list)
    files: int = 0

    def add(self, path: str, data: bytes | str) -> None:
        self.archive.writestr(path, data)
        self.files += 1


@dataclass
class ExportBuilder:
    """Builds one job's zip: run by the export function for each job inserted."""

    jobs: ExportJobs
    customers: CustomerStore
    contacts: ContactStore
    cases: CaseStore
    audit_log: AuditLog
    signals: SignalLog
    mail: MailArchive
    letters: LetterArchive
    files: ExportFiles
    clock: Clock
    log: Log
    our_domains: tuple[str, ...] = ()

    def build(self, job_id: str) -> ExportJob | None:
        """Build the job's draft; a job already built (a redelivered insert) is left as it is."""
        job = self.jobs.export_job(job_id)
        if job is None or job.status is not ExportStatus.BUILDING:
            return job
        try:
            return self._build(job)
        except Exception as error:
            self.log.error(
                "export: build failed", extra={"job_id": job_id, "error": type(error).__name__}
            )
            self.jobs.save_export_job(
                job.model_copy(
                    update={"status": ExportStatus.FAILED, "failure": type(error).__name__}
                )
            )
            raise

    def _build(self, job: ExportJob) -> ExportJob:
        customer_id = job.customer_id
        customer = self.customers.get_customer(customer_id)
        if customer is None:
            raise LookupError("the customer is no longer held")
        contacts = list(self.contacts.contacts(customer_id, _BEGINNING, _END))
        unattributed = [
            c for address in customer.emails for c in self.contacts.unmatched_contacts(address)
        ]
        cases = [
            c for c in self.cases.cases_for_customer(customer_id) if c.customer_id == customer_id
        ]
        events = {
            case.case_id: [
                e for e in self.cases.events(case.case_id) if e.customer_id == customer_id
            ]
            for case in cases
        }
        trail = self.audit_log.audit_of_customer(customer_id, _BEGINNING, _END, AUDIT_LIMIT)
        emails = [c for c in (*contacts, *unattributed) if c.raw_ref]
        letters = [(case, letter) for case in cases for letter in case.letters]
        signals = self.signals.signals_of(customer_id)
        # customer, contacts.json, each email, each case, each letter, the signals, the audit
        total = 2 + len(emails) + len(cases) + len(letters) + 2
        job = job.model_copy(update={"total": total, "done": 0})
        self.jobs.save_export_job(job)
        ours = (*customer.emails,)
        counts = {
            "contacts_in": sum(c.direction is Direction.INBOUND for c in contacts),
            "contacts_out": sum(c.direction is Direction.OUTBOUND for c in contacts),
            "unattributed": len(unattributed),
            "emails": 0,
            "emails_missing": 0,
            "cases": len(cases),
            "drafts": 0,
            "sent": 0,
            "email_versions": 0,
            "signals": len(signals),
            "audit": len(trail),
        }
        progress = _Progress(self.jobs, job)
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                out = _Zip(archive)
                out.add("customer.json", _json(customer.model_dump(mode="json")))
                progress.step()
                listing = {
                    "contacts": [c.model_dump(mode="json") for c in contacts],
                    "unattributed": [c.model_dump(mode="json") for c in unattributed],
                }
                out.add("contacts/contacts.json", _json(listing))
                for contact in (*contacts, *unattributed):
                    out.marks += contact_marks(contact, "contacts/contacts.json")
                progress.step()
                for contact in emails:
                    counts["emails" if self._email(out, contact, ours) else "emails_missing"] += 1
                    progress.step()
                for case in cases:
                    self._case(out, case, events[case.case_id])
                    progress.step()
                for case, letter in letters:
                    drafts, sent, emailed = self._letter(out, case, letter, events[case.case_id])
                    counts["drafts"] += drafts
                    counts["sent"] += sent
                    counts["email_versions"] += emailed
                    progress.step()
                out.add("signals/signals.json", _json([s.model_dump(mode="json") for s in signals]))
                for signal in signals:
                    out.marks += signal_marks(signal, "signals/signals.json")
                progress.step()
                out.add("audit/access.json", _json([r.model_dump(mode="json") for r in trail]))
                progress.step()
                built_at = self.clock()
                out.add(
                    README_FILE,
                    readme(job, _when(built_at), _when(job.requested_at), counts),
                )
            spool.flush()
            key = export_zip_key(job)
            self.files.put_file(key, spool)
        done = progress.job.model_copy(
            update={
                "status": ExportStatus.DRAFT,
                "done": total,
                "zip_key": key,
                "files": out.files,
                "marked": with_reasons(out.marks),
                "built_at": built_at,
            }
        )
        self.jobs.save_export_job(done)
        self.log.info(
            "export: draft built",
            extra={"job_id": job.job_id, "files": out.files, "marked": len(done.marked)},
        )
        return done

    def _email(self, out: _Zip, contact: Contact, ours: Iterable[str]) -> bool:
        assert contact.raw_ref is not None
        raw = (
            self.mail.sent_message(contact.contact_id)
            if contact.direction is Direction.OUTBOUND
            else self.mail.message(contact.raw_ref)
        )
        if raw is None:
            return False
        path = f"contacts/emails/{_name(contact.contact_id)}.eml"
        out.add(path, raw)
        ours = (*ours, *(a for a in _addresses(raw) if self._ours(a)))
        attachments = len(parse_message(raw).attachments)
        out.marks += email_marks(contact.contact_id, path, _addresses(raw), ours, attachments)
        return True

    def _ours(self, address: str) -> bool:
        domain = address.rpartition("@")[2].lower()
        return any(domain == d or domain.endswith("." + d) for d in self.our_domains)

    def _case(self, out: _Zip, case: Case, events: list[CaseEvent]) -> None:
        folder = f"cases/{_name(case.case_id)}"
        state = case.model_dump(mode="json")
        out.add(f"{folder}/case.json", _json(state))
        out.marks += case_marks(case.case_id, state, f"{folder}/case.json")
        out.add(f"{folder}/events.json", _json([e.model_dump(mode="json") for e in events]))
        for event in events:
            out.marks += event_marks(event, f"{folder}/events.json")

    def _letter(
        self, out: _Zip, case: Case, letter: Letter, events: list[CaseEvent]
    ) -> tuple[int, int, int]:
        folder = f"letters/{_name(case.case_id)}/{_name(letter.letter_id)}"
        keys = [*letter.superseded_keys, *([letter.s3_key] if letter.s3_key else [])]
        drafts = 0
        for key in dict.fromkeys(keys):  # each key once, in the order drafted
            for document in self.letters.versions(key):
                drafts += 1
                out.add(f"{folder}/drafts/{drafts}-{_name(key.rsplit('/', 1)[-1])}", document)
        sent = 0
        if letter.sent_key:
            final = self.letters.document(letter.sent_key)
            if final is not None:
                suffix = ".pdf" if letter.sent_key.lower().endswith(".pdf") else ".docx"
                out.add(f"{folder}/as-sent{suffix}", final)
                sent = 1
        emailed = 0
        for key in letter_email_keys(letter, events):
            for document in self.letters.versions(key):
                emailed += 1
                name = _name(key.rsplit("/", 1)[-1])
                out.add(f"{folder}/email-versions/{emailed}-{name}", document)
        return drafts, sent, emailed


@dataclass
class _Progress:
    jobs: ExportJobs
    job: ExportJob

    def step(self) -> None:
        self.job = self.job.model_copy(update={"done": self.job.done + 1})
        if self.job.done % PROGRESS_EVERY == 0:
            self.jobs.save_export_job(self.job)
