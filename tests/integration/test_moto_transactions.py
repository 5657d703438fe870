"""The embedded stack's rollback journal for moto's TransactWriteItems
(contactguard_local.moto_transactions): all or nothing, no stream record of a cancelled
transaction, and no copy of the table, on which the soak's memory depends."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends

from contactguard_local import moto_transactions

TABLE = "journal-test"


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-west-2",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }.items():
        monkeypatch.setenv(name, value)
    moto_transactions.install()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-2")
        client.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        yield client


def _table() -> Any:
    return dynamodb_backends["123456789012"]["eu-west-2"].tables[TABLE]


def _put(pk: str, value: str, condition: str | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {
        "TableName": TABLE,
        "Item": {"pk": {"S": pk}, "sk": {"S": "A"}, "value": {"S": value}},
    }
    if condition:
        put["ConditionExpression"] = condition
    return {"Put": put}


def _everything(client: Any) -> dict[str, str]:
    items = client.scan(TableName=TABLE)["Items"]
    return {i["pk"]["S"]: i["value"]["S"] for i in items}


def test_a_cancelled_transaction_leaves_every_item_and_the_stream_as_they_were(
    dynamodb: Any,
) -> None:
    dynamodb.transact_write_items(TransactItems=[_put("kept", "old"), _put("taken", "x")])
    records = len(_table().stream_shard.items)
    table = _table()
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(
            TransactItems=[
                _put("new", "written then undone"),
                _put("kept", "changed then undone"),
                {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "taken"}, "sk": {"S": "A"}}}},
                _put("other", "refused", condition="attribute_exists(pk)"),
            ]
        )
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _everything(dynamodb) == {"kept": "old", "taken": "x"}
    assert len(_table().stream_shard.items) == records  # no record of what never happened
    assert _table() is table  # undone in place: the table was never copied


def test_a_transaction_that_succeeds_writes_everything_and_streams_it(dynamodb: Any) -> None:
    dynamodb.transact_write_items(TransactItems=[_put("one", "1"), _put("two", "2")])
    assert _everything(dynamodb) == {"one": "1", "two": "2"}
    assert len(_table().stream_shard.items) == 2


def test_a_refused_duplicate_key_keeps_the_first_write(dynamodb: Any) -> None:
    dynamodb.transact_write_items(TransactItems=[_put("key", "first")])
    again = [_put("key", "second", condition="attribute_not_exists(pk)")]
    for _ in range(3):
        with pytest.raises(ClientError):
            dynamodb.transact_write_items(TransactItems=again)
    assert _everything(dynamodb) == {"key": "first"}
    assert len(_table().stream_shard.items) == 1


def test_a_table_is_still_copied_outside_a_transaction(dynamodb: Any) -> None:
    dynamodb.transact_write_items(TransactItems=[_put("one", "1")])
    copied = copy.deepcopy(_table())  # what moto's backups do
    assert copied is not _table()
    assert copied.items is not _table().items
