"""Strict DOCX rendering: fill a Word template with docxtpl, and check what it produced.

`render(prepared)` fills the template a prepared letter names and checks the document it
produced still carries each piece of required text, so a template edited in Word cannot
silently drop the appeal route or the Ombudsman (TemplateFault, with problem codes). What a
letter of each kind says, and must say, is built in `letters.content`; nothing here knows one
kind of letter from another.

Rendering is strict: an undefined placeholder is an error (StrictUndefined), a None value is
an error, and every value is escaped as text, so customer text holding `<`, `&`, `{{ }}` or
Word XML appears literally.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment, StrictUndefined, TemplateError
from markupsafe import Markup, escape

from contactguard.domain.model import BIDI_CONTROLS, one_line

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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
class PreparedLetter:
    """A letter ready to render: its template, its context and the text it must carry."""

    letter_id: str
    template_name: str  # a file in the templates folder
    context: dict[str, Any]
    required: tuple[tuple[str, str], ...]  # (content item, text the document must contain)
    chart_png: bytes | None = None


# Characters XML 1.0 cannot carry, and those docxtpl would turn into structure (\a, \f).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


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
