"""Console forms: each problem in the error summary links to the field to correct, a GOV.UK
date input's to its first field (the day), whatever page the form is on."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from console.forms import date_field, read_form


class Window(BaseModel):
    first: date
    note: str


def test_a_date_problem_links_to_its_day_field_and_another_to_the_field() -> None:
    sent = {"first-day": "31", "first-month": "2", "first-year": "2027"}
    result = read_form(Window, sent, data={"first": date_field(sent, "first")})
    assert result.summary is not None
    links = {item["href"] for item in result.summary}
    assert links == {"#first-day", "#note"}
    assert result.error_of("first") is not None
    assert result.value_of("first-day") == "31"  # what was typed stays
