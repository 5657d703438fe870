"""Forms from pydantic models: one model per form, each field's problem shown beside it and in
the error summary (the page title then starts "Error:"), and what the person typed kept.

    result = read_form(RecordCall, visit.form)
    if result.errors:
        return visit.render("x.html", title=..., status=400, form=result, errors=result.summary)
    use(result.value)

Templates read `form.value_of(name)` to refill a field and `form.error_of(name)` for its
`errorMessage` (GOV.UK Frontend's macros take `none` for no error). Dates come from GOV.UK's
date input: three fields `<name>-day`, `<name>-month`, `<name>-year`, read by `date_field`.
The use cases still check everything; an InvalidInput they raise is shown the same way
(`from_invalid`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, Field, ValidationError

from contactguard.domain.model import describe_date
from contactguard.usecases import EARLIEST_DATE, LATEST_DATE
from contactguard.usecases.errors import InvalidInput, reason_of

M = TypeVar("M", bound=BaseModel)


@dataclass
class FormResult(Generic[M]):
    value: M | None
    typed: dict[str, str]
    problems: dict[str, str] = field(default_factory=dict)  # field name -> message

    @property
    def errors(self) -> bool:
        return bool(self.problems)

    @property
    def summary(self) -> list[dict[str, str]] | None:
        """GOV.UK error summary items, each linking to its field (a date to its day)."""
        if not self.problems:
            return None
        return [{"text": text, "href": self._anchor(name)} for name, text in self.problems.items()]

    def _anchor(self, name: str) -> str:
        """A field's id; a GOV.UK date input's first field (its day) when `name` is one."""
        return f"#{name}-day" if f"{name}-day" in self.typed else f"#{name}"

    def value_of(self, name: str, default: str = "") -> str:
        return self.typed.get(name, default)

    def error_of(self, name: str) -> dict[str, str] | None:
        text = self.problems.get(name)
        return {"text": text} if text else None


def empty(typed: dict[str, str] | None = None) -> FormResult[Any]:
    """A form not yet sent (or refilled with defaults)."""
    return FormResult(value=None, typed=dict(typed or {}))


def date_field(form: dict[str, str], name: str) -> str | date | None:
    """A GOV.UK date input's three fields as one value: a date, the text typed when it is no
    date (pydantic then says why), or None when all three are empty."""
    parts = [form.get(f"{name}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    day, month, year = parts
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return "-".join((year, month, day))


# A date typed by a member of staff: the use cases' bounds (a year-1 date is a typing mistake).
StaffDate = Annotated[date, Field(ge=EARLIEST_DATE, le=LATEST_DATE)]


def date_message(form: dict[str, str], name: str, what: str) -> str:
    """GOV.UK's words for what is wrong with a date input's answer: nothing typed, a part
    missing, no real date, or outside StaffDate's bounds. `what` names the date as a sentence
    would ("the date the letter was sent")."""
    parts = {p: form.get(f"{name}-{p}", "").strip() for p in ("day", "month", "year")}
    missing = [p for p, typed in parts.items() if not typed]
    if len(missing) == len(parts):
        return f"Enter {what}"
    subject = what[:1].upper() + what[1:]
    if missing:
        return f"{subject} must include a {' and '.join(missing)}"
    if not isinstance(date_field(form, name), date):
        return f"{subject} must be a real date"
    return (
        f"{subject} must be between {describe_date(EARLIEST_DATE)} and {describe_date(LATEST_DATE)}"
    )


def read_form(
    model: type[M],
    form: dict[str, str],
    data: dict[str, Any] | None = None,
    messages: dict[str, str] | None = None,
) -> FormResult[M]:
    """Validate `data` (default: the form's fields) against `model`. `messages` replaces
    pydantic's words for a field with what a person should read (GOV.UK style: "Enter ...")."""
    typed = {k: v for k, v in form.items() if k != "csrf_token"}
    try:
        return FormResult(
            value=model.model_validate(data if data is not None else typed), typed=typed
        )
    except ValidationError as invalid:
        problems: dict[str, str] = {}
        for problem in invalid.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            if name not in problems:
                problems[name] = (messages or {}).get(name) or _sentence(reason_of(problem))
        return FormResult(value=None, typed=typed, problems=problems)


def from_invalid(error: InvalidInput, typed: dict[str, str]) -> FormResult[Any]:
    """A use case's refusal of input, shown on the form like any other problem."""
    problems: dict[str, str] = {}
    for name, reason in error.problems:
        problems.setdefault(name.split(".")[0] or "form", _sentence(reason))
    return FormResult(value=None, typed=typed, problems=problems)


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else "Check this answer"
