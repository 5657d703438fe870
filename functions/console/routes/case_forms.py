"""The case pages' forms: one pydantic model per form over the domain's own types, the
restriction types' details read into the domain's models, and the lifecycle's refusals shown
beside the field they concern.

Every form carries the case version it was filled in against (`version`, hidden): the use
case refuses a decision on a case that moved on since (VersionConflict, the 409 page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from console.forms import FormResult, StaffDate, date_field, date_message, read_form
from console.routes.case_words import sentence
from contactguard.domain.case import AppealOutcome, ReviewOutcome, SentVia
from contactguard.domain.errors import PolicyError
from contactguard.domain.model import (
    ASPECTS,
    BEHAVIOUR_WORDS,
    Aspect,
    Behaviour,
    BehaviourAspects,
    EqualityConsiderations,
    NonBlank,
    Weekday,
)
from contactguard.domain.restrictions import RESTRICTION_TYPES, Restriction, RestrictionType

YES = "yes"
M = TypeVar("M", bound=BaseModel)


class Versioned(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: int = Field(ge=1)


class LetterSentForm(Versioned):
    sent_on: StaffDate
    final_key: str = Field(default="", max_length=1024)  # the uploaded final version's key
    sent_via: SentVia = SentVia.POST  # asked only when the draft has an email version


class ReasonForm(Versioned):
    reason: NonBlank


class LogAppealForm(Versioned):
    received_on: StaffDate
    grounds: NonBlank


class DelayReviewForm(Versioned):
    appeal_id: str = Field(min_length=1, max_length=64)
    review_due_on: StaffDate
    reason: NonBlank


class LateAppealForm(Versioned):
    decision: Literal["accept", "decline"]
    reason: NonBlank


class AppealDecisionForm(Versioned):
    outcome: AppealOutcome
    reason: NonBlank


class ReviewForm(Versioned):
    outcome: ReviewOutcome
    reason: NonBlank


class EqualityForm(Versioned):
    """What was considered before restricting contact (Ombudsman guidance): the part of the
    Step 2 form a variation asks again (`equality_data` reads it from the form)."""

    reason: NonBlank
    reasonable_adjustments_considered: bool = False
    vulnerability_considered: bool = False
    equality_act_duties_considered: bool = False
    equality_notes: NonBlank
    adjustments_agreed: tuple[NonBlank, ...] = ()

    def equality(self) -> EqualityConsiderations:
        return EqualityConsiderations(
            reasonable_adjustments_considered=self.reasonable_adjustments_considered,
            vulnerability_considered=self.vulnerability_considered,
            equality_act_duties_considered=self.equality_act_duties_considered,
            notes=self.equality_notes,
            adjustments_agreed=self.adjustments_agreed,
        )


class VaryForm(EqualityForm):
    """The restrictions in force varied mid-term: the new set is read by `read_restrictions`."""


class ImposeForm(EqualityForm):
    """Step 2 (policy s.4): the restrictions themselves are read by `read_restrictions`."""

    behaviours: tuple[Behaviour, ...] = ()
    immediate: bool
    immediate_reason: NonBlank | None = None
    police_or_legal_action: NonBlank | None = None


VERSION_MESSAGE = "This form is out of date: open the case again"
REASON_MESSAGE = "Enter the reason for your decision"

# GOV.UK's words for a field left out, by form field; other problems keep the domain's words.
MESSAGES: dict[str, str] = {
    "version": VERSION_MESSAGE,
    "reason": REASON_MESSAGE,
    "grounds": "Enter the customer's grounds for appeal",
    "decision": "Select whether you accept or decline the late appeal",
    "outcome": "Select the outcome",
    "equality_notes": "Enter what you considered and what you found",
    "immediate": "Select whether this is an immediate decision",
    "immediate_reason": (
        "Enter why the behaviour is extreme or threatens staff safety, so no warning is given"
    ),
}


def checked(form: dict[str, str], prefix: str, values: list[str]) -> list[str]:
    """The values of a group of checkboxes, each sent under its own name (`<prefix>-<value>`)."""
    return [v for v in values if form.get(f"{prefix}-{v}") == YES]


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def left_out(typed: Any) -> bool:
    """Nothing given: no value, blank text, or no box ticked."""
    if isinstance(typed, str):
        return not typed.strip()
    if isinstance(typed, list | tuple):
        return not typed
    return typed is None


def blank_to_none(text: str | None) -> str | None:
    return text if text and text.strip() else None


def read(model: type[M], form: dict[str, str], data: dict[str, Any] | None = None) -> FormResult[M]:
    """A form read with GOV.UK's words for a field left out, and for its dates."""
    messages = {k: v for k, v in MESSAGES.items() if k in model.model_fields}
    for name, what in DATES.items():
        if name in model.model_fields:
            messages[name] = date_message(form, name, what)
    typed = data if data is not None else {**form, **_dates(form, model)}
    return read_form(model, form, typed, _for_left_out(messages, typed))


DATES = {
    "sent_on": "the date the letter was sent",
    "received_on": "the date the appeal was received",
    "review_due_on": "the new date for the review",
}


def _dates(form: dict[str, str], model: type[Any]) -> dict[str, Any]:
    return {name: date_field(form, name) for name in DATES if name in model.model_fields}


def _for_left_out(messages: dict[str, str], typed: dict[str, Any]) -> dict[str, str]:
    """GOV.UK's "Enter ..." only where nothing was typed; what was typed wrongly keeps the
    domain's words (dates have their own, for every problem)."""
    return {
        name: text
        for name, text in messages.items()
        if name in DATES or name == "version" or left_out(typed.get(name))
    }


def refused_on_form(
    result: FormResult[Any], refusal: PolicyError, fields: dict[str, str]
) -> FormResult[Any] | None:
    """The lifecycle's refusal beside the field it concerns (`fields`: rule -> field name), or
    None when it concerns no field of this form (the problem page says it then)."""
    name = fields.get(refusal.rule)
    if name is None:
        return None
    text = sentence(refusal.message).removesuffix(".")
    return FormResult(value=None, typed=result.typed, problems={name: text})


def in_words(refusal: PolicyError) -> PolicyError:
    """The lifecycle's refusal as the problem page should say it (a sentence, UK dates), of
    the same type, so the page maps it as it maps any other."""
    return type(refusal)(refusal.rule, sentence(refusal.message))


# Restrictions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Detail:
    """One detail of a restriction type, as the form asks for it."""

    name: str  # the field of the type's model
    label: str
    hint: str = ""
    widget: Literal["input", "textarea", "email", "time", "days"] = "input"
    left_out: str = ""  # GOV.UK's words when nothing was given; default "Enter <label>"

    @property
    def missing(self) -> str:
        if self.left_out:
            return self.left_out
        return f"Enter {self.label[:1].lower()}{self.label[1:]}"


@dataclass(frozen=True)
class RestrictionForm:
    """A restriction type on the form: the policy's words for it, and its details."""

    model: type[RestrictionType]
    label: str
    details: tuple[Detail, ...] = field(default_factory=tuple)

    @property
    def tag(self) -> str:
        return str(self.model.model_fields["type"].default)

    def field_name(self, detail: Detail) -> str:
        return f"{self.tag}-{detail.name}"


def _restriction_forms() -> tuple[RestrictionForm, ...]:
    by_tag = {str(t.model_fields["type"].default): t for t in RESTRICTION_TYPES}
    return (
        RestrictionForm(
            by_tag["telephone-via-third-party"],
            "Telephone contact only through a named third party",
            (
                Detail("third_party", "Who may call on the customer's behalf", "Their name"),
                Detail(
                    "relationship",
                    "Their relationship to the customer",
                    "For example, solicitor, councillor, friend or family member",
                ),
            ),
        ),
        RestrictionForm(
            by_tag["letters-only"],
            "No email or telephone contact: letters only",
            (
                Detail(
                    "write_to",
                    "The postal address the customer should write to",
                    "On one line, for example: Customer Services, PO Box 1, Derby DE1 1AA",
                ),
            ),
        ),
        RestrictionForm(
            by_tag["appointment-only-visits"],
            "Visits by appointment only, at a named office",
            (Detail("office", "The office"),),
        ),
        RestrictionForm(
            by_tag["single-point-of-contact"],
            "A single point of contact, on set days and times",
            (
                Detail("officer_id", "The officer's staff ID"),
                Detail("officer_name", "The officer's name"),
                Detail(
                    "officer_email",
                    "The officer's email address",
                    "One of the organisation's own addresses: the customer's email goes there",
                    "email",
                ),
                Detail(
                    "days",
                    "Days the customer may make contact",
                    widget="days",
                    left_out="Select at least one day",
                ),
                Detail(
                    "from_time",
                    "From",
                    "Use the 24-hour clock, for example 10:00",
                    "time",
                    left_out="Enter the time contact may start",
                ),
                Detail(
                    "to_time",
                    "Until",
                    "For example, 12:30",
                    "time",
                    left_out="Enter the time contact must end",
                ),
            ),
        ),
        RestrictionForm(
            by_tag["witness-at-personal-contact"],
            "A witness present at any personal contact",
        ),
        RestrictionForm(
            by_tag["social-media"],
            "Our social media sites restricted or denied",
            (Detail("details", "Which sites, and what is restricted", widget="textarea"),),
        ),
        RestrictionForm(
            by_tag["other"],
            "Another restriction",
            (
                Detail(
                    "details",
                    "Describe the restriction",
                    widget="textarea",
                    left_out="Describe the restriction",
                ),
            ),
        ),
    )


RESTRICTION_FORMS = _restriction_forms()


def _check_every_restriction_type_is_on_the_form() -> None:
    """A new restriction type (one module in contactguard.domain.restrictions) needs its row
    here, with a label for every detail: checked at import."""
    on_form = {f.model for f in RESTRICTION_FORMS}
    missing = sorted(t.__name__ for t in RESTRICTION_TYPES if t not in on_form)
    if missing:
        raise AssertionError(f"restriction types missing from the console's form: {missing}")
    for form in RESTRICTION_FORMS:
        wanted = set(form.model.model_fields) - {"type"}
        asked = {d.name for d in form.details}
        if wanted != asked:
            raise AssertionError(f"{form.tag}: the form asks for {asked}, the type has {wanted}")


_check_every_restriction_type_is_on_the_form()

DAYS = [d.value for d in Weekday]
BEHAVIOURS = [
    {
        "value": b.value,
        "text": BEHAVIOUR_WORDS[b],
        "aspects": [
            {"value": a.value, "text": a.value.capitalize()}
            for a in (ASPECTS[b][0] if b in ASPECTS else ())
        ],
    }
    for b in Behaviour
]


@dataclass
class AspectsRead:
    aspects: BehaviourAspects
    problems: dict[str, str]


def read_aspects(form: dict[str, str], behaviours: Sequence[Behaviour]) -> AspectsRead:
    """Of each chosen behaviour the policy words with alternatives, which staff saw (the
    letter names only those): at least one, or the problem beside its checkboxes."""
    aspects: BehaviourAspects = {}
    problems: dict[str, str] = {}
    for b in behaviours:
        if b not in ASPECTS:
            continue
        seen = tuple(Aspect(a) for a in checked(form, f"aspects-{b.value}", ASPECT_VALUES[b]))
        if seen:
            aspects[b] = seen
        else:
            *rest, last = ASPECT_VALUES[b]
            problems[f"aspects-{b.value}"] = f"Select what you saw: {', '.join(rest)} or {last}"
    return AspectsRead(aspects, problems)


ASPECT_VALUES = {b: [a.value for a in allowed] for b, (allowed, _) in ASPECTS.items()}


def aspects_typed(aspects: BehaviourAspects) -> dict[str, str]:
    """The form's fields for aspects already recorded (a concern's, to start Step 2 from)."""
    return {f"aspects-{b.value}-{a.value}": YES for b, seen in aspects.items() for a in seen}


def _detail_message(detail: Detail, typed: Any) -> str | None:
    """GOV.UK's words where a detail was left out or is no time; None keeps the domain's."""
    if left_out(typed):
        return detail.missing
    if detail.widget == "time":
        try:
            time.fromisoformat(str(typed).strip())
        except ValueError:
            return "Enter a time in the 24-hour clock, like 10:00"
        if detail.name == "to_time":
            return "The time contact must end must be after the time it may start"
    return None


@dataclass
class RestrictionsRead:
    restrictions: list[Restriction]
    problems: dict[str, str]


def read_restrictions(form: dict[str, str]) -> RestrictionsRead:
    """Each ticked restriction type's details, validated by the type's own model."""
    restrictions: list[Restriction] = []
    problems: dict[str, str] = {}
    for spec in RESTRICTION_FORMS:
        if form.get(f"restriction-{spec.tag}") != YES:
            continue
        data: dict[str, Any] = {}
        for detail in spec.details:
            name = spec.field_name(detail)
            if detail.widget == "days":
                data[detail.name] = checked(form, name, DAYS)
            else:
                data[detail.name] = form.get(name, "").strip()
        messages = {
            d.name: text
            for d in spec.details
            if (text := _detail_message(d, data[d.name])) is not None
        }
        result = read_form(spec.model, {}, data, messages)
        problems.update({f"{spec.tag}-{k}": v for k, v in result.problems.items()})
        if result.value is not None:
            restrictions.append(result.value)  # type: ignore[arg-type]
    return RestrictionsRead(restrictions, problems)


def restrictions_typed(restrictions: tuple[Restriction, ...]) -> dict[str, str]:
    """The form's fields for restrictions already decided (to start a variation from them)."""
    typed: dict[str, str] = {}
    for restriction in restrictions:
        spec = next(f for f in RESTRICTION_FORMS if isinstance(restriction, f.model))
        typed[f"restriction-{spec.tag}"] = YES
        for detail in spec.details:
            value = getattr(restriction, detail.name)
            name = spec.field_name(detail)
            if detail.widget == "days":
                typed.update({f"{name}-{d.value}": YES for d in value})
            elif isinstance(value, time):
                typed[name] = value.strftime("%H:%M")
            else:
                typed[name] = str(value)
    return typed


def equality_data(form: dict[str, str]) -> dict[str, Any]:
    """The equality fields (checkboxes and lines) as EqualityForm reads them."""
    return {
        **form,
        "reasonable_adjustments_considered": form.get("reasonable_adjustments_considered") == YES,
        "vulnerability_considered": form.get("vulnerability_considered") == YES,
        "equality_act_duties_considered": form.get("equality_act_duties_considered") == YES,
        "adjustments_agreed": lines(form.get("adjustments_agreed", "")),
    }


def impose_data(form: dict[str, str]) -> dict[str, Any]:
    """The Step 2 form's fields as ImposeForm reads them (checkbox groups and lines)."""
    return {
        **equality_data(form),
        "behaviours": checked(form, "behaviour", [b.value for b in Behaviour]),
        "immediate": {YES: True, "no": False}.get(form.get("immediate", "")),
        "immediate_reason": blank_to_none(form.get("immediate_reason")),
        "police_or_legal_action": blank_to_none(form.get("police_or_legal_action")),
    }


def today_typed(name: str, day: date) -> dict[str, str]:
    """A date input's three fields, filled in with `day`."""
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }
