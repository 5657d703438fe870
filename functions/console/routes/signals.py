"""Signals raised for judgement: one signal with what raised it, and the manager's record
that it was considered, with a note (post/redirect/get). A signal never changes a case: if
the contact is unreasonable, the manager raises a concern from the customer's page."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from console import web
from console.forms import FormResult, empty, read_form
from console.pages import Visit, page
from console.routes.case_words import CHANNEL, uk_date, uk_datetime
from console.routes.wording import signal_words
from contactguard.domain.access import Operation
from contactguard.domain.calendar import london_date
from contactguard.domain.errors import NothingToDo

SIGNAL = "/console/signals/<customer_id>/<contact_id>/<signal>"


class ConsiderForm(BaseModel):
    note: str = Field(default="", max_length=2000)


MESSAGES = {"note": "The note must be 2,000 characters or fewer"}


@page(SIGNAL, operation=Operation.CONSIDER_SIGNAL)
def signal_page(visit: Visit, customer_id: str, contact_id: str, signal: str) -> web.Reply:
    return _page(visit, customer_id, contact_id, signal, empty())


@page(SIGNAL, "POST", operation=Operation.CONSIDER_SIGNAL)
def consider(visit: Visit, customer_id: str, contact_id: str, signal: str) -> web.Reply:
    form = read_form(ConsiderForm, visit.form, messages=MESSAGES)
    if form.value is None:
        return _page(visit, customer_id, contact_id, signal, form)
    try:
        visit.wiring.use_cases.signals.consider(
            visit.request, customer_id, contact_id, signal, form.value.note.strip()
        )
    except NothingToDo:  # someone considered it first (or this form was sent twice)
        return visit.redirect("/console/", done="This signal had already been considered")
    return visit.redirect("/console/", done=f"Considered: {signal_words(signal).lower()}")


def _page(
    visit: Visit, customer_id: str, contact_id: str, signal: str, form: FormResult[Any]
) -> web.Reply:
    use_cases = visit.wiring.use_cases
    raised = use_cases.signals.one(visit.request, customer_id, contact_id, signal)
    customer, _ = use_cases.customers.view(visit.request, customer_id)
    considered = raised.considered
    return visit.render_form(
        "signal.html",
        title="A signal for your judgement",
        form=form,
        customer_id=customer_id,
        customer=customer.name,
        contact=f"{uk_datetime(raised.at)}, {CHANNEL[raised.channel].lower()}",
        what=signal_words(raised.signal),
        action=visit.site.url(f"/console/signals/{customer_id}/{contact_id}/{signal}"),
        considered=(
            {
                "on": uk_date(london_date(considered.at)),
                "by": considered.by,
                "note": considered.note,
            }
            if considered
            else None
        ),
    )
