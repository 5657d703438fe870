"""A letter's email version, beside its DOCX, where the policy lets it go by email.

The policy lets some letters go "in writing or email" (s.4, Step 1) or by "letter or email"
(s.5, an appeal's outcome): `LetterKindSpec.by_email`. A restriction decision, a review's
outcome and the lapse of restrictions go by post only. An email version is drafted only when
the customer has an email address on record and no restriction in force when it is drafted
limits email in any way (letters only, or email through a named officer): a customer told we
do not accept their email is never written to by email.

The version is an unsent message (`X-Unsent: 1`: Outlook and other mail programs open it as a
draft to check and send, as the manager checks and posts the DOCX): from the organisation's
customer services address (replies to an appeal letter go to the appeals address), to the
customer, the letter's text in the body and the letter itself attached. Nothing is sent by the
system: the manager sends it, then marks the letter sent by email.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP

from contactguard.domain.case import Case, LetterKind
from contactguard.domain.enforcement import channel_guidance
from contactguard.domain.letter_kinds import LETTER_KINDS
from contactguard.domain.model import Channel, Customer, describe_date
from contactguard.organisation import Organisation
from letters.docx_render import DOCX_CONTENT_TYPE

APPEAL_LETTERS = frozenset(
    {
        LetterKind.APPEAL_ACKNOWLEDGEMENT,
        LetterKind.APPEAL_REVIEW_DELAYED,
        LetterKind.APPEAL_UPHELD,
        LetterKind.APPEAL_DISMISSED,
        LetterKind.APPEAL_VARIED,
        LetterKind.LATE_APPEAL_DECLINED,
    }
)


def email_address_for(
    kind: LetterKind, customer: Customer, cases: Iterable[Case], at: datetime
) -> str | None:
    """Where this letter's email version goes, or None when it has none: the kind goes by
    post only, the customer has no email address, or a restriction in force at `at` (on
    any of their cases) limits email."""
    if not LETTER_KINDS[kind].by_email or not customer.emails:
        return None
    guidance = channel_guidance(cases, Channel.EMAIL, at)
    if not guidance.allowed or guidance.conditions:
        return None
    return str(customer.emails[0])


def _from_greeting(paragraphs: list[str]) -> list[str]:
    """The letter from its greeting on, after its reference and date: an email needs no
    letterhead and no postal address (the customer's home address is not sent by email).
    A template whose greeting is not "Dear ..." keeps its whole text."""
    start = next((i for i, p in enumerate(paragraphs) if p.startswith("Dear ")), None)
    if start is None:
        return paragraphs
    heading = [p for p in paragraphs[:start] if p.startswith(("Our reference", "Date:"))]
    return [*heading, *paragraphs[start:]]


def email_version(
    *,
    kind: LetterKind,
    case_id: str,
    to: str,
    customer_name: str,
    organisation: Organisation,
    letter_text: str,
    docx: bytes,
    dated: date,
    filename: str,
) -> bytes:
    """The unsent message: headers, the letter's text (one paragraph per block) and the DOCX."""
    message = EmailMessage(policy=SMTP)
    message["X-Unsent"] = "1"
    message["From"] = f'"{organisation.name}" <{organisation.email}>'
    message["To"] = f'"{customer_name}" <{to}>' if customer_name else to
    if kind in APPEAL_LETTERS:
        message["Reply-To"] = str(organisation.appeals.email)
    message["Subject"] = f"Our letter of {describe_date(dated)}, reference {case_id}"
    paragraphs = _from_greeting([line.strip() for line in letter_text.splitlines() if line.strip()])
    intro = (
        "Please find our letter below. It is also attached as a Word document, which you can print."
    )
    message.set_content("\n\n".join([intro, *paragraphs]) + "\n")
    maintype, _, subtype = DOCX_CONTENT_TYPE.partition("/")
    message.add_attachment(docx, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()
