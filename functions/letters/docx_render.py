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
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any, Protocol

import docx
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import BaseLoader, Environment, StrictUndefined, Template, TemplateError
from lxml import etree
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
    large_print: bool = False  # the customer's adjustment: every size 16 point or more


BLOCKS_FOLDER = "blocks"  # shared blocks: templates/blocks/<name>.docx
PACKAGED_VERSION = "packaged"


def block_file(name: str) -> str:
    """The file a `{%p include "name" %}` line names."""
    return f"{BLOCKS_FOLDER}/{name}.docx"


@dataclass(frozen=True)
class TemplateFile:
    """One Word file a letter is filled from: a letter's template or a shared block."""

    name: str  # e.g. "restrictions.docx" or "blocks/appeal-rights.docx"
    body: bytes
    version: str  # "packaged", or the published object's version


class TemplateFiles(Protocol):
    """Where template files come from: the packaged folder, or what an administrator
    published over it (letters.template_store)."""

    def get(self, name: str) -> TemplateFile | None:
        """The file, or None when there is none of that name."""


@dataclass(frozen=True)
class PackagedTemplates:
    """The templates shipped with the code (functions/letters/templates)."""

    folder: Path = TEMPLATES_DIR

    def get(self, name: str) -> TemplateFile | None:
        path = self.folder / name
        if ".." in Path(name).parts or not path.is_file():
            return None
        return TemplateFile(name=name, body=path.read_bytes(), version=PACKAGED_VERSION)


PACKAGED = PackagedTemplates()

_XMLNS = re.compile(r'\s+xmlns:([A-Za-z0-9]+)="([^"]*)"')
_INCLUDE = re.compile(r"\{%-?\s*include\b")


def block_xml(body: bytes, declared: Mapping[str | None, str] | None = None) -> str:
    """A shared block's body as template text: its paragraphs and tables (never its page
    settings), patched as docxtpl patches a letter's own, namespace declarations the letter
    already makes left out."""
    source = DocxTemplate(BytesIO(body))
    elements = [
        etree.tostring(child, encoding="unicode")
        for child in source.get_docx().element.body
        if not child.tag.endswith("}sectPr")
    ]
    known = {prefix: uri for prefix, uri in (declared or {}).items() if prefix}

    def keep_unknown(m: re.Match[str]) -> str:
        return "" if known.get(m.group(1)) == m.group(2) else m.group(0)

    return str(source.patch_xml(_XMLNS.sub(keep_unknown, "".join(elements))))


class UnknownBlock(TemplateError):
    """A `{%p include %}` names no shared block, or a block includes another."""


# A shared block's compiled template, by its file and version, the namespaces the letter
# declares and the environment's output settings: every letter includes the same few blocks,
# so each is read from its Word file and compiled once per process, not once per letter (a
# published change is a new version).
_COMPILED: dict[tuple[Any, ...], Any] = {}
_COMPILED_MAX = 64


@dataclass(eq=False)
class BlockLoader(BaseLoader):
    """Jinja's loader for `{%p include "appeal-rights" %}`: the shared block's Word file,
    compiled once per process (`load`, in place of jinja's compile-every-time default)."""

    files: TemplateFiles
    declared: Mapping[str | None, str]
    used: list[TemplateFile]

    def _found(self, template: str) -> TemplateFile:
        found = self.files.get(block_file(template))
        if found is None:
            raise UnknownBlock(f"there is no shared block called {template!r}")
        return found

    def _source(self, template: str, found: TemplateFile) -> str:
        xml = block_xml(found.body, self.declared)
        if _INCLUDE.search(xml):
            raise UnknownBlock(f"the shared block {template!r} includes another block")
        return xml

    def load(
        self,
        environment: Environment,
        name: str,
        globals: MutableMapping[str, Any] | None = None,
    ) -> Template:
        found = self._found(name)
        namespaces = tuple(sorted((prefix or "", uri) for prefix, uri in self.declared.items()))
        # compiled code is bound to how its environment escapes and finalises output
        settings = (environment.finalize, environment.autoescape, environment.undefined)
        key = (found.name, found.version, hash(found.body), namespaces, settings)
        code = _COMPILED.get(key)
        if code is None:
            code = environment.compile(self._source(name, found), name)
            if len(_COMPILED) >= _COMPILED_MAX:
                _COMPILED.clear()
            _COMPILED[key] = code
        self.used.append(found)
        return environment.template_class.from_code(
            environment, code, environment.make_globals(globals), None
        )


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
    template: Path | BytesIO,
    context: dict[str, Any],
    chart: bytes | None = None,
    blocks: TemplateFiles | None = None,
) -> bytes:
    """Fill one Word template (its shared blocks from `blocks`); raises jinja2.TemplateError
    for an undefined placeholder or an unknown block."""
    document = _fill(template, context, chart, blocks or PACKAGED, [])
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _fill(
    template: Path | BytesIO,
    context: dict[str, Any],
    chart: bytes | None,
    files: TemplateFiles,
    used: list[TemplateFile],
) -> DocxTemplate:
    document = DocxTemplate(template)
    if chart is not None:
        context = {**context, "chart": InlineImage(document, BytesIO(chart), width=Mm(165))}
    declared = document.get_docx().element.nsmap
    env = jinja_env()
    env.loader = BlockLoader(files, declared, used)
    document.render(context, jinja_env=env, autoescape=True)
    return document


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


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_INLINE = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}inline"


def _text_of(element: Any) -> str:
    """Each paragraph's text (tables' included), one per line, read from the XML tree."""
    return "\n".join(
        "".join(t.text or "" for t in paragraph.iter(f"{_W}t"))
        for paragraph in element.iter(f"{_W}p")
    )


def _filled_text(document: DocxTemplate) -> str:
    """The filled letter's text (body, headers and footers) from the document in memory:
    what it says, without saving and parsing it again."""
    word = document.docx  # never get_docx(): after rendering, that reloads the template
    parts = [word.element.body]
    for rel in word.part.rels.values():
        if rel.reltype in (document.HEADER_URI, document.FOOTER_URI):
            parts.append(rel.target_part.element)
    return "\n".join(_text_of(part) for part in parts)


LARGE_PRINT_HALF_POINTS = 32  # 16 point: RNIB's large print starts there
LARGE_PRINT_SCALE = 4 / 3  # 12 point body to 16; a 14 point title to 19


def enlarge(document: DocxTemplate) -> None:
    """Large print, from the same template: every font size the letter sets (its styles, the
    document's default and any size set on text) grows by a third and is never under 16
    point, so an administrator keeps one template per letter, never a large-print copy."""
    word = document.docx
    styles = word.styles.element
    defaults = styles.find(f"{_W}docDefaults")
    if defaults is not None:  # a default with no size would leave Word's 10 point
        r_pr = defaults.find(f"{_W}rPrDefault/{_W}rPr")
        if r_pr is not None and r_pr.find(f"{_W}sz") is None:
            etree.SubElement(r_pr, f"{_W}sz", {f"{_W}val": "24"})
    parts = [styles, word.element.body]
    for rel in word.part.rels.values():
        if rel.reltype in (document.HEADER_URI, document.FOOTER_URI):
            parts.append(rel.target_part.element)
    for part in parts:
        for size in part.iter(f"{_W}sz", f"{_W}szCs"):
            old = int(size.get(f"{_W}val") or 24)
            new = max(LARGE_PRINT_HALF_POINTS, round(old * LARGE_PRINT_SCALE))
            size.set(f"{_W}val", str(new))


def _squash(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Rendered:
    """A filled letter and the template files it was filled from (name and version)."""

    docx: bytes
    sources: tuple[TemplateFile, ...]
    body_text: str = ""  # the letter's body, one paragraph per line (for its email version)

    @property
    def provenance(self) -> str:
        """For the stored object's metadata: e.g. `restrictions.docx@packaged,...`."""
        return ",".join(f"{f.name}@{f.version}" for f in self.sources)


def render(
    prepared: PreparedLetter,
    templates_dir: Path | None = None,
    files: TemplateFiles | None = None,
) -> bytes:
    """The filled DOCX. TemplateFault when the template is broken or dropped required content."""
    source = files or (PackagedTemplates(templates_dir) if templates_dir else PACKAGED)
    return render_letter(prepared, source).docx


def render_letter(prepared: PreparedLetter, files: TemplateFiles = PACKAGED) -> Rendered:
    """Fill the letter's template and its shared blocks from `files`, then check the filled
    document still says each piece of required content."""
    template = files.get(prepared.template_name)
    if template is None:
        raise TemplateFault(["template-missing"])
    used = [template]
    try:
        document = _fill(BytesIO(template.body), prepared.context, prepared.chart_png, files, used)
    except UnknownBlock as error:
        raise TemplateFault(["template-unknown-block"]) from error
    except TemplateError as error:
        raise TemplateFault(["template-error"]) from error
    text = _squash(_filled_text(document))
    lacking = [
        f"template-lacks-{item}"
        for item, needed in prepared.required
        if _squash(needed) not in text
    ]
    if (
        prepared.chart_png is not None
        and next(document.docx.element.body.iter(_INLINE), None) is None
    ):
        lacking.append("template-lacks-chart")
    if lacking:
        raise TemplateFault(lacking)
    if prepared.large_print:
        enlarge(document)
    out = BytesIO()
    document.save(out)
    return Rendered(
        docx=out.getvalue(),
        sources=tuple(dict.fromkeys(used)),
        body_text=_text_of(document.docx.element.body),
    )
