"""A member of staff's day: what waits on their role, across every case.

Drafted letters waiting to be checked and sent (oldest first, with how long they have waited),
appeals awaiting a decision, deadlines and decisions due this week or already overdue (from
the cases' work items, contactguard.domain.worklist, for the roles that act on them), and how
many filed emails wait to be read. One bounded read of the open cases that need a person by
the end of this week (the WorkList port), one of the read queue; a role that reads no cases
sees none. Every case shown is audited as read (ids only) before it is returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from contactguard.domain.access import Operation, may
from contactguard.domain.calendar import london_date
from contactguard.domain.policy import Policy
from contactguard.domain.worklist import WorkItem, WorkKind, work_items
from contactguard.ports import Clock, CustomerStore, ReadQueue, WorkList
from contactguard.usecases.audit import Auditor
from contactguard.usecases.request import Request

MAX_CASES = 200  # open cases read per dashboard; the earliest needing a person come first

LETTERS = frozenset({WorkKind.LETTER_TO_SEND, WorkKind.LETTER_FAILED})
APPEALS = frozenset({WorkKind.LATE_APPEAL, WorkKind.APPEAL_DECISION})


@dataclass(frozen=True)
class Waiting:
    """One work item as of today: how long it has waited, and whether it is overdue."""

    item: WorkItem
    days: int  # calendar days since it started waiting (0: today, or not waiting yet)
    working_days: int  # working days since then
    overdue: bool  # past its due date; a letter: past the day its sender is reminded


@dataclass(frozen=True)
class Today:
    today: date
    week_ends: date  # Sunday of this week: "due this week" is on or before it
    reads_cases: bool  # this role may read cases (else the lists below are empty)
    letters: list[Waiting] = field(default_factory=list)  # to send (or redraft), oldest first
    appeals: list[Waiting] = field(default_factory=list)  # awaiting a decision
    deadlines: list[Waiting] = field(default_factory=list)  # due this week or overdue
    names: dict[str, str] = field(default_factory=dict)  # customer id -> name, for those shown
    filed_emails: int | None = None  # waiting to be read; None: this role does not read them
    more: bool = False  # more cases needed a person than were read (MAX_CASES)


def customer_names(customers: CustomerStore, customer_ids: Iterable[str]) -> dict[str, str]:
    """Each customer's name, once per customer, in first-seen order (the id when none is
    held: a work list still shows whose it is)."""
    names = {}
    for customer_id in dict.fromkeys(customer_ids):
        found = customers.get_customer(customer_id)
        names[customer_id] = found.name if found else customer_id
    return names


@dataclass
class Dashboard:
    work: WorkList
    queue: ReadQueue
    customers: CustomerStore
    audit: Auditor
    clock: Clock
    policy: Policy
    limit: int = MAX_CASES

    def today(self, request: Request) -> Today:
        """What waits on the caller's role now; each case in it audited before it is shown."""
        role = request.actor.role
        today = london_date(self.clock())
        week_ends = today + timedelta(days=6 - today.weekday())
        reads_cases = may(role, Operation.READ_CASE)
        items: list[WorkItem] = []
        more = False
        if reads_cases:
            cases = self.work.cases_needing_attention(week_ends, self.limit + 1)
            more = len(cases) > self.limit
            items = [
                item
                for case in cases[: self.limit]
                for item in work_items(case)
                if role in item.roles and item.attention_on <= week_ends
            ]
        for case_id, customer_id in dict.fromkeys((i.case_id, i.customer_id) for i in items):
            self.audit.record(
                request, Operation.READ_CASE, customer_id, case_id=case_id, detail="view=dashboard"
            )
        names = customer_names(self.customers, (i.customer_id for i in items))
        filed = len(self.queue.read_queue()) if may(role, Operation.READ_QUEUE) else None
        seen = [self._as_of(item, today) for item in items]
        return Today(
            today=today,
            week_ends=week_ends,
            reads_cases=reads_cases,
            letters=sorted(
                (w for w in seen if w.item.kind in LETTERS), key=lambda w: w.item.attention_on
            ),
            appeals=sorted((w for w in seen if w.item.kind in APPEALS), key=_by_due),
            deadlines=sorted(
                (w for w in seen if w.item.kind not in LETTERS | APPEALS), key=_by_due
            ),
            names=names,
            filed_emails=filed,
            more=more,
        )

    def _as_of(self, item: WorkItem, today: date) -> Waiting:
        since = item.waiting_since
        overdue = item.overdue(today)
        if since is not None and item.kind is WorkKind.LETTER_TO_SEND:
            # Past the day its sender is first reminded (DESIGN.md: 2 working days).
            overdue = today >= self.policy.unsent_letter_reminder_due(since, 0)
        if since is None or since >= today:
            return Waiting(item, days=0, working_days=0, overdue=overdue)
        return Waiting(
            item,
            days=(today - since).days,
            working_days=self.policy.calendar.working_days_between(since, today),
            overdue=overdue,
        )


def _by_due(waiting: Waiting) -> tuple[date, str]:
    item = waiting.item
    return (item.due_on or item.attention_on, item.case_id)
