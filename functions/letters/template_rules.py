"""What a letter must say, in plain words, and which shared block says it.

The letters function refuses a letter whose filled document lacks a piece of required content
(`template-lacks-<content>`, letters.docx_render); `contactguard templates check` explains
each code with the words here and names the shared block that carries it (the alert and the
case's timeline carry the code, docs/letter-templates.md lists them). The list of what each
kind must contain is its row in `LETTER_KINDS` (contactguard.domain.letter_kinds).
"""

from __future__ import annotations

from types import MappingProxyType

from contactguard.domain.letter_kinds import Content

C = Content

# Each piece of required content, as an office administrator would say it.
CONTENT_WORDS: MappingProxyType[Content, str] = MappingProxyType(
    {
        C.CUSTOMER_NAME: "the customer's name",
        C.POSTAL_ADDRESS: "the customer's postal address (with its postcode)",
        C.LETTER_DATE: "the date of the letter",
        C.BEHAVIOURS: "the behaviour the decision is about, in the policy's words",
        C.RESTRICTIONS: "each restriction, with what it means for the customer",
        C.START_DATE: "the date the restrictions start",
        C.END_DATE: "the last day the restrictions apply ('up to and including ...')",
        C.REVIEW_DATE: "the date the restrictions will be reviewed",
        C.PERMITTED_CHANNELS: "each way the customer can still contact us ('How you can "
        "contact us now')",
        C.EMERGENCY_LINE: "the emergency and safeguarding telephone line",
        C.APPEAL_ROUTE: "who to appeal to (the appeals team)",
        C.APPEAL_ADDRESS: "where to appeal: the appeals team's postal address and email",
        C.APPEAL_DEADLINE: "the time allowed to appeal and the last date for an appeal",
        C.OMBUDSMAN: "the Ombudsman that handles our housing complaints: its name, "
        "telephone and postal address",
        C.ADJUSTMENTS_CONTACT: "how to ask for a reasonable adjustment: the adjustments "
        "team's telephone, Relay UK number and email",
        C.DECISION: "the decision, in one sentence",
        C.REASON: "the reasons for the decision",
        C.IMMEDIATE_REASON: "why the restrictions were imposed without a prior warning",
        C.APPEAL_RECEIVED_DATE: "the date we received the appeal",
        C.REVIEW_DUE_DATE: "the date the appeal's review is due",
        C.WINDOW: "the twelve months the review pack counts",
        C.MONTHS: "the review pack's row for each month",
    }
)

# The shared blocks (templates/blocks/<name>.docx), each included by a line
# `{%p include "<name>" %}`, and the required content each one says.
BLOCK_CONTENT: MappingProxyType[str, frozenset[Content]] = MappingProxyType(
    {
        "letterhead": frozenset({C.CUSTOMER_NAME, C.POSTAL_ADDRESS, C.LETTER_DATE}),
        "contact-now": frozenset({C.PERMITTED_CHANNELS, C.EMERGENCY_LINE}),
        "appeal-rights": frozenset({C.APPEAL_ROUTE, C.APPEAL_ADDRESS, C.APPEAL_DEADLINE}),
        "ombudsman": frozenset({C.OMBUDSMAN}),
        "help": frozenset({C.ADJUSTMENTS_CONTACT}),
    }
)

# What a letter that cannot be issued because of its template means, beyond missing content.
_FAULTS = MappingProxyType(
    {
        "template-missing": "there is no template for this kind of letter",
        "template-error": "the template could not be filled: a placeholder is misspelt or "
        "unknown, or a {% %} line is broken",
        "template-unknown-block": "the template includes a shared block that does not exist, "
        "or a shared block includes another",
        "template-lacks-chart": "the review pack no longer has its chart placeholder",
        "template-too-large": "a published template is larger than 10 MB",
    }
)


def block_for(content: Content) -> str | None:
    """The shared block that says this content, if one does."""
    return next((name for name, says in BLOCK_CONTENT.items() if content in says), None)


def explain(problem: str, block_checked: str | None = None) -> str:
    """A problem code (`template-lacks-appeal-address`, `template-error`) in plain words; when
    the file checked is a shared block (`blocks/help.docx`), what that block must say."""
    if problem in _FAULTS:
        return _FAULTS[problem]
    item = problem.removeprefix("template-lacks-")
    if item == problem or item not in {c.value for c in Content}:
        return problem
    content = Content(item)
    words = f"the letter no longer says {CONTENT_WORDS[content]}"
    block = block_for(content)
    if block is not None and block_checked == f"blocks/{block}.docx":
        return f"{words}: the shared block '{block}' must say it"
    if block is not None:
        words += (
            f" (the shared block '{block}' says it: keep the line {{%p include \"{block}\" %}})"
        )
    return words


def _check_every_content_has_its_words() -> None:
    missing = set(Content) - set(CONTENT_WORDS)
    if missing:
        raise AssertionError(f"required content without plain words: {sorted(missing)}")


_check_every_content_has_its_words()
