"""Erasing a customer (UK GDPR Art. 17), for the data protection officer: a page that says
what will be erased and asks for the customer's reference again, then the receipt. A customer
a case still needs is refused by the use case (the policy's problem page names the case and
the rule); the page says so before anything is asked."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field

from console import web
from console.forms import FormResult, empty, read_form
from console.pages import Visit, page
from console.routes.case_words import uk_datetime
from contactguard.domain.access import Operation

ERASE_TITLE = "Erase this customer"
WHAT_GOES = [
    "their details, email addresses and postal address, and their entries in the lookup",
    "every contact logged with them, and email from their addresses never linked",
    "the stored email messages and any attachments staged from them",
    "the copies kept of what we sent because of their email (auto-replies, forwarded copies)",
    "signals raised on their contacts, the auto-reply and delivery records",
    "subject access exports made of them (the zips; the job's record of ids goes in 35 days)",
    "values kept by corrections in the audit trail (the record of who did what stays)",
]


class ConfirmErasure(BaseModel):
    confirm: str = Field(default="", max_length=64)


def _erasure_form(
    visit: Visit, customer_id: str, form: FormResult[Any], status: int | None = None
) -> web.Reply:
    found, cases = visit.wiring.use_cases.customers.view(visit.request, customer_id)
    return visit.render_form(
        "customer_erasure.html",
        title=ERASE_TITLE,
        form=form,
        status=status,
        customer=found,
        cases=cases,
        what_goes=WHAT_GOES,
    )


@page("/console/customers/<customer_id>/erasure", operation=Operation.ERASE_PERSONAL_DATA)
def erasure(visit: Visit, customer_id: str) -> web.Reply:
    return _erasure_form(visit, customer_id, empty())


@page("/console/customers/<customer_id>/erasure", "POST", operation=Operation.ERASE_PERSONAL_DATA)
def erase(visit: Visit, customer_id: str) -> web.Reply:
    form = read_form(ConfirmErasure, visit.form)
    if form.value is None or form.value.confirm.strip() != customer_id:
        form.problems["confirm"] = f"Enter the customer reference {customer_id} to confirm"
        return _erasure_form(visit, customer_id, form, status=HTTPStatus.BAD_REQUEST)
    receipt = visit.wiring.use_cases.erasure.erase_customer(visit.request, customer_id)
    rows = [
        (store, kind, count)
        for store, counts in receipt.erased.items()
        for kind, count in sorted(counts.items())
    ]
    return visit.render(
        "erasure_receipt.html",
        title="Customer erased",
        receipt=receipt,
        erased_at=uk_datetime(receipt.erased_at),
        rows=rows,
    )
