"""Regenerate the letter templates (`templates/*.docx`) with python-docx.

    .venv/bin/python -m contactguard_local.letter_templates   # into functions/letters/templates
    .venv/bin/python -m contactguard_local.letter_templates --out DIR  # elsewhere, to compare

The generated files are committed, and staff may then edit them in Word: wording, letterhead,
layout. Placeholders (docs/letter-templates.md lists them) must stay whole, and the letters
function refuses to issue a letter whose template no longer carries its required content.
Running this script again overwrites staff edits: compare first.

Output is byte-for-byte reproducible (fixed dates in the document properties and the zip).
"""

from __future__ import annotations

import argparse
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime
from io import BytesIO
from pathlib import Path

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import BaseStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from contactguard.domain.letter_kinds import LETTER_KINDS, LetterKind
from letters.docx_render import BLOCKS_FOLDER, TEMPLATES_DIR, block_file

FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)
Run = str | tuple[str, str]  # text, or (text, "b") for bold / (text, "i") for italic


# A small vocabulary for writing letters ------------------------------------------------


BODY_PT = 12  # the smallest text in any letter (RNIB's clear print guidance: 12 point)
LANGUAGE = "en-GB"  # the document's language: spell-checkers and screen readers read UK English
# (style, size in points, bold, space before): headings are real heading styles, so a
# screen reader lists them and Word's navigation pane shows them.
HEADING_STYLES = (("Heading 1", 14, True, 6), ("Heading 2", 12, True, 8))
LETTERHEAD_STYLE, CONFIDENTIAL_STYLE = "Letterhead", "Confidential"


def _plain_font(style: BaseStyle, name: str = "Arial") -> None:
    """Arial for every script: the theme's fonts (Calibri Light for headings) are removed."""
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attribute}"), None)
    for attribute in ("ascii", "hAnsi", "cs"):
        fonts.set(qn(f"w:{attribute}"), name)


def _language(document: Document) -> None:
    """UK English throughout: the default run properties, every style and the settings."""
    styles = document.styles.element
    for lang in styles.iter(qn("w:lang")):
        lang.set(qn("w:val"), LANGUAGE)
    defaults = styles.find(qn("w:docDefaults"))
    assert defaults is not None
    r_pr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    assert r_pr is not None
    if r_pr.find(qn("w:lang")) is None:
        r_pr.append(OxmlElement("w:lang"))
    r_pr.find(qn("w:lang")).set(qn("w:val"), LANGUAGE)
    for size in r_pr.iter(qn("w:sz"), qn("w:szCs")):
        size.set(qn("w:val"), str(BODY_PT * 2))
    for font_lang in document.settings.element.iter(qn("w:themeFontLang")):
        font_lang.set(qn("w:val"), LANGUAGE)
    document.core_properties.language = LANGUAGE


def _styles(document: Document) -> None:
    normal = document.styles["Normal"]
    _plain_font(normal)
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    _plain_font(document.styles["List Bullet"])
    for name, size, bold, before in HEADING_STYLES:
        style = document.styles[name]
        _plain_font(style)
        style.font.size, style.font.bold, style.font.italic = Pt(size), bold, False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(before)
        style.paragraph_format.space_after = Pt(4)
        style.paragraph_format.keep_with_next = True
    for name, size in ((LETTERHEAD_STYLE, 16), (CONFIDENTIAL_STYLE, BODY_PT)):
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.font.size, style.font.bold = Pt(size), True
    document.styles[LETTERHEAD_STYLE].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for name in ("Footer", "Table Grid"):
        document.styles[name].font.size = Pt(BODY_PT)
    document.styles["Footer"].font.color.rgb = RGBColor(0x40, 0x40, 0x40)  # 10:1 on white
    _language(document)


def new_letter(title: str) -> Document:
    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)  # A4
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(15), Mm(20)
    _styles(document)
    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, "contactguard", "contactguard"
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    props.comments = "Generated by contactguard_local/letter_templates.py; staff may edit in Word."
    return document


def para(
    document: Document,
    *runs: Run,
    style: str | None = None,
    align: str | None = None,
    after: float | None = None,
    keep: bool = False,
) -> None:
    paragraph = document.add_paragraph(style=style)
    if keep:  # keep with the next paragraph: no heading or signature alone at a page foot
        paragraph.paragraph_format.keep_with_next = True
    for run in runs:
        text, fmt = (run, "") if isinstance(run, str) else run
        added = paragraph.add_run(text)
        added.bold = "b" in fmt or None
        added.italic = "i" in fmt or None
    if align == "right":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)


def tag(document: Document, text: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag ({%p ... %}): removed when rendered."""
    para(document, text, after=0)


def heading(document: Document, text: str, level: int = 2) -> None:
    """A real heading (Heading 1 the letter's title, Heading 2 its sections)."""
    para(document, text, style=f"Heading {level}")


def bullets(document: Document, loop: str, *runs: Run) -> None:
    """One bullet per item: `loop` is e.g. "b in behaviours"."""
    tag(document, f"{{%p for {loop} %}}")
    para(document, *runs, style="List Bullet", after=3)
    tag(document, "{%p endfor %}")


def include(document: Document, block: str) -> None:
    """A line naming a shared block (`{%p include "appeal-rights" %}`): the block's paragraphs
    take its place when a letter is drafted."""
    tag(document, f'{{%p include "{block}" %}}')


def letterhead_block(document: Document) -> None:
    """The organisation's name and address (its details: contactguard.organisation), then,
    on a letter that is posted, the customer's name and address."""
    para(document, "{{ org.name }}", style=LETTERHEAD_STYLE, after=0)
    tag(document, "{%p for line in org.address_lines %}")
    para(document, "{{ line }}", align="right", after=0)
    tag(document, "{%p endfor %}")
    para(document, "", after=12)
    tag(document, "{%p if not internal %}")
    para(document, "PRIVATE AND CONFIDENTIAL", style=CONFIDENTIAL_STYLE, after=2)
    para(document, "{{ customer_name }}", after=0)
    tag(document, "{%p for line in address_lines %}")
    para(document, "{{ line }}", after=0)
    tag(document, "{%p endfor %}")
    para(document, "{{ postcode }}", after=12)
    tag(document, "{%p endif %}")
    para(document, "Our reference: ", "{{ reference }}", align="right", after=0)
    para(document, "Date: ", "{{ letter_date }}", align="right", after=12)


def letterhead(document: Document) -> None:
    """The shared letterhead, and the footer on every page."""
    include(document, "letterhead")
    footer = document.sections[0].footer.paragraphs[0]
    # On one line at 12 point: the name, the reference and the letter's id, the page.
    footer.text = "{{ org.name }} | {{ reference }} | {{ letter_id }} | page "
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) Word and LibreOffice fill in when they lay the page out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = paragraph.add_run("1")
    run._r.addnext(field)
    field.append(run._r)


def opening(document: Document, title: str) -> None:
    para(document, "Dear {{ customer_name }}", after=10)
    heading(document, title, level=1)


def sign_off(document: Document) -> None:
    para(document, "Yours sincerely", after=30, keep=True)
    tag(document, "{%p for line in signature %}")
    para(document, "{{ line }}", after=0, keep=True)
    tag(document, "{%p endfor %}")


def behaviour_list(document: Document, intro: str) -> None:
    para(document, intro, keep=True)
    bullets(document, "b in behaviours", "{{ b }}")


def restriction_block(document: Document, dates: str, *, review: bool = True) -> None:
    heading(document, "The restrictions")
    bullets(document, "r in restrictions", ("{{ r.title }}: ", "b"), "{{ r.details }}")
    heading(document, "When they apply")
    para(document, dates)
    if review:
        para(
            document,
            "We will review the restrictions before they end. The review date is "
            "{{ review_on }}: the Head of Service will look at your contact with us over the "
            "year and decide whether to end the restrictions or extend them, and we will write "
            "to you with the outcome.",
        )
    # The equality duties considered, and what was agreed, belong to the decision: said
    # before "How you can contact us now", never under it.
    tag(document, "{%p if equality_considered %}")
    para(document, "{{ equality_considered }}")
    tag(document, "{%p endif %}")
    tag(document, "{%p if adjustments %}")
    para(document, "To meet your needs, we will also:")
    bullets(document, "a in adjustments", "{{ a }}")
    tag(document, "{%p endif %}")
    include(document, "contact-now")


def contact_now_block(document: Document) -> None:
    """'How you can contact us now', generated from the restrictions (letters.contact_now)."""
    heading(document, "How you can contact us now")
    bullets(document, "r in contact.routes", ("{{ r.how }}: ", "b"), "{{ r.text }}")
    tag(document, "{%p if contact.everywhere %}")
    para(document, "Whichever way you contact us: {{ contact.everywhere }}")
    tag(document, "{%p endif %}")
    tag(document, "{%p if contact.closed %}")
    para(document, "{{ contact.closed }}")
    tag(document, "{%p endif %}")
    para(document, ("In an emergency: ", "b"), "{{ contact.emergency }}")


def appeal_block(document: Document) -> None:
    """s.5: the right to appeal, by when, where (post and email) and how without writing."""
    heading(document, "Your right to appeal")
    para(
        document,
        "If you disagree with this decision, you can ask for an independent review. A member "
        "of our Executive Team who took no part in the decision will carry it out, within "
        "{{ review_working_days }} working days of receiving your request.",
    )
    para(
        document,
        "Write to the ",
        ("{{ appeal_route }}", "b"),
        " within {{ appeal_working_days }} working days of the date of this letter, that is ",
        ("by {{ appeal_deadline }}", "b"),
        ". Please quote reference {{ reference }} and tell us why you think the decision is wrong.",
        keep=True,
    )
    bullets(document, "a in appeal_to", ("{{ a.how }}: ", "b"), "{{ a.text }}")
    para(
        document,
        "If you cannot write, someone else (an advocate, a friend or a family member) can "
        "appeal for you, or you can ask our adjustments team to take your appeal by telephone "
        "or to help you put it in writing (their details are below).",
    )
    para(document, "The restrictions stay in place while your appeal is considered.")


def ombudsman_block(document: Document) -> None:
    """s.5: the Ombudsman that handles this landlord's housing complaints, reachable by
    telephone, post and online (and any other the organisation names)."""
    heading(document, "If you remain unhappy")
    para(
        document,
        "You can ask an independent ombudsman to look at how we have dealt with this. The ",
        ("{{ org.ombudsman.name }}", "b"),
        " deals with {{ org.ombudsman.handles }}:",
        keep=True,
    )
    bullets(document, "o in ombudsman_routes", ("{{ o.how }}: ", "b"), "{{ o.text }}")
    tag(document, "{%p for o in org.other_ombudsmen %}")
    para(
        document,
        "The {{ o.name }} deals with {{ o.handles }}: telephone {{ o.telephone }}, write to "
        "{{ o.address }}, or go to {{ o.website }}.",
    )
    tag(document, "{%p endfor %}")


def help_block(document: Document) -> None:
    """Reasonable adjustments, reachable: telephone, Relay UK and email (every posted letter);
    under restrictions, that these stay open for an adjustment (and for help to appeal, in a
    letter that offers an appeal)."""
    heading(document, "If you need help")
    para(
        document,
        "If you need this letter in another format (such as large print, Braille or audio) or "
        "language, or you need support to contact us (for example through an advocate), please "
        "contact our adjustments team and we will consider reasonable adjustments: telephone "
        "{{ org.adjustments_telephone }}, Relay UK {{ org.relay_uk }}, or email "
        "{{ org.adjustments_email }}.{% if restrictions_in_force %} You can contact them in "
        "these ways about an adjustment{% if appealable %}, or for help to appeal,{% endif %} "
        "while the restrictions are in force.{% endif %}",
    )


def concern_recalled(document: Document) -> None:
    """The Step 1 letter, by the date it carries, when it was sent."""
    tag(document, "{%p if concern_sent_on %}")
    para(
        document,
        "We wrote to you on {{ concern_sent_on }} about the way you were contacting us and "
        "asked you to change it.",
    )
    tag(document, "{%p endif %}")


def rights_blocks(document: Document) -> None:
    """A decision on restrictions: the appeal, the Ombudsman and help, in that order."""
    include(document, "appeal-rights")
    include(document, "ombudsman")
    include(document, "help")


# The letters -------------------------------------------------------------------------------


def concern() -> Document:
    """Step 1 (policy s.4): why the behaviour causes concern, a chance to change, what next."""
    d = new_letter("Concern about your contact with us")
    letterhead(d)
    opening(d, "Your contact with us: our concern")
    para(
        d,
        "I am writing because of the way you have been contacting us recently. We want to "
        "help you, but some of your contact has caused us concern.",
    )
    behaviour_list(d, "In particular, we are concerned about:")
    para(d, "What we have noticed: {{ note }}")
    tag(d, "{%p if incidents %}")
    para(d, "The contact we mean:")
    bullets(d, "i in incidents", "{{ i }}")
    tag(d, "{%p endif %}")
    heading(d, "Why this causes concern")
    para(
        d,
        "Contact like this takes up a disproportionate amount of our staff's time and can "
        "cause them distress. It also makes it harder for us to deal with your enquiries, and "
        "with those of our other customers, fairly and in good time.",
    )
    heading(d, "A chance to change")
    para(
        d,
        "We are asking you to change the way you contact us from now on: please treat our "
        "staff with courtesy, use one route of contact for each issue, and give us reasonable "
        "time to respond. We will continue to deal with your enquiries as normal.",
    )
    heading(d, "What may happen if the behaviour continues")
    para(
        d,
        "If the behaviour continues, your case may be passed to our Head of Service, who may "
        "decide to restrict how you can contact us for {{ restriction_months }} months. For "
        "example, we may only accept contact by letter, through a named person or at set "
        "times, or may see you by appointment only. Where behaviour threatens the safety of "
        "our staff we may also contact the police or take legal action.",
    )
    include(d, "help")
    sign_off(d)
    return d


def concern_closed() -> Document:
    """Step 1 closed (policy s.4): the behaviour changed, no restrictions follow."""
    d = new_letter("Your contact with us: concern closed")
    letterhead(d)
    opening(d, "Your contact with us: our concern is closed")
    concern_recalled(d)
    para(d, "Since then, the way you contact us has changed. Thank you.")
    para(d, ("Decision: ", "b"), "{{ decision }}")
    heading(d, "Contacting us")
    para(
        d,
        "You can continue to contact us in the usual ways, and we will continue to deal with "
        "your enquiries as normal: telephone {{ org.telephone }} ({{ org.telephone_hours }}), "
        "or write to us at {{ org.contact_address }}.",
    )
    include(d, "help")
    sign_off(d)
    return d


def restrictions() -> Document:
    """Step 2 (policy s.4): the Head of Service's restrictions, told to the customer."""
    d = new_letter("Restrictions on your contact with us")
    letterhead(d)
    opening(d, "Restrictions on how you contact us")
    concern_recalled(d)
    para(
        d,
        "As Head of Service, I have reviewed your contact with us since then and have decided "
        "to restrict how you can contact us, under our policy on unacceptable customer "
        "behaviour.",
    )
    behaviour_list(d, "This decision is about:")
    para(d, "My reasons: {{ reason }}")
    restriction_block(
        d,
        "These restrictions take effect from the date of this letter, {{ starts_on }}, and "
        "apply for {{ restriction_months }} months, up to and including {{ last_day }}.",
    )
    rights_blocks(d)
    sign_off(d)
    return d


def immediate_restrictions() -> Document:
    """Step 2 without prior warning (policy s.4: extreme or threatening behaviour)."""
    d = new_letter("Immediate restrictions on your contact with us")
    letterhead(d)
    opening(d, "Immediate restrictions on how you contact us")
    para(
        d,
        "As Head of Service, I have decided to restrict how you can contact us with immediate "
        "effect, without a prior warning, because of the seriousness of your behaviour: "
        "{{ immediate_reason }}",
    )
    behaviour_list(d, "This decision is about:")
    para(d, "My reasons: {{ reason }}")
    tag(d, "{%p if police_or_legal_action %}")
    para(d, "We have also taken the following action: {{ police_or_legal_action }}")
    tag(d, "{%p endif %}")
    restriction_block(
        d,
        "These restrictions took effect on {{ starts_on }}, when the decision was made, and "
        "apply for {{ restriction_months }} months, up to and including {{ last_day }}.",
    )
    rights_blocks(d)
    sign_off(d)
    return d


def review_extended() -> Document:
    """The twelve-month review (policy s.6): restrictions extended, with a new right of appeal."""
    d = new_letter("Review of the restrictions: extended")
    letterhead(d)
    opening(d, "Review of the restrictions on how you contact us")
    para(
        d,
        "We have reviewed the restrictions on how you contact us, which were due to end on "
        "{{ previous_ends_on }}. As Head of Service, I have looked at your contact with us "
        "over the last year and have decided to extend them for a further "
        "{{ restriction_months }} months.",
    )
    behaviour_list(d, "This decision is about:")
    para(d, "My reasons: {{ reason }}")
    restriction_block(
        d,
        "The restrictions continue from {{ starts_on }} up to and including {{ last_day }}.",
    )
    rights_blocks(d)
    sign_off(d)
    return d


def restrictions_varied() -> Document:
    """Policy s.4 and s.5: the Head of Service varies the restrictions in force during their
    period; what applies now, why, the unchanged end date, and a new right of appeal."""
    d = new_letter("Changes to the restrictions on your contact with us")
    letterhead(d)
    opening(d, "Changes to the restrictions on how you contact us")
    tag(d, "{%p if previous_letter_on %}")
    para(
        d,
        "We wrote to you on {{ previous_letter_on }} about the restrictions on how you can "
        "contact us.",
    )
    tag(d, "{%p endif %}")
    para(
        d,
        "As Head of Service, I have decided to change those restrictions. The restrictions "
        "below replace them: they are all the restrictions that now apply to you.",
    )
    behaviour_list(d, "The restrictions are about:")
    para(d, "My reasons for the change: {{ reason }}")
    restriction_block(
        d,
        "The restrictions as changed apply from {{ starts_on }}, when the decision was made. "
        "The end date does not change: they apply up to and including {{ last_day }}.",
    )
    rights_blocks(d)
    sign_off(d)
    return d


def appeal_acknowledgement() -> Document:
    """Policy s.5: the Customer Experience Team logs the appeal."""
    d = new_letter("Your appeal: acknowledgement")
    letterhead(d)
    opening(d, "Your appeal")
    para(d, "Thank you for your appeal, which we received on {{ appeal_received_on }}.")
    tag(d, "{%p if late %}")
    para(
        d,
        "Your appeal reached us after the time allowed, but we have accepted it and will "
        "consider it in full.",
    )
    tag(d, "{%p endif %}")
    para(
        d,
        "A member of our Executive Team who took no part in the decision will review it "
        "independently. We will write to you with the outcome by {{ review_due_on }} (within "
        "{{ review_working_days }} working days).",
    )
    para(
        d,
        "The restrictions on how you contact us stay in place while your appeal is considered.",
    )
    include(d, "contact-now")
    include(d, "help")
    sign_off(d)
    return d


def appeal_review_delayed() -> Document:
    """Policy s.5 and the Housing Ombudsman's code: the review needs longer than the date we
    gave; the new date, why, and that the restrictions stay in place meanwhile."""
    d = new_letter("Your appeal: the review will take longer")
    letterhead(d)
    opening(d, "Your appeal: the review will take longer")
    para(d, "We received your appeal on {{ appeal_received_on }}.")
    para(
        d,
        "We are sorry, but the independent review of your appeal needs more time than we told you.",
    )
    para(d, "Why we need more time: {{ reason }}")
    para(d, "We will write to you with the outcome of your appeal by {{ review_due_on }}.")
    para(
        d,
        "The restrictions on how you contact us stay in place while your appeal is considered.",
    )
    include(d, "contact-now")
    include(d, "help")
    sign_off(d)
    return d


def late_appeal_declined() -> Document:
    """Policy s.5: an appeal received after the window, not accepted; the restrictions stay."""
    d = new_letter("Your appeal: not accepted")
    letterhead(d)
    opening(d, "Your appeal: not accepted")
    para(d, "Thank you for your appeal, which we received on {{ appeal_received_on }}.")
    tag(d, "{%p if window_closed_on %}")
    para(
        d,
        "An appeal must reach us within {{ appeal_working_days }} working days of the date of "
        "the letter that told you of the decision. For our letter of {{ decision_letter_on }}, "
        "that was by {{ window_closed_on }}, so your appeal reached us after the time allowed.",
    )
    tag(d, "{%p else %}")
    para(d, "Your appeal reached us after the time allowed.")
    tag(d, "{%p endif %}")
    para(d, "We have considered whether to accept it late.")
    para(d, ("Decision: ", "b"), "{{ decision }}")
    para(d, "Reasons: {{ reason }}")
    restriction_block(
        d,
        "The restrictions started on {{ starts_on }} and stay in place up to and including "
        "{{ last_day }}.",
    )
    para(d, "This ends our appeal process for this decision.")
    include(d, "ombudsman")
    include(d, "help")
    sign_off(d)
    return d


def _outcome_opening(d: Document) -> None:
    opening(d, "The outcome of your appeal")
    para(
        d,
        "A member of our Executive Team who took no part in the original decision has "
        "independently reviewed your appeal, which we received on {{ appeal_received_on }}.",
    )
    para(d, ("Decision: ", "b"), "{{ decision }}")
    para(d, "Reasons: {{ reason }}")


def appeal_upheld() -> Document:
    d = new_letter("Your appeal: upheld")
    letterhead(d)
    _outcome_opening(d)
    para(
        d,
        "The restrictions on how you contact us were lifted on {{ letter_date }}. You may "
        "contact us in the usual ways from that date.",
    )
    include(d, "ombudsman")
    include(d, "help")
    sign_off(d)
    return d


def appeal_dismissed() -> Document:
    d = new_letter("Your appeal: not upheld")
    letterhead(d)
    _outcome_opening(d)
    restriction_block(
        d,
        "The restrictions started on {{ starts_on }} and stay in place up to and including "
        "{{ last_day }}.",
    )
    para(d, "This completes our independent review.")
    include(d, "ombudsman")
    include(d, "help")
    sign_off(d)
    return d


def appeal_varied() -> Document:
    d = new_letter("Your appeal: restrictions changed")
    letterhead(d)
    _outcome_opening(d)
    behaviour_list(d, "The restrictions concern:")
    restriction_block(
        d,
        "The restrictions as changed apply from {{ starts_on }}. The end date does not "
        "change: the last day they apply is {{ last_day }}.",
    )
    para(d, "This completes our independent review.")
    include(d, "ombudsman")
    include(d, "help")
    sign_off(d)
    return d


def review_closed() -> Document:
    d = new_letter("Review of the restrictions: ended")
    letterhead(d)
    opening(d, "Review of the restrictions on how you contact us")
    para(
        d,
        "We have reviewed the restrictions on how you contact us. As Head of Service, I have "
        "decided to end them and close your case.",
    )
    para(d, "My reasons: {{ reason }}")
    para(
        d,
        "The restrictions ended on {{ letter_date }}. You may contact us in the usual ways "
        "from that date.",
    )
    include(d, "help")
    sign_off(d)
    return d


def restrictions_lapsed() -> Document:
    d = new_letter("The restrictions have ended")
    letterhead(d)
    opening(d, "The restrictions on how you contact us have ended")
    para(
        d,
        "The restrictions on how you contact us ended after {{ last_day }}, the last day of "
        "their {{ restriction_months }}-month period. You may contact us in the usual ways "
        "from {{ ends_on }}.",
    )
    include(d, "help")
    sign_off(d)
    return d


def case_closed() -> Document:
    """Policy s.6: a lapsed case closed by the Head of Service."""
    d = new_letter("Your case is closed")
    letterhead(d)
    opening(d, "Your case is closed")
    tag(d, "{%p if lapse_letter_on %}")
    para(
        d,
        "We wrote to you on {{ lapse_letter_on }} to tell you that the restrictions on how you "
        "contact us ended after {{ last_day }}.",
    )
    para(
        d,
        "As Head of Service, I have now closed your case file. Nothing changes for you: you "
        "can continue to contact us in the usual ways.",
    )
    tag(d, "{%p else %}")
    para(
        d,
        "The restrictions on how you contact us ended after {{ last_day }}, the last day of "
        "their {{ restriction_months }}-month period. You have been able to contact us in the "
        "usual ways since {{ ends_on }}.",
    )
    para(d, "As Head of Service, I have now closed your case.")
    tag(d, "{%p endif %}")
    para(d, "My reasons: {{ reason }}")
    include(d, "help")
    sign_off(d)
    return d


def _table(
    d: Document, headings: Sequence[str], widths_mm: Sequence[float], *rows: Sequence[str]
) -> None:
    """A table: a bold heading row, then `rows` (docxtpl {%tr %} tags included)."""
    table: Table = d.add_table(rows=1 + len(rows), cols=len(headings))
    table.style = d.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for i, texts in enumerate((headings, *rows)):
        for cell, text, width in zip(table.rows[i].cells, texts, widths_mm, strict=True):
            run = cell.paragraphs[0].add_run(text)
            run.bold = i == 0 or None
            cell.width = Mm(width)
    # The heading row repeats at the top of each page the table runs onto.
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(header)


def loop_rows(loop: str, *cells: str) -> tuple[tuple[str, ...], ...]:
    """A docxtpl row loop: a {%tr for %} row, the repeated row, a {%tr endfor %} row."""
    blanks = ("",) * (len(cells) - 1)
    return ((f"{{%tr for {loop} %}}", *blanks), cells, ("{%tr endfor %}", *blanks))


def review_pack() -> Document:
    """Internal (policy s.6): the Head of Service's twelve-month review."""
    d = new_letter("Twelve-month review pack (internal)")
    letterhead(d)
    heading(d, "Twelve-month review pack", level=1)
    para(d, ("Internal: for the Head of Service. Not for the customer.", "i"), after=10)
    para(d, ("Customer: ", "b"), "{{ customer_name }}", after=2)
    para(d, ("Case: ", "b"), "{{ reference }} ({{ status }})", after=2)
    para(
        d,
        ("Restrictions: ", "b"),
        "from {{ starts_on }} up to and including {{ last_day }}",
        after=10,
    )
    para(
        d,
        "A decision is needed before {{ ends_on }}: extend the restrictions for a further "
        "{{ restriction_months }} months (a new letter and a new right of appeal), or end "
        "them and close the case. If no decision is recorded by then, the restrictions lapse "
        "on that date and the missed review is escalated.",
    )
    heading(d, "Restrictions in force")
    bullets(d, "r in restrictions", ("{{ r.title }}: ", "b"), "{{ r.details }}")

    heading(d, "Why they were imposed")
    para(d, "{{ reason }}")
    tag(d, "{%p if immediate_reason %}")
    para(d, ("Imposed at once, without a prior warning, because: ", "b"), "{{ immediate_reason }}")
    tag(d, "{%p endif %}")
    tag(d, "{%p if behaviours %}")
    para(d, "The behaviour the decision named:")
    bullets(d, "b in behaviours", "{{ b }}")
    tag(d, "{%p endif %}")
    heading(d, "Equality considerations at the decision")
    para(d, "{{ equality_notes or 'None recorded.' }}")
    tag(d, "{%p if adjustments %}")
    para(d, "Adjustments agreed:")
    bullets(d, "a in adjustments", "{{ a }}")
    tag(d, "{%p endif %}")

    heading(d, "Contact over the last 12 months")
    para(
        d,
        "Inbound contacts from {{ window_from }} to {{ window_to }} (counted on "
        "{{ letter_date }}), beside the same days a year earlier: {{ previous_from }} to "
        "{{ previous_to }}. Every channel is counted: email, telephone, letter, visits and "
        "social media.",
    )
    tag(d, "{%p if incomplete %}")
    para(
        d,
        ("Not yet the whole year: ", "b"),
        "this pack was produced before the restrictions end, so the last "
        "{{ days_not_counted }} days of the period are not in these figures (nor the same "
        'days a year earlier). The last month is marked "to date".',
    )
    tag(d, "{%p endif %}")
    _table(
        d,
        ("Measure", "Last 12 months", "12 months before"),
        (95, 35, 35),
        *loop_rows("s in summary", "{{ s.measure }}", "{{ s.now }}", "{{ s.before }}"),
    )
    para(d, "", after=6)
    para(d, "{{ chart }}", after=6)

    heading(d, "By month and channel")
    _table(
        d,
        ("Month", "Email", "Phone", "Letter", "Visit", "Social media", "Total", "Year before"),
        (33, 17, 18, 18, 15, 20, 16, 20),
        *loop_rows(
            "m in months",
            "{{ m.label }}",
            *(f"{{{{ m.counts[{i}] }}}}" for i in range(5)),
            "{{ m.total }}",
            "{{ m.previous }}",
        ),
    )
    para(d, "", after=6)

    heading(d, "Flags on contacts (language signals, for judgement)")
    _table(
        d,
        ("Flag", "Last 12 months", "12 months before"),
        (95, 35, 35),
        *loop_rows("f in flags", "{{ f.flag }}", "{{ f.now }}", "{{ f.before }}"),
    )
    para(d, "", after=6)

    heading(d, "Emails filed and blocked in the last 12 months")
    tag(d, "{%p if filed %}")
    _table(
        d,
        ("Received", "Subject", "Flags"),
        (40, 90, 35),
        *loop_rows("e in filed", "{{ e.received }}", "{{ e.subject }}", "{{ e.flags }}"),
    )
    tag(d, "{%p if filed_not_listed %}")
    para(d, "A further {{ filed_not_listed }} filed emails are not listed here.")
    tag(d, "{%p endif %}")
    tag(d, "{%p else %}")
    para(d, "None.")
    tag(d, "{%p endif %}")

    heading(d, "Appeals on this case")
    tag(d, "{%p if appeals %}")
    bullets(
        d,
        "a in appeals",
        "Received {{ a.received_on }}: {{ a.status }}",
        "{% if a.reason %} ({{ a.reason }}){% endif %}",
    )
    tag(d, "{%p else %}")
    para(d, "None.")
    tag(d, "{%p endif %}")
    return d


# The builder of each kind's template: one per letter kind, checked at import. The file it
# writes is the kind's row's `template` (contactguard.domain.letter_kinds.LETTER_KINDS).
TEMPLATES: dict[LetterKind, Callable[[], Document]] = {
    LetterKind.CONCERN: concern,
    LetterKind.CONCERN_CLOSED: concern_closed,
    LetterKind.RESTRICTIONS: restrictions,
    LetterKind.IMMEDIATE_RESTRICTIONS: immediate_restrictions,
    LetterKind.APPEAL_ACKNOWLEDGEMENT: appeal_acknowledgement,
    LetterKind.LATE_APPEAL_DECLINED: late_appeal_declined,
    LetterKind.APPEAL_REVIEW_DELAYED: appeal_review_delayed,
    LetterKind.APPEAL_UPHELD: appeal_upheld,
    LetterKind.APPEAL_DISMISSED: appeal_dismissed,
    LetterKind.APPEAL_VARIED: appeal_varied,
    LetterKind.REVIEW_EXTENDED: review_extended,
    LetterKind.RESTRICTIONS_VARIED: restrictions_varied,
    LetterKind.REVIEW_CLOSED: review_closed,
    LetterKind.RESTRICTIONS_LAPSED: restrictions_lapsed,
    LetterKind.CASE_CLOSED: case_closed,
    LetterKind.REVIEW_PACK: review_pack,
}


def _block(title: str, build: Callable[[Document], None]) -> Callable[[], Document]:
    def document() -> Document:
        d = new_letter(title)
        build(d)
        return d

    return document


# The shared blocks, each written once and included by name (`{%p include "help" %}`):
# what a block says, every letter including it says. BLOCK_CONTENT (letters.template_rules)
# names the required content each carries.
BLOCKS: dict[str, Callable[[], Document]] = {
    "letterhead": _block("Letterhead", letterhead_block),
    "contact-now": _block("How you can contact us now", contact_now_block),
    "appeal-rights": _block("Your right to appeal", appeal_block),
    "ombudsman": _block("If you remain unhappy", ombudsman_block),
    "help": _block("If you need help", help_block),
}


def _check_every_letter_kind_has_its_template() -> None:
    missing = set(LetterKind) - set(TEMPLATES)
    if missing:
        raise AssertionError(f"letter kinds without a template builder: {sorted(missing)}")


_check_every_letter_kind_has_its_template()


def reproducible(document: Document) -> bytes:
    """The document's bytes with every zip entry dated FIXED_TIME (same input, same bytes)."""
    raw = BytesIO()
    document.save(raw)
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def write_templates(out_dir: Path = TEMPLATES_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    (out_dir / BLOCKS_FOLDER).mkdir(exist_ok=True)
    for kind, build in TEMPLATES.items():
        path = out_dir / LETTER_KINDS[kind].template
        path.write_bytes(reproducible(build()))
        written.append(path)
    for name, build in BLOCKS.items():
        path = out_dir / block_file(name)
        path.write_bytes(reproducible(build()))
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=TEMPLATES_DIR, help="output folder")
    args = parser.parse_args(argv)
    for path in write_templates(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
