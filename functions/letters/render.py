"""Letters: the context each letter kind needs, the content it must carry, strict rendering.

`prepare(inputs)` builds a letter's context from the case, the customer, the event that calls
for the letter and the policy, and refuses (MissingContent, with problem codes) a letter that
would lack its required content: DESIGN.md, "a letter that lacks its required content ... is
not issued". `render(prepared)` fills the Word template with docxtpl and checks the document
it produced still carries that content, so a template edited in Word cannot silently drop the
appeal route or the Ombudsman. `draft_letter(inputs)` does both.

Rendering is strict: an undefined placeholder is an error (StrictUndefined), and every value
is escaped as text, so customer text holding `<`, `&`, `{{ }}` or Word XML appears literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment, StrictUndefined, TemplateError
from markupsafe import Markup, escape

from contactguard.domain.calendar import london_date
from contactguard.domain.case import (
    APPEALABLE_LETTERS,
    Appeal,
    Case,
    CaseEvent,
    LetterKind,
    RestrictionDecision,
)
from contactguard.domain.enforcement import permitted_channels
from contactguard.domain.model import (
    BEHAVIOUR_WORDS,
    BIDI_CONTROLS,
    Actor,
    Behaviour,
    Channel,
    Contact,
    Customer,
    Role,
    describe_date,
    one_line,
)
from contactguard.domain.policy import Policy
from contactguard.domain.restrictions import Restriction, join_words
from letters.review_pack import chart_png, review_figures

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Letters to the customer about restrictions: each restriction with its details, the dates
# and the channels still open (policy s.4 "written to highlighting the restrictions").
RESTRICTION_LETTERS = frozenset(
    {
        LetterKind.RESTRICTIONS,
        LetterKind.IMMEDIATE_RESTRICTIONS,
        LetterKind.REVIEW_EXTENDED,
        LetterKind.APPEAL_VARIED,
    }
)
APPEAL_OUTCOMES = frozenset(
    {LetterKind.APPEAL_UPHELD, LetterKind.APPEAL_DISMISSED, LetterKind.APPEAL_VARIED}
)
# s.5: "Customers will also be advised that they have access to the review services of the
# Local Government Ombudsman"; a social landlord's customers also have the Housing Ombudsman.
OMBUDSMAN_LETTERS = RESTRICTION_LETTERS | APPEAL_OUTCOMES
OMBUDSMEN = ("Housing Ombudsman", "Local Government and Social Care Ombudsman")
APPEAL_ROUTE = "Customer Experience Team"  # s.5: appeals are addressed to them
INTERNAL_LETTERS = frozenset({LetterKind.REVIEW_PACK})  # never sent: no postal address needed

CHANNEL_WORDS: dict[Channel, str] = {
    Channel.LETTER: "letter",
    Channel.EMAIL: "email",
    Channel.PHONE: "telephone",
    Channel.VISIT: "visiting our offices",
    Channel.SOCIAL_MEDIA: "our social media sites",
}
ROLE_TITLES: dict[Role, str] = {
    Role.SERVICE_MANAGER: "Service Manager",
    Role.HEAD_OF_SERVICE: "Head of Service",
    Role.CUSTOMER_EXPERIENCE: "Customer Experience Team",
    Role.EXECUTIVE: "Executive Team",
    Role.CALL_HANDLER: "Customer Services",
    Role.SAFEGUARDING_LEAD: "Safeguarding Lead",
    Role.DATA_PROTECTION_OFFICER: "Data Protection Officer",
    Role.SYSTEM: "Customer Services",
}


class LetterNotIssued(Exception):
    """The letter cannot be issued; `problems` are codes for the case record and the alert."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(dict.fromkeys(problems))
        super().__init__(", ".join(self.problems))


class MissingContent(LetterNotIssued):
    """The case or customer lacks something the letter must say (e.g. no postal address)."""


class TemplateFault(LetterNotIssued):
    """The Word template is broken or no longer carries required content."""


@dataclass(frozen=True)
class LetterInputs:
    case: Case
    customer: Customer
    event: CaseEvent
    policy: Policy
    contacts: Sequence[Contact] = ()  # the review pack's: two years before the end date
    dated: date | None = None  # a redraft's date; otherwise the event's day


@dataclass(frozen=True)
class PreparedLetter:
    kind: LetterKind
    letter_id: str
    context: dict[str, Any]
    required: tuple[tuple[str, str], ...]  # (content item, text the document must contain)
    chart_png: bytes | None = None

    @property
    def template_name(self) -> str:
        return f"{self.kind.value}.docx"


def letter_date(event: CaseEvent) -> date:
    """The day (Europe/London) of the event that called for a letter."""
    return london_date(event.at)


def issue_date(event: CaseEvent, dated: date | None, policy: Policy) -> date:
    """The date a draft carries: the day asked for (a redraft) or of the decision, moved on to
    the next working day when that is a weekend, bank holiday or closure day, so a letter
    never states dates from a day it could not have been posted."""
    return policy.letter_dated(dated or letter_date(event))


# Strict, escaping rendering ------------------------------------------------------------

# Characters XML 1.0 cannot carry, and those docxtpl would turn into structure (\a, \f).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def _dated(inputs: LetterInputs) -> date:
    return issue_date(inputs.event, inputs.dated, inputs.policy)


def plain(text: str) -> str:
    """Customer or staff text as a letter prints it: control characters become spaces and
    bidirectional controls go (they would change what the reader sees, not what is said)."""
    return _CONTROL.sub(" ", "".join(c for c in text if c not in BIDI_CONTROLS))


def line(text: str) -> str:
    """A single-line field (a name, an address line, an officer): one clean line, whatever
    was stored before input was checked (defence in depth: new input with line breaks or
    bidi controls is refused, rule single-line)."""
    return one_line(text)


def _finalize(value: Any) -> Any:
    """Every `{{ }}` output passes here: text is escaped for XML, and braces become character
    references so docxtpl's after-render rewrites ({_{ -> {{) cannot touch customer text."""
    if isinstance(value, InlineImage):
        return value
    if value is None:
        raise TemplateError("a placeholder has no value (None): the letter's context is incomplete")
    text = str(escape(plain(str(value))))
    return Markup(text.replace("{", "&#123;").replace("}", "&#125;"))


def jinja_env() -> Environment:
    return Environment(undefined=StrictUndefined, autoescape=True, finalize=_finalize)


def render_template(
    template: Path | BytesIO, context: dict[str, Any], chart: bytes | None = None
) -> bytes:
    """Fill one Word template; raises jinja2.TemplateError for an undefined placeholder."""
    document = DocxTemplate(template)
    if chart is not None:
        context = {**context, "chart": InlineImage(document, BytesIO(chart), width=Mm(165))}
    document.render(context, jinja_env=jinja_env(), autoescape=True)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def document_text(docx_bytes: bytes) -> str:
    """Every paragraph of the body, its tables, headers and footers, one per line."""
    document = docx.Document(BytesIO(docx_bytes))
    lines: list[str] = []

    def walk(container: Any) -> None:
        for paragraph in container.paragraphs:
            lines.append(paragraph.text)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    walk(cell)

    walk(document)
    for section in document.sections:
        walk(section.header)
        walk(section.footer)
    return "\n".join(lines)


def _squash(text: str) -> str:
    return " ".join(text.split())


def render(prepared: PreparedLetter, templates_dir: Path = TEMPLATES_DIR) -> bytes:
    """The filled DOCX. TemplateFault when the template is broken or dropped required content."""
    path = templates_dir / prepared.template_name
    if not path.is_file():
        raise TemplateFault(["template-missing"])
    try:
        rendered = render_template(path, prepared.context, prepared.chart_png)
    except TemplateError as error:
        raise TemplateFault(["template-error"]) from error
    text = _squash(document_text(rendered))
    lacking = [
        f"template-lacks-{item}"
        for item, needed in prepared.required
        if _squash(needed) not in text
    ]
    if prepared.chart_png is not None and not docx.Document(BytesIO(rendered)).inline_shapes:
        lacking.append("template-lacks-chart")
    if lacking:
        raise TemplateFault(lacking)
    return rendered


def draft_letter(inputs: LetterInputs) -> bytes:
    return render(prepare(inputs))


# The context of each letter ----------------------------------------------------------------


@dataclass
class _Draft:
    """Collects a letter's context, what it must contain, and what is missing."""

    kind: LetterKind
    context: dict[str, Any] = field(default_factory=dict)
    required: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def need(self, item: str, value: str | None) -> str:
        """A required piece of text: recorded to check, or a `no-<item>` problem."""
        if value is None or not value.strip():
            self.problems.append(f"no-{item}")
            return ""
        self.required.append((item, value))
        return value

    def need_all(self, item: str, values: Sequence[str]) -> list[str]:
        if not values:
            self.problems.append(f"no-{item}")
        for value in values:
            self.need(item, value)
        return list(values)


def behaviour_words(behaviours: Iterable[Behaviour]) -> list[str]:
    """The policy's examples (s.3) in plain words; `other` is explained by the note."""
    words = []
    for b in behaviours:
        text = BEHAVIOUR_WORDS[b]
        if b is Behaviour.OTHER:
            text = "other behaviour, described below"
        words.append(text[0].upper() + text[1:])
    return words


def describe_restriction(r: Restriction) -> dict[str, str]:
    """One restriction as the letter states it: a short title and its details (each type's
    own wording, contactguard.domain.restrictions)."""
    wording = r.letter_wording()
    return {"title": wording.title, "details": wording.details}


def _signature(actor: Actor | None, role: Role) -> list[str]:
    name = line(actor.name) if actor is not None and actor.name else ""
    lines = [name] if name else []
    return [*lines, ROLE_TITLES[role]]


def _common(draft: _Draft, inputs: LetterInputs) -> None:
    customer, day = inputs.customer, _dated(inputs)
    draft.context.update(
        reference=inputs.case.case_id,
        letter_date=draft.need("letter-date", describe_date(day)),
        customer_name=draft.need("customer-name", line(customer.name)),
        restriction_months=str(inputs.policy.terms.restriction_months),
    )
    address = customer.address
    if draft.kind in INTERNAL_LETTERS:  # never posted: it needs no address
        draft.context.update(address_lines=[], postcode="")
        return
    if address is None:
        draft.problems.append("no-postal-address")
        draft.context.update(address_lines=[], postcode="")
        return
    draft.context.update(
        address_lines=[cleaned for cleaned in map(line, address.lines) if cleaned],
        postcode=draft.need("postal-address", line(address.postcode)),
    )


def _decision_for(draft: _Draft, case: Case, letter_id: str) -> RestrictionDecision | None:
    decision = case.decision
    if decision is None or decision.letter_id != letter_id:
        draft.problems.append("decision-superseded" if decision else "no-decision")
        return None
    return decision


def _appeal_for(draft: _Draft, inputs: LetterInputs) -> Appeal | None:
    appeal_id = inputs.event.data.get("appeal_id")
    appeal = next((a for a in inputs.case.appeals if a.appeal_id == appeal_id), None)
    if appeal is None:
        draft.problems.append("no-appeal")
    return appeal


def _behaviours(draft: _Draft, case: Case, decision: RestrictionDecision | None) -> None:
    behaviours = decision.behaviours if decision and decision.behaviours else ()
    if not behaviours and case.concern is not None:
        behaviours = case.concern.behaviours  # the behaviour the Step 1 letter described
    draft.context["behaviours"] = draft.need_all("behaviours", behaviour_words(behaviours))


def _restrictions(
    draft: _Draft,
    inputs: LetterInputs,
    restrictions: Sequence[Restriction],
    starts_on: date | None,
    ends_on: date | None,
    review_on: date | None,
) -> None:
    """Each restriction with its details, its dates and the channels still open (s.4)."""
    described = [describe_restriction(r) for r in restrictions]
    if not described:
        draft.problems.append("no-restrictions")
    for d in described:
        d["details"] = plain(d["details"])
        draft.need("restrictions", d["details"])
    channels = [CHANNEL_WORDS[c] for c in permitted_channels(restrictions)]
    draft.context.update(
        restrictions=described,
        starts_on=draft.need("start-date", describe_date(starts_on) if starts_on else None),
        ends_on=draft.need("end-date", describe_date(ends_on) if ends_on else None),
        review_on=draft.need("review-date", describe_date(review_on) if review_on else None),
        channels=channels,
        channels_text=draft.need("permitted-channels", join_words(channels)),
    )


def _appeal_route(draft: _Draft, inputs: LetterInputs) -> None:
    """s.5: appeal to the Customer Experience Team within 15 working days of the letter. A
    draft's deadline depends on when it is sent: it states the rule, and the date it gives
    assumes the letter goes on the date it carries."""
    terms = inputs.policy.terms
    deadline = inputs.policy.appeal_window_closes(_dated(inputs))
    rule = f"within {terms.appeal_window_working_days} working days of the date of this letter"
    draft.context.update(
        appeal_route=draft.need("appeal-route", APPEAL_ROUTE),
        appeal_rule=draft.need("appeal-deadline", rule),
        appeal_working_days=str(terms.appeal_window_working_days),
        review_working_days=str(terms.appeal_review_working_days),
        appeal_deadline=draft.need("appeal-deadline", describe_date(deadline)),
    )


def _ombudsman(draft: _Draft) -> None:
    draft.context["ombudsmen"] = list(OMBUDSMEN)
    for name in OMBUDSMEN:
        draft.need("ombudsman", name)


def _reason(draft: _Draft, text: str | None) -> None:
    draft.context["reason"] = draft.need("reason", plain(text) if text else None)


def _adjustments(draft: _Draft, decision: RestrictionDecision | None) -> None:
    agreed = decision.equality.adjustments_agreed if decision and decision.equality else ()
    draft.context["adjustments"] = [plain(a) for a in agreed]


def _event_date(inputs: LetterInputs, key: str) -> date | None:
    value = inputs.event.data.get(key)
    return date.fromisoformat(value) if isinstance(value, str) else None


def _concern(draft: _Draft, inputs: LetterInputs) -> None:
    concern = inputs.case.concern
    if concern is None or concern.letter_id != draft.context["letter_id"]:
        draft.problems.append("no-concern")
        return
    draft.context.update(
        behaviours=draft.need_all("behaviours", behaviour_words(concern.behaviours)),
        note=plain(concern.note),
        signature=_signature(concern.raised_by, Role.SERVICE_MANAGER),
    )


def _step2(draft: _Draft, inputs: LetterInputs) -> None:
    case, policy = inputs.case, inputs.policy
    decision = _decision_for(draft, case, draft.context["letter_id"])
    _behaviours(draft, case, decision)
    _reason(draft, decision.reason if decision else None)
    _adjustments(draft, decision)
    # s.4: the restrictions take effect when the customer has been told, i.e. when this
    # letter is sent; the draft gives the dates that follow if it is sent on its own date.
    dates = policy.restriction_dates(_dated(inputs))
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        dates.first_day,
        dates.ends_on,
        dates.review_pack_due_on,
    )
    concern_sent = case.concern.letter_sent_on if case.concern else None
    draft.context.update(
        concern_sent_on=describe_date(concern_sent) if concern_sent else "",
        signature=_signature(decision.decided_by if decision else None, Role.HEAD_OF_SERVICE),
    )


def _immediate(draft: _Draft, inputs: LetterInputs) -> None:
    case = inputs.case
    decision = _decision_for(draft, case, draft.context["letter_id"])
    _behaviours(draft, case, decision)
    _reason(draft, decision.reason if decision else None)
    _adjustments(draft, decision)
    period = case.period
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        london_date(period.starts_at) if period else None,
        period.ends_on if period else None,
        period.review_pack_due_on if period else None,
    )
    draft.context.update(
        immediate_reason=draft.need(
            "immediate-reason",
            plain(decision.immediate_reason) if decision and decision.immediate_reason else None,
        ),
        police_or_legal_action=plain(decision.police_or_legal_action or "") if decision else "",
        signature=_signature(decision.decided_by if decision else None, Role.HEAD_OF_SERVICE),
    )


def _extended(draft: _Draft, inputs: LetterInputs) -> None:
    case = inputs.case
    decision = _decision_for(draft, case, draft.context["letter_id"])
    _behaviours(draft, case, decision)
    _reason(draft, inputs.event.reason)
    _adjustments(draft, decision)
    previous_ends_on = _event_date(inputs, "previous_ends_on")
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        previous_ends_on,  # s.6: a new 12-month period from the old end date
        _event_date(inputs, "ends_on"),
        _event_date(inputs, "review_pack_due_on"),
    )
    draft.context.update(
        previous_ends_on=describe_date(previous_ends_on) if previous_ends_on else "",
        signature=_signature(inputs.event.actor, Role.HEAD_OF_SERVICE),
    )


def _appeal_received(draft: _Draft, appeal: Appeal | None) -> None:
    draft.context["appeal_received_on"] = draft.need(
        "appeal-received-date", describe_date(appeal.received_on) if appeal else None
    )


def _acknowledgement(draft: _Draft, inputs: LetterInputs) -> None:
    appeal = _appeal_for(draft, inputs)
    _appeal_received(draft, appeal)
    due = appeal.review_due_on if appeal else None
    draft.context.update(
        late=bool(appeal and appeal.late),
        review_working_days=str(inputs.policy.terms.appeal_review_working_days),
        review_due_on=draft.need("review-due-date", describe_date(due) if due else None),
        signature=_signature(None, Role.CUSTOMER_EXPERIENCE),
    )


def _outcome(draft: _Draft, inputs: LetterInputs, decision_words: str) -> Appeal | None:
    appeal = _appeal_for(draft, inputs)
    _appeal_received(draft, appeal)
    _reason(draft, inputs.event.reason)
    draft.context["decision"] = draft.need("decision", decision_words)
    draft.context["signature"] = _signature(inputs.event.actor, Role.EXECUTIVE)
    return appeal


def _upheld(draft: _Draft, inputs: LetterInputs) -> None:
    _outcome(draft, inputs, "Your appeal is upheld: the restrictions are lifted.")


def _dismissed(draft: _Draft, inputs: LetterInputs) -> None:
    _outcome(draft, inputs, "Your appeal is not upheld: the restrictions stay in place.")
    case, period = inputs.case, inputs.case.period
    decision = case.decision
    _adjustments(draft, decision)
    # The restrictions stay as decided; the letter reminds the customer of them.
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        london_date(period.starts_at) if period else None,
        period.ends_on if period else None,
        period.review_pack_due_on if period else None,
    )


def _varied(draft: _Draft, inputs: LetterInputs) -> None:
    appeal = _outcome(
        draft, inputs, "Your appeal is upheld in part: the restrictions have been changed."
    )
    case, period, decision = inputs.case, inputs.case.period, inputs.case.decision
    if decision is None or appeal is None or decision.decision_id != appeal.decision_id:
        draft.problems.append("decision-superseded")
        decision = None
    _behaviours(draft, case, decision)
    _adjustments(draft, decision)
    # The changed restrictions apply from the appeal decision; the end date is unchanged (s.5).
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        _dated(inputs),
        period.ends_on if period else None,
        period.review_pack_due_on if period else None,
    )


def _review_closed(draft: _Draft, inputs: LetterInputs) -> None:
    _reason(draft, inputs.event.reason)
    draft.context["signature"] = _signature(inputs.event.actor, Role.HEAD_OF_SERVICE)


def _lapsed(draft: _Draft, inputs: LetterInputs) -> None:
    ends_on = _event_date(inputs, "ends_on")
    draft.context.update(
        ends_on=draft.need("end-date", describe_date(ends_on) if ends_on else None),
        signature=_signature(None, Role.HEAD_OF_SERVICE),
    )


def _review_pack(draft: _Draft, inputs: LetterInputs) -> bytes | None:
    case, period, decision = inputs.case, inputs.case.period, inputs.case.decision
    ends_on = _event_date(inputs, "ends_on") or (period.ends_on if period else None)
    if period is None or ends_on is None:
        draft.problems.append("no-restriction-period")
        return None
    figures = review_figures(inputs.contacts, case.customer_id, ends_on)
    draft.context.update(
        starts_on=describe_date(london_date(period.starts_at)),
        ends_on=draft.need("end-date", describe_date(ends_on)),
        status=case.status.value,
        restrictions=[describe_restriction(r) for r in (decision.restrictions if decision else ())],
        window_from=draft.need("window", describe_date(figures.window_from)),
        window_to=describe_date(figures.window_to),
        previous_from=describe_date(figures.previous_from),
        previous_to=describe_date(figures.previous_to),
        months=[
            {
                "label": m.label,
                "counts": [str(m.by_channel[c]) for c in Channel],
                "total": str(m.total),
                "previous": str(m.previous_total),
            }
            for m in figures.months
        ],
        summary=[{"measure": k, "now": str(a), "before": str(b)} for k, a, b in figures.summary],
        flags=[{"flag": k, "now": str(a), "before": str(b)} for k, a, b in figures.flags],
        filed=[
            {"received": f.received, "subject": line(f.subject), "flags": f.flags}
            for f in figures.filed
        ],
        filed_not_listed=str(figures.filed_not_listed) if figures.filed_not_listed else "",
        appeals=[
            {
                "received_on": describe_date(a.received_on),
                "status": a.status.value,
                "reason": plain(a.outcome_reason or ""),
            }
            for a in case.appeals
        ],
    )
    for m in figures.months:
        draft.need("months", m.label)
    return chart_png(figures)


def prepare(inputs: LetterInputs) -> PreparedLetter:
    """The letter's context and required content; MissingContent when it cannot be issued."""
    ref = inputs.event.letter
    if ref is None:
        raise ValueError("this event calls for no letter")
    draft = _Draft(kind=ref.kind)
    draft.context["letter_id"] = ref.letter_id
    _common(draft, inputs)
    chart = None
    match ref.kind:
        case LetterKind.CONCERN:
            _concern(draft, inputs)
        case LetterKind.RESTRICTIONS:
            _step2(draft, inputs)
        case LetterKind.IMMEDIATE_RESTRICTIONS:
            _immediate(draft, inputs)
        case LetterKind.REVIEW_EXTENDED:
            _extended(draft, inputs)
        case LetterKind.APPEAL_ACKNOWLEDGEMENT:
            _acknowledgement(draft, inputs)
        case LetterKind.APPEAL_UPHELD:
            _upheld(draft, inputs)
        case LetterKind.APPEAL_DISMISSED:
            _dismissed(draft, inputs)
        case LetterKind.APPEAL_VARIED:
            _varied(draft, inputs)
        case LetterKind.REVIEW_CLOSED:
            _review_closed(draft, inputs)
        case LetterKind.RESTRICTIONS_LAPSED:
            _lapsed(draft, inputs)
        case LetterKind.REVIEW_PACK:
            chart = _review_pack(draft, inputs)
    if ref.kind in APPEALABLE_LETTERS:
        _appeal_route(draft, inputs)
    if ref.kind in OMBUDSMAN_LETTERS:
        _ombudsman(draft)
    if draft.problems:
        raise MissingContent(draft.problems)
    return PreparedLetter(
        kind=ref.kind,
        letter_id=ref.letter_id,
        context=draft.context,
        required=tuple(dict.fromkeys(draft.required)),
        chart_png=chart,
    )
