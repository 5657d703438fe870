"""Letters on moto: case events in (as the stream delivers them), DOCX drafts in S3, the
draft or the failure recorded on the case, and the manager alerted with identifiers only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from email import policy as email_policy
from email.parser import BytesParser
from io import BytesIO
from typing import Any

import boto3
import docx
import pytest

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.stream import stream_record
from contactguard.domain.calendar import LONDON
from contactguard.domain.case import (
    CaseEvent,
    CaseEventType,
    Command,
    ImposeRestrictions,
    LetterKind,
    LetterStatus,
    LogAppeal,
    MarkLetterSent,
    RaiseConcern,
    ReviewPackDue,
    SentVia,
)
from contactguard.domain.errors import RuleViolation
from contactguard.domain.lifecycle import Policy
from contactguard.domain.model import (
    Actor,
    Behaviour,
    Channel,
    Contact,
    Customer,
    Disposition,
    EqualityConsiderations,
    PostalAddress,
    Role,
)
from contactguard.domain.restrictions import (
    LettersOnly,
)
from contactguard.service import CaseService
from letters import handler
from letters.docx_render import document_text
from letters.service import LetterResult, LettersService, letter_key
from letters.settings import letters_settings
from letters.storage import S3LetterBucket
from letters.template_store import S3PublishedTemplates
from log_privacy import rig_logger

REGION = "eu-west-2"
BUCKET = "letters-test"
CASE = "case-1"
CUSTOMER = "cust-1"
NAME = "Alex <Tenant> & Co"
POSTCODE = "DE1 9ZZ"
MANAGER = Actor(actor_id="sm-1", role=Role.SERVICE_MANAGER, name="Sam Manager")
HEAD = Actor(actor_id="hos-1", role=Role.HEAD_OF_SERVICE, name="Hana Head")
DEADLINES = Actor.system("deadlines")
EQUALITY = EqualityConsiderations(
    reasonable_adjustments_considered=True,
    vulnerability_considered=True,
    equality_act_duties_considered=True,
    notes="considered",
)


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=LONDON)


def customer(*, address: bool = True) -> Customer:
    return Customer(
        customer_id=CUSTOMER,
        name=NAME,
        emails=("a.tenant@example.org",),
        address=PostalAddress(lines=("Flat 2", "14 Example Road"), postcode=POSTCODE)
        if address
        else None,
    )


@dataclass
class RecordingAlerts:
    sent: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def alert(self, kind: str, **ids: str) -> None:
        self.sent.append((kind, ids))


@dataclass
class World:
    store: DynamoStore
    cases: CaseService
    s3: Any
    alerts: RecordingAlerts
    letters: LettersService
    seen: int = 0

    def act(self, command: Command, by: Actor, now: datetime) -> list[CaseEvent]:
        """Give a command; returns the events it recorded (what the stream will carry)."""
        if isinstance(command, RaiseConcern) or (
            isinstance(command, ImposeRestrictions) and command.case_id
        ):
            self.cases.open_case(command, by, now)
        else:
            self.cases.act(CASE, command, by, now)
        return self.new_events()

    def new_events(self) -> list[CaseEvent]:
        events = self.store.events(CASE)[self.seen :]
        self.seen += len(events)
        return events

    def letter_event(self, events: list[CaseEvent]) -> CaseEvent:
        return next(e for e in events if e.letter is not None)

    def draft(self, events: list[CaseEvent], now: datetime) -> LetterResult:
        result = self.letters.on_event(self.letter_event(events), now)
        self.new_events()
        return result

    def send(
        self, kind: LetterKind, sent_on: str, by: Actor, via: SentVia = SentVia.POST
    ) -> list[CaseEvent]:
        case = self.store.get_case(CASE)
        assert case is not None
        letter = [x for x in case.letters if x.kind is kind][-1]
        day = date.fromisoformat(sent_on)
        sent = MarkLetterSent(letter_id=letter.letter_id, sent_on=day, sent_via=via)
        return self.act(sent, by, at(sent_on, 16))

    def keys(self, suffix: str = ".docx") -> list[str]:
        """The letters' objects: their documents (".docx"), email versions (".eml") or all."""
        listed = self.s3.list_objects_v2(Bucket=BUCKET, Prefix="letters/")
        return [o["Key"] for o in listed.get("Contents", []) if o["Key"].endswith(suffix)]

    def text(self, key: str) -> str:
        return document_text(self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


@pytest.fixture
def world(dynamodb: Any, tables: dict[str, str]) -> World:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    store = DynamoStore(tables["CasesTable"], client=dynamodb)
    store.put_customer(customer())
    cases = CaseService(cases=store, customers=store, policy=Policy())
    alerts = RecordingAlerts()
    letters = LettersService(
        cases=cases,
        contacts=store,
        bucket=S3LetterBucket(BUCKET, client=s3),
        alerts=alerts,
        log=rig_logger("letters"),
        templates=S3PublishedTemplates(BUCKET, client=s3),
    )
    return World(store=store, cases=cases, s3=s3, alerts=alerts, letters=letters)


def raise_concern() -> RaiseConcern:
    return RaiseConcern(
        case_id=CASE,
        customer_id=CUSTOMER,
        behaviours=(Behaviour.EXCESSIVE_EMAILS,),
        note="forty emails in a week",
    )


def impose() -> ImposeRestrictions:
    return ImposeRestrictions(
        restrictions=(LettersOnly(write_to="Derby Homes, PO Box 1, Derby DE1 1AA"),),
        behaviours=(Behaviour.EXCESSIVE_EMAILS,),
        reason="the contact continued after the concern letter",
        equality=EQUALITY,
    )


def restricted(world: World) -> None:
    """Concern drafted and sent; restrictions decided, drafted and sent on 18 Dec 2026."""
    world.draft(world.act(raise_concern(), MANAGER, at("2026-11-02")), at("2026-11-02", 10, 1))
    world.send(LetterKind.CONCERN, "2026-11-03", MANAGER)
    world.draft(world.act(impose(), HEAD, at("2026-12-18", 9)), at("2026-12-18", 9, 1))
    world.send(LetterKind.RESTRICTIONS, "2026-12-18", HEAD)


# The service ------------------------------------------------------------------------------


def test_a_concern_letter_names_the_contacts_chosen_as_evidence_and_no_one_elses(
    world: World,
) -> None:
    world.store.put_customer(customer().model_copy(update={"customer_id": "cust-2", "emails": ()}))
    for contact_id, customer_id, channel, day, summary in (
        ("call-1", CUSTOMER, Channel.PHONE, "2026-10-30", "rang about the repair, shouting"),
        ("mail-2", CUSTOMER, Channel.EMAIL, "2026-10-28", "Repairs!!! again"),
        ("other-3", "cust-2", Channel.PHONE, "2026-10-29", "someone else's call"),
    ):
        world.store.record_contact(
            Contact(
                contact_id=contact_id,
                customer_id=customer_id,
                channel=channel,
                at=at(day, 11),
                summary=summary,
            )
        )
    concern = raise_concern().model_copy(
        update={"evidence_contact_ids": ("call-1", "mail-2", "other-3")}
    )
    world.draft(world.act(concern, MANAGER, at("2026-11-02")), at("2026-11-02", 10, 1))

    text = world.text("letters/case-1/concern-0001/v1.docx")

    assert (
        "The contact we mean: On 28 October 2026 you emailed us: Repairs!!! again "
        "On 30 October 2026 you telephoned us: rang about the repair, shouting"
    ) in " ".join(text.split())
    assert "someone else" not in text  # another customer's contact, named by id: left out


def test_a_concern_becomes_a_draft_in_s3_recorded_on_the_case_and_notified(world: World) -> None:
    events = world.act(raise_concern(), MANAGER, at("2026-11-02"))
    assert world.draft(events, at("2026-11-02", 10, 1)) is LetterResult.DRAFTED

    key = "letters/case-1/concern-0001/v1.docx"
    assert world.keys("") == [key, "letters/case-1/concern-0001/v1.eml"]  # and its email version
    text = world.text(key)
    assert NAME in text
    assert POSTCODE in text
    assert "Date: 2 November 2026" in text
    head = world.s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ContentType"].endswith("wordprocessingml.document")
    assert head["Metadata"] == {
        "case-id": CASE,
        "letter-id": "concern-0001",
        "letter-kind": "concern",
        "version": "1",
        "templates": "concern.docx@packaged,blocks/letterhead.docx@packaged,"
        "blocks/help.docx@packaged",
    }

    case = world.store.get_case(CASE)
    assert case is not None
    letter = case.letter("concern-0001")
    assert letter is not None
    assert (letter.status, letter.version, letter.s3_key) == (LetterStatus.DRAFTED, 1, key)
    drafted = [e for e in world.store.events(CASE) if e.type is CaseEventType.LETTER_DRAFTED]
    assert [e.data["s3_key"] for e in drafted] == [key]
    assert drafted[0].actor == Actor.system("letters")

    # The manager who must send it is told, with identifiers only: no letter content.
    assert world.alerts.sent == [
        (
            "letter-drafted",
            {
                "case_id": CASE,
                "letter_id": "concern-0001",
                "letter_kind": "concern",
                "role": "service-manager",
            },
        )
    ]


@pytest.mark.policy("s4-step1-letter-or-email")
def test_a_concern_letter_has_an_email_version_a_manager_opens_as_a_draft(world: World) -> None:
    """Step 1 may go "in writing or email" (s.4): beside the DOCX, an unsent message to the
    customer's address with the letter's words and the letter attached."""
    world.draft(world.act(raise_concern(), MANAGER, at("2026-11-02")), at("2026-11-02", 10, 1))
    case = world.store.get_case(CASE)
    assert case is not None
    letter = case.letter("concern-0001")
    assert letter is not None
    assert letter.email_key == "letters/case-1/concern-0001/v1.eml"
    drafted = [e for e in world.store.events(CASE) if e.type is CaseEventType.LETTER_DRAFTED]
    assert drafted[0].data["email_key"] == letter.email_key

    stored = world.s3.get_object(Bucket=BUCKET, Key=letter.email_key)
    assert stored["ContentType"] == "message/rfc822"
    message = BytesParser(policy=email_policy.default).parsebytes(stored["Body"].read())
    assert message["X-Unsent"] == "1"  # Outlook and others open it as a draft to send
    assert message["To"].addresses[0].addr_spec == "a.tenant@example.org"
    assert message["To"].addresses[0].display_name == NAME
    assert message["From"].addresses[0].addr_spec == world.letters.organisation.email
    assert message["Subject"] == "Our letter of 2 November 2026, reference case-1"
    body = message.get_body(("plain",))
    assert body is not None
    words = " ".join(body.get_content().split())
    assert f"Dear {NAME}" in words
    assert "A chance to change" in words
    assert POSTCODE not in words  # no postal address by email: the letter from its greeting
    assert "Sending an excessive number of emails" not in words  # (this concern: no aspects)
    (attached,) = list(message.iter_attachments())
    assert attached.get_filename() == "case-1-2-november-2026.docx"
    assert (
        attached.get_content()
        == world.s3.get_object(Bucket=BUCKET, Key=letter.s3_key)["Body"].read()
    )

    # Sent by email: recorded so.
    world.send(LetterKind.CONCERN, "2026-11-03", MANAGER, via=SentVia.EMAIL)
    sent = world.store.get_case(CASE)
    assert sent is not None
    concern = sent.letter("concern-0001")
    assert concern is not None
    assert concern.sent_via is SentVia.EMAIL


@pytest.mark.policy("s4-step1-letter-or-email")
def test_no_email_version_to_a_customer_whose_email_is_restricted_nor_of_a_decision(
    world: World,
) -> None:
    """A restriction decision goes by post only; once letters-only is in force, even a letter
    the policy lets go by email (an appeal's acknowledgement) has no email version, and
    cannot be marked sent by email."""
    restricted(world)
    case = world.store.get_case(CASE)
    assert case is not None
    restrictions = [x for x in case.letters if x.kind is LetterKind.RESTRICTIONS][0]
    assert restrictions.email_key is None
    assert restrictions.sent_via is SentVia.POST
    team = Actor(actor_id="cet-1", role=Role.CUSTOMER_EXPERIENCE, name="Cat Team")
    appeal = world.act(
        LogAppeal(received_on=date(2026, 12, 22), grounds="the emails were about a repair"),
        team,
        at("2026-12-22", 9),
    )
    assert world.draft(appeal, at("2026-12-22", 9, 1)) is LetterResult.DRAFTED
    # the concern's, drafted before the restrictions
    assert world.keys(".eml") == ["letters/case-1/concern-0001/v1.eml"]
    case = world.store.get_case(CASE)
    assert case is not None
    acknowledgement = [x for x in case.letters if x.kind is LetterKind.APPEAL_ACKNOWLEDGEMENT][0]
    assert acknowledgement.email_key is None
    with pytest.raises(RuleViolation) as refused:
        world.send(LetterKind.APPEAL_ACKNOWLEDGEMENT, "2026-12-22", team, via=SentVia.EMAIL)
    assert refused.value.rule == "letter-by-email"


@pytest.mark.parametrize(
    ("decided", "dated"),
    [
        ("2026-11-28", "30 November 2026"),  # a Saturday: the Monday
        ("2026-12-25", "29 December 2026"),  # Christmas Day; Boxing Day is observed on the 28th
        ("2026-12-24", "24 December 2026"),  # a working day: itself
    ],
)
def test_a_draft_is_dated_the_first_day_it_could_be_posted(
    world: World, decided: str, dated: str
) -> None:
    events = world.act(raise_concern(), MANAGER, at(decided))
    assert world.draft(events, at(decided, 10, 1)) is LetterResult.DRAFTED
    assert f"Date: {dated}" in world.text("letters/case-1/concern-0001/v1.docx")
    case = world.store.get_case(CASE)
    assert case is not None
    letter = case.letter("concern-0001")
    assert letter is not None
    assert letter.letter_date.strftime("%-d %B %Y") == dated  # what mark-sent checks against


@pytest.mark.policy("s4-restrictions-start-when-told", "s5-appeal-15-working-days")
def test_a_drafted_restriction_letter_once_sent_starts_the_restrictions_it_states(
    world: World,
) -> None:
    restricted(world)
    case = world.store.get_case(CASE)
    assert case is not None
    assert case.period is not None
    assert case.appeal_window is not None
    assert case.period.starts_at == at("2026-12-18", 0)
    assert case.appeal_window.closes_on == date(2027, 1, 13)

    restrictions = [x for x in case.letters if x.kind is LetterKind.RESTRICTIONS][0]
    assert restrictions.status is LetterStatus.SENT
    assert restrictions.s3_key == letter_key(CASE, restrictions.letter_id, 1)
    text = " ".join(world.text(restrictions.s3_key).split())
    assert "take effect from the date of this letter, 18 December 2026" in text
    assert "up to and including 17 December 2027" in text
    assert "within 15 working days of the date of this letter, that is by 13 January 2027" in text


def test_a_customer_with_no_postal_address_gets_no_letter_and_the_manager_is_told(
    world: World,
) -> None:
    world.store.put_customer(customer(address=False))
    events = world.act(raise_concern(), MANAGER, at("2026-11-02"))
    assert world.draft(events, at("2026-11-02", 10, 1)) is LetterResult.FAILED

    assert world.keys() == []  # not issued
    failed = [e for e in world.store.events(CASE) if e.type is CaseEventType.LETTER_FAILED]
    assert [e.data["problems"] for e in failed] == [["no-postal-address"]]
    case = world.store.get_case(CASE)
    assert case is not None
    letter = case.letter("concern-0001")
    assert letter is not None
    assert letter.status is LetterStatus.FAILED
    assert letter.problems == ("no-postal-address",)
    assert world.alerts.sent == [
        (
            "letter-failed",
            {
                "case_id": CASE,
                "letter_id": "concern-0001",
                "letter_kind": "concern",
                "role": "service-manager",
                "problems": "no-postal-address",
            },
        )
    ]
    # A letter that was not issued cannot be marked sent.
    with pytest.raises(RuleViolation, match="letter-must-be-drafted"):
        world.send(LetterKind.CONCERN, "2026-11-03", MANAGER)

    # Redelivered: nothing new is recorded, nobody is told twice.
    assert world.letters.on_event(events[0], at("2026-11-02", 11)) is LetterResult.ALREADY_DONE
    assert len(world.alerts.sent) == 1
    assert world.new_events() == []

    # The alert failed the first time: the failure is not recorded, so the retry tells them.
    world.alerts.sent.clear()
    world.act(
        RaiseConcern(
            case_id="case-2", customer_id=CUSTOMER, behaviours=(Behaviour.SCATTERGUN,), note="n"
        ),
        MANAGER,
        at("2026-11-02", 12),
    )
    other = world.store.events("case-2")
    real_alert = world.letters.alerts.alert

    def down(kind: str, **ids: str) -> None:
        raise RuntimeError("SNS is down")

    world.letters.alerts.alert = down  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        world.letters.on_event(other[0], at("2026-11-02", 12, 1))
    world.letters.alerts.alert = real_alert  # type: ignore[method-assign]
    assert world.letters.on_event(other[0], at("2026-11-02", 12, 2)) is LetterResult.FAILED
    assert [kind for kind, _ in world.alerts.sent] == ["letter-failed"]

    # Once the address is known, the same event drafts the letter.
    world.store.put_customer(customer())
    assert world.letters.on_event(events[0], at("2026-11-03", 9)) is LetterResult.DRAFTED
    assert world.keys() == ["letters/case-1/concern-0001/v1.docx"]


@pytest.mark.policy("s6-review-12-monthly")
def test_the_review_pack_counts_the_contacts_in_the_table(world: World) -> None:
    world.store.put_customer(
        Customer(customer_id="cust-2", name="Someone Else", emails=("else@example.org",))
    )
    contacts = [
        # the 12 months before the end date (18 Dec 2026 - 17 Dec 2027)
        (CUSTOMER, "2027-01-05", Channel.EMAIL, Disposition.FILED_BLOCKED, ("abusive-language",)),
        (CUSTOMER, "2027-01-06", Channel.EMAIL, Disposition.FILED_BLOCKED, ()),
        (CUSTOMER, "2027-01-07", Channel.PHONE, Disposition.ACCEPTED, ()),
        (CUSTOMER, "2027-03-01", Channel.LETTER, Disposition.ACCEPTED, ()),
        # the year before, for comparison
        (CUSTOMER, "2026-01-05", Channel.EMAIL, Disposition.ACCEPTED, ()),
        (CUSTOMER, "2026-01-06", Channel.EMAIL, Disposition.ACCEPTED, ("threatening-language",)),
        (CUSTOMER, "2026-01-07", Channel.EMAIL, Disposition.ACCEPTED, ()),
        (CUSTOMER, "2026-10-10", Channel.VISIT, Disposition.ACCEPTED, ()),
        # another customer's: never counted
        ("cust-2", "2027-01-05", Channel.EMAIL, Disposition.ACCEPTED, ()),
    ]
    for n, (who, day, channel, disposition, flags) in enumerate(contacts):
        world.store.record_contact(
            Contact(
                contact_id=f"ses-{n:03d}",
                customer_id=who,
                channel=channel,
                at=at(day, 9),
                summary=f"Subject <{n}> & more",
                flags=flags,
                disposition=disposition,
            )
        )
    restricted(world)
    case = world.store.get_case(CASE)
    assert case is not None
    assert case.period is not None
    due_on = case.period.review_pack_due_on
    events = world.act(ReviewPackDue(), DEADLINES, datetime.combine(due_on, time(7), LONDON))
    assert world.draft(events, datetime.combine(due_on, time(7, 1), LONDON)) is (
        LetterResult.DRAFTED
    )

    event = world.letter_event(events)
    assert event.letter is not None
    key = letter_key(CASE, event.letter.letter_id, 1)
    body = world.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    text = " ".join(document_text(body).split())
    assert "from 18 December 2026 to 22 November 2027" in text  # produced on 22 November
    # month, email, phone, letter, visit, social media, total, the year before
    assert "Jan 2027 2 1 0 0 0 3 3" in text
    assert "Mar 2027 0 0 1 0 0 1 0" in text
    assert "Oct 2027 0 0 0 0 0 0 1" in text
    assert "All inbound contacts 4 4" in text
    assert "Emails filed and blocked (not delivered, read for new information) 2 0" in text
    assert "Abusive language 1 0" in text
    assert "Threatening language 0 1" in text
    assert "5 January 2027 09:00 Subject <0> & more Abusive language" in text
    assert "6 January 2027 09:00 Subject <1> & more none" in text
    assert len(docx.Document(BytesIO(body)).inline_shapes) == 1  # the chart
    assert world.alerts.sent[-1] == (
        "letter-drafted",
        {
            "case_id": CASE,
            "letter_id": event.letter.letter_id,
            "letter_kind": "review-pack",
            "role": "head-of-service",
        },
    )


# The handler: the stream edge ---------------------------------------------------------------


@dataclass(frozen=True)
class FakeContext:
    function_name: str = "letters"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:letters"
    aws_request_id: str = "test"


@pytest.fixture
def deployed(
    world: World, tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """The handler configured as the template configures it, alerts read from a queue."""
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    monkeypatch.setenv("CONTACTGUARD_TABLE_NAME", tables["CasesTable"])
    monkeypatch.setenv("CONTACTGUARD_LETTERS_BUCKET", BUCKET)
    monkeypatch.setenv("CONTACTGUARD_ALERTS_TOPIC_ARN", topic)
    letters_settings.cache_clear()
    handler.build.use_clock(lambda: at("2026-11-02", 10, 5))  # the composition root's clock

    def alerts() -> list[dict[str, str]]:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in got.get("Messages", [])]

    yield alerts
    letters_settings.cache_clear()
    handler.build.use_clock(None)


def invoke(records: list[dict[str, Any]]) -> dict[str, Any]:
    context: Any = FakeContext()  # the attributes Powertools reads from a LambdaContext
    return dict(handler.stream_handler({"Records": records}, context))


def not_a_case_event() -> dict[str, Any]:
    return {
        "eventID": "x",
        "eventName": "MODIFY",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": {"pk": {"S": "CASE#case-1"}, "sk": {"S": "STATE"}},
            "NewImage": {"pk": {"S": "CASE#case-1"}, "kind": {"S": "state"}},
            "SequenceNumber": "900000000000000000001",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_the_same_stream_record_twice_gives_one_object_and_one_drafted_event(
    world: World, deployed: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    events = world.act(raise_concern(), MANAGER, at("2026-11-02"))
    record = stream_record(events[0])

    assert invoke([record]) == {"batchItemFailures": []}
    assert invoke([record]) == {"batchItemFailures": []}

    assert world.keys() == ["letters/case-1/concern-0001/v1.docx"]
    types = [e.type for e in world.store.events(CASE)]
    assert types.count(CaseEventType.LETTER_DRAFTED) == 1
    assert deployed() == [  # one notification, identifiers only
        {
            "kind": "letter-drafted",
            "case_id": CASE,
            "letter_id": "concern-0001",
            "letter_kind": "concern",
            "role": "service-manager",
        }
    ]
    out = capfd.readouterr()
    assert NAME not in out.out + out.err
    assert POSTCODE not in out.out + out.err


@pytest.mark.parametrize("bad", ["unknown-case", "unreadable-document"])
def test_one_bad_record_fails_alone(world: World, deployed: Any, bad: str) -> None:
    events = world.act(raise_concern(), MANAGER, at("2026-11-02"))
    good = stream_record(events[0])
    broken = json.loads(json.dumps(good))
    broken["dynamodb"]["SequenceNumber"] = "000000000000000000099"
    if bad == "unknown-case":
        doc = events[0].model_copy(update={"case_id": "case-missing"}).model_dump_json()
    else:
        doc = '{"case_id": "case-1", "truncated'
    broken["dynamodb"]["NewImage"]["doc"]["S"] = doc

    response = invoke([not_a_case_event(), broken, good])

    assert response == {"batchItemFailures": [{"itemIdentifier": "000000000000000000099"}]}
    assert world.keys() == ["letters/case-1/concern-0001/v1.docx"]


def test_events_that_call_for_no_letter_are_skipped(world: World, deployed: Any) -> None:
    world.draft(world.act(raise_concern(), MANAGER, at("2026-11-02")), at("2026-11-02", 10, 1))
    sent = world.send(LetterKind.CONCERN, "2026-11-03", MANAGER)
    assert all(e.letter is None for e in sent)
    assert invoke([stream_record(e) for e in sent]) == {"batchItemFailures": []}
    assert world.keys() == ["letters/case-1/concern-0001/v1.docx"]


# The embedded stack: the function wired as the SAM template should wire it -----------------

# What infra/template.yaml needs for this function (merged here into a copy of the template
# until it has it; once it does, the template's own definition is used).
LETTERS_SAM = """
LettersBucket:
  Type: AWS::S3::Bucket
  DeletionPolicy: Retain
  UpdateReplacePolicy: Retain
  Properties:
    BucketName: !Sub "contactguard-${Stage}-letters-${AWS::AccountId}"
LettersFunction:
  Type: AWS::Serverless::Function
  Properties:
    FunctionName: !Sub "contactguard-${Stage}-letters"
    CodeUri: ../functions/
    Handler: letters.handler.stream_handler
    Timeout: 60
    Environment:
      Variables:
        POWERTOOLS_SERVICE_NAME: letters
        CONTACTGUARD_LETTERS_BUCKET: !Ref LettersBucket
        CONTACTGUARD_ALERTS_TOPIC_ARN: !Ref AlertsTopic
    Events:
      CaseEvents:
        Type: DynamoDB
        Properties:
          Stream: !GetAtt CasesTable.StreamArn
          StartingPosition: TRIM_HORIZON
          BatchSize: 10
          MaximumRetryAttempts: 5
          FunctionResponseTypes: [ReportBatchItemFailures]
          FilterCriteria:
            Filters:
              - Pattern: '{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["event"]}}}}'
"""  # noqa: E501 - the template's one-line filter pattern, as it would be written there


def test_on_the_embedded_stack_a_concern_is_drafted_from_the_stream(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml

    from contactguard_local.stack import EmbeddedStack, SimClock
    from contactguard_local.template import CloudFormationLoader, load_template

    template = load_template()
    if not any(
        str(r.get("Properties", {}).get("Handler", "")).startswith("letters.")
        for r in template["Resources"].values()
    ):
        template["Resources"].update(yaml.load(LETTERS_SAM, Loader=CloudFormationLoader))
    with EmbeddedStack(SimClock(at("2026-11-02", 9)), template=template) as stack:
        stack.store.put_customer(customer())
        stack.cases.open_case(raise_concern(), MANAGER, at("2026-11-02"))
        stack.pump_streams()

        bucket = next(
            stack.names[logical_id]
            for logical_id, r in template["Resources"].items()
            if r["Type"] == "AWS::S3::Bucket" and "letters" in logical_id.lower()
        )
        listed = stack.s3.list_objects_v2(Bucket=bucket, Prefix="letters/")
        assert [o["Key"] for o in listed["Contents"]] == [
            "letters/case-1/concern-0001/v1.docx",
            "letters/case-1/concern-0001/v1.eml",  # Step 1 may go by email (IAM: letters/*)
        ]
        assert stack.log.stream_failures == []
        case = stack.store.get_case(CASE)
        assert case is not None
        letter = case.letter("concern-0001")
        assert letter is not None
        assert letter.status is LetterStatus.DRAFTED
