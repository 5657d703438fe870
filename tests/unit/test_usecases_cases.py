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
from contactguard.domain.case import CaseStatus, CloseConcern, LetterKind, RecordLetterDrafted
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
