"""A case's letters: the document (DOCX) to download, marking a letter sent, and asking for a
new draft.

The document is streamed through the console (`use_cases.cases.letter`, audited) as an
attachment, not a link to the letters bucket: a presigned S3 link would need a port the
use cases do not have yet.
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
from console.routes.case_forms import LetterSentForm, ReasonForm, in_words
from console.routes.case_words import LETTER_KIND, uk_date
from contactguard.domain.access import Operation
from contactguard.domain.calendar import london_date
from contactguard.domain.case import (
    Case,
    Command,
    CommandKind,
    Letter,
    MarkLetterSent,
    RedraftLetter,
)
from contactguard.domain.letter_kinds import letter_kind
from contactguard.usecases.errors import NotFound

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@page("/console/cases/<case_id>/letters/<letter_id>", operation=Operation.READ_LETTER)
def download(visit: Visit, case_id: str, letter_id: str) -> web.Reply:
    """A presigned S3 address, valid a minute (API Gateway turns a body back into bytes only
    when the browser's Accept header names the type, which a link's does not); where there is
    none (the embedded stack), the document itself."""
    got = visit.wiring.use_cases.cases.download(visit.request, case_id, letter_id)
    if got.link is not None:
        return web.Reply.redirect(got.link)
    document, name = got.document or b"", got.filename
    return web.Reply(
        HTTPStatus.OK,
        document,
        headers={"Content-Type": DOCX, "Content-Disposition": f'attachment; filename="{name}"'},
    )


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


def _render(
    visit: Visit, action: LetterAction, case: Case, letter: Letter, form: FormResult[Any]
) -> web.Reply:
    base = f"/console/cases/{case.case_id}"
    words = LETTER_KIND[letter.kind]
    return visit.render_form(
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
            "redraft": visit.site.url(f"{base}/letters/{letter.letter_id}/redraft"),
        },
    )


def _register(action: LetterAction) -> None:
    path = f"/console/cases/<case_id>/letters/<letter_id>/{action.slug}"

    def show(visit: Visit, case_id: str, letter_id: str) -> web.Reply:
        case, letter = _letter(visit, case_id, letter_id, action.kind)
        return _render(visit, action, case, letter, empty(action.prefill))

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
        sent = MarkLetterSent(letter_id=letter.letter_id, sent_on=a.sent_on)
        return sent, f"{LETTER_KIND[letter.kind]} marked sent on {uk_date(a.sent_on)}."

    return answered(LetterSentForm, visit.form, give)


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
        # The lifecycle's refusals that concern the date sent.
        fields={"letter-sent-date": "sent_on", "letter-dated": "sent_on"},
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
