"""Soak (`make soak`): many duplicate and reordered deliveries on the embedded stack.

Streams and SES deliver at least once, and a retried batch can arrive after newer ones: a case
through its letters, their sending and an appeal, every event replayed three times over in
shuffled batches of random sizes under many seeds, and a week of email from three kinds of
sender, each delivered again in shuffled order, change nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from contactguard.adapters.stream import stream_record
from contactguard.domain.calendar import LONDON
from contactguard.domain.case import LogAppeal, MarkLetterSent
from contactguard.domain.model import Actor, Customer, PostalAddress, Role
from contactguard_local.examples import immediate_restrictions
from contactguard_local.pumps import SchedulerPump
from contactguard_local.ses import ses_receipt_event
from contactguard_local.stack import REGION, EmbeddedStack, SimClock

pytestmark = pytest.mark.soak

NOW = datetime(2026, 12, 1, 9, tzinfo=LONDON)
HEAD = Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE)
CX = Actor(actor_id="cx", role=Role.CUSTOMER_EXPERIENCE)
ADDRESS = PostalAddress(lines=("1 Example Street", "Derby"), postcode="DE1 1AA")


def snapshot(stack: EmbeddedStack, case_id: str) -> tuple[Any, ...]:
    case = stack.store.get_case(case_id)
    assert case is not None
    env = stack.functions
    group = env["DeadlinesStreamFunction"]["env"]["CONTACTGUARD_SCHEDULE_GROUP"]
    bucket = env["LettersFunction"]["env"]["CONTACTGUARD_LETTERS_BUCKET"]
    objects = stack.s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return (
        case.model_dump_json(),
        [e.model_dump_json() for e in stack.store.events(case_id)],
        sorted(s.name for s in SchedulerPump(stack.scheduler, group).schedules()),
        sorted((o["Key"], o["ETag"]) for o in objects),
    )


def test_soak_case_events_replayed_in_any_order_change_nothing() -> None:
    with EmbeddedStack(SimClock(NOW)) as stack:
        stack.store.put_customer(Customer(customer_id="c1", name="A Tenant", address=ADDRESS))
        stack.cases.open_case(immediate_restrictions("k1", "c1"), HEAD, NOW)
        stack.pump_streams()
        case = stack.store.get_case("k1")
        assert case is not None
        (letter,) = case.letters
        stack.clock.now = NOW + timedelta(hours=6)
        stack.cases.act(
            "k1",
            MarkLetterSent(letter_id=letter.letter_id, sent_on=date(2026, 12, 1)),
            HEAD,
            stack.clock(),
        )
        stack.pump_streams()
        stack.clock.now = NOW + timedelta(days=3)
        stack.cases.act(
            "k1", LogAppeal(received_on=date(2026, 12, 4), grounds="unfair"), CX, stack.clock()
        )
        stack.pump_streams()
        assert stack.log.stream_failures == []
        before = snapshot(stack, "k1")
        events = [stream_record(e) for e in stack.store.events("k1")]
        assert len(events) >= 6
        for seed in range(100):
            shuffle = random.Random(seed)
            records = events * 3
            shuffle.shuffle(records)
            while records:
                size = shuffle.randint(1, 10)
                batch, records = records[:size], records[size:]
                for function in ("LettersFunction", "DeadlinesStreamFunction"):
                    result = stack.invoke(function, {"Records": batch})
                    assert result == {"batchItemFailures": []}
            stack.pump_streams()
            assert snapshot(stack, "k1") == before, f"seed {seed}"


def email(sender: str, n: int) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "contact@landlord.example"
    message["Subject"] = f"Repairs {n}"
    message.set_content("Still broken." if n % 3 else "Fix it, you idiot.")
    return message.as_bytes()


def mail_state(stack: EmbeddedStack) -> tuple[Any, ...]:
    items = stack.dynamodb.scan(TableName=stack.table)["Items"]
    kinds = sorted(
        (i["kind"]["S"], i["sk"]["S"])
        for i in items
        if i["kind"]["S"] in ("contact", "contact-key", "read-queue", "auto-reply-ledger")
    )
    return kinds, len(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def test_soak_email_redelivered_in_any_order_is_one_contact_and_one_reply() -> None:
    senders = ("blocked@example.org", "free@example.org", "stranger@example.net")
    with EmbeddedStack(SimClock(NOW)) as stack:
        stack.store.put_customer(
            Customer(customer_id="c1", name="A Tenant", emails=(senders[0],), address=ADDRESS)
        )
        stack.store.put_customer(
            Customer(customer_id="c2", name="Alex Tenant", emails=(senders[1],))
        )
        stack.cases.open_case(immediate_restrictions("k1", "c1"), HEAD, NOW)
        stack.pump_streams()
        env = stack.functions["IngestFunction"]["env"]
        events: list[dict[str, Any]] = []
        for n in range(60):
            sender, at = senders[n % 3], NOW + timedelta(hours=3 * n)
            message_id = f"soakmail{n:04d}"
            key = f"{env['CONTACTGUARD_RAW_MAIL_PREFIX']}{message_id}"
            stack.s3.put_object(
                Bucket=env["CONTACTGUARD_RAW_MAIL_BUCKET"], Key=key, Body=email(sender, n)
            )
            events.append(ses_receipt_event(message_id, sender, f"Repairs {n}", at))
        first = [stack.invoke("IngestFunction", e)["disposition"] for e in events]
        stack.pump_streams()
        before = mail_state(stack)
        directions = [
            i["direction"]["S"]
            for i in stack.dynamodb.scan(TableName=stack.table)["Items"]
            if i["kind"]["S"] == "contact"
        ]
        assert directions.count("inbound") == 60
        assert before[1] >= 2  # the blocked sender was replied to, once a week
        # every message SES sent (auto-replies, copies forwarded to staff) is one outbound contact
        assert directions.count("outbound") == before[1]
        shuffle = random.Random(11)
        for _ in range(3):
            order = list(range(60))
            shuffle.shuffle(order)
            for n in order:
                assert stack.invoke("IngestFunction", events[n])["disposition"] == first[n]
            stack.pump_streams()
            assert mail_state(stack) == before
        assert stack.log.stream_failures == []
