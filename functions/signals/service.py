"""Signals for judgement: each new contact is looked at beside the customer's last 30 days.

Volume across all channels against configurable thresholds, the same complaint repeated with
minor differences, and one issue pursued through several routes. Signals notify the Service
Manager; they never change a case (policy s.2: judgement decides).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from contactguard.domain.model import Contact, Disposition, RaisedSignal
from contactguard.domain.outbound import is_customers_own
from contactguard.domain.signals import (
    PastContact,
    VolumeThresholds,
    nature_signals,
    volume_signals,
)
from contactguard.ports import Alerts, Log, SignalLog

WINDOW = timedelta(days=30)


class Contacts(Protocol):
    def contacts(self, customer_id: str, start: datetime, end: datetime) -> Iterator[Contact]: ...


@dataclass
class SignalsService:
    contacts: Contacts
    signals: SignalLog
    alerts: Alerts
    log: Log
    thresholds: VolumeThresholds

    def on_contact(self, contact: Contact) -> tuple[str, ...]:
        if contact.customer_id is None or contact.disposition is Disposition.QUARANTINED:
            return ()  # never attributed: nothing to judge a customer by
        if not is_customers_own(contact):
            return ()  # ours (logged by staff, or mail we sent): never counted against them
        history = [
            c
            for c in self.contacts.contacts(
                contact.customer_id, contact.at - WINDOW, contact.at + timedelta(microseconds=1)
            )
            if is_customers_own(c)
        ]
        if all(c.contact_id != contact.contact_id for c in history):
            history.append(contact)  # the stream can run ahead of an index; count it anyway
        others = [
            PastContact(c.at, c.channel.value, c.summary)
            for c in history
            if c.contact_id != contact.contact_id and c.summary
        ]
        found = volume_signals([c.at for c in history], contact.at, self.thresholds)
        if contact.summary:
            found += nature_signals(contact.summary, contact.channel.value, others)
        for signal in found:
            raised = RaisedSignal(
                customer_id=contact.customer_id,
                contact_id=contact.contact_id,
                signal=signal,
                at=contact.at,
                channel=contact.channel,
            )
            # Kept for the dashboard until considered; alerted once (a stream record read
            # again finds it kept and alerts no one twice).
            if not self.signals.record_signal(raised):
                continue
            self.alerts.alert(
                f"signal:{signal}",
                customer_id=contact.customer_id,
                contact_id=contact.contact_id,
                notify="service-manager",
            )
        self.log.info(
            "signals: contact judged",
            extra={"contact_id": contact.contact_id, "signals": list(found)},
        )
        return found
