"""The find-customer index on moto: customers by postcode and by each word of their name, kept
in step with the profile in its own transaction (a new name or address replaces the old
entries), read by Query in name order, and written for customers held before it existed."""

from __future__ import annotations

from typing import Any

import pytest

from contactguard.adapters.dynamodb import FIND_INDEX, DynamoStore
from contactguard.domain.model import Customer, PostalAddress
from contactguard.domain.search import name_tokens
from contactguard_local.cli import main
from fakes import InMemoryStore


def customer(customer_id: str, name: str, postcode: str | None = None) -> Customer:
    address = PostalAddress(lines=("1 High Street",), postcode=postcode) if postcode else None
    return Customer(customer_id=customer_id, name=name, address=address)


PEOPLE = [
    customer("c-1", "Mrs Jane Smith", "de1 1aa"),
    customer("c-2", "John Smith", "DE1 1AB"),
    customer("c-3", "Ada Tenant", "DE1 1AA"),
    customer("c-4", "Jane Smith-Jones", "not a postcode"),
    customer("c-5", "Zoë O'Brien"),
]


def _entries(store: DynamoStore) -> list[tuple[str, str, str]]:
    found = store.client.scan(TableName=store.table_name, IndexName=FIND_INDEX)["Items"]
    return sorted((i["sk"]["S"], i["gsi3pk"]["S"], i["gsi3sk"]["S"]) for i in found)


def _entries_of(store: DynamoStore, customer_id: str) -> list[tuple[str, str, str]]:
    return [e for e in _entries(store) if e[2].endswith(f"#{customer_id}")]


def test_a_customer_is_indexed_by_postcode_and_each_word_of_their_name(
    store: DynamoStore,
) -> None:
    store.put_customer(PEOPLE[0])

    assert _entries(store) == [
        ("FIND#NAME#jane", "FIND#NAME#jane", "jane smith#c-1"),
        ("FIND#NAME#smith", "FIND#NAME#smith", "jane smith#c-1"),
        ("FIND#POSTCODE", "FIND#POSTCODE#DE1 1AA", "jane smith#c-1"),
    ]


@pytest.mark.parametrize(
    "query", ["smith", "jane smith", "j smith", "smith jones", "obrien", "zoe"]
)
def test_a_name_search_finds_what_the_fake_finds_in_name_order(
    store: DynamoStore, query: str
) -> None:
    fake = InMemoryStore()
    for person in PEOPLE:
        store.put_customer(person)
        fake.put_customer(person)
    words = name_tokens(query)

    assert store.customers_named(words, 10) == fake.customers_named(words, 10)
    assert store.customers_named(words, 10)


def test_a_postcode_search_finds_each_customer_at_it_in_name_order(store: DynamoStore) -> None:
    for person in PEOPLE:
        store.put_customer(person)

    assert store.customers_at_postcode("DE1 1AA", 10) == ["c-3", "c-1"]  # ada, then jane
    assert store.customers_at_postcode("DE1 1AB", 10) == ["c-2"]
    assert store.customers_at_postcode("NG1 1AA", 10) == []
    assert store.customers_at_postcode("DE1 1AA", 1) == ["c-3"]


def test_a_new_name_or_address_replaces_the_old_entries_in_the_same_write(
    store: DynamoStore,
) -> None:
    store.put_customer(PEOPLE[1])

    store.put_customer(customer("c-2", "John Brown-Smith", "NG1 1AA"))
    assert [e[0] for e in _entries_of(store, "c-2")] == [
        "FIND#NAME#brown",
        "FIND#NAME#john",
        "FIND#NAME#smith",
        "FIND#POSTCODE",
    ]
    assert store.customers_at_postcode("DE1 1AB", 10) == []
    assert store.customers_at_postcode("NG1 1AA", 10) == ["c-2"]

    store.put_customer(customer("c-2", "John Brown"))
    assert store.customers_named(("smith",), 10) == []
    assert store.customers_at_postcode("NG1 1AA", 10) == []
    assert [e[0] for e in _entries_of(store, "c-2")] == ["FIND#NAME#brown", "FIND#NAME#john"]


def test_a_name_search_reads_page_by_page_only_as_far_as_it_needs(
    dynamodb: Any, tables: dict[str, str]
) -> None:
    store = DynamoStore(tables["CasesTable"], client=dynamodb, page_size=2)
    for n in range(8):  # Ann Smith c-0, c-2, c-4, c-6; Jane Smith c-1, c-3, c-5, c-7
        store.put_customer(customer(f"c-{n}", f"{'Jane' if n % 2 else 'Ann'} Smith"))
    before = store.requests

    found = store.customers_named(("jane", "smith"), 2)

    assert found == ["c-1", "c-3"]
    assert store.requests - before == 3  # on "smith": four Anns, then two Janes; no more


def test_customers_held_before_the_index_are_indexed_once_and_stale_entries_go(
    store: DynamoStore,
) -> None:
    for person in PEOPLE:
        store.put_customer(person)
    held = _entries(store)
    for sk, _, sort_key in held:  # as held before the index: no entries at all
        customer_id = sort_key.rpartition("#")[2]
        store.client.delete_item(
            TableName=store.table_name,
            Key={"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": sk}},
        )
    store.client.put_item(  # and one left over from a name the customer no longer has
        TableName=store.table_name,
        Item={
            "pk": {"S": "CUSTOMER#c-3"},
            "sk": {"S": "FIND#NAME#old"},
            "kind": {"S": "find"},
            "customer_id": {"S": "c-3"},
            "gsi3pk": {"S": "FIND#NAME#old"},
            "gsi3sk": {"S": "old#c-3"},
        },
    )
    assert store.customers_named(("smith",), 10) == []

    assert store.index_customers() == len(PEOPLE)

    assert _entries(store) == held
    assert store.customers_named(("smith",), 10) == ["c-4", "c-1", "c-2"]
    assert store.index_customers() == len(PEOPLE)  # again: the same entries
    assert _entries(store) == held


def test_operations_index_a_deployed_table_from_the_command_line(
    store: DynamoStore, capsys: pytest.CaptureFixture[str]
) -> None:
    store.put_customer(PEOPLE[2])
    for sk, _, _ in _entries(store):
        store.client.delete_item(
            TableName=store.table_name, Key={"pk": {"S": "CUSTOMER#c-3"}, "sk": {"S": sk}}
        )

    assert main(["index-customers", "--table", store.table_name]) == 0

    assert capsys.readouterr().out == (
        f"indexed 1 customer(s) in {store.table_name} for search by name and postcode\n"
    )
    assert store.customers_at_postcode("DE1 1AA", 10) == ["c-3"]
