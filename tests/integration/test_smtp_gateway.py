"""Real mail through the local SMTP gateway: smtplib in, maildir and contact log out."""

from __future__ import annotations

import mailbox
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from contactguard.domain.calendar import LONDON
from contactguard.domain.model import (
    Actor,
    Customer,
    Disposition,
    Role,
)
from contactguard.domain.restrictions import (
    LettersOnly,
)
from contactguard_local.examples import immediate_restrictions
from contactguard_local.smtp import SmtpGateway
from contactguard_local.stack import EmbeddedStack, SimClock


def mail(sender: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "contact@example.org"
    message["Subject"] = subject
    message.set_content("The boiler is still broken.")
    return message


@pytest.mark.policy("design-email-enforcement")
def test_mail_sent_with_smtplib_is_delivered_or_filed_as_ses_would(tmp_path: Path) -> None:
    now = datetime(2026, 12, 2, 10, tzinfo=LONDON)
    with EmbeddedStack(SimClock(now)) as stack:
        stack.store.put_customer(
            Customer(customer_id="c1", name="A. Tenant", emails=("tenant@example.org",))
        )
        stack.cases.open_case(
            immediate_restrictions("case-1", "c1", LettersOnly(write_to="PO Box")),
            Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE),
            now - timedelta(hours=1),
        )
        with SmtpGateway(stack, tmp_path / "maildir") as gateway:
            host, port = gateway.address
            with smtplib.SMTP(host, port, timeout=10) as client:
                client.send_message(mail("neighbour@example.net", "Noise next door"))
                client.send_message(mail("Tenant@Example.org", "Repairs again"))
        dispositions = [d.disposition for d in gateway.handler.deliveries]
        contacts = list(
            stack.store.contacts("c1", now - timedelta(days=1), now + timedelta(days=1))
        )
        unmatched = stack.store.unmatched_contacts("neighbour@example.net")
    assert dispositions == ["CONTINUE", "STOP_RULE_SET"]
    delivered = [m["Subject"] for m in mailbox.Maildir(tmp_path / "maildir")]
    assert delivered == ["Noise next door"]  # the restricted customer's mail never arrived
    # Filed, and the auto-reply we sent is on the record beside it (an outbound contact).
    assert sorted(c.disposition for c in contacts) == [Disposition.FILED_BLOCKED, Disposition.SENT]
    # The neighbour's email, and the copy of it forwarded to the staff mailbox.
    assert sorted(c.disposition for c in unmatched) == [Disposition.SENT, Disposition.UNMATCHED]
