"""Ingest: one inbound email in, one explicit SES disposition out, every contact logged.

A pipeline of small steps (after arithmetric/aws-lambda-ses-forwarder):
parse the SES event -> read the raw MIME -> quarantine checks (scan verdicts, authentication,
one sender) -> who sent it -> what the restrictions in force at receipt say -> log the
contact once (the SES message id is the key) -> side effects only for a new contact
(read queue, auto-reply, alerts); delivery to staff or the officer follows from the
contact record, in the delivery function.

It never raises: on any internal error it records what it can and returns CONTINUE, so the
mail still reaches staff. Log lines carry codes and identifiers, never addresses or text.
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
from contactguard.domain.model import Channel, Contact, Direction, Disposition, normalise_email
from contactguard.domain.signals import Flag, language_flags
from ingest.mime import ParsedMessage, build_auto_reply, may_auto_reply, parse_message
from ingest.ses_event import (
    BadSesEvent,
    SesReceipt,
    authentication,
    parse_ses_event,
    verdict_quarantine_reason,
)

SUMMARY_CHARS = 200


class SesDisposition(StrEnum):
    CONTINUE = "CONTINUE"
    STOP_RULE_SET = "STOP_RULE_SET"


class Log(Protocol):
    def info(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def warning(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...
    def error(self, msg: str, *args: Any, **kwargs: Any) -> Any: ...


class IngestStore(Protocol):
    def customer_id_for_email(self, address: str) -> str | None: ...
    def cases_for_customer(self, customer_id: str) -> list[Case]: ...
    def record_contact(self, contact: Contact, *, queue_for_reading: bool = False) -> bool: ...
    def claim_auto_reply(self, customer_id: str, now: datetime, period: timedelta) -> bool: ...


class RawMail(Protocol):
    def read(self, message_id: str) -> bytes: ...


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str: ...


class Alerts(Protocol):
    def alert(self, kind: str, **ids: str) -> None: ...


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

    def ingest(self, event: dict[str, Any]) -> IngestResult:
        try:
            receipt = parse_ses_event(event)
        except BadSesEvent as error:
            self.log.error("ingest: not an SES receipt event", extra={"problem": str(error)})
            return IngestResult(SesDisposition.CONTINUE, Disposition.ACCEPTED, "bad-ses-event")
        contact_id = f"email-{receipt.mail.message_id}"
        try:
            result = self._ingest(receipt, contact_id)
        except Exception as error:  # noqa: BLE001 - DESIGN.md: ingest never raises; mail flows
            self.log.error(
                "ingest: internal error, delivering as usual",
                extra={"error": type(error).__name__, "contact_id": contact_id},
            )
            result = self._record_fallback(receipt, contact_id, type(error).__name__)
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

    def _ingest(self, receipt: SesReceipt, contact_id: str) -> IngestResult:
        parsed = self._read(receipt)
        if parsed is None:
            return self._record_fallback(receipt, contact_id, "raw-message-unreadable")
        received = receipt.mail.timestamp
        text = f"{parsed.subject}\n{parsed.text}"
        flags = language_flags(text, self.patterns)
        base = {
            "contact_id": contact_id,
            "channel": Channel.EMAIL,
            "direction": Direction.INBOUND,
            "at": received,
            "summary": parsed.subject[:SUMMARY_CHARS],
            "flags": tuple(f.value for f in flags)
            + tuple(f"attachment:{a.content_type}" for a in parsed.attachments[:20]),
            "raw_ref": receipt.mail.message_id,
        }
        sender = parsed.from_address
        source = _valid_address(sender)

        quarantine = verdict_quarantine_reason(receipt)
        if quarantine is None and len(parsed.from_addresses) != 1:
            quarantine = "no-sender" if not parsed.from_addresses else "multiple-from-addresses"
        if quarantine is None:
            auth = authentication(receipt, parsed.from_addresses)
            if not auth.authenticated:
                quarantine = f"unauthenticated:{auth.reason}"
        if quarantine is not None or source is None:
            reason = quarantine or "sender-address-invalid"
            contact = Contact(
                **base,
                customer_id=None,
                disposition=Disposition.QUARANTINED,
                reason=reason,
                source_address=source,
            )
            new = self.store.record_contact(contact)
            # Never attributed, never delivered to staff: held for staff review.
            return IngestResult(
                SesDisposition.STOP_RULE_SET,
                Disposition.QUARANTINED,
                reason,
                contact_id,
                new_contact=new,
            )

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
        replied = self._auto_reply(parsed, source, customer_id, ruling, base["at"])
        return replace(result, auto_replied=replied, alerts=tuple(alerts))

    def _auto_reply(
        self,
        parsed: ParsedMessage,
        source: str,
        customer_id: str,
        ruling: EmailRuling,
        received: datetime,
    ) -> bool:
        allowed, why = may_auto_reply(parsed, authenticated=True)
        if not allowed:
            self.log.info("ingest: no auto-reply", extra={"why": why})
            return False
        body = self.auto_reply_text.replace("{write_to}", ruling.write_to or "our office")
        try:
            # The rate limit runs on SES's receipt time: time is an argument, never the clock.
            if not self.store.claim_auto_reply(customer_id, received, self.auto_reply_period):
                self.log.info("ingest: no auto-reply", extra={"why": "rate-limited"})
                return False
            self.mailer.send(build_auto_reply(parsed, source, self.auto_reply_sender, body))
        except Exception as error:  # noqa: BLE001 - the mail is filed; the reply is a courtesy
            self.log.warning("ingest: auto-reply failed", extra={"error": type(error).__name__})
            return False
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

    def _record_fallback(self, receipt: SesReceipt, contact_id: str, why: str) -> IngestResult:
        """Something failed: record what SES told us and let the mail reach staff."""
        try:
            contact = Contact(
                contact_id=contact_id,
                customer_id=None,
                channel=Channel.EMAIL,
                at=receipt.mail.timestamp,
                summary=(receipt.mail.common_headers.subject or "")[:SUMMARY_CHARS],
                disposition=Disposition.UNMATCHED,
                reason=f"ingest-fallback:{why}",
                source_address=_valid_address(receipt.mail.source),
                raw_ref=receipt.mail.message_id,
                flags=("needs-review",),
            )
            if contact.source_address is None:
                contact = contact.model_copy(update={"disposition": Disposition.QUARANTINED})
            new = self.store.record_contact(contact)
        except Exception as error:  # noqa: BLE001 - even recording failed: still deliver
            self.log.error("ingest: could not record", extra={"error": type(error).__name__})
            new = False
        return IngestResult(
            SesDisposition.CONTINUE,
            Disposition.ACCEPTED,
            f"fallback:{why}",
            contact_id,
            new_contact=new,
        )


def _valid_address(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return normalise_email(address)
    except ValueError:
        return None


def default_auto_reply_text() -> str:
    return resources.files("ingest").joinpath("data/auto_reply.txt").read_text("utf-8")
