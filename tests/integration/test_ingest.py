"""Ingest on moto: SES-shaped RequestResponse events in, the disposition SES gets out,
and the contact, read queue, auto-reply and alerts a member of staff would see."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import boto3
import pytest

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import S3RawMail, SesMailer
from contactguard.domain.calendar import LONDON
from contactguard.domain.lifecycle import Policy
from contactguard.domain.model import (
    Actor,
    Customer,
    Disposition,
    EqualityConsiderations,
    LettersOnly,
    Role,
    SinglePointOfContact,
    Weekday,
)
from contactguard.lexicon import default_patterns
from contactguard.service import CaseService
from contactguard_local.examples import immediate_restrictions
from contactguard_local.ses import ses_receipt_event
from ingest.service import IngestService
from log_privacy import rig_logger

REGION = "eu-west-2"
BUCKET = "raw-mail-test"
SENDER = "no-reply@landlord.example"
CUSTOMER = "cust-1"
ADDRESS = "a.tenant@example.org"
HEAD = Actor(actor_id="hos-1", role=Role.HEAD_OF_SERVICE)
EQUALITY = EqualityConsiderations(
    reasonable_adjustments_considered=True,
    vulnerability_considered=True,
    equality_act_duties_considered=True,
    notes="considered",
)
pytestmark = pytest.mark.policy("design-email-enforcement")
LOG = rig_logger("ingest")


@dataclass
class RecordingAlerts:
    sent: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def alert(self, kind: str, **ids: str) -> None:
        self.sent.append((kind, ids))


@dataclass
class Rig:
    store: DynamoStore
    raw: S3RawMail
    ses: Any
    s3: Any
    alerts: RecordingAlerts
    service: IngestService
    cases: CaseService
    counter: int = 0

    def email(
        self,
        at: datetime,
        *,
        sender: str = ADDRESS,
        subject: str = "Repairs",
        body: str = "The boiler is still broken.",
        headers: dict[str, str] | None = None,
        verdicts: dict[str, str] | None = None,
        message_id: str | None = None,
        store_raw: bool = True,
    ) -> dict[str, Any]:
        self.counter += 1
        message_id = message_id or f"msg{self.counter:04d}abcdefghijklmnop"
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = "contact@landlord.example"
        msg["Subject"] = subject
        msg["Message-ID"] = f"<{message_id}@example.org>"
        for name, value in (headers or {}).items():
            msg[name] = value
        msg.set_content(body)
        if store_raw:
            self.s3.put_object(Bucket=BUCKET, Key=f"inbound/{message_id}", Body=msg.as_bytes())
        return ses_event(message_id, sender, subject, at, verdicts or {})

    def sent_mail(self) -> int:
        return int(self.ses.get_send_quota()["SentLast24Hours"])

    def restrict(self, restriction: Any, at: datetime) -> None:
        """Immediate restrictions from `at` (starts on a sent letter: the lifecycle tests)."""
        self.cases.open_case(immediate_restrictions("case-1", CUSTOMER, restriction), HEAD, at)


def ses_event(
    message_id: str, sender: str, subject: str, at: datetime, verdicts: dict[str, str]
) -> dict[str, Any]:
    """An SES receipt event exactly as a RequestResponse Lambda action receives it."""
    return ses_receipt_event(
        message_id,
        sender,
        subject,
        at,
        verdicts=verdicts,
        recipients=("contact@landlord.example",),
    )


def when(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=LONDON)


@pytest.fixture
def rig(dynamodb: Any, tables: dict[str, str]) -> Rig:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    ses = boto3.client("ses", region_name=REGION)
    ses.verify_email_identity(EmailAddress=SENDER)
    ses.verify_email_identity(EmailAddress=ADDRESS)
    store = DynamoStore(tables["CasesTable"], client=dynamodb)
    store.put_customer(Customer(customer_id=CUSTOMER, name="A. Tenant", emails=(ADDRESS,)))
    raw = S3RawMail(BUCKET, "inbound/", client=s3)
    alerts = RecordingAlerts()
    service = IngestService(
        store=store,
        raw_mail=raw,
        mailer=SesMailer(client=ses),
        alerts=alerts,
        log=LOG,
        patterns=default_patterns(),
        auto_reply_sender=SENDER,
        auto_reply_period=timedelta(days=7),
    )
    cases = CaseService(cases=store, customers=store, policy=Policy())
    return Rig(store, raw, ses, s3, alerts, service, cases)


def contacts_of(rig: Rig, customer_id: str = CUSTOMER) -> list[Any]:
    return list(rig.store.contacts(customer_id, when("2020-01-01"), when("2030-01-01")))


def test_a_known_customer_with_no_restriction_is_delivered_and_logged_in_four_calls(
    rig: Rig,
) -> None:
    event = rig.email(when("2026-12-01"))
    before = rig.store.requests
    result = rig.service.ingest(event)
    # raw read + sender lookup + cases query + one transactional write
    assert rig.raw.requests + rig.store.requests - before == 4
    assert result.response() == {"disposition": "CONTINUE"}
    (contact,) = contacts_of(rig)
    assert contact.disposition is Disposition.ACCEPTED
    assert contact.summary == "Repairs"


def test_letters_only_blocks_files_queues_and_auto_replies_once(rig: Rig) -> None:
    rig.restrict(LettersOnly(write_to="PO Box 1, Derby DE1 2AB"), when("2026-12-01", 9))
    first = rig.service.ingest(rig.email(when("2026-12-02")))
    assert first.response() == {"disposition": "STOP_RULE_SET"}
    assert first.auto_replied
    assert rig.sent_mail() == 1
    second = rig.service.ingest(rig.email(when("2026-12-03")))
    assert second.response() == {"disposition": "STOP_RULE_SET"}
    assert not second.auto_replied  # at most once per period per customer
    assert rig.sent_mail() == 1
    later = rig.service.ingest(rig.email(when("2026-12-10")))
    assert later.auto_replied  # a new period
    contacts = contacts_of(rig)
    assert [c.disposition for c in contacts] == [Disposition.FILED_BLOCKED] * 3
    assert [cid for _, cid in rig.store.read_queue()] == [c.contact_id for c in contacts]


def test_the_same_ses_message_delivered_twice_is_one_contact_and_one_reply(rig: Rig) -> None:
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    event = rig.email(when("2026-12-02"), message_id="duplicate0000000000001")
    first, again = rig.service.ingest(event), rig.service.ingest(event)
    assert first.new_contact
    assert not again.new_contact
    assert again.response() == {"disposition": "STOP_RULE_SET"}
    assert len(contacts_of(rig)) == 1
    assert rig.sent_mail() == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"List-Id": "<residents.example.org>"},
    ],
)
def test_no_auto_reply_to_automatic_or_list_mail(rig: Rig, headers: dict[str, str]) -> None:
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    result = rig.service.ingest(rig.email(when("2026-12-02"), headers=headers))
    assert result.response() == {"disposition": "STOP_RULE_SET"}
    assert not result.auto_replied
    assert rig.sent_mail() == 0


def test_dmarc_failure_from_a_restricted_address_is_quarantined_not_attributed(rig: Rig) -> None:
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    result = rig.service.ingest(
        rig.email(when("2026-12-02"), verdicts={"dmarc": "FAIL", "spf": "PASS"})
    )
    assert result.response() == {"disposition": "STOP_RULE_SET"}
    assert result.contact_disposition is Disposition.QUARANTINED
    assert contacts_of(rig) == []
    assert rig.sent_mail() == 0
    (held,) = rig.store.unmatched_contacts(ADDRESS)
    assert held.customer_id is None
    assert held.reason.startswith("unauthenticated:")


@pytest.mark.parametrize("verdict", ["spam", "virus"])
def test_scan_failures_are_quarantined(rig: Rig, verdict: str) -> None:
    result = rig.service.ingest(rig.email(when("2026-12-02"), verdicts={verdict: "FAIL"}))
    assert result.response() == {"disposition": "STOP_RULE_SET"}
    assert result.reason == f"{verdict}-verdict-fail"
    assert contacts_of(rig) == []


def test_an_unknown_sender_is_delivered_then_attributed_when_linked(rig: Rig) -> None:
    result = rig.service.ingest(rig.email(when("2026-12-02"), sender="Other@Example.NET"))
    assert result.response() == {"disposition": "CONTINUE"}
    assert result.contact_disposition is Disposition.UNMATCHED
    customer = rig.store.get_customer(CUSTOMER)
    assert customer is not None
    rig.store.put_customer(customer.model_copy(update={"emails": (ADDRESS, "other@example.net")}))
    assert rig.store.attribute_unmatched("other@example.net", CUSTOMER) == 1
    (contact,) = contacts_of(rig)
    assert contact.customer_id == CUSTOMER


def test_an_uppercase_sender_address_is_still_the_customer(rig: Rig) -> None:
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    result = rig.service.ingest(rig.email(when("2026-12-02"), sender="A.Tenant@EXAMPLE.org"))
    assert result.response() == {"disposition": "STOP_RULE_SET"}
    assert result.customer_id == CUSTOMER


def test_email_flows_again_the_instant_restrictions_end(rig: Rig) -> None:
    before = rig.service.ingest(rig.email(when("2026-11-30")))
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    during = rig.service.ingest(rig.email(when("2027-11-30", 23)))
    after = rig.service.ingest(rig.email(when("2027-12-01", 0).replace(minute=1)))
    assert [r.response()["disposition"] for r in (before, during, after)] == [
        "CONTINUE",
        "STOP_RULE_SET",
        "CONTINUE",
    ]


def test_a_safeguarding_signal_in_filed_mail_alerts_at_once(rig: Rig) -> None:
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    result = rig.service.ingest(
        rig.email(when("2026-12-02"), body="I can't go on, I want to end my life.")
    )
    assert result.response() == {"disposition": "STOP_RULE_SET"}
    assert ("safeguarding", {"customer_id": CUSTOMER, "contact_id": result.contact_id}) in (
        rig.alerts.sent
    )
    (contact,) = contacts_of(rig)
    assert "safeguarding" in contact.flags


def test_abusive_language_informs_the_manager_without_blocking(rig: Rig) -> None:
    result = rig.service.ingest(rig.email(when("2026-12-02"), body="You useless idiots."))
    assert result.response() == {"disposition": "CONTINUE"}
    assert [kind for kind, _ in rig.alerts.sent] == ["signal:abusive-language"]


def test_a_single_point_of_contact_gets_the_message(rig: Rig) -> None:
    rig.ses.verify_email_identity(EmailAddress="officer@landlord.example")
    rig.restrict(
        SinglePointOfContact(
            officer_id="off-1",
            officer_name="J. Officer",
            officer_email="officer@landlord.example",
            days=(Weekday.TUESDAY,),
            from_time="10:00",
            to_time="12:00",
        ),
        when("2026-12-01", 9),
    )
    result = rig.service.ingest(rig.email(when("2026-12-02")))
    assert result.response() == {"disposition": "STOP_RULE_SET"}
    assert result.contact_disposition is Disposition.ROUTED_TO_OFFICER
    assert result.contact_id is not None
    contact = rig.store.get_contact(result.contact_id)
    assert contact is not None
    # The delivery function takes it to the officer from this record (one delivery path):
    # ingest, inside SES's synchronous call, sends nothing itself.
    assert contact.deliver_to == "officer@landlord.example"
    assert rig.sent_mail() == 0


def test_a_missing_raw_message_still_delivers_and_is_recorded(rig: Rig) -> None:
    result = rig.service.ingest(rig.email(when("2026-12-02"), store_raw=False))
    assert result.response() == {"disposition": "CONTINUE"}
    (held,) = rig.store.unmatched_contacts(ADDRESS)
    assert held.reason == "ingest-fallback:raw-message-unreadable"


def test_a_database_failure_still_delivers(rig: Rig) -> None:
    rig.store.table_name = "no-such-table"
    result = rig.service.ingest(rig.email(when("2026-12-02")))
    assert result.response() == {"disposition": "CONTINUE"}


def test_a_malformed_event_gets_continue(rig: Rig) -> None:
    assert rig.service.ingest({"Records": [{"nothing": "here"}]}).response() == {
        "disposition": "CONTINUE"
    }


def test_no_personal_data_in_the_log(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    caplog.set_level(logging.DEBUG, logger=LOG.name)
    rig.service.ingest(rig.email(when("2026-12-02"), subject="Secret subject", body="Private"))
    rig.service.ingest(rig.email(when("2026-12-02"), verdicts={"dmarc": "FAIL"}))
    ours = [r for r in caplog.records if r.name == LOG.name]
    assert len(ours) >= 2
    text = ""
    for record in ours:
        text += json.dumps({k: str(v) for k, v in record.__dict__.items()})
    for secret in (ADDRESS, "a.tenant", "Secret subject", "Private", "A. Tenant", "PO Box"):
        assert secret not in text


@dataclass
class FakeContext:
    function_name: str = "ingest"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:ingest"
    aws_request_id: str = "req-1"


def test_the_lambda_handler_built_from_its_environment_variables(
    rig: Rig, tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest import handler

    sns = boto3.client("sns", region_name=REGION)
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    for name, value in {
        "CONTACTGUARD_TABLE_NAME": tables["CasesTable"],
        "CONTACTGUARD_RAW_MAIL_BUCKET": BUCKET,
        "CONTACTGUARD_RAW_MAIL_PREFIX": "inbound/",
        "CONTACTGUARD_AUTO_REPLY_SENDER": SENDER,
        "CONTACTGUARD_ALERTS_TOPIC_ARN": topic,
    }.items():
        monkeypatch.setenv(name, value)
    handler.build_service.cache_clear()
    handler.ingest_settings.cache_clear()
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    try:
        blocked = handler.lambda_handler(rig.email(when("2026-12-02")), FakeContext())
        unknown = handler.lambda_handler(
            rig.email(when("2026-12-02"), sender="someone@else.example"), FakeContext()
        )
    finally:
        handler.build_service.cache_clear()
        handler.ingest_settings.cache_clear()
    assert blocked == {"disposition": "STOP_RULE_SET"}
    assert unknown == {"disposition": "CONTINUE"}


def test_a_misconfigured_handler_still_delivers(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest import handler

    monkeypatch.delenv("CONTACTGUARD_TABLE_NAME", raising=False)
    handler.build_service.cache_clear()
    handler.ingest_settings.cache_clear()
    assert handler.lambda_handler({"Records": []}, FakeContext()) == {"disposition": "CONTINUE"}
    handler.build_service.cache_clear()
