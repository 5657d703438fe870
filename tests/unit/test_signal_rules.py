"""Volume and nature signals: facts for a Service Manager's judgement, never a decision."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from contactguard.domain.calendar import LONDON
from contactguard.domain.model import Channel, Contact, Disposition
from contactguard.domain.signals import (
    PastContact,
    VolumeThresholds,
    nature_signals,
    similarity,
    volume_signals,
)
from fakes import InMemoryStore
from log_privacy import rig_logger
from signals.service import SignalsService

AT = datetime(2026, 12, 10, 12, tzinfo=LONDON)


def test_volume_counts_every_channel_in_rolling_windows() -> None:
    limits = VolumeThresholds(per_day=3, per_week=5, per_month=8)
    three_today = [AT - timedelta(hours=h) for h in (1, 2, 3)]
    assert volume_signals(three_today, AT, limits) == ()  # at the limit, not over it
    four_today = [*three_today, AT - timedelta(hours=4)]
    assert volume_signals(four_today, AT, limits) == ("volume-day",)
    spread = [AT - timedelta(days=d) for d in range(0, 9)]  # one a day for nine days
    assert volume_signals(spread, AT, limits) == ("volume-week", "volume-month")
    assert volume_signals(spread, AT + timedelta(days=40), limits) == ()  # all long ago


def test_similarity_ignores_case_punctuation_and_reply_prefixes() -> None:
    assert similarity("RE: Fw: Boiler STILL broken!!", "boiler still broken") == 1.0
    assert similarity("Boiler still broken", "Rent statement request") < 0.5
    assert similarity("", "anything") == 0.0


@pytest.mark.policy("s3-behaviour-vocabulary")
def test_the_same_complaint_again_and_through_several_routes() -> None:
    recent = [
        PastContact(AT - timedelta(days=2), "email", "Complaint about the boiler repair"),
        PastContact(AT - timedelta(days=1), "phone", "complaint about boiler repair again"),
        PastContact(AT - timedelta(days=1), "email", "Rent statement"),
    ]
    found = nature_signals("Re: Complaint about the boiler repair!", "social-media", recent)
    assert found == ("repeated-with-minor-differences", "scattergun")
    assert nature_signals("Rent statement please", "email", recent) == ()


@dataclass
class Fakes:
    history: list[Contact] = field(default_factory=list)
    sent: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def contacts(self, customer_id: str, start: datetime, end: datetime) -> Iterator[Contact]:
        return iter([c for c in self.history if start <= c.at < end])

    def alert(self, kind: str, **ids: str) -> None:
        self.sent.append((kind, ids))


TOPICS = [
    "Parking permit",
    "Boiler repair",
    "Rent statement",
    "Noise from next door",
    "Garden fence",
    "Window lock",
    "Damp in bedroom",
    "Bin collection",
    "Anti-social behaviour",
    "Lift out of order",
    "Estate lighting",
    "Pest control",
    "Tenancy question",
    "Hallway paint",
    "Roof leak",
    "Door entry",
    "Car park barrier",
    "Communal cleaning",
    "Tree overhanging",
    "Water pressure",
]


def contact(n: int, hours_ago: float, channel: Channel = Channel.EMAIL, **kw: object) -> Contact:
    return Contact(
        contact_id=f"k{n}",
        customer_id="c1",
        channel=channel,
        at=AT - timedelta(hours=hours_ago),
        summary=TOPICS[n],
        **kw,  # type: ignore[arg-type]
    )


def test_a_busy_day_tells_the_service_manager_and_changes_nothing_else() -> None:
    fakes = Fakes(history=[contact(n, n) for n in range(1, 7)])
    kept = InMemoryStore()
    service = SignalsService(fakes, kept, fakes, rig_logger("signals"), VolumeThresholds(per_day=5))
    new = contact(0, 0, Channel.PHONE)
    assert service.on_contact(new) == ("volume-day",)
    assert fakes.sent == [
        (
            "signal:volume-day",
            {"customer_id": "c1", "contact_id": "k0", "notify": "service-manager"},
        )
    ]
    (waiting,) = kept.signals_waiting(10)  # for the dashboard, until considered
    assert (waiting.contact_id, waiting.signal, waiting.channel) == ("k0", "volume-day", "phone")
    assert service.on_contact(new) == ("volume-day",)  # the stream record read again:
    assert len(fakes.sent) == 1  # nobody is alerted twice
    assert len(kept.signals) == 1


def test_quarantined_mail_is_never_judged() -> None:
    fakes = Fakes(history=[contact(n, n) for n in range(1, 20)])
    service = SignalsService(
        fakes, InMemoryStore(), fakes, rig_logger("signals"), VolumeThresholds(per_day=1)
    )
    quarantined = contact(0, 0).model_copy(
        update={"customer_id": None, "disposition": Disposition.QUARANTINED}
    )
    assert service.on_contact(quarantined) == ()
    assert fakes.sent == []


def _sent(n: int, hours_ago: float) -> Contact:
    """Mail we sent (an auto-reply, a forwarded copy): an outbound contact."""
    return contact(n, hours_ago, direction="outbound", disposition=Disposition.SENT)


def test_our_own_outbound_mail_never_counts_against_the_customer() -> None:
    # Five of the customer's emails today and a copy of each we sent: under a threshold of
    # six a day, and it stays under however many copies we send.
    history = [contact(n, n) for n in range(1, 5)] + [_sent(10 + n, n) for n in range(1, 5)]
    fakes = Fakes(history=history)
    service = SignalsService(
        fakes, InMemoryStore(), fakes, rig_logger("signals"), VolumeThresholds(per_day=6)
    )
    assert service.on_contact(contact(0, 0)) == ()
    assert service.on_contact(_sent(15, 0)) == ()  # our copy is judged not at all
    assert fakes.sent == []
    # The same history with customer contacts in their place is a busy day.
    busy = Fakes(history=[contact(n, n) for n in range(1, 9)])
    judged = SignalsService(
        busy, InMemoryStore(), busy, rig_logger("signals"), VolumeThresholds(per_day=6)
    )
    assert judged.on_contact(contact(0, 0)) == ("volume-day",)
