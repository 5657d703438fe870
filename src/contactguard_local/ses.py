"""SES receipt events as a RequestResponse Lambda action receives them (for local runs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

PASS_ALL = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}


def ses_receipt_event(
    message_id: str,
    sender: str,
    subject: str,
    at: datetime,
    *,
    verdicts: dict[str, str] | None = None,
    recipients: tuple[str, ...] = ("contact@landlord.example",),
    function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:ingest",
) -> dict[str, Any]:
    stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
    status = {**PASS_ALL, **(verdicts or {})}
    return {
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
