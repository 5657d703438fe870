"""The case, letter, lookup and read-queue use cases, over in-memory ports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import (
    CALL_HANDLER,
    CUSTOMER_ID,
    EXECUTIVE,
    HEAD,
    MANAGER,
    SAFEGUARDING,
    at,
    raise_concern,
    restricted,
)

from contactguard.domain.access import Operation
from contactguard.domain.case import (
    DOCX_TYPE,
    CaseStatus,
    CloseConcern,
    LetterKind,
    MarkLetterSent,
    RecordLetterDrafted,
)
from contactguard.domain.errors import NothingToDo, NotPermitted, RuleViolation, VersionConflict
from contactguard.domain.model import Actor, Channel, Contact, Disposition, ReadOutcome
from contactguard.usecases import Request
from contactguard.usecases.errors import AlreadyExists, InvalidInput, NotFound, UnknownCase
from fakes import Fakes, FixedClock, fake_use_cases


def by(actor: Actor, request_id: str = "req-1") -> Request:
    return Request(actor=actor, request_id=request_id)


@pytest.fixture
def fx() -> Fakes:
    fakes = fake_use_cases(FixedClock(at("2026-11-02")))
    fakes.use_cases.customers.register(by(MANAGER), {"name": "Ada"}, CUSTOMER_ID)
    return fakes


def test_a_case_is_opened_decided_and_read_each_step_audited(fx: Fakes) -> None:
    cases = fx.use_cases.cases
    outcome = cases.open(by(MANAGER), raise_concern(), CUSTOMER_ID, "case-0001")
    assert outcome.case.status is CaseStatus.CONCERN
    with pytest.raises(AlreadyExists):
        cases.open(by(MANAGER), raise_concern(), CUSTOMER_ID, "case-0001")
    with pytest.raises(VersionConflict):
        cases.act(by(MANAGER), "case-0001", CloseConcern(reason="better"), "close-concern", 9)
    acted = cases.act(by(MANAGER), "case-0001", CloseConcern(reason="better"), "close-concern", 1)
    assert acted.nothing_to_do is None
    assert acted.events
    assert cases.view(by(MANAGER), "case-0001").version == acted.case.version
    case, events = cases.history(by(MANAGER), "case-0001")
    assert [e.seq for e in events] == list(range(1, case.version + 1))
    decided = [r for r in fx.store.audit if r.operation is Operation.DECIDE]
    assert [r.detail for r in decided] == ["command=close-concern"] * 2
    with pytest.raises(UnknownCase):
        cases.view(by(MANAGER), "nope")


def test_a_letter_document_comes_from_the_documents_port(fx: Fakes) -> None:
    cases = fx.use_cases.cases
    case = cases.open(by(MANAGER), raise_concern(), CUSTOMER_ID, "case-0001").case
    (letter,) = case.letters
    with pytest.raises(NotFound):  # no document yet
        cases.letter(by(MANAGER), "case-0001", letter.letter_id)
    drafted = RecordLetterDrafted(letter_id=letter.letter_id, version=1, s3_key="letters/l1")
    fx.use_cases.cases.service.act("case-0001", drafted, Actor.system("letters"), fx.clock())
    with pytest.raises(NotFound):  # drafted, but the bucket has lost it
        cases.letter(by(MANAGER), "case-0001", letter.letter_id)
    assert fx.log.lines[-1][:2] == ("warning", "a letter's document is missing")
    fx.documents.objects["letters/l1"] = b"PK docx"
    found, document = cases.letter(by(MANAGER), "case-0001", letter.letter_id)
    assert (found.kind, document) == (LetterKind.CONCERN, b"PK docx")
    assert fx.store.audit[-1].letter_id == letter.letter_id
    with pytest.raises(NotFound):
        cases.letter(by(MANAGER), "case-0001", "no-such-letter")


def test_the_lookup_says_what_applies_now_and_audits_who_was_asked_about(fx: Fakes) -> None:
    story = restricted()
    assert story.case is not None
    fx.store.cases_by_id[story.case.case_id] = story.case
    fx.store.events_by_case[story.case.case_id] = list(story.events)
    fx.clock.now = at("2027-01-05")
    applies = fx.use_cases.lookup.what_applies(by(CALL_HANDLER), customer_id=CUSTOMER_ID)
    assert applies.restricted
    assert applies.in_force[0].case.case_id == story.case.case_id
    assert Channel.LETTER in applies.permitted_channels
    assert Channel.PHONE not in applies.permitted_channels
    assert len(applies.channels) == len(Channel)
    assert fx.store.audit[-1].detail == "by=customer_id found=true"
    with pytest.raises(NotFound):
        fx.use_cases.lookup.what_applies(by(CALL_HANDLER), email="who@example.org")
    assert (fx.store.audit[-1].customer_id, fx.store.audit[-1].detail) == (
        None,
        "by=email found=false",
    )
    with pytest.raises(InvalidInput):
        fx.use_cases.lookup.what_applies(by(CALL_HANDLER))


def filed_email(contact_id: str, fx: Fakes, filed: bool = True) -> Contact:
    contact = Contact(
        contact_id=contact_id,
        customer_id=CUSTOMER_ID,
        channel=Channel.EMAIL,
        at=fx.clock.now - timedelta(hours=1),
        summary="words",
        disposition=Disposition.FILED_BLOCKED if filed else Disposition.ACCEPTED,
    )
    fx.store.record_contact(contact, queue_for_reading=filed)
    return contact


def test_the_read_queue_audits_each_item_and_a_read_is_recorded_once(fx: Fakes) -> None:
    queue = fx.use_cases.read_queue
    filed_email("ses-1", fx)
    filed_email("ses-2", fx)
    filed_email("ses-3", fx, filed=False)
    with pytest.raises(NotPermitted):
        queue.waiting(by(HEAD))
    before = len(fx.store.audit)
    waiting = queue.waiting(by(SAFEGUARDING))
    assert [w.contact_id for w in waiting] == ["ses-1", "ses-2"]
    assert len(fx.store.audit) == before + 2
    read = queue.mark_read(by(SAFEGUARDING), "ses-1", ReadOutcome.NOTHING_NEW, "nothing new")
    assert read.read is not None
    assert read.read.read_by == SAFEGUARDING.actor_id
    with pytest.raises(NothingToDo):
        queue.mark_read(by(SAFEGUARDING), "ses-1", ReadOutcome.NOTHING_NEW)
    with pytest.raises(RuleViolation):
        queue.mark_read(by(SAFEGUARDING), "ses-3", ReadOutcome.NOTHING_NEW)
    with pytest.raises(NotFound):
        queue.mark_read(by(SAFEGUARDING), "ses-404", ReadOutcome.NOTHING_NEW)
    assert fx.store.audit[-1].customer_id is None  # the record says nobody was found
    with pytest.raises(NotPermitted):
        queue.mark_read(by(EXECUTIVE), "ses-2", ReadOutcome.NOTHING_NEW)


# The final version a manager posted ------------------------------------------------------------

PDF = "application/pdf"


def drafted_concern(fx: Fakes) -> str:
    """A concern case whose letter is drafted; its letter id."""
    cases = fx.use_cases.cases
    (letter,) = cases.open(by(MANAGER), raise_concern(), CUSTOMER_ID, "case-0001").case.letters
    drafted = RecordLetterDrafted(letter_id=letter.letter_id, version=1, s3_key="letters/l1")
    cases.service.act("case-0001", drafted, Actor.system("letters"), fx.clock())
    fx.documents.objects["letters/l1"] = b"PK draft"
    return letter.letter_id


def upload_key(fx: Fakes, letter_id: str, name: str = "posted.pdf") -> str:
    """The key a browser's upload lands on, through the form the use case gives."""
    form = fx.use_cases.cases.upload_form(by(MANAGER), "case-0001", letter_id, "https://back")
    return form.fields["key"].replace("${filename}", name)


def test_an_upload_form_is_for_this_letter_docx_or_pdf_10_mb_15_minutes(fx: Fakes) -> None:
    letter_id = drafted_concern(fx)
    form = fx.use_cases.cases.upload_form(by(MANAGER), "case-0001", letter_id, "https://back")
    (asked,) = fx.documents.forms
    assert asked["prefix"].startswith(f"uploads/case-0001/{letter_id}/")
    assert len(asked["prefix"].split("/")[3]) == 32  # a random part: no two forms alike
    rules = asked["rules"]
    assert rules.content_types == (DOCX_TYPE, PDF)
    assert (rules.max_bytes, rules.seconds, rules.redirect) == (
        10 * 1024 * 1024,
        900,
        "https://back",
    )
    assert form.fields["success_action_redirect"] == "https://back"
    with pytest.raises(NotPermitted):
        fx.use_cases.cases.upload_form(by(CALL_HANDLER), "case-0001", letter_id, None)
    with pytest.raises(NotFound):
        fx.use_cases.cases.upload_form(by(MANAGER), "case-0001", "no-such-letter", None)


def test_marking_sent_with_an_upload_keeps_a_copy_and_records_it(fx: Fakes) -> None:
    letter_id = drafted_concern(fx)
    key = upload_key(fx, letter_id)
    fx.documents.uploads[key] = (b"%PDF-1.7 posted", PDF)
    assert fx.use_cases.cases.final_upload(by(MANAGER), "case-0001", letter_id, key) == "posted.pdf"
    sent = MarkLetterSent(letter_id=letter_id, sent_on=at("2026-11-02").date(), final_key=key)
    acted = fx.use_cases.cases.act(by(MANAGER), "case-0001", sent, "mark-letter-sent", 2)
    kept = acted.case.letter(letter_id).sent_key  # type: ignore[union-attr]
    assert kept is not None
    assert kept.startswith(f"letters/case-0001/{letter_id}/sent/")
    assert fx.documents.objects[kept] == b"%PDF-1.7 posted"
    final = fx.use_cases.cases.download(by(MANAGER), "case-0001", letter_id, final=True)
    assert (final.document, final.content_type) == (b"%PDF-1.7 posted", PDF)
    assert final.filename == f"case-0001-{letter_id}-posted.pdf"
    draft = fx.use_cases.cases.download(by(MANAGER), "case-0001", letter_id)
    assert (draft.document, draft.content_type) == (b"PK draft", DOCX_TYPE)


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "the uploaded file is gone: upload it again"),
        ((b"", PDF), "the file must be between 1 byte and 10 MB"),
        ((b"x" * (10 * 1024 * 1024 + 1), PDF), "the file must be between 1 byte and 10 MB"),
        ((b"<html>", "text/html"), "the file must be a Word document (DOCX) or a PDF"),
        ((b"PK", "application/zip"), "the file must be a Word document (DOCX) or a PDF"),
    ],
)
def test_an_upload_that_is_missing_too_big_or_of_another_type_is_refused(
    fx: Fakes, upload: tuple[bytes, str] | None, message: str
) -> None:
    letter_id = drafted_concern(fx)
    key = upload_key(fx, letter_id)
    if upload is not None:
        fx.documents.uploads[key] = upload
    with pytest.raises(RuleViolation) as caught:
        fx.use_cases.cases.final_upload(by(MANAGER), "case-0001", letter_id, key)
    assert (caught.value.rule, caught.value.message) == ("letter-final", message)
    sent = MarkLetterSent(letter_id=letter_id, sent_on=at("2026-11-02").date(), final_key=key)
    with pytest.raises(RuleViolation):
        fx.use_cases.cases.act(by(MANAGER), "case-0001", sent, "mark-letter-sent", 2)
    assert fx.use_cases.cases.view(by(MANAGER), "case-0001").version == 2  # nothing recorded


def test_an_upload_of_another_case_or_letter_is_refused_before_any_read(fx: Fakes) -> None:
    letter_id = drafted_concern(fx)
    elsewhere = upload_key(fx, letter_id).replace("case-0001", "case-0002")
    fx.documents.uploads[elsewhere] = (b"%PDF", PDF)
    with pytest.raises(RuleViolation) as caught:
        fx.use_cases.cases.final_upload(by(MANAGER), "case-0001", letter_id, elsewhere)
    assert caught.value.message == "the file is not one of this letter's uploads"
    sent = MarkLetterSent(letter_id=letter_id, sent_on=at("2026-11-02").date(), final_key=elsewhere)
    with pytest.raises(RuleViolation):
        fx.use_cases.cases.act(by(MANAGER), "case-0001", sent, "mark-letter-sent", 2)
    with pytest.raises(NotFound):  # sent as drafted: no version of its own
        fx.use_cases.cases.download(by(MANAGER), "case-0001", letter_id, final=True)


def test_a_decision_the_lifecycle_refuses_keeps_no_copy(fx: Fakes) -> None:
    letter_id = drafted_concern(fx)
    key = upload_key(fx, letter_id)
    fx.documents.uploads[key] = (b"%PDF", PDF)
    today = at("2026-11-02").date()
    cases = fx.use_cases.cases
    stale = MarkLetterSent(letter_id=letter_id, sent_on=today, final_key=key)
    with pytest.raises(VersionConflict):
        cases.act(by(MANAGER), "case-0001", stale, "mark-letter-sent", 1)
    future = MarkLetterSent(letter_id=letter_id, sent_on=today + timedelta(days=1), final_key=key)
    with pytest.raises(RuleViolation):
        cases.act(by(MANAGER), "case-0001", future, "mark-letter-sent", 2)
    assert [k for k in fx.documents.uploads if k.startswith("letters/")] == []
