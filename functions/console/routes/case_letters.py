"""A case's letters: the document to download, marking a letter sent, and asking for a new
draft.

A document is downloaded from the letters bucket by a presigned link valid a minute (the read
checked and audited first, `use_cases.cases.download`); where there is none (the embedded
stack) the console sends it itself. Marking a letter sent takes two steps on one page: the
version the manager posted, when they changed the draft, is uploaded by a plain HTML form
straight to the bucket (a presigned POST; no JavaScript, no body through API Gateway), and S3
sends the browser back here with its key; then the date form records it (README "Letters").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from console import web
from console.forms import FormResult, empty
from console.pages import Visit, page
from console.routes.case_decisions import Answer, answered, record
from console.routes.case_forms import LetterSentForm, ReasonForm, in_words, refused_on_form
from console.routes.case_words import LETTER_KIND, uk_date
from contactguard.domain.access import Operation
from contactguard.domain.calendar import london_date
from contactguard.domain.case import (
    FINAL_DOCUMENT_TYPES,
    Case,
    Command,
    CommandKind,
    Letter,
    MarkLetterSent,
    RedraftLetter,
    SentVia,
    final_document_name,
)
from contactguard.domain.errors import RuleViolation
from contactguard.domain.letter_kinds import letter_kind
from contactguard.usecases.errors import NotFound

FINAL_FIELD = "file"  # where a refusal of the uploaded final version is shown


@page("/console/cases/<case_id>/letters/<letter_id>", operation=Operation.READ_LETTER)
def download(visit: Visit, case_id: str, letter_id: str) -> web.Reply:
    """The draft: a presigned S3 address, valid a minute (API Gateway turns a body back into
    bytes only when the browser's Accept header names the type, which a link's does not);
    where there is none (the embedded stack), the document itself."""
    return _download(visit, case_id, letter_id, final=False)


@page("/console/cases/<case_id>/letters/<letter_id>/final", operation=Operation.READ_LETTER)
def download_final(visit: Visit, case_id: str, letter_id: str) -> web.Reply:
    """The version its sender posted, kept when they marked it sent: as the draft."""
    return _download(visit, case_id, letter_id, final=True)


@page("/console/cases/<case_id>/letters/<letter_id>/email", operation=Operation.READ_LETTER)
def download_email(visit: Visit, case_id: str, letter_id: str) -> web.Reply:
    """The draft's email version: an unsent message the manager's mail program opens to
    check and send (letters.email_version)."""
    return _download(visit, case_id, letter_id, final=False, email=True)


def _download(
    visit: Visit, case_id: str, letter_id: str, *, final: bool, email: bool = False
) -> web.Reply:
    got = visit.wiring.use_cases.cases.download(
        visit.request, case_id, letter_id, final=final, email=email
    )
    if got.link is not None:
        return web.Reply.redirect(got.link)
    document, name = got.document or b"", got.filename
    disposition = f'attachment; filename="{name}"'
    headers = {"Content-Type": got.content_type, "Content-Disposition": disposition}
    return web.Reply(HTTPStatus.OK, document, headers=headers)


def _known(visit: Visit, case_id: str, letter_id: str) -> Letter:
    return _case_letter(visit.wiring.use_cases.cases.view(visit.request, case_id), letter_id)


def _case_letter(case: Case, letter_id: str) -> Letter:
    letter = case.letter(letter_id)
    if letter is None:
        raise NotFound(f"case {case.case_id} has no letter {letter_id}")
    return letter


def _letter(visit: Visit, case_id: str, letter_id: str, kind: CommandKind) -> tuple[Case, Letter]:
    """The case and its letter, when this role may give `kind` (mark it sent, or have it
    redrafted) now; the lifecycle's refusal (as a page) when not."""
    use_cases = visit.wiring.use_cases
    case = use_cases.cases.view(visit.request, case_id)
    letter = _case_letter(case, letter_id)
    choices = use_cases.cases.choices(visit.request, case)
    refusal = choices.refused_letters.get((kind, letter_id))
    if refusal is not None:
        raise in_words(refusal)
    return case, letter


@dataclass(frozen=True)
class LetterAction:
    """Marking a letter sent, or asking for a new draft: one form each."""

    kind: CommandKind
    slug: str  # /console/cases/<case_id>/letters/<letter_id>/<slug>
    title: str  # after the letter's kind
    template: str
    answer: Callable[[Visit, Letter], Answer]
    fields: dict[str, str] = field(default_factory=dict)  # lifecycle rule -> form field
    prefill: dict[str, str] = field(default_factory=dict)
    # The form as first shown (default: empty but for `prefill`).
    opened: Callable[[Visit, Case, Letter], FormResult[Any]] | None = None
    # What else the page shows; an "upload" (UploadForm) in it is a form posting elsewhere.
    context: Callable[[Visit, Case, Letter, FormResult[Any]], dict[str, Any]] | None = None


def _render(
    visit: Visit, action: LetterAction, case: Case, letter: Letter, form: FormResult[Any]
) -> web.Reply:
    base = f"/console/cases/{case.case_id}"
    words = LETTER_KIND[letter.kind]
    extra = action.context(visit, case, letter, form) if action.context else {}
    reply = visit.render_form(
        action.template,
        title=f"{words}: {action.title}",
        form=form,
        case_id=case.case_id,
        case_href=visit.site.url(base),
        action=visit.site.url(f"{base}/letters/{letter.letter_id}/{action.slug}"),
        version=form.value_of("version", str(case.version)),
        letter={
            "kind": words,
            "dated": uk_date(letter.letter_date),
            "version": letter.version,
            "date_bound": letter_kind(letter.kind).date_bound,
            "by_email": letter.email_key is not None,
            "redraft": visit.site.url(f"{base}/letters/{letter.letter_id}/redraft"),
        },
        **extra,
    )
    if "upload" in extra:  # the CSP lets this page's forms go to the bucket, and only this
        reply.form_targets = (web.origin_of(extra["upload"].url),)
    return reply


def _register(action: LetterAction) -> None:
    path = f"/console/cases/<case_id>/letters/<letter_id>/{action.slug}"

    def show(visit: Visit, case_id: str, letter_id: str) -> web.Reply:
        case, letter = _letter(visit, case_id, letter_id, action.kind)
        form = action.opened(visit, case, letter) if action.opened else empty(action.prefill)
        return _render(visit, action, case, letter, form)

    def send(visit: Visit, case_id: str, letter_id: str) -> web.Reply:
        # Decided first: a form sent against a case that changed since is the conflict page,
        # whatever the change (even one that closed this form).
        answer = action.answer(visit, _known(visit, case_id, letter_id))
        form = record(visit, case_id, answer, action.fields)
        if isinstance(form, web.Reply):
            return form
        case, letter = _letter(visit, case_id, letter_id, action.kind)
        return _render(visit, action, case, letter, form)

    page(path, operation=Operation.DECIDE)(show)
    page(path, "POST", operation=Operation.DECIDE)(send)


def _sent(visit: Visit, letter: Letter) -> Answer:
    def give(a: LetterSentForm) -> tuple[Command, str]:
        final = a.final_key or None
        sent = MarkLetterSent(
            letter_id=letter.letter_id, sent_on=a.sent_on, final_key=final, sent_via=a.sent_via
        )
        how = " by email" if a.sent_via is SentVia.EMAIL else ""
        done = f"{LETTER_KIND[letter.kind]} marked sent{how} on {uk_date(a.sent_on)}."
        return sent, done + (" The version you uploaded is kept with it." if final else "")

    return answered(LetterSentForm, visit.form, give)


def _sent_opened(visit: Visit, case: Case, letter: Letter) -> FormResult[Any]:
    """Step 2 carries the key S3 sent the browser back with (`?bucket=&key=&etag=`), once
    the upload passes the use case's checks; otherwise its refusal beside the file field."""
    key = visit.query.get("key")
    if not key:
        return empty()
    try:
        visit.wiring.use_cases.cases.final_upload(
            visit.request, case.case_id, letter.letter_id, key
        )
    except RuleViolation as refusal:
        return refused_on_form(empty(), refusal, {refusal.rule: FINAL_FIELD}) or empty()
    return empty({"final_key": key})


def _sent_context(
    visit: Visit, case: Case, letter: Letter, form: FormResult[Any]
) -> dict[str, Any]:
    """Step 1: the upload form, S3 sending the browser back to this page; what was uploaded."""
    path = f"/console/cases/{case.case_id}/letters/{letter.letter_id}/sent"
    back = visit.site.absolute(path)
    upload = visit.wiring.use_cases.cases.upload_form(
        visit.request, case.case_id, letter.letter_id, back
    )
    key = "" if form.error_of(FINAL_FIELD) else form.value_of("final_key")
    return {
        "upload": upload,
        "final_key": key,
        "uploaded": final_document_name(key) if key else None,
        "document_types": [{"value": k, "text": v} for k, v in FINAL_DOCUMENT_TYPES.items()],
    }


def _redraft(visit: Visit, letter: Letter) -> Answer:
    dated = uk_date(london_date(visit.now))

    def give(a: ReasonForm) -> tuple[Command, str]:
        redraft = RedraftLetter(letter_id=letter.letter_id, reason=a.reason)
        return redraft, f"A new draft is on its way, dated {dated}."

    return answered(ReasonForm, visit.form, give)


LETTER_ACTIONS = (
    LetterAction(
        CommandKind.MARK_LETTER_SENT,
        "sent",
        "mark as sent",
        "case_letter_sent.html",
        _sent,
        # The lifecycle's refusals that concern the date sent, and the version uploaded.
        fields={
            "letter-sent-date": "sent_on",
            "letter-dated": "sent_on",
            "letter-final": FINAL_FIELD,
            "letter-by-email": "sent_via",
        },
        opened=_sent_opened,
        context=_sent_context,
    ),
    LetterAction(
        CommandKind.REDRAFT_LETTER,
        "redraft",
        "ask for a new draft",
        "case_letter_redraft.html",
        _redraft,
        prefill={"reason": str(RedraftLetter.model_fields["reason"].default)},
    ),
)

for _action in LETTER_ACTIONS:
    _register(_action)
