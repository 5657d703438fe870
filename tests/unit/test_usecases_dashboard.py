"""The dashboard use case over in-memory ports: what waits on a role, how long it has waited,
what is overdue, and an audit record for every case shown."""

from __future__ import annotations

from datetime import date, timedelta

from builders import (
    APPEAL_RECEIVED_ON,
    CALL_HANDLER,
    CONCERN_FOLLOW_UP_DUE_ON,
    CUSTOMER_ID,
    DPO,
    EXECUTIVE,
    HEAD,
    MANAGER,
    SAFEGUARDING,
    Story,
    at,
    concern_letter_sent,
    concern_raised,
    raise_concern,
    under_appeal,
)

from contactguard.domain.access import Operation
from contactguard.domain.case import LetterKind
from contactguard.domain.model import Actor, Channel, Contact, Customer, Disposition
from contactguard.domain.worklist import WorkKind
from contactguard.usecases import Request
from fakes import Fakes, FixedClock, fake_use_cases


def by(actor: Actor) -> Request:
    return Request(actor=actor, request_id="req-1")


def seeded(*stories: Story, today: date) -> Fakes:
    fakes = fake_use_cases(FixedClock(at(today)))
    fakes.store.put_customer(Customer(customer_id=CUSTOMER_ID, name="Ada Tenant"))
    for story in stories:
        case = story.current
        fakes.store.cases_by_id[case.case_id] = case
    return fakes


def drafted_on(day: date, case_id: str = "case-0001") -> Story:
    story = Story()
    story.do(raise_concern(case_id), MANAGER, at(day, 9))
    story.draft(LetterKind.CONCERN, at(day, 10))
    return story


def test_a_service_manager_sees_a_drafted_letter_with_how_long_it_has_waited() -> None:
    fakes = seeded(drafted_on(date(2026, 11, 23)), today=date(2026, 12, 1))

    today = fakes.use_cases.dashboard.today(by(MANAGER))

    (letter,) = today.letters
    assert letter.item.kind is WorkKind.LETTER_TO_SEND
    assert letter.item.letter_kind is LetterKind.CONCERN
    assert (letter.working_days, letter.days) == (6, 8)
    assert letter.overdue  # past the 2 working days before its sender is reminded
    assert today.names == {CUSTOMER_ID: "Ada Tenant"}
    assert today.week_ends == date(2026, 12, 6)  # the Sunday of this week
    assert today.filed_emails == 0
    (record,) = [r for r in fakes.store.audit if r.operation is Operation.READ_CASE]
    assert (record.customer_id, record.case_id, record.detail) == (
        CUSTOMER_ID,
        "case-0001",
        "view=dashboard",
    )


def test_a_letter_drafted_today_has_not_waited_and_is_not_overdue() -> None:
    fakes = seeded(drafted_on(date(2026, 12, 1)), today=date(2026, 12, 1))

    (letter,) = fakes.use_cases.dashboard.today(by(MANAGER)).letters

    assert (letter.days, letter.working_days, letter.overdue) == (0, 0, False)


def test_letters_are_oldest_first() -> None:
    fakes = seeded(
        drafted_on(date(2026, 11, 26), "case-b"),
        drafted_on(date(2026, 11, 24), "case-a"),
        today=date(2026, 12, 1),
    )

    letters = fakes.use_cases.dashboard.today(by(MANAGER)).letters

    assert [w.item.case_id for w in letters] == ["case-a", "case-b"]


def test_each_role_sees_only_what_it_acts_on() -> None:
    fakes = seeded(under_appeal(), today=APPEAL_RECEIVED_ON + timedelta(days=2))
    dashboard = fakes.use_cases.dashboard

    executive = dashboard.today(by(EXECUTIVE))
    manager = dashboard.today(by(MANAGER))

    (appeal,) = executive.appeals
    assert appeal.item.kind is WorkKind.APPEAL_DECISION
    assert appeal.days == 2
    assert not appeal.overdue
    assert manager.appeals == []
    assert executive.filed_emails is None  # not a reader of the read queue
    head = dashboard.today(by(HEAD))
    assert head.appeals == head.letters == head.deadlines == []


def test_deadlines_due_this_week_and_overdue_are_listed_later_ones_are_not() -> None:
    story = concern_letter_sent()  # the follow-up is due on 1 December 2026
    week_before = seeded(story, today=CONCERN_FOLLOW_UP_DUE_ON - timedelta(days=7))
    assert week_before.use_cases.dashboard.today(by(MANAGER)).deadlines == []

    due_week = seeded(story, today=CONCERN_FOLLOW_UP_DUE_ON - timedelta(days=1))
    (deadline,) = due_week.use_cases.dashboard.today(by(MANAGER)).deadlines
    assert deadline.item.kind is WorkKind.CONCERN_FOLLOW_UP
    assert not deadline.overdue

    late = seeded(story, today=CONCERN_FOLLOW_UP_DUE_ON + timedelta(days=2))
    (overdue,) = late.use_cases.dashboard.today(by(MANAGER)).deadlines
    assert overdue.overdue


def test_roles_that_read_no_cases_see_none_and_nothing_is_audited() -> None:
    fakes = seeded(drafted_on(date(2026, 11, 23)), today=date(2026, 12, 1))

    for actor in (CALL_HANDLER, DPO):
        today = fakes.use_cases.dashboard.today(by(actor))
        assert not today.reads_cases
        assert today.letters == today.appeals == today.deadlines == []

    assert fakes.store.audit == []


def test_the_designated_officer_is_told_how_many_filed_emails_wait() -> None:
    fakes = seeded(concern_raised(), today=date(2026, 12, 1))
    for n in range(3):
        contact = Contact(
            contact_id=f"ses-{n}",
            customer_id=CUSTOMER_ID,
            channel=Channel.EMAIL,
            at=at("2026-11-30"),
            disposition=Disposition.FILED_BLOCKED,
        )
        fakes.store.record_contact(contact, queue_for_reading=True)

    assert fakes.use_cases.dashboard.today(by(SAFEGUARDING)).filed_emails == 3


def test_the_cases_read_are_bounded_and_the_page_says_when_there_are_more() -> None:
    stories = [drafted_on(date(2026, 11, 16) + timedelta(days=n), f"case-{n}") for n in range(4)]
    fakes = seeded(*stories, today=date(2026, 12, 1))
    dashboard = fakes.use_cases.dashboard
    dashboard.limit = 3

    today = dashboard.today(by(MANAGER))

    assert today.more
    assert [w.item.case_id for w in today.letters] == ["case-0", "case-1", "case-2"]
    dashboard.limit = 4
    assert not dashboard.today(by(MANAGER)).more
