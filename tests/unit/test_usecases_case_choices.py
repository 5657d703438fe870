"""Which decisions are open to the person asking (the console shows only those), and the
case timeline the API and the console both show."""

from __future__ import annotations

from datetime import date

import pytest
from builders import (
    CALL_HANDLER,
    CET,
    EXECUTIVE,
    HEAD,
    MANAGER,
    Story,
    at,
    concern_letter_sent,
    concern_raised,
    restricted,
    under_appeal,
)
from lifecycle_stories import late_appeal_logged

from contactguard.domain.calendar import WorkingDayCalendar
from contactguard.domain.case import CommandKind, LetterKind
from contactguard.domain.deadlines import DeadlineKind
from contactguard.domain.errors import NotPermitted, RuleViolation
from contactguard.domain.lifecycle import Policy
from contactguard.domain.model import Actor, Role
from contactguard.usecases import Request
from fakes import Fakes, FixedClock, fake_use_cases


def by(actor: Actor) -> Request:
    return Request(actor=actor, request_id="req-1")


def held(story: Story, fakes: Fakes) -> str:
    case = story.current
    fakes.store.cases_by_id[case.case_id] = case
    fakes.store.events_by_case[case.case_id] = list(story.events)
    return case.case_id


def test_a_role_that_takes_no_decisions_is_offered_none() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-11-10")))
    story = concern_raised()
    choices = fakes.use_cases.cases.choices(by(CALL_HANDLER), story.current)
    assert not choices.decisions
    assert not choices.letters_to_send


def test_restrictions_before_the_concern_letter_is_sent_can_only_be_immediate() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-11-10")))
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at("2026-11-02", 11))
    choices = fakes.use_cases.cases.choices(by(HEAD), story.current)
    assert choices.decisions == {CommandKind.IMPOSE_RESTRICTIONS}
    assert choices.immediate_only
    assert not choices.letters_to_send  # the concern letter is the Service Manager's
    assert isinstance(choices.refused[CommandKind.CLOSE_CONCERN], NotPermitted)
    assert CommandKind.CLOSE_CONCERN not in choices.blocked  # another role's decision
    manager = fakes.use_cases.cases.choices(by(MANAGER), story.current)
    assert manager.decisions == {CommandKind.CLOSE_CONCERN}
    concern_letter = story.letter(LetterKind.CONCERN).letter_id
    assert manager.letters_to_send == {concern_letter}
    assert manager.letters_to_redraft == {concern_letter}


def test_after_the_concern_letter_restrictions_follow_step_1() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    choices = fakes.use_cases.cases.choices(by(HEAD), concern_letter_sent().current)
    assert CommandKind.IMPOSE_RESTRICTIONS in choices.decisions
    assert not choices.immediate_only


def test_an_appeal_is_logged_once_and_reviewed_by_someone_who_took_no_part() -> None:
    fakes = fake_use_cases(FixedClock(at("2027-01-20")))
    in_force = restricted()
    assert (
        CommandKind.LOG_APPEAL in fakes.use_cases.cases.choices(by(CET), in_force.current).decisions
    )
    appealed = under_appeal().current
    cet = fakes.use_cases.cases.choices(by(CET), appealed)
    assert CommandKind.LOG_APPEAL not in cet.decisions  # the table: not while under appeal
    reviewer = fakes.use_cases.cases.choices(by(EXECUTIVE), appealed)
    assert CommandKind.DECIDE_APPEAL in reviewer.decisions
    # The Head of Service who decided, now acting for the Executive Team: not independent.
    head_as_executive = Actor(actor_id=HEAD.actor_id, role=Role.EXECUTIVE)
    taking_part = fakes.use_cases.cases.choices(by(head_as_executive), appealed)
    assert CommandKind.DECIDE_APPEAL in taking_part.blocked
    assert taking_part.refused[CommandKind.DECIDE_APPEAL].rule == "s5-independent-review"


@pytest.mark.policy("s5-review-delayed")
def test_the_review_of_an_appeal_under_review_may_be_delayed_by_the_executive_or_cx() -> None:
    in_force = restricted().current
    appealed = under_appeal().current
    # Even on an overdue review (due 24 February 2027) the delay is open.
    for now in (at("2027-02-10"), at("2027-03-02")):
        cases = fake_use_cases(FixedClock(now)).use_cases.cases
        for staff in (EXECUTIVE, CET):
            assert CommandKind.DELAY_APPEAL_REVIEW in cases.choices(by(staff), appealed).decisions
        refused = cases.choices(by(HEAD), appealed).refused[CommandKind.DELAY_APPEAL_REVIEW]
        assert isinstance(refused, NotPermitted)
        assert CommandKind.DELAY_APPEAL_REVIEW not in cases.choices(by(CET), in_force).decisions


@pytest.mark.policy("s4-restrictions-varied")
def test_the_head_of_service_may_vary_restrictions_in_force_with_no_appeal_open() -> None:
    cases = fake_use_cases(FixedClock(at("2027-03-01"))).use_cases.cases
    in_force = restricted().current
    assert CommandKind.VARY_RESTRICTIONS in cases.choices(by(HEAD), in_force).decisions
    for staff in (MANAGER, CET, EXECUTIVE):
        refused = cases.choices(by(staff), in_force).refused[CommandKind.VARY_RESTRICTIONS]
        assert isinstance(refused, NotPermitted)
    # Under appeal: not offered, the appeal is decided first.
    appealed = cases.choices(by(HEAD), under_appeal().current)
    assert CommandKind.VARY_RESTRICTIONS not in appealed.decisions
    assert CommandKind.VARY_RESTRICTIONS not in appealed.blocked
    # A late appeal awaiting a decision: the status allows it, a rule of the case blocks it.
    late = cases.choices(by(HEAD), late_appeal_logged().current)
    assert CommandKind.VARY_RESTRICTIONS in late.blocked
    assert late.refused[CommandKind.VARY_RESTRICTIONS].rule == "s4-restrictions-varied"


def test_asking_records_nothing() -> None:
    fakes = fake_use_cases(FixedClock(at("2027-01-20")))
    story = under_appeal()
    case_id = held(story, fakes)
    before = (fakes.store.get_case(case_id), fakes.store.events(case_id), list(fakes.store.audit))
    fakes.use_cases.cases.choices(by(HEAD), story.current)
    after = (fakes.store.get_case(case_id), fakes.store.events(case_id), list(fakes.store.audit))
    assert before == after


def test_a_review_after_the_end_date_is_refused_by_its_rule() -> None:
    story = restricted()
    before = fake_use_cases(FixedClock(at("2027-11-01"))).use_cases.cases
    assert CommandKind.DECIDE_REVIEW in before.choices(by(HEAD), story.current).decisions
    # 18 December 2027: the restrictions ended at the start of the day, the lapse not yet
    # recorded; the status still allows a review, the end date's rule refuses it.
    late = fake_use_cases(FixedClock(at("2027-12-18", 0, 30))).use_cases.cases
    choices = late.choices(by(HEAD), story.current)
    assert CommandKind.DECIDE_REVIEW in choices.blocked
    assert choices.refused[CommandKind.DECIDE_REVIEW].rule == "s6-unreviewed-lapse"
    assert isinstance(choices.refused[CommandKind.DECIDE_REVIEW], RuleViolation)


def test_the_timeline_puts_events_letters_and_deadlines_in_time_order() -> None:
    fakes = fake_use_cases(FixedClock(at("2027-01-05")))
    case_id = held(restricted(), fakes)
    case, entries = fakes.use_cases.cases.timeline(by(HEAD), case_id)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert all(
        (e.event, e.letter, e.deadline).count(None) == 2 for e in entries
    )  # exactly one each
    assert [e.event.seq for e in entries if e.event] == list(range(1, case.version + 1))
    assert {e.letter.letter_id for e in entries if e.letter} == {x.letter_id for x in case.letters}
    kinds = [e.deadline.kind for e in entries if e.deadline]
    assert DeadlineKind.APPEAL_WINDOW_CLOSES in kinds
    assert kinds[-1] is DeadlineKind.RESTRICTIONS_END
    with pytest.raises(NotPermitted):
        fakes.use_cases.cases.timeline(by(CALL_HANDLER), case_id)


def test_the_timelines_deadlines_follow_the_configured_calendar() -> None:
    # The concern letter is drafted on Monday 2 November 2026; left unsent, its sender is
    # reminded 2 working days later: Wednesday, or Thursday when Tuesday is a closure day.
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at("2026-11-02", 11))
    reminders = []
    for closures in (frozenset(), frozenset({date(2026, 11, 3)})):
        policy = Policy(calendar=WorkingDayCalendar(closures=closures))
        fakes = fake_use_cases(FixedClock(at("2026-11-02", 12)), policy=policy)
        _, entries = fakes.use_cases.cases.timeline(by(MANAGER), held(story, fakes))
        (unsent,) = [e.deadline for e in entries if e.deadline]
        assert unsent.kind is DeadlineKind.LETTER_UNSENT
        reminders.append(unsent.fire_at.date())
    assert reminders == [date(2026, 11, 4), date(2026, 11, 5)]
