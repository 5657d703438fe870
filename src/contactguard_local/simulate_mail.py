"""The email step's message and SES's verdicts on it (contactguard_local.simulate).

A step's email is an inline message (`from`, `to`, `subject`, `body`, any `headers`) or an
`.eml` file. SES reads the message's own headers (its From, To, Auto-Submitted...) into the
receipt event, and the envelope sender (MAIL FROM, SES's `mail.source`) separately: the
step's `from` is the envelope sender, and for an `.eml` it defaults to the file's From.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import getaddresses
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

DEFAULT_TO = "contact@example.org"
# Set by the step's own fields, never by `headers:`.
OWN_FIELDS = frozenset({"from", "to", "subject"})
# The structural headers the message is built with.
STRUCTURAL = frozenset({"content-type", "content-transfer-encoding", "mime-version"})


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


Status = Annotated[
    Literal["PASS", "FAIL", "GRAY", "PROCESSING_FAILED", "DISABLED"], BeforeValidator(_upper)
]


class SesVerdicts(BaseModel):
    """What SES's receipt checks found, as its receipt event carries them: each verdict's
    status (PASS unless given) and, where the sender's domain publishes a DMARC policy,
    `dmarcPolicy` (none, quarantine or reject; absent when it publishes none)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        json_schema_extra={
            "examples": [
                {"dmarc": "FAIL", "dmarcPolicy": "reject"},
                {"spam": "FAIL"},
                {"dmarc": "GRAY", "spf": "PASS"},
            ]
        },
    )

    spam: Status | None = Field(default=None, description="spamVerdict.status")
    virus: Status | None = Field(default=None, description="virusVerdict.status")
    spf: Status | None = Field(default=None, description="spfVerdict.status")
    dkim: Status | None = Field(default=None, description="dkimVerdict.status")
    dmarc: Status | None = Field(default=None, description="dmarcVerdict.status")
    dmarc_policy: Annotated[
        Literal["none", "quarantine", "reject"] | None, BeforeValidator(_lower)
    ] = Field(
        default=None,
        alias="dmarcPolicy",
        description="receipt.dmarcPolicy: the policy the From domain publishes, if any",
    )

    def for_event(self) -> dict[str, str] | None:
        """The verdicts by the names contactguard_local.ses takes (SES's own)."""
        given = self.model_dump(by_alias=True, exclude_none=True)
        return given or None


def first_address(raw: bytes) -> str | None:
    """The message's own From address, as SES's header summary would give it."""
    parsed = BytesParser(policy=default_policy).parsebytes(raw, headersonly=True)
    values = [str(v) for v in parsed.get_all("From") or []]
    found = [address for _, address in getaddresses(values) if address]
    return found[0] if found else None


def eml_subject(raw: bytes) -> str:
    parsed = BytesParser(policy=default_policy).parsebytes(raw, headersonly=True)
    return str(parsed["Subject"] or "")


def inline_message(
    sender: str, to: list[str], subject: str, body: str, headers: dict[str, str]
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to or [DEFAULT_TO])
    message["Subject"] = subject
    for name, value in headers.items():
        message[name] = value
    message.set_content(body or "(no text)")
    return message.as_bytes()
