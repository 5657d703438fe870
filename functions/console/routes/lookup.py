"""Find a caller: by email address or customer reference (what the lookup use case supports),
then one panel of what applies now: which channels are open, on what terms, what happens to
their email, and what the customer has been told in writing. The lookup is audited by the use
case, found or not.

The search is a POST (with the CSRF token), so a caller's email address never sits in a URL,
a browser's history or an access log; the customer page links here with `?customer=<id>`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from console import web
from console.forms import FormResult, empty, read_form
from console.pages import Visit, page
from console.routes.case_words import CHANNEL, STATUS, uk_datetime, until
from console.routes.wording import EMAIL_ACTIONS
from contactguard.domain.access import Operation
from contactguard.domain.calendar import london_date
from contactguard.domain.enforcement import EmailAction
from contactguard.domain.model import Channel, normalise_email
from contactguard.usecases.errors import NotFound, UnknownCustomer
from contactguard.usecases.lookup import WhatApplies

ENTER = "Enter the caller's email address or customer reference"


class FindCaller(BaseModel):
    caller: str = Field(default="", max_length=254, validate_default=True)

    @field_validator("caller")
    @classmethod
    def _one_thing(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(ENTER)
        if "@" in value:
            return normalise_email(value)
        if len(value) > 64 or any(c.isspace() for c in value):
            raise ValueError(
                "Enter an email address, or a customer reference of up to 64 characters "
                "without spaces"
            )
        return value

    @property
    def by_email(self) -> bool:
        return "@" in self.caller


@page("/console/lookup", operation=Operation.LOOKUP)
def find(visit: Visit) -> web.Reply:
    customer_id = visit.query.get("customer", "").strip()
    if customer_id:
        return _found(visit, empty({"caller": customer_id}), customer_id=customer_id)
    return _form(visit, empty())


@page("/console/lookup", "POST", operation=Operation.LOOKUP)
def search(visit: Visit) -> web.Reply:
    form = read_form(FindCaller, visit.form)
    if form.value is None:
        return _form(visit, form)
    found = form.value
    if found.by_email:
        return _found(visit, form, email=found.caller)
    return _found(visit, form, customer_id=found.caller)


def _form(visit: Visit, form: FormResult[Any], missing: str | None = None) -> web.Reply:
    return visit.render_form("lookup.html", title="Find a caller", form=form, missing=missing)


def _found(
    visit: Visit,
    form: FormResult[Any],
    *,
    email: str | None = None,
    customer_id: str | None = None,
) -> web.Reply:
    try:
        applies = visit.wiring.use_cases.lookup.what_applies(
            visit.request, email=email, customer_id=customer_id
        )
    except (NotFound, UnknownCustomer):
        missing = (
            "No customer has this email address." if email else "No customer has this reference."
        ) + " Check it with the caller, or try the other way of searching."
        return _form(visit, form, missing)
    return visit.render(
        "lookup.html",
        title=f"What applies to {applies.customer.name}",
        form=form,
        applies=panel(applies),
        may_log=visit.may(Operation.LOG_CONTACT),
    )


def panel(applies: WhatApplies) -> dict[str, Any]:
    """What a call handler needs in one place, in words."""
    ruling = applies.email
    restrictions = [r for entry in applies.in_force for r in entry.restrictions]
    ends = [london_date(entry.until) for entry in applies.in_force if entry.until is not None]
    open_channels = [CHANNEL[c].lower() for c in applies.permitted_channels]
    email_words = EMAIL_ACTIONS[ruling.action]
    if ruling.action is EmailAction.ROUTE_TO_OFFICER and ruling.officer_email:
        email_words += f" ({ruling.officer_email})"
    return {
        "customer_id": applies.customer.customer_id,
        "name": applies.customer.name,
        "checked": uk_datetime(applies.at),
        "restricted": applies.restricted,
        # In force now, so each period runs to the start of its end date (case_words.until).
        "until": until(min(ends)) if ends else "",
        "cases": [
            {
                "case_id": entry.case.case_id,
                "status": STATUS[entry.case.status],
                "until": until(london_date(entry.until)) if entry.until else "",
            }
            for entry in applies.in_force
        ],
        "channels": [
            {
                "channel": CHANNEL[g.channel],
                "open": g.allowed,
                "conditions": [c[:1].upper() + c[1:] for c in g.conditions],
            }
            for g in applies.channels
        ],
        "open_channels": open_channels,
        "phone_open": any(g.allowed for g in applies.channels if g.channel is Channel.PHONE),
        "email": email_words,
        "write_to": ruling.write_to or "",
        "told": [
            {"title": words.title, "details": words.details}
            for words in (r.letter_wording() for r in restrictions)
        ],
    }
