"""Every AWS call ingest, letters and deadlines make, failed one at a time, on the embedded stack.

Each handler's calls in a clean run are listed below (a test checks the list still holds);
each test fails call k with one fault (tests/faults.py), then retries as AWS would
(SES redelivers the same event, the stream retries the failed records, Scheduler fires the
same payload again) and checks three things:

(a) the mail still flows: ingest answers SES with a disposition and never raises;
(b) after the retry nothing is lost or doubled: the state is that of one clean run, or, where
    the design says what a failure leaves (ingest's fallback record), exactly that;
(c) the failure is visible: a WARNING/ERROR log line, a batchItemFailures entry, or an error
    Scheduler sees and retries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from contactguard.domain.calendar import LONDON
from contactguard.domain.model import Actor, Customer, PostalAddress, Role
from contactguard_local.examples import immediate_restrictions
from contactguard_local.pumps import DueSchedule, SchedulerPump
from contactguard_local.ses import ses_receipt_event
from contactguard_local.stack import REGION, EmbeddedStack, SimClock
from faults import FAULTS, Call, FaultInjector, applies, installed

NOW = datetime(2026, 12, 1, 9, tzinfo=LONDON)
SENDER = "tenant.fault@example.org"
HEAD = Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE)
MESSAGE_ID = "faultmsg0001"


def _calls(*names: str) -> tuple[Call, ...]:
    return tuple(Call(*name.split(".")) for name in names)


# What each handler calls in a clean run (test_the_clean_runs_make_these_calls keeps it true).
INGEST_CALLS = _calls(
    "s3.GetObject",  # the raw message
    "dynamodb.GetItem",  # who sent it
    "dynamodb.Query",  # their cases
    "dynamodb.Query",  # their cases again, for the contact's retention (none: a case is live)
    "dynamodb.TransactWriteItems",  # the contact, its key and the read-queue entry
    "sns.Publish",  # abusive language: the Service Manager is told
    "dynamodb.UpdateItem",  # the auto-reply ledger
    "s3.PutObject",  # the auto-reply, kept as sent
    "ses.SendRawEmail",  # the auto-reply
    "dynamodb.Query",  # their cases, for the outbound contact's retention
    "dynamodb.TransactWriteItems",  # the auto-reply, an outbound contact
)
LETTERS_CALLS = _calls(
    "dynamodb.GetItem",  # the case
    "dynamodb.GetItem",  # the customer
    "s3.ListObjectsV2",  # the templates published (templates/), once per letter
    "s3.PutObject",  # the draft
    "sns.Publish",  # the manager is told, before the draft is recorded
    "dynamodb.GetItem",  # the case again, to record the draft
    "dynamodb.TransactWriteItems",  # RecordLetterDrafted
)
DEADLINES_CALLS = _calls(
    "dynamodb.GetItem",
    # Retention (apply_retention): the case's state, its events, the customer's cases, their
    # profile, then (the first time these cases are seen) their contacts, and the profile
    # marked as stamped for them.
    "dynamodb.GetItem",
    "dynamodb.Query",
    "dynamodb.Query",
    "dynamodb.GetItem",
    "dynamodb.Query",
    "dynamodb.UpdateItem",
    "scheduler.ListSchedules",
    "scheduler.CreateSchedule",  # one per deadline the case waits for (two here)
    "scheduler.CreateSchedule",
    "dynamodb.GetItem",  # the batch's second case event: the same case, already in line
    "dynamodb.GetItem",  # its retention: nothing changed, so no contact is read
    "dynamodb.Query",
    "dynamodb.Query",
    "dynamodb.GetItem",
    "scheduler.ListSchedules",
)
FIRE_CALLS = _calls(
    "dynamodb.GetItem",  # the case as it is now
    "dynamodb.TransactWriteItems",  # the deadline's event
)


# A connect timeout fails before anything is done, as a throttle does: it runs in `make soak`.
QUICK_FAULTS = tuple(f for f in FAULTS if f != "connect-timeout")


def matrix(calls: tuple[Call, ...], faults: tuple[str, ...] = QUICK_FAULTS) -> list[Any]:
    return [
        pytest.param(k, fault, id=f"{k}-{call}-{fault}")
        for k, call in enumerate(calls)
        for fault in faults
        if applies(fault, call)
    ]


# The stack, a customer under letters-only restrictions, and what to look at ----------------


@contextmanager
def restricted_customer() -> Iterator[EmbeddedStack]:
    with EmbeddedStack(SimClock(NOW)) as stack:
        address = PostalAddress(lines=("7 Fault Lane", "Derby"), postcode="DE1 7FL")
        customer = Customer(customer_id="c1", name="Faye Tenant", address=address)
        stack.store.put_customer(customer.model_copy(update={"emails": (SENDER,)}))
        stack.cases.open_case(immediate_restrictions("k1", "c1"), HEAD, NOW)
        yield stack


def consumer_records(stack: EmbeddedStack, logical_id: str) -> list[dict[str, Any]]:
    """The stream records not yet delivered that `logical_id`'s FilterCriteria select."""
    (consumer,) = [c for c in stack.consumers if c.logical_id == logical_id]
    return stack.selected(consumer, stack.take_stream_records())


def alerts(stack: EmbeddedStack) -> list[dict[str, str]]:
    arn = stack.functions["IngestFunction"]["env"]["CONTACTGUARD_ALERTS_TOPIC_ARN"]
    topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[arn]
    return [json.loads(sent[1]) for sent in topic.sent_notifications]


def mail_sent(stack: EmbeddedStack) -> int:
    return len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def schedules(stack: EmbeddedStack) -> list[DueSchedule]:
    group = stack.functions["DeadlinesStreamFunction"]["env"]["CONTACTGUARD_SCHEDULE_GROUP"]
    return sorted(SchedulerPump(stack.scheduler, group).schedules(), key=lambda s: s.name)


def case_state(stack: EmbeddedStack) -> tuple[Any, ...]:
    """The case, its events, its schedules and its letters' objects."""
    case = stack.store.get_case("k1")
    assert case is not None
    bucket = stack.functions["LettersFunction"]["env"]["CONTACTGUARD_LETTERS_BUCKET"]
    objects = stack.s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return (
        case.model_dump_json(),
        [e.model_dump_json() for e in stack.store.events("k1")],
        [(s.name, s.payload["deadline"], s.fire_at) for s in schedules(stack)],
        sorted(o["Key"] for o in objects),
    )


# What ingest logs when it falls back to recording what it can and delivering the mail.
FALLBACK = ("ingest: internal error, delivering as usual", "ingest: raw message unreadable")


def problems_logged(caplog: pytest.LogCaptureFixture, service: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == service and r.levelname in ("WARNING", "ERROR", "CRITICAL")
    ]


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> FaultInjector:
    return installed(monkeypatch)


# Ingest -------------------------------------------------------------------------------------


def abusive_email() -> bytes:
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = "contact@landlord.example"
    message["Subject"] = "Repairs"
    message.set_content("Fix the boiler, you idiot.")
    return message.as_bytes()


def ses_event(stack: EmbeddedStack) -> dict[str, Any]:
    """Store the raw message as SES does and return the event SES gives ingest."""
    env = stack.functions["IngestFunction"]["env"]
    key = f"{env['CONTACTGUARD_RAW_MAIL_PREFIX']}{MESSAGE_ID}"
    stack.s3.put_object(Bucket=env["CONTACTGUARD_RAW_MAIL_BUCKET"], Key=key, Body=abusive_email())
    return ses_receipt_event(MESSAGE_ID, SENDER, "Repairs", stack.clock())


@dataclass
class IngestOutcome:
    disposition: str
    contact: dict[str, Any]
    items: list[str]  # kinds of the table items about this contact
    alerts: list[str]
    mail_sent: int


def ingest_outcome(stack: EmbeddedStack, disposition: str) -> IngestOutcome:
    contact = stack.store.get_contact(f"email-{MESSAGE_ID}")
    assert contact is not None, "the contact was lost"
    scan = stack.dynamodb.scan(TableName=stack.table)["Items"]
    items = sorted(
        i["kind"]["S"]
        for i in scan
        if i.get("contact_id", {}).get("S") == f"email-{MESSAGE_ID}"
        or i["kind"]["S"] == "auto-reply-ledger"
    )
    return IngestOutcome(
        disposition,
        contact.model_dump(mode="json"),
        items,
        [a["kind"] for a in alerts(stack) if a.get("contact_id") == f"email-{MESSAGE_ID}"],
        mail_sent(stack),
    )


def deliver(stack: EmbeddedStack, event: dict[str, Any]) -> str:
    response = stack.invoke("IngestFunction", event)
    assert set(response) == {"disposition"}
    assert response["disposition"] in ("CONTINUE", "STOP_RULE_SET")
    return str(response["disposition"])


def clean_ingest(faults: FaultInjector) -> tuple[IngestOutcome, list[Call]]:
    with restricted_customer() as stack:
        stack.pump_streams()
        event = ses_event(stack)
        with faults.armed_for() as calls:
            disposition = deliver(stack, event)
        stack.pump_streams()
        return ingest_outcome(stack, disposition), list(calls)


@pytest.fixture(scope="module")
def clean_ingest_outcome() -> IngestOutcome:
    outcome, _ = clean_ingest(FaultInjector())  # never installed: records nothing
    assert outcome.disposition == "STOP_RULE_SET"
    assert outcome.mail_sent == 1
    return outcome


def check_ingest_fault(
    plan: dict[int, str], faults: FaultInjector, caplog: pytest.LogCaptureFixture
) -> tuple[IngestOutcome, str, list[str]]:
    """Deliver with the faults in `plan`, then once more cleanly; what holds after both."""
    with restricted_customer() as stack:
        stack.pump_streams()
        event = ses_event(stack)
        caplog.clear()
        with faults.armed_for(plan):
            first = deliver(stack, event)  # (a): a disposition, never an exception
        assert faults.injected[0][0] == min(plan)
        logged = problems_logged(caplog, "ingest")
        deliver(stack, event)  # SES (or an operator) delivers the same event again
        stack.pump_streams()
        after = ingest_outcome(stack, first)

    # (b) one contact, never two, never none; nothing about it is doubled.
    assert after.items.count("contact") == 1
    assert after.items.count("contact-key") == 1
    assert after.alerts.count("signal:abusive-language") <= 1
    assert after.mail_sent <= 1  # never a second auto-reply
    if after.contact["disposition"] == "filed-blocked":
        # Filed mail is queued to be read, and is not also delivered, unless ingest could
        # not know it was filed (the write's answer was lost): then the mail flows as well.
        # If ingest fell back (it could not tell the mail was filed: a write's answer lost,
        # or nothing recorded until the redelivery), the mail flowed to staff as well.
        assert after.items.count("read-queue") == 1
        assert first == "STOP_RULE_SET" or any(line in logged for line in FALLBACK)
    else:
        # The design's fallback: the mail reached staff, recorded once with the reason,
        # flagged for review (staff attribute it when they look).
        assert first == "CONTINUE"
        assert after.contact["reason"].startswith("ingest-fallback:")
        assert "needs-review" in after.contact["flags"]
    return after, first, logged


@pytest.mark.policy("design-email-enforcement")
@pytest.mark.parametrize(("k", "fault"), matrix(INGEST_CALLS))
def test_ingest_survives_a_fault_at_every_call(
    k: int,
    fault: str,
    faults: FaultInjector,
    caplog: pytest.LogCaptureFixture,
    clean_ingest_outcome: IngestOutcome,
) -> None:
    after, first, logged = check_ingest_fault({k: fault}, faults, caplog)
    assert faults.injected == [(k, INGEST_CALLS[k], fault)]
    # (c) visible: a warning or error, unless the fault is one the design reads as an answer
    # (a failed condition on the auto-reply ledger means "already replied this week").
    if (INGEST_CALLS[k].operation, fault) != ("UpdateItem", "conditional"):
        assert logged, "the failure left no warning or error"
    # (b) past the fallback and a lost auto-reply (a courtesy, logged), nothing differs.
    if after.contact["disposition"] == "filed-blocked" and after.mail_sent:
        expected = replace(clean_ingest_outcome, disposition=first)
        if "ingest: alert failed" in logged:  # the flag stays on the contact; the error says so
            after, expected = replace(after, alerts=[]), replace(expected, alerts=[])
        assert after == expected


# Letters ------------------------------------------------------------------------------------


def invoke_batch(stack: EmbeddedStack, logical_id: str, records: list[dict[str, Any]]) -> set[str]:
    """The sequence numbers that failed: those in batchItemFailures, or every record when
    they all failed (Powertools then raises, the invocation errors and AWS retries it all)."""
    try:
        result = stack.invoke(logical_id, {"Records": records})
    except BatchProcessingError:
        return {r["dynamodb"]["SequenceNumber"] for r in records}
    return {f["itemIdentifier"] for f in result["batchItemFailures"]}


def retry_stream(
    stack: EmbeddedStack, logical_id: str, records: list[dict[str, Any]], failed: set[str]
) -> None:
    """The event source mapping retries the failed records (bounded), as AWS does."""
    for _ in range(3):
        if not failed:
            return
        pending = [r for r in records if r["dynamodb"]["SequenceNumber"] in failed]
        failed = invoke_batch(stack, logical_id, pending)
    assert not failed, "a record still fails after the retries"


def stream_run(
    stack: EmbeddedStack, logical_id: str, faults: FaultInjector, plan: dict[int, str]
) -> tuple[set[str], list[Call]]:
    """Deliver the new records, then retry what failed; the plan's call numbers run on
    through the retries (two faults in a row: the retry fails too)."""
    records = consumer_records(stack, logical_id)
    with faults.armed_for(plan) as calls:
        failed = invoke_batch(stack, logical_id, records)
        retry_stream(stack, logical_id, records, failed)
    return failed, list(calls)


@pytest.fixture(scope="module")
def clean_letters() -> tuple[tuple[Any, ...], list[dict[str, str]]]:
    with restricted_customer() as stack:
        stream_run(stack, "LettersFunction", FaultInjector(), {})
        stack.pump_streams()
        return case_state(stack), alerts(stack)


def check_letters_fault(
    plan: dict[int, str],
    faults: FaultInjector,
    caplog: pytest.LogCaptureFixture,
    clean: tuple[tuple[Any, ...], list[dict[str, str]]],
) -> None:
    with restricted_customer() as stack:
        caplog.clear()
        failed, _ = stream_run(stack, "LettersFunction", faults, plan)
        assert faults.injected[0][0] == min(plan)
        logged = problems_logged(caplog, "letters")
        stack.pump_streams()
        after, after_alerts = case_state(stack), alerts(stack)
    assert failed, "(c): the failed record was not reported in batchItemFailures"
    assert logged, "(c): no error logged"
    clean_state, clean_alerts = clean
    assert after == clean_state  # (b): one draft, one RecordLetterDrafted, same schedules
    # The manager's alert goes before the draft is recorded, so a retry never loses it; when
    # recording failed, the retry tells the manager again (at least once, never lost).
    extra = list(after_alerts)
    for alert in clean_alerts:
        assert alert in extra, f"(b): the alert {alert['kind']} was lost"
        extra.remove(alert)
    assert all(a["kind"] == "letter-drafted" for a in extra)


@pytest.mark.parametrize(("k", "fault"), matrix(LETTERS_CALLS))
def test_letters_survive_a_fault_at_every_call(
    k: int,
    fault: str,
    faults: FaultInjector,
    caplog: pytest.LogCaptureFixture,
    clean_letters: tuple[tuple[Any, ...], list[dict[str, str]]],
) -> None:
    check_letters_fault({k: fault}, faults, caplog, clean_letters)
    assert faults.injected == [(k, LETTERS_CALLS[k], fault)]


# Deadlines ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_deadlines() -> tuple[Any, ...]:
    with restricted_customer() as stack:
        stream_run(stack, "DeadlinesStreamFunction", FaultInjector(), {})
        return case_state(stack)


def check_deadlines_fault(
    plan: dict[int, str], faults: FaultInjector, clean: tuple[Any, ...], *, answer: bool = False
) -> None:
    """`answer`: the fault is one the design reads as an answer, not a failure."""
    with restricted_customer() as stack:
        failed, _ = stream_run(stack, "DeadlinesStreamFunction", faults, plan)
        assert faults.injected[0][0] == min(plan)
        after = case_state(stack)
    assert failed or answer, "(c): the failed record was not reported in batchItemFailures"
    assert after == clean  # (b): every schedule once, none left over


@pytest.mark.parametrize(("k", "fault"), matrix(DEADLINES_CALLS))
def test_deadlines_stream_survives_a_fault_at_every_call(
    k: int, fault: str, faults: FaultInjector, clean_deadlines: tuple[Any, ...]
) -> None:
    # A retention stamp's failed condition (attribute_exists) says the item is gone: nothing
    # to stamp, so the record goes on.
    answer = (DEADLINES_CALLS[k].operation, fault) == ("UpdateItem", "conditional")
    check_deadlines_fault({k: fault}, faults, clean_deadlines, answer=answer)
    assert faults.injected == [(k, DEADLINES_CALLS[k], fault)]


def fire_first(stack: EmbeddedStack) -> Callable[[], Any]:
    """Move the clock to the first schedule and return what firing it does."""
    first = min(schedules(stack), key=lambda s: (s.fire_at, s.name))
    stack.clock.now = first.fire_at + timedelta(minutes=1)
    return lambda: stack.invoke("DeadlineFireFunction", first.payload)


@pytest.fixture(scope="module")
def clean_fire() -> tuple[Any, ...]:
    with restricted_customer() as stack:
        stack.pump_streams()
        fire = fire_first(stack)
        assert fire()["applied"] is True
        stack.pump_streams()
        return case_state(stack)


def check_fire_fault(plan: dict[int, str], faults: FaultInjector, clean: tuple[Any, ...]) -> None:
    with restricted_customer() as stack:
        stack.pump_streams()
        fire = fire_first(stack)
        with faults.armed_for(plan):
            with pytest.raises(Exception):  # noqa: B017, PT011
                fire()  # (c): the invocation fails, so Scheduler retries it
            assert faults.injected[0][0] == min(plan)
            for _ in range(3):  # Scheduler's retries (the plan may fail the first too)
                try:
                    fire()
                    break
                except Exception:  # noqa: BLE001 - retried, as Scheduler does
                    continue
            else:
                pytest.fail("the deadline still fails after Scheduler's retries")
        stack.pump_streams()
        after = case_state(stack)
    assert after == clean  # (b): the deadline applied once


@pytest.mark.parametrize(("k", "fault"), matrix(FIRE_CALLS))
def test_a_firing_deadline_survives_a_fault_at_every_call(
    k: int, fault: str, faults: FaultInjector, clean_fire: tuple[Any, ...]
) -> None:
    check_fire_fault({k: fault}, faults, clean_fire)
    assert faults.injected == [(k, FIRE_CALLS[k], fault)]


def test_the_clean_runs_make_these_calls(faults: FaultInjector) -> None:
    _, calls = clean_ingest(faults)
    assert tuple(calls) == INGEST_CALLS
    with restricted_customer() as stack:
        _, calls = stream_run(stack, "LettersFunction", faults, {})
        assert tuple(calls) == LETTERS_CALLS
    with restricted_customer() as stack:
        _, calls = stream_run(stack, "DeadlinesStreamFunction", faults, {})
        assert tuple(calls) == DEADLINES_CALLS
        fire = fire_first(stack)
        with faults.armed_for() as calls:
            fire()
        assert tuple(calls) == FIRE_CALLS


# Soak (make soak): the connect timeout everywhere, and two faults in a row -----------------

# The second fault lands on whatever call comes next (on the fallback path, or the retry's
# first call), so only faults any call can meet follow.
SECOND_FAULTS = ("throttle", "connect-timeout", "read-timeout")


def pairs(calls: tuple[Call, ...]) -> list[Any]:
    return [
        pytest.param({k: first, k + 1: second}, id=f"{k}-{call}-{first}-then-{second}")
        for k, call in enumerate(calls)
        for first in FAULTS
        if applies(first, call)
        for second in SECOND_FAULTS
    ] + [
        pytest.param({k: "connect-timeout"}, id=f"{k}-{call}-connect-timeout")
        for k, call in enumerate(calls)
    ]


@pytest.mark.soak
@pytest.mark.parametrize("plan", pairs(INGEST_CALLS))
def test_soak_ingest_faults(
    plan: dict[int, str],
    faults: FaultInjector,
    caplog: pytest.LogCaptureFixture,
    clean_ingest_outcome: IngestOutcome,
) -> None:
    check_ingest_fault(plan, faults, caplog)


@pytest.mark.soak
@pytest.mark.parametrize("plan", pairs(LETTERS_CALLS))
def test_soak_letters_faults(
    plan: dict[int, str],
    faults: FaultInjector,
    caplog: pytest.LogCaptureFixture,
    clean_letters: tuple[tuple[Any, ...], list[dict[str, str]]],
) -> None:
    check_letters_fault(plan, faults, caplog, clean_letters)


@pytest.mark.soak
@pytest.mark.parametrize("plan", pairs(DEADLINES_CALLS))
def test_soak_deadlines_faults(
    plan: dict[int, str], faults: FaultInjector, clean_deadlines: tuple[Any, ...]
) -> None:
    check_deadlines_fault(plan, faults, clean_deadlines)


@pytest.mark.soak
@pytest.mark.parametrize("plan", pairs(FIRE_CALLS))
def test_soak_fire_faults(
    plan: dict[int, str], faults: FaultInjector, clean_fire: tuple[Any, ...]
) -> None:
    check_fire_fault(plan, faults, clean_fire)
