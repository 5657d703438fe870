"""SES receipt events as a RequestResponse Lambda action receives them (for local runs)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import compat32
from email.utils import formataddr, getaddresses
from typing import Any

PASS_ALL = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}
# `verdicts` may also name the receipt's dmarcPolicy (none, quarantine, reject): SES gives it
# only where the sender's domain publishes a DMARC policy.
DMARC_POLICY = "dmarcPolicy"
# commonHeaders: SES's summary of these headers, each address header as a list.
_COMMON_LISTS = {"from": "from", "to": "to", "cc": "cc", "bcc": "bcc", "reply-to": "replyTo"}
_COMMON_TEXT = {"subject": "subject", "date": "date", "message-id": "messageId"}


def message_headers(raw: bytes) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """`mail.headers` and `mail.commonHeaders` as SES gives them for this message: every
    header in order (unfolded), and the summary of From, To, Subject... (absent when the
    message lacks the header)."""
    parsed = BytesParser(policy=compat32).parsebytes(raw, headersonly=True)
    headers = [
        {"name": name, "value": " ".join(str(value).split())} for name, value in parsed.items()
    ]
    common: dict[str, Any] = {}
    for header, key in _COMMON_LISTS.items():
        values = [h["value"] for h in headers if h["name"].lower() == header]
        if values:
            common[key] = [formataddr(pair) for pair in getaddresses(values) if any(pair)]
    for header, key in _COMMON_TEXT.items():
        value = next((h["value"] for h in headers if h["name"].lower() == header), None)
        if value is not None:
            common[key] = value
    return headers, common


def ses_receipt_event(
    message_id: str,
    sender: str,
    subject: str,
    at: datetime,
    *,
    verdicts: dict[str, str] | None = None,
    recipients: tuple[str, ...] = ("contact@landlord.example",),
    function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:ingest",
    message: bytes | None = None,
) -> dict[str, Any]:
    """The event for one message from the envelope sender `sender`. Without `message` the
    headers SES read are a From of `sender` and `subject`; with it, the message's own (as
    SES reads them: its From may differ from the envelope sender)."""
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    given = dict(verdicts or {})
    policy = given.pop(DMARC_POLICY, None)
    status = {**PASS_ALL, **given}
    event: dict[str, Any] = {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": stamp,
                        "source": sender,
                        "messageId": message_id,
                        "destination": list(recipients),
                        "headersTruncated": False,
                        "headers": [{"name": "From", "value": sender}],
                        "commonHeaders": {
                            "returnPath": sender,
                            "from": [sender],
                            "to": list(recipients),
                            "messageId": f"<{message_id}@example.org>",
                            "subject": subject,
                        },
                    },
                    "receipt": {
                        "timestamp": stamp,
                        "processingTimeMillis": 420,
                        "recipients": list(recipients),
                        "spamVerdict": {"status": status["spam"]},
                        "virusVerdict": {"status": status["virus"]},
                        "spfVerdict": {"status": status["spf"]},
                        "dkimVerdict": {"status": status["dkim"]},
                        "dmarcVerdict": {"status": status["dmarc"]},
                        "action": {
                            "type": "Lambda",
                            "functionArn": function_arn,
                            "invocationType": "RequestResponse",
                        },
                    },
                },
            }
        ]
    }
    ses = event["Records"][0]["ses"]
    if policy is not None:
        ses["receipt"][DMARC_POLICY] = policy
    if message is not None:
        headers, common = message_headers(message)
        common.setdefault("messageId", f"<{message_id}@example.org>")
        ses["mail"]["headers"] = headers
        ses["mail"]["commonHeaders"] = {"returnPath": sender, **common}
    return event
