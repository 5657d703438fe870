"""Signals raised for judgement (volume over a threshold, the same complaint repeated, one
issue through several routes): the managers who judge see them waiting and record that each
was considered, with a note. A signal never changes a case (policy s.2: judgement decides)."""

from __future__ import annotations

from dataclasses import dataclass, field

from contactguard.domain.access import Operation, require
from contactguard.domain.errors import NothingToDo
from contactguard.domain.model import RaisedSignal, SignalConsidered
from contactguard.ports import Clock, CustomerStore, SignalLog
from contactguard.usecases.audit import Auditor
from contactguard.usecases.dashboard import customer_names
from contactguard.usecases.errors import NotFound
from contactguard.usecases.request import Request

MAX_SIGNALS = 50  # shown on a dashboard, oldest first


@dataclass(frozen=True)
class SignalsWaiting:
    signals: list[RaisedSignal]  # not yet considered, oldest first
    names: dict[str, str] = field(default_factory=dict)  # customer id -> name
    more: bool = False  # more were waiting than shown


@dataclass
class Signals:
    log: SignalLog
    customers: CustomerStore
    audit: Auditor
    clock: Clock
    limit: int = MAX_SIGNALS

    def waiting(self, request: Request) -> SignalsWaiting:
        """The signals not yet considered, oldest first, with their customers' names. Each
        customer in them audited as their contacts read, before they are returned."""
        require(request.actor.role, Operation.CONSIDER_SIGNAL)
        found = self.log.signals_waiting(self.limit + 1)
        shown = found[: self.limit]
        for customer_id in dict.fromkeys(s.customer_id for s in shown):
            self.audit.record(request, Operation.READ_CONTACTS, customer_id, detail="view=signals")
        names = customer_names(self.customers, (s.customer_id for s in shown))
        return SignalsWaiting(shown, names, len(found) > self.limit)

    def one(self, request: Request, customer_id: str, contact_id: str, signal: str) -> RaisedSignal:
        """One signal, waiting or considered, audited as the customer's contacts read.
        Never raised (or expired): NotFound."""
        require(request.actor.role, Operation.CONSIDER_SIGNAL)
        self.audit.record(
            request,
            Operation.READ_CONTACTS,
            customer_id,
            contact_id=contact_id,
            detail=f"signal={signal}",
        )
        found = self.log.get_signal(customer_id, contact_id, signal)
        if found is None:
            raise NotFound(f"no signal {signal} on contact {contact_id}")
        return found

    def consider(
        self, request: Request, customer_id: str, contact_id: str, signal: str, note: str = ""
    ) -> RaisedSignal:
        """The signal considered and off the waiting list. Considered already (or never
        raised): NothingToDo."""
        actor = request.actor
        require(actor.role, Operation.CONSIDER_SIGNAL)
        self.audit.record(
            request,
            Operation.CONSIDER_SIGNAL,
            customer_id,
            contact_id=contact_id,
            detail=f"signal={signal}",
        )
        considered = SignalConsidered(at=self.clock(), by=actor.actor_id, note=note)
        done = self.log.consider_signal(customer_id, contact_id, signal, considered)
        if done is None:
            raise NothingToDo("signal-considered-once", "this signal is not waiting")
        return done
