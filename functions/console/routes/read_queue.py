"""The designated officer's read queue: the filed emails waiting, one filed email read as text
only (its words from the stored message, HTML reduced to text, never rendered; its
attachments listed, each downloaded on request, never opened in the page), and the read
recorded with its outcome and a note (post/redirect/get)."""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field

from console import web
from console.forms import FormResult, empty, read_form
from console.pages import Visit, page
from console.routes.case_words import uk_date, uk_datetime
from console.routes.wording import OUTCOMES
from contactguard.domain.access import Operation
from contactguard.domain.calendar import london_date
from contactguard.domain.errors import NothingToDo
from contactguard.domain.model import Contact, ReadOutcome
from contactguard.usecases.read_queue import MAX_TEXT_CHARS

QUEUE = "/console/read-queue"
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # a queued email whose contact is missing: first
ATTACHMENT = "attachment:"


@page(QUEUE, operation=Operation.READ_QUEUE)
def queue(visit: Visit) -> web.Reply:
    waiting = visit.wiring.use_cases.read_queue.waiting(visit.request)
    words = visit.may(Operation.READ_FILED_EMAIL)  # the designated officers: so always
    rows = [
        {
            "contact_id": w.contact_id,
            "customer_id": w.customer_id,
            "received": uk_datetime(w.contact.at) if w.contact else "Not known",
            "subject": w.contact.summary if words and w.contact else "",
            "flags": _flags(w.contact) if words else [],
        }
        for w in sorted(waiting, key=lambda w: w.contact.at if w.contact else EARLIEST)
    ]
    return visit.render("read_queue.html", title="Filed emails waiting to be read", rows=rows)


def _flags(contact: Contact | None) -> list[str]:
    """The language flags a filed email carries (its attachment flags are not shown: the
    page lists the attachments themselves, read from the stored message)."""
    flags = contact.flags if contact else ()
    return [f for f in flags if not f.startswith(ATTACHMENT)]


class MarkRead(BaseModel):
    outcome: ReadOutcome
    note: str = Field(default="", max_length=2000)


READ_MESSAGES = {
    "outcome": "Select what you found",
    "note": "The note must be 2,000 characters or fewer",
}


@page(QUEUE + "/<contact_id>", operation=Operation.READ_QUEUE)
def filed_email(visit: Visit, contact_id: str) -> web.Reply:
    return _email_page(visit, contact_id, empty())


@page(QUEUE + "/<contact_id>/attachments/<number>", operation=Operation.READ_FILED_EMAIL)
def attachment(visit: Visit, contact_id: str, number: str) -> web.Reply:
    """One attachment, numbered from 1 as the page lists them: a presigned address valid a
    minute, or (where there is none: the embedded stack) the content, as a download of
    unknown type so no browser renders what a customer sent."""
    index = int(number) - 1 if number.isdigit() else -1
    got = visit.wiring.use_cases.read_queue.attachment(visit.request, contact_id, index)
    if got.link is not None:
        return web.Reply.redirect(got.link)
    return web.Reply(
        HTTPStatus.OK,
        got.content or b"",
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{_ascii(got.filename)}"',
        },
    )


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_. ") else "_" for c in name)


def file_size(size: int) -> str:
    """A size as people say it: 512 bytes, 34 KB, 2.4 MB."""
    if size < 1000:
        return f"{size} byte{'' if size == 1 else 's'}"
    if size < 1_000_000:
        return f"{round(size / 1000)} KB"
    return f"{size / 1_000_000:.1f} MB"


@page(QUEUE + "/<contact_id>", "POST", operation=Operation.MARK_READ)
def mark_read(visit: Visit, contact_id: str) -> web.Reply:
    form = read_form(MarkRead, visit.form, messages=READ_MESSAGES)
    if form.value is None:
        return _email_page(visit, contact_id, form)
    sent = form.value
    try:
        visit.wiring.use_cases.read_queue.mark_read(
            visit.request, contact_id, sent.outcome, sent.note.strip()
        )
    except NothingToDo:  # someone read it first (or this form was sent twice)
        return visit.redirect(QUEUE, done="This email had already been read: nothing changed")
    return visit.redirect(QUEUE, done=f"Read recorded: {OUTCOMES[sent.outcome].lower()}")


def _email_page(visit: Visit, contact_id: str, form: FormResult[Any]) -> web.Reply:
    message = visit.wiring.use_cases.read_queue.read(visit.request, contact_id)
    contact = message.contact
    flags = _flags(contact)
    read = contact.read
    return visit.render_form(
        "read_queue_email.html",
        title="Read a filed email",
        form=form,
        contact_id=contact.contact_id,
        customer_id=contact.customer_id or "",
        received=uk_datetime(contact.at),
        subject=contact.summary,
        flags=flags,
        held=message.held,
        text=message.text,
        text_truncated=message.text_truncated,
        max_text=f"{MAX_TEXT_CHARS:,}",
        attachments=[
            {
                "number": n,
                "name": a.filename or "(no name)",
                "type": a.content_type,
                "size": file_size(a.size_bytes),
            }
            for n, a in enumerate(message.attachments, start=1)
        ],
        raw_ref=contact.raw_ref or "",
        read=(
            {
                "on": uk_date(london_date(read.read_at)),
                "by": read.read_by,
                "outcome": OUTCOMES[read.outcome],
                "note": read.note,
            }
            if read
            else None
        ),
        outcomes=[{"value": o.value, "text": OUTCOMES[o]} for o in ReadOutcome],
        may_mark=visit.may(Operation.MARK_READ),
    )
