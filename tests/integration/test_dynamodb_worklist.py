"""The open-cases index on moto: open cases that need a person, by the day they need one, in
one bounded Query; a case leaves the index when it closes or waits on nobody.

Cases are built with the real domain (`decide`), so what is indexed is what staff produce.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from test_dynamodb_store import LONDON, _apply, _raise_concern

from contactguard.adapters.dynamodb import OPEN_CASES_INDEX, DynamoStore
from contactguard.domain.case import Case, CloseConcern, MarkLetterSent, RecordLetterDrafted
from contactguard.domain.worklist import attention_on


def _drafted_concern(store: DynamoStore, case_id: str, on: date) -> Case:
    """A concern raised on `on`, its letter drafted that day: waiting to be sent from `on`."""
    now = datetime(on.year, on.month, on.day, 10, tzinfo=LONDON)
    case = _apply(store, None, _raise_concern(case_id, f"CUST-{case_id}"), now).case
    letter = case.letters[0].letter_id
    drafted = RecordLetterDrafted(letter_id=letter, version=1, s3_key=f"letters/{case_id}/v1")
    return _apply(store, case, drafted, now + timedelta(minutes=5)).case


def _index(store: DynamoStore) -> list[dict[str, Any]]:
    found = store.client.scan(TableName=store.table_name, IndexName=OPEN_CASES_INDEX)
    return [dict(item) for item in found["Items"]]


def test_open_cases_are_read_by_the_day_they_need_a_person_earliest_first(
    store: DynamoStore,
) -> None:
    late = _drafted_concern(store, "CASE-B", date(2026, 11, 25))
    early = _drafted_concern(store, "CASE-A", date(2026, 11, 23))
    later = _drafted_concern(store, "CASE-C", date(2026, 12, 9))

    due = store.cases_needing_attention(date(2026, 12, 6), limit=10)

    assert [c.case_id for c in due] == ["CASE-A", "CASE-B"]
    assert due[0] == early
    assert due[1] == late
    everything = store.cases_needing_attention(date(2026, 12, 9), limit=10)
    assert [c.case_id for c in everything] == ["CASE-A", "CASE-B", "CASE-C"]
    assert everything[2] == later


def test_the_index_keys_are_the_attention_day_and_the_case(store: DynamoStore) -> None:
    case = _drafted_concern(store, "CASE-A", date(2026, 11, 23))

    (item,) = _index(store)

    assert attention_on(case) == date(2026, 11, 23)
    assert item["gsi2pk"] == {"S": "OPEN"}
    assert item["gsi2sk"] == {"S": "2026-11-23#CASE-A"}
    assert item["sk"] == {"S": "STATE"}  # only case state items are ever on the index


def test_a_case_leaves_the_index_when_it_closes_or_waits_on_nobody(store: DynamoStore) -> None:
    case = _drafted_concern(store, "CASE-A", date(2026, 11, 23))
    now = datetime(2026, 11, 24, 10, tzinfo=LONDON)
    sent = MarkLetterSent(letter_id=case.letters[0].letter_id, sent_on=date(2026, 11, 24))
    case = _apply(store, case, sent, now).case
    # The letter is sent: the case now waits for its Step 1 follow-up, 20 working days on.
    assert store.cases_needing_attention(date(2026, 12, 6), limit=10) == []
    (waiting,) = store.cases_needing_attention(date(2026, 12, 22), limit=10)
    assert waiting.case_id == "CASE-A"

    _apply(store, case, CloseConcern(reason="the behaviour changed"), now + timedelta(days=1))

    assert store.cases_needing_attention(date(2030, 1, 1), limit=10) == []
    assert _index(store) == []


def test_a_case_raised_and_not_yet_drafted_waits_on_nobody_and_is_not_indexed(
    store: DynamoStore,
) -> None:
    _apply(store, None, _raise_concern("CASE-A"), datetime(2026, 11, 23, 10, tzinfo=LONDON))

    assert _index(store) == []


def test_the_query_reads_no_more_than_the_limit_in_one_request(store: DynamoStore) -> None:
    for n in range(5):
        _drafted_concern(store, f"CASE-{n}", date(2026, 11, 16) + timedelta(days=n))
    before = store.requests

    due = store.cases_needing_attention(date(2026, 12, 6), limit=3)

    assert [c.case_id for c in due] == ["CASE-0", "CASE-1", "CASE-2"]
    assert store.requests - before == 1  # one page of at most `limit` items, nothing more
    assert store.cases_needing_attention(date(2026, 12, 6), limit=0) == []


def test_a_small_page_size_still_reads_every_case_due(
    dynamodb: Any, tables: dict[str, str]
) -> None:
    store = DynamoStore(tables["CasesTable"], client=dynamodb, page_size=2)
    for n in range(5):
        _drafted_concern(store, f"CASE-{n}", date(2026, 11, 16) + timedelta(days=n))
    before = store.requests

    due = store.cases_needing_attention(date(2026, 12, 6), limit=5)

    assert [c.case_id for c in due] == [f"CASE-{n}" for n in range(5)]
    assert store.requests - before == 3  # pages of 2, 2 and 1


def test_cases_committed_before_the_index_existed_are_indexed_once(store: DynamoStore) -> None:
    case = _drafted_concern(store, "CASE-A", date(2026, 11, 23))
    _drafted_concern(store, "CASE-B", date(2026, 11, 24))
    store.client.update_item(  # as committed before the index: no gsi2 attributes
        TableName=store.table_name,
        Key={"pk": {"S": "CASE#CASE-A"}, "sk": {"S": "STATE"}},
        UpdateExpression="REMOVE gsi2pk, gsi2sk",
    )
    assert [c.case_id for c in store.cases_needing_attention(date(2026, 12, 6), 10)] == ["CASE-B"]

    assert store.index_open_cases() == 1  # CASE-B was indexed by its commit

    due = store.cases_needing_attention(date(2026, 12, 6), 10)
    assert [c.case_id for c in due] == ["CASE-A", "CASE-B"]
    assert due[0] == case
    assert store.index_open_cases() == 0  # the daily run after: nothing to write


def _signal(contact_id: str, hour: int, signal: str = "volume-day") -> Any:
    from contactguard.domain.model import Channel, RaisedSignal

    return RaisedSignal(
        customer_id="CUST-1",
        contact_id=contact_id,
        signal=signal,
        at=datetime(2026, 12, 1, hour, tzinfo=LONDON),
        channel=Channel.EMAIL,
    )


def test_signals_wait_on_the_sparse_index_until_considered(store: DynamoStore) -> None:
    from contactguard.domain.model import SignalConsidered

    _drafted_concern(store, "CASE-A", date(2026, 11, 23))  # an open case shares the index
    assert store.record_signal(_signal("k2", 11, "scattergun"))
    assert store.record_signal(_signal("k1", 10))
    assert not store.record_signal(_signal("k1", 10))  # a stream record read again

    waiting = store.signals_waiting(10)

    assert [(s.contact_id, s.signal) for s in waiting] == [
        ("k1", "volume-day"),
        ("k2", "scattergun"),
    ]
    assert [c.case_id for c in store.cases_needing_attention(date(2026, 12, 6), 10)] == ["CASE-A"]
    item = store.client.get_item(
        TableName=store.table_name,
        Key={"pk": {"S": "CUSTOMER#CUST-1"}, "sk": {"S": "SIGNAL#k1#volume-day"}},
    )["Item"]
    assert item["kind"] == {"S": "signal"}  # no stream consumer's filter takes it
    kept_until = datetime.fromtimestamp(int(item["expires_at"]["N"]), LONDON)
    assert kept_until.date() == date(2027, 12, 2)
    considered = SignalConsidered(
        at=datetime(2026, 12, 2, 9, tzinfo=LONDON), by="sam", note="no action"
    )

    done = store.consider_signal("CUST-1", "k1", "volume-day", considered)

    assert done is not None
    assert done.considered == considered
    assert [s.contact_id for s in store.signals_waiting(10)] == ["k2"]
    assert store.get_signal("CUST-1", "k1", "volume-day") == done
    assert store.consider_signal("CUST-1", "k1", "volume-day", considered) is None
    assert store.consider_signal("CUST-1", "k9", "volume-day", considered) is None
    assert not store.record_signal(_signal("k1", 10))  # a replay never un-considers it
    assert store.get_signal("CUST-1", "k1", "volume-day") == done
