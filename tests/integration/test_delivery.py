"""Customer email reaches staff in AWS as on a laptop: the delivery function on the embedded
stack, judged by what the mailboxes hold (what SES was asked to send, and moto's own record of
what it sent), headers included."""

from __future__ import annotations

import mailbox
import smtplib
from collections.abc import Iterator
from datetime import datetime
from email import message_from_bytes
from email.message import EmailMessage, Message
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from test_fault_injection import consumer_records, invoke_batch, retry_stream

from contactguard.domain.calendar import LONDON
from contactguard.domain.model import (
    Actor,
    Customer,
    Role,
    Weekday,
)
from contactguard.domain.restrictions import (
    LettersOnly,
    SinglePointOfContact,
)
from contactguard_local.examples import immediate_restrictions
from contactguard_local.smtp import SmtpGateway
from contactguard_local.stack import EmbeddedStack, SentMail, SimClock
from delivery.forward import split
from faults import FAULTS, Call, FaultInjector, applies, installed

NOW = datetime(2026, 12, 2, 10, tzinfo=LONDON)  # a Wednesday
TENANT = "pat.tenant@example.org"
OFFICER = "j.officer@landlord.example"
HEAD = Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE)
pytestmark = pytest.mark.policy("design-email-enforcement")


def message(sender: str = f"Pat Tenant <{TENANT}>", subject: str = "Boiler") -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "contact@example.org"
    mail["Cc"] = "repairs@example.org"
    mail["Subject"] = subject
    mail["Date"] = "Wed, 02 Dec 2026 09:58:00 +0000"
    mail["Message-ID"] = "<original-1@example.org>"
    mail["DKIM-Signature"] = "v=1; a=rsa-sha256; d=example.org; b=abc"
    mail.set_content("The boiler is still broken.\nPlease send someone.")
    mail.add_attachment(b"%PDF-1.4 photo", maintype="application", subtype="pdf", filename="p.pdf")
    return mail


@pytest.fixture
def stack() -> Iterator[EmbeddedStack]:
    with EmbeddedStack(SimClock(NOW)) as running:
        running.store.put_customer(Customer(customer_id="c1", name="Pat Tenant", emails=(TENANT,)))
        yield running


def staff_copies(stack: EmbeddedStack) -> list[SentMail]:
    return stack.mail_to(stack.staff_mailbox)


def sent_by_moto(stack: EmbeddedStack) -> list[Any]:
    return list(ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-2"].sent_messages)


def parsed(sent: SentMail) -> Message:
    return message_from_bytes(sent.data, policy=default_policy)


def body_of(data: bytes) -> bytes:
    return split(data)[1]  # all after the header block, as bytes


def test_an_accepted_email_reaches_the_staff_mailbox_once_as_staff_need_it(
    stack: EmbeddedStack,
) -> None:
    original = message().as_bytes()
    first = stack.deliver_email(original, TENANT, "Boiler", message_id="ses-msg-0001")
    again = stack.deliver_email(original, TENANT, "Boiler", message_id="ses-msg-0001")  # SES again

    assert (first, again) == ("CONTINUE", "CONTINUE")
    (copy,) = staff_copies(stack)
    assert copy.destinations == ("customer-services@example.org",)  # the envelope: staff only
    assert len(sent_by_moto(stack)) == 1  # SES took exactly one message
    headers = parsed(copy)
    assert str(headers["From"]) == "Pat Tenant via contactguard <customer-email@example.org>"
    assert str(headers["Reply-To"]) == TENANT  # staff press reply and reach Pat
    assert str(headers["To"]) == "contact@example.org"  # kept as the customer wrote them
    assert str(headers["Cc"]) == "repairs@example.org"
    assert str(headers["Subject"]) == "Boiler"
    assert str(headers["Message-ID"]) == "<original-1@example.org>"
    assert str(headers["Original-Message-ID"]) == "<original-1@example.org>"  # SES replaces ID
    assert str(headers["Date"]) == "Wed, 02 Dec 2026 09:58:00 +0000"
    assert str(headers["X-Original-Date"]) == "Wed, 02 Dec 2026 09:58:00 +0000"
    assert str(headers["X-Contactguard-Contact-Id"]) == "email-ses-msg-0001"
    assert headers["DKIM-Signature"] is None  # it signed the old From: it would fail
    assert body_of(copy.data) == body_of(original)  # body and attachment byte for byte
    assert stack.metric_total("Deliveries", "delivery") == 1
    assert stack.metric_total("EmailsAccepted", "ingest") == 1
    assert stack.metric_total("EmailsRedelivered", "ingest") == 1


def test_each_copy_we_send_is_one_outbound_contact_however_often_the_work_is_redone(
    stack: EmbeddedStack,
) -> None:
    _ingest_only(stack)
    records = consumer_records(stack, "DeliveryFunction")
    invoke_batch(stack, "DeliveryFunction", records)
    invoke_batch(stack, "DeliveryFunction", records)  # Lambda's at-least-once: again
    stack.pump_streams()

    contacts = list(stack.store.contacts("c1", NOW.replace(hour=0), NOW.replace(hour=23)))
    inbound = [c for c in contacts if c.direction.value == "inbound"]
    (sent,) = [c for c in contacts if c.direction.value == "outbound"]
    assert len(inbound) == 1
    (copy,) = staff_copies(stack)
    assert (sent.disposition.value, sent.reason) == ("sent", "forwarded-to-staff-mailbox")
    assert (sent.deliver_to, sent.source_address, sent.summary) == (
        stack.staff_mailbox,
        TENANT,
        "Boiler",
    )
    (moto_sent,) = sent_by_moto(stack)
    assert sent.raw_ref == moto_sent.id  # SES's id for what went out
    bucket = stack.functions["DeliveryFunction"]["env"]["CONTACTGUARD_RAW_MAIL_BUCKET"]
    kept = stack.s3.get_object(Bucket=bucket, Key=f"sent/{sent.contact_id}.eml")["Body"].read()
    assert kept == copy.data  # what was sent, as it went
    assert stack.log.stream_failures == []


def test_the_auto_reply_is_an_outbound_contact_kept_as_sent(stack: EmbeddedStack) -> None:
    stack.cases.open_case(
        immediate_restrictions("k1", "c1", LettersOnly(write_to="PO Box 1")), HEAD, NOW
    )
    stack.deliver_email(message().as_bytes(), TENANT, "Boiler", message_id="ses-msg-0002")
    stack.deliver_email(message().as_bytes(), TENANT, "Boiler", message_id="ses-msg-0002")

    contacts = list(stack.store.contacts("c1", NOW.replace(hour=0), NOW.replace(hour=23)))
    (reply,) = [c for c in contacts if c.direction.value == "outbound"]
    (sent,) = stack.log.sent
    assert (reply.reason, reply.deliver_to, reply.contact_id) == (
        "auto-reply",
        TENANT,
        "sent-auto-reply-ses-msg-0002",
    )
    bucket = stack.functions["IngestFunction"]["env"]["CONTACTGUARD_RAW_MAIL_BUCKET"]
    kept = stack.s3.get_object(Bucket=bucket, Key=f"sent/{reply.contact_id}.eml")["Body"].read()
    assert kept == sent.data
    assert staff_copies(stack) == []  # our own reply is never delivered to staff


def test_an_unknown_sender_is_delivered_and_not_again_when_staff_link_the_address(
    stack: EmbeddedStack,
) -> None:
    stranger = "new.person@example.net"
    stack.deliver_email(message(sender=stranger).as_bytes(), stranger, "Boiler")
    assert len(staff_copies(stack)) == 1
    stack.store.put_customer(Customer(customer_id="c2", name="New Person", emails=(stranger,)))

    moved = stack.store.attribute_unmatched(stranger, "c2")
    stack.pump_streams()

    assert moved == 1  # the email (the copy of it we forwarded moves with it, uncounted)
    assert len(staff_copies(stack)) == 1  # the moved record is not a new email
    contacts = list(stack.store.contacts("c2", NOW.replace(hour=0), NOW.replace(hour=23)))
    assert sorted((c.direction.value, c.reason) for c in contacts) == [
        ("inbound", "unknown-sender"),
        ("outbound", "forwarded-to-staff-mailbox"),
    ]


def test_filed_and_quarantined_mail_never_reaches_staff(stack: EmbeddedStack) -> None:
    stack.cases.open_case(
        immediate_restrictions("k1", "c1", LettersOnly(write_to="PO Box 1")), HEAD, NOW
    )
    filed = stack.deliver_email(message().as_bytes(), TENANT, "Boiler")
    spoofed = stack.deliver_email(
        message(sender="someone@example.com").as_bytes(),
        "someone@example.com",
        "Boiler",
        verdicts={"dmarc": "FAIL"},
    )

    assert (filed, spoofed) == ("STOP_RULE_SET", "STOP_RULE_SET")
    assert staff_copies(stack) == []
    (reply,) = stack.log.sent  # only the auto-reply, to the customer
    assert reply.recipients() == (TENANT,)
    assert stack.metric_total("EmailsQuarantined", "ingest") == 1
    assert stack.metric_total("EmailsFiled", "ingest") == 1


def test_a_single_point_of_contact_email_reaches_only_the_named_officer(
    stack: EmbeddedStack,
) -> None:
    officer = SinglePointOfContact(
        officer_id="off-1",
        officer_name="J. Officer",
        officer_email=OFFICER,
        days=(Weekday.TUESDAY,),
        from_time="10:00",
        to_time="12:00",
    )
    stack.cases.open_case(immediate_restrictions("k1", "c1", officer), HEAD, NOW)

    assert stack.deliver_email(message().as_bytes(), TENANT, "Boiler") == "STOP_RULE_SET"

    assert staff_copies(stack) == []
    (copy,) = stack.mail_to(OFFICER)
    assert copy.destinations == (OFFICER,)
    assert str(parsed(copy)["Reply-To"]) == TENANT
    assert str(parsed(copy)["X-Contactguard-Contact-Id"]).startswith("email-")


def test_an_email_too_large_for_ses_arrives_as_a_notice_with_a_link(stack: EmbeddedStack) -> None:
    big = message(subject="Photos of the damp")
    big.add_attachment(
        bytes(range(256)) * 42_000, maintype="image", subtype="jpeg", filename="damp.jpg"
    )  # 10.75 MB of photo, more once base64: over SES's 10 MB

    stack.deliver_email(big.as_bytes(), TENANT, "Photos of the damp", message_id="big-0001")

    (notice,) = staff_copies(stack)
    shown = parsed(notice)
    assert str(shown["Subject"]) == "Customer email too large to forward: Photos of the damp"
    assert str(shown["Reply-To"]) == TENANT
    text = shown.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"From: Pat Tenant <{TENANT}>" in text
    assert "Contact: email-big-0001" in text
    (link,) = [line for line in text.splitlines() if line.startswith("https://")]
    assert "inbound/big-0001" in link
    assert "X-Amz-Expires=43200" in link  # 12 hours
    assert stack.metric_total("DeliveriesTooLarge", "delivery") == 1


def test_the_smtp_gateway_fills_the_staff_mailbox_through_the_same_delivery(
    stack: EmbeddedStack, tmp_path: Path
) -> None:
    with SmtpGateway(stack, tmp_path / "staff") as gateway:
        host, port = gateway.address
        with smtplib.SMTP(host, port, timeout=10) as client:
            client.send_message(message())

    (held,) = list(mailbox.Maildir(tmp_path / "staff"))
    assert str(held["From"]) == "Pat Tenant via contactguard <customer-email@example.org>"
    assert str(held["Reply-To"]) == TENANT
    assert held["X-Contactguard-Contact-Id"].startswith("email-")


# A fault at every AWS call of a delivery, then the retries Lambda makes ---------------------

DELIVERY_CALLS = (
    Call("dynamodb", "GetItem"),  # delivered already?
    Call("dynamodb", "UpdateItem"),  # claim it
    Call("s3", "GetObject"),  # the stored message
    Call("s3", "PutObject"),  # the copy kept as it is sent
    Call("ses", "SendRawEmail"),  # the copy
    Call("dynamodb", "UpdateItem"),  # mark it delivered
    Call("dynamodb", "Query"),  # the customer's cases: the outbound contact's retention
    Call("dynamodb", "TransactWriteItems"),  # the copy, an outbound contact
    Call("dynamodb", "UpdateItem"),  # the profile's retention, extended (monthly)
)


def test_a_clean_delivery_makes_these_calls(stack: EmbeddedStack, monkeypatch: Any) -> None:
    faults = installed(monkeypatch)
    _ingest_only(stack)
    records = consumer_records(stack, "DeliveryFunction")
    with faults.armed_for() as calls:
        failed = invoke_batch(stack, "DeliveryFunction", records)
    assert failed == set()
    assert tuple(calls) == DELIVERY_CALLS


def _ingest_only(stack: EmbeddedStack) -> None:
    """The email stored and ingested; its stream records not yet delivered to anyone."""
    bucket = stack.functions["IngestFunction"]["env"]["CONTACTGUARD_RAW_MAIL_BUCKET"]
    stack.s3.put_object(Bucket=bucket, Key="inbound/fault-0001", Body=message().as_bytes())
    from contactguard_local.ses import ses_receipt_event

    stack.invoke("IngestFunction", ses_receipt_event("fault-0001", TENANT, "Boiler", NOW))


@pytest.mark.parametrize(
    ("k", "fault"),
    [
        pytest.param(k, fault, id=f"{k}-{call}-{fault}")
        for k, call in enumerate(DELIVERY_CALLS)
        for fault in FAULTS
        if applies(fault, call)
    ],
)
def test_a_fault_at_any_step_still_puts_one_copy_in_the_mailbox(
    stack: EmbeddedStack, monkeypatch: Any, k: int, fault: str
) -> None:
    faults: FaultInjector = installed(monkeypatch)
    _ingest_only(stack)
    records = consumer_records(stack, "DeliveryFunction")
    with faults.armed_for({k: fault}):
        failed = invoke_batch(stack, "DeliveryFunction", records)
        retry_stream(stack, "DeliveryFunction", records, failed)  # asserts none still fails
        invoke_batch(stack, "DeliveryFunction", records)  # and a stray redelivery later

    copies = len(staff_copies(stack))
    if DELIVERY_CALLS[k].service in ("s3", "ses"):  # a failed attempt: the alarm's metric
        assert stack.metric_total("DeliveryFailures", "delivery") == 1
    if (DELIVERY_CALLS[k], fault) == (Call("ses", "SendRawEmail"), "read-timeout"):
        # SES took the copy but its answer was lost: sending again is the only way not to
        # lose the email, so staff may see it twice. The one duplicate the design allows.
        assert copies in (1, 2)
    else:
        assert copies == 1
