"""Signals for judgement over in-memory ports: waiting oldest first with their customers'
names (each customer audited), considered once with a note, and only by the managers who
judge (policy s.2: judgement decides; a signal never changes a case)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import CALL_HANDLER, CUSTOMER_ID, HEAD, MANAGER, at

from contactguard.domain.access import Operation
from contactguard.domain.errors import NothingToDo, NotPermitted
from contactguard.domain.model import Channel, Customer, RaisedSignal
from contactguard.usecases import Request
from contactguard.usecases.errors import NotFound
from fakes import Fakes, FixedClock, fake_use_cases


def raised(fakes: Fakes, contact_id: str, hours: int, signal: str = "volume-day") -> None:
    fakes.store.record_signal(
        RaisedSignal(
            customer_id=CUSTOMER_ID,
            contact_id=contact_id,
            signal=signal,
            at=at("2026-11-30") + timedelta(hours=hours),
            channel=Channel.PHONE,
        )
    )


def test_signals_wait_oldest_first_with_names_each_customer_audited() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    fakes.store.put_customer(Customer(customer_id=CUSTOMER_ID, name="Ada Tenant"))
    raised(fakes, "k2", 2, "scattergun")
    raised(fakes, "k1", 1)
    manager = Request(actor=MANAGER, request_id="req-1")

    waiting = fakes.use_cases.signals.waiting(manager)

    assert [(s.contact_id, s.signal) for s in waiting.signals] == [
        ("k1", "volume-day"),
        ("k2", "scattergun"),
    ]
    assert waiting.names == {CUSTOMER_ID: "Ada Tenant"}
    assert not waiting.more
    (record,) = fakes.store.audit
    assert (record.operation, record.customer_id, record.detail) == (
        Operation.READ_CONTACTS,
        CUSTOMER_ID,
        "view=signals",
    )


def test_a_signal_is_considered_once_with_its_note_and_leaves_the_list() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    raised(fakes, "k1", 1)
    head = Request(actor=HEAD, request_id="req-1")
    signals = fakes.use_cases.signals

    done = signals.consider(head, CUSTOMER_ID, "k1", "volume-day", "a genuine leak: no action")

    assert done.considered is not None
    assert (done.considered.by, done.considered.note) == (
        HEAD.actor_id,
        "a genuine leak: no action",
    )
    assert signals.waiting(head).signals == []
    assert signals.one(head, CUSTOMER_ID, "k1", "volume-day").considered == done.considered
    assert fakes.store.audit[0].operation is Operation.CONSIDER_SIGNAL
    with pytest.raises(NothingToDo):
        signals.consider(head, CUSTOMER_ID, "k1", "volume-day")
    with pytest.raises(NotFound):
        signals.one(head, CUSTOMER_ID, "k9", "volume-day")


def test_more_signals_than_a_page_are_said_to_be_more() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    for n in range(3):
        raised(fakes, f"k{n}", n)
    fakes.use_cases.signals.limit = 2

    waiting = fakes.use_cases.signals.waiting(Request(actor=MANAGER, request_id="r"))

    assert [s.contact_id for s in waiting.signals] == ["k0", "k1"]
    assert waiting.more


def test_only_the_managers_who_judge_see_or_consider_signals() -> None:
    fakes = fake_use_cases(FixedClock(at("2026-12-01")))
    raised(fakes, "k1", 1)
    handler = Request(actor=CALL_HANDLER, request_id="req-1")
    with pytest.raises(NotPermitted):
        fakes.use_cases.signals.waiting(handler)
    with pytest.raises(NotPermitted):
        fakes.use_cases.signals.consider(handler, CUSTOMER_ID, "k1", "volume-day")
    assert fakes.store.audit == []
