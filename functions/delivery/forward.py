"""Forwarding a customer's stored email to staff, in the manner of the well-known SES
forwarders (arithmetric/aws-lambda-ses-forwarder): pure functions over bytes.

SES sends only from identities we have verified, so the forwarded copy comes From our
forwarding sender, showing the customer's name, with Reply-To the customer's address: staff
press reply and reach the customer. The body and attachments are the customer's bytes,
untouched; only the header block is rewritten. SES replaces Message-ID and Date with its own
(SES developer guide, "Amazon SES header fields"), so the originals also travel as
Original-Message-ID and X-Original-Date. X-Contactguard-Contact-Id links back to our record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.policy import SMTP
from email.policy import default as default_policy
from email.utils import getaddresses

CONTACT_HEADER = "X-Contactguard-Contact-Id"
# Headers that would lie after the rewrite (another sender, signatures over the old From),
# or would send the copy somewhere else (Bcc), or that we set ourselves.
_DROPPED = {
    "from",
    "reply-to",
    "sender",
    "return-path",
    "bcc",
    "dkim-signature",
    "domainkey-signature",
    "arc-seal",
    "arc-message-signature",
    "arc-authentication-results",
    "original-message-id",
    "x-original-date",
    CONTACT_HEADER.lower(),
}
_FIELD = re.compile(rb"^([!-9;-~]+)[ \t]*:")  # a header field name (RFC 5322 ftext)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Original:
    """What the forwarder needs from the customer's header block."""

    name: str  # the display name of From, or "" when there is none
    address: str  # the customer's address (authenticated by ingest)
    subject: str
    message_id: str
    date: str


def split(raw: bytes) -> tuple[list[bytes], bytes]:
    """The header block as whole fields (folded lines kept together) and the rest, verbatim."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(separator)
        if end != -1:
            head, body = raw[: end + len(separator) // 2], raw[end + len(separator) // 2 :]
            break
    else:
        head, body = raw, b""
    fields: list[bytes] = []
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line  # a continuation of the field above
        else:
            fields.append(line)
    return fields, body


def _name(field: bytes) -> str:
    match = _FIELD.match(field)
    return match.group(1).decode("ascii").lower() if match else ""


def original(raw: bytes, address: str) -> Original:
    """The customer's display name, subject, Message-ID and Date from the stored message."""
    headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)

    def text(name: str) -> str:
        try:
            return _clean(str(headers.get(name, "") or ""))
        except Exception:  # noqa: BLE001 - a malformed header is shown as absent, not fatal
            return ""

    name = ""
    try:
        pairs = getaddresses([str(headers.get("From", "") or "")])
        name = _clean(pairs[0][0]) if pairs else ""
    except Exception:  # noqa: BLE001 - no name is fine: the address is shown instead
        name = ""
    return Original(name, address, text("Subject"), text("Message-ID"), text("Date"))


def _clean(value: str) -> str:
    """One line, no control or bidirectional-override characters, at most 200 characters."""
    return " ".join(_UNSAFE.sub(" ", value).split())[:200]


def forwarded(raw: bytes, *, contact_id: str, sender: str, customer: Original) -> bytes:
    """The customer's message as staff receive it: header block rewritten, body untouched."""
    fields, body = split(raw)
    eol = b"\r\n" if fields and fields[0].endswith(b"\r\n") else b"\n"
    kept = [f for f in fields if _name(f) not in _DROPPED and f.strip()]
    shown = f"{customer.name or customer.address} via contactguard"
    ours = EmailMessage(policy=SMTP.clone(linesep=eol.decode("ascii")))
    local, _, domain = sender.partition("@")
    ours["From"] = Address(display_name=shown, username=local, domain=domain)
    ours["Reply-To"] = customer.address
    if customer.message_id:
        ours["Original-Message-ID"] = customer.message_id
    if customer.date:
        ours["X-Original-Date"] = customer.date
    ours[CONTACT_HEADER] = contact_id
    added = ours.as_bytes().split(eol + eol, 1)[0] + eol
    if not body:  # no blank line in the original: end the header block ourselves
        body = eol
    return added + b"".join(kept) + body


def too_large_notice(
    *, contact_id: str, sender: str, to: str, customer: Original, size: int, link: str, hours: int
) -> EmailMessage:
    """Told to staff instead of a message SES cannot send: who, what, and where to read it."""
    notice = EmailMessage()
    notice["From"] = Address(display_name="contactguard", addr_spec=sender)
    notice["To"] = to
    notice["Reply-To"] = customer.address
    notice["Subject"] = f"Customer email too large to forward: {customer.subject or '(no subject)'}"
    notice["Auto-Submitted"] = "auto-generated"
    notice[CONTACT_HEADER] = contact_id
    megabytes = size / 1_000_000
    notice.set_content(
        "An email from a customer was too large to forward through Amazon SES "
        f"({megabytes:.1f} MB). It has been logged as a contact and kept whole.\n\n"
        f"From: {customer.name + ' ' if customer.name else ''}<{customer.address}>\n"
        f"Subject: {customer.subject or '(no subject)'}\n"
        f"Sent: {customer.date or 'unknown'}\n"
        f"Contact: {contact_id}\n\n"
        f"Download the original (the link works for {hours} hours, or less if this "
        f"service's credentials are renewed sooner):\n{link}\n\n"
        "After that, ask for it through contactguard by its contact id.\n"
    )
    return notice


def recipients(value: str) -> list[str]:
    """Addresses of a To or Cc field (for tests and the local mailbox)."""
    return [address for _, address in getaddresses([value]) if address]
