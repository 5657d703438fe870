"""Ports: what the services need from storage and the outside world, as Protocols.

AWS adapters (contactguard.adapters) implement them for Lambda; tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any, Protocol

from contactguard.domain.case import Case, CaseEvent
from contactguard.domain.model import (
    Contact,
    Customer,
    EmailRead,
    RaisedSignal,
    SignalConsidered,
)

if TYPE_CHECKING:  # the audit trail's model pulls in the whole case lifecycle (its roles)
    from contactguard.domain.audit import AuditRecord
    from contactguard.domain.personal_data import ErasureReceipt
    from contactguard.domain.subject_access import ExportJob

# The edge reads the clock; everything below takes time as an argument or is given this.
Clock = Callable[[], datetime]


class EmailAlreadyClaimed(Exception):
    """An address in a customer's profile belongs to another customer: nothing was written.

    The address is in `address`, never in the message (messages end up in logs).
    """

    def __init__(self, address: str) -> None:
        super().__init__("an email address is already claimed by another customer")
        self.address = address


class Log(Protocol):
    """Where a service says what happened: ids, kinds and counts only, never personal data
    (a Powertools Logger in Lambda). A service needing fewer levels is given the same port."""

    def info(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def warning(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def error(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...


class Alerts(Protocol):
    """Operators are told of something that needs a person (SNS in Lambda); ids only."""

    def alert(self, kind: str, **ids: str) -> None: ...


class CaseStore(Protocol):
    def get_case(self, case_id: str) -> Case | None:
        """The current state of one case (strongly consistent)."""

    def cases_for_customer(self, customer_id: str) -> list[Case]:
        """Every case of one customer, newest first (one Query)."""

    def commit(
        self, case: Case, events: tuple[CaseEvent, ...], expected_version: int | None
    ) -> None:
        """Write the new state and its events in one transaction.

        `expected_version` is the version the caller read (None for a new case). Raises
        VersionConflict when another writer got there first; then nothing is written.
        """

    def events(self, case_id: str) -> list[CaseEvent]:
        """The case's events in order (the audit trail)."""


class WorkList(Protocol):
    """Open cases by the day they next need a person (contactguard.domain.worklist)."""

    def cases_needing_attention(self, by: date, limit: int) -> list[Case]:
        """Open cases whose `attention_on` is on or before `by`, earliest first, at most
        `limit` of them: one bounded Query, eventually consistent (a commit of the last
        moment may not be seen yet)."""


class CustomerStore(Protocol):
    def put_customer(self, customer: Customer, *, registered_at: datetime | None = None) -> None:
        """Create or replace a customer and claim its email addresses. A new customer
        `registered_at` a moment is kept from then as if it were their first contact (the
        retention schedule's), until a contact or a case keeps them longer.

        Raises EmailAlreadyClaimed when an address belongs to another customer; then nothing
        is written."""

    def get_customer(self, customer_id: str) -> Customer | None: ...

    def customer_id_for_email(self, address: str) -> str | None:
        """Case-insensitive lookup of the customer who owns an address (one GetItem)."""


class CustomerFinder(Protocol):
    """Customers by postcode or by a word of their name (contactguard.domain.search), from an
    index kept with each customer's record: never a scan of every customer."""

    def customers_at_postcode(self, postcode: str, limit: int) -> list[str]:
        """Ids of customers whose address has this postcode (normalised), at most `limit`,
        by name. Eventually consistent: the caller checks each customer it reads."""

    def customers_named(self, query: tuple[str, ...], limit: int) -> list[str]:
        """Ids of customers whose name holds every word of `query` (name_tokens; a single
        letter an initial), at most `limit`, by name. Eventually consistent, as above."""


class ContactStore(Protocol):
    def record_contact(self, contact: Contact) -> bool:
        """Log a contact once; False when this contact id was already recorded."""

    def contacts(self, customer_id: str, start: datetime, end: datetime) -> Iterator[Contact]:
        """A customer's contacts with start <= at < end, oldest first (one paginated Query)."""

    def unmatched_contacts(self, address: str) -> list[Contact]:
        """Contacts from an address no customer owned when they arrived."""

    def attribute_unmatched(self, address: str, customer_id: str) -> int:
        """Attribute earlier unmatched contacts from `address` to a customer; returns how many."""


class ReadQueue(Protocol):
    """Filed emails waiting for the designated officer's read."""

    def read_queue(self) -> list[tuple[str, str]]:
        """(customer_id, contact_id) of each filed email waiting to be read."""

    def get_contact(self, contact_id: str) -> Contact | None:
        """One contact by its id."""

    def mark_read(self, contact_id: str, read: EmailRead) -> Contact | None:
        """Take a filed email off the queue and record the read, in one write; None when it
        was not waiting (already read, or never queued)."""


class SignalLog(Protocol):
    """Signals raised for judgement, kept until a Service Manager has considered them."""

    def record_signal(self, signal: RaisedSignal) -> bool:
        """Keep a newly raised signal; False when it was already kept (a stream record read
        again), which leaves the kept one as it is."""

    def get_signal(self, customer_id: str, contact_id: str, signal: str) -> RaisedSignal | None:
        """One signal, waiting or considered; None when it was never raised (or expired)."""

    def signals_waiting(self, limit: int) -> list[RaisedSignal]:
        """Signals not yet considered, oldest first, at most `limit`."""

    def signals_of(self, customer_id: str) -> list[RaisedSignal]:
        """Every signal held on one customer, waiting or considered (subject access)."""

    def consider_signal(
        self, customer_id: str, contact_id: str, signal: str, considered: SignalConsidered
    ) -> RaisedSignal | None:
        """Record the judgement and take the signal off the waiting list, in one write; None
        when it was not waiting (considered already, or never raised)."""


class AuditLog(Protocol):
    """The audit trail's store: records are written once and never changed."""

    def record_audit(self, record: AuditRecord) -> None:
        """Write one record; any exception means it was not written."""

    def audit_of_customer(
        self, customer_id: str | None, start: datetime, end: datetime, limit: int
    ) -> list[AuditRecord]:
        """Who touched this customer's data (None: requests that found no one), the oldest
        `limit` records of the window."""

    def audit_by_actor(
        self, actor_id: str, start: datetime, end: datetime, limit: int
    ) -> list[AuditRecord]:
        """What one member of staff touched, the oldest `limit` records of the window."""


@dataclass(frozen=True)
class Erased:
    """What a store deleted: how many items of each kind, and the stored messages (SES
    message ids) of the contacts deleted, for the mail bucket's eraser."""

    items: dict[str, int]
    raw_refs: tuple[str, ...] = ()


class PersonalData(Protocol):
    """Erasure in the table (UK GDPR Art. 17): every item that holds or points at one
    customer's or one sender's data, deleted; the receipt kept."""

    def erase_customer(self, customer: Customer, expired_cases: list[Case]) -> Erased:
        """Delete the customer's profile, search entries, email claims, contacts (theirs, and
        those from their addresses never attributed) with each contact's key, read-queue entry
        and delivery ledger, their signals and auto-reply ledger, and `expired_cases` (past
        their retention) with their events; clear the values their rectification audit records
        kept. Safe to run again (what is gone is not counted)."""

    def erase_sender(self, address: str) -> Erased:
        """Delete the contacts from an address no customer holds (with each contact's key,
        read-queue entry and delivery ledger)."""

    def record_erasure(self, receipt: ErasureReceipt) -> None:
        """Keep the receipt (ids and counts only); any exception means it was not kept."""


class StoredObjects(Protocol):
    """Erasure in the buckets: the stored messages and a case's letter documents."""

    def erase_messages(self, raw_refs: tuple[str, ...]) -> dict[str, int]:
        """Delete each stored message and any attachment staged from it (every version where
        the bucket keeps versions); how many objects of each kind were deleted."""

    def erase_letters(self, case_id: str) -> dict[str, int]:
        """Delete every document of one case's letters, every version (drafts, the versions
        posted, uploads); how many object versions of each kind were deleted."""

    def erase_sent(self, contact_ids: tuple[str, ...]) -> dict[str, int]:
        """Delete the copy kept of each outbound contact's message (what we sent: an
        auto-reply, a forwarded copy); how many were deleted."""

    def erase_exports(self, customer_id: str) -> dict[str, int]:
        """Delete every subject access zip made of the customer (drafts and released);
        how many were deleted."""


class FiledMail(Protocol):
    """The raw messages SES stored (by the contact's `raw_ref`, its SES message id)."""

    def message(self, raw_ref: str) -> bytes | None:
        """The raw message; None when it is no longer held (its retention has passed)."""

    def attachment_link(
        self, raw_ref: str, index: int, filename: str, content: bytes, seconds: int
    ) -> str | None:
        """A short-lived address a browser downloads one attachment's `content` from as
        `filename` (the content is staged where it expires within a day), or None where
        there is no such address (the edge then sends the content itself)."""


class LetterDocuments(Protocol):
    """The letters' documents (DOCX), read only."""

    def document(self, key: str) -> bytes | None:
        """The document stored at `key`; None when there is none."""

    def download_link(self, key: str, filename: str, seconds: int) -> str | None:
        """A short-lived address a browser downloads the document from as `filename`, or
        None where there is no such address (the edge then sends the document itself)."""


@dataclass(frozen=True)
class UploadForm:
    """A form a browser (or any client) posts one file with straight to the letters bucket:
    `fields` first, the file last (as `file`), to `url`."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class UploadRules:
    """What an upload form allows: a file of 1 to `max_bytes` bytes typed as one of
    `content_types` (the form's `Content-Type` field says which), for `seconds`."""

    redirect: str | None
    content_types: tuple[str, ...]
    max_bytes: int
    seconds: int


@dataclass(frozen=True)
class Uploaded:
    """What the bucket holds at an upload's key (its HEAD)."""

    size: int
    content_type: str


class LetterUploads(Protocol):
    """Final versions of letters, uploaded by the browser straight to the letters bucket."""

    def upload_form(self, prefix: str, rules: UploadRules) -> UploadForm:
        """A signed form that stores one file at `prefix` + its own file name, as `rules`
        say; S3 sends the browser to `rules.redirect` afterwards with `?bucket=&key=&etag=`
        (None: it answers 204)."""

    def uploaded(self, key: str) -> Uploaded | None:
        """The object at `key`, without its body; None when there is none."""

    def keep(self, key: str, kept: str) -> None:
        """Copy the object at `key` to `kept` (uploads expire; what is kept does not)."""


# Subject access exports (contactguard.domain.subject_access) ------------------------------------


class ExportJobs(Protocol):
    """The export jobs: one item each, written when started, saved as the build goes on."""

    def create_export_job(self, job: ExportJob) -> None:
        """Write a new job (its insert starts the build)."""

    def export_job(self, job_id: str) -> ExportJob | None: ...

    def save_export_job(self, job: ExportJob) -> None:
        """Overwrite a job's item (progress, the draft, the release)."""


class MailArchive(Protocol):
    """Every email's bytes: as received (by `raw_ref`) and as we sent it (by contact)."""

    def message(self, raw_ref: str) -> bytes | None:
        """A received message; None once its retention has passed."""

    def sent_message(self, contact_id: str) -> bytes | None:
        """What we sent for an outbound contact; None once its retention has passed."""


class LetterArchive(Protocol):
    """The letters bucket, versions and all (it is versioned)."""

    def versions(self, key: str) -> list[bytes]:
        """Every version ever stored at `key`, oldest first (a redraft at the same key and a
        retry's overwrite are each a version)."""

    def document(self, key: str) -> bytes | None: ...


class ExportFiles(Protocol):
    """Where export zips are written (a bucket whose objects expire within days)."""

    def put_file(self, key: str, body: IO[bytes]) -> None:
        """Upload an open file (read from its start) to `key`."""

    def file(self, key: str) -> bytes | None:
        """The zip's bytes; None once it has expired."""

    def download_link(self, key: str, filename: str, seconds: int) -> str | None:
        """A short-lived presigned address to download it as `filename`, or None where no
        browser reaches the bucket (the embedded stack: the edge sends the bytes)."""
