"""The home page: a dashboard of what waits on the signed-in person's role (the dashboard use
case: letters to check and send, appeals awaiting a decision, deadlines this week and overdue,
filed emails waiting to be read), each list only for a role that acts on it."""

from __future__ import annotations

from datetime import date
from typing import Any

from console import web
from console.pages import Visit, page
from console.routes.case_words import CHANNEL, LETTER_KIND, uk_date, uk_datetime
from console.routes.wording import WORK, days, signal_words
from contactguard.domain.access import Operation
from contactguard.domain.worklist import WorkKind, acts_on
from contactguard.usecases.dashboard import APPEALS, Waiting
from contactguard.usecases.dashboard import LETTERS as LETTER_WORK
from contactguard.usecases.signals import SignalsWaiting


@page("/console/")
def home(visit: Visit) -> web.Reply:
    use_cases = visit.wiring.use_cases
    today = use_cases.dashboard.today(visit.request)
    kinds = acts_on(visit.actor.role)
    judges = visit.may(Operation.CONSIDER_SIGNAL)
    signals = use_cases.signals.waiting(visit.request) if judges else SignalsWaiting([])
    return visit.render(
        "home.html",
        title="Home",
        today=uk_date(today.today),
        weekday=f"{today.today:%A}",
        week_ends=uk_date(today.week_ends),
        shows_letters=bool(kinds & LETTER_WORK),
        shows_appeals=bool(kinds & APPEALS),
        shows_deadlines=bool(kinds - LETTER_WORK - APPEALS),
        letters=[_row(w, today.today, today.names) for w in today.letters],
        appeals=[_row(w, today.today, today.names) for w in today.appeals],
        deadlines=[_row(w, today.today, today.names) for w in today.deadlines],
        filed_emails=today.filed_emails,
        judges=judges,
        signals=[
            {
                "contact_id": s.contact_id,
                "signal": s.signal,
                "customer_id": s.customer_id,
                "customer": signals.names.get(s.customer_id, s.customer_id),
                "when": uk_datetime(s.at),
                "channel": CHANNEL[s.channel],
                "what": signal_words(s.signal),
            }
            for s in signals.signals
        ],
        more_signals=signals.more,
        more=today.more,
        reads_cases=visit.may(Operation.READ_CASE),
        looks_up=visit.may(Operation.LOOKUP),
    )


def _row(waiting: Waiting, today: date, names: dict[str, str]) -> dict[str, Any]:
    item = waiting.item
    due = item.due_on
    if waiting.overdue:
        state = ("Overdue", "govuk-tag--red")
    elif due is not None and due == today:
        state = ("Due today", "govuk-tag--orange")
    elif item.kind is WorkKind.LETTER_FAILED:
        state = ("Failed", "govuk-tag--red")
    elif waiting.days:
        state = ("Waiting", "govuk-tag--yellow")
    else:
        state = ("Due this week", "govuk-tag--blue")
    waited = ""
    if waiting.days:
        waited = f"{days(waiting.working_days, 'working day')} ({days(waiting.days)})"
    return {
        "case_id": item.case_id,
        "customer_id": item.customer_id,
        "customer": names.get(item.customer_id, item.customer_id),
        "what": WORK[item.kind],
        "letter": LETTER_KIND[item.letter_kind] if item.letter_kind else "",
        "since": uk_date(item.waiting_since) if item.waiting_since else "",
        "waited": waited,
        "due": uk_date(due) if due else "",
        "state": state[0],
        "tag": state[1],
    }
