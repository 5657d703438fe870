"""Restrictions varied mid-term (s.4 and s.5): the Head of Service changes the restrictions in
force during their 12 months; the end and review dates stay, the new set applies from the
decision, and the letter that tells the customer gives a new right of appeal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from builders import (
    CET,
    DEADLINES,
    EXECUTIVE,
    HEAD,
    MANAGER,
    POLICY,
    RESTRICTIONS_END_ON,
    actor,
    at,
    equality,
    immediately_restricted,
    lapsed,
    letters_only,
    midnight,
    restricted,
    restrictions_decided,
    single_point_of_contact,
    telephone_via_third_party,
    under_appeal,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from lifecycle_stories import (
    DISMISSED,
    EXTEND,
    late_appeal_logged,
    refused,
)

from contactguard.domain.case import (
    AppealStatus,
    CaseEventType,
    CaseStatus,
    CloseAppealWindow,
    DecisionKind,
    LetterKind,
    LetterStatus,
    LogAppeal,
    ReviewPackDue,
    VaryRestrictions,
)
from contactguard.domain.enforcement import restrictions_in_force
from contactguard.domain.errors import IllegalTransition, NotPermitted, RuleViolation
from contactguard.domain.model import Role

RULE = "s4-restrictions-varied"
VARIED_ON = date(2027, 3, 1)  # a Monday, mid-term


def _vary(*restrictions, with_equality: bool = True) -> VaryRestrictions:  # type: ignore[no-untyped-def]
    return VaryRestrictions(
        restrictions=restrictions or (single_point_of_contact(),),
        reason="the letters have been calm",
        equality=equality() if with_equality else None,
    )


@pytest.mark.policy(RULE, "design-decisions-recorded")
def test_a_variation_records_both_sets_keeps_the_dates_and_calls_for_a_letter() -> None:
    story = restricted()
    before = story.current
    assert before.decision is not None
    assert before.period is not None
    outcome = story.do(
        _vary(single_point_of_contact(), telephone_via_third_party()), HEAD, at(VARIED_ON)
    )
    (event,) = outcome.events
    assert event.type is CaseEventType.RESTRICTIONS_VARIED
    assert event.reason == "the letters have been calm"
    assert event.data == {
        "decision_id": outcome.case.decision.decision_id if outcome.case.decision else None,
        "previous_decision_id": before.decision.decision_id,
        "previous_letter_id": before.decision.letter_id,
        "previous_restriction_types": ["letters-only"],
        "restriction_types": ["single-point-of-contact", "telephone-via-third-party"],
        "ends_on": "2027-12-18",
        "review_pack_due_on": "2027-11-22",
    }
    assert event.letter is not None
    assert event.letter.kind is LetterKind.RESTRICTIONS_VARIED
    case = outcome.case
    assert case.status is CaseStatus.RESTRICTED
    decision = case.decision
    assert decision is not None
    assert decision.kind is DecisionKind.VARIATION
    assert decision.decision_id != before.decision.decision_id
    assert decision.letter_id == event.letter.letter_id
    assert decision.decided_by == HEAD
    assert decision.reason == "the letters have been calm"
    assert decision.behaviours == before.decision.behaviours  # the behaviour is the same
    # The period, its end date and its 12-month review date do not move.
    assert case.period == before.period
    assert case.period is not None
    assert case.period.ends_on == RESTRICTIONS_END_ON
    letter = case.letter(event.letter.letter_id)
    assert letter is not None
    assert letter.status is LetterStatus.REQUIRED
    # Who varied them took part in a decision on them: they may not hear an appeal.
    assert HEAD.actor_id in case.decision_participants


@pytest.mark.policy(RULE, "design-email-enforcement")
def test_the_varied_restrictions_are_enforced_from_the_decision_as_an_appeal_varies_them() -> None:
    story = restricted()
    assert restrictions_in_force(story.current, at(VARIED_ON, 9)) == (letters_only(),)
    story.do(_vary(), HEAD, at(VARIED_ON))
    # Not waiting for the letter: the set in force is the new one at once.
    assert restrictions_in_force(story.current, at(VARIED_ON, 10)) == (single_point_of_contact(),)
    assert restrictions_in_force(story.current, at("2027-12-17", 23)) == (
        single_point_of_contact(),
    )
    assert restrictions_in_force(story.current, at(RESTRICTIONS_END_ON, 0)) == ()


@pytest.mark.policy(RULE, "s5-appeal-15-working-days")
def test_the_variation_letter_sent_opens_a_new_window_to_appeal_against_it() -> None:
    story = restricted()
    old_window = story.current.appeal_window
    assert old_window is not None
    story.do(CloseAppealWindow(), DEADLINES, midnight(date(2027, 1, 14)))  # unappealed
    story.do(_vary(), HEAD, at(VARIED_ON))
    assert story.current.appeal_window is None  # none until the customer is told
    outcome = story.draft_and_send(LetterKind.RESTRICTIONS_VARIED, VARIED_ON, MANAGER)
    assert [e.type for e in outcome.events] == [
        CaseEventType.LETTER_SENT,
        CaseEventType.APPEAL_WINDOW_OPENED,
    ]
    window = outcome.case.appeal_window
    assert window is not None
    decision = outcome.case.decision
    assert decision is not None
    assert window.decision_id == decision.decision_id != old_window.decision_id
    assert window.closes_on == date(2027, 3, 22)  # 15 working days after Monday 1 March
    # An appeal in time is against the varied restrictions and goes to review.
    logged = story.do(
        LogAppeal(received_on=date(2027, 3, 22), grounds="I need to phone about repairs"),
        CET,
        at("2027-03-22", 11),
    )
    (appeal,) = logged.case.appeals
    assert appeal.decision_id == decision.decision_id
    assert appeal.status is AppealStatus.UNDER_REVIEW
    assert not appeal.late
    assert logged.case.status is CaseStatus.UNDER_APPEAL


@pytest.mark.policy(RULE, "s5-appeal-15-working-days")
def test_a_customer_whose_appeal_was_dismissed_may_appeal_against_a_later_variation() -> None:
    story = under_appeal()
    story.do(DISMISSED, EXECUTIVE, at("2027-02-01"))
    refused(
        story,
        LogAppeal(received_on=date(2027, 2, 2), grounds="again"),
        CET,
        at("2027-02-02"),
        RuleViolation,
        "s5-one-appeal-per-decision",
    )
    story.do(_vary(), HEAD, at(VARIED_ON))
    story.draft_and_send(LetterKind.RESTRICTIONS_VARIED, VARIED_ON, HEAD)
    outcome = story.do(
        LogAppeal(received_on=date(2027, 3, 3), grounds="one officer is not enough"),
        CET,
        at("2027-03-03"),
    )
    assert outcome.case.status is CaseStatus.UNDER_APPEAL
    # The reviewer is independent of the variation as of the first decision.
    assert HEAD.actor_id in outcome.case.decision_participants


@pytest.mark.policy(RULE)
def test_a_variation_after_a_review_extension_keeps_the_extended_end_date() -> None:
    story = restricted()
    story.do(ReviewPackDue(), DEADLINES, at("2027-11-22", 8))
    story.do(EXTEND, HEAD, at("2027-11-29"))
    story.draft_and_send(LetterKind.REVIEW_EXTENDED, date(2027, 11, 29), HEAD)
    period = story.current.period
    assert period is not None
    outcome = story.do(_vary(), HEAD, at("2028-01-10"))
    assert outcome.case.period == period
    assert outcome.events[0].data["ends_on"] == "2028-12-18"


@pytest.mark.policy(RULE)
def test_a_variation_may_follow_a_variation_once_its_letter_is_sent() -> None:
    story = restricted()
    story.do(_vary(), HEAD, at(VARIED_ON))
    refusal = refused(story, _vary(letters_only()), HEAD, at("2027-03-02"), RuleViolation, RULE)
    assert "restrictions-varied letter" in refusal.message
    assert "has not been sent" in refusal.message
    story.draft_and_send(LetterKind.RESTRICTIONS_VARIED, date(2027, 3, 2), HEAD)
    outcome = story.do(_vary(letters_only()), HEAD, at("2027-03-03"))
    assert outcome.events[0].data["previous_restriction_types"] == ["single-point-of-contact"]
    assert outcome.events[0].data["restriction_types"] == ["letters-only"]


# Refused -------------------------------------------------------------------------------------


@pytest.mark.policy(RULE, "s5-restrictions-during-appeal")
def test_no_variation_while_an_appeal_is_under_review() -> None:
    refusal = refused(under_appeal(), _vary(), HEAD, at(VARIED_ON), IllegalTransition, "lifecycle")
    assert "under-appeal" in refusal.message
    assert "decide the appeal first" in refusal.message


@pytest.mark.policy(RULE, "s5-late-appeal")
def test_no_variation_while_a_late_appeal_awaits_a_decision() -> None:
    story = late_appeal_logged()
    assert story.current.status is CaseStatus.RESTRICTED
    refusal = refused(story, _vary(), HEAD, at(VARIED_ON), RuleViolation, RULE)
    assert "must be decided before the restrictions are varied" in refusal.message


@pytest.mark.policy(RULE, "s6-unreviewed-lapse")
def test_no_variation_once_the_end_date_is_reached_even_before_the_lapse_fires() -> None:
    refusal = refused(
        restricted(), _vary(), HEAD, at(RESTRICTIONS_END_ON, 0, 0, 1), RuleViolation, RULE
    )
    assert "ended on 2027-12-18" in refusal.message
    # The day before is still in force.
    assert restricted().try_(_vary(), HEAD, at("2027-12-17", 16)).case.decision is not None


@pytest.mark.policy(RULE)
@pytest.mark.parametrize("story", [restrictions_decided, lapsed], ids=["letter-not-sent", "lapsed"])
def test_no_variation_without_restrictions_in_force(story) -> None:  # type: ignore[no-untyped-def]
    refused(story(), _vary(), HEAD, at("2027-12-20"), IllegalTransition, "lifecycle")


@pytest.mark.policy(RULE)
def test_no_variation_before_the_immediate_restrictions_letter_is_sent() -> None:
    story = immediately_restricted()
    refusal = refused(story, _vary(), HEAD, at("2026-12-15"), RuleViolation, RULE)
    assert "immediate-restrictions letter" in refusal.message
    story.draft_and_send(LetterKind.IMMEDIATE_RESTRICTIONS, date(2026, 12, 15), HEAD)
    assert story.do(_vary(), HEAD, at("2026-12-16")).case.status is CaseStatus.RESTRICTED


@pytest.mark.policy("s4-equality-considered")
def test_a_variation_considers_the_equality_duties_again() -> None:
    refused(
        restricted(),
        _vary(with_equality=False),
        HEAD,
        at(VARIED_ON),
        RuleViolation,
        "s4-equality-considered",
    )


@pytest.mark.policy(RULE)
def test_a_variation_changes_something() -> None:
    refusal = refused(restricted(), _vary(letters_only()), HEAD, at(VARIED_ON), RuleViolation, RULE)
    assert "the same as those in force" in refusal.message


@pytest.mark.policy(RULE, "s4-restriction-types")
def test_a_varied_single_point_of_contact_must_be_one_of_our_officers() -> None:
    outsider = single_point_of_contact().model_copy(
        update={"officer_email": "someone@elsewhere.example"}
    )
    with pytest.raises(RuleViolation):
        restricted().try_(_vary(outsider), HEAD, at(VARIED_ON))


@pytest.mark.policy(RULE, "s4-step2-head-of-service")
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.HEAD_OF_SERVICE])
def test_only_the_head_of_service_varies_restrictions(role: Role) -> None:
    refused(restricted(), _vary(), actor(role), at(VARIED_ON), NotPermitted, "role-permissions")


# Any sequence of variations -------------------------------------------------------------------
# (The lifecycle walk in test_lifecycle_properties seldom lands a variation inside a period:
# its clock jumps past end dates. Here every step is a variation at some day of the period.)

SETS = (
    (letters_only(),),
    (single_point_of_contact(),),
    (single_point_of_contact(), telephone_via_third_party()),
    (telephone_via_third_party(),),
)


@pytest.mark.policy(RULE, "s5-appeal-15-working-days")
@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 150), st.integers(0, len(SETS) - 1), st.booleans()),
        min_size=1,
        max_size=5,
    )
)
def test_any_sequence_of_variations_keeps_the_period_and_gives_each_its_own_window(
    steps: list[tuple[int, int, bool]],
) -> None:
    story = restricted()
    period = story.current.period
    assert period is not None
    now = at("2026-12-21")
    for days, pick, send in steps:
        now += timedelta(days=days)
        before = story.current
        assert before.decision is not None
        told = before.letter(before.decision.letter_id)
        command = VaryRestrictions(restrictions=SETS[pick], reason="changed", equality=equality())
        refused = (
            now >= period.scheduled_end  # the end date reached
            or SETS[pick] == before.decision.restrictions  # nothing changes
            or (told is not None and told.status is not LetterStatus.SENT)  # not yet told
        )
        if refused:
            with pytest.raises(RuleViolation) as caught:
                story.do(command, HEAD, now)
            assert caught.value.rule == RULE
            assert story.current == before  # nothing recorded
            continue
        outcome = story.do(command, HEAD, now)
        (event,) = outcome.events
        case = outcome.case
        assert case.period == period  # the end and the review dates never move
        assert event.data["ends_on"] == period.ends_on.isoformat()
        assert case.decision is not None
        assert case.decision.restrictions == SETS[pick]
        assert restrictions_in_force(case, now) == SETS[pick]
        assert case.appeal_window is None
        if send:  # sent on the date it carries: a new window against this decision
            letter = story.letter(LetterKind.RESTRICTIONS_VARIED)
            story.draft(LetterKind.RESTRICTIONS_VARIED, now)
            sent_on = story.letter(LetterKind.RESTRICTIONS_VARIED).letter_date
            now = max(now, at(sent_on, 16))
            story.send(LetterKind.RESTRICTIONS_VARIED, sent_on, HEAD, now)
            window = story.current.appeal_window
            assert window is not None
            assert window.decision_id == case.decision.decision_id
            assert window.letter_id == letter.letter_id
            assert window.closes_on == POLICY.appeal_window_closes(sent_on)
