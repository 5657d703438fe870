"""The designated officer's read queue: filed emails waiting to be read, one read as text
with its attachments listed (each downloaded on request), and marking one read."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from contactguard.domain.access import Operation, require
from contactguard.domain.errors import NothingToDo, RuleViolation
from contactguard.domain.model import Contact, Disposition, EmailRead, ReadOutcome
from contactguard.mail.mime import AttachmentInfo, parse_message, read_attachment
from contactguard.ports import Clock, FiledMail, ReadQueue
from contactguard.usecases.audit import Auditor
from contactguard.usecases.errors import NotFound
from contactguard.usecases.request import Request


@dataclass(frozen=True)
class Waiting:
    customer_id: str
    contact_id: str
    contact: Contact | None


# A filed email's text as shown to the designated officer: a long letter fits many times
# over; past it the page says the text was cut short.
MAX_TEXT_CHARS = 100_000
LINK_SECONDS = 60


@dataclass(frozen=True)
class FiledMessage:
    """A filed email as its reader sees it. `held` is False when the stored message has
    gone (its retention passed, or it was never stored): only the contact's record is left."""

    contact: Contact
    held: bool
    text: str = ""
    text_truncated: bool = False
    attachments: tuple[AttachmentInfo, ...] = ()


@dataclass(frozen=True)
class AttachmentDownload:
    """One attachment for a browser: a short-lived address, or (where there is none) the
    content itself, always to be saved, never shown."""

    filename: str
    content_type: str
    link: str | None
    content: bytes | None


@dataclass
class ReadQueueUseCases:
    queue: ReadQueue
    audit: Auditor
    clock: Clock
    mail: FiledMail | None = None  # None: this edge cannot reach the stored messages

    def waiting(self, request: Request) -> list[Waiting]:
        """Every filed email waiting; one audit record per item, before any is shown."""
        require(request.actor.role, Operation.READ_QUEUE)
        items = self.queue.read_queue()
        for customer_id, contact_id in items:
            self.audit.record(request, Operation.READ_QUEUE, customer_id, contact_id=contact_id)
        return [
            Waiting(customer_id, contact_id, self.queue.get_contact(contact_id))
            for customer_id, contact_id in items
        ]

    def one(self, request: Request, contact_id: str) -> Contact:
        """One filed email of the queue, waiting or already read, audited before it is shown.
        Not a filed email, or no such contact: NotFound."""
        return self._filed(request, contact_id, Operation.READ_QUEUE)

    def read(self, request: Request, contact_id: str) -> FiledMessage:
        """One filed email with its words: the text of the stored message (plain text, or
        HTML reduced to text; never HTML) and its attachments listed, never opened. Read
        with the parser ingest decides with; audited as `read-filed-email` before anything
        is read."""
        require(request.actor.role, Operation.READ_QUEUE)
        contact = self._filed(request, contact_id, Operation.READ_FILED_EMAIL)
        raw = self._raw(contact)
        if raw is None:
            return FiledMessage(contact=contact, held=False)
        parsed = parse_message(raw, max_text_chars=MAX_TEXT_CHARS)
        return FiledMessage(
            contact=contact,
            held=True,
            text=parsed.text,
            text_truncated=parsed.text_truncated,
            attachments=tuple(parsed.attachments),
        )

    def attachment(self, request: Request, contact_id: str, index: int) -> AttachmentDownload:
        """The attachment at `index` of `read`'s list, for download (audited with its place
        in the list). No such attachment, or the message has gone: NotFound."""
        require(request.actor.role, Operation.READ_QUEUE)
        contact = self._filed(
            request, contact_id, Operation.READ_FILED_EMAIL, detail=f"attachment={index}"
        )
        raw = self._raw(contact)
        found = read_attachment(raw, index) if raw is not None else None
        if found is None:
            raise NotFound(f"no attachment {index} in filed email {contact_id}")
        info, content = found
        filename = info.filename or _unnamed(index, info.content_type)
        assert self.mail is not None  # _raw gave a message
        link = self.mail.attachment_link(
            contact.raw_ref or "", index, filename, content, LINK_SECONDS
        )
        return AttachmentDownload(
            filename=filename,
            content_type=info.content_type,
            link=link,
            content=None if link else content,
        )

    def _filed(
        self, request: Request, contact_id: str, operation: Operation, *, detail: str = ""
    ) -> Contact:
        require(request.actor.role, operation)
        held = self.queue.get_contact(contact_id)
        self.audit.record(
            request,
            operation,
            held.customer_id if held else None,
            contact_id=contact_id,
            detail=detail,
        )
        if held is None or held.disposition is not Disposition.FILED_BLOCKED:
            raise NotFound(f"no filed email {contact_id}")
        return held

    def _raw(self, contact: Contact) -> bytes | None:
        if self.mail is None:
            raise NotFound("the stored messages cannot be reached from here")
        return self.mail.message(contact.raw_ref) if contact.raw_ref else None

    def mark_read(
        self, request: Request, contact_id: str, outcome: ReadOutcome, note: str = ""
    ) -> Contact:
        """Off the queue, the outcome recorded. Already read: NothingToDo; never filed:
        RuleViolation; no such contact: NotFound."""
        actor = request.actor
        require(actor.role, Operation.MARK_READ)
        held = self.queue.get_contact(contact_id)
        self.audit.record(
            request,
            Operation.MARK_READ,
            held.customer_id if held else None,
            contact_id=contact_id,
            detail=f"outcome={outcome.value}",
        )
        record = EmailRead(read_at=self.clock(), read_by=actor.actor_id, outcome=outcome, note=note)
        contact = self.queue.mark_read(contact_id, record)
        if contact is not None:
            return contact
        held = self.queue.get_contact(contact_id)
        if held is None:
            raise NotFound(f"no contact {contact_id}")
        if held.read is not None:
            raise NothingToDo(
                "read-once", f"read on {held.read.read_at.isoformat()} by {held.read.read_by}"
            )
        raise RuleViolation(
            "read-queue-filed-only", "only a filed email waits to be read: this one was not filed"
        )


def _unnamed(index: int, content_type: str) -> str:
    """A name for an attachment sent without one: its place and its type's extension."""
    extension = ".eml" if content_type == "message/rfc822" else None
    extension = extension or mimetypes.guess_extension(content_type, strict=False) or ".bin"
    return f"attachment-{index + 1}{extension}"
