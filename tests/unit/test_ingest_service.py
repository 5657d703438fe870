"""The ingest pipeline's decisions, end to end through IngestService with in-memory fakes.

What SES is told, what is recorded on the contact, who is alerted and what mail goes out, for
each row of the README's "Inbound email" table: accepted, unknown sender, quarantined, filed
under letters-only (with its auto-reply), routed to a single point of contact, and the
fallbacks that let mail through when something inside ingest fails. These are the tests the
mutation check (`make mutation`) runs against ingest/service.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import Case
from contactguard.domain.enforcement import EmailAction, EmailRuling
from contactguard.domain.lifecycle import Policy, decide
from contactguard.domain.model import (
    Actor,
    Channel,
    Contact,
    Direction,
    Disposition,
    Role,
    Weekday,
)
from contactguard.domain.restrictions import (
    LettersOnly,
    Restriction,
    SinglePointOfContact,
)
from contactguard.lexicon import default_patterns
from contactguard.organisation import EmergencyLine, shipped_organisation
from contactguard_local.examples import immediate_restrictions
from contactguard_local.ses import ses_receipt_event
from ingest.service import (
    IngestResult,
    IngestService,
    SesDisposition,
    auto_reply_body,
    default_auto_reply_text,
)
from log_privacy import rig_logger

RECEIVED = datetime(2026, 12, 2, 10, 0, tzinfo=LONDON)
SENDER = "tenant@example.org"
CUSTOMER = "c1"
MESSAGE_ID = "m0001"
CONTACT_ID = f"email-{MESSAGE_ID}"
WRITE_TO = "Customer Services, PO Box 1, Derby DE1 2AB"
NO_REPLY = "no-reply@landlord.example"
OFFICER = "pat.contact@landlord.example"
PERIOD = timedelta(hours=168)


def restricted(*restrictions: Restriction) -> Case:
    return decide(
        None,
        immediate_restrictions("case-1", CUSTOMER, *restrictions),
        Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE),
        RECEIVED - timedelta(days=1),
        Policy(),
    ).case


def spoc() -> SinglePointOfContact:
    return SinglePointOfContact(
        officer_id="staff-spoc-01",
        officer_name="Pat Contact",
        officer_email=OFFICER,
        days=(Weekday.TUESDAY,),
        from_time=time(10, 0),
        to_time=time(12, 0),
    )


class Boom(RuntimeError):
    pass


@dataclass
class Store:
    cases: list[Case] = field(default_factory=list)
    known: dict[str, str] = field(default_factory=lambda: {SENDER: CUSTOMER})
    contacts: dict[str, tuple[Contact, bool]] = field(default_factory=dict)
    claims: list[tuple[str, datetime, timedelta]] = field(default_factory=list)
    claim_granted: bool = True
    lookups: list[str] = field(default_factory=list)
    fail_lookup: bool = False
    fail_record: bool = False

    def customer_id_for_email(self, address: str) -> str | None:
        if self.fail_lookup:
            raise Boom("lookup")
        self.lookups.append(address)
        return self.known.get(address)

    def cases_for_customer(self, customer_id: str) -> list[Case]:
        return [c for c in self.cases if c.customer_id == customer_id]

    def record_contact(self, contact: Contact, *, queue_for_reading: bool = False) -> bool:
        if self.fail_record:
            raise Boom("write")
        if contact.contact_id in self.contacts:
            return False  # the SES message id is the key: a redelivery is one contact
        self.contacts[contact.contact_id] = (contact, queue_for_reading)
        return True

    def claim_auto_reply(self, customer_id: str, now: datetime, period: timedelta) -> bool:
        self.claims.append((customer_id, now, period))
        return self.claim_granted

    @property
    def only(self) -> tuple[Contact, bool]:
        """The one email contact logged (an auto-reply is an outbound contact beside it)."""
        (recorded,) = [(c, q) for c, q in self.contacts.values() if c.direction == "inbound"]
        return recorded


@dataclass
class Raw:
    messages: dict[str, bytes] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    kept: dict[str, bytes] = field(default_factory=dict)

    def read(self, message_id: str) -> bytes:
        self.reads.append(message_id)
        return self.messages[message_id]  # KeyError, as a missing S3 object raises

    def keep_sent(self, contact_id: str, data: bytes) -> None:
        self.kept[contact_id] = data


@dataclass
class Mailer:
    sent: list[EmailMessage] = field(default_factory=list)
    fail: bool = False

    def send(self, message: EmailMessage) -> str:
        if self.fail:
            raise Boom("send")
        self.sent.append(message)
        return "ses-id"


@dataclass
class Alerts:
    sent: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    fail: bool = False

    def alert(self, kind: str, **ids: str) -> None:
        self.sent.append((kind, ids))
        if self.fail:
            raise Boom("sns")


@dataclass
class Rig:
    store: Store = field(default_factory=Store)
    raw: Raw = field(default_factory=Raw)
    mailer: Mailer = field(default_factory=Mailer)
    alerts: Alerts = field(default_factory=Alerts)
    auto_reply_text: str | None = "Please write to {write_to} instead."

    def service(self) -> IngestService:
        extra: dict[str, Any] = {}
        if self.auto_reply_text is not None:
            extra["auto_reply_text"] = self.auto_reply_text
        return IngestService(
            store=self.store,
            raw_mail=self.raw,
            mailer=self.mailer,
            alerts=self.alerts,
            log=rig_logger("ingest-service"),
            patterns=default_patterns(),
            auto_reply_sender=NO_REPLY,
            **extra,
        )

    def deliver(
        self,
        raw: bytes | None,
        *,
        message_id: str = MESSAGE_ID,
        source: str = SENDER,
        subject: str = "About my repair",
        verdicts: dict[str, str] | None = None,
        from_header: list[str] | None = None,
    ) -> IngestResult:
        """SES's event for `raw` from envelope sender `source`; SES's header summary gives
        `from_header` as the From (by default the envelope sender, as in most mail)."""
        if raw is not None:
            self.raw.messages[message_id] = raw
        event = ses_receipt_event(message_id, source, subject, RECEIVED, verdicts=verdicts)
        if from_header is not None:
            event["Records"][0]["ses"]["mail"]["commonHeaders"]["from"] = from_header
        return self.service().ingest(event)


def email(
    body: str = "The boiler is broken again.",
    *,
    sender: str | list[str] | None = SENDER,
    subject: str = "About my repair",
    headers: dict[str, str] | None = None,
    attachments: int = 0,
) -> bytes:
    message = EmailMessage()
    if isinstance(sender, list):
        message["From"] = ", ".join(sender)
    elif sender is not None:
        message["From"] = sender
    message["To"] = "contact@landlord.example"
    message["Subject"] = subject
    message["Message-ID"] = "<orig-1@example.org>"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    for n in range(attachments):
        message.add_attachment(b"%d" % n, maintype="image", subtype="png", filename=f"{n}.png")
    return message.as_bytes()


def expected_contact(**changes: Any) -> Contact:
    fields: dict[str, Any] = {
        "contact_id": CONTACT_ID,
        "customer_id": CUSTOMER,
        "channel": Channel.EMAIL,
        "direction": Direction.INBOUND,
        "at": RECEIVED,
        "summary": "About my repair",
        "flags": (),
        "disposition": Disposition.ACCEPTED,
        "reason": "no-email-restriction",
        "source_address": SENDER,
        "raw_ref": MESSAGE_ID,
    }
    return Contact(**{**fields, **changes})


# --- accepted --------------------------------------------------------------------------------


@pytest.mark.policy("design-email-enforcement")
def test_an_unrestricted_customers_email_is_accepted_and_logged_once() -> None:
    rig = Rig()
    result = rig.deliver(email())
    assert result == IngestResult(
        SesDisposition.CONTINUE,
        Disposition.ACCEPTED,
        "no-email-restriction",
        CONTACT_ID,
        CUSTOMER,
        new_contact=True,
    )
    assert result.response() == {"disposition": "CONTINUE"}
    assert rig.store.only == (expected_contact(), False)
    assert rig.raw.reads == [MESSAGE_ID]
    assert rig.store.lookups == [SENDER]
    assert rig.mailer.sent == []
    assert rig.alerts.sent == []


@pytest.mark.policy("design-email-enforcement")
def test_the_sender_is_looked_up_in_lower_case() -> None:
    rig = Rig()
    result = rig.deliver(email(sender="Tenant@Example.ORG"))
    assert (result.contact_disposition, result.customer_id) == (Disposition.ACCEPTED, CUSTOMER)
    assert rig.store.lookups == [SENDER]


@pytest.mark.policy("design-email-enforcement")
def test_abusive_language_on_accepted_mail_alerts_the_manager_but_safeguarding_does_not() -> None:
    """Accepted mail reaches staff at once; only a filed email needs the safeguarding alert."""
    rig = Rig()
    result = rig.deliver(email("You useless idiots. I cannot go on like this."))
    assert result.flags == ("abusive-language", "safeguarding")
    assert result.alerts == ("signal:abusive-language",)
    assert rig.alerts.sent == [
        ("signal:abusive-language", {"customer_id": CUSTOMER, "contact_id": CONTACT_ID})
    ]
    contact, _ = rig.store.only
    assert contact.flags == ("abusive-language", "safeguarding")


@pytest.mark.policy("design-email-enforcement")
def test_a_redelivered_email_is_one_contact_and_alerts_once() -> None:
    rig = Rig()
    raw = email("You useless idiots.")
    first, again = rig.deliver(raw), rig.deliver(raw)
    assert first.new_contact
    assert first.alerts == ("signal:abusive-language",)
    assert again == IngestResult(
        SesDisposition.CONTINUE,
        Disposition.ACCEPTED,
        "no-email-restriction",
        CONTACT_ID,
        CUSTOMER,
        new_contact=False,
        flags=("abusive-language",),
    )
    assert len(rig.alerts.sent) == 1


@pytest.mark.policy("design-email-enforcement")
def test_the_summary_is_the_subject_cut_to_200_characters_and_attachments_are_flagged() -> None:
    rig = Rig()
    rig.deliver(email(subject="s" * 300, attachments=25))
    contact, _ = rig.store.only
    assert contact.summary == "s" * 200
    assert contact.flags == ("attachment:image/png",) * 20


# --- unknown sender ---------------------------------------------------------------------------


@pytest.mark.policy("design-email-enforcement")
def test_an_unknown_sender_is_delivered_and_logged_unmatched() -> None:
    rig = Rig()
    rig.store.known = {}
    result = rig.deliver(email())
    assert result == IngestResult(
        SesDisposition.CONTINUE, Disposition.UNMATCHED, "unknown-sender", CONTACT_ID
    )
    assert rig.store.only == (
        expected_contact(
            customer_id=None, disposition=Disposition.UNMATCHED, reason="unknown-sender"
        ),
        False,
    )
    assert rig.deliver(email()).new_contact is False


# --- quarantine -------------------------------------------------------------------------------


@pytest.mark.policy("design-email-enforcement")
@pytest.mark.parametrize(
    ("raw", "verdicts", "reason"),
    [
        (email(), {"virus": "FAIL", "spam": "FAIL"}, "virus-verdict-fail"),
        (email(), {"spam": "FAIL"}, "spam-verdict-fail"),
        (email(), {"dmarc": "FAIL"}, "unauthenticated:dmarc-fail"),
        (email(sender=None), None, "no-sender"),
        (email(sender=[SENDER, "other@example.org"]), None, "multiple-from-addresses"),
        (email(sender="tenant@localhost"), None, "sender-address-invalid"),
    ],
    ids=["virus", "spam", "dmarc-fail", "no-from", "two-from", "invalid-from"],
)
def test_quarantined_mail_is_stopped_and_never_attributed(
    raw: bytes, verdicts: dict[str, str] | None, reason: str
) -> None:
    rig = Rig(store=Store(cases=[restricted()]))
    result = rig.deliver(raw, verdicts=verdicts)
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
    assert rig.store.lookups == []
    assert rig.mailer.sent == []
    assert rig.alerts.sent == []
    assert rig.deliver(raw, verdicts=verdicts).new_contact is False


@pytest.mark.policy("design-email-enforcement")
def test_the_from_address_in_the_message_is_what_is_authenticated() -> None:
    """SES's header summary says example.org, the message itself says another domain: with no
    DMARC policy, SPF for the envelope domain does not vouch for that From."""
    rig = Rig()
    result = rig.deliver(
        email(sender="tenant@elsewhere.example"),
        verdicts={"dmarc": "GRAY", "dkim": "FAIL"},
        from_header=["tenant@elsewhere.example"],
    )
    assert (result.contact_disposition, result.reason) == (
        Disposition.QUARANTINED,
        "unauthenticated:no-dmarc-not-aligned",
    )
    assert rig.raw.reads == []  # the event alone decided it


@pytest.mark.policy("design-email-enforcement")
def test_a_from_in_the_message_that_is_not_the_one_ses_read_is_quarantined() -> None:
    """SES's header summary says example.org (and SES authenticated that), the message itself
    says another address: which one DMARC vouched for is unknowable, so neither counts."""
    rig = Rig()
    result = rig.deliver(email(sender="tenant@elsewhere.example"))
    assert result == IngestResult(
        SesDisposition.STOP_RULE_SET, Disposition.QUARANTINED, "from-header-mismatch", CONTACT_ID
    )
    contact, _ = rig.store.only
    assert (contact.customer_id, contact.source_address) == (None, None)
    assert rig.store.lookups == []


@pytest.mark.policy("design-email-enforcement")
@pytest.mark.parametrize(
    ("from_header", "verdicts", "reason", "recorded_sender"),
    [
        ([SENDER], {"virus": "FAIL"}, "virus-verdict-fail", SENDER),
        ([SENDER], {"spam": "FAIL"}, "spam-verdict-fail", SENDER),
        ([SENDER], {"dmarc": "FAIL"}, "unauthenticated:dmarc-fail", SENDER),
        ([f"{SENDER} <evil@x.example>"], None, "from-header-malformed", None),
        ([SENDER, "evil@x.example"], None, "multiple-from-addresses", None),
        ([f"{'a' * 65}@example.org"], None, "sender-address-too-long", None),
        (['"a b"@example.org'], None, "sender-address-invalid", None),
        ([], None, "no-sender", None),
    ],
    ids=["virus", "spam", "dmarc", "malformed", "two", "too-long", "invalid", "none"],
)
def test_mail_the_event_condemns_is_held_without_reading_it(
    from_header: list[str], verdicts: dict[str, str] | None, reason: str, recorded_sender: str
) -> None:
    rig = Rig(store=Store(cases=[restricted()]))
    result = rig.deliver(email(), verdicts=verdicts, from_header=from_header)
    assert result == IngestResult(
        SesDisposition.STOP_RULE_SET, Disposition.QUARANTINED, reason, CONTACT_ID
    )
    assert rig.raw.reads == []  # decided before any I/O
    assert rig.store.only == (
        Contact(
            contact_id=CONTACT_ID,
            customer_id=None,
            channel=Channel.EMAIL,
            at=RECEIVED,
            summary="About my repair",
            disposition=Disposition.QUARANTINED,
            reason=reason,
            source_address=recorded_sender,
            raw_ref=MESSAGE_ID,
        ),
        False,
    )
    assert rig.store.lookups == []


@pytest.mark.policy("design-email-enforcement")
def test_a_quarantine_that_cannot_be_recorded_still_stops_and_alerts() -> None:
    rig = Rig(store=Store(fail_record=True))
    result = rig.deliver(email(), verdicts={"virus": "FAIL"})
    assert result == IngestResult(
        SesDisposition.STOP_RULE_SET,
        Disposition.QUARANTINED,
        "fallback:quarantine-unrecorded",
        CONTACT_ID,
        alerts=("quarantine-unrecorded",),
        recorded=False,
    )
    assert rig.alerts.sent == [
        ("quarantine-unrecorded", {"contact_id": CONTACT_ID, "reason": "virus-verdict-fail"})
    ]


@pytest.mark.policy("design-email-enforcement")
def test_a_quarantine_found_in_the_message_that_cannot_be_recorded_still_stops() -> None:
    rig = Rig(store=Store(fail_record=True), alerts=Alerts(fail=True))
    result = rig.deliver(email(sender="tenant@elsewhere.example"))
    assert (result.disposition, result.contact_disposition, result.recorded) == (
        SesDisposition.STOP_RULE_SET,
        Disposition.QUARANTINED,
        False,
    )
    assert rig.alerts.sent == [
        ("quarantine-unrecorded", {"contact_id": CONTACT_ID, "reason": "from-header-mismatch"})
    ]


class BrokenPattern:
    def search(self, text: str) -> None:
        raise Boom("pattern")


@pytest.mark.policy("design-email-enforcement")
def test_a_quarantine_whose_full_record_fails_to_build_records_the_minimum() -> None:
    rig = Rig()
    service = rig.service()
    service.patterns = dict.fromkeys(service.patterns, BrokenPattern())  # type: ignore[arg-type]
    rig.raw.messages[MESSAGE_ID] = email(sender="tenant@elsewhere.example")
    result = service.ingest(ses_receipt_event(MESSAGE_ID, SENDER, "Subject", RECEIVED))
    assert (result.disposition, result.reason) == (
        SesDisposition.STOP_RULE_SET,
        "from-header-mismatch",
    )
    contact, _ = rig.store.only
    assert (contact.disposition, contact.summary, contact.flags, contact.source_address) == (
        Disposition.QUARANTINED,
        "Subject",
        (),
        None,
    )


@pytest.mark.policy("design-email-enforcement")
def test_when_the_event_checks_fail_the_mail_is_held_not_delivered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(receipt: object) -> None:
        raise Boom("check")

    monkeypatch.setattr("ingest.service.event_decision", broken)
    rig = Rig()
    result = rig.deliver(email())
    assert result == IngestResult(
        SesDisposition.STOP_RULE_SET, Disposition.QUARANTINED, "sender-check-failed", CONTACT_ID
    )
    assert rig.raw.reads == []
    contact, _ = rig.store.only
    assert (contact.customer_id, contact.source_address) == (None, None)


# --- letters only: filed and blocked ----------------------------------------------------------


@pytest.mark.policy("design-email-enforcement")
def test_letters_only_files_the_email_queues_it_and_replies_once_with_the_address() -> None:
    rig = Rig(store=Store(cases=[restricted(LettersOnly(write_to=WRITE_TO))]))
    result = rig.deliver(email())
    assert result == IngestResult(
        SesDisposition.STOP_RULE_SET,
        Disposition.FILED_BLOCKED,
        "letters-only-restriction",
        CONTACT_ID,
        CUSTOMER,
        new_contact=True,
        auto_replied=True,
    )
    assert rig.store.contacts[CONTACT_ID] == (
        expected_contact(disposition=Disposition.FILED_BLOCKED, reason="letters-only-restriction"),
        True,
    )
    assert rig.store.claims == [(CUSTOMER, RECEIVED, PERIOD)]
    (reply,) = rig.mailer.sent
    assert (reply["To"], reply["From"], reply["Auto-Submitted"]) == (
        SENDER,
        NO_REPLY,
        "auto-replied",
    )
    assert reply.get_content().strip() == f"Please write to {WRITE_TO} instead."

    again = rig.deliver(email())
    assert (again.new_contact, again.auto_replied, again.alerts) == (False, False, ())
    assert again.disposition is SesDisposition.STOP_RULE_SET
    assert len(rig.mailer.sent) == 1
    assert len(rig.store.claims) == 1


def test_the_auto_reply_is_an_outbound_contact_logged_once_with_what_was_sent() -> None:
    rig = Rig(store=Store(cases=[restricted(LettersOnly(write_to=WRITE_TO))]))
    rig.deliver(email())
    rig.deliver(email())  # SES delivers again: one reply, one outbound contact
    sent = [c for c, _ in rig.store.contacts.values() if c.direction == "outbound"]
    (reply,) = sent
    assert (reply.customer_id, reply.disposition, reply.reason) == (CUSTOMER, "sent", "auto-reply")
    assert (reply.raw_ref, reply.deliver_to, reply.at) == ("ses-id", SENDER, RECEIVED)
    assert reply.summary == str(rig.mailer.sent[0]["Subject"])
    assert reply.source_address == SENDER  # the customer's address it concerns
    assert rig.store.contacts[reply.contact_id][1] is False  # not queued to be read
    assert rig.raw.kept[reply.contact_id] == rig.mailer.sent[0].as_bytes()


def test_a_failed_auto_reply_logs_no_outbound_contact() -> None:
    rig = Rig(store=Store(cases=[restricted()]), mailer=Mailer(fail=True))
    rig.deliver(email())
    assert [c.direction for c, _ in rig.store.contacts.values()] == ["inbound"]


@pytest.mark.policy("design-email-enforcement")
def test_the_packaged_auto_reply_tells_the_customer_where_to_write() -> None:
    rig = Rig(store=Store(cases=[restricted(LettersOnly(write_to=WRITE_TO))]))
    rig.auto_reply_text = None  # the service's default: ingest/data/auto_reply.txt
    rig.deliver(email())
    (reply,) = rig.mailer.sent
    body = reply.get_content()
    assert WRITE_TO in body
    assert "{" not in body  # every placeholder filled
    org = shipped_organisation()  # issue 17: the emergency line by its number, always open
    assert f"    {org.emergency.telephone} ({org.emergency.hours})" in body
    assert f"tell us about {org.emergency.covers}" in body
    assert f"automatic reply from {org.name}." in body


def test_the_auto_reply_s_details_come_from_the_organisation_s_document() -> None:
    org = shipped_organisation().model_copy(
        update={"emergency": EmergencyLine(telephone="0300 000 0000", hours="always", covers="x")}
    )
    ruling = EmailRuling(action=EmailAction.FILE_AND_BLOCK, reason="letters only")
    body = auto_reply_body(default_auto_reply_text(), ruling, org)
    assert "    0300 000 0000 (always)" in body
    assert f"    {org.write_to}" in body  # no address of its own: the organisation's


@pytest.mark.policy("design-email-enforcement")
def test_a_second_email_within_the_period_gets_no_second_reply() -> None:
    rig = Rig(store=Store(cases=[restricted()], claim_granted=False))
    result = rig.deliver(email())
    assert (result.contact_disposition, result.auto_replied) == (Disposition.FILED_BLOCKED, False)
    assert rig.store.claims == [(CUSTOMER, RECEIVED, PERIOD)]
    assert rig.mailer.sent == []


@pytest.mark.policy("design-email-enforcement")
def test_an_auto_submitted_email_is_filed_without_a_reply_or_a_claim() -> None:
    rig = Rig(store=Store(cases=[restricted()]))
    result = rig.deliver(email(headers={"Auto-Submitted": "auto-generated"}))
    assert (result.disposition, result.auto_replied) == (SesDisposition.STOP_RULE_SET, False)
    assert rig.store.claims == []
    assert rig.mailer.sent == []


@pytest.mark.policy("design-email-enforcement")
def test_a_failed_auto_reply_still_files_and_stops_the_email() -> None:
    rig = Rig(store=Store(cases=[restricted()]), mailer=Mailer(fail=True))
    result = rig.deliver(email())
    assert (result.disposition, result.contact_disposition, result.auto_replied) == (
        SesDisposition.STOP_RULE_SET,
        Disposition.FILED_BLOCKED,
        False,
    )


@pytest.mark.policy("design-email-enforcement")
def test_a_safeguarding_phrase_in_filed_mail_alerts_at_once() -> None:
    rig = Rig(store=Store(cases=[restricted()]))
    result = rig.deliver(email("You useless lot. I cannot go on."))
    ids = {"customer_id": CUSTOMER, "contact_id": CONTACT_ID}
    assert result.alerts == ("signal:abusive-language", "safeguarding")
    assert result.flags == ("abusive-language", "safeguarding")
    assert rig.alerts.sent == [("signal:abusive-language", ids), ("safeguarding", ids)]
    contact, queued = rig.store.only
    assert contact.flags == ("abusive-language", "safeguarding")
    assert queued


@pytest.mark.policy("design-email-enforcement")
def test_filed_mail_without_a_signal_alerts_nobody() -> None:
    rig = Rig(store=Store(cases=[restricted()]))
    assert rig.deliver(email()).alerts == ()
    assert rig.alerts.sent == []


@pytest.mark.policy("design-email-enforcement")
def test_a_failed_alert_is_still_reported_and_the_mail_still_filed() -> None:
    rig = Rig(store=Store(cases=[restricted()]), alerts=Alerts(fail=True))
    result = rig.deliver(email("I cannot go on."))
    assert result.alerts == ("safeguarding",)
    assert result.contact_disposition is Disposition.FILED_BLOCKED
    assert rig.alerts.sent == [
        ("safeguarding", {"customer_id": CUSTOMER, "contact_id": CONTACT_ID})
    ]


# --- single point of contact ------------------------------------------------------------------


@pytest.mark.policy("design-email-enforcement")
def test_a_single_point_of_contact_gets_the_whole_message_and_staff_do_not() -> None:
    rig = Rig(store=Store(cases=[restricted(spoc())]))
    raw = email("You useless lot, answer me.")
    result = rig.deliver(raw)
    assert result == IngestResult(
        SesDisposition.STOP_RULE_SET,
        Disposition.ROUTED_TO_OFFICER,
        "single-point-of-contact",
        CONTACT_ID,
        CUSTOMER,
        new_contact=True,
        alerts=("signal:abusive-language",),
        flags=("abusive-language",),
    )
    assert rig.store.only == (
        expected_contact(
            disposition=Disposition.ROUTED_TO_OFFICER,
            reason="single-point-of-contact",
            flags=("abusive-language",),
            deliver_to=OFFICER,
        ),
        False,
    )
    assert rig.alerts.sent == [
        ("signal:abusive-language", {"customer_id": CUSTOMER, "contact_id": CONTACT_ID})
    ]
    # Ingest reads the message once and sends nothing: the delivery function takes it to the
    # officer from the contact record (tests/integration/test_delivery.py).
    assert rig.raw.reads == [MESSAGE_ID]
    assert rig.mailer.sent == []

    again = rig.deliver(raw)
    assert (again.new_contact, again.alerts, again.disposition) == (
        False,
        (),
        SesDisposition.STOP_RULE_SET,
    )
    assert rig.mailer.sent == []


@pytest.mark.policy("design-email-enforcement")
def test_letters_only_outranks_a_single_point_of_contact() -> None:
    rig = Rig(store=Store(cases=[restricted(spoc(), LettersOnly(write_to=WRITE_TO))]))
    result = rig.deliver(email())
    assert result.contact_disposition is Disposition.FILED_BLOCKED
    (reply,) = rig.mailer.sent
    assert reply["To"] == SENDER


# --- when something fails inside ingest -------------------------------------------------------


@pytest.mark.policy("design-email-enforcement")
def test_an_unreadable_raw_message_is_recorded_for_review_and_delivered() -> None:
    rig = Rig()
    result = rig.deliver(None, subject="x" * 250, source="Tenant@Example.org")
    assert result == IngestResult(
        SesDisposition.CONTINUE,
        Disposition.ACCEPTED,
        "fallback:raw-message-unreadable",
        CONTACT_ID,
    )
    assert rig.store.only == (
        Contact(
            contact_id=CONTACT_ID,
            customer_id=None,
            channel=Channel.EMAIL,
            at=RECEIVED,
            summary="x" * 200,
            disposition=Disposition.UNMATCHED,
            reason="ingest-fallback:raw-message-unreadable",
            source_address=SENDER,
            raw_ref=MESSAGE_ID,
            flags=("needs-review",),
        ),
        False,
    )
    assert rig.raw.reads == [MESSAGE_ID]


@pytest.mark.policy("design-email-enforcement")
def test_a_fallback_records_the_authenticated_from_never_the_envelope_sender() -> None:
    rig = Rig()
    result = rig.deliver(None, source="someone@example.org", from_header=[f"A <{SENDER}>"])
    assert result.disposition is SesDisposition.CONTINUE
    contact, _ = rig.store.only
    assert (contact.disposition, contact.source_address) == (Disposition.UNMATCHED, SENDER)


@pytest.mark.policy("design-email-enforcement")
def test_a_fallback_with_no_from_in_the_event_records_no_sender_and_delivers() -> None:
    """SES truncated the headers and left its From out: the raw message would have said who
    sent it, but it cannot be read. The envelope sender is not a substitute."""
    rig = Rig()
    event = ses_receipt_event(MESSAGE_ID, SENDER, "", RECEIVED)
    mail = event["Records"][0]["ses"]["mail"]
    mail["headersTruncated"] = True
    del mail["commonHeaders"]["from"]
    result = rig.service().ingest(event)
    assert (result.disposition, result.reason) == (
        SesDisposition.CONTINUE,
        "fallback:raw-message-unreadable",
    )
    contact, _ = rig.store.only
    assert (contact.disposition, contact.source_address) == (Disposition.QUARANTINED, None)
    assert contact.summary == ""


@pytest.mark.policy("design-email-enforcement")
def test_an_internal_error_delivers_the_mail_and_names_the_error() -> None:
    rig = Rig(store=Store(fail_lookup=True))
    result = rig.deliver(email())
    assert result == IngestResult(
        SesDisposition.CONTINUE, Disposition.ACCEPTED, "fallback:Boom", CONTACT_ID
    )
    contact, _ = rig.store.only
    assert (contact.reason, contact.flags, contact.source_address) == (
        "ingest-fallback:Boom",
        ("needs-review",),
        SENDER,
    )


@pytest.mark.policy("design-email-enforcement")
def test_when_even_recording_fails_the_mail_is_still_delivered() -> None:
    rig = Rig(store=Store(fail_record=True))
    result = rig.deliver(email())
    assert result == IngestResult(
        SesDisposition.CONTINUE,
        Disposition.ACCEPTED,
        "fallback:Boom",
        CONTACT_ID,
        new_contact=False,
        recorded=False,
    )


@pytest.mark.policy("design-email-enforcement")
def test_an_event_that_is_not_from_ses_is_answered_continue_and_records_nothing() -> None:
    rig = Rig()
    result = rig.service().ingest({"Records": [{"eventSource": "aws:s3"}]})
    assert result == IngestResult(SesDisposition.CONTINUE, Disposition.ACCEPTED, "bad-ses-event")
    assert result.response() == {"disposition": "CONTINUE"}
    assert rig.store.contacts == {}
