"""Ingest on moto: SES-shaped RequestResponse events in, the disposition SES gets out,
and the contact, read queue, auto-reply and alerts a member of staff would see."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
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
    Role,
    Weekday,
)
from contactguard.domain.restrictions import (
    LettersOnly,
    SinglePointOfContact,
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

    def forged(
        self,
        at: datetime,
        from_fields: list[str],
        *,
        ses_from: list[str] | None = None,
        source: str = "bounce@attacker.example",
        verdicts: dict[str, str] | None = None,
        store_raw: bool = True,
    ) -> dict[str, Any]:
        """A message written byte by byte (EmailMessage would refold or refuse a hostile
        From) and SES's event for it: its header summary shows `ses_from` (by default the
        From fields as they came), its envelope sender is `source`."""
        self.counter += 1
        message_id = f"msg{self.counter:04d}forgedabcdefgh"
        head = "".join(f"From: {value}\r\n" for value in from_fields)
        raw = (
            f"{head}To: contact@landlord.example\r\nSubject: Repairs\r\n"
            f"Message-ID: <{message_id}@attacker.example>\r\n\r\n"
            "You useless idiots, I will find you.\r\n"
        ).encode()
        if store_raw:
            self.s3.put_object(Bucket=BUCKET, Key=f"inbound/{message_id}", Body=raw)
        event = ses_event(message_id, source, "Repairs", at, verdicts or {})
        mail = event["Records"][0]["ses"]["mail"]
        mail["headers"] = [{"name": "From", "value": value} for value in from_fields]
        mail["commonHeaders"]["from"] = from_fields if ses_from is None else ses_from
        return event

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


def test_a_known_customer_with_no_restriction_is_delivered_and_logged_in_six_calls(
    rig: Rig,
) -> None:
    # The month's first contact stamps the profile, its address claim and its two search
    # entries ("a", "tenant") with their new expiry (the retention schedule): once a month.
    first = rig.email(when("2026-12-01"))
    before = rig.store.requests
    rig.service.ingest(first)
    assert rig.raw.requests + rig.store.requests - before == 6 + 3
    event = rig.email(when("2026-12-01") + timedelta(hours=1))
    before, raw_before = rig.store.requests, rig.raw.requests
    result = rig.service.ingest(event)
    # raw read + sender lookup + cases query + one transactional write, and the retention
    # stamp's: the customer's cases (their contacts' retention), the profile kept as long
    # (a conditional update that changes nothing until next month)
    assert rig.raw.requests - raw_before + rig.store.requests - before == 6
    assert result.response() == {"disposition": "CONTINUE"}
    contacts = contacts_of(rig)
    assert [c.disposition for c in contacts] == [Disposition.ACCEPTED] * 2
    assert contacts[-1].summary == "Repairs"


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
    everything = contacts_of(rig)
    contacts = [c for c in everything if c.direction == "inbound"]
    assert [c.disposition for c in contacts] == [Disposition.FILED_BLOCKED] * 3
    assert [cid for _, cid in rig.store.read_queue()] == [c.contact_id for c in contacts]
    # Each reply sent is on the record as ours (outbound), never queued to be read.
    replies = [c for c in everything if c.direction == "outbound"]
    assert [(c.disposition, c.reason) for c in replies] == [(Disposition.SENT, "auto-reply")] * 2


def test_the_same_ses_message_delivered_twice_is_one_contact_and_one_reply(rig: Rig) -> None:
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    event = rig.email(when("2026-12-02"), message_id="duplicate0000000000001")
    first, again = rig.service.ingest(event), rig.service.ingest(event)
    assert first.new_contact
    assert not again.new_contact
    assert again.response() == {"disposition": "STOP_RULE_SET"}
    assert [c.direction for c in contacts_of(rig)] == ["inbound", "outbound"]
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
    (contact,) = [c for c in contacts_of(rig) if c.direction == "inbound"]  # and the auto-reply
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


# --- issue 14: attacks that once worked, now refused ---------------------------------------

PAT = "pat@example.net"
PAT_ID = "cust-pat"


def with_pat(rig: Rig) -> None:
    rig.store.put_customer(Customer(customer_id=PAT_ID, name="Pat Example", emails=(PAT,)))


def nothing_on_pats_record(rig: Rig) -> None:
    assert contacts_of(rig, PAT_ID) == []
    assert rig.store.unmatched_contacts(PAT) == []
    assert rig.store.attribute_unmatched(PAT, PAT_ID) == 0  # linking Pat's address moves nothing
    assert contacts_of(rig, PAT_ID) == []
    assert [ids for _, ids in rig.alerts.sent if ids.get("customer_id") == PAT_ID] == []


def held(rig: Rig, contact_id: str | None) -> Any:
    """The quarantined record of `contact_id`: nothing lost, nobody's."""
    assert contact_id is not None
    contact = rig.store.get_contact(contact_id)
    assert contact is not None
    assert (contact.disposition, contact.customer_id) == (Disposition.QUARANTINED, None)
    return contact


def test_moto_refuses_a_partition_key_over_2048_bytes_as_dynamodb_does(rig: Rig) -> None:
    """What made the first attack work, and what makes its test below meaningful."""
    from botocore.exceptions import ClientError

    from contactguard.domain.model import STORED, Channel, Contact

    # Input of that length is refused now (issue 14); a record held from before still loads.
    contact = Contact.model_validate(
        {
            "contact_id": "email-oversize",
            "customer_id": None,
            "channel": Channel.EMAIL,
            "at": when("2026-12-02"),
            "disposition": Disposition.QUARANTINED,
            "source_address": f"{'a' * 2040}@attacker.example",
        },
        context=STORED,
    )
    with pytest.raises(ClientError, match="maximum size"):
        rig.store.record_contact(contact)


@pytest.mark.parametrize("dmarc", ["FAIL", "PASS"])
def test_a_2000_character_local_part_is_held_and_never_keyed_on_the_envelope_sender(
    rig: Rig, dmarc: str
) -> None:
    """Once: the quarantine write overflowed DynamoDB's key, the fallback answered CONTINUE
    and filed the mail as unmatched under the envelope sender (the attacker wrote Pat's
    address there), and linking Pat's address later put it on Pat's record."""
    with_pat(rig)
    event = rig.forged(
        when("2026-12-02"),
        [f"{'a' * 2000}@attacker.example"],
        source=PAT,
        verdicts={"dmarc": dmarc},
    )
    result = rig.service.ingest(event)
    assert result.response() == {"disposition": "STOP_RULE_SET"}
    assert (result.contact_disposition, result.reason) == (
        Disposition.QUARANTINED,
        "sender-address-too-long",
    )
    assert rig.raw.requests == 0  # decided from the event, before any I/O
    assert held(rig, result.contact_id).source_address is None
    nothing_on_pats_record(rig)


def test_the_2000_character_attack_through_the_lambda_handler(rig: Rig, handler_env: Any) -> None:
    with_pat(rig)
    event = rig.forged(
        when("2026-12-02"),
        [f"{'a' * 2000}@attacker.example"],
        source=PAT,
        verdicts={"dmarc": "FAIL"},
    )
    assert handler_env.lambda_handler(event, FakeContext()) == {"disposition": "STOP_RULE_SET"}
    message_id = event["Records"][0]["ses"]["mail"]["messageId"]
    held(rig, f"email-{message_id}")
    nothing_on_pats_record(rig)


class UnreadableRawMail:
    requests = 0

    def read(self, message_id: str) -> bytes:
        raise PermissionError("AccessDenied")


@pytest.mark.parametrize("failure", ["missing", "unreadable"])
def test_virus_flagged_mail_whose_raw_copy_cannot_be_read_is_held(rig: Rig, failure: str) -> None:
    """Once: the verdicts were checked only after the raw message was read, so a failed S3
    read delivered virus-flagged mail to staff."""
    if failure == "unreadable":
        rig.service.raw_mail = UnreadableRawMail()
    event = rig.forged(
        when("2026-12-02"), [ADDRESS], verdicts={"virus": "FAIL"}, store_raw=failure != "missing"
    )
    result = rig.service.ingest(event)
    assert result.response() == {"disposition": "STOP_RULE_SET"}
    assert result.reason == "virus-verdict-fail"
    contact = held(rig, result.contact_id)
    assert contact.reason == "virus-verdict-fail"
    assert contacts_of(rig) == []


def test_a_quarantine_the_table_refuses_still_stops_and_alerts(rig: Rig) -> None:
    rig.store.table_name = "no-such-table"
    result = rig.service.ingest(
        rig.forged(when("2026-12-02"), [ADDRESS], verdicts={"virus": "FAIL"})
    )
    assert result.response() == {"disposition": "STOP_RULE_SET"}
    assert (result.contact_disposition, result.recorded) == (Disposition.QUARANTINED, False)
    assert rig.alerts.sent == [
        ("quarantine-unrecorded", {"contact_id": result.contact_id, "reason": "virus-verdict-fail"})
    ]


MALFORMED_FROMS = {
    "trailing-angle-address": ([f"{PAT} <evil@attacker.example>"], "from-header-malformed"),
    "trailing-bare-address": ([f"<{PAT}> evil@attacker.example"], "from-header-malformed"),
    "semicolon": ([f"{PAT};evil@attacker.example"], "from-header-malformed"),
    "comma": ([f"{PAT}, evil@attacker.example"], "multiple-from-addresses"),
    "route": ([f"<@attacker.example:{PAT}>"], "from-header-malformed"),
    "group": ([f"Friends: {PAT};"], "from-header-malformed"),
    "folded-trailer": ([f"Pat <{PAT}>\r\n evil@attacker.example"], "from-header-malformed"),
    "two-from-fields": ([PAT, "evil@attacker.example"], "from-header-malformed"),
}


@pytest.mark.parametrize("ses_reads", ["as-sent", "first-address"])
@pytest.mark.parametrize(
    ("from_fields", "reason"), MALFORMED_FROMS.values(), ids=MALFORMED_FROMS.keys()
)
def test_a_malformed_from_naming_a_customer_is_held_not_pinned_on_them(
    rig: Rig, from_fields: list[str], reason: str, ses_reads: str
) -> None:
    """Once: the first addr-spec of a malformed From was the sender, so with the attacker's
    own domain passing DMARC an abusive email went onto Pat's record. SES's header summary
    may show the header as sent, or just one address (then the raw message is what refuses)."""
    with_pat(rig)
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    event = rig.forged(
        when("2026-12-02"), from_fields, ses_from=None if ses_reads == "as-sent" else [PAT]
    )
    result = rig.service.ingest(event)
    assert result.response() == {"disposition": "STOP_RULE_SET"}
    assert (result.contact_disposition, result.reason, result.customer_id) == (
        Disposition.QUARANTINED,
        reason,
        None,
    )
    assert held(rig, result.contact_id).source_address is None
    nothing_on_pats_record(rig)
    assert rig.sent_mail() == 0


def test_the_from_ses_read_and_the_messages_own_must_be_the_same(rig: Rig) -> None:
    with_pat(rig)
    result = rig.service.ingest(
        rig.forged(when("2026-12-02"), [PAT], ses_from=["evil@attacker.example"])
    )
    assert (result.response(), result.reason) == (
        {"disposition": "STOP_RULE_SET"},
        "from-header-mismatch",
    )
    held(rig, result.contact_id)
    nothing_on_pats_record(rig)


def test_a_plain_from_of_pats_own_is_still_pats(rig: Rig) -> None:
    """The control: the same message with a well-formed From is Pat's contact."""
    with_pat(rig)
    result = rig.service.ingest(rig.forged(when("2026-12-02"), [f"Pat Example <{PAT}>"]))
    assert (result.response(), result.customer_id) == ({"disposition": "CONTINUE"}, PAT_ID)
    (contact,) = contacts_of(rig, PAT_ID)
    assert contact.source_address == PAT


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


@pytest.fixture
def handler_env(rig: Rig, tables: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The ingest Lambda module, configured from its environment to use the rig's stack."""
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
    try:
        yield handler
    finally:
        handler.build_service.cache_clear()
        handler.ingest_settings.cache_clear()


def test_the_lambda_handler_built_from_its_environment_variables(
    rig: Rig, handler_env: Any
) -> None:
    rig.restrict(LettersOnly(write_to="PO Box 1"), when("2026-12-01", 9))
    blocked = handler_env.lambda_handler(rig.email(when("2026-12-02")), FakeContext())
    unknown = handler_env.lambda_handler(
        rig.email(when("2026-12-02"), sender="someone@else.example"), FakeContext()
    )
    assert blocked == {"disposition": "STOP_RULE_SET"}
    assert unknown == {"disposition": "CONTINUE"}


def test_a_misconfigured_handler_still_delivers(monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest import handler

    monkeypatch.delenv("CONTACTGUARD_TABLE_NAME", raising=False)
    handler.build_service.cache_clear()
    handler.ingest_settings.cache_clear()
    assert handler.lambda_handler({"Records": []}, FakeContext()) == {"disposition": "CONTINUE"}
    handler.build_service.cache_clear()
