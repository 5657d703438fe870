"""Step 2 of the policy (s.4): the Head of Service's restrictions (after Step 1, or
immediate), when they start and end, and what the restrictions in force mean for email and
calls."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from builders import (
    CASE_ID,
    CONCERN_RAISED_ON,
    CUSTOMER_ID,
    DEADLINES,
    DECIDED_ON,
    HEAD,
    RESTRICTION_LETTER_SENT_ON,
    actor,
    at,
    concern_letter_sent,
    concern_raised,
    equality,
    immediately_restricted,
    impose,
    letters_only,
    midnight,
    no_case,
    restricted,
    restrictions_decided,
    single_point_of_contact,
    telephone_via_third_party,
)
from lifecycle_stories import (
    refused,
    sent_letter_command,
)

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import (
    CaseEventType,
    CaseStatus,
    DecisionKind,
    LapseRestrictions,
    LetterKind,
    LetterStatus,
    RedraftLetter,
)
from contactguard.domain.enforcement import (
    EmailAction,
    channel_guidance,
    email_ruling,
    permitted_channels,
    restrictions_in_force,
)
from contactguard.domain.errors import (
    NotPermitted,
    RuleViolation,
)
from contactguard.domain.model import (
    Channel,
    EqualityConsiderations,
    Role,
)
from contactguard.domain.restrictions import (
    AppointmentOnlyVisits,
    OtherRestriction,
    SocialMediaRestriction,
    WitnessAtPersonalContact,
)

# Step 2: restrictions -----------------------------------------------------------------------


@pytest.mark.policy("s4-step2-head-of-service")
@pytest.mark.parametrize("role", [r for r in Role if r is not Role.HEAD_OF_SERVICE])
def test_only_the_head_of_service_imposes_restrictions(role: Role) -> None:
    story = concern_letter_sent()
    refused(story, impose(), actor(role), at(DECIDED_ON), NotPermitted, "role-permissions")


@pytest.mark.policy("s4-step2-head-of-service")
def test_the_head_of_service_decides_step_2_after_the_concern_letter() -> None:
    outcome = concern_letter_sent().do(impose(), HEAD, at(DECIDED_ON))
    case, (event,) = outcome.case, outcome.events
    assert case.status is CaseStatus.RESTRICTIONS_DECIDED
    assert case.decision is not None
    assert case.decision.kind is DecisionKind.STEP_2
    assert case.decision.decided_by == HEAD
    assert case.decision.reason == "the behaviour continued after the concern letter"
    assert case.decision_participants == (HEAD.actor_id,)
    assert event.data["decision_id"] == case.decision.decision_id
    assert event.data["immediate"] is False
    assert event.letter is not None
    assert event.letter.kind is LetterKind.RESTRICTIONS
    assert case.period is None  # not in force until the customer is told


@pytest.mark.policy("s4-step2-after-step1")
def test_restrictions_are_refused_while_the_concern_letter_is_unsent() -> None:
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at(CONCERN_RAISED_ON, 11))  # drafted, not sent
    refused(story, impose(), HEAD, at(DECIDED_ON), RuleViolation, "s4-step2-after-step1")


@pytest.mark.policy("s4-step2-after-step1")
def test_restrictions_without_any_concern_must_be_immediate() -> None:
    command = impose(case_id=CASE_ID, customer_id=CUSTOMER_ID)
    refused(no_case(), command, HEAD, at(DECIDED_ON), RuleViolation, "s4-step2-after-step1")


@pytest.mark.policy("s4-step2-after-step1")
def test_after_an_immediate_decision_lapses_a_normal_decision_still_needs_step_1() -> None:
    story = immediately_restricted()
    story.do(LapseRestrictions(), DEADLINES, midnight(date(2027, 12, 14)))
    assert story.current.status is CaseStatus.LAPSED
    refused(story, impose(), HEAD, at("2027-12-20"), RuleViolation, "s4-step2-after-step1")


@pytest.mark.policy("s4-immediate-restrictions")
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_an_immediate_decision_needs_a_reason(reason: str | None) -> None:
    command = impose(
        immediate=True, immediate_reason=reason, case_id=CASE_ID, customer_id=CUSTOMER_ID
    )
    refused(no_case(), command, HEAD, at(DECIDED_ON), RuleViolation, "s4-immediate-restrictions")
    # ...and the same on a case at Step 1.
    refused(
        concern_raised(), command, HEAD, at(DECIDED_ON), RuleViolation, "s4-immediate-restrictions"
    )


@pytest.mark.policy("s4-immediate-restrictions")
def test_immediate_restrictions_start_at_once_and_record_police_action() -> None:
    decided_at = at("2026-12-14", 15, 30)
    outcome = no_case().do(
        impose(
            letters_only(),
            immediate=True,
            immediate_reason="threatened to harm a housing officer",
            police_or_legal_action="reported to Derbyshire Police, ref 123",
            case_id=CASE_ID,
            customer_id=CUSTOMER_ID,
        ),
        HEAD,
        decided_at,
    )
    case = outcome.case
    imposed, started = outcome.events
    assert case.status is CaseStatus.RESTRICTED
    assert case.decision is not None
    assert case.decision.kind is DecisionKind.IMMEDIATE
    assert case.decision.immediate_reason == "threatened to harm a housing officer"
    assert case.decision.police_or_legal_action == "reported to Derbyshire Police, ref 123"
    assert imposed.data["immediate"] is True
    assert imposed.data["police_or_legal_action"] == "reported to Derbyshire Police, ref 123"
    assert imposed.letter is not None
    assert imposed.letter.kind is LetterKind.IMMEDIATE_RESTRICTIONS
    assert case.period is not None
    assert case.period.starts_at == decided_at
    assert case.period.ends_on == date(2027, 12, 14)
    assert started.data == {
        "starts_at": "2026-12-14T15:30:00+00:00",
        "ends_on": "2027-12-14",
        "review_pack_due_on": "2027-11-16",
    }
    assert restrictions_in_force(case, decided_at) == (letters_only(),)
    assert restrictions_in_force(case, decided_at - timedelta(seconds=1)) == ()
    assert case.appeal_window is None  # opens when the letter is sent


@pytest.mark.policy("s4-immediate-restrictions")
def test_a_new_case_from_an_immediate_decision_needs_its_identity() -> None:
    command = impose(immediate=True, immediate_reason="threats")
    refused(no_case(), command, HEAD, at(DECIDED_ON), RuleViolation, "case-identity")


@pytest.mark.policy("s4-equality-considered")
@pytest.mark.parametrize(
    "record",
    [
        None,
        equality(adjustments=False),
        equality(vulnerability=False),
        equality(equality_act=False),
    ],
    ids=["missing", "no-adjustments", "no-vulnerability", "no-equality-act"],
)
def test_restrictions_need_a_complete_equality_record(
    record: EqualityConsiderations | None,
) -> None:
    step_2 = impose(equality_record=record, with_equality=False)
    refused(
        concern_letter_sent(), step_2, HEAD, at(DECIDED_ON), RuleViolation, "s4-equality-considered"
    )
    immediate = impose(
        equality_record=record,
        with_equality=False,
        immediate=True,
        immediate_reason="threats",
        case_id=CASE_ID,
        customer_id=CUSTOMER_ID,
    )
    refused(no_case(), immediate, HEAD, at(DECIDED_ON), RuleViolation, "s4-equality-considered")


@pytest.mark.policy("s4-equality-considered")
def test_an_agreed_adjustment_is_kept_with_the_decision() -> None:
    record = equality(agreed=("an advocate may call on the customer's behalf",))
    outcome = concern_letter_sent().do(impose(equality_record=record), HEAD, at(DECIDED_ON))
    assert outcome.case.decision is not None
    assert outcome.case.decision.equality == record
    assert outcome.case.decision.equality.adjustments_agreed == (
        "an advocate may call on the customer's behalf",
    )


@pytest.mark.policy("s4-restriction-types")
def test_restrictions_are_tailored_several_at_once() -> None:
    chosen = (
        telephone_via_third_party(),
        AppointmentOnlyVisits(office="Council House, Derby"),
        single_point_of_contact(),
        WitnessAtPersonalContact(),
        SocialMediaRestriction(details="blocked from the Facebook page"),
        OtherRestriction(details="no recording of meetings"),
    )
    story = restrictions_decided(*chosen)
    imposed = next(e for e in story.events if e.type is CaseEventType.RESTRICTIONS_IMPOSED)
    assert imposed.data["restriction_types"] == [
        "telephone-via-third-party",
        "appointment-only-visits",
        "single-point-of-contact",
        "witness-at-personal-contact",
        "social-media",
        "other",
    ]
    story.draft_and_send(LetterKind.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, HEAD)
    assert restrictions_in_force(story.current, at("2027-01-05")) == chosen


# When restrictions start and end --------------------------------------------------------------


@pytest.mark.policy("s4-restrictions-start-when-told")
def test_decided_restrictions_are_not_in_force_until_the_letter_is_sent() -> None:
    story = restrictions_decided()
    story.draft(LetterKind.RESTRICTIONS, at(DECIDED_ON, 11))
    case = story.current
    assert case.status is CaseStatus.RESTRICTIONS_DECIDED
    assert restrictions_in_force(case, at("2026-12-17")) == ()
    assert email_ruling([case], at("2026-12-17")).action is EmailAction.DELIVER


@pytest.mark.policy("s4-restrictions-start-when-told")
@pytest.mark.policy("s4-restrictions-12-months")
def test_restrictions_start_at_london_midnight_on_the_day_the_letter_is_sent() -> None:
    story = restrictions_decided()
    story.draft(
        LetterKind.RESTRICTIONS, at(RESTRICTION_LETTER_SENT_ON, 11)
    )  # dated the day it goes
    outcome = story.send(
        LetterKind.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, HEAD, at("2026-12-18", 16)
    )
    case = outcome.case
    sent, started, window = outcome.events
    assert case.status is CaseStatus.RESTRICTED
    assert case.period is not None
    assert case.period.starts_at == datetime(2026, 12, 18, 0, 0, tzinfo=LONDON)
    assert case.period.ends_on == date(2027, 12, 18)
    assert case.period.review_pack_due_on == date(2027, 11, 22)  # 20 working days before
    assert sent.data["sent_on"] == "2026-12-18"
    assert started.data == {
        "starts_at": "2026-12-18T00:00:00+00:00",
        "ends_on": "2027-12-18",
        "review_pack_due_on": "2027-11-22",
    }
    assert window.data["closes_on"] == "2027-01-13"
    assert restrictions_in_force(case, at("2026-12-17", 23, 59, 59)) == ()
    assert restrictions_in_force(case, midnight(date(2026, 12, 18))) == (letters_only(),)


@pytest.mark.policy("s4-restrictions-start-when-told")
def test_a_letter_sent_later_starts_the_restrictions_later() -> None:
    story = restrictions_decided()
    story.draft(LetterKind.RESTRICTIONS, at(DECIDED_ON, 11))
    # Dated 14 December, its dates run from then: it cannot go out on 5 January as it is.
    late = sent_letter_command(story, LetterKind.RESTRICTIONS, date(2027, 1, 5))
    refused(story, late, HEAD, at("2027-01-05", 16), RuleViolation, "letter-dated")
    redraft = story.do(
        RedraftLetter(letter_id=story.letter(LetterKind.RESTRICTIONS).letter_id),
        HEAD,
        at("2027-01-05", 9),
    )
    assert [e.type for e in redraft.events] == [CaseEventType.LETTER_REDRAFT_REQUESTED]
    assert redraft.events[0].data["dated_on"] == "2027-01-05"
    assert story.letter(LetterKind.RESTRICTIONS).status is LetterStatus.REQUIRED
    story.draft(LetterKind.RESTRICTIONS, at("2027-01-05", 10))  # the letters function's version 2
    assert story.letter(LetterKind.RESTRICTIONS).version == 2
    case = story.send(LetterKind.RESTRICTIONS, date(2027, 1, 5), HEAD).case
    assert case.period is not None
    assert case.period.starts_at == datetime(2027, 1, 5, 0, 0, tzinfo=LONDON)
    assert case.period.ends_on == date(2028, 1, 5)
    assert case.appeal_window is not None
    assert case.appeal_window.closes_on == date(2027, 1, 26)
    assert restrictions_in_force(case, at("2027-01-04")) == ()


@pytest.mark.policy("s4-restrictions-12-months")
def test_restrictions_last_twelve_calendar_months() -> None:
    case = restricted().current
    assert restrictions_in_force(case, at("2027-12-17", 23, 59, 59)) == (letters_only(),)
    assert restrictions_in_force(case, midnight(date(2027, 12, 18))) == ()


@pytest.mark.policy("s4-restrictions-12-months")
def test_restrictions_from_29_february_end_on_28_february() -> None:
    story = immediately_restricted(now=at("2028-02-29", 12))
    assert story.current.period is not None
    assert story.current.period.ends_on == date(2029, 2, 28)


# Enforcement --------------------------------------------------------------------------------------


@pytest.mark.policy("design-email-enforcement")
def test_letters_only_files_and_blocks_email_and_says_where_to_write() -> None:
    case = restricted().current
    ruling = email_ruling([case], at("2027-01-05"))
    assert ruling.action is EmailAction.FILE_AND_BLOCK
    assert ruling.write_to == "Derby Homes, PO Box 1, Derby DE1 1AA"
    assert ruling.case_id == CASE_ID


@pytest.mark.policy("design-email-enforcement")
def test_a_single_point_of_contact_routes_email_to_the_named_officer() -> None:
    case = restricted(single_point_of_contact()).current
    ruling = email_ruling([case], at("2027-01-05"))
    assert ruling.action is EmailAction.ROUTE_TO_OFFICER
    assert ruling.officer_email == "pat.contact@example.org"
    assert ruling.write_to is None


@pytest.mark.policy("design-email-enforcement")
def test_letters_only_wins_over_a_single_point_of_contact() -> None:
    both = restricted(single_point_of_contact(), letters_only()).current
    assert email_ruling([both], at("2027-01-05")).action is EmailAction.FILE_AND_BLOCK
    spoc_case = restricted(single_point_of_contact()).current
    letters_case = restricted(letters_only()).current.model_copy(update={"case_id": "case-0002"})
    ruling = email_ruling([spoc_case, letters_case], at("2027-01-05"))
    assert (ruling.action, ruling.case_id) == (EmailAction.FILE_AND_BLOCK, "case-0002")


@pytest.mark.policy("design-email-enforcement")
def test_a_restriction_that_leaves_email_alone_does_not_hide_one_after_it() -> None:
    case = restricted(
        OtherRestriction(details="no recording of meetings"),
        telephone_via_third_party(),
        single_point_of_contact(),
        letters_only(),
    ).current
    ruling = email_ruling([case], at("2027-01-05"))
    assert (ruling.action, ruling.case_id) == (EmailAction.FILE_AND_BLOCK, CASE_ID)
    routed = restricted(OtherRestriction(details="x"), single_point_of_contact()).current
    ruling = email_ruling([routed], at("2027-01-05"))
    assert (ruling.action, ruling.officer_email) == (
        EmailAction.ROUTE_TO_OFFICER,
        "pat.contact@example.org",
    )


@pytest.mark.policy("design-email-enforcement")
def test_email_is_delivered_with_no_restriction_in_force() -> None:
    assert email_ruling([], at("2027-01-05")).action is EmailAction.DELIVER
    phone_only = restricted(telephone_via_third_party()).current
    assert email_ruling([phone_only], at("2027-01-05")).action is EmailAction.DELIVER
    with pytest.raises(ValueError, match="timezone-aware"):
        email_ruling([phone_only], datetime(2027, 1, 5, 10, 0))


@pytest.mark.policy("s4-restriction-types")
def test_a_caller_is_told_telephone_contact_is_only_through_the_third_party() -> None:
    case = restricted(telephone_via_third_party()).current
    guidance = channel_guidance([case], Channel.PHONE, at("2027-01-05"))
    assert guidance.allowed is True
    assert guidance.conditions == ("telephone only through Alex Advocate (advocate)",)
    before = channel_guidance([case], Channel.PHONE, at("2026-12-17"))
    assert (before.allowed, before.conditions) == (True, ())


@pytest.mark.policy("s4-restriction-types")
def test_letters_only_refuses_the_phone_and_a_single_point_of_contact_sets_times() -> None:
    case = restricted(letters_only(), single_point_of_contact()).current
    phone = channel_guidance([case], Channel.PHONE, at("2027-01-05"))
    assert phone.allowed is False
    assert phone.conditions == (
        "letters only: write to Derby Homes, PO Box 1, Derby DE1 1AA",
        "contact through Pat Contact only, Tuesday, Thursday 10:00-12:00",
    )
    letter = channel_guidance([case], Channel.LETTER, at("2027-01-05"))
    assert (letter.allowed, letter.conditions) == (True, ())


@pytest.mark.policy("s2-contact-channels")
def test_contact_may_be_in_person_by_phone_letter_email_or_social_media() -> None:
    assert permitted_channels(()) == (
        Channel.EMAIL,
        Channel.PHONE,
        Channel.LETTER,
        Channel.VISIT,
        Channel.SOCIAL_MEDIA,
    )


@pytest.mark.policy("s4-restriction-types")
def test_permitted_channels_follow_the_restrictions_and_letters_stay_open() -> None:
    assert permitted_channels((letters_only(),)) == (
        Channel.LETTER,
        Channel.VISIT,
        Channel.SOCIAL_MEDIA,
    )
    social = SocialMediaRestriction(details="blocked from all our pages")
    assert Channel.SOCIAL_MEDIA not in permitted_channels((social,))
    assert permitted_channels((letters_only(), social)) == (Channel.LETTER, Channel.VISIT)
    assert Channel.PHONE in permitted_channels((telephone_via_third_party(),))
