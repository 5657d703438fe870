"""In-memory implementations of the core's ports, so use cases run without moto or AWS.

`InMemoryStore` is one table's worth of state behind every storage port (CaseStore,
CustomerStore, CustomerFinder, ContactStore, ReadQueue, AuditLog, WorkList), with the DynamoDB
adapter's observable rules: optimistic versions, email claims, idempotent contact ids, the read
queue, open cases by the day they need a person, customers by postcode and by name, audit
records written once. `fake_use_cases()` wires the staff use cases over them (a composition
root for tests). The moto-backed adapter tests (tests/integration) keep the real one honest.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from contactguard.domain.audit import AuditRecord
from contactguard.domain.case import Case, CaseEvent
from contactguard.domain.errors import VersionConflict
from contactguard.domain.lifecycle import Policy
from contactguard.domain.model import (
    Contact,
    Customer,
    EmailRead,
    RaisedSignal,
    SignalConsidered,
    normalise_email,
)
from contactguard.domain.personal_data import ErasureReceipt
from contactguard.domain.retention import RetentionSchedule
from contactguard.domain.search import listing_key, name_matches, name_tokens, postcode_of
from contactguard.domain.subject_access import ExportJob
from contactguard.domain.worklist import attention_on
from contactguard.ports import (
    AuditLog,
    CaseStore,
    ContactStore,
    CustomerFinder,
    CustomerStore,
    EmailAlreadyClaimed,
    Erased,
    ExportJobs,
    FiledMail,
    LetterDocuments,
    LetterUploads,
    Log,
    PersonalData,
    ReadQueue,
    SignalLog,
    StoredObjects,
    Uploaded,
    UploadForm,
    UploadRules,
    WorkList,
)
from contactguard.usecases import StaffUseCases, staff_use_cases


class AuditLogDown(Exception):
    """The fake audit log's outage (what a failed PutItem is to the DynamoDB adapter)."""


@dataclass
class InMemoryStore:
    cases_by_id: dict[str, Case] = field(default_factory=dict)
    events_by_case: dict[str, list[CaseEvent]] = field(default_factory=dict)
    customers_by_id: dict[str, Customer] = field(default_factory=dict)
    registered_at: dict[str, datetime] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)  # normalised address -> customer
    contacts_by_id: dict[str, Contact] = field(default_factory=dict)
    queue: dict[str, str] = field(default_factory=dict)  # contact id -> customer id
    audit: list[AuditRecord] = field(default_factory=list)
    audit_down: bool = False
    # (customer_id, contact_id, signal) -> the signal, in the order raised
    signals: dict[tuple[str, str, str], RaisedSignal] = field(default_factory=dict)
    auto_replied: set[str] = field(default_factory=set)  # customers with an auto-reply ledger
    receipts: list[ErasureReceipt] = field(default_factory=list)

    # CaseStore

    def get_case(self, case_id: str) -> Case | None:
        return self.cases_by_id.get(case_id)

    def cases_for_customer(self, customer_id: str) -> list[Case]:
        found = [c for c in self.cases_by_id.values() if c.customer_id == customer_id]
        return sorted(found, key=lambda c: c.opened_at, reverse=True)

    def commit(
        self, case: Case, events: tuple[CaseEvent, ...], expected_version: int | None
    ) -> None:
        held = self.cases_by_id.get(case.case_id)
        if (held.version if held else None) != expected_version:
            raise VersionConflict(case.case_id, expected_version or 0)
        self.cases_by_id[case.case_id] = case
        self.events_by_case.setdefault(case.case_id, []).extend(events)

    def events(self, case_id: str) -> list[CaseEvent]:
        return list(self.events_by_case.get(case_id, []))

    # WorkList

    def cases_needing_attention(self, by: date, limit: int) -> list[Case]:
        keyed = [(attention_on(c), c.case_id, c) for c in self.cases_by_id.values()]
        due = sorted((day, case_id, c) for day, case_id, c in keyed if day and day <= by)
        return [c for _, _, c in due[: max(limit, 0)]]

    # CustomerStore

    def put_customer(self, customer: Customer, *, registered_at: datetime | None = None) -> None:
        if registered_at is not None and customer.customer_id not in self.customers_by_id:
            self.registered_at[customer.customer_id] = registered_at
        for address in customer.emails:
            owner = self.owners.get(normalise_email(address))
            if owner is not None and owner != customer.customer_id:
                raise EmailAlreadyClaimed(address)
        held = self.customers_by_id.get(customer.customer_id)
        for address in held.emails if held else ():
            self.owners.pop(normalise_email(address), None)
        for address in customer.emails:
            self.owners[normalise_email(address)] = customer.customer_id
        self.customers_by_id[customer.customer_id] = customer

    def get_customer(self, customer_id: str) -> Customer | None:
        return self.customers_by_id.get(customer_id)

    def customer_id_for_email(self, address: str) -> str | None:
        return self.owners.get(normalise_email(address))

    # CustomerFinder: as the adapter's index answers (tests/integration/test_dynamodb_find.py)

    def customers_at_postcode(self, postcode: str, limit: int) -> list[str]:
        return self._by_name(
            c for c in self.customers_by_id.values() if c.address and postcode_of(c) == postcode
        )[:limit]

    def customers_named(self, query: tuple[str, ...], limit: int) -> list[str]:
        return self._by_name(
            c for c in self.customers_by_id.values() if name_matches(query, name_tokens(c.name))
        )[:limit]

    @staticmethod
    def _by_name(customers: Iterable[Customer]) -> list[str]:
        ordered = sorted(customers, key=lambda c: listing_key(c.name, c.customer_id))
        return [c.customer_id for c in ordered]

    # ContactStore

    def record_contact(self, contact: Contact, *, queue_for_reading: bool = False) -> bool:
        if contact.contact_id in self.contacts_by_id:
            return False
        self.contacts_by_id[contact.contact_id] = contact
        if queue_for_reading:  # a filed email waits for the designated officer
            self.queue[contact.contact_id] = contact.customer_id or ""
        return True

    def contacts(self, customer_id: str, start: datetime, end: datetime) -> Iterator[Contact]:
        found = [
            c
            for c in self.contacts_by_id.values()
            if c.customer_id == customer_id and start <= c.at < end
        ]
        return iter(sorted(found, key=lambda c: c.at))

    def unmatched_contacts(self, address: str) -> list[Contact]:
        wanted = normalise_email(address)
        return [
            c
            for c in self.contacts_by_id.values()
            if c.customer_id is None
            and c.source_address is not None
            and normalise_email(c.source_address) == wanted
        ]

    def attribute_unmatched(self, address: str, customer_id: str) -> int:
        moved = self.unmatched_contacts(address)
        for contact in moved:
            attributed = contact.model_copy(update={"customer_id": customer_id})
            self.contacts_by_id[contact.contact_id] = attributed
        return sum(c.direction == "inbound" for c in moved)  # our copies move, uncounted

    # ReadQueue

    def read_queue(self) -> list[tuple[str, str]]:
        return [(customer_id, contact_id) for contact_id, customer_id in self.queue.items()]

    def get_contact(self, contact_id: str) -> Contact | None:
        return self.contacts_by_id.get(contact_id)

    def mark_read(self, contact_id: str, read: EmailRead) -> Contact | None:
        if contact_id not in self.queue:
            return None
        del self.queue[contact_id]
        contact = self.contacts_by_id[contact_id].model_copy(update={"read": read})
        self.contacts_by_id[contact_id] = contact
        return contact

    # SignalLog

    def record_signal(self, signal: RaisedSignal) -> bool:
        key = (signal.customer_id, signal.contact_id, signal.signal)
        if key in self.signals:
            return False
        self.signals[key] = signal
        return True

    def get_signal(self, customer_id: str, contact_id: str, signal: str) -> RaisedSignal | None:
        return self.signals.get((customer_id, contact_id, signal))

    def signals_waiting(self, limit: int) -> list[RaisedSignal]:
        waiting = [s for s in self.signals.values() if s.considered is None]
        return sorted(waiting, key=lambda s: s.at)[: max(limit, 0)]

    def signals_of(self, customer_id: str) -> list[RaisedSignal]:
        return [s for key, s in sorted(self.signals.items()) if key[0] == customer_id]

    def consider_signal(
        self, customer_id: str, contact_id: str, signal: str, considered: SignalConsidered
    ) -> RaisedSignal | None:
        held = self.signals.get((customer_id, contact_id, signal))
        if held is None or held.considered is not None:
            return None
        done = held.model_copy(update={"considered": considered})
        self.signals[(customer_id, contact_id, signal)] = done
        return done

    # PersonalData: erasure, as the adapter counts it (by item kind)

    def _erase_contacts(self, contacts: list[Contact], erased: dict[str, int]) -> tuple[str, ...]:
        for contact in contacts:
            del self.contacts_by_id[contact.contact_id]
            erased["contact"] = erased.get("contact", 0) + 1
            erased["contact-key"] = erased.get("contact-key", 0) + 1
            if self.queue.pop(contact.contact_id, None) is not None:
                erased["read-queue"] = erased.get("read-queue", 0) + 1
        return tuple(c.raw_ref for c in contacts if c.raw_ref)

    def erase_customer(self, customer: Customer, expired_cases: list[Case]) -> Erased:
        customer_id, erased = customer.customer_id, dict[str, int]()
        mine = [c for c in self.contacts_by_id.values() if c.customer_id == customer_id]
        for address in customer.emails:
            mine.extend(self.unmatched_contacts(address))
        refs = self._erase_contacts(mine, erased)
        for key in [k for k in self.signals if k[0] == customer_id]:
            del self.signals[key]
            erased["signal"] = erased.get("signal", 0) + 1
        if customer_id in self.auto_replied:
            self.auto_replied.discard(customer_id)
            erased["auto-reply-ledger"] = 1
        for case in expired_cases:
            del self.cases_by_id[case.case_id]
            erased["case"] = erased.get("case", 0) + 1
            erased["event"] = erased.get("event", 0) + len(
                self.events_by_case.pop(case.case_id, [])
            )
        claims = [a for a, owner in self.owners.items() if owner == customer_id]
        for address in claims:
            del self.owners[address]
        if claims:
            erased["email"] = len(claims)
        cleared = 0
        for i, record in enumerate(self.audit):
            if record.customer_id == customer_id and record.corrected:
                self.audit[i] = record.model_copy(update={"corrected": ()})
                cleared += 1
        if cleared:
            erased["audit-values-cleared"] = cleared
        if self.customers_by_id.pop(customer_id, None) is not None:
            erased["customer"] = 1
        return Erased(items=erased, raw_refs=refs)

    def erase_sender(self, address: str) -> Erased:
        erased: dict[str, int] = {}
        refs = self._erase_contacts(self.unmatched_contacts(address), erased)
        return Erased(items=erased, raw_refs=refs)

    def record_erasure(self, receipt: ErasureReceipt) -> None:
        self.receipts.append(receipt)

    # AuditLog

    def record_audit(self, record: AuditRecord) -> None:
        if self.audit_down:
            raise AuditLogDown("the audit log is unavailable")
        if any(r.audit_id == record.audit_id for r in self.audit):
            raise ValueError(f"audit record {record.audit_id} written twice")
        self.audit.append(record)

    def audit_of_customer(
        self, customer_id: str | None, start: datetime, end: datetime, limit: int
    ) -> list[AuditRecord]:
        found = [r for r in self.audit if r.customer_id == customer_id and start <= r.at < end]
        return sorted(found, key=lambda r: r.at)[:limit]

    def audit_by_actor(
        self, actor_id: str, start: datetime, end: datetime, limit: int
    ) -> list[AuditRecord]:
        found = [r for r in self.audit if r.actor_id == actor_id and start <= r.at < end]
        return sorted(found, key=lambda r: r.at)[:limit]


@dataclass
class InMemoryDocuments:
    """The letters bucket: key -> document."""

    objects: dict[str, bytes] = field(default_factory=dict)

    def document(self, key: str) -> bytes | None:
        return self.objects.get(key)

    def download_link(self, key: str, filename: str, seconds: int) -> str | None:
        return None  # no address: the console sends the document itself

    # LetterUploads: key -> (body, content type) of what was uploaded; forms are recorded.

    uploads: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    forms: list[dict[str, Any]] = field(default_factory=list)

    def upload_form(self, prefix: str, rules: UploadRules) -> UploadForm:
        self.forms.append({"prefix": prefix, "rules": rules})
        fields = {"key": prefix + "${filename}", "policy": "fake"}
        if rules.redirect is not None:
            fields["success_action_redirect"] = rules.redirect
        return UploadForm(url="https://letters.s3.example/", fields=fields)

    def uploaded(self, key: str) -> Uploaded | None:
        if key not in self.uploads:
            return None
        body, content_type = self.uploads[key]
        return Uploaded(size=len(body), content_type=content_type)

    def keep(self, key: str, kept: str) -> None:
        body, content_type = self.uploads[key]
        self.uploads[kept] = (body, content_type)
        self.objects[kept] = body


@dataclass
class InMemoryFiledMail:
    """The raw mail bucket: SES message id -> raw message. No browser address."""

    messages: dict[str, bytes] = field(default_factory=dict)

    def message(self, raw_ref: str) -> bytes | None:
        return self.messages.get(raw_ref)

    def attachment_link(
        self, raw_ref: str, index: int, filename: str, content: bytes, seconds: int
    ) -> str | None:
        return None  # the console sends the attachment itself


@dataclass
class InMemoryObjects:
    """The buckets as erasure sees them: stored messages by SES message id, staged
    attachments by the message's id, letter documents (every version) by case id."""

    messages: dict[str, bytes] = field(default_factory=dict)
    staged: dict[str, int] = field(default_factory=dict)  # raw_ref -> attachments staged
    letter_versions: dict[str, int] = field(default_factory=dict)  # case_id -> versions
    sent: dict[str, bytes] = field(default_factory=dict)  # outbound contact id -> copy kept
    exports: dict[str, int] = field(default_factory=dict)  # customer id -> zips kept

    def erase_messages(self, raw_refs: tuple[str, ...]) -> dict[str, int]:
        erased = {"message": 0, "staged-attachment": 0}
        for ref in raw_refs:
            erased["message"] += self.messages.pop(ref, None) is not None
            erased["staged-attachment"] += self.staged.pop(ref, 0)
        return {kind: n for kind, n in erased.items() if n}

    def erase_letters(self, case_id: str) -> dict[str, int]:
        versions = self.letter_versions.pop(case_id, 0)
        return {"letter-version": versions} if versions else {}

    def erase_sent(self, contact_ids: tuple[str, ...]) -> dict[str, int]:
        deleted = sum(self.sent.pop(contact_id, None) is not None for contact_id in contact_ids)
        return {"sent-message": deleted} if deleted else {}

    def erase_exports(self, customer_id: str) -> dict[str, int]:
        zips = self.exports.pop(customer_id, 0)
        return {"subject-access-zip": zips} if zips else {}


@dataclass
class ListLog:
    """A Log that keeps (level, message, extra) for assertions."""

    lines: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def _keep(self, level: str, msg: str, kwargs: dict[str, Any]) -> None:
        self.lines.append((level, msg, dict(kwargs.get("extra") or {})))

    def info(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._keep("info", msg, kwargs)

    def warning(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._keep("warning", msg, kwargs)

    def error(self, msg: str, *args: Any, **kwargs: Any) -> None:
        self._keep("error", msg, kwargs)


@dataclass
class FixedClock:
    now: datetime = datetime(2026, 12, 1, 10, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class InMemoryExportJobs:
    """Subject access export jobs by id (the ExportJobs port); a create never overwrites."""

    jobs: dict[str, ExportJob] = field(default_factory=dict)

    def create_export_job(self, job: ExportJob) -> None:
        if job.job_id in self.jobs:
            raise ValueError("an export job is never overwritten by a new one")
        self.jobs[job.job_id] = job

    def export_job(self, job_id: str) -> ExportJob | None:
        return self.jobs.get(job_id)

    def save_export_job(self, job: ExportJob) -> None:
        self.jobs[job.job_id] = job


@dataclass
class Fakes:
    store: InMemoryStore
    documents: InMemoryDocuments
    mail: InMemoryFiledMail
    log: ListLog
    clock: FixedClock
    use_cases: StaffUseCases
    objects: InMemoryObjects


def fake_use_cases(
    clock: FixedClock | None = None, policy: Policy | None = None, earliest: date = date(2000, 1, 1)
) -> Fakes:
    """The staff use cases over in-memory ports: the test's composition root."""
    store, documents, log = InMemoryStore(), InMemoryDocuments(), ListLog()
    mail = InMemoryFiledMail()
    objects = InMemoryObjects()
    clock = clock or FixedClock()
    use_cases = staff_use_cases(
        cases=store,
        customers=store,
        contacts=store,
        read_queue=store,
        work_list=store,
        signal_log=store,
        finder=store,
        audit_log=store,
        documents=documents,
        filed_mail=mail,
        uploads=documents,
        personal_data=store,
        stored_objects=objects,
        retention=RetentionSchedule.of(),
        export_jobs=InMemoryExportJobs(),
        policy=policy or Policy(),
        clock=clock,
        log=log,
        earliest=earliest,
        audit_unavailable=(AuditLogDown,),
    )
    return Fakes(
        store=store,
        documents=documents,
        mail=mail,
        log=log,
        clock=clock,
        use_cases=use_cases,
        objects=objects,
    )


def _conforms() -> None:
    """mypy checks the fakes against the ports (this is never called)."""
    store = InMemoryStore()
    _ports: tuple[
        CaseStore,
        CustomerStore,
        CustomerFinder,
        ContactStore,
        ReadQueue,
        AuditLog,
        WorkList,
        SignalLog,
    ] = (store, store, store, store, store, store, store, store)
    _documents: LetterDocuments = InMemoryDocuments()
    _mail: FiledMail = InMemoryFiledMail()
    _uploads: LetterUploads = InMemoryDocuments()
    _erasure: tuple[PersonalData, StoredObjects] = (store, InMemoryObjects())
    _log: Log = ListLog()
    _jobs: ExportJobs = InMemoryExportJobs()
