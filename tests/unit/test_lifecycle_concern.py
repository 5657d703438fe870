"""Step 1 of the policy (s.4): the Service Manager's concern, its letter, its follow-up and
its closing, with the real dates the policy produces."""

from __future__ import annotations

from datetime import date

import pytest
from builders import (
    CASE_ID,
    CONCERN_LETTER_SENT_ON,
    CONCERN_RAISED_ON,
    CUSTOMER_ID,
    DEADLINES,
    HEAD,
    MANAGER,
    actor,
    at,
    concern_letter_sent,
    concern_raised,
    no_case,
    raise_concern,
)
from lifecycle_stories import refused
from pydantic import ValidationError

from contactguard.domain.case import (
    CaseEventType,
    CaseStatus,
    CloseConcern,
    ConcernFollowUpDue,
    LetterKind,
    LetterStatus,
    RaiseConcern,
)
from contactguard.domain.errors import (
    NothingToDo,
    NotPermitted,
)
from contactguard.domain.model import (
    Behaviour,
    Role,
)

# Step 1: the concern ------------------------------------------------------------------------


@pytest.mark.policy("s4-step1-service-manager")
def test_a_service_manager_records_the_concern_and_a_concern_letter_is_required() -> None:
    story = no_case()
    outcome = story.do(raise_concern(), MANAGER, at(CONCERN_RAISED_ON))
    case, (event,) = outcome.case, outcome.events
    assert case.status is CaseStatus.CONCERN
    assert case.opened_at == at(CONCERN_RAISED_ON)
    assert case.concern is not None
    assert case.concern.raised_by == MANAGER
    assert case.concern.evidence_contact_ids == ("contact-1", "contact-2")
    assert event.type is CaseEventType.CONCERN_RAISED
    assert event.reason == "forty emails in a week, two of them threatening staff"
    assert event.letter is not None
    assert event.letter.kind is LetterKind.CONCERN
    (letter,) = case.letters
    assert (letter.letter_id, letter.status) == (event.letter.letter_id, LetterStatus.REQUIRED)
    assert letter.letter_id == "concern-0001"  # deterministic: kind and event number


@pytest.mark.policy("s4-step1-service-manager")
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.SERVICE_MANAGER])
def test_only_a_service_manager_raises_a_concern(role: Role) -> None:
    refused(
        no_case(),
        raise_concern(),
        actor(role),
        at(CONCERN_RAISED_ON),
        NotPermitted,
        "role-permissions",
    )


@pytest.mark.policy("s3-behaviour-vocabulary")
def test_a_concern_is_recorded_in_the_policy_vocabulary_of_behaviours() -> None:
    outcome = no_case().do(raise_concern(), MANAGER, at(CONCERN_RAISED_ON))
    assert outcome.events[0].data["behaviours"] == [
        "threatening-or-foul-language",
        "multiple-threatening-or-excessive-emails",
    ]
    assert outcome.case.concern is not None
    assert outcome.case.concern.behaviours == (
        Behaviour.THREATENING_LANGUAGE,
        Behaviour.EXCESSIVE_EMAILS,
    )


@pytest.mark.policy("s3-behaviour-vocabulary")
@pytest.mark.parametrize("behaviours", [(), ("shouting-loudly",)])
def test_a_concern_needs_at_least_one_behaviour_from_the_vocabulary(
    behaviours: tuple[str, ...],
) -> None:
    with pytest.raises(ValidationError, match="behaviours"):
        RaiseConcern(case_id=CASE_ID, customer_id=CUSTOMER_ID, behaviours=behaviours, note="n")


@pytest.mark.policy("s4-step1-follow-up")
def test_sending_the_concern_letter_sets_the_follow_up_20_working_days_later() -> None:
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at(CONCERN_RAISED_ON, 11))
    outcome = story.send(LetterKind.CONCERN, CONCERN_LETTER_SENT_ON, MANAGER)
    assert outcome.case.concern is not None
    assert outcome.case.concern.letter_sent_on == date(2026, 11, 3)
    assert outcome.case.concern.follow_up_due_on == date(2026, 12, 1)
    assert outcome.events[0].data["sent_on"] == "2026-11-03"


@pytest.mark.policy("s4-step1-follow-up")
def test_the_follow_up_asks_the_manager_on_its_day_once() -> None:
    story = concern_letter_sent()
    early = at("2026-11-30", 23, 59, 59)
    refused(story, ConcernFollowUpDue(), DEADLINES, early, NothingToDo, "deadline-early")
    outcome = story.do(ConcernFollowUpDue(), DEADLINES, at("2026-12-01", 8))
    assert outcome.events[0].data["due_on"] == "2026-12-01"
    assert outcome.events[0].data["notify"] == "service-manager"
    assert outcome.case.status is CaseStatus.CONCERN
    again = at("2026-12-01", 9)
    refused(story, ConcernFollowUpDue(), DEADLINES, again, NothingToDo, "deadline-duplicate")


@pytest.mark.policy("s4-step1-follow-up")
def test_no_follow_up_before_the_concern_letter_is_sent() -> None:
    story = concern_raised()
    refused(story, ConcernFollowUpDue(), DEADLINES, at("2027-01-05"), NothingToDo, "deadline-stale")


@pytest.mark.policy("s4-step1-follow-up")
def test_the_manager_closes_the_concern_when_the_behaviour_changed() -> None:
    story = concern_letter_sent()
    refused(
        story,
        CloseConcern(reason="better"),
        HEAD,
        at("2026-12-02"),
        NotPermitted,
        "role-permissions",
    )
    outcome = story.do(
        CloseConcern(reason="no contact of concern since"), MANAGER, at("2026-12-02")
    )
    assert outcome.case.status is CaseStatus.CLOSED
    assert outcome.case.closed_at == at("2026-12-02")
    assert outcome.case.closure_reason == "no contact of concern since"
    assert outcome.case.decision is None


@pytest.mark.policy("s4-step1-follow-up")
def test_closing_a_concern_the_customer_was_told_of_calls_for_a_letter_saying_so() -> None:
    outcome = concern_letter_sent().do(
        CloseConcern(reason="no contact of concern since"), MANAGER, at("2026-12-02")
    )
    (event,) = outcome.events
    assert event.type is CaseEventType.CONCERN_CLOSED
    assert event.letter is not None
    assert event.letter.kind is LetterKind.CONCERN_CLOSED
    letter = outcome.case.letter(event.letter.letter_id)
    assert letter is not None
    assert (letter.status, letter.source_seq) == (LetterStatus.REQUIRED, event.seq)
    assert letter.letter_id == f"concern-closed-{event.seq:04d}"


@pytest.mark.policy("s4-step1-follow-up")
def test_a_concern_closed_before_its_letter_went_out_calls_for_no_letter() -> None:
    # The customer was never told of the concern: nothing to tell them about its end.
    outcome = concern_raised().do(
        CloseConcern(reason="raised in error"), MANAGER, at("2026-11-02", 15)
    )
    (event,) = outcome.events
    assert event.letter is None
    assert [x.kind for x in outcome.case.letters] == [LetterKind.CONCERN]
