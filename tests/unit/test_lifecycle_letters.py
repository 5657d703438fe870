"""Letters through the lifecycle: drafted, failed, marked sent by their own senders, and the
reminders when one is left unsent."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import pytest
from builders import (
    CASE_ID,
    CET,
    CONCERN_LETTER_SENT_ON,
    DEADLINES,
    DECIDED_ON,
    EXECUTIVE,
    HEAD,
    LETTERS,
    MANAGER,
    RESTRICTION_LETTER_SENT_ON,
    Story,
    at,
    closed_by_upheld_appeal,
    concern_raised,
    restricted,
    restrictions_decided,
    under_appeal,
)
from lifecycle_stories import (
    drafted_command,
    failed_command,
    refused,
    sent_letter_command,
)
from pydantic import ValidationError

from contactguard.domain.case import (
    DOCX_TYPE,
    FINAL_DOCUMENT_MAX_BYTES,
    FINAL_DOCUMENT_TYPES,
    PDF_TYPE,
    Case,
    CaseEvent,
    CaseStatus,
    LetterKind,
    LetterStatus,
    MarkLetterSent,
    RemindUnsentLetter,
    ReviewPackDue,
    final_document_key,
    final_document_name,
    final_upload_prefix,
)
from contactguard.domain.errors import (
    NothingToDo,
    NotPermitted,
    RuleViolation,
)
from contactguard.domain.lifecycle import LETTER_SENDERS
from contactguard.domain.model import Actor

# Letters -------------------------------------------------------------------------------------


@pytest.mark.policy("design-decisions-recorded")
def test_an_unsent_letter_reminds_its_sender_then_escalates_once() -> None:
    story = restrictions_decided()
    story.draft(LetterKind.RESTRICTIONS, at(DECIDED_ON, 11))  # Monday 14 December
    letter_id = story.letter(LetterKind.RESTRICTIONS).letter_id
    remind = RemindUnsentLetter(letter_id=letter_id)
    refused(story, remind, DEADLINES, at("2026-12-15", 7), NothingToDo, "deadline-early")
    first = story.do(remind, DEADLINES, at("2026-12-16", 7))  # 2 working days on
    assert first.events[0].data["notify"] == "head-of-service"  # its sender
    assert first.events[0].data["reminder"] == 1
    # The second, 4 working days after drafting (Friday 18th), escalates to the Head of Service.
    refused(story, remind, DEADLINES, at("2026-12-17", 7), NothingToDo, "deadline-early")
    second = story.do(remind, DEADLINES, at("2026-12-18", 7))
    assert second.events[0].data["alert"] is True
    refused(story, remind, DEADLINES, at("2026-12-30", 7), NothingToDo, "deadline-stale")
    assert story.current.status is CaseStatus.RESTRICTIONS_DECIDED  # a reminder decides nothing


def test_a_letter_cannot_be_sent_before_it_is_drafted() -> None:
    story = restrictions_decided()
    command = sent_letter_command(story, LetterKind.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON)
    refused(story, command, HEAD, at("2026-12-18", 16), RuleViolation, "letter-must-be-drafted")


def test_a_failed_letter_cannot_be_sent() -> None:
    story = restrictions_decided()
    story.do(failed_command(story, LetterKind.RESTRICTIONS), LETTERS, at(DECIDED_ON, 11))
    assert story.letter(LetterKind.RESTRICTIONS).status is LetterStatus.FAILED
    assert story.letter(LetterKind.RESTRICTIONS).problems == ("no appeal deadline date",)
    command = sent_letter_command(story, LetterKind.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON)
    refused(story, command, HEAD, at("2026-12-18", 16), RuleViolation, "letter-must-be-drafted")
    # A corrected draft clears the problems and can then be sent.
    story.do(drafted_command(story, LetterKind.RESTRICTIONS), LETTERS, at("2026-12-18", 9))
    assert story.letter(LetterKind.RESTRICTIONS).problems == ()
    assert story.do(command, HEAD, at("2026-12-18", 16)).case.status is CaseStatus.RESTRICTED


def test_a_letter_cannot_be_marked_sent_in_the_future() -> None:
    story = restrictions_decided()
    story.draft(LetterKind.RESTRICTIONS, at(DECIDED_ON, 11))
    command = sent_letter_command(story, LetterKind.RESTRICTIONS, date(2026, 12, 19))
    refused(story, command, HEAD, at("2026-12-18", 23, 59, 59), RuleViolation, "letter-sent-date")


def test_a_letter_cannot_be_sent_before_its_decision() -> None:
    story = restrictions_decided()
    story.draft(LetterKind.RESTRICTIONS, at(DECIDED_ON, 11))
    command = sent_letter_command(story, LetterKind.RESTRICTIONS, date(2026, 12, 13))
    refused(story, command, HEAD, at("2026-12-18"), RuleViolation, "letter-sent-date")


@pytest.mark.parametrize(
    ("make", "kind", "sent_on", "by"),
    [
        (concern_raised, LetterKind.CONCERN, CONCERN_LETTER_SENT_ON, HEAD),
        (restrictions_decided, LetterKind.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, CET),
        (restrictions_decided, LetterKind.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, EXECUTIVE),
        (under_appeal, LetterKind.APPEAL_ACKNOWLEDGEMENT, date(2027, 1, 14), MANAGER),
        (closed_by_upheld_appeal, LetterKind.APPEAL_UPHELD, date(2027, 2, 2), HEAD),
    ],
)
def test_only_the_letters_own_senders_mark_it_sent(
    make: Callable[[], Story], kind: LetterKind, sent_on: date, by: Actor
) -> None:
    assert by.role not in LETTER_SENDERS[kind]
    story = make()
    story.draft(kind, at(sent_on, 9))
    command = sent_letter_command(story, kind, sent_on)
    refused(story, command, by, at(sent_on, 16), NotPermitted, "letter-senders")


def test_the_internal_review_pack_is_never_sent() -> None:
    story = restricted()
    story.do(ReviewPackDue(), DEADLINES, at("2027-11-22", 8))
    story.draft(LetterKind.REVIEW_PACK, at("2027-11-22", 9))
    command = sent_letter_command(story, LetterKind.REVIEW_PACK, date(2027, 11, 22))
    for by in (MANAGER, HEAD, CET, EXECUTIVE):
        refused(story, command, by, at("2027-11-22", 16), NotPermitted, "letter-senders")


def test_marking_a_letter_sent_twice_is_nothing_to_do() -> None:
    story = restricted()
    command = sent_letter_command(story, LetterKind.RESTRICTIONS, date(2026, 12, 21))
    refused(story, command, HEAD, at("2026-12-21"), NothingToDo, "letter-already-sent")
    assert story.letter(LetterKind.RESTRICTIONS).sent_on == RESTRICTION_LETTER_SENT_ON
    assert story.letter(LetterKind.RESTRICTIONS).sent_by == HEAD.actor_id


def test_drafts_are_versioned_and_duplicates_are_nothing_to_do() -> None:
    story = restrictions_decided()
    first = drafted_command(story, LetterKind.RESTRICTIONS, version=1)
    story.do(first, LETTERS, at(DECIDED_ON, 11))
    refused(story, first, LETTERS, at(DECIDED_ON, 12), NothingToDo, "letter-duplicate")
    second = drafted_command(story, LetterKind.RESTRICTIONS, version=2)
    story.do(second, LETTERS, at(RESTRICTION_LETTER_SENT_ON, 9))
    letter = story.letter(LetterKind.RESTRICTIONS)
    assert (letter.status, letter.version, letter.s3_key) == (
        LetterStatus.DRAFTED,
        2,
        second.s3_key,
    )
    assert letter.superseded_keys == (first.s3_key,)
    refused(story, first, LETTERS, at(DECIDED_ON, 14), RuleViolation, "letter-version")
    story.send(LetterKind.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, HEAD)
    third = drafted_command(story, LetterKind.RESTRICTIONS, version=3)
    refused(story, third, LETTERS, at("2026-12-19"), NothingToDo, "letter-already-sent")


def test_a_repeated_failure_is_nothing_to_do() -> None:
    story = restrictions_decided()
    story.do(failed_command(story, LetterKind.RESTRICTIONS), LETTERS, at(DECIDED_ON, 11))
    command = failed_command(story, LetterKind.RESTRICTIONS)
    refused(story, command, LETTERS, at(DECIDED_ON, 12), NothingToDo, "letter-duplicate")


def test_an_unknown_letter_is_refused() -> None:
    command = MarkLetterSent(letter_id="restrictions-9999", sent_on=date(2026, 12, 18))
    refused(restricted(), command, HEAD, at("2026-12-18", 17), RuleViolation, "letter-unknown")


# The final version a manager posted ----------------------------------------------------------

TOKEN = "0123456789abcdef0123456789abcdef"


def test_a_letter_sent_as_drafted_keeps_no_other_version() -> None:
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at(CONCERN_LETTER_SENT_ON, 9))
    command = sent_letter_command(story, LetterKind.CONCERN, CONCERN_LETTER_SENT_ON)
    sent = story.do(command, MANAGER, at(CONCERN_LETTER_SENT_ON, 15))
    assert story.letter(LetterKind.CONCERN).sent_key is None
    assert sent.events[0].data["sent_key"] is None


def test_a_letter_marked_sent_with_its_final_version_keeps_that_version() -> None:
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at(CONCERN_LETTER_SENT_ON, 9))
    letter_id = story.letter(LetterKind.CONCERN).letter_id
    upload = f"uploads/{CASE_ID}/{letter_id}/{TOKEN}/concern letter.pdf"
    command = MarkLetterSent(letter_id=letter_id, sent_on=CONCERN_LETTER_SENT_ON, final_key=upload)
    sent = story.do(command, MANAGER, at(CONCERN_LETTER_SENT_ON, 15))
    kept = f"letters/{CASE_ID}/{letter_id}/sent/{TOKEN}/concern letter.pdf"
    assert story.letter(LetterKind.CONCERN).sent_key == kept
    assert sent.events[0].data["sent_key"] == kept
    assert final_document_name(kept) == "concern letter.pdf"


@pytest.mark.parametrize(
    "upload",
    [
        "uploads/case-0002/{letter}/{token}/a.docx",  # another case's
        "uploads/case-0001/concern-0099/{token}/a.docx",  # another letter's
        "letters/case-0001/{letter}/v1.docx",  # not an upload
        "uploads/case-0001/{letter}/not-a-token/a.docx",
        "uploads/case-0001/{letter}/{token}/",  # no file name
        "uploads/case-0001/{letter}/{token}/a/b.docx",
    ],
)
def test_a_final_version_that_is_not_an_upload_of_this_letter_is_refused(upload: str) -> None:
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at(CONCERN_LETTER_SENT_ON, 9))
    letter_id = story.letter(LetterKind.CONCERN).letter_id
    key = upload.format(letter=letter_id, token=TOKEN)
    command = MarkLetterSent(letter_id=letter_id, sent_on=CONCERN_LETTER_SENT_ON, final_key=key)
    refused(story, command, MANAGER, at(CONCERN_LETTER_SENT_ON, 15), RuleViolation, "letter-final")


def test_an_upload_key_is_kept_under_its_letter_only_when_it_is_one_of_its_uploads() -> None:
    prefix = f"uploads/c/l/{TOKEN}/"
    assert final_upload_prefix("c", "l") == "uploads/c/l/"
    assert final_document_key("c", "l", prefix + "a.docx") == f"letters/c/l/sent/{TOKEN}/a.docx"
    longest = prefix + "n" * (1024 - len(prefix))
    assert final_document_key("c", "l", longest) == f"letters/c/l/sent/{TOKEN}/" + "n" * (
        1024 - len(prefix)
    )
    assert final_document_key("c", "l", longest + "n") is None  # over S3's 1,024 bytes
    assert final_document_key("c", "l", prefix + " ") is None  # a name of nothing but space
    assert final_document_key("c", "l", f"uploads/c/l/{TOKEN.upper()}/a.docx") is None
    assert final_document_name("letters/c/l/sent/t/Letter as posted.pdf") == "Letter as posted.pdf"
    assert final_document_name("a.pdf") == "a.pdf"
    assert FINAL_DOCUMENT_MAX_BYTES == 10 * 1024 * 1024
    assert FINAL_DOCUMENT_TYPES == {DOCX_TYPE: "Word document (DOCX)", PDF_TYPE: "PDF"}
    sent_on = CONCERN_LETTER_SENT_ON
    assert MarkLetterSent(letter_id="l", sent_on=sent_on, final_key="k" * 1024).final_key
    for wrong in ("", "k" * 1025):
        with pytest.raises(ValidationError):
            MarkLetterSent(letter_id="l", sent_on=sent_on, final_key=wrong)
    assert DOCX_TYPE == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert PDF_TYPE == "application/pdf"


def test_events_and_letters_stored_before_final_versions_still_load() -> None:
    """What the store holds from before: no sent_key on a sent letter or its event."""
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at(CONCERN_LETTER_SENT_ON, 9))
    command = sent_letter_command(story, LetterKind.CONCERN, CONCERN_LETTER_SENT_ON)
    event = story.do(command, MANAGER, at(CONCERN_LETTER_SENT_ON, 15)).events[0]
    old_event = event.model_dump(mode="json")
    del old_event["data"]["sent_key"]
    assert "sent_key" not in CaseEvent.model_validate_json(json.dumps(old_event)).data
    old_case = story.current.model_dump(mode="json")
    for letter in old_case["letters"]:
        del letter["sent_key"]
    loaded = Case.model_validate_json(json.dumps(old_case))
    assert loaded.letter(event.data["letter_id"]).sent_key is None  # type: ignore[arg-type,union-attr]
    old_command = {"kind": "mark-letter-sent", "letter_id": "x", "sent_on": "2026-11-03"}
    assert MarkLetterSent.model_validate(old_command).final_key is None
