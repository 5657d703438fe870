"""Deadlines on moto: case events create, replace and delete EventBridge Scheduler schedules;
a scheduler pump fires them at a clock the test controls (nothing sleeps)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import boto3
import pytest

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.scheduler import SchedulerGateway, ScheduleTarget
from contactguard.domain.calendar import LONDON, WorkingDayCalendar
from contactguard.domain.case import (
    AppealOutcome,
    CaseEventType,
    CaseStatus,
    Command,
    DecideAppeal,
    DelayAppealReview,
    ImposeRestrictions,
    LetterKind,
    LogAppeal,
    MarkLetterSent,
    RaiseConcern,
    RecordLetterDrafted,
)
from contactguard.domain.deadlines import DeadlineKind
from contactguard.domain.enforcement import EmailAction, email_ruling
from contactguard.domain.lifecycle import Policy
from contactguard.domain.model import (
    Actor,
    Behaviour,
    Customer,
    EqualityConsiderations,
    Role,
)
from contactguard.domain.restrictions import (
    LettersOnly,
)
from contactguard.service import CaseService
from contactguard_local.pumps import DueSchedule, SchedulerPump
from deadlines.service import DeadlinesService
from deadlines.settings import deadlines_settings
from log_privacy import rig_logger

REGION = "eu-west-2"
GROUP = "contactguard-test"
CASE = "case-1"
MANAGER = Actor(actor_id="sm-1", role=Role.SERVICE_MANAGER)
HEAD = Actor(actor_id="hos-1", role=Role.HEAD_OF_SERVICE)
CET = Actor(actor_id="cet-1", role=Role.CUSTOMER_EXPERIENCE)
EXEC = Actor(actor_id="exec-9", role=Role.EXECUTIVE)
LETTERS = Actor.system("letters")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=LONDON)


@dataclass
class RecordingAlerts:
    sent: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def alert(self, kind: str, **ids: str) -> None:
        self.sent.append((kind, ids))


@dataclass
class World:
    """The store, the case service, the deadlines service and a stream/scheduler pump."""

    store: DynamoStore
    cases: CaseService
    deadlines: DeadlinesService
    scheduler: Any
    pump: SchedulerPump
    alerts: RecordingAlerts
    streamed: int = 0

    def act(self, command: Command, by: Actor, now: datetime) -> None:
        if self.store.get_case(CASE) is None:  # a concern or an immediate decision
            self.cases.open_case(command, by, now)
        else:
            self.cases.act(CASE, command, by, now)
        self.stream(now)

    def stream(self, now: datetime) -> None:
        """Deliver new case events to the deadlines function, as the stream would."""
        while True:
            events = self.store.events(CASE)[self.streamed :]
            if not events:
                return
            for event in events:
                self.deadlines.on_event(event, now)
            self.streamed += len(events)

    def draft_and_send(self, kind: LetterKind, sent_on: date, by: Actor) -> None:
        case = self.store.get_case(CASE)
        assert case is not None
        letter = [x for x in case.letters if x.kind is kind][-1]
        key = f"letters/{CASE}/{letter.letter_id}/v1.docx"
        self.act(
            RecordLetterDrafted(letter_id=letter.letter_id, version=1, s3_key=key),
            LETTERS,
            datetime.combine(sent_on, time(9), tzinfo=LONDON),
        )
        self.act(
            MarkLetterSent(letter_id=letter.letter_id, sent_on=sent_on),
            by,
            datetime.combine(sent_on, time(16), tzinfo=LONDON),
        )

    def schedules(self) -> dict[str, str]:
        """{deadline kind: at() expression} of the case's schedules."""
        found = {}
        for due in self.pump.schedules():
            found[due.payload["deadline"]] = self.scheduler.get_schedule(
                Name=due.name, GroupName=GROUP
            )["ScheduleExpression"]
        return found

    def run_until(self, until: datetime) -> list[DueSchedule]:
        def fire(schedule: DueSchedule) -> None:
            kind = DeadlineKind(schedule.payload["deadline"])
            self.deadlines.fire(schedule.payload["case_id"], kind, schedule.fire_at)
            self.stream(schedule.fire_at)

        return self.pump.run_until(until, fire)

    def status(self) -> CaseStatus:
        case = self.store.get_case(CASE)
        assert case is not None
        return case.status


def world_with(dynamodb: Any, tables: dict[str, str], policy: Policy | None = None) -> World:
    scheduler = boto3.client("scheduler", region_name=REGION)
    if GROUP not in {g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]}:
        scheduler.create_schedule_group(Name=GROUP)
    store = DynamoStore(tables["CasesTable"], client=dynamodb)
    store.put_customer(Customer(customer_id="cust-1", name="A. Tenant", emails=("a@b.org",)))
    cases = CaseService(cases=store, customers=store, policy=policy or Policy())
    gateway = SchedulerGateway(
        ScheduleTarget(
            function_arn="arn:aws:lambda:eu-west-2:123456789012:function:deadlines",
            role_arn="arn:aws:iam::123456789012:role/scheduler",
            dead_letter_arn="arn:aws:sqs:eu-west-2:123456789012:deadlines-dlq",
            group=GROUP,
        ),
        client=scheduler,
    )
    alerts = RecordingAlerts()
    service = DeadlinesService(cases, gateway, alerts, rig_logger("deadlines"))
    return World(store, cases, service, scheduler, SchedulerPump(scheduler, GROUP), alerts)


@pytest.fixture
def world(dynamodb: Any, tables: dict[str, str]) -> World:
    return world_with(dynamodb, tables)


EQUALITY = EqualityConsiderations(
    reasonable_adjustments_considered=True,
    vulnerability_considered=True,
    equality_act_duties_considered=True,
    notes="considered",
)


def concern(world: World) -> None:
    world.act(
        RaiseConcern(
            case_id=CASE,
            customer_id="cust-1",
            behaviours=(Behaviour.EXCESSIVE_EMAILS,),
            note="forty emails",
        ),
        MANAGER,
        at("2026-11-02"),
    )
    world.draft_and_send(LetterKind.CONCERN, date(2026, 11, 3), MANAGER)


def restrict(world: World) -> None:
    concern(world)
    world.act(
        ImposeRestrictions(
            restrictions=(LettersOnly(write_to="PO Box 1"),), reason="no change", equality=EQUALITY
        ),
        HEAD,
        at("2026-11-20"),
    )
    world.draft_and_send(LetterKind.RESTRICTIONS, date(2026, 12, 18), HEAD)


@pytest.mark.policy("s4-step1-follow-up")
def test_a_sent_concern_letter_schedules_the_follow_up(world: World) -> None:
    concern(world)
    assert world.schedules() == {"concern-follow-up": "at(2026-12-01T07:00:00)"}


@pytest.mark.policy("s5-appeal-15-working-days")
def test_the_restriction_letter_schedules_window_pack_and_end_across_christmas(
    world: World,
) -> None:
    restrict(world)
    assert world.schedules() == {
        "appeal-window-closes": "at(2027-01-14T00:30:00)",  # window open until 13 Jan 23:59:59
        "review-pack-due": "at(2027-11-22T07:00:00)",
        "restrictions-end": "at(2027-12-18T07:00:00)",
    }  # and the concern follow-up is gone: Step 2 made it moot


def test_the_same_event_twice_creates_nothing_twice(world: World) -> None:
    restrict(world)
    last = world.store.events(CASE)[-1]
    report = world.deadlines.on_event(last, at("2026-12-18", 17))
    assert report.created == []
    assert report.deleted == []
    assert report.kept == 3


@pytest.mark.policy("s5-review-30-working-days")
def test_an_appeal_schedules_reminder_and_escalation_and_its_decision_cancels_them(
    world: World,
) -> None:
    restrict(world)
    world.act(LogAppeal(received_on=date(2027, 1, 11), grounds="unfair"), CET, at("2027-01-11"))
    schedules = world.schedules()
    assert schedules["appeal-review-reminder"] == "at(2027-02-15T07:00:00)"
    assert schedules["appeal-review-overdue"] == "at(2027-02-23T00:30:00)"
    world.act(DecideAppeal(outcome=AppealOutcome.DISMISSED, reason="fair"), EXEC, at("2027-02-10"))
    assert "appeal-review-overdue" not in world.schedules()
    assert "appeal-review-reminder" not in world.schedules()


@pytest.mark.policy("s6-unreviewed-lapse")
def test_twelve_months_appeal_dismissed_no_review_restrictions_lapse_and_email_flows(
    world: World,
) -> None:
    restrict(world)
    world.act(LogAppeal(received_on=date(2027, 1, 11), grounds="unfair"), CET, at("2027-01-11"))
    fired = world.run_until(at("2027-02-10", 9))
    world.act(DecideAppeal(outcome=AppealOutcome.DISMISSED, reason="fair"), EXEC, at("2027-02-10"))
    fired += world.run_until(at("2027-12-18", 12))
    assert [(f.payload["deadline"], f.fire_at.isoformat()) for f in fired] == [
        ("appeal-window-closes", "2027-01-14T00:30:00+00:00"),
        ("review-pack-due", "2027-11-22T07:00:00+00:00"),
        ("restrictions-end", "2027-12-18T07:00:00+00:00"),
    ]
    assert world.status() is CaseStatus.LAPSED
    types = [e.type for e in world.store.events(CASE)]
    assert types[-2:] == [CaseEventType.RESTRICTIONS_LAPSED, CaseEventType.MISSED_REVIEW_ESCALATED]
    assert ("missed-review-escalated", {"case_id": CASE, "role": "head-of-service"}) in (
        world.alerts.sent
    )
    case = world.store.get_case(CASE)
    assert case is not None
    # email received on the last evening was still blocked; from midnight it flows again
    assert email_ruling([case], at("2027-12-17", 23)).action is EmailAction.FILE_AND_BLOCK
    assert email_ruling([case], at("2027-12-18", 0, 1)).action is EmailAction.DELIVER
    assert world.schedules() == {}


def test_a_stale_or_duplicate_fire_does_nothing(world: World) -> None:
    restrict(world)
    world.run_until(at("2027-01-14", 1))
    before = len(world.store.events(CASE))
    assert world.deadlines.fire(CASE, DeadlineKind.APPEAL_WINDOW_CLOSES, at("2027-01-14", 2)) is (
        False
    )
    assert world.deadlines.fire(CASE, DeadlineKind.RESTRICTIONS_END, at("2027-01-14", 2)) is False
    assert len(world.store.events(CASE)) == before


def test_a_deadline_already_past_when_its_event_arrives_is_applied_at_once(world: World) -> None:
    world.act(
        RaiseConcern(
            case_id=CASE, customer_id="cust-1", behaviours=(Behaviour.SCATTERGUN,), note="n"
        ),
        MANAGER,
        at("2026-11-02"),
    )
    case = world.store.get_case(CASE)
    assert case is not None
    letter = case.letters[0].letter_id
    world.act(
        RecordLetterDrafted(letter_id=letter, version=1, s3_key="k"), LETTERS, at("2026-11-02", 11)
    )
    # The manager records on 10 December a letter sent on 3 November: the follow-up (1 Dec)
    # has passed, so it is applied at once rather than scheduled in the past.
    world.act(
        MarkLetterSent(letter_id=letter, sent_on=date(2026, 11, 3)), MANAGER, at("2026-12-10")
    )
    assert CaseEventType.CONCERN_FOLLOW_UP_DUE in [e.type for e in world.store.events(CASE)]
    assert world.schedules() == {}


def test_the_daily_reconciliation_heals_a_lost_schedule(world: World) -> None:
    restrict(world)
    lost = next(s for s in world.pump.schedules() if s.payload["deadline"] == "review-pack-due")
    world.scheduler.delete_schedule(Name=lost.name, GroupName=GROUP)
    report = world.deadlines.reconcile_all(world.store, at("2027-01-02", 6))
    assert report.created == [lost.name]
    assert "review-pack-due" in world.schedules()


def test_a_deadline_that_passed_unfired_is_applied_late_and_alerted(world: World) -> None:
    restrict(world)
    for schedule in list(world.pump.schedules()):  # every schedule lost
        world.scheduler.delete_schedule(Name=schedule.name, GroupName=GROUP)
    report = world.deadlines.reconcile_all(world.store, at("2027-01-20", 6))
    assert report.applied == ["appeal-window-closes"]
    assert ("deadline-applied-late", {"case_id": CASE, "deadline": "appeal-window-closes"}) in (
        world.alerts.sent
    )


@pytest.mark.policy("design-working-days")
def test_a_closure_added_later_moves_the_schedule(dynamodb: Any, tables: dict[str, str]) -> None:
    world = world_with(dynamodb, tables)
    restrict(world)
    # The organisation announces a closure on 5 January 2027; the daily job picks it up.
    closed = Policy(calendar=WorkingDayCalendar(closures=frozenset({date(2027, 1, 5)})))
    world.cases.policy = closed
    report = world.deadlines.reconcile_all(world.store, at("2026-12-21", 6))
    assert len(report.created) == 1
    assert len(report.deleted) == 1
    assert world.schedules()["appeal-window-closes"] == "at(2027-01-15T00:30:00)"


@dataclass
class FakeContext:
    function_name: str = "deadlines"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:deadlines"
    aws_request_id: str = "req-1"


@pytest.fixture
def handler_env(world: World, tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    from deadlines import handler

    sns = boto3.client("sns", region_name=REGION)
    for name, value in {
        "CONTACTGUARD_TABLE_NAME": tables["CasesTable"],
        "CONTACTGUARD_SCHEDULE_GROUP": GROUP,
        "CONTACTGUARD_DEADLINES_FUNCTION_ARN": "arn:aws:lambda:eu-west-2:123456789012:function:d",
        "CONTACTGUARD_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/scheduler",
        "CONTACTGUARD_DEAD_LETTER_ARN": "arn:aws:sqs:eu-west-2:123456789012:dlq",
        "CONTACTGUARD_ALERTS_TOPIC_ARN": sns.create_topic(Name="alerts")["TopicArn"],
    }.items():
        monkeypatch.setenv(name, value)
    deadlines_settings.cache_clear()
    handler.build.use_clock(lambda: at("2026-12-18", 17))  # the composition root's clock
    yield handler
    handler.build.use_clock(None)
    deadlines_settings.cache_clear()


def test_the_stream_handler_fails_only_the_bad_record(world: World, handler_env: Any) -> None:
    from contactguard.adapters.stream import stream_record

    restrict(world)
    good = stream_record(world.store.events(CASE)[-1])
    bad = stream_record(world.store.events(CASE)[-1])
    bad["dynamodb"]["NewImage"]["doc"] = {"S": "{not json"}
    bad["dynamodb"]["SequenceNumber"] = "bad-one"
    other = {"eventName": "MODIFY", "dynamodb": {"SequenceNumber": "m1", "NewImage": {}}}
    result = handler_env.stream_handler({"Records": [good, bad, other]}, FakeContext())
    assert result == {"batchItemFailures": [{"itemIdentifier": "bad-one"}]}


def test_the_schedule_handler_applies_a_due_deadline_once(world: World, handler_env: Any) -> None:
    restrict(world)
    payload = {"case_id": CASE, "deadline": "appeal-window-closes", "computed_from_version": 9}
    early = handler_env.schedule_handler(payload, FakeContext())
    handler_env.build.use_clock(lambda: at("2027-01-14", 0, 30))
    first = handler_env.schedule_handler(payload, FakeContext())
    again = handler_env.schedule_handler(payload, FakeContext())
    assert early["applied"] is False  # fired too soon: nothing happens
    assert first["applied"] is True
    assert again["applied"] is False  # a duplicate fire


@pytest.mark.policy("design-working-days")
def test_schedules_across_easter_and_the_spring_clock_change(world: World) -> None:
    world.act(
        ImposeRestrictions(
            case_id=CASE,
            customer_id="cust-1",
            restrictions=(LettersOnly(write_to="PO Box 1"),),
            reason="threats",
            equality=EQUALITY,
            immediate=True,
            immediate_reason="threatened an officer",
        ),
        HEAD,
        at("2027-03-12", 9),
    )
    world.draft_and_send(LetterKind.IMMEDIATE_RESTRICTIONS, date(2027, 3, 12), HEAD)
    schedules = world.schedules()
    # 15 working days from Fri 12 March 2027 skip Good Friday (26th) and Easter Monday (29th):
    # the window is open until 23:59:59 on Tue 6 April, in BST since 28 March.
    assert schedules["appeal-window-closes"] == "at(2027-04-07T00:30:00)"
    fired = world.run_until(at("2027-04-07", 1))
    assert [(f.payload["deadline"], f.fire_at.utcoffset()) for f in fired] == [
        ("appeal-window-closes", timedelta(hours=1))
    ]


@pytest.mark.policy("s5-review-delayed")
def test_a_delayed_review_moves_its_reminder_and_escalation_schedules(world: World) -> None:
    restrict(world)
    world.act(LogAppeal(received_on=date(2027, 1, 11), grounds="unfair"), CET, at("2027-01-11"))
    assert world.schedules()["appeal-review-reminder"] == "at(2027-02-15T07:00:00)"
    case = world.store.get_case(CASE)
    assert case is not None
    delay = DelayAppealReview(
        appeal_id=case.appeals[0].appeal_id,
        review_due_on=date(2027, 3, 9),
        reason="waiting for the call recordings",
    )
    world.act(delay, EXEC, at("2027-02-10"))
    schedules = world.schedules()
    assert schedules["appeal-review-reminder"] == "at(2027-03-02T07:00:00)"
    assert schedules["appeal-review-overdue"] == "at(2027-03-10T00:30:00)"
    # The old schedules are deleted, not left to fire: nothing fires on the old dates.
    fired = world.run_until(at("2027-03-11"))
    assert [(f.payload["deadline"], f.fire_at.date().isoformat()) for f in fired] == [
        ("appeal-review-reminder", "2027-03-02"),
        ("appeal-review-overdue", "2027-03-10"),
    ]


@pytest.mark.policy("s5-review-30-working-days")
def test_an_undecided_appeal_reminds_then_escalates_to_the_executive(world: World) -> None:
    restrict(world)
    world.act(LogAppeal(received_on=date(2027, 1, 11), grounds="unfair"), CET, at("2027-01-11"))
    fired = world.run_until(at("2027-03-01"))
    assert [f.payload["deadline"] for f in fired] == [
        "appeal-window-closes",
        "appeal-review-reminder",
        "appeal-review-overdue",
    ]
    types = [e.type for e in world.store.events(CASE)]
    assert types[-2:] == [CaseEventType.APPEAL_REVIEW_REMINDER, CaseEventType.APPEAL_REVIEW_OVERDUE]
    notified = [(kind, ids["role"]) for kind, ids in world.alerts.sent if "role" in ids]
    assert ("appeal-review-reminder", "executive-team") in notified
    assert ("appeal-review-overdue", "executive-team") in notified
    assert world.status() is CaseStatus.UNDER_APPEAL  # still in force while it is heard


def test_the_deadlines_command_counts_with_the_deployments_calendar(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """`contactguard deadlines --table` reads a deployed table; what it counts itself (an
    unsent letter's reminder, 2 working days after the draft) must be counted as the
    deployment counts, closure days included."""
    from contactguard_local.cli import main

    world.act(
        RaiseConcern(
            case_id=CASE, customer_id="cust-1", behaviours=(Behaviour.SCATTERGUN,), note="n"
        ),
        MANAGER,
        at("2026-11-06"),
    )
    case = world.store.get_case(CASE)
    assert case is not None
    (letter,) = case.letters
    drafted = RecordLetterDrafted(letter_id=letter.letter_id, version=1, s3_key="k")
    world.act(drafted, LETTERS, at("2026-11-06"))  # a Friday; nobody sends it

    def listed(*extra: str) -> list[tuple[str, str]]:
        capsys.readouterr()
        assert main(["deadlines", "--table", world.store.table_name, "--json", *extra]) == 0
        return [(d["deadline"], d["at"][:10]) for d in json.loads(capsys.readouterr().out)]

    assert ("letter-unsent", "2026-11-10") in listed()
    assert ("letter-unsent", "2026-11-11") in listed("--closure", "2026-11-09")
