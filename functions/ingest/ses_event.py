"""The SES receipt event that a receipt rule's Lambda action sends, and the decisions on it.

SES calls ingest synchronously (LambdaAction, InvocationType ``RequestResponse``) after the S3
action has stored the raw message. The event is one record::

    {"Records": [{"eventSource": "aws:ses", "eventVersion": "1.0",
                  "ses": {"mail": {...}, "receipt": {...}}}]}

Why our own model: Powertools' parser model ``SesModel`` only accepts
``invocationType == "Event"``, has no ``dkimVerdict`` or ``dmarcPolicy``, requires
``commonHeaders.from`` (absent when the message has no From header) and rejects the
``DISABLED`` verdict status, so it rejects the events ingest actually receives. Powertools'
``SESEvent`` data class is a lazy ``dict`` wrapper with no validation (a missing key surfaces as
a ``KeyError`` wherever it is first read). The model here is tolerant where AWS is variable
(extra fields ignored, optional fields optional, verdict statuses kept as upper-case strings)
and strict where ingest depends on a value (one ``aws:ses`` record, a safe SES message id, an
aware timestamp).

Pure: no boto3, no environment, no clock. Errors never carry field values (personal data).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import getaddresses
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from contactguard.mail.sender import Sender, SenderProblem, strict_sender

__all__ = [
    "AuthMethod",
    "Authentication",
    "BadSesEvent",
    "ReceiptDetails",
    "SesAction",
    "SesCommonHeaders",
    "SesHeader",
    "SesMail",
    "SesReceipt",
    "Verdict",
    "VerdictStatus",
    "EventDecision",
    "authentication",
    "event_decision",
    "parse_ses_event",
    "verdict_quarantine_reason",
]


class BadSesEvent(ValueError):
    """The Lambda event is not a well-formed SES receipt event.

    The message names only field locations and error kinds, never values. ``problems`` holds
    the same as ``(location, error kind)`` pairs.
    """

    def __init__(self, message: str, problems: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[tuple[str, str], ...] = tuple(problems)


class VerdictStatus(StrEnum):
    """Statuses SES documents for spam, virus, SPF, DKIM and DMARC verdicts."""

    PASS = "PASS"
    FAIL = "FAIL"
    GRAY = "GRAY"
    PROCESSING_FAILED = "PROCESSING_FAILED"
    DISABLED = "DISABLED"


def _as_list(value: Any) -> Any:
    """SES omits absent headers; be tolerant of ``null`` or a bare string too."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value


StrList = Annotated[list[str], BeforeValidator(_as_list)]

# SES message ids are short lower-case alphanumerics (also the S3 object key under the rule's
# prefix). Restricting the alphabet keeps the key safe to use in S3 keys and table keys.
_SES_MESSAGE_ID = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class SesHeader(_Model):
    name: str
    value: str


class SesCommonHeaders(_Model):
    """``mail.commonHeaders``: any of these may be missing when the message lacks the header."""

    from_: StrList = Field(default_factory=list, alias="from")
    to: StrList = Field(default_factory=list)
    cc: StrList = Field(default_factory=list)
    bcc: StrList = Field(default_factory=list)
    sender: StrList = Field(default_factory=list)
    reply_to: StrList = Field(
        default_factory=list,
        validation_alias=AliasChoices("replyTo", "reply-to", "reply_to"),
    )
    return_path: str | None = Field(default=None, alias="returnPath")
    message_id: str | None = Field(default=None, alias="messageId")
    date: str | None = None
    subject: str | None = None


class SesMail(_Model):
    timestamp: AwareDatetime
    source: str = ""
    message_id: str = Field(alias="messageId", pattern=_SES_MESSAGE_ID)
    destination: StrList = Field(default_factory=list)
    headers_truncated: bool = Field(default=False, alias="headersTruncated")
    headers: list[SesHeader] = Field(default_factory=list)
    common_headers: SesCommonHeaders = Field(
        default_factory=SesCommonHeaders, alias="commonHeaders"
    )

    @field_validator("common_headers", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


class Verdict(_Model):
    status: str

    @field_validator("status", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class SesAction(_Model):
    type: str
    function_arn: str | None = Field(default=None, alias="functionArn")
    invocation_type: str | None = Field(default=None, alias="invocationType")
    topic_arn: str | None = Field(default=None, alias="topicArn")


class ReceiptDetails(_Model):
    """``ses.receipt``: when SES received the message, and what its checks found."""

    timestamp: AwareDatetime | None = None
    processing_time_millis: int | None = Field(default=None, alias="processingTimeMillis", ge=0)
    recipients: StrList = Field(default_factory=list)
    spam_verdict: Verdict | None = Field(default=None, alias="spamVerdict")
    virus_verdict: Verdict | None = Field(default=None, alias="virusVerdict")
    spf_verdict: Verdict | None = Field(default=None, alias="spfVerdict")
    dkim_verdict: Verdict | None = Field(default=None, alias="dkimVerdict")
    dmarc_verdict: Verdict | None = Field(default=None, alias="dmarcVerdict")
    # none | quarantine | reject: present only when SES found a DMARC policy for the domain.
    dmarc_policy: str | None = Field(default=None, alias="dmarcPolicy")
    action: SesAction | None = None

    @field_validator("dmarc_policy", mode="before")
    @classmethod
    def _lower_policy(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            return value or None
        return value


class SesReceipt(_Model):
    """One SES receipt record: ``Records[0]`` of the Lambda event."""

    event_source: Literal["aws:ses"] = Field(alias="eventSource")
    event_version: str | None = Field(default=None, alias="eventVersion")
    mail: SesMail
    receipt: ReceiptDetails

    @property
    def ses_message_id(self) -> str:
        """SES's id for the message: the idempotency key and the S3 object name."""
        return self.mail.message_id

    @property
    def received_at(self) -> datetime:
        return self.receipt.timestamp or self.mail.timestamp

    @property
    def is_request_response(self) -> bool:
        action = self.receipt.action
        return action is not None and action.invocation_type == "RequestResponse"


def _describe(exc: ValidationError) -> list[tuple[str, str]]:
    problems = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        location = ".".join(str(part) for part in error["loc"]) or "(event)"
        problems.append((location, error["type"]))
    return problems


def parse_ses_event(event: Mapping[str, Any]) -> SesReceipt:
    """Validate the Lambda event SES sends and return its single record.

    Raises :class:`BadSesEvent` for anything malformed. The exception's message carries field
    locations and error kinds only, and it does not chain the pydantic error (whose text
    includes the input values).
    """
    if not isinstance(event, Mapping):
        raise BadSesEvent("SES event is not an object")
    records = event.get("Records")
    if not isinstance(records, list) or len(records) != 1:
        raise BadSesEvent("SES event must hold exactly one record")
    record = records[0]
    if not isinstance(record, Mapping):
        raise BadSesEvent("SES record is not an object")
    ses = record.get("ses")
    if not isinstance(ses, Mapping):
        raise BadSesEvent("SES record has no ses object", [("ses", "missing")])
    flat = {
        "eventSource": record.get("eventSource"),
        "eventVersion": record.get("eventVersion"),
        "mail": ses.get("mail"),
        "receipt": ses.get("receipt"),
    }
    try:
        return SesReceipt.model_validate(flat)
    except ValidationError as exc:
        problems = _describe(exc)
        summary = "; ".join(f"{loc}: {kind}" for loc, kind in problems[:10])
        raise BadSesEvent(f"malformed SES event ({summary})", problems) from None


# --- authentication --------------------------------------------------------------------------


class AuthMethod(StrEnum):
    DMARC = "dmarc"
    SPF = "spf"
    DKIM = "dkim"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Authentication:
    """Whether the sender identity (the From address) is authenticated, how, and why.

    ``reason`` is a short code, safe to log: ``dmarc-pass``, ``dmarc-fail``,
    ``dmarc-policy-not-passed``, ``multiple-from-domains``, ``no-dmarc-spf-aligned``,
    ``no-dmarc-dkim-aligned``, ``no-dmarc-no-from-domain``, ``no-dmarc-not-aligned`` or
    ``no-dmarc-spf-dkim-not-passed``.
    """

    authenticated: bool
    method: AuthMethod
    reason: str

    def __bool__(self) -> bool:
        return self.authenticated


def _status(verdict: Verdict | None) -> str | None:
    return verdict.status if verdict is not None else None


def _domain_of(address: str) -> str | None:
    address = address.strip().strip("<>").strip()
    if "@" not in address:
        return None
    domain = address.rpartition("@")[2].strip().rstrip(".").lower()
    if not domain or "." not in domain or any(c.isspace() for c in domain):
        return None
    return domain


def _aligned(a: str, b: str) -> bool:
    """Relaxed DMARC-style alignment, conservatively approximated without the public suffix
    list: the same domain, or one a subdomain of the other. Sibling subdomains of one
    organisation (``mail.example.org`` / ``www.example.org``) do not align here: that errs
    towards quarantine for staff review, never towards trusting a spoof."""
    return a == b or a.endswith("." + b) or b.endswith("." + a)


_DKIM_D_TAG = re.compile(r"(?:^|;)\s*d\s*=\s*([^;\s]+)", re.IGNORECASE)


def _dkim_signing_domains(headers: Iterable[SesHeader]) -> list[str]:
    domains = []
    for header in headers:
        if header.name.strip().lower() != "dkim-signature":
            continue
        match = _DKIM_D_TAG.search(header.value)
        domains.append(match.group(1).strip().rstrip(".").lower() if match else "")
    return domains


def _from_domains(receipt: SesReceipt, from_addresses: Sequence[str] | None) -> list[str] | None:
    """The distinct domains of the From header; None when no From address is known."""
    if from_addresses is None:
        from_addresses = [addr for _, addr in getaddresses(receipt.mail.common_headers.from_)]
    domains: list[str] = []
    for address in from_addresses:
        domain = _domain_of(address)
        if domain is not None and domain not in domains:
            domains.append(domain)
    return domains or None


def authentication(
    receipt: SesReceipt, from_addresses: Sequence[str] | None = None
) -> Authentication:
    """Decide whether SES's checks authenticate the sender identity (DESIGN.md).

    - DMARC PASS authenticates.
    - DMARC FAIL never authenticates, whatever SPF or DKIM say.
    - A domain that publishes a DMARC policy (``dmarcPolicy`` present) authenticates only by
      DMARC PASS.
    - Where the domain publishes no DMARC policy (GRAY, PROCESSING_FAILED or a missing verdict,
      and no ``dmarcPolicy``), SPF PASS or DKIM PASS authenticates, but only when the passing
      identity aligns with the From domain: SPF checks the envelope sender (``mail.source``),
      DKIM the signing domain (``d=``), either of which an attacker can own while writing any
      address into From. DKIM counts only when every DKIM-Signature's ``d=`` aligns, because
      SES reports one DKIM verdict for the message, not which signature passed.

    ``from_addresses`` are the From addresses parsed from the raw message (use them when
    ``commonHeaders.from`` is absent, e.g. when SES truncated the headers); by default they
    come from ``commonHeaders.from``. A From header naming more than one domain is never
    authenticated: which identity DMARC checked would be ambiguous.
    """
    dmarc = _status(receipt.receipt.dmarc_verdict)
    policy = receipt.receipt.dmarc_policy
    domains = _from_domains(receipt, from_addresses)
    if domains is not None and len(domains) > 1:
        return Authentication(False, AuthMethod.NONE, "multiple-from-domains")
    if dmarc == VerdictStatus.PASS:
        return Authentication(True, AuthMethod.DMARC, "dmarc-pass")
    if dmarc == VerdictStatus.FAIL:
        return Authentication(False, AuthMethod.NONE, "dmarc-fail")
    if policy is not None:
        return Authentication(False, AuthMethod.NONE, "dmarc-policy-not-passed")

    spf_pass = _status(receipt.receipt.spf_verdict) == VerdictStatus.PASS
    dkim_pass = _status(receipt.receipt.dkim_verdict) == VerdictStatus.PASS
    if not (spf_pass or dkim_pass):
        return Authentication(False, AuthMethod.NONE, "no-dmarc-spf-dkim-not-passed")
    if domains is None:
        return Authentication(False, AuthMethod.NONE, "no-dmarc-no-from-domain")
    from_domain = domains[0]
    if spf_pass:
        envelope = _domain_of(receipt.mail.source)
        if envelope is not None and _aligned(envelope, from_domain):
            return Authentication(True, AuthMethod.SPF, "no-dmarc-spf-aligned")
    if dkim_pass:
        signers = _dkim_signing_domains(receipt.mail.headers)
        if signers and all(s and _aligned(s, from_domain) for s in signers):
            return Authentication(True, AuthMethod.DKIM, "no-dmarc-dkim-aligned")
    return Authentication(False, AuthMethod.NONE, "no-dmarc-not-aligned")


def verdict_quarantine_reason(receipt: SesReceipt) -> str | None:
    """``virus-verdict-fail`` or ``spam-verdict-fail`` when SES's scan says so, else None.

    A virus outranks spam when both fail. Only FAIL quarantines: GRAY, PROCESSING_FAILED and
    DISABLED (scanning off) do not.
    """
    if _status(receipt.receipt.virus_verdict) == VerdictStatus.FAIL:
        return "virus-verdict-fail"
    if _status(receipt.receipt.spam_verdict) == VerdictStatus.FAIL:
        return "spam-verdict-fail"
    return None


# --- what the event alone decides -------------------------------------------------------------

# Authentication outcomes that need a From domain: when SES gave no From (its header summary
# can be missing on truncated headers) the raw message supplies it, so these wait for it.
_NEEDS_FROM_DOMAIN = frozenset({"no-dmarc-no-from-domain"})


@dataclass(frozen=True, slots=True)
class EventDecision:
    """What ingest knows from the SES event before any I/O.

    ``quarantine`` is a reason code when the event alone condemns the mail (a scan verdict, a
    From header that is not one bounded mailbox, failed authentication), else None.
    ``sender`` is SES's From read strictly (:func:`contactguard.mail.sender.strict_sender`);
    its address is None when SES gave no usable From. ``sender_known`` is False only when SES
    truncated the headers and left ``commonHeaders.from`` out: then the raw message alone says who.
    """

    quarantine: str | None
    sender: Sender
    sender_known: bool = True


def event_sender(receipt: SesReceipt) -> tuple[Sender, bool]:
    """SES's From (``commonHeaders.from``, one field split into a list), read strictly, and
    whether the event holds it at all (False: headers truncated and no ``from`` given)."""
    mail = receipt.mail
    fields = [h for h in mail.headers if h.name.strip().lower() == "from"]
    if len(fields) > 1:  # RFC 5322 §3.6: one From field
        return Sender(problem=SenderProblem.MALFORMED), True
    values = mail.common_headers.from_
    if not values:
        if mail.headers_truncated:
            return Sender(problem=SenderProblem.NO_SENDER), False
        return Sender(problem=SenderProblem.NO_SENDER), True
    return strict_sender([", ".join(values)]), True


def event_decision(receipt: SesReceipt) -> EventDecision:
    """Quarantine decided from the event alone, before the raw message is read (DESIGN.md).

    In order: the virus and spam verdicts; SES's From not being one bounded, well-formed
    mailbox (:mod:`contactguard.mail.sender` codes: ``no-sender``, ``from-header-malformed``,
    ``multiple-from-addresses``, ``sender-address-too-long``, ``sender-address-invalid``);
    then :func:`authentication` of that one address (``unauthenticated:<reason>``).

    Why SES's From and not just the raw message's: SES evaluated DMARC against the From
    domain as *it* parsed the header, and the event does not say which domain that was. When
    SES's reading and ours (strict, and checked again against the raw message by ingest: a
    different address is ``from-header-mismatch``) both find exactly one and the same
    mailbox, the domain DMARC passed is that address's domain; when either finds anything
    else, nothing is attributed.
    """
    sender, known = event_sender(receipt)
    reason = verdict_quarantine_reason(receipt)
    if reason is None and known and sender.problem is not None:
        reason = sender.problem.value
    if reason is None:
        addresses = [sender.address] if sender.address is not None else None
        auth = authentication(receipt, addresses)
        if not auth.authenticated and (known or auth.reason not in _NEEDS_FROM_DOMAIN):
            reason = f"unauthenticated:{auth.reason}"
    return EventDecision(reason, sender, known)
