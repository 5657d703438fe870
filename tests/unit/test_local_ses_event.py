"""The SES receipt event the local stack sends ingest (contactguard_local.ses): what SES would
put in it for a message, read back by ingest's own model."""

from __future__ import annotations

from datetime import datetime

from contactguard.domain.calendar import LONDON
from contactguard_local.ses import ses_receipt_event
from ingest.ses_event import authentication, event_sender, parse_ses_event

AT = datetime(2026, 11, 4, 10, 0, tzinfo=LONDON)
MESSAGE = (
    b'From: "A. Tenant" <a.tenant@example.org>\r\n'
    b"To: contact@example.org,\r\n someone@else.example\r\n"
    b"Reply-To: other@example.org\r\n"
    b"Subject: Automatic reply: Repairs\r\n"
    b"Auto-Submitted: auto-replied\r\n"
    b"Message-ID: <ooo-1@example.org>\r\n"
    b"\r\n"
    b"Away.\r\n"
)


def test_the_event_carries_the_messages_own_headers_and_the_envelope_sender() -> None:
    event = ses_receipt_event("m1", "bounces@mailer.example", "ignored", AT, message=MESSAGE)
    receipt = parse_ses_event(event)
    assert receipt.mail.source == "bounces@mailer.example"
    common = receipt.mail.common_headers
    assert common.return_path == "bounces@mailer.example"
    assert common.from_ == ['"A. Tenant" <a.tenant@example.org>']
    assert common.to == ["contact@example.org", "someone@else.example"]
    assert common.reply_to == ["other@example.org"]
    assert (common.subject, common.message_id) == (
        "Automatic reply: Repairs",
        "<ooo-1@example.org>",
    )
    headers = {h.name: h.value for h in receipt.mail.headers}
    assert headers["Auto-Submitted"] == "auto-replied"
    assert headers["To"] == "contact@example.org, someone@else.example"  # unfolded
    sender, known = event_sender(receipt)
    assert (sender.address, known) == ("a.tenant@example.org", True)


def test_without_the_message_the_envelope_sender_is_the_from() -> None:
    receipt = parse_ses_event(ses_receipt_event("m1", "a@example.org", "Hi", AT))
    assert receipt.mail.common_headers.from_ == ["a@example.org"]
    assert receipt.mail.common_headers.subject == "Hi"


def test_the_dmarc_policy_is_a_receipt_field_beside_the_verdicts() -> None:
    verdicts = {"dmarc": "GRAY", "dmarcPolicy": "reject"}
    event = ses_receipt_event("m1", "a@example.org", "Hi", AT, verdicts=verdicts)
    assert event["Records"][0]["ses"]["receipt"]["dmarcPolicy"] == "reject"
    receipt = parse_ses_event(event)
    assert receipt.receipt.dmarc_policy == "reject"
    assert authentication(receipt).reason == "dmarc-policy-not-passed"
    plain = parse_ses_event(ses_receipt_event("m1", "a@example.org", "Hi", AT))
    assert plain.receipt.dmarc_policy is None
    assert (
        "dmarcPolicy"
        not in ses_receipt_event("m", "a@example.org", "", AT)["Records"][0]["ses"]["receipt"]
    )
