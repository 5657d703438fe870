"""The DynamoDB store on moto, with tables built from infra/template.yaml.

Cases are built with the real domain (`decide`), so what is stored is what staff produce.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from itertools import cycle
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from contactguard.adapters.dynamodb import (
    CONFLICT_ATTEMPTS,
    DynamoStore,
    EmailAlreadyClaimed,
    utc_key_time,
)
from contactguard.domain.case import (
    Case,
    CaseEventType,
    CaseStatus,
    CloseConcern,
    Command,
    MarkLetterSent,
    RaiseConcern,
    RecordLetterDrafted,
)
from contactguard.domain.errors import VersionConflict
from contactguard.domain.lifecycle import Outcome, Policy, decide
from contactguard.domain.model import (
    Actor,
    Behaviour,
    Channel,
    Contact,
    Customer,
    Disposition,
    Role,
)
from contactguard.domain.retention import Period, Unit
from contactguard.service import CustomerService
from contactguard_local.template import (
    create_tables,
    load_template,
    parameters,
    resolve,
    resource_names,
    table_names,
)

LONDON = ZoneInfo("Europe/London")
POLICY = Policy()
MANAGER = Actor(actor_id="staff-sm-1", role=Role.SERVICE_MANAGER)
LETTERS = Actor.system("letters")


# Building cases with the domain ------------------------------------------------------------


def _apply(store: DynamoStore, case: Case | None, command: Command, now: datetime) -> Outcome:
    actor = LETTERS if isinstance(command, RecordLetterDrafted) else MANAGER
    outcome = decide(case, command, actor, now, POLICY)
    store.commit(outcome.case, outcome.events, case.version if case else None)
    return outcome


def _raise_concern(case_id: str = "CASE-1", customer_id: str = "CUST-1") -> RaiseConcern:
    return RaiseConcern(
        case_id=case_id,
        customer_id=customer_id,
        behaviours=(Behaviour.EXCESSIVE_EMAILS,),
        note="forty emails in two days about the same repair",
    )


def _open_case(
    store: DynamoStore,
    now: datetime,
    case_id: str = "CASE-1",
    customer_id: str = "CUST-1",
) -> Case:
    return _apply(store, None, _raise_concern(case_id, customer_id), now).case


def _drafted(case: Case, key: str = "letters/CASE-1/concern-0001-v1.docx") -> RecordLetterDrafted:
    return RecordLetterDrafted(letter_id=case.letters[0].letter_id, version=1, s3_key=key)


def _concern_to_closure(store: DynamoStore, opened: datetime, closed: datetime) -> Case:
    """Four commits: concern raised, letter drafted, letter sent, concern closed."""
    case = _open_case(store, opened)
    case = _apply(store, case, _drafted(case), opened + timedelta(hours=1)).case
    sent = MarkLetterSent(letter_id=case.letters[0].letter_id, sent_on=opened.date())
    case = _apply(store, case, sent, opened + timedelta(hours=2)).case
    return _apply(store, case, CloseConcern(reason="the behaviour changed"), closed).case


def _raw(store: DynamoStore, pk: str, sk: str) -> dict[str, Any] | None:
    item = store.client.get_item(
        TableName=store.table_name, Key={"pk": {"S": pk}, "sk": {"S": sk}}
    ).get("Item")
    return dict(item) if item else None


def _partition(store: DynamoStore, pk: str) -> list[dict[str, Any]]:
    response = store.client.query(
        TableName=store.table_name,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )
    return [dict(item) for item in response["Items"]]


# Cases ----------------------------------------------------------------------------------------


def test_a_case_round_trips_with_stream_readable_attributes(store: DynamoStore) -> None:
    now = datetime(2026, 11, 30, 10, 15, tzinfo=LONDON)
    outcome = decide(None, _raise_concern(), MANAGER, now, POLICY)

    store.commit(outcome.case, outcome.events, expected_version=None)

    assert store.get_case("CASE-1") == outcome.case
    assert store.events("CASE-1") == list(outcome.events)
    assert store.get_case("CASE-404") is None
    state = _raw(store, "CASE#CASE-1", "STATE")
    assert state is not None
    assert state["kind"] == {"S": "case"}
    assert state["version"] == {"N": "1"}
    assert state["status"] == {"S": "concern"}
    assert state["gsi1pk"] == {"S": "CUSTOMER#CUST-1"}
    assert state["gsi1sk"] == {"S": "CASE#2026-11-30T10:15:00.000000Z#CASE-1"}
    assert "expires_at" not in state  # open cases are kept
    event = _raw(store, "CASE#CASE-1", "EVENT#000001")
    assert event is not None
    assert {name: event[name] for name in ("kind", "case_id", "customer_id", "seq")} == {
        "kind": {"S": "event"},
        "case_id": {"S": "CASE-1"},
        "customer_id": {"S": "CUST-1"},
        "seq": {"N": "1"},
    }
    assert event["event_type"] == {"S": "concern-raised"}
    assert "doc" in event


@pytest.mark.policy("design-decisions-recorded")
def test_events_come_back_in_order_after_several_commits(dynamodb: Any, tables: Any) -> None:
    store = DynamoStore(tables["CasesTable"], client=dynamodb, page_size=2)  # several pages
    opened = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)

    case = _concern_to_closure(store, opened, opened + timedelta(days=10))

    events = store.events("CASE-1")
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [e.type for e in events] == [
        CaseEventType.CONCERN_RAISED,
        CaseEventType.LETTER_DRAFTED,
        CaseEventType.LETTER_SENT,
        CaseEventType.CONCERN_CLOSED,
    ]
    assert [e.actor.role for e in events] == [
        Role.SERVICE_MANAGER,
        Role.SYSTEM,
        Role.SERVICE_MANAGER,
        Role.SERVICE_MANAGER,
    ]
    assert events[-1].reason == "the behaviour changed"
    assert store.get_case("CASE-1") == case
    assert case.version == events[-1].seq


@pytest.mark.policy("design-decisions-recorded")
def test_a_recorded_event_is_never_overwritten(store: DynamoStore) -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
    case = _open_case(store, now)
    [recorded] = store.events("CASE-1")
    rewritten = recorded.model_copy(update={"reason": "a different story"})

    with pytest.raises(VersionConflict):  # the state's version matches; the event key does not
        store.commit(case, (rewritten,), expected_version=case.version)

    assert store.events("CASE-1") == [recorded]


@pytest.mark.policy("design-optimistic-locking")
def test_a_stale_writer_gets_a_conflict_and_stores_nothing(store: DynamoStore) -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
    _open_case(store, now)
    first = store.get_case("CASE-1")
    second = store.get_case("CASE-1")
    assert first is not None
    assert second is not None
    winner = _apply(store, first, _drafted(first, "letters/winner.docx"), now)
    stale = decide(second, _drafted(second, "letters/loser.docx"), LETTERS, now, POLICY)

    with pytest.raises(VersionConflict) as raised:
        store.commit(stale.case, stale.events, expected_version=second.version)

    assert raised.value.case_id == "CASE-1"
    assert raised.value.expected_version == 1
    assert store.get_case("CASE-1") == winner.case
    events = store.events("CASE-1")
    assert [e.seq for e in events] == [1, 2]
    assert events[1] == winner.events[0]
    assert events[1].data["s3_key"] == "letters/winner.docx"


@pytest.mark.policy("design-optimistic-locking")
def test_the_version_check_alone_refuses_a_stale_expected_version(store: DynamoStore) -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
    case = _open_case(store, now)
    case = _apply(store, case, _drafted(case), now).case  # version 2
    later = decide(case, CloseConcern(reason="resolved"), MANAGER, now, POLICY)
    assert [e.seq for e in later.events] == [3]  # no event key collides

    with pytest.raises(VersionConflict):
        store.commit(later.case, later.events, expected_version=1)

    assert store.get_case("CASE-1") == case
    assert [e.seq for e in store.events("CASE-1")] == [1, 2]


@pytest.mark.policy("design-optimistic-locking")
def test_two_new_cases_with_the_same_id_conflict(store: DynamoStore) -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
    first = _open_case(store, now)
    again = decide(None, _raise_concern(customer_id="CUST-2"), MANAGER, now, POLICY)

    with pytest.raises(VersionConflict) as raised:
        store.commit(again.case, again.events, expected_version=None)

    assert raised.value.expected_version == 0
    assert store.get_case("CASE-1") == first
    assert [e.customer_id for e in store.events("CASE-1")] == ["CUST-1"]


def test_a_writer_expecting_a_version_of_a_missing_case_conflicts(store: DynamoStore) -> None:
    outcome = decide(None, _raise_concern(), MANAGER, datetime.now(LONDON), POLICY)

    with pytest.raises(VersionConflict):
        store.commit(outcome.case, outcome.events, expected_version=3)

    assert store.get_case("CASE-1") is None
    assert store.events("CASE-1") == []


def test_cases_for_customer_are_newest_first(store: DynamoStore) -> None:
    base = datetime(2026, 1, 5, 9, 0, tzinfo=LONDON)
    for case_id, days in [("CASE-B", 30), ("CASE-A", 0), ("CASE-D", 200), ("CASE-C", 90)]:
        _open_case(store, base + timedelta(days=days), case_id=case_id)
    _open_case(store, base + timedelta(days=500), case_id="CASE-OTHER", customer_id="CUST-2")

    cases = store.cases_for_customer("CUST-1")

    assert [c.case_id for c in cases] == ["CASE-D", "CASE-C", "CASE-B", "CASE-A"]
    assert store.cases_for_customer("CUST-404") == []


# Retention --------------------------------------------------------------------------------------


def test_closure_sets_expires_at_six_years_later(store: DynamoStore) -> None:
    opened = datetime(2026, 6, 1, 9, 0, tzinfo=LONDON)
    closed = datetime(2026, 6, 15, 14, 30, 15, 999_999, tzinfo=LONDON)  # 13:30:15 UTC (BST)

    case = _concern_to_closure(store, opened, closed)

    assert case.status is CaseStatus.CLOSED
    expected = int(datetime(2032, 6, 15, 13, 30, 15, tzinfo=UTC).timestamp())
    assert expected == 1970919015
    state = _raw(store, "CASE#CASE-1", "STATE")
    closing_event = _raw(store, "CASE#CASE-1", "EVENT#000004")
    assert state is not None
    assert closing_event is not None
    assert state["expires_at"] == {"N": str(expected)}
    assert closing_event["expires_at"] == {"N": str(expected)}
    earlier = _raw(store, "CASE#CASE-1", "EVENT#000001")
    assert earlier is not None
    assert "expires_at" not in earlier  # until apply_retention runs


@pytest.mark.parametrize(
    ("closed_at", "years", "expires"),
    [
        (datetime(2026, 3, 10, 12, 0, tzinfo=LONDON), 6, datetime(2032, 3, 10, 12, 0, tzinfo=UTC)),
        (datetime(2028, 2, 29, 8, 0, tzinfo=LONDON), 6, datetime(2034, 2, 28, 8, 0, tzinfo=UTC)),
        (datetime(2028, 2, 29, 8, 0, tzinfo=LONDON), 4, datetime(2032, 2, 29, 8, 0, tzinfo=UTC)),
        (datetime(2026, 7, 1, 0, 30, tzinfo=LONDON), 6, datetime(2032, 6, 30, 23, 30, tzinfo=UTC)),
    ],
)
def test_retention_is_calendar_years_in_utc(
    closed_at: datetime, years: int, expires: datetime
) -> None:
    assert Period(years, Unit.YEARS).after(closed_at) == expires


def test_apply_retention_stamps_the_earlier_events(store: DynamoStore) -> None:
    opened = datetime(2027, 2, 1, 9, 0, tzinfo=LONDON)
    closed = datetime(2027, 2, 20, 16, 0, tzinfo=LONDON)
    _concern_to_closure(store, opened, closed)
    _open_case(store, opened, case_id="CASE-OPEN")
    expected = {"N": str(int(datetime(2033, 2, 20, 16, 0, tzinfo=UTC).timestamp()))}

    assert store.apply_retention("CASE-1") == 3
    assert store.apply_retention("CASE-1") == 0  # already stamped
    assert store.apply_retention("CASE-OPEN") == 0  # open cases are kept
    assert store.apply_retention("CASE-404") == 0

    for seq in (1, 2, 3, 4):
        event = _raw(store, "CASE#CASE-1", f"EVENT#{seq:06d}")
        assert event is not None
        assert event["expires_at"] == expected
    open_event = _raw(store, "CASE#CASE-OPEN", "EVENT#000001")
    assert open_event is not None
    assert "expires_at" not in open_event


# Customers and email addresses ---------------------------------------------------------------


def _customer(customer_id: str, *emails: str) -> Customer:
    return Customer(customer_id=customer_id, name="A Tenant", emails=emails)


def test_email_lookup_is_case_insensitive(store: DynamoStore) -> None:
    store.put_customer(_customer("CUST-1", "tenant@example.com"))

    assert store.customer_id_for_email("Tenant@Example.COM") == "CUST-1"
    assert store.customer_id_for_email("  TENANT@example.com ") == "CUST-1"
    assert store.customer_id_for_email("<TENANT@example.com>") is None  # not one addr-spec
    assert store.customer_id_for_email("someone@example.com") is None
    assert store.customer_id_for_email("not an address") is None
    assert store.get_customer("CUST-1") == _customer("CUST-1", "tenant@example.com")
    assert store.get_customer("CUST-404") is None


def test_an_address_claimed_by_another_customer_is_refused(store: DynamoStore) -> None:
    store.put_customer(_customer("CUST-1", "tenant@example.com"))

    with pytest.raises(EmailAlreadyClaimed) as raised:
        store.put_customer(_customer("CUST-2", "other@example.com", "TENANT@example.com"))

    assert raised.value.address == "tenant@example.com"
    assert "tenant@example.com" not in str(raised.value)  # messages reach logs
    assert store.get_customer("CUST-2") is None
    assert store.customer_id_for_email("tenant@example.com") == "CUST-1"
    assert store.customer_id_for_email("other@example.com") is None  # nothing half-written


def test_re_putting_a_customer_releases_removed_addresses(store: DynamoStore) -> None:
    store.put_customer(_customer("CUST-1", "old@example.com", "kept@example.com"))
    store.put_customer(_customer("CUST-1", "old@example.com", "kept@example.com"))  # again: ok

    store.put_customer(_customer("CUST-1", "kept@example.com", "new@example.com"))

    assert store.customer_id_for_email("old@example.com") is None
    assert store.customer_id_for_email("kept@example.com") == "CUST-1"
    assert store.customer_id_for_email("new@example.com") == "CUST-1"
    store.put_customer(_customer("CUST-2", "old@example.com"))  # free to claim now
    assert store.customer_id_for_email("old@example.com") == "CUST-2"


# Contacts ---------------------------------------------------------------------------------------


def _contact(
    contact_id: str,
    at: datetime,
    customer_id: str | None = "CUST-1",
    channel: Channel = Channel.EMAIL,
    **extra: Any,
) -> Contact:
    return Contact(contact_id=contact_id, customer_id=customer_id, channel=channel, at=at, **extra)


@pytest.mark.policy("s2-contact-channels")
def test_contacts_in_a_range_come_back_in_order_across_pages(
    dynamodb: Any, tables: dict[str, str]
) -> None:
    store = DynamoStore(tables["CasesTable"], client=dynamodb, page_size=4)
    base = datetime(2026, 10, 24, 22, 0, tzinfo=LONDON)  # BST ends in the small hours of 25th
    channels = cycle(list(Channel))
    recorded = [
        _contact(f"msg-{hour:02d}", base + timedelta(hours=hour), channel=next(channels))
        for hour in range(12)
    ]
    # Stored in a scrambled order, one given in UTC and one at a fixed +05:00 offset.
    recorded[3] = recorded[3].model_copy(update={"at": recorded[3].at.astimezone(UTC)})
    recorded[7] = recorded[7].model_copy(
        update={"at": recorded[7].at.astimezone(timezone(timedelta(hours=5)))}
    )
    for contact in [*recorded[6:], *recorded[:6]]:
        assert store.record_contact(contact) is True
    store.record_contact(_contact("other-customer", base + timedelta(hours=2), "CUST-2"))
    start, end = recorded[1].at, recorded[10].at  # start inclusive, end exclusive
    store.requests = 0

    found = list(store.contacts("CUST-1", start, end))

    assert [c.contact_id for c in found] == [f"msg-{hour:02d}" for hour in range(1, 10)]
    assert found == recorded[1:10]
    assert {c.channel for c in found} == set(Channel)
    assert store.requests == 3  # 9 contacts in pages of 4: one paginated Query
    assert list(store.contacts("CUST-1", end, start)) == []


def test_contact_key_times_are_fixed_width_utc() -> None:
    at = datetime(2026, 12, 1, 10, 0, tzinfo=LONDON)
    assert utc_key_time(at) == "2026-12-01T10:00:00.000000Z"
    assert utc_key_time(datetime(2026, 7, 1, 10, 0, 0, 5, tzinfo=LONDON)) == (
        "2026-07-01T09:00:00.000005Z"
    )


def test_a_duplicate_contact_is_recorded_once(store: DynamoStore) -> None:
    at = datetime(2026, 11, 30, 9, 0, tzinfo=LONDON)
    contact = _contact("ses-message-1", at, summary="first delivery")

    assert store.record_contact(contact) is True
    redelivered = contact.model_copy(update={"at": at + timedelta(minutes=5), "summary": "again"})
    assert store.record_contact(redelivered) is False
    assert store.record_contact(contact) is False

    items = _partition(store, "CUSTOMER#CUST-1")
    assert len(items) == 1
    assert items[0]["contact_id"] == {"S": "ses-message-1"}
    assert list(store.contacts("CUST-1", at - timedelta(days=1), at + timedelta(days=1))) == [
        contact
    ]


def test_unmatched_contacts_are_attributed_when_the_address_is_linked(
    store: DynamoStore,
) -> None:
    at = datetime(2026, 11, 2, 9, 0, tzinfo=LONDON)
    store.put_customer(_customer("CUST-1", "tenant@example.com"))
    unmatched = [
        _contact(
            f"unmatched-{n}",
            at + timedelta(days=n),
            customer_id=None,
            disposition=Disposition.UNMATCHED,
            source_address="New.Address@Example.com",
        )
        for n in range(3)
    ]
    spam = _contact(
        "spam-1",
        at,
        customer_id=None,
        disposition=Disposition.QUARANTINED,
        source_address="new.address@example.com",
    )
    for contact in [*unmatched, spam]:
        assert store.record_contact(contact) is True
    assert {c.contact_id for c in store.unmatched_contacts("NEW.ADDRESS@example.com")} == {
        "unmatched-0",
        "unmatched-1",
        "unmatched-2",
        "spam-1",
    }

    moved = CustomerService(customers=store, contacts=store).link_email(
        "CUST-1", "New.Address@Example.com"
    )

    assert moved == 3
    assert store.customer_id_for_email("new.address@example.com") == "CUST-1"
    attributed = list(store.contacts("CUST-1", at, at + timedelta(days=30)))
    assert attributed == [c.model_copy(update={"customer_id": "CUST-1"}) for c in unmatched]
    assert {c.disposition for c in attributed} == {Disposition.UNMATCHED}  # unchanged
    assert [c.contact_id for c in store.unmatched_contacts("new.address@example.com")] == [
        "spam-1"  # quarantined contacts are never attributed
    ]
    assert store.attribute_unmatched("new.address@example.com", "CUST-1") == 0  # idempotent
    key = _raw(store, "CONTACTKEY#unmatched-0", "KEY")
    assert key is not None
    assert key["contact_pk"] == {"S": "CUSTOMER#CUST-1"}
    assert store.record_contact(unmatched[0]) is False  # still known after the move


def test_a_quarantined_contact_without_an_address_is_kept_apart(store: DynamoStore) -> None:
    at = datetime(2026, 11, 2, 9, 0, tzinfo=LONDON)
    contact = _contact("bad-mime", at, customer_id=None, disposition=Disposition.QUARANTINED)

    assert store.record_contact(contact) is True

    assert [item["contact_id"] for item in _partition(store, "QUARANTINE")] == [{"S": "bad-mime"}]
    with pytest.raises(ValueError, match="sender address"):
        store.record_contact(_contact("phone-unknown", at, customer_id=None))


def test_the_client_is_created_on_first_use(dynamodb: Any, tables: dict[str, str]) -> None:
    store = DynamoStore(tables["CasesTable"])  # no client given: boto3's default, lazily
    assert store._client is None

    store.put_customer(_customer("CUST-1", "tenant@example.com"))

    assert store._client is not None
    assert store.customer_id_for_email("tenant@example.com") == "CUST-1"


def test_requests_are_counted(store: DynamoStore) -> None:
    store.requests = 0
    store.put_customer(_customer("CUST-1", "tenant@example.com"))  # GetItem + transaction
    store.customer_id_for_email("tenant@example.com")  # GetItem
    assert store.requests == 3


# The table comes from the template ---------------------------------------------------------


def _properties(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"]["CasesTable"]["Properties"])


def test_the_table_in_moto_is_the_table_in_the_template(
    dynamodb: Any, tables: dict[str, str]
) -> None:
    props = _properties(load_template())
    assert tables == table_names() == {"CasesTable": "contactguard-dev"}

    table = dynamodb.describe_table(TableName=tables["CasesTable"])["Table"]

    assert table["KeySchema"] == props["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        props["AttributeDefinitions"], key=str
    )
    assert table["BillingModeSummary"]["BillingMode"] == props["BillingMode"]
    indexes = sorted(table["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"])
    expected_indexes = sorted(props["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"])
    assert [i["IndexName"] for i in indexes] == ["by-customer", "find-customer", "open-cases"]
    for index, expected_index in zip(indexes, expected_indexes, strict=True):
        assert index["IndexName"] == expected_index["IndexName"]
        assert index["KeySchema"] == expected_index["KeySchema"]
        assert index["Projection"] == expected_index["Projection"]
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": props["StreamSpecification"]["StreamViewType"],
    }
    ttl = dynamodb.describe_time_to_live(TableName=tables["CasesTable"])["TimeToLiveDescription"]
    assert ttl == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": props["TimeToLiveSpecification"]["AttributeName"],
    }


def test_the_functions_are_told_the_table_the_template_creates(
    dynamodb: Any, tables: dict[str, str]
) -> None:
    template = load_template()
    values = parameters(template)
    variables = resolve(template["Globals"], values, resource_names(template, values))["Function"][
        "Environment"
    ]["Variables"]

    assert variables["CONTACTGUARD_TABLE_NAME"] == tables["CasesTable"]
    assert int(variables["CONTACTGUARD_RETENTION_YEARS"]) == DynamoStore("t").retention_years
    dynamodb.describe_table(TableName=variables["CONTACTGUARD_TABLE_NAME"])  # it exists


def test_tables_are_built_from_the_template_not_a_copy(dynamodb: Any) -> None:
    template = copy.deepcopy(load_template())
    props = template["Resources"]["CasesTable"]["Properties"]
    for spec in [*props["AttributeDefinitions"], *props["KeySchema"]]:
        if spec["AttributeName"] == "sk":
            spec["AttributeName"] = "sort_key"

    names = create_tables(dynamodb, template, params={"Stage": "modified"})

    assert names == {"CasesTable": "contactguard-modified"}
    table = dynamodb.describe_table(TableName="contactguard-modified")["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sort_key", "KeyType": "RANGE"},
    ]
    assert {a["AttributeName"] for a in table["AttributeDefinitions"]} == {
        "pk",
        "sort_key",
        "gsi1pk",
        "gsi1sk",
        "gsi2pk",
        "gsi2sk",
        "gsi3pk",
        "gsi3sk",
    }


def test_the_loader_reads_short_form_tags_as_long_form(tmp_path: Path) -> None:
    source = tmp_path / "template.yaml"
    source.write_text(
        "AWSTemplateFormatVersion: 2010-09-09\n"
        "Parameters:\n"
        "  Stage: {Type: String, Default: dev}\n"
        "Resources:\n"
        "  Table:\n"
        "    Type: AWS::DynamoDB::Table\n"
        "    Properties:\n"
        "      TableName: !Sub '${AWS::StackName}-${Stage}'\n"
        "Outputs:\n"
        "  A: {Value: !Ref Table}\n"
        "  B: {Value: !GetAtt Table.StreamArn}\n"
        "  C: {Value: !Join ['-', [!Ref Stage, !Select [1, !Split [',', 'a,b']]]]}\n"
        "  D: {Value: !Sub ['${X}/${!Literal}', {X: !Ref 'AWS::Region'}]}\n"
        "  E: {Value: !If [IsProd, !Base64 x, !Equals [a, b]]}\n"
        "  F: {Value: !GetAZs ''}\n"
    )

    template = load_template(source)

    assert template["AWSTemplateFormatVersion"] == "2010-09-09"  # not a date
    outputs = {name: spec["Value"] for name, spec in template["Outputs"].items()}
    assert outputs["A"] == {"Ref": "Table"}
    assert outputs["B"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    assert outputs["E"] == {"Fn::If": ["IsProd", {"Fn::Base64": "x"}, {"Fn::Equals": ["a", "b"]}]}
    assert outputs["F"] == {"Fn::GetAZs": ""}
    names = table_names(template, {"AWS::StackName": "stack"})
    assert names == {"Table": "stack-dev"}
    params = {"Stage": "dev", "AWS::Region": "eu-west-2", "AWS::AccountId": "123456789012"}
    assert resolve(outputs["A"], params, names) == "stack-dev"
    assert resolve(outputs["C"], params, names) == "dev-b"
    assert resolve(outputs["D"], params, names) == "eu-west-2/${Literal}"
    arn = resolve(outputs["B"], params, names)
    assert arn.startswith("arn:aws:")
    assert "stack-dev" in arn


def test_linking_an_address_twice_keeps_one_copy(store: DynamoStore) -> None:
    from contactguard.service import CustomerService

    store.put_customer(Customer(customer_id="c-link", name="A", emails=("a@example.org",)))
    service = CustomerService(store, store)
    assert service.link_email("c-link", "B@Example.org") == 0
    assert service.link_email("c-link", "b@example.org") == 0
    customer = store.get_customer("c-link")
    assert customer is not None
    assert customer.emails == ("a@example.org", "b@example.org")


# What DynamoDB sends when another transaction is under way on an item of ours: HTTP 400 with
# this JSON (the shape of AWS's TransactWriteItems reference), read by botocore's own parser.
_CONFLICT_BODY = (
    b'{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",'
    b'"CancellationReasons":[{"Code":"TransactionConflict",'
    b'"Message":"Transaction is ongoing for the item"},{"Code":"None"}],'
    b'"Message":"Transaction cancelled, please refer cancellation reasons for specific '
    b'reasons [TransactionConflict, None]"}'
)


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


class _Colliding:
    """The store's client, but its next `times` TransactWriteItems are answered with AWS's
    conflict reply by a second client (pointed nowhere moto serves), through botocore's own
    parsing; later ones reach moto. `sent` counts every transaction sent."""

    def __init__(self, client: Any, times: int) -> None:
        self.client, self.times, self.sent = client, times, 0
        self.conflicting = boto3.client(
            "dynamodb", region_name="eu-west-2", endpoint_url="http://dynamodb.conflict.invalid"
        )
        self.conflicting.meta.events.register("before-send.dynamodb.TransactWriteItems", _reply)

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.sent += 1
        target = self.conflicting if self.sent <= self.times else self.client
        return target.transact_write_items(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


def _reply(request: Any, **_: Any) -> Any:
    headers = HTTPHeaders()
    headers["x-amzn-RequestId"] = "conflict"
    headers["Content-Type"] = "application/x-amz-json-1.0"
    return AWSResponse(request.url, 400, headers, _Raw(_CONFLICT_BODY))


def _collide(store: DynamoStore, times: int) -> _Colliding:
    """Conflicts for the next `times` transactions; pauses between retries are not slept."""
    colliding = _Colliding(store.client, times)
    store._client = colliding  # type: ignore[assignment]
    store._pause = lambda seconds: None  # type: ignore[method-assign]
    return colliding


@pytest.mark.policy("design-optimistic-locking")
def test_a_transaction_conflict_is_sent_again_and_then_written(store: DynamoStore) -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
    case = _open_case(store, now)
    drafted = _apply(store, case, _drafted(case), now)  # sets up the expected version 1 -> 2
    later = decide(drafted.case, CloseConcern(reason="resolved"), MANAGER, now, POLICY)
    sent = _collide(store, times=1)

    store.commit(later.case, later.events, expected_version=drafted.case.version)

    assert sent.sent == 2  # cancelled once by the other transaction, then written
    assert store.get_case("CASE-1") == later.case
    assert [e.seq for e in store.events("CASE-1")] == [1, 2, 3]


@pytest.mark.policy("design-optimistic-locking")
def test_a_conflict_that_persists_is_a_version_conflict_and_writes_nothing(
    store: DynamoStore,
) -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
    case = _open_case(store, now)
    drafted = _apply(store, case, _drafted(case), now)
    later = decide(drafted.case, CloseConcern(reason="resolved"), MANAGER, now, POLICY)
    sent = _collide(store, times=CONFLICT_ATTEMPTS)

    with pytest.raises(VersionConflict) as raised:  # the API's 409: re-read and try again
        store.commit(later.case, later.events, expected_version=drafted.case.version)

    assert raised.value.expected_version == drafted.case.version
    assert sent.sent == CONFLICT_ATTEMPTS
    assert store.get_case("CASE-1") == drafted.case
    assert [e.seq for e in store.events("CASE-1")] == [1, 2]


def test_a_conflict_on_a_contact_is_sent_again_so_the_email_is_logged(store: DynamoStore) -> None:
    contact = _contact("CONTACT-9", datetime(2026, 11, 30, 10, 0, tzinfo=LONDON))
    sent = _collide(store, times=CONFLICT_ATTEMPTS - 1)

    assert store.record_contact(contact) is True

    assert sent.sent == CONFLICT_ATTEMPTS
    assert store.get_contact("CONTACT-9") == contact


def test_an_audit_query_reads_no_more_than_its_limit_oldest_first_inside_the_window(
    store: DynamoStore,
) -> None:
    from contactguard.domain.access import Operation
    from contactguard.domain.audit import AuditRecord

    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    for n in range(12):
        store.record_audit(
            AuditRecord(
                audit_id=f"a-{n:02d}",
                at=start + timedelta(hours=n),
                actor_id="cal",
                role=Role.CALL_HANDLER,
                operation=Operation.LOOKUP,
                customer_id="CUST-9",
            )
        )
    window = (start + timedelta(hours=2), start + timedelta(hours=10))
    before = store.requests
    five = store.audit_of_customer("CUST-9", *window, 5)
    assert [r.audit_id for r in five] == ["a-02", "a-03", "a-04", "a-05", "a-06"]
    assert store.requests - before == 1  # one page of five: the partition is not read whole
    everything = store.audit_of_customer("CUST-9", *window, 100)
    assert [r.audit_id for r in everything] == [f"a-{n:02d}" for n in range(2, 10)]
    by_actor = store.audit_by_actor("cal", *window, 3)
    assert [r.audit_id for r in by_actor] == ["a-02", "a-03", "a-04"]


def test_a_letters_download_link_is_a_presigned_get_that_names_the_file(dynamodb: Any) -> None:
    from urllib.parse import parse_qs, urlsplit

    from contactguard.adapters.messaging import S3Objects

    s3 = boto3.client("s3", region_name="eu-west-2", config=S3Objects.config)  # as it builds
    url = S3Objects("letters-bucket", client=s3).download_link(
        "letters/case-1/restrictions-0005/v2.docx", "case-1 restrictions/v2.docx", 60
    )
    assert url is not None
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    # The bucket's regional endpoint, never the global one a young bucket redirects from
    assert parts.netloc == "letters-bucket.s3.eu-west-2.amazonaws.com"
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].split("/")[2] == "eu-west-2"
    assert parts.path == "/letters/case-1/restrictions-0005/v2.docx"
    assert query["response-content-disposition"] == [
        'attachment; filename="case-1_restrictions_v2.docx"'
    ]
    assert query["X-Amz-Expires"] == ["60"]
    assert S3Objects("letters-bucket", client=s3, links=False).download_link("k", "f", 60) is None
