"""What an open case waits on staff for (contactguard.domain.worklist): each item from the
case's state, the roles that act on it, and the day the case next needs a person."""

from __future__ import annotations

from datetime import date

import pytest
from builders import (
    APPEAL_CLOSES_ON,
    APPEAL_RECEIVED_ON,
    CET,
    CONCERN_FOLLOW_UP_DUE_ON,
    CONCERN_RAISED_ON,
    LETTERS,
    MANAGER,
    RESTRICTIONS_END_ON,
    Story,
    at,
    closed,
    concern_letter_sent,
    concern_raised,
    lapsed,
    restricted,
    restrictions_decided,
    under_appeal,
)

from contactguard.domain.case import LetterKind, LogAppeal, RecordLetterFailed
from contactguard.domain.model import Role
from contactguard.domain.worklist import WorkKind, acts_on, attention_on, work_items


def kinds(story: Story) -> list[WorkKind]:
    return [item.kind for item in work_items(story.current)]


def test_a_concern_whose_letter_is_still_being_drafted_waits_on_nobody() -> None:
    story = concern_raised()
    assert work_items(story.current) == []
    assert attention_on(story.current) is None


def test_a_drafted_letter_waits_on_its_senders_from_the_day_it_was_drafted() -> None:
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at("2026-11-04", 9))

    (item,) = work_items(story.current)

    assert item.kind is WorkKind.LETTER_TO_SEND
    assert item.waiting_since == date(2026, 11, 4)
    assert item.letter_kind is LetterKind.CONCERN
    assert item.roles == {Role.SERVICE_MANAGER}
    assert attention_on(story.current) == date(2026, 11, 4)


def test_a_failed_letter_waits_to_be_redrafted() -> None:
    story = concern_raised()
    letter = story.letter(LetterKind.CONCERN)
    story.do(
        RecordLetterFailed(letter_id=letter.letter_id, problems=("no-reason",)),
        LETTERS,
        at(CONCERN_RAISED_ON, 11),
    )

    (item,) = work_items(story.current)

    assert item.kind is WorkKind.LETTER_FAILED
    assert item.waiting_since == CONCERN_RAISED_ON


def test_once_the_concern_letter_is_sent_the_manager_is_due_to_follow_it_up() -> None:
    (item,) = work_items(concern_letter_sent().current)

    assert item.kind is WorkKind.CONCERN_FOLLOW_UP
    assert item.due_on == CONCERN_FOLLOW_UP_DUE_ON
    assert item.waiting_since is None
    assert item.roles == {Role.SERVICE_MANAGER}
    assert not item.overdue(CONCERN_FOLLOW_UP_DUE_ON)  # due that day, overdue the next
    assert item.overdue(date(2026, 12, 2))


def test_restrictions_in_force_wait_for_the_window_the_pack_and_the_review() -> None:
    story = restricted()

    items = work_items(story.current)

    assert [i.kind for i in items] == [
        WorkKind.APPEAL_WINDOW_CLOSES,
        WorkKind.REVIEW_PACK_DUE,
        WorkKind.REVIEW_DECISION,
    ]
    assert items[0].due_on == APPEAL_CLOSES_ON
    assert items[0].roles == {Role.CUSTOMER_EXPERIENCE}
    assert items[2].due_on == RESTRICTIONS_END_ON
    assert items[2].roles == {Role.HEAD_OF_SERVICE}
    assert attention_on(story.current) == APPEAL_CLOSES_ON


def test_an_appeal_under_review_waits_on_the_executive_team_until_its_due_date() -> None:
    story = under_appeal()
    appeal = story.current.appeals[0]

    (item,) = [i for i in work_items(story.current) if i.kind is WorkKind.APPEAL_DECISION]

    assert item.waiting_since == APPEAL_RECEIVED_ON
    assert item.due_on == appeal.review_due_on
    assert item.appeal_id == appeal.appeal_id
    assert item.roles == {Role.EXECUTIVE}
    assert attention_on(story.current) == APPEAL_RECEIVED_ON


def test_a_late_appeal_waits_on_a_manager_to_accept_or_decline_it() -> None:
    story = restricted()
    story.do(
        LogAppeal(received_on=date(2027, 1, 20), grounds="missed the post"), CET, at("2027-01-20")
    )

    (item,) = [i for i in work_items(story.current) if i.kind is WorkKind.LATE_APPEAL]

    assert item.waiting_since == date(2027, 1, 20)
    assert item.roles == {Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE}


def test_a_lapsed_period_waits_on_the_head_of_service_from_its_end_date() -> None:
    (item,) = work_items(lapsed().current)

    assert item.kind is WorkKind.LAPSED
    assert item.waiting_since == RESTRICTIONS_END_ON
    assert item.roles == {Role.HEAD_OF_SERVICE}


def test_a_decided_step_2_waits_for_its_letter_and_a_closed_case_for_nothing() -> None:
    story = restrictions_decided()
    story.draft(LetterKind.RESTRICTIONS, at("2026-12-15", 9))
    (item,) = work_items(story.current)
    assert (item.kind, item.letter_kind) == (WorkKind.LETTER_TO_SEND, LetterKind.RESTRICTIONS)
    assert item.roles == {Role.HEAD_OF_SERVICE, Role.SERVICE_MANAGER}
    assert work_items(closed().current) == []  # its letter is still being drafted
    assert attention_on(closed().current) is None


def test_a_closed_case_waits_only_for_the_letter_telling_the_customer() -> None:
    story = closed()
    story.draft(LetterKind.CONCERN_CLOSED, at("2026-12-03", 9))
    (item,) = work_items(story.current)
    assert (item.kind, item.letter_kind) == (WorkKind.LETTER_TO_SEND, LetterKind.CONCERN_CLOSED)
    assert item.waiting_since == date(2026, 12, 3)
    assert attention_on(story.current) == date(2026, 12, 3)
    story.send(LetterKind.CONCERN_CLOSED, date(2026, 12, 3), MANAGER)
    assert work_items(story.current) == []
    assert attention_on(story.current) is None


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            Role.SERVICE_MANAGER,
            {
                WorkKind.LETTER_TO_SEND,
                WorkKind.LETTER_FAILED,
                WorkKind.LATE_APPEAL,
                WorkKind.CONCERN_FOLLOW_UP,
            },
        ),
        (
            Role.EXECUTIVE,
            {WorkKind.LETTER_TO_SEND, WorkKind.LETTER_FAILED, WorkKind.APPEAL_DECISION},
        ),
        (Role.CALL_HANDLER, set()),
        (Role.SAFEGUARDING_LEAD, set()),
        (Role.DATA_PROTECTION_OFFICER, set()),
    ],
)
def test_each_role_acts_on_the_items_the_lifecycle_lets_it(
    role: Role, expected: set[WorkKind]
) -> None:
    assert acts_on(role) == expected


def test_every_item_names_roles_that_act_on_its_kind() -> None:
    for story in (concern_letter_sent(), restricted(), under_appeal(), lapsed()):
        for item in work_items(story.current):
            assert item.roles
            assert all(item.kind in acts_on(role) for role in item.roles)
