"""The twelve-month review (s.6): the review pack, extending or closing, and restrictions
that lapse with no review decision."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from builders import (
    CET,
    DEADLINES,
    EXECUTIVE,
    HEAD,
    MANAGER,
    RESTRICTIONS_END_ON,
    actor,
    at,
    impose,
    lapsed,
    letters_only,
    midnight,
    restricted,
    under_appeal,
)
from lifecycle_stories import (
    CLOSE,
    EXTEND,
    UPHELD,
    refused,
)

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import (
    AppealStatus,
    CaseEventType,
    CaseStatus,
    CloseCase,
    DecisionKind,
    LapseRestrictions,
    LetterKind,
    LogAppeal,
    ReviewPackDue,
)
from contactguard.domain.enforcement import (
    EmailAction,
    email_ruling,
    restrictions_in_force,
)
from contactguard.domain.errors import (
    NothingToDo,
    NotPermitted,
    PolicyError,
)
from contactguard.domain.model import Role

# The twelve-month review ------------------------------------------------------------------------


@pytest.mark.policy("s6-review-12-monthly")
def test_the_review_pack_is_asked_for_20_working_days_before_the_end_date_once() -> None:
    story = restricted()
    early = at("2027-11-19", 23, 59, 59)
    refused(story, ReviewPackDue(), DEADLINES, early, NothingToDo, "deadline-early")
    outcome = story.do(ReviewPackDue(), DEADLINES, at("2027-11-22", 8))
    (event,) = outcome.events
    assert event.data == {"ends_on": "2027-12-18", "notify": "head-of-service"}
    assert event.letter is not None
    assert event.letter.kind is LetterKind.REVIEW_PACK
    again = at("2027-11-22", 9)
    refused(story, ReviewPackDue(), DEADLINES, again, NothingToDo, "deadline-duplicate")


@pytest.mark.policy("s6-review-12-monthly")
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.HEAD_OF_SERVICE])
def test_only_the_head_of_service_decides_the_review(role: Role) -> None:
    refused(restricted(), EXTEND, actor(role), at("2027-11-29"), NotPermitted, "role-permissions")


@pytest.mark.policy("s6-review-12-monthly")
def test_an_extension_runs_12_months_from_the_old_end_date() -> None:
    story = restricted()
    outcome = story.do(EXTEND, HEAD, at("2027-11-29"))
    case, (event,) = outcome.case, outcome.events
    assert case.status is CaseStatus.RESTRICTED
    assert case.period is not None
    assert case.period.ends_on == date(2028, 12, 18)
    assert case.period.starts_at == datetime(2026, 12, 18, 0, 0, tzinfo=LONDON)
    assert case.period.review_pack_due_on == date(2028, 11, 20)
    assert case.decision is not None
    assert case.decision.kind is DecisionKind.REVIEW_EXTENSION
    assert case.decision.restrictions == (letters_only(),)
    assert event.data["outcome"] == "extend"
    assert event.data["previous_ends_on"] == "2027-12-18"
    assert event.data["ends_on"] == "2028-12-18"
    assert event.letter is not None
    assert event.letter.kind is LetterKind.REVIEW_EXTENDED
    assert case.appeal_window is None  # a new window opens when the new letter is sent
    # No gap at the old end date; enforcement ends at the new one.
    assert restrictions_in_force(case, midnight(date(2027, 12, 18))) == (letters_only(),)
    assert restrictions_in_force(case, midnight(date(2028, 12, 18))) == ()
    # The old end date's lapse deadline no longer applies.
    at_old_end = midnight(date(2027, 12, 18))
    refused(story, LapseRestrictions(), DEADLINES, at_old_end, NothingToDo, "deadline-early")


@pytest.mark.policy("s6-appeal-after-review")
def test_the_extension_letter_gives_a_new_right_of_appeal() -> None:
    story = restricted()
    story.do(EXTEND, HEAD, at("2027-11-29"))
    outcome = story.draft_and_send(LetterKind.REVIEW_EXTENDED, date(2027, 12, 1), HEAD)
    assert [e.type for e in outcome.events] == [
        CaseEventType.LETTER_SENT,
        CaseEventType.APPEAL_WINDOW_OPENED,
    ]
    window = outcome.case.appeal_window
    assert window is not None
    assert outcome.case.decision is not None
    assert window.decision_id == outcome.case.decision.decision_id
    assert window.closes_on == date(2027, 12, 22)
    appeal = LogAppeal(received_on=date(2027, 12, 22), grounds="I have changed")
    logged = story.do(appeal, CET, at("2027-12-23"))
    assert logged.case.status is CaseStatus.UNDER_APPEAL
    assert logged.case.appeals[-1].late is False
    # 30 working days: Christmas 2027 (both days substituted) and New Year's Day 2028
    # (a Saturday, substituted to Mon 3 Jan) are skipped.
    assert logged.case.appeals[-1].review_due_on == date(2028, 2, 7)


@pytest.mark.policy("s6-review-12-monthly")
def test_closing_at_review_ends_the_restrictions_at_that_instant() -> None:
    story = restricted()
    decided_at = at("2027-11-29", 11)
    outcome = story.do(CLOSE, HEAD, decided_at)
    case = outcome.case
    decided, ended = outcome.events
    assert case.status is CaseStatus.CLOSED
    assert case.closed_at == decided_at
    assert case.period is not None
    assert case.period.ended_at == decided_at
    assert case.reviewed_ends_on == (date(2027, 12, 18),)
    assert decided.data["outcome"] == "close"
    assert decided.letter is not None
    assert decided.letter.kind is LetterKind.REVIEW_CLOSED
    assert ended.type is CaseEventType.RESTRICTIONS_ENDED
    assert restrictions_in_force(case, decided_at) == ()
    assert email_ruling([case], decided_at).action is EmailAction.DELIVER


@pytest.mark.policy("s6-review-12-monthly")
def test_closing_at_review_during_an_appeal_makes_the_appeal_moot() -> None:
    story = under_appeal()
    case = story.do(CLOSE, HEAD, at("2027-02-01")).case
    assert case.status is CaseStatus.CLOSED
    assert case.appeals[0].status is AppealStatus.MOOT
    assert case.open_appeal is None


@pytest.mark.policy("s6-unreviewed-lapse")
def test_restrictions_lapse_on_the_end_date_and_the_missed_review_is_escalated() -> None:
    story = restricted()
    last_second = at("2027-12-17", 23, 59, 59)
    refused(story, LapseRestrictions(), DEADLINES, last_second, NothingToDo, "deadline-early")
    fired_at = at("2027-12-18", 6)
    outcome = story.do(LapseRestrictions(), DEADLINES, fired_at)
    case = outcome.case
    lapsed_event, escalated = outcome.events
    assert case.status is CaseStatus.LAPSED
    assert case.period is not None
    assert case.period.ended_at == datetime(2027, 12, 18, 0, 0, tzinfo=LONDON)  # not fired_at
    assert lapsed_event.type is CaseEventType.RESTRICTIONS_LAPSED
    assert lapsed_event.data["ends_on"] == "2027-12-18"
    assert lapsed_event.letter is not None
    assert lapsed_event.letter.kind is LetterKind.RESTRICTIONS_LAPSED
    assert escalated.type is CaseEventType.MISSED_REVIEW_ESCALATED
    assert escalated.data == {"ends_on": "2027-12-18", "notify": "head-of-service", "alert": True}
    assert restrictions_in_force(case, at("2027-12-17", 23, 59, 59)) == (letters_only(),)
    assert restrictions_in_force(case, midnight(date(2027, 12, 18))) == ()
    refused(story, LapseRestrictions(), DEADLINES, at("2027-12-19"), NothingToDo, "deadline-stale")


@pytest.mark.policy("s6-unreviewed-lapse")
@pytest.mark.policy("design-email-enforcement")
def test_email_is_accepted_again_from_the_end_date_even_if_the_lapse_never_ran() -> None:
    case = restricted().current
    assert case.status is CaseStatus.RESTRICTED  # no lapse command has run
    blocked = email_ruling([case], at("2027-12-17", 23, 59, 59))
    assert blocked.action is EmailAction.FILE_AND_BLOCK
    assert email_ruling([case], midnight(date(2027, 12, 18))).action is EmailAction.DELIVER
    assert email_ruling([case], at("2028-03-01")).action is EmailAction.DELIVER


@pytest.mark.policy("s6-unreviewed-lapse")
def test_a_lapse_during_an_appeal_makes_the_appeal_moot() -> None:
    story = under_appeal()
    case = story.do(LapseRestrictions(), DEADLINES, midnight(RESTRICTIONS_END_ON)).case
    assert case.status is CaseStatus.LAPSED
    assert case.appeals[0].status is AppealStatus.MOOT
    assert case.open_appeal is None


@pytest.mark.policy("s6-unreviewed-lapse")
def test_a_lapsed_case_is_closed_by_the_head_of_service_or_decided_again() -> None:
    story = lapsed()
    closing = CloseCase(reason="no contact since the end date")
    refused(story, closing, MANAGER, at("2028-01-10"), NotPermitted, "role-permissions")
    closed = story.try_(closing, HEAD, at("2028-01-10"))
    case = closed.case
    assert (case.status, case.closure_reason) == (
        CaseStatus.CLOSED,
        "no contact since the end date",
    )
    (event,) = closed.events  # the customer is told the case is closed
    assert event.letter is not None
    assert event.letter.kind is LetterKind.CASE_CLOSED
    assert case.letter(event.letter.letter_id) is not None
    again = story.do(impose(), HEAD, at("2027-12-20")).case
    assert again.status is CaseStatus.RESTRICTIONS_DECIDED
    assert again.period is None
    assert restrictions_in_force(again, at("2027-12-21")) == ()


# Domain bugs found while writing these tests (see the report) ---------------------------------


@pytest.mark.policy("s6-unreviewed-lapse")
def test_a_review_decided_after_the_end_date_cannot_revive_lapsed_restrictions() -> None:
    story = restricted()
    with pytest.raises(PolicyError):
        story.try_(EXTEND, HEAD, at("2027-12-20"))


@pytest.mark.policy("design-email-enforcement")
def test_restrictions_are_not_in_force_after_the_end_date_whatever_ends_them_later() -> None:
    story = under_appeal()
    case = story.do(UPHELD, EXECUTIVE, at("2027-12-20")).case  # the lapse had not fired yet
    assert restrictions_in_force(case, at("2027-12-19")) == ()
