"""A customer: their details and email addresses, their contacts by channel over time, their
cases, and the forms to record a contact, link an email address and raise a Step 1 concern,
each for the roles that may (contactguard.domain.access; the use cases check again and audit
every view and change). Filed email's words are withheld by the contacts use case from roles
that may not read them, as the API withholds them."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta
from http import HTTPStatus
from typing import Annotated, Any, Literal, get_args
from urllib.parse import quote

from pydantic import BaseModel, Field, field_validator

from console import web
from console.forms import (
    FormResult,
    StaffDate,
    date_field,
    date_message,
    empty,
    from_invalid,
    read_form,
)
from console.pages import Visit, page, problem
from console.routes.case_forms import BEHAVIOURS, YES, checked, read_aspects
from console.routes.case_words import CHANNEL, STATUS, uk_date, uk_datetime
from console.routes.wording import DIRECTIONS, LOGGED, OUTCOMES, disposition_words
from contactguard.domain.access import Operation
from contactguard.domain.calendar import LONDON, london_date
from contactguard.domain.case import CaseStatus, CommandKind, RaiseConcern
from contactguard.domain.lifecycle import PERMITTED_ROLES
from contactguard.domain.model import (
    Behaviour,
    Channel,
    Contact,
    Direction,
    Disposition,
    LetterFormat,
    normalise_email,
)
from contactguard.ports import EmailAlreadyClaimed
from contactguard.usecases.contacts import ContactEntry
from contactguard.usecases.errors import AlreadyExists, InvalidInput

LISTED = 100  # contacts listed one by one (newest first); the table by month counts them all
EVIDENCE_DAYS = 90  # contacts offered as a concern's evidence: this many days back
# Ids the console makes for new records appear in URLs (the API's NewId).
NEW_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
StaffChannel = Literal["phone", "letter", "visit", "social-media"]  # email logs itself


def customer_path(customer_id: str, rest: str = "") -> str:
    return f"/console/customers/{quote(customer_id, safe='')}{rest}"


def date_items(form: FormResult[Any], name: str) -> list[dict[str, str]]:
    """A GOV.UK date input's three fields, refilled, marked when in error; the day's id is the
    field's name, so the error summary's link lands on it."""
    error = " govuk-input--error" if form.error_of(name) else ""
    widths = {"day": "2", "month": "2", "year": "4"}
    return [
        {
            "id": name if part == "day" else f"{name}-{part}",
            "name": f"{name}-{part}",
            "label": part.capitalize(),
            "classes": f"govuk-input--width-{width}{error}",
            "value": form.value_of(f"{name}-{part}"),
        }
        for part, width in widths.items()
    ]


# The customer -------------------------------------------------------------------------------


class ContactDates(BaseModel):
    """The dates the contacts are shown between (both optional: the use case's last year)."""

    first: Annotated[StaffDate | None, Field(alias="from")] = None
    last: Annotated[StaffDate | None, Field(alias="to")] = None


DATE_WORDS = {"from": "the first date", "to": "the last date", "at": "the date of the contact"}


def date_problems(form: FormResult[Any], typed: dict[str, str]) -> None:
    """GOV.UK's words for each date input the model refused (forms.date_message)."""
    for name in form.problems.keys() & DATE_WORDS.keys():
        form.problems[name] = date_message(typed, name, DATE_WORDS[name])


@page("/console/customers/<customer_id>", operation=Operation.READ_CUSTOMER)
def customer(visit: Visit, customer_id: str) -> web.Reply:
    use_cases = visit.wiring.use_cases
    found, cases = use_cases.customers.view(visit.request, customer_id)
    context: dict[str, Any] = {
        "customer": found,
        "cases": [
            {
                "case_id": c.case_id,
                "status": STATUS[c.status],
                "opened": uk_date(london_date(c.opened_at)),
            }
            for c in cases
        ],
        "reads_cases": visit.may(Operation.READ_CASE),
        "may_log": visit.may(Operation.LOG_CONTACT),
        "may_link": visit.may(Operation.LINK_EMAIL),
        "may_format": visit.may(Operation.SET_LETTER_FORMAT),
        "may_erase": visit.may(Operation.ERASE_PERSONAL_DATA),
        "may_raise": raises_concerns(visit),
        # with a case still open, the decision is taken on that case instead
        "may_impose": imposes_at_once(visit) and all(c.status is CaseStatus.CLOSED for c in cases),
        "looks_up": visit.may(Operation.LOOKUP),
        "reads_contacts": visit.may(Operation.READ_CONTACTS),
    }
    dates: FormResult[Any] = empty()
    status = HTTPStatus.OK
    if context["reads_contacts"]:
        typed = {k: v for k, v in visit.query.items() if k.startswith(("from-", "to-"))}
        dates = read_form(
            ContactDates,
            typed,
            data={"from": date_field(typed, "from"), "to": date_field(typed, "to")},
        )
        date_problems(dates, typed)
        chosen = dates.value
        if chosen and chosen.first and chosen.last and chosen.first > chosen.last:
            dates.problems["from"] = "The first date must be on or before the last date"
            dates.value = None
        if dates.value is None:
            status = HTTPStatus.BAD_REQUEST
        else:
            seen = use_cases.contacts.between(
                visit.request, customer_id, dates.value.first, dates.value.last
            )
            context.update(_contacts(seen.contacts, seen.withheld, seen.first, seen.last))
            dates = empty(_date_fields(seen.first, seen.last, typed))
    return visit.render(
        "customer.html",
        title=found.name,
        status=status,
        dates=dates,
        errors=dates.summary,
        date_items=date_items,
        **context,
    )


def _date_fields(first: date, last: date, typed: dict[str, str]) -> dict[str, str]:
    """The date inputs refilled with the dates shown."""
    shown = dict(typed)
    for name, day in (("from", first), ("to", last)):
        shown.update({f"{name}-day": str(day.day), f"{name}-month": str(day.month)})
        shown[f"{name}-year"] = str(day.year)
    return shown


def _contacts(
    contacts: list[Contact], withheld: list[str], first: date, last: date
) -> dict[str, Any]:
    """The contacts by month and channel over the dates, and the newest listed one by one."""
    months: list[date] = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)
    counts = Counter((london_date(c.at).replace(day=1), c.channel) for c in contacts)
    hidden = set(withheld)
    newest = sorted(contacts, key=lambda c: c.at, reverse=True)[:LISTED]
    return {
        "first": uk_date(first),
        "last": uk_date(last),
        "channels": [CHANNEL[ch] for ch in Channel],
        "by_month": [
            {
                "month": f"{m:%B %Y}",
                "counts": [counts[(m, ch)] for ch in Channel],
                "total": sum(counts[(m, ch)] for ch in Channel),
            }
            for m in months
        ],
        "totals": [sum(1 for c in contacts if c.channel is ch) for ch in Channel],
        "total": len(contacts),
        "listed": [_contact_row(c, c.contact_id in hidden) for c in newest],
        "withheld": len(hidden),
    }


def _contact_row(contact: Contact, withheld: bool) -> dict[str, Any]:
    read = contact.read
    return {
        "when": uk_datetime(contact.at),
        "channel": CHANNEL[contact.channel],
        "direction": DIRECTIONS[contact.direction],
        "disposition": disposition_words(contact.disposition, contact.reason),
        "summary": contact.summary,
        "reason": contact.reason,
        "flags": [f for f in contact.flags if not f.startswith("attachment:")],
        "withheld": withheld,
        "read": (
            f"Read on {uk_date(london_date(read.read_at))}: {OUTCOMES[read.outcome]}"
            if read
            else ""
        ),
        "note": read.note if read else "",
    }


# Record a contact ---------------------------------------------------------------------------

_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
TIME_EXAMPLE = "Enter a real time, for example 9:30am or 14:30"


def read_time(text: str) -> time:
    """9:30am, 2pm, 14:30 or 14.30 as a time of day."""
    found = _TIME.fullmatch(text.strip())
    if not found:
        raise ValueError(TIME_EXAMPLE)
    hour, minute, half = int(found[1]), int(found[2] or 0), (found[3] or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(TIME_EXAMPLE)
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif found[2] is None:  # "14" alone could be anything
        raise ValueError(TIME_EXAMPLE)
    if hour > 23 or minute > 59:
        raise ValueError(TIME_EXAMPLE)
    return time(hour, minute)


class RecordContact(BaseModel):
    channel: StaffChannel
    direction: Direction
    at: StaffDate | None = None  # with `time` (both or neither: the route checks); neither: now
    time: str = ""
    summary: str = Field(default="", max_length=4000)
    refused: Literal["yes", "no"] = "no"
    reason: str = Field(default="", max_length=1000)
    key: str = Field(pattern=NEW_ID)

    @field_validator("time")
    @classmethod
    def _real_time(cls, value: str) -> str:
        if value.strip():
            read_time(value)
        return value.strip()

    @property
    def when(self) -> datetime | None:
        if self.at is None:
            return None
        return datetime.combine(self.at, read_time(self.time), tzinfo=LONDON)


CONTACT_MESSAGES = {
    "channel": "Select how the contact was made",
    "direction": "Select who made the contact",
    "summary": "The summary must be 4,000 characters or fewer",
    "reason": "The reason must be 1,000 characters or fewer",
    "key": "This form has expired: reload the page and try again",
}


@page("/console/customers/<customer_id>/contacts/new", operation=Operation.LOG_CONTACT)
def new_contact(visit: Visit, customer_id: str) -> web.Reply:
    channel = visit.query.get("channel", "")
    typed = {"direction": "inbound", "refused": "no", "key": uuid.uuid4().hex}
    if channel in get_args(StaffChannel):
        typed["channel"] = channel
    return _contact_form(visit, customer_id, empty(typed))


@page("/console/customers/<customer_id>/contacts", "POST", operation=Operation.LOG_CONTACT)
def record_contact(visit: Visit, customer_id: str) -> web.Reply:
    data: dict[str, Any] = {k: v for k, v in visit.form.items() if not k.startswith("at-")}
    data["at"] = date_field(visit.form, "at")
    form = read_form(RecordContact, visit.form, data=data, messages=CONTACT_MESSAGES)
    date_problems(form, visit.form)
    dated, timed = data["at"] is not None, bool(visit.form.get("time", "").strip())
    if dated and not timed:
        form.problems.setdefault("time", "Enter the time of the contact")
    if timed and not dated:
        form.problems.setdefault("at", "Enter the date of the contact")
    if dated != timed:
        form.value = None
    if form.value is None:
        return _contact_form(visit, customer_id, form)
    sent = form.value
    entry = ContactEntry(
        channel=Channel(sent.channel),
        direction=sent.direction,
        at=sent.when,
        summary=sent.summary.strip(),
        disposition=Disposition.REFUSED if sent.refused == "yes" else Disposition.ACCEPTED,
        reason=sent.reason.strip(),
        idempotency_key=sent.key,
    )
    try:
        recorded, _ = visit.wiring.use_cases.contacts.log(visit.request, customer_id, entry)
    except InvalidInput as refused:
        return _contact_form(visit, customer_id, from_invalid(refused, form.typed))
    what = LOGGED[entry.channel]
    # Not recorded: the same form was sent twice, and the first recorded it.
    done = f"{what} recorded" if recorded else f"This {what.lower()} was already recorded"
    return visit.redirect(customer_path(customer_id), done=done)


def _contact_form(visit: Visit, customer_id: str, form: FormResult[Any]) -> web.Reply:
    return _form_page(
        visit,
        customer_id,
        "customer_contact.html",
        "Record a contact",
        form,
        channels=[(ch.value, words) for ch, words in LOGGED.items()],
        directions=[(d.value, DIRECTIONS[d]) for d in Direction],
    )


def _form_page(
    visit: Visit,
    customer_id: str,
    template: str,
    title: str,
    form: FormResult[Any],
    status: int | None = None,
    **context: Any,
) -> web.Reply:
    """A form about one customer (customer_form.html), 400 with its errors when sent wrong."""
    found, _ = visit.wiring.use_cases.customers.view(visit.request, customer_id)
    return visit.render_form(
        template,
        title=title,
        form=form,
        status=status,
        customer=found,
        date_items=date_items,
        **context,
    )


# Link an email address ----------------------------------------------------------------------


class LinkEmail(BaseModel):
    address: str = Field(default="", max_length=254, validate_default=True)

    @field_validator("address")
    @classmethod
    def _one_address(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Enter the email address to link")
        return normalise_email(value)


@page("/console/customers/<customer_id>/emails/new", operation=Operation.LINK_EMAIL)
def new_email(visit: Visit, customer_id: str) -> web.Reply:
    return _email_form(visit, customer_id, empty())


@page("/console/customers/<customer_id>/emails", "POST", operation=Operation.LINK_EMAIL)
def link_email(visit: Visit, customer_id: str) -> web.Reply:
    form = read_form(LinkEmail, visit.form)
    if form.value is None:
        return _email_form(visit, customer_id, form)
    address = form.value.address
    try:
        linked = visit.wiring.use_cases.customers.link_email(visit.request, customer_id, address)
    except EmailAlreadyClaimed:
        form.problems["address"] = "This email address is linked to another customer"
        return _email_form(visit, customer_id, form, status=HTTPStatus.CONFLICT)
    if linked.already_linked:
        done = f"{address} was already linked to this customer"
    else:
        earlier = linked.attributed
        done = f"{address} linked" + (
            f": {earlier} earlier email{'' if earlier == 1 else 's'} from it added to this record"
            if earlier
            else ""
        )
    return visit.redirect(customer_path(customer_id), done=done)


def _email_form(
    visit: Visit, customer_id: str, form: FormResult[Any], status: int | None = None
) -> web.Reply:
    return _form_page(
        visit, customer_id, "customer_email.html", "Link an email address", form, status
    )


# How letters are printed (large print: a reasonable adjustment) ------------------------------


class LetterFormatForm(BaseModel):
    letter_format: LetterFormat


FORMAT_TITLE = "How should letters to this customer be printed?"


@page("/console/customers/<customer_id>/letter-format", operation=Operation.SET_LETTER_FORMAT)
def letter_format(visit: Visit, customer_id: str) -> web.Reply:
    return _form_page(visit, customer_id, "customer_letter_format.html", FORMAT_TITLE, empty())


@page(
    "/console/customers/<customer_id>/letter-format",
    "POST",
    operation=Operation.SET_LETTER_FORMAT,
)
def set_letter_format(visit: Visit, customer_id: str) -> web.Reply:
    form = read_form(
        LetterFormatForm,
        visit.form,
        messages={"letter_format": "Select standard print or large print"},
    )
    if form.value is None:
        return _form_page(visit, customer_id, "customer_letter_format.html", FORMAT_TITLE, form)
    chosen = form.value.letter_format
    visit.wiring.use_cases.customers.set_letter_format(visit.request, customer_id, chosen)
    words = "large print" if chosen is LetterFormat.LARGE_PRINT else "standard print"
    return visit.redirect(
        customer_path(customer_id), done=f"Letters to this customer will be in {words}"
    )


# Raise a concern (Step 1) -------------------------------------------------------------------


class ConcernForm(BaseModel):
    case_id: str = Field(pattern=NEW_ID)
    behaviours: list[Behaviour] = Field(min_length=1)
    evidence: list[str] = Field(default_factory=list, max_length=200)
    note: str = Field(default="", max_length=4000)

    @field_validator("note")
    @classmethod
    def _said(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Enter why the behaviour causes concern")
        return value.strip()


CONCERN_MESSAGES = {
    "behaviours": "Select at least one behaviour",
    "case_id": "This form has expired: reload the page and try again",
    "evidence": "Select fewer contacts",
}


def raises_concerns(visit: Visit) -> bool:
    """Opens cases, and Step 1 is theirs (s.4: the Service Manager raises the concern)."""
    role = visit.actor.role
    return visit.may(Operation.OPEN_CASE) and role in PERMITTED_ROLES[CommandKind.RAISE_CONCERN]


def imposes_at_once(visit: Visit) -> bool:
    """Opens cases and decides Step 2: immediate restrictions on a customer with no case
    (s.4: the Head of Service, for extreme behaviour or a threat to staff)."""
    role = visit.actor.role
    allowed = PERMITTED_ROLES[CommandKind.IMPOSE_RESTRICTIONS]
    return visit.may(Operation.OPEN_CASE) and role in allowed


@page("/console/customers/<customer_id>/concern", operation=Operation.OPEN_CASE)
def new_concern(visit: Visit, customer_id: str) -> web.Reply:
    if not raises_concerns(visit):  # e.g. the Head of Service, who opens cases at Step 2
        return problem(
            visit,
            HTTPStatus.FORBIDDEN,
            "You cannot raise a concern",
            "A concern (Step 1) is raised by a Service Manager.",
        )
    typed = {"case_id": f"case-{uuid.uuid4().hex[:12]}"}
    return _concern_form(visit, customer_id, empty(typed))


@page("/console/customers/<customer_id>/concern", "POST", operation=Operation.OPEN_CASE)
def raise_concern(visit: Visit, customer_id: str) -> web.Reply:
    sent = visit.form
    data = {
        "case_id": sent.get("case_id", ""),
        "behaviours": checked(sent, "behaviour", [b.value for b in Behaviour]),
        "evidence": [k.removeprefix("evidence-") for k in sent if k.startswith("evidence-")],
        "note": sent.get("note", ""),
    }
    form = read_form(ConcernForm, sent, data=data, messages=CONCERN_MESSAGES)
    seen = read_aspects(sent, form.value.behaviours if form.value else ())
    if form.value is None or seen.problems:
        first = {k: v for k, v in form.problems.items() if k in ("case_id", "behaviours")}
        problems = {**first, **seen.problems, **form.problems}  # in the page's order
        return _concern_form(visit, customer_id, FormResult(None, form.typed, problems))
    value = form.value
    command = RaiseConcern(
        case_id=value.case_id,
        customer_id=customer_id,
        behaviours=tuple(value.behaviours),
        aspects=seen.aspects,
        evidence_contact_ids=tuple(value.evidence),
        note=value.note,
    )
    try:
        visit.wiring.use_cases.cases.open(visit.request, command, customer_id, value.case_id)
    except AlreadyExists:  # the same form sent twice: the first opened the case
        return visit.redirect(
            customer_path(customer_id),
            done=f"This concern was already raised: case {value.case_id}",
        )
    return visit.redirect(
        customer_path(customer_id),
        done=f"Concern raised: case {value.case_id}. The concern letter is being drafted",
    )


def _concern_form(visit: Visit, customer_id: str, form: FormResult[Any]) -> web.Reply:
    use_cases = visit.wiring.use_cases
    evidence: list[dict[str, Any]] = []
    if visit.may(Operation.READ_CONTACTS):
        today = london_date(visit.now)
        seen = use_cases.contacts.between(
            visit.request, customer_id, today - timedelta(days=EVIDENCE_DAYS), today
        )
        hidden = set(seen.withheld)
        for c in sorted(seen.contacts, key=lambda c: c.at, reverse=True)[:LISTED]:
            words = "" if c.contact_id in hidden else c.summary
            evidence.append(
                {
                    "name": f"evidence-{c.contact_id}",
                    "value": YES,
                    "text": f"{uk_datetime(c.at)}: {CHANNEL[c.channel]}"
                    + (f", {words}" if words else ""),
                    "checked": bool(form.typed.get(f"evidence-{c.contact_id}")),
                }
            )
    return _form_page(
        visit,
        customer_id,
        "customer_concern.html",
        "Raise a concern (Step 1)",
        form,
        behaviours=BEHAVIOURS,
        evidence=evidence,
    )
