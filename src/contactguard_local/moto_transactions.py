"""A rollback journal for moto's TransactWriteItems, in place of its copy of every table.

moto (5.x) backs up each table a transaction touches with `copy.deepcopy` before it starts,
once per operation, and puts the copy back when the transaction fails. The copy holds every
item and the whole stream shard, so each transaction costs time and memory in proportion to
everything ever written: a soak run of 20,000 requests, each writing an audit record and many
a contact, grew past 24 GB and was killed (measured: the schemathesis soak passed 3.4 GB at
its 70th test with moto's copies; see the test of this module for the behaviour kept).

`install()` makes the copy free during a transaction (a table's deepcopy returns the table
itself, only inside `transact_write_items` and only on that thread) and keeps, instead, the
prior state of each item the transaction names and the length of each stream shard. When the
transaction fails, for any reason, those items are put back as they were (or removed when they
did not exist) and the stream loses the records the transaction added: what DynamoDB promises
(all or nothing, no stream record of a cancelled transaction) and what moto's copy gave.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from functools import wraps
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_state = threading.local()
_installed = False


@dataclass
class _Before:
    table: Table
    hash_value: DynamoType
    range_value: DynamoType | None
    item: Any  # the moto Item as it was, or None


def _table_deepcopy(self: Table, memo: dict[int, Any]) -> Table:
    if getattr(_state, "journaled", False):
        return self  # the journal below undoes a failed transaction instead
    reduced = self.__reduce_ex__(4)
    return copy._reconstruct(self, memo, *reduced)  # type: ignore[attr-defined,no-any-return]


def _journal(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Before]:
    before: list[_Before] = []
    for entry in transact_items:
        for op_type, op in entry.items():
            table = backend.tables.get(op.get("TableName", ""))
            key = op.get("Item") if op_type == "Put" else op.get("Key")
            if table is None or not isinstance(key, dict) or table.hash_key_attr not in key:
                continue  # moto refuses it before writing anything
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = None
            if table.range_key_attr is not None:
                if table.range_key_attr not in key:
                    continue
                range_value = DynamoType(key[table.range_key_attr])
            try:
                current = table.get_item(hash_value, range_value)
            except Exception:  # noqa: BLE001 - a malformed key: moto refuses it, writes nothing
                continue
            before.append(_Before(table, hash_value, range_value, copy.deepcopy(current)))
    return before


def _restore(before: list[_Before], shards: dict[int, tuple[Any, int]]) -> None:
    for was in reversed(before):
        items = was.table.items
        if was.range_value is None:
            if was.item is None:
                items.pop(was.hash_value, None)
            else:
                items[was.hash_value] = was.item
            continue
        rows = items[was.hash_value]
        if was.item is None:
            rows.pop(was.range_value, None)
            if not rows:
                items.pop(was.hash_value, None)
        else:
            rows[was.range_value] = was.item
    for shard, length in shards.values():
        del shard.items[length:]


def install() -> None:
    """Patch moto's DynamoDB backend (once per process; idempotent)."""
    global _installed
    if _installed:
        return
    original = DynamoDBBackend.transact_write_items

    @wraps(original)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        before = _journal(self, transact_items)
        shards = {
            id(w.table): (w.table.stream_shard, len(w.table.stream_shard.items))
            for w in before
            if w.table.stream_shard is not None
        }
        _state.journaled = True
        try:
            original(self, transact_items)
        except BaseException:
            _restore(before, shards)
            raise
        finally:
            _state.journaled = False

    Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _installed = True
