"""Who sent it, decided twice: from SES's event before any I/O (``event_decision``) and from the
raw message after it, and what each hold records.

test_ingest_service.py walks the README's "Inbound email" table; these are its edges: a
second From field in the event, SES's header summary missing or split at a comma, a raw
message that alone names its sender, the record a raw-stage hold keeps, and the fallbacks.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from test_ingest_service import (
    CONTACT_ID,
    CUSTOMER,
    MESSAGE_ID,
    RECEIVED,
    SENDER,
    BrokenPattern,
    Rig,
    email,
)

from contactguard.domain.model import Disposition
from contactguard.mail.sender import Sender, SenderProblem
from contactguard_local.ses import ses_receipt_event
from ingest.service import IngestResult, SesDisposition
from ingest.ses_event import EventDecision, event_decision, parse_ses_event

enforcement = pytest.mark.policy("design-email-enforcement")
SES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "ses"
# SES authenticated nothing by DMARC (the domain publishes no policy); SPF passed for the
# envelope sender's domain.
NO_DMARC = {"dmarc": "GRAY", "dkim": "GRAY"}
ELSEWHERE = "tenant@elsewhere.example"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SES_DIR / f"{name}.json").read_text("utf-8"))
    return data


def mail_of(event: dict[str, Any]) -> dict[str, Any]:
    mail: dict[str, Any] = event["Records"][0]["ses"]["mail"]
    return mail


def event(
    *,
    verdicts: dict[str, str] | None = None,
    from_header: list[str] | None = None,
    truncated_without_from: bool = False,
    header_names: tuple[str, ...] = ("From",),
) -> dict[str, Any]:
    """SES's event for mail from envelope sender SENDER: its header list holds `header_names`
    (each a From field by default); with `truncated_without_from` SES cut the headers short
    and its summary has no From at all."""
    built = ses_receipt_event(MESSAGE_ID, SENDER, "About my repair", RECEIVED, verdicts=verdicts)
    mail = mail_of(built)
    mail["headers"] = [{"name": name, "value": SENDER} for name in header_names]
    if from_header is not None:
        mail["commonHeaders"]["from"] = from_header
    if truncated_without_from:
        mail["headersTruncated"] = True
        mail["headers"] = [h for h in mail["headers"] if h["name"].lower() != "from"]
        del mail["commonHeaders"]["from"]
    return built


# --- the event alone -------------------------------------------------------------------------


@enforcement
@pytest.mark.parametrize(
    ("name", "decision"),
    [
        ("all_pass", EventDecision(None, Sender(address="alex.tenant@example.org"))),
        (
            "dmarc_fail_spf_pass",
            EventDecision("unauthenticated:dmarc-fail", Sender(address="alex.tenant@example.org")),
        ),
        # No From in SES's summary: who sent it, and whether that is authenticated, waits for
        # the raw message.
        (
            "headers_truncated_no_from",
            EventDecision(None, Sender(problem=SenderProblem.NO_SENDER), False),
        ),
    ],
)
def test_the_event_decision_on_real_events(name: str, decision: EventDecision) -> None:
    """Each fixture's full header list (From among fifteen others) is one From field."""
    assert event_decision(parse_ses_event(fixture(name))) == decision


@enforcement
@pytest.mark.parametrize("names", [("From", "From"), ("From", "FROM"), ("from ", "From")])
def test_a_second_from_field_in_the_event_holds_the_mail_before_reading_it(
    names: tuple[str, ...],
) -> None:
    """RFC 5322 allows one From field. SES's summary shows one address, but the header list
    shows two fields: which one DMARC checked is unknown. The raw copy is not even needed (here
    it is missing, which would otherwise deliver the mail as a fallback)."""
    rig = Rig()
    result = rig.service().ingest(event(header_names=("To", *names, "Subject")))
    assert result == IngestResult(
        SesDisposition.STOP_RULE_SET, Disposition.QUARANTINED, "from-header-malformed", CONTACT_ID
    )
    assert rig.raw.reads == []
    contact, _ = rig.store.only
    assert (contact.reason, contact.source_address) == ("from-header-malformed", None)


@enforcement
def test_a_failed_dmarc_holds_the_mail_even_when_ses_gave_no_from() -> None:
    """SES truncated the headers, but DMARC failed for whatever the From was: held at once,
    without reading the raw message (here missing, which would otherwise deliver it)."""
    rig = Rig()
    result = rig.service().ingest(event(verdicts={"dmarc": "FAIL"}, truncated_without_from=True))
    assert result == IngestResult(
        SesDisposition.STOP_RULE_SET,
        Disposition.QUARANTINED,
        "unauthenticated:dmarc-fail",
        CONTACT_ID,
    )
    assert rig.raw.reads == []
    assert event_decision(
        parse_ses_event(event(verdicts={"dmarc": "FAIL"}, truncated_without_from=True))
    ) == EventDecision("unauthenticated:dmarc-fail", Sender(problem=SenderProblem.NO_SENDER), False)


@enforcement
def test_a_from_ses_split_at_a_comma_in_the_display_name_is_read_as_written() -> None:
    """SES's summary can split `"Tenant, T." <address>` at the comma; joined back it is one
    mailbox, whose domain SPF (no DMARC policy) must align with: the customer's mail."""
    rig = Rig()
    rig.raw.messages[MESSAGE_ID] = email(sender=f'"Tenant, T." <{SENDER}>')
    result = rig.service().ingest(
        event(verdicts=NO_DMARC, from_header=['"Tenant', f'T." <{SENDER}>'])
    )
    assert (result.disposition, result.contact_disposition, result.customer_id) == (
        SesDisposition.CONTINUE,
        Disposition.ACCEPTED,
        CUSTOMER,
    )


@enforcement
def test_a_from_of_the_longest_readable_length_split_by_ses_is_still_read() -> None:
    """The length limit (4,096 characters) applies to the From as written, SES's pieces joined
    with the ", " it split them at."""
    tail = f'T." <{SENDER}>'
    head = '"Tenant ' + "x" * (4096 - len('"Tenant ') - len(", ") - len(tail))
    assert len(f"{head}, {tail}") == 4096
    decision = event_decision(parse_ses_event(event(from_header=[head, tail])))
    assert decision == EventDecision(None, Sender(address=SENDER))
    too_long = event_decision(parse_ses_event(event(from_header=[head + "x", tail])))
    assert too_long.quarantine == "from-header-malformed"


# --- the raw message decides -----------------------------------------------------------------


@enforcement
def test_with_no_from_from_ses_the_raw_messages_from_is_what_spf_must_align_with() -> None:
    rig = Rig()
    rig.raw.messages[MESSAGE_ID] = email()
    result = rig.service().ingest(event(verdicts=NO_DMARC, truncated_without_from=True))
    assert result == IngestResult(
        SesDisposition.CONTINUE,
        Disposition.ACCEPTED,
        "no-email-restriction",
        CONTACT_ID,
        CUSTOMER,
    )
    contact, _ = rig.store.only
    assert contact.source_address == SENDER


@enforcement
def test_a_raw_stage_hold_records_the_message_its_sender_and_its_flags() -> None:
    """SES gave no From; the raw message names a sender SPF does not vouch for. The hold keeps
    what staff need to review it: the message's subject and flags, and the address it named
    (one well-formed mailbox, never attributed to a customer)."""
    rig = Rig()
    rig.raw.messages[MESSAGE_ID] = email(
        "You useless idiots.", sender=ELSEWHERE, subject="Open this", attachments=1
    )
    result = rig.service().ingest(event(verdicts=NO_DMARC, truncated_without_from=True))
    reason = "unauthenticated:no-dmarc-not-aligned"
    assert result == IngestResult(
        SesDisposition.STOP_RULE_SET, Disposition.QUARANTINED, reason, CONTACT_ID
    )
    contact, queued = rig.store.only
    assert (contact.customer_id, contact.disposition, contact.reason, queued) == (
        None,
        Disposition.QUARANTINED,
        reason,
        False,
    )
    assert contact.source_address == ELSEWHERE
    assert contact.summary == "Open this"
    assert contact.flags == ("abusive-language", "attachment:image/png")
    assert rig.store.lookups == []


@enforcement
def test_a_from_the_two_readings_disagree_on_is_held_with_the_messages_flags() -> None:
    rig = Rig()
    rig.raw.messages[MESSAGE_ID] = email(sender=ELSEWHERE, subject="Open this", attachments=1)
    result = rig.service().ingest(event())
    assert result.reason == "from-header-mismatch"
    contact, _ = rig.store.only
    assert (contact.summary, contact.flags, contact.source_address) == (
        "Open this",
        ("attachment:image/png",),
        None,
    )


# --- failures --------------------------------------------------------------------------------


@enforcement
def test_when_the_event_checks_fail_the_hold_is_recorded_in_full_without_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The "quarantine record reduced" warning means a hold lost detail; failed sender checks
    are an ordinary hold (no sender to name), not that."""

    def broken(receipt: object) -> None:
        raise RuntimeError("check")

    monkeypatch.setattr("ingest.service.event_decision", broken)
    rig = Rig()
    with caplog.at_level(logging.WARNING):
        result = rig.service().ingest(event())
    assert result.reason == "sender-check-failed"
    assert [r.getMessage() for r in caplog.records if "reduced" in r.getMessage()] == []


@enforcement
def test_a_hold_whose_full_record_fails_to_build_still_records_why() -> None:
    """The reduced record (the event's fields only) still says why the mail was held: it is
    what staff review it by."""
    rig = Rig()
    service = rig.service()
    service.patterns = dict.fromkeys(service.patterns, BrokenPattern())  # type: ignore[arg-type]
    rig.raw.messages[MESSAGE_ID] = email(sender=ELSEWHERE)
    result = service.ingest(event())
    assert (result.disposition, result.reason) == (
        SesDisposition.STOP_RULE_SET,
        "from-header-mismatch",
    )
    contact, _ = rig.store.only
    assert (contact.disposition, contact.reason, contact.flags) == (
        Disposition.QUARANTINED,
        "from-header-mismatch",
        (),
    )


@enforcement
def test_a_redelivered_fallback_is_one_contact() -> None:
    rig = Rig()
    first = rig.service().ingest(event())  # no raw copy: recorded for review, delivered
    again = rig.service().ingest(event())
    assert (first.reason, first.new_contact) == ("fallback:raw-message-unreadable", True)
    assert (again.reason, again.new_contact) == ("fallback:raw-message-unreadable", False)
    assert len(rig.store.contacts) == 1
