"""Edges of the pure domain that the mutation check (`make mutation`) found untested.

What a call handler is told per channel, which deadlines a case waits for and their schedule
names, when contact volume and repetition raise a signal, bank holidays per region, how long
a closed case is kept, and the refusals' words.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, date, datetime, timedelta, tzinfo

import pytest
from builders import (
    CASE_ID,
    at,
    closed,
    concern_raised,
    letters_only,
    restricted,
    single_point_of_contact,
    under_appeal,
)

from contactguard.domain.calendar import (
    LONDON,
    HolidayRegion,
    WorkingDayCalendar,
    london_date,
)
from contactguard.domain.case import (
    AppealStatus,
    ConcernFollowUpDue,
    LetterKind,
    RemindUnsentLetter,
)
from contactguard.domain.deadlines import (
    Deadline,
    DeadlineKind,
    case_key,
    deadline_command,
    name_prefix,
    pending_deadlines,
)
from contactguard.domain.enforcement import (
    ChannelGuidance,
    EmailAction,
    EmailRuling,
    Recipient,
    channel_guidance,
    email_ruling,
    permitted_channels,
    recipient,
    restrictions_in_force,
)
from contactguard.domain.errors import IllegalTransition, VersionConflict
from contactguard.domain.lifecycle import Policy, PolicyTerms
from contactguard.domain.model import (
    Actor,
    Channel,
    Contact,
    Role,
    normalise_email,
)
from contactguard.domain.restrictions import (
    AppointmentOnlyVisits,
    OtherRestriction,
    WitnessAtPersonalContact,
)
from contactguard.domain.retention import Period, RetentionSchedule, Unit
from contactguard.domain.signals import (
    Flag,
    Lexicon,
    PastContact,
    VolumeThresholds,
    language_flags,
    nature_signals,
    similarity,
    volume_signals,
)

IN_FORCE = at("2027-02-01")

# --- enforcement -----------------------------------------------------------------------------


@pytest.mark.policy("s4-restriction-types")
@pytest.mark.parametrize(
    ("restriction", "channel", "allowed", "conditions"),
    [
        (
            AppointmentOnlyVisits(office="Derby office"),
            Channel.VISIT,
            True,
            ("visits by appointment only, at Derby office",),
        ),
        (AppointmentOnlyVisits(office="Derby office"), Channel.PHONE, True, ()),
        (
            WitnessAtPersonalContact(),
            Channel.VISIT,
            True,
            ("personal contact only with an appropriate witness present",),
        ),
        (WitnessAtPersonalContact(), Channel.EMAIL, True, ()),
        (
            OtherRestriction(details="no recording of calls"),
            Channel.PHONE,
            True,
            ("no recording of calls",),
        ),
        (
            single_point_of_contact(),
            Channel.PHONE,
            True,
            ("contact through Pat Contact only, Tuesday, Thursday 10:00-12:00",),
        ),
    ],
    ids=[
        "appointment-visit",
        "appointment-phone",
        "witness-visit",
        "witness-email",
        "other",
        "spoc",
    ],
)
def test_what_a_call_handler_is_told_for_each_channel(
    restriction: object, channel: Channel, allowed: bool, conditions: tuple[str, ...]
) -> None:
    case = restricted(restriction).current  # type: ignore[arg-type]
    assert channel_guidance([case], channel, IN_FORCE) == ChannelGuidance(
        channel=channel, allowed=allowed, conditions=conditions
    )


@pytest.mark.policy("s4-restriction-types")
def test_visit_and_other_terms_leave_every_channel_open() -> None:
    rs = (AppointmentOnlyVisits(office="Derby office"), WitnessAtPersonalContact())
    assert permitted_channels(rs + (OtherRestriction(details="x"),)) == tuple(Channel)


@pytest.mark.policy("design-email-enforcement")
def test_email_rulings_name_the_case_and_why() -> None:
    assert email_ruling([], IN_FORCE) == EmailRuling(
        action=EmailAction.DELIVER, reason="no email restriction in force"
    )
    blocked = email_ruling([restricted(letters_only()).current], IN_FORCE)
    assert blocked == EmailRuling(
        action=EmailAction.FILE_AND_BLOCK,
        reason="letters-only restriction in force: email is not accepted",
        case_id=CASE_ID,
        write_to=letters_only().write_to,
    )
    routed = email_ruling([restricted(single_point_of_contact()).current], IN_FORCE)
    assert routed == EmailRuling(
        action=EmailAction.ROUTE_TO_OFFICER,
        reason="single point of contact in force",
        case_id=CASE_ID,
        officer_email="pat.contact@example.org",
    )


@pytest.mark.policy("s4-restriction-types")
def test_no_restriction_is_in_force_before_the_letter_is_sent_or_for_a_naive_time() -> None:
    story = concern_raised()
    assert restrictions_in_force(story.current, IN_FORCE) == ()
    case = restricted().current
    with pytest.raises(ValueError, match="^at must be timezone-aware$"):
        restrictions_in_force(case, datetime(2027, 2, 1, 10))  # noqa: DTZ001
    no_period = case.model_copy(update={"period": None})
    assert restrictions_in_force(no_period, IN_FORCE) == ()
    no_decision = case.model_copy(update={"decision": None})
    assert restrictions_in_force(no_decision, IN_FORCE) == ()
    assert channel_guidance([no_decision], Channel.EMAIL, IN_FORCE) == ChannelGuidance(
        channel=Channel.EMAIL, allowed=True, conditions=()
    )


# --- deadlines -------------------------------------------------------------------------------


@pytest.mark.policy("design-working-days")
def test_schedule_keys_keep_short_safe_ids_and_hash_the_rest() -> None:
    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]

    assert case_key("a" * 36) == "a" * 36
    assert case_key("a" * 37) == f"{'a' * 25}_{digest('a' * 37)}"
    assert case_key("case 1") == f"case_1_{digest('case 1')}"
    assert case_key("case-1é") == f"case-1__{digest('case-1é')}"
    assert name_prefix("case-1") == "cg-case-1."


@pytest.mark.policy("design-working-days")
def test_a_due_deadline_gives_its_command_and_a_letter_deadline_names_its_letter() -> None:
    assert deadline_command(DeadlineKind.CONCERN_FOLLOW_UP) == ConcernFollowUpDue()
    assert deadline_command(DeadlineKind.LETTER_UNSENT, "concern-0001") == RemindUnsentLetter(
        letter_id="concern-0001"
    )


@pytest.mark.policy("design-working-days")
def test_a_drafted_letter_left_unsent_has_its_reminder_deadline() -> None:
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at("2026-11-02", 11))
    case = story.current
    assert pending_deadlines(case) == [
        Deadline(
            CASE_ID,
            DeadlineKind.LETTER_UNSENT,
            datetime(2026, 11, 4, 7, 0, tzinfo=LONDON),  # 2 working days after 2 Nov
            case.version,
            "concern-0001",
        )
    ]
    slower = Policy(terms=PolicyTerms(letter_unsent_reminder_working_days=3))
    (late,) = pending_deadlines(case, slower)
    assert late.fire_at == datetime(2026, 11, 5, 7, 0, tzinfo=LONDON)


@pytest.mark.policy("design-working-days")
def test_every_deadline_carries_the_case_and_version_it_came_from() -> None:
    case = under_appeal().current
    found = pending_deadlines(case)
    assert {(d.case_id, d.version, d.letter_id) for d in found} == {(CASE_ID, case.version, None)}


@pytest.mark.policy("design-working-days")
def test_a_decided_appeal_does_not_hide_a_later_one_under_review() -> None:
    case = under_appeal().current
    (appeal,) = case.appeals
    earlier = appeal.model_copy(
        update={"appeal_id": "appeal-0000", "status": AppealStatus.DISMISSED}
    )
    kinds = [
        d.kind for d in pending_deadlines(case.model_copy(update={"appeals": (earlier, appeal)}))
    ]
    assert DeadlineKind.APPEAL_REVIEW_REMINDER in kinds
    assert DeadlineKind.APPEAL_REVIEW_OVERDUE in kinds


@pytest.mark.policy("design-working-days")
def test_reminded_and_escalated_appeals_wait_for_nothing_more() -> None:
    case = under_appeal().current
    (appeal,) = case.appeals
    reminded = case.model_copy(update={"appeals": (appeal.model_copy(update={"reminded": True}),)})
    kinds = [d.kind for d in pending_deadlines(reminded)]
    assert DeadlineKind.APPEAL_REVIEW_REMINDER not in kinds
    assert DeadlineKind.APPEAL_REVIEW_OVERDUE in kinds
    escalated = case.model_copy(
        update={"appeals": (appeal.model_copy(update={"overdue_escalated": True}),)}
    )
    kinds = [d.kind for d in pending_deadlines(escalated)]
    assert DeadlineKind.APPEAL_REVIEW_REMINDER in kinds
    assert DeadlineKind.APPEAL_REVIEW_OVERDUE not in kinds


@pytest.mark.policy("design-working-days")
def test_an_issued_review_pack_is_not_due_again_and_a_closed_case_waits_for_nothing() -> None:
    case = restricted().current
    assert case.period is not None
    issued = case.model_copy(
        update={"period": case.period.model_copy(update={"review_pack_issued": True})}
    )
    kinds = [d.kind for d in pending_deadlines(issued)]
    assert DeadlineKind.REVIEW_PACK_DUE not in kinds
    assert DeadlineKind.RESTRICTIONS_END in kinds
    assert pending_deadlines(closed().current) == []


# --- signals ---------------------------------------------------------------------------------


def test_volume_windows_are_a_day_a_week_and_thirty_days_back_exclusive() -> None:
    now = datetime(2027, 3, 31, 12, tzinfo=UTC)
    one = VolumeThresholds(per_day=0, per_week=0, per_month=0)
    assert volume_signals([now - timedelta(days=1)], now, one) == ("volume-week", "volume-month")
    assert volume_signals([now - timedelta(days=1, seconds=-1)], now, one) == (
        "volume-day",
        "volume-week",
        "volume-month",
    )
    assert volume_signals([now - timedelta(days=7)], now, one) == ("volume-month",)
    assert volume_signals([now - timedelta(days=30)], now, one) == ()
    assert volume_signals([now + timedelta(seconds=1)], now, one) == ()


def test_a_long_complaint_with_a_word_changed_is_nearly_identical() -> None:
    text = (
        "I have reported the damp in the bedroom four times since October and nobody has come "
        "to look at it, the children are coughing every night, the mould is back on the walls "
        "and the windows, and I want a surveyor to come out this week or I will go to the "
        "ombudsman"
    )
    changed = text.replace("four", "five").replace("this week", "by Friday")
    assert similarity(text, changed) > 0.9


def test_similar_means_at_least_the_threshold() -> None:
    recent = [PastContact(datetime(2027, 3, 1, tzinfo=UTC), "email", "abcdx")] * 2
    assert similarity("abcde", "abcdx") == pytest.approx(0.8)
    assert "repeated-with-minor-differences" in nature_signals("abcde", "email", recent)


def test_lexicon_phrases_match_any_case_and_spacing_and_an_empty_flag_is_skipped() -> None:
    lexicon = Lexicon.from_mapping(
        {"abusive-language": [], "threatening-language": ["watch your back", "burn down"]}
    )
    patterns = lexicon.patterns()
    assert Flag.ABUSIVE_LANGUAGE not in patterns
    assert language_flags("WATCH   your\nBACK", patterns) == (Flag.THREATENING_LANGUAGE,)
    assert language_flags("I will burn down the office", patterns) == (Flag.THREATENING_LANGUAGE,)
    assert language_flags("watch your", patterns) == ()


# --- calendar, retention, words --------------------------------------------------------------


@pytest.mark.policy("design-working-days")
def test_regional_bank_holidays_come_from_each_nation() -> None:
    england = WorkingDayCalendar()
    any_uk = WorkingDayCalendar(region=HolidayRegion.ANY_UK)
    assert england.why_not_working(date(2027, 3, 29)) == "bank holiday: Easter Monday"
    assert england.is_working_day(date(2027, 3, 17))
    assert any_uk.why_not_working(date(2027, 3, 17)) == "bank holiday: Saint Patrick's Day"


def test_a_closed_case_is_kept_whole_years_after_closing_in_utc() -> None:
    closed_at = datetime(2028, 2, 29, 0, 30, tzinfo=LONDON)
    assert Period(6, Unit.YEARS).after(closed_at) == datetime(2034, 2, 28, 0, 30, tzinfo=UTC)
    late_evening = datetime(2027, 7, 1, 0, 30, tzinfo=LONDON)  # 23:30 UTC the day before
    assert Period(1, Unit.YEARS).after(late_evening) == datetime(2028, 6, 30, 23, 30, tzinfo=UTC)
    case = closed().current
    assert case.closed_at is not None
    schedule, FAR = RetentionSchedule.of(), datetime(2100, 1, 1, tzinfo=UTC)
    assert schedule.case_expiry(case, FAR) == Period(6, Unit.YEARS).after(case.closed_at)
    assert schedule.case_expiry(restricted().current, FAR) is None


def test_refusals_and_conflicts_say_which_rule_and_which_case() -> None:
    refusal = IllegalTransition("case-closed", "the case is closed")
    assert str(refusal) == "[case-closed] the case is closed"
    conflict = VersionConflict("case-1", 4)
    assert str(conflict) == "case case-1 changed since version 4; reload it"
    assert (conflict.case_id, conflict.expected_version) == ("case-1", 4)


def test_the_system_acts_under_its_own_name() -> None:
    assert Actor.system("letters") == Actor(actor_id="system:letters", role=Role.SYSTEM)


@pytest.mark.policy("design-working-days")
def test_zero_working_days_back_is_the_day_itself_and_negative_counts_are_refused() -> None:
    calendar = WorkingDayCalendar()
    assert calendar.working_days_before(date(2027, 3, 28), 0) == date(2027, 3, 28)
    with pytest.raises(ValueError, match="^n must be zero or more$"):
        calendar.working_days_before(date(2027, 3, 28), -1)
    with pytest.raises(
        ValueError, match="^n must be zero or more; use working_days_before to count back$"
    ):
        calendar.working_days_after(date(2027, 3, 28), -1)
    with pytest.raises(ValueError, match="^instants must be timezone-aware$"):
        london_date(datetime(2027, 3, 28, 12))  # noqa: DTZ001


def test_retention_does_not_depend_on_the_machines_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        closed_at = datetime(2028, 2, 29, 0, 30, tzinfo=LONDON)
        assert Period(6, Unit.YEARS).after(closed_at) == datetime(2034, 2, 28, 0, 30, tzinfo=UTC)
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.policy("design-working-days")
def test_letters_due_at_the_same_time_are_in_letter_order() -> None:
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at("2026-11-02", 11))
    case = story.current
    (letter,) = case.letters
    earlier = letter.model_copy(update={"letter_id": "concern-0000"})
    both = case.model_copy(update={"letters": (letter, earlier)})
    assert [d.letter_id for d in pending_deadlines(both)] == ["concern-0000", "concern-0001"]


class _NoOffset(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_time_without_an_offset_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Value error, must be timezone-aware \["):
        Contact(
            contact_id="c",
            customer_id=None,
            channel=Channel.PHONE,
            at=datetime(2027, 1, 1, tzinfo=_NoOffset()),
        )


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (" Xena@Example.TAX ", "xena@example.tax"),
        (" <Xena@Example.TAX> ", None),  # an angle-addr, not an addr-spec
        ('"a@b"@example.org', None),  # quoted local parts are refused
        ("ten ant@example.org", None),
        ("@example.org", None),
        ("a@b.example@localhost", None),
        ("tenant", None),
    ],
)
def test_email_addresses_are_trimmed_lowered_and_checked(
    address: str, expected: str | None
) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="email address"):
            normalise_email(address)
    else:
        assert normalise_email(address) == expected


# --- who receives a logged email ----------------------------------------------------------------


def _email_contact(disposition: str, **extra: object) -> Contact:
    fields: dict[str, object] = {
        "contact_id": "email-m1",
        "customer_id": "c1",
        "channel": "email",
        "at": datetime(2026, 12, 2, 10, tzinfo=UTC),
        "disposition": disposition,
        "source_address": "pat@example.org",
        "raw_ref": "m1",
        **extra,
    }
    return Contact.model_validate(fields)


@pytest.mark.policy("design-email-enforcement")
@pytest.mark.parametrize(
    ("disposition", "extra", "who"),
    [
        ("accepted", {}, "staff-mailbox"),
        ("unmatched", {"customer_id": None}, "staff-mailbox"),
        ("unmatched", {}, "nobody"),  # moved when staff linked the address: delivered already
        ("routed-to-officer", {"deliver_to": "j.officer@landlord.example"}, "officer"),
        ("routed-to-officer", {}, "nobody"),  # no officer named: nobody to route to
        ("filed-blocked", {}, "nobody"),
        ("quarantined", {"customer_id": None}, "nobody"),
        ("refused", {}, "nobody"),
        ("accepted", {"raw_ref": None}, "nobody"),  # nothing stored to forward
        ("accepted", {"channel": "phone", "raw_ref": None}, "nobody"),
    ],
)
def test_a_logged_email_goes_to_staff_the_officer_or_nobody(
    disposition: str, extra: dict[str, object], who: str
) -> None:
    assert recipient(_email_contact(disposition, **extra)) is Recipient(who)
