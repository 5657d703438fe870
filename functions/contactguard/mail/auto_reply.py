"""RFC 3834 automatic responses: which messages are automatic (bounces, auto-replies, lists,
bulk), whether one may be answered automatically, and the reply itself.

`contactguard.mail.mime` reads the markers into `ParsedMessage` with the rules here (`is_bounce`,
`is_auto_reply`, ...); `may_auto_reply` decides on them and `build_auto_reply` writes the
response. Pure: no AWS, no environment, no clock. Nothing here logs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from enum import StrEnum
from typing import TYPE_CHECKING

from contactguard.mail.sanitise import CONTROL, MAX_SUBJECT_CHARS, MSGID, clean, one_line

if TYPE_CHECKING:  # mail.mime reads messages with the rules here: no import cycle at run time
    from contactguard.mail.mime import ParsedMessage

__all__ = [
    "AutoReplyReason",
    "build_auto_reply",
    "is_auto_reply",
    "is_auto_submitted",
    "is_bounce",
    "is_mailing_list",
    "may_auto_reply",
]

# --- what marks a message as automatic ------------------------------------------------------

LIST_HEADERS = (
    "list-id",
    "list-unsubscribe",
    "list-post",
    "list-help",
    "list-subscribe",
    "list-owner",
    "list-archive",
)
AUTOREPLY_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder")
AUTOREPLY_SUBJECT_PREFIXES = (
    "out of office",
    "out of the office",
    "automatic reply",
    "auto reply",
    "auto-reply",
    "autoreply",
    "auto response",
    "auto-response",
    "autoresponse",
    "auto:",
)
BOUNCE_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster"})
BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})


def is_auto_submitted(auto_submitted: str | None) -> bool:
    """An Auto-Submitted field (its first token) other than "no"."""
    return auto_submitted is not None and auto_submitted != "no"


def is_mailing_list(has_header: Callable[[str], bool]) -> bool:
    return any(has_header(h) for h in LIST_HEADERS)


def is_bounce(
    *,
    ctype: str,
    report_type: str,
    return_path: str | None,
    from_locals: Iterable[str],
    has_header: Callable[[str], bool],
) -> bool:
    """A delivery status notification, a null reverse-path, MAILER-DAEMON or postmaster."""
    return (
        (ctype == "multipart/report" and report_type == "delivery-status")
        or ctype == "message/delivery-status"
        or return_path == ""
        or any(local in BOUNCE_LOCAL_PARTS for local in from_locals)
        or has_header("x-failed-recipients")
    )


def is_auto_reply(
    *,
    auto_submitted: str | None,
    subject: str,
    ctype: str,
    report_type: str,
    has_header: Callable[[str], bool],
) -> bool:
    """Another system's automatic reply (out of office and the like), or a non-delivery report."""
    lowered_subject = subject.lower()
    return (
        auto_submitted == "auto-replied"
        or any(has_header(h) for h in AUTOREPLY_HEADERS)
        or lowered_subject.startswith(AUTOREPLY_SUBJECT_PREFIXES)
        or (ctype == "multipart/report" and report_type != "delivery-status")
    )


# --- RFC 3834 --------------------------------------------------------------------------------


class AutoReplyReason(StrEnum):
    OK = "ok"
    AUTO_SUBMITTED = "auto-submitted"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto-reply"
    PRECEDENCE_BULK = "precedence-bulk"  # Precedence: bulk, list or junk
    MAILING_LIST = "mailing-list"
    NO_SENDER = "no-sender"
    AMBIGUOUS_SENDER = "ambiguous-sender"  # more than one From address
    UNAUTHENTICATED = "unauthenticated"


def may_auto_reply(msg: ParsedMessage, authenticated: bool) -> tuple[bool, str]:
    """RFC 3834 §2 eligibility for an automatic response, with the reason as a short code.

    Never to auto-submitted mail, bounces (DSNs, an empty Return-Path, MAILER-DAEMON), other
    automatic replies, Precedence bulk/list/junk, mailing lists, a message without exactly one
    From address, or an unauthenticated sender. The once-per-period limit per customer is the
    caller's (it needs the clock and the record of replies sent).
    """
    checks = (
        (msg.is_auto_submitted, AutoReplyReason.AUTO_SUBMITTED),
        (msg.is_bounce, AutoReplyReason.BOUNCE),
        (msg.is_auto_reply, AutoReplyReason.AUTO_REPLY),
        (msg.precedence in BULK_PRECEDENCE, AutoReplyReason.PRECEDENCE_BULK),
        (msg.is_mailing_list, AutoReplyReason.MAILING_LIST),
        (not msg.from_addresses, AutoReplyReason.NO_SENDER),
        (len(msg.from_addresses) > 1, AutoReplyReason.AMBIGUOUS_SENDER),
        (not authenticated, AutoReplyReason.UNAUTHENTICATED),
    )
    for refused, reason in checks:
        if refused:
            return False, reason
    return True, AutoReplyReason.OK


def _single_address(value: str, what: str) -> str:
    if not isinstance(value, str) or CONTROL.search(value) or "\r" in value or "\n" in value:
        raise ValueError(f"invalid {what} address")
    try:
        address = Address(addr_spec=value.strip())
    except Exception:  # noqa: BLE001
        raise ValueError(f"invalid {what} address") from None
    if not address.username or not address.domain:
        raise ValueError(f"invalid {what} address")
    return address.addr_spec


def build_auto_reply(
    original: ParsedMessage,
    to: str,
    from_address: str,
    body_text: str,
    *,
    date: datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """The RFC 3834 automatic response to ``original``.

    ``to`` must be the original sender (one of its From addresses). Headers: From, To,
    ``Subject: Auto: <original subject>`` on one line, ``Auto-Submitted: auto-replied``,
    ``X-Auto-Response-Suppress: All`` (stops Exchange answering it), and ``In-Reply-To`` /
    ``References`` from the original Message-ID. ``date`` and ``message_id`` are the caller's
    (this module has no clock); SES adds a Message-ID when none is set. Raises ``ValueError``
    (no personal data in the message) for an invalid or foreign recipient.
    """
    recipient = _single_address(to, "recipient")
    sender = _single_address(from_address, "sender")
    if recipient.lower() not in original.from_addresses:
        raise ValueError("auto-reply recipient is not the original sender")
    if recipient.lower() == sender.lower():
        raise ValueError("refusing to auto-reply to our own address")

    reply = EmailMessage(policy=email_policy.default)
    reply["From"] = sender
    reply["To"] = recipient
    subject = one_line(original.subject, MAX_SUBJECT_CHARS)
    reply["Subject"] = f"Auto: {subject}" if subject else "Auto:"
    reply["Auto-Submitted"] = "auto-replied"
    reply["X-Auto-Response-Suppress"] = "All"
    original_id = original.message_id
    if original_id and MSGID.fullmatch(original_id):
        reply["In-Reply-To"] = original_id
        reply["References"] = original_id
    if date is not None:
        reply["Date"] = date
    if message_id is not None:
        if not MSGID.fullmatch(message_id):
            raise ValueError("invalid Message-ID")
        reply["Message-ID"] = message_id
    reply.set_content(clean(body_text).replace("\r\n", "\n"))
    return reply
