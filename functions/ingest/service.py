"""Ingest: one inbound email in, one explicit SES disposition out, every contact logged.

A pipeline of small steps (after arithmetric/aws-lambda-ses-forwarder):
parse the SES event -> what the event alone condemns, before any I/O (scan verdicts, SES's
From read strictly, authentication: ``ses_event.event_decision``) -> read the raw MIME ->
its From, read strictly, must be the one SES read and authenticated -> who sent it -> what
the restrictions in force at receipt say -> log the contact once (the SES message id is the
key) -> side effects only for a new contact (read queue, auto-reply, alerts); delivery to
staff or the officer follows from the contact record, in the delivery function.

It never raises. Mail the event condemned is recorded as quarantined from the event alone
and always answered STOP_RULE_SET; a quarantine that cannot be recorded still stops, is
logged (``quarantine-unrecorded``) and alerted. On any other internal error it records what
it can and returns CONTINUE, so the mail still reaches staff; the sender it records is only
ever the From address SES authenticated, never the envelope sender (``mail.source``, which
nobody authenticated: it serves only SPF alignment in ``ses_event.authentication``).
Addresses become keys only through ``contactguard.mail.sender`` (bounded to RFC 5321's limits).
Log lines carry codes and identifiers, never addresses or text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum
from importlib import resources
from typing import Any, Protocol

from contactguard.domain.case import Case
from contactguard.domain.enforcement import EmailAction, EmailRuling, email_ruling
from contactguard.domain.model import Channel, Contact, Direction, Disposition
from contactguard.domain.outbound import Sent, sent_contact, sent_contact_id
from contactguard.domain.signals import Flag, language_flags
from contactguard.mail.auto_reply import build_auto_reply, may_auto_reply
from contactguard.mail.mime import ParsedMessage, parse_message
from contactguard.mail.sender import Sender, SenderProblem
from contactguard.organisation import Organisation, shipped_organisation
from contactguard.ports import Alerts, Log
from ingest.ses_event import (
    BadSesEvent,
    EventDecision,
    SesReceipt,
    authentication,
    event_decision,
    parse_ses_event,
)

SUMMARY_CHARS = 200
# Reason and alert codes of the quarantine's own failures (safe to log: no addresses).
SENDER_CHECK_FAILED = "sender-check-failed"
QUARANTINE_UNRECORDED = "quarantine-unrecorded"


class SesDisposition(StrEnum):
    CONTINUE = "CONTINUE"
    STOP_RULE_SET = "STOP_RULE_SET"


class IngestStore(Protocol):
    def customer_id_for_email(self, address: str) -> str | None: ...
    def cases_for_customer(self, customer_id: str) -> list[Case]: ...
    def record_contact(self, contact: Contact, *, queue_for_reading: bool = False) -> bool: ...
    def claim_auto_reply(self, customer_id: str, now: datetime, period: timedelta) -> bool: ...


class RawMail(Protocol):
    def read(self, message_id: str) -> bytes: ...
    def keep_sent(self, contact_id: str, data: bytes) -> None: ...


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str: ...


@dataclass(frozen=True)
class IngestResult:
    disposition: SesDisposition
    contact_disposition: Disposition
    reason: str  # a code, safe to log
    contact_id: str | None = None
    customer_id: str | None = None
    new_contact: bool = True
    auto_replied: bool = False
    alerts: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    recorded: bool = True  # False: writing the contact failed (logged, and alerted if held)

    def response(self) -> dict[str, str]:
        return {"disposition": self.disposition.value}


@dataclass
class IngestService:
    store: IngestStore
    raw_mail: RawMail
    mailer: Mailer
    alerts: Alerts
    log: Log
    patterns: dict[Flag, re.Pattern[str]]
    auto_reply_sender: str
    auto_reply_period: timedelta = timedelta(hours=168)
    auto_reply_text: str = field(default_factory=lambda: default_auto_reply_text())
    # The auto-reply's emergency line and name (contactguard.organisation).
    organisation: Organisation = field(default_factory=shipped_organisation)

    def ingest(self, event: dict[str, Any]) -> IngestResult:
        try:
            receipt = parse_ses_event(event)
        except BadSesEvent as error:
            self.log.error("ingest: not an SES receipt event", extra={"problem": str(error)})
            return IngestResult(SesDisposition.CONTINUE, Disposition.ACCEPTED, "bad-ses-event")
        contact_id = f"email-{receipt.mail.message_id}"
        try:
            decision = event_decision(receipt)
        except Exception as error:  # noqa: BLE001 - cannot tell who sent it: hold it, fail closed
            self.log.error(
                "ingest: event checks failed",
                extra={"error": type(error).__name__, "contact_id": contact_id},
            )
            decision = EventDecision(SENDER_CHECK_FAILED, Sender(problem=SenderProblem.MALFORMED))
        if decision.quarantine is not None:
            # Decided before any I/O: whatever fails from here on, the answer is STOP_RULE_SET.
            result = self._quarantine(receipt, contact_id, decision.quarantine, decision.sender)
        else:
            try:
                result = self._ingest(receipt, contact_id, decision)
            except Exception as error:  # noqa: BLE001 - DESIGN.md: ingest never raises; mail flows
                self.log.error(
                    "ingest: internal error, delivering as usual",
                    extra={"error": type(error).__name__, "contact_id": contact_id},
                )
                result = self._record_fallback(receipt, contact_id, type(error).__name__, decision)
        self.log.info(
            "ingest: decided",
            extra={
                "contact_id": result.contact_id,
                "customer_id": result.customer_id,
                "disposition": result.disposition.value,
                "contact_disposition": result.contact_disposition.value,
                "reason": result.reason,
                "new_contact": result.new_contact,
                "auto_replied": result.auto_replied,
                "alerts": list(result.alerts),
                "flags": list(result.flags),
            },
        )
        return result

    # The pipeline ---------------------------------------------------------------------------

    def _read(self, receipt: SesReceipt) -> ParsedMessage | None:
        try:
            raw = self.raw_mail.read(receipt.mail.message_id)
        except Exception as error:  # noqa: BLE001 - a missing object must not lose the mail
            self.log.warning(
                "ingest: raw message unreadable", extra={"error": type(error).__name__}
            )
            return None
        return parse_message(raw)

    def _base(
        self, receipt: SesReceipt, contact_id: str, parsed: ParsedMessage
    ) -> tuple[dict[str, Any], tuple[Flag, ...]]:
        """The contact's fields that do not depend on who sent it, and its language flags."""
        text = f"{parsed.subject}\n{parsed.text}"
        flags = language_flags(text, self.patterns)
        base = {
            "contact_id": contact_id,
            "channel": Channel.EMAIL,
            "direction": Direction.INBOUND,
            "at": receipt.mail.timestamp,
            "summary": parsed.subject[:SUMMARY_CHARS],
            "flags": tuple(f.value for f in flags)
            + tuple(f"attachment:{a.content_type}" for a in parsed.attachments[:20]),
            "raw_ref": receipt.mail.message_id,
        }
        return base, flags

    def _ingest(
        self, receipt: SesReceipt, contact_id: str, decision: EventDecision
    ) -> IngestResult:
        parsed = self._read(receipt)
        if parsed is None:
            return self._record_fallback(receipt, contact_id, "raw-message-unreadable", decision)
        quarantine = raw_quarantine_reason(receipt, decision, parsed)
        source = parsed.sender
        if quarantine is not None or source is None:
            reason = quarantine or SenderProblem.NO_SENDER.value
            # A From the two readings disagree on names nobody on the record.
            held = Sender() if reason == SenderProblem.MISMATCH else Sender(address=source)
            return self._quarantine(receipt, contact_id, reason, held, parsed)
        received = receipt.mail.timestamp
        base, flags = self._base(receipt, contact_id, parsed)

        customer_id = self.store.customer_id_for_email(source)
        if customer_id is None:
            contact = Contact(
                **base,
                customer_id=None,
                disposition=Disposition.UNMATCHED,
                reason="unknown-sender",
                source_address=source,
            )
            new = self.store.record_contact(contact)
            return IngestResult(
                SesDisposition.CONTINUE,
                Disposition.UNMATCHED,
                "unknown-sender",
                contact_id,
                new_contact=new,
            )

        ruling = email_ruling(self.store.cases_for_customer(customer_id), received)
        if ruling.action is EmailAction.FILE_AND_BLOCK:
            return self._file_and_block(base, source, customer_id, ruling, parsed, flags)
        if ruling.action is EmailAction.ROUTE_TO_OFFICER:
            return self._route(base, source, customer_id, ruling, flags)
        new = self._log_contact(
            base, source, customer_id, Disposition.ACCEPTED, "no-email-restriction"
        )
        alerts = self._signal_alerts(new, customer_id, contact_id, flags)
        return IngestResult(
            SesDisposition.CONTINUE,
            Disposition.ACCEPTED,
            "no-email-restriction",
            contact_id,
            customer_id,
            new,
            alerts=alerts,
            flags=tuple(f.value for f in flags),
        )

    def _log_contact(
        self,
        base: dict[str, Any],
        source: str,
        customer_id: str,
        disposition: Disposition,
        reason: str,
        *,
        queue_for_reading: bool = False,
        deliver_to: str | None = None,
    ) -> bool:
        contact = Contact(
            **base,
            customer_id=customer_id,
            disposition=disposition,
            reason=reason,
            source_address=source,
            deliver_to=deliver_to,
        )
        return self.store.record_contact(contact, queue_for_reading=queue_for_reading)

    def _file_and_block(
        self,
        base: dict[str, Any],
        source: str,
        customer_id: str,
        ruling: EmailRuling,
        parsed: ParsedMessage,
        flags: tuple[Flag, ...],
    ) -> IngestResult:
        contact_id, reason = str(base["contact_id"]), "letters-only-restriction"
        new = self._log_contact(
            base, source, customer_id, Disposition.FILED_BLOCKED, reason, queue_for_reading=True
        )
        result = IngestResult(
            SesDisposition.STOP_RULE_SET,
            Disposition.FILED_BLOCKED,
            reason,
            contact_id,
            customer_id,
            new,
            flags=tuple(f.value for f in flags),
        )
        if not new:  # a redelivery: the first delivery already did the side effects
            return result
        alerts = list(self._signal_alerts(new, customer_id, contact_id, flags))
        if Flag.SAFEGUARDING in flags:
            # Filed mail is read later; a safeguarding signal cannot wait for that.
            alerts.append(self._alert("safeguarding", customer_id, contact_id))
        replied = self._auto_reply(
            parsed,
            source,
            customer_id,
            ruling,
            base["at"],
            inbound=self._contact_of(base, source, customer_id),
        )
        return replace(result, auto_replied=replied, alerts=tuple(alerts))

    @staticmethod
    def _contact_of(base: dict[str, Any], source: str, customer_id: str) -> Contact:
        return Contact(
            **base,
            customer_id=customer_id,
            disposition=Disposition.FILED_BLOCKED,
            source_address=source,
        )

    def _auto_reply(
        self,
        parsed: ParsedMessage,
        source: str,
        customer_id: str,
        ruling: EmailRuling,
        received: datetime,
        *,
        inbound: Contact,
    ) -> bool:
        allowed, why = may_auto_reply(parsed, authenticated=True)
        if not allowed:
            self.log.info("ingest: no auto-reply", extra={"why": why})
            return False
        body = auto_reply_body(self.auto_reply_text, ruling, self.organisation)
        try:
            # The rate limit runs on SES's receipt time: time is an argument, never the clock.
            if not self.store.claim_auto_reply(customer_id, received, self.auto_reply_period):
                self.log.info("ingest: no auto-reply", extra={"why": "rate-limited"})
                return False
            reply = build_auto_reply(parsed, source, self.auto_reply_sender, body)
            contact_id = sent_contact_id(Sent.AUTO_REPLY, receipt_id(inbound))
            # Kept before it is sent: what we sent is on the record, as it went.
            self.raw_mail.keep_sent(contact_id, reply.as_bytes())
            ses_id = self.mailer.send(reply)
        except Exception as error:  # noqa: BLE001 - the mail is filed; the reply is a courtesy
            self.log.warning("ingest: auto-reply failed", extra={"error": type(error).__name__})
            return False
        sent = sent_contact(
            Sent.AUTO_REPLY,
            inbound=inbound,
            at=received,
            ses_message_id=ses_id,
            to=source,
            summary=str(reply["Subject"] or ""),
        )
        try:
            self.store.record_contact(sent)  # one contact per reply (its id is the key)
        except Exception as error:  # noqa: BLE001 - sent: never raise (SES would redeliver)
            self.log.error(
                "ingest: auto-reply sent but not logged",
                extra={"error": type(error).__name__, "contact_id": contact_id},
            )
        return True

    def _route(
        self,
        base: dict[str, Any],
        source: str,
        customer_id: str,
        ruling: EmailRuling,
        flags: tuple[Flag, ...],
    ) -> IngestResult:
        contact_id, reason = str(base["contact_id"]), "single-point-of-contact"
        # Not delivered here: the delivery function forwards it to the officer from the
        # contact record, by the same path as all staff mail (retried, once only).
        new = self._log_contact(
            base,
            source,
            customer_id,
            Disposition.ROUTED_TO_OFFICER,
            reason,
            deliver_to=ruling.officer_email,
        )
        return IngestResult(
            SesDisposition.STOP_RULE_SET,
            Disposition.ROUTED_TO_OFFICER,
            reason,
            contact_id,
            customer_id,
            new,
            alerts=self._signal_alerts(new, customer_id, contact_id, flags),
            flags=tuple(f.value for f in flags),
        )

    def _signal_alerts(
        self, new: bool, customer_id: str, contact_id: str, flags: tuple[Flag, ...]
    ) -> tuple[str, ...]:
        """Abusive or threatening language informs the Service Manager; it decides nothing."""
        if not new:
            return ()
        return tuple(
            self._alert(f"signal:{flag.value}", customer_id, contact_id)
            for flag in flags
            if flag is not Flag.SAFEGUARDING
        )

    def _alert(self, kind: str, customer_id: str, contact_id: str) -> str:
        try:
            self.alerts.alert(kind, customer_id=customer_id, contact_id=contact_id)
        except Exception as error:  # noqa: BLE001 - logged; the contact record holds the flag
            self.log.error(
                "ingest: alert failed", extra={"kind": kind, "error": type(error).__name__}
            )
        return kind

    def _quarantine(
        self,
        receipt: SesReceipt,
        contact_id: str,
        reason: str,
        sender: Sender,
        parsed: ParsedMessage | None = None,
    ) -> IngestResult:
        """Hold the mail for staff review: STOP_RULE_SET whatever fails, never attributed.

        The record names a sender only when it is one bounded, well-formed mailbox (never the
        envelope sender); it is keyed on that address or, without one, in the quarantine.
        Mail the event condemned is recorded from the event alone (``parsed`` None): no read
        of a message already known to be hostile, nothing that could fail or time out first.
        """
        fields = self._event_fields(receipt, contact_id)
        try:
            if parsed is not None:
                fields, _ = self._base(receipt, contact_id, parsed)
            contact = Contact(
                **fields,
                customer_id=None,
                disposition=Disposition.QUARANTINED,
                reason=reason,
                source_address=sender.address,
            )
        except Exception as error:  # noqa: BLE001 - record the bare minimum instead
            self.log.warning(
                "ingest: quarantine record reduced", extra={"error": type(error).__name__}
            )
            contact = Contact(
                **self._event_fields(receipt, contact_id),
                customer_id=None,
                disposition=Disposition.QUARANTINED,
                reason=reason,
            )
        try:
            new = self.store.record_contact(contact)
        except Exception as error:  # noqa: BLE001 - still held: the raw mail is in S3
            return self._unrecorded(contact_id, reason, error)
        return IngestResult(
            SesDisposition.STOP_RULE_SET,
            Disposition.QUARANTINED,
            reason,
            contact_id,
            new_contact=new,
        )

    def _unrecorded(self, contact_id: str, reason: str, error: Exception) -> IngestResult:
        """A quarantined message whose record could not be written: it stays stopped (its raw
        copy is in S3 under the SES message id) and staff are alerted, so it is not lost."""
        self.log.error(
            "ingest: quarantined mail not recorded",
            extra={
                "code": QUARANTINE_UNRECORDED,
                "error": type(error).__name__,
                "contact_id": contact_id,
                "reason": reason,
            },
        )
        try:
            self.alerts.alert(QUARANTINE_UNRECORDED, contact_id=contact_id, reason=reason)
        except Exception as alert_error:  # noqa: BLE001 - the log line and the metric remain
            self.log.error(
                "ingest: alert failed",
                extra={"kind": QUARANTINE_UNRECORDED, "error": type(alert_error).__name__},
            )
        return IngestResult(
            SesDisposition.STOP_RULE_SET,
            Disposition.QUARANTINED,
            f"fallback:{QUARANTINE_UNRECORDED}",
            contact_id,
            recorded=False,
            alerts=(QUARANTINE_UNRECORDED,),
        )

    @staticmethod
    def _event_fields(receipt: SesReceipt, contact_id: str) -> dict[str, Any]:
        return {
            "contact_id": contact_id,
            "channel": Channel.EMAIL,
            "direction": Direction.INBOUND,
            "at": receipt.mail.timestamp,
            "summary": (receipt.mail.common_headers.subject or "")[:SUMMARY_CHARS],
            "raw_ref": receipt.mail.message_id,
        }

    def _record_fallback(
        self, receipt: SesReceipt, contact_id: str, why: str, decision: EventDecision
    ) -> IngestResult:
        """Something failed after the event passed every check: record what SES told us and
        let the mail reach staff. The sender recorded is the From address SES authenticated
        (never the envelope sender, which nobody authenticated); with none, the record goes to
        the quarantine partition, still delivered and flagged for review."""
        try:
            contact = Contact(
                **self._event_fields(receipt, contact_id),
                customer_id=None,
                disposition=Disposition.UNMATCHED,
                reason=f"ingest-fallback:{why}",
                source_address=decision.sender.address,
                flags=("needs-review",),
            )
            if contact.source_address is None:
                contact = contact.model_copy(update={"disposition": Disposition.QUARANTINED})
            new = self.store.record_contact(contact)
        except Exception as error:  # noqa: BLE001 - even recording failed: still deliver
            self.log.error("ingest: could not record", extra={"error": type(error).__name__})
            return IngestResult(
                SesDisposition.CONTINUE,
                Disposition.ACCEPTED,
                f"fallback:{why}",
                contact_id,
                new_contact=False,
                recorded=False,
            )
        return IngestResult(
            SesDisposition.CONTINUE,
            Disposition.ACCEPTED,
            f"fallback:{why}",
            contact_id,
            new_contact=new,
        )


def raw_quarantine_reason(
    receipt: SesReceipt, decision: EventDecision, parsed: ParsedMessage
) -> str | None:
    """What the raw message adds to the event's checks: its From, read strictly
    (:mod:`contactguard.mail.sender` codes), must be the one SES read
    (``from-header-mismatch``; only when SES truncated the headers and gave no From does the
    raw message decide alone), and
    that address must be authenticated (``unauthenticated:<reason>``)."""
    if parsed.sender is None:
        return parsed.sender_problem or SenderProblem.NO_SENDER.value
    if decision.sender_known and parsed.sender != decision.sender.address:
        return SenderProblem.MISMATCH.value
    auth = authentication(receipt, [parsed.sender])
    if not auth.authenticated:
        return f"unauthenticated:{auth.reason}"
    return None


def receipt_id(contact: Contact) -> str:
    """The SES message id an email contact was logged from."""
    if contact.raw_ref is None:  # pragma: no cover - every ingested email has one
        raise ValueError("an email contact without its message")
    return contact.raw_ref


def auto_reply_body(text: str, ruling: EmailRuling, org: Organisation) -> str:
    """The auto-reply's words: where to write (the restriction's address, else the
    organisation's point of contact address) and the emergency line, from the organisation."""
    fills = {
        "{write_to}": ruling.write_to or org.write_to,
        "{emergency_covers}": org.emergency.covers,
        "{emergency_telephone}": org.emergency.telephone,
        "{emergency_hours}": org.emergency.hours,
        "{organisation}": org.name,
    }
    for placeholder, value in fills.items():
        text = text.replace(placeholder, value)
    return text


def default_auto_reply_text() -> str:
    return resources.files("ingest").joinpath("data/auto_reply.txt").read_text("utf-8")
