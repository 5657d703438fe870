"""The decisions on a case, one form each: impose restrictions (Step 2), close the concern,
log an appeal, accept or decline a late one, decide an appeal, decide the 12-month review,
close a lapsed case.

A form is shown only when the lifecycle would take the decision from this role now
(`use_cases.cases.choices`); otherwise its refusal is the page. Each form is sent with the
case version it was filled in against, so a decision on a case that changed since is refused
(the 409 page) and nothing is saved. A refusal of the lifecycle that concerns one answer is
shown beside it; any other is the problem page.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar

from console import web
from console.forms import FormResult, empty
from console.pages import Visit, page, problem
from console.routes.case_forms import (
    BEHAVIOURS,
    DAYS,
    RESTRICTION_FORMS,
    YES,
    AppealDecisionForm,
    DelayReviewForm,
    EqualityForm,
    ImposeForm,
    LateAppealForm,
    LogAppealForm,
    ReasonForm,
    ReviewForm,
    VaryForm,
    Versioned,
    aspects_typed,
    equality_data,
    impose_data,
    in_words,
    read,
    read_aspects,
    read_restrictions,
    refused_on_form,
    restrictions_typed,
)
from console.routes.case_words import uk_date, until
from console.routes.customers import NEW_ID, imposes_at_once
from contactguard.domain.access import Operation
from contactguard.domain.case import (
    AcceptLateAppeal,
    AppealOutcome,
    AppealStatus,
    Case,
    CaseStatus,
    CloseCase,
    CloseConcern,
    Command,
    CommandKind,
    DecideAppeal,
    DecideReview,
    DeclineLateAppeal,
    DelayAppealReview,
    ImposeRestrictions,
    LetterKind,
    LogAppeal,
    ReviewOutcome,
    VaryRestrictions,
)
from contactguard.domain.errors import RuleViolation
from contactguard.domain.model import ASPECTS
from contactguard.domain.restrictions import Restriction
from contactguard.usecases.cases import Choices
from contactguard.usecases.errors import AlreadyExists

F = TypeVar("F", bound=Versioned)
E = TypeVar("E", bound=EqualityForm)


@dataclass(frozen=True)
class Answer:
    """What a sent form says: the command it gives, the version it was read at and the
    banner once it is recorded; or, with no command, the form and its problems."""

    form: FormResult[Any]
    command: Command | None = None
    version: int = 0
    done: str = ""


def _nothing(_: Case) -> dict[str, str]:
    return {}


def _no_context(_v: Visit, _c: Case, _ch: Choices) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Decision:
    """One decision's form: where it is, what it asks and what command its answers give."""

    kind: CommandKind
    slug: str  # /console/cases/<case_id>/<slug>
    link: str  # its link on the case page
    title: str
    template: str
    answer: Callable[[dict[str, str]], Answer]
    fields: dict[str, str] = field(default_factory=dict)  # lifecycle rule -> form field
    prefill: Callable[[Case], dict[str, str]] = _nothing
    context: Callable[[Visit, Case, Choices], dict[str, Any]] = _no_context
    also: frozenset[CommandKind] = frozenset()  # other commands the same form gives


def _form_open(visit: Visit, case_id: str, decision: Decision) -> tuple[Case, Choices]:
    """The case and what this role may decide on it; the lifecycle's refusal when the
    decision is not open to them now (NotPermitted: 403; otherwise 409, both as pages)."""
    use_cases = visit.wiring.use_cases
    case = use_cases.cases.view(visit.request, case_id)
    choices = use_cases.cases.choices(visit.request, case)
    if not ({decision.kind} | decision.also) & choices.decisions:
        raise in_words(choices.refused[decision.kind])
    return case, choices


def _render(
    visit: Visit, decision: Decision, case: Case, choices: Choices, form: FormResult[Any]
) -> web.Reply:
    return visit.render_form(
        decision.template,
        title=decision.title,
        form=form,
        case_id=case.case_id,
        case_href=visit.site.url(f"/console/cases/{case.case_id}"),
        action=visit.site.url(f"/console/cases/{case.case_id}/{decision.slug}"),
        version=form.value_of("version", str(case.version)),
        **decision.context(visit, case, choices),
    )


def answered(
    model: type[F], form: dict[str, str], give: Callable[[F], tuple[Command, str]]
) -> Answer:
    """A sent form read with `model`; when its answers are good, the command they give and
    the banner that says it was done."""
    result = read(model, form)
    if (answers := result.value) is None:
        return Answer(result)
    command, done = give(answers)
    return Answer(result, command, answers.version, done)


def record(
    visit: Visit, case_id: str, answer: Answer, fields: dict[str, str]
) -> web.Reply | FormResult[Any]:
    """Record the answer's decision and go back to the case with its banner; or the form:
    with its problems when it gives no command, or with the lifecycle's refusal beside the
    answer it concerns (`fields`: rule -> the field's name)."""
    if answer.command is None:
        return answer.form
    command = answer.command
    try:
        acted = visit.wiring.use_cases.cases.act(
            visit.request, case_id, command, command.kind.value, answer.version
        )
    except RuleViolation as refusal:
        shown = refused_on_form(answer.form, refusal, fields)
        if shown is None:
            raise
        return shown
    if acted.nothing_to_do is not None:
        return problem(visit, HTTPStatus.CONFLICT, "Nothing to do", acted.nothing_to_do.message)
    return visit.redirect(f"/console/cases/{case_id}", done=answer.done)


def _register(decision: Decision) -> None:
    """The decision's form (GET) and what sending it does (POST: post/redirect/get)."""
    path = f"/console/cases/<case_id>/{decision.slug}"

    def show(visit: Visit, case_id: str) -> web.Reply:
        case, choices = _form_open(visit, case_id, decision)
        return _render(visit, decision, case, choices, empty(decision.prefill(case)))

    def send(visit: Visit, case_id: str) -> web.Reply:
        form = record(visit, case_id, decision.answer(visit.form), decision.fields)
        if isinstance(form, web.Reply):
            return form
        case, choices = _form_open(visit, case_id, decision)
        return _render(visit, decision, case, choices, form)

    page(path, operation=Operation.DECIDE)(show)
    page(path, "POST", operation=Operation.DECIDE)(send)


def _reason(
    command: type[CloseConcern] | type[CloseCase], done: str
) -> Callable[[dict[str, str]], Answer]:
    def answer(form: dict[str, str]) -> Answer:
        return answered(ReasonForm, form, lambda a: (command(reason=a.reason), done))

    return answer


def _reason_words(
    lead: str, label: str, button: str, hint: str = "This is recorded on the case."
) -> Callable[[Visit, Case, Choices], dict[str, Any]]:
    def context(_v: Visit, _c: Case, _ch: Choices) -> dict[str, Any]:
        return {"lead": lead, "label": label, "button": button, "hint": hint}

    return context


# Step 2: impose restrictions (policy s.4) ------------------------------------------------------


def _impose_prefill(case: Case) -> dict[str, str]:
    typed: dict[str, str] = {}
    if case.concern is not None:  # the concern's behaviours, to start from
        typed.update({f"behaviour-{b.value}": YES for b in case.concern.behaviours})
        typed.update(aspects_typed(case.concern.aspects))
    if case.decision is not None:  # a lapsed case: the restrictions it had, to start from
        typed.update(restrictions_typed(case.decision.restrictions))
    return typed


def _impose_context(_v: Visit, _c: Case, choices: Choices) -> dict[str, Any]:
    return {
        "immediate_only": choices.immediate_only,
        "behaviours": BEHAVIOURS,
        "restriction_forms": RESTRICTION_FORMS,
        "days": DAYS,
    }


def _with_restrictions(
    result: FormResult[E], form: dict[str, str], more: dict[str, str] | None = None
) -> tuple[list[Restriction], Answer | None]:
    """A form that gives restrictions (Step 2, a variation), its other answers `result`: the
    restrictions ticked, read with their details; or, with a problem anywhere (`more`: the
    form's own further problems), the form to show again with every problem in the order the
    form asks."""
    chosen = read_restrictions(form)
    problems = dict(result.problems)
    if not chosen.restrictions and not chosen.problems:
        problems["restrictions"] = "Select at least one restriction"
    problems.update(chosen.problems)
    problems.update(more or {})
    if result.value is None or problems:
        shown = FormResult[Any](value=None, typed=result.typed, problems=_ordered(problems))
        return [], Answer(shown)
    return chosen.restrictions, None


def _impose(form: dict[str, str]) -> Answer:
    result = read(ImposeForm, form, impose_data(form))
    seen = read_aspects(form, result.value.behaviours if result.value else ())
    chosen, again = _with_restrictions(result, form, seen.problems)
    answers = result.value
    if again is not None or answers is None:
        return again or Answer(result)
    command = ImposeRestrictions(
        restrictions=tuple(chosen),
        behaviours=answers.behaviours,
        aspects=seen.aspects,
        reason=answers.reason,
        equality=answers.equality(),
        immediate=answers.immediate,
        immediate_reason=answers.immediate_reason if answers.immediate else None,
        police_or_legal_action=answers.police_or_legal_action if answers.immediate else None,
    )
    done = (
        "Restrictions imposed: they are in force now. The letter is being drafted."
        if answers.immediate
        else "Restrictions decided: they start when the restrictions letter is marked sent."
    )
    return Answer(result, command, answers.version, done)


_IMPOSE_ORDER = [
    "restrictions",
    *[f"{f.tag}-{d.name}" for f in RESTRICTION_FORMS for d in f.details],
    "behaviours",
    *[f"aspects-{b.value}" for b in ASPECTS],
    "reason",
    "equality",
    "equality_notes",
    "adjustments_agreed",
    "immediate",
    "immediate_reason",
    "police_or_legal_action",
    "version",
]


def _ordered(problems: dict[str, str]) -> dict[str, str]:
    """The problems in the order the form asks (the error summary follows the page)."""
    rank = {name: n for n, name in enumerate(_IMPOSE_ORDER)}
    return dict(sorted(problems.items(), key=lambda item: rank.get(item[0], len(rank))))


# The restrictions in force varied mid-term (policy s.4, s.5) ---------------------------------


def _vary(form: dict[str, str]) -> Answer:
    result = read(VaryForm, form, equality_data(form))
    chosen, again = _with_restrictions(result, form)
    answers = result.value
    if again is not None or answers is None:
        return again or Answer(result)
    command = VaryRestrictions(
        restrictions=tuple(chosen), reason=answers.reason, equality=answers.equality()
    )
    done = (
        "Restrictions varied: the new restrictions apply now, the end date does not change. "
        "The letter telling the customer is being drafted."
    )
    return Answer(result, command, answers.version, done)


def _vary_prefill(case: Case) -> dict[str, str]:
    """The restrictions in force, and what was considered for them, to start from."""
    decision = case.decision
    if decision is None:
        return {}
    typed = restrictions_typed(decision.restrictions)
    if decision.equality is not None:
        typed["equality_notes"] = decision.equality.notes
        typed["adjustments_agreed"] = "\n".join(decision.equality.adjustments_agreed)
    return typed


def _vary_context(_v: Visit, case: Case, _ch: Choices) -> dict[str, Any]:
    period = case.period
    return {
        "ends_on": until(period.ends_on) if period else None,
        "review_on": uk_date(period.review_pack_due_on) if period else None,
        "restriction_forms": RESTRICTION_FORMS,
        "days": DAYS,
    }


# Appeals (policy s.5) ----------------------------------------------------------------------


def _log_appeal(form: dict[str, str]) -> Answer:
    def give(a: LogAppealForm) -> tuple[Command, str]:
        logged = LogAppeal(received_on=a.received_on, grounds=a.grounds)
        return logged, f"Appeal logged: received on {uk_date(a.received_on)}."

    return answered(LogAppealForm, form, give)


def _window(_v: Visit, case: Case, _ch: Choices) -> dict[str, Any]:
    window = case.appeal_window
    return {"closes_on": uk_date(window.closes_on) if window is not None else None}


def _late_appeal(form: dict[str, str]) -> Answer:
    def give(a: LateAppealForm) -> tuple[Command, str]:
        if a.decision == "accept":
            accepted = AcceptLateAppeal(reason=a.reason)
            return accepted, "Late appeal accepted: it goes to an independent review."
        return DeclineLateAppeal(reason=a.reason), "Late appeal declined."

    return answered(LateAppealForm, form, give)


def _late_appeal_context(visit: Visit, case: Case, choices: Choices) -> dict[str, Any]:
    late = next(
        (a for a in case.appeals if a.status is AppealStatus.AWAITING_LATE_ACCEPTANCE), None
    )
    return {
        "received": uk_date(late.received_on) if late else None,
        "grounds": late.grounds if late else None,
        **_window(visit, case, choices),
    }


def _delay_review(form: dict[str, str]) -> Answer:
    def give(a: DelayReviewForm) -> tuple[Command, str]:
        delay = DelayAppealReview(
            appeal_id=a.appeal_id, review_due_on=a.review_due_on, reason=a.reason
        )
        return delay, (
            f"Appeal review delayed: now due by {uk_date(a.review_due_on)}. The letter telling "
            "the customer is being drafted."
        )

    return answered(DelayReviewForm, form, give)


def _delay_review_context(_v: Visit, case: Case, _ch: Choices) -> dict[str, Any]:
    appeal = case.open_appeal
    due = appeal.review_due_on if appeal else None
    return {
        "appeal_id": appeal.appeal_id if appeal else "",
        "received": uk_date(appeal.received_on) if appeal else None,
        "review_due": uk_date(due) if due else None,
    }


_OUTCOME_DONE = {
    AppealOutcome.UPHELD: "Appeal upheld: the restrictions are lifted and the case is closed.",
    AppealOutcome.DISMISSED: "Appeal dismissed: the restrictions stand.",
    AppealOutcome.VARIED: "Appeal decided: the restrictions are varied, the end date is not.",
}


def _appeal_decision(form: dict[str, str]) -> Answer:
    result = read(AppealDecisionForm, form)
    if (answers := result.value) is None:
        return Answer(result)
    varied: tuple[Restriction, ...] = ()
    if answers.outcome is AppealOutcome.VARIED:
        chosen = read_restrictions(form)
        if chosen.problems:
            return Answer(FormResult(value=None, typed=result.typed, problems=chosen.problems))
        varied = tuple(chosen.restrictions)
    command = DecideAppeal(
        outcome=answers.outcome, reason=answers.reason, varied_restrictions=varied
    )
    return Answer(result, command, answers.version, _OUTCOME_DONE[answers.outcome])


def _appeal_prefill(case: Case) -> dict[str, str]:
    return restrictions_typed(case.decision.restrictions) if case.decision else {}


def _appeal_decision_context(_v: Visit, case: Case, _ch: Choices) -> dict[str, Any]:
    appeal = case.open_appeal
    return {
        "received": uk_date(appeal.received_on) if appeal else None,
        "grounds": appeal.grounds if appeal else None,
        "restriction_forms": RESTRICTION_FORMS,
        "days": DAYS,
    }


# The 12-month review (policy s.6) -----------------------------------------------------------

_REVIEW_DONE = {
    ReviewOutcome.EXTEND: "Review decided: the restrictions are extended for a further period.",
    ReviewOutcome.CLOSE: "Review decided: the restrictions end and the case is closed.",
}


def _review(form: dict[str, str]) -> Answer:
    def give(a: ReviewForm) -> tuple[Command, str]:
        return DecideReview(outcome=a.outcome, reason=a.reason), _REVIEW_DONE[a.outcome]

    return answered(ReviewForm, form, give)


def _review_context(visit: Visit, case: Case, _ch: Choices) -> dict[str, Any]:
    period = case.period
    packs = [x for x in case.letters if x.kind is LetterKind.REVIEW_PACK and x.s3_key]
    readable = packs and visit.may(Operation.READ_REVIEW_PACK)
    return {
        "ends_on": uk_date(period.ends_on) if period else None,
        "pack_href": visit.site.url(f"/console/cases/{case.case_id}/letters/{packs[-1].letter_id}")
        if readable
        else None,
    }


# The decisions, in the order the case page offers them.
_OFFICER_EMAIL = {"officer-address-in-organisation": "single-point-of-contact-officer_email"}
DECISIONS: tuple[Decision, ...] = (
    Decision(
        CommandKind.IMPOSE_RESTRICTIONS,
        "restrictions",
        "Impose restrictions",
        "Impose restrictions (Step 2)",
        "case_impose.html",
        _impose,
        fields={
            "s4-equality-considered": "equality",
            "s4-immediate-restrictions": "immediate_reason",
            "s4-step2-after-step1": "immediate",
            **_OFFICER_EMAIL,
        },
        prefill=_impose_prefill,
        context=_impose_context,
    ),
    Decision(
        CommandKind.VARY_RESTRICTIONS,
        "vary-restrictions",
        "Vary the restrictions",
        "Vary the restrictions",
        "case_vary.html",
        _vary,
        fields={
            "s4-equality-considered": "equality",
            "s4-restrictions-varied": "restrictions",
            **_OFFICER_EMAIL,
        },
        prefill=_vary_prefill,
        context=_vary_context,
    ),
    Decision(
        CommandKind.CLOSE_CONCERN,
        "close-concern",
        "Close the concern",
        "Close the concern",
        "case_reason.html",
        _reason(CloseConcern, "Concern closed."),
        context=_reason_words(
            "The behaviour changed after the concern letter, so the case closes without "
            "restrictions. If the concern letter was sent, the customer is told by letter.",
            "Why are you closing the concern?",
            "Close the concern",
        ),
    ),
    Decision(
        CommandKind.LOG_APPEAL,
        "appeal",
        "Log an appeal",
        "Log an appeal",
        "case_log_appeal.html",
        _log_appeal,
        fields={"appeal-received-date": "received_on"},
        context=_window,
    ),
    Decision(
        CommandKind.ACCEPT_LATE_APPEAL,
        "late-appeal",
        "Accept or decline the late appeal",
        "Accept or decline a late appeal",
        "case_late_appeal.html",
        _late_appeal,
        context=_late_appeal_context,
        also=frozenset({CommandKind.DECLINE_LATE_APPEAL}),
    ),
    Decision(
        CommandKind.DECIDE_APPEAL,
        "appeal-decision",
        "Decide the appeal",
        "Decide the appeal",
        "case_appeal_decision.html",
        _appeal_decision,
        fields={"s5-appeal-outcomes": "restrictions", **_OFFICER_EMAIL},
        prefill=_appeal_prefill,
        context=_appeal_decision_context,
    ),
    Decision(
        CommandKind.DELAY_APPEAL_REVIEW,
        "appeal-review-delay",
        "Delay the appeal review",
        "Delay the appeal review",
        "case_delay_review.html",
        _delay_review,
        fields={"s5-review-delayed": "review_due_on"},
        context=_delay_review_context,
    ),
    Decision(
        CommandKind.DECIDE_REVIEW,
        "review",
        "Decide the 12-month review",
        "Decide the 12-month review",
        "case_review.html",
        _review,
        context=_review_context,
    ),
    Decision(
        CommandKind.CLOSE_CASE,
        "close",
        "Close the case",
        "Close the case",
        "case_reason.html",
        _reason(CloseCase, "Case closed."),
        context=_reason_words(
            "The restrictions lapsed with no review decision. Closing the case ends it; to "
            "restrict contact again, impose restrictions instead.",
            "Why are you closing the case?",
            "Close the case",
            "The letter telling the customer the case is closed gives this reason.",
        ),
    ),
)

for _decision in DECISIONS:
    _register(_decision)


# Immediate restrictions for a customer with no case yet (policy s.4: extreme behaviour, no
# prior warning): the Step 2 form, immediate only, opening a new case. --------------------------

IMPOSE = DECISIONS[0]


def _refused(visit: Visit, customer_id: str, sent_case_id: str = "") -> web.Reply | None:
    """Why this person may not open a case with immediate restrictions for this customer
    now, as a page; None when they may. The open case being the one this form opened (the
    form sent twice): back to it."""
    if not imposes_at_once(visit):
        return problem(
            visit,
            HTTPStatus.FORBIDDEN,
            "You cannot impose restrictions",
            "Restrictions (Step 2) are imposed by the Head of Service.",
        )
    _, cases = visit.wiring.use_cases.customers.view(visit.request, customer_id)
    still_open = [c.case_id for c in cases if c.status is not CaseStatus.CLOSED]
    if sent_case_id and sent_case_id in still_open:
        return visit.redirect(
            f"/console/cases/{sent_case_id}", done="These restrictions were already imposed"
        )
    if still_open:
        return problem(
            visit,
            HTTPStatus.CONFLICT,
            "This customer has an open case",
            f"Impose restrictions on case {still_open[0]} instead: open it from the "
            "customer's page.",
        )
    return None


def _immediate_page(
    visit: Visit, customer_id: str, case_id: str, form: FormResult[Any]
) -> web.Reply:
    customer, _ = visit.wiring.use_cases.customers.view(visit.request, customer_id)
    here = f"/console/customers/{customer_id}"
    return visit.render_form(
        IMPOSE.template,
        title=f"Impose immediate restrictions on {customer.name}",
        form=form,
        case_id=case_id,
        case_href=visit.site.url(here),
        back_text="Back to the customer",
        action=visit.site.url(f"{here}/immediate-restrictions"),
        version="1",
        new_case=True,
        immediate_only=True,
        behaviours=BEHAVIOURS,
        restriction_forms=RESTRICTION_FORMS,
        days=DAYS,
    )


@page("/console/customers/<customer_id>/immediate-restrictions", operation=Operation.OPEN_CASE)
def new_immediate(visit: Visit, customer_id: str) -> web.Reply:
    if (refused := _refused(visit, customer_id)) is not None:
        return refused
    case_id = f"case-{uuid.uuid4().hex[:12]}"
    return _immediate_page(visit, customer_id, case_id, empty({"case_id": case_id}))


@page(
    "/console/customers/<customer_id>/immediate-restrictions",
    "POST",
    operation=Operation.OPEN_CASE,
)
def impose_immediate(visit: Visit, customer_id: str) -> web.Reply:
    # Immediate, on a new case: no version to check (a case id taken is AlreadyExists).
    sent = {**visit.form, "immediate": YES, "version": "1"}
    case_id = sent.get("case_id", "")
    if (refused := _refused(visit, customer_id, case_id)) is not None:
        return refused
    if not re.fullmatch(NEW_ID, case_id):
        return problem(
            visit,
            HTTPStatus.BAD_REQUEST,
            "This form has expired",
            "Go back to the customer's page and start again.",
        )
    answer = _impose(sent)
    if answer.command is None:
        return _immediate_page(visit, customer_id, case_id, answer.form)
    command = answer.command.model_copy(update={"case_id": case_id, "customer_id": customer_id})
    try:
        visit.wiring.use_cases.cases.open(visit.request, command, customer_id, case_id)
    except AlreadyExists:  # the same form sent twice: the first opened the case
        return visit.redirect(
            f"/console/cases/{case_id}", done="These restrictions were already imposed"
        )
    except RuleViolation as refusal:
        shown = refused_on_form(answer.form, refusal, IMPOSE.fields)
        if shown is None:
            raise
        return _immediate_page(visit, customer_id, case_id, shown)
    return visit.redirect(f"/console/cases/{case_id}", done=answer.done)
