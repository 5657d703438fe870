"""Find a caller: one box read by the shape of what was typed (an email address, a postcode, a
customer reference or a name: contactguard.domain.search.read_caller_search), then one panel
of what applies now: which channels are open, on what terms, what happens to their email, and
what the customer has been told in writing. A name or a postcode may fit several customers:
they are listed (name, postcode, reference, restrictions yes or no), each linking to its
panel; one goes straight to its panel. Every search is audited by the use case, found or not.

The search is a POST (with the CSRF token), so a caller's name or email address never sits in
a URL, a browser's history or an access log; the list and the customer page link here with
`?customer=<id>`."""

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
from contactguard.domain.model import Channel
from contactguard.domain.search import CallerSearch, SearchBy, read_caller_search
from contactguard.usecases.errors import NotFound, UnknownCustomer
from contactguard.usecases.lookup import WhatApplies


class FindCaller(BaseModel):
    caller: str = Field(default="", max_length=254, validate_default=True)

    @field_validator("caller")
    @classmethod
    def _one_thing(cls, value: str) -> str:
        read_caller_search(value)  # its refusal says what to enter
        return value

    @property
    def search(self) -> CallerSearch:
        return read_caller_search(self.caller)


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
    search = form.value.search
    if search.by is SearchBy.EMAIL:
        return _found(visit, form, email=search.value)
    if search.by is SearchBy.REFERENCE:
        return _found(visit, form, customer_id=search.value)
    return _matches(visit, form, search)


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
        missing = NOT_FOUND[SearchBy.EMAIL if email else SearchBy.REFERENCE] + TRY_AGAIN
        return _form(visit, form, missing)
    return visit.render(
        "lookup.html",
        title=f"What applies to {applies.customer.name}",
        form=form,
        applies=panel(applies),
        may_log=visit.may(Operation.LOG_CONTACT),
    )


NOT_FOUND = {
    SearchBy.EMAIL: "No customer has this email address.",
    SearchBy.REFERENCE: "No customer has this reference.",
    SearchBy.POSTCODE: "No customer has an address with the postcode {searched}.",
    SearchBy.NAME: "No customer has a name with all the words of {searched}.",
}
TRY_AGAIN = (
    " Check it with the caller, or search another way: by name, email address, postcode or "
    "customer reference."
)


def _matches(visit: Visit, form: FormResult[Any], search: CallerSearch) -> web.Reply:
    """Customers by name or postcode: none, the search again with what was searched; one, its
    panel; more, the list to choose from."""
    lookup = visit.wiring.use_cases.lookup
    if search.by is SearchBy.POSTCODE:
        found = lookup.find(visit.request, postcode=search.value)
    else:
        found = lookup.find(visit.request, name=search.value)
    if not found.matches:
        words = NOT_FOUND[search.by].format(searched=f"“{found.searched}”")
        return _form(visit, form, words + TRY_AGAIN)
    if len(found.matches) == 1 and not found.more:
        return _found(visit, form, customer_id=found.matches[0].customer.customer_id)
    return visit.render(
        "lookup.html",
        title="Choose the caller",
        form=form,
        results={
            "by": "postcode" if search.by is SearchBy.POSTCODE else "name",
            "searched": found.searched,
            "more": found.more,
            "limit": found.limit,
            "rows": [
                {
                    "customer_id": match.customer.customer_id,
                    "name": match.customer.name,
                    "postcode": match.postcode or "",
                    "restricted": match.restricted,
                }
                for match in found.matches
            ],
        },
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
