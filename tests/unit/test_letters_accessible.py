"""Issue 17: accessible letters, read from the rendered document's XML for every letter kind:
no text under 12 point (styles, body, footer), real heading styles rather than bold
paragraphs, the document's language UK English, page numbers in the footer, and table heading
rows that repeat on each page."""

from __future__ import annotations

import re
import zipfile
from io import BytesIO

import pytest
from builders import POLICY
from lxml import etree
from test_letters_render import CUSTOMER, STORIES, letter_event

from contactguard.domain.case import LetterKind
from contactguard.domain.letter_kinds import LETTER_KINDS
from contactguard.domain.model import LetterFormat
from letters.content import LetterInputs, draft_letter

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
MIN_HALF_POINTS = 24  # 12 pt: OOXML sizes are in half-points
LARGE_PRINT_HALF_POINTS = 32  # 16 pt
LANGUAGE = "en-GB"


Letter = tuple[LetterKind, dict[str, etree._Element]]  # a kind and its rendered XML parts


def q(name: str) -> str:
    return f"{{{W}}}{name}"


def rendered(kind: LetterKind, large_print: bool = False) -> dict[str, etree._Element]:
    """The rendered letter's XML parts under word/, by name (for a customer whose record asks
    for large print, when told)."""
    story = STORIES[kind]()
    fmt = LetterFormat.LARGE_PRINT if large_print else LetterFormat.STANDARD
    customer = CUSTOMER.model_copy(update={"letter_format": fmt})
    body = draft_letter(
        LetterInputs(
            case=story.current, customer=customer, event=letter_event(story, kind), policy=POLICY
        )
    )
    with zipfile.ZipFile(BytesIO(body)) as docx:
        return {
            name.removeprefix("word/"): etree.fromstring(docx.read(name))
            for name in docx.namelist()
            if re.fullmatch(r"word/[a-z0-9]+\.xml", name)
        }


@pytest.fixture(scope="module", params=list(LetterKind), ids=lambda k: k.value)
def letter(request: pytest.FixtureRequest) -> Letter:
    return request.param, rendered(request.param)


def _style_size(styles: etree._Element, style_id: str) -> int:
    """A paragraph or character style's size, following basedOn to the document default."""
    seen = set()
    while style_id and style_id not in seen:
        seen.add(style_id)
        style = styles.find(f"w:style[@w:styleId='{style_id}']", NS)
        assert style is not None, f"style {style_id} is used but not defined"
        size = style.find("w:rPr/w:sz", NS)
        if size is not None:
            return int(size.get(q("val")))
        based = style.find("w:basedOn", NS)
        style_id = based.get(q("val")) if based is not None else ""
    default = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:sz", NS)
    assert default is not None, "no default size: Word would use 10 pt"
    return int(default.get(q("val")))


def _content_parts(parts: dict[str, etree._Element]) -> dict[str, etree._Element]:
    return {
        n: x for n, x in parts.items() if re.fullmatch(r"(document|footer\d*|header\d*)\.xml", n)
    }


def _smallest_size(parts: dict[str, etree._Element]) -> int:
    """The smallest size any text of the letter can be, in half-points: its styles in use
    (following basedOn to the default), direct formatting, the footer's style."""
    styles = parts["styles.xml"]
    sizes = [_style_size(styles, "Normal")]
    for name, part in _content_parts(parts).items():
        # direct formatting on a run or paragraph
        sizes += [int(size.get(q("val"))) for size in part.iter(q("sz"), q("szCs"))]
        used = {s.get(q("val")) for s in part.iter(q("pStyle"), q("rStyle"))} | {"Normal"}
        sizes += [_style_size(styles, style_id) for style_id in used]
        if name.startswith("footer"):  # a footer paragraph with no style is in Footer's size
            sizes.append(_style_size(styles, "Footer"))
    return min(sizes)


def test_no_text_is_under_12_point(letter: Letter) -> None:
    _, parts = letter
    assert _smallest_size(parts) >= MIN_HALF_POINTS
    assert _style_size(parts["styles.xml"], "Normal") == MIN_HALF_POINTS  # standard print


@pytest.mark.parametrize(
    "kind", [k for k in LetterKind if not LETTER_KINDS[k].internal], ids=lambda k: k.value
)
def test_a_large_print_customer_gets_every_letter_at_16_point_or_more(kind: LetterKind) -> None:
    """The adjustment on the customer's record: the same template, every size grown (body
    16 point, the title larger), still real heading styles in UK English."""
    parts = rendered(kind, large_print=True)
    styles = parts["styles.xml"]
    assert _smallest_size(parts) >= LARGE_PRINT_HALF_POINTS
    assert _style_size(styles, "Normal") == LARGE_PRINT_HALF_POINTS
    assert _style_size(styles, "Heading1") > _style_size(styles, "Heading2") >= 32
    default = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert default is not None
    assert default.get(q("val")) == LANGUAGE


def test_the_review_pack_is_never_large_print() -> None:
    """An internal document for the Head of Service: the customer's adjustment is not theirs."""
    parts = rendered(LetterKind.REVIEW_PACK, large_print=True)
    assert _style_size(parts["styles.xml"], "Normal") == MIN_HALF_POINTS


def test_headings_are_heading_styles_not_bold_paragraphs(letter: Letter) -> None:
    kind, parts = letter
    body = parts["document.xml"].find("w:body", NS)
    assert body is not None
    levels = {
        p.find("w:pPr/w:pStyle", NS).get(q("val"))
        for p in body.findall("w:p", NS)
        if p.find("w:pPr/w:pStyle", NS) is not None
    }
    assert "Heading1" in levels, "the letter's title is a Heading 1"
    assert "Heading2" in levels, "its sections are Heading 2"
    for paragraph in body.findall("w:p", NS):  # paragraphs of the body, not table cells
        runs = [r for r in paragraph.findall("w:r", NS) if "".join(r.itertext()).strip()]
        bold = [r for r in runs if r.find("w:rPr/w:b", NS) is not None]
        text = "".join(paragraph.itertext())
        assert not runs or len(bold) < len(runs), f"{kind}: a bold paragraph: {text!r}"
    for level in ("Heading1", "Heading2"):
        style = parts["styles.xml"].find(f"w:style[@w:styleId='{level}']", NS)
        assert style is not None
        fonts = style.find("w:rPr/w:rFonts", NS)
        assert fonts is not None
        assert fonts.get(q("asciiTheme")) is None


def test_the_document_s_language_is_uk_english(letter: Letter) -> None:
    _, parts = letter
    default = parts["styles.xml"].find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert default is not None
    assert default.get(q("val")) == LANGUAGE
    for name, part in parts.items():
        for lang in part.iter(q("lang")):
            assert lang.get(q("val")) == LANGUAGE, name
        for lang in part.iter(q("themeFontLang")):
            assert lang.get(q("val")) == LANGUAGE, name


def test_the_footer_numbers_the_pages(letter: Letter) -> None:
    _, parts = letter
    footers = [x for n, x in parts.items() if n.startswith("footer")]
    instructions = [f.get(q("instr")).strip() for x in footers for f in x.iter(q("fldSimple"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    text = "".join(footers[0].itertext())
    assert " | page 1 of 1" in text


def test_table_heading_rows_repeat_on_each_page(letter: Letter) -> None:
    _, parts = letter
    for table in parts["document.xml"].iter(q("tbl")):
        first = table.find("w:tr", NS)
        assert first is not None
        assert first.find("w:trPr/w:tblHeader", NS) is not None
