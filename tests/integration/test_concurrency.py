"""Many staff writing to one case at once, against moto's server over HTTP: no lost update."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.domain.calendar import LONDON
from contactguard.domain.case import RaiseConcern, RecordLetterDrafted
from contactguard.domain.errors import VersionConflict
from contactguard.domain.lifecycle import Policy
from contactguard.domain.model import Actor, Behaviour, Customer, Role
from contactguard.service import CaseService
from contactguard_local.template import create_tables

NOW = datetime(2026, 12, 1, 10, tzinfo=LONDON)
WRITERS, ATTEMPTS = 8, 6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def endpoint(aws_env: None) -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def client(endpoint: str) -> Any:
    return boto3.client("dynamodb", region_name="eu-west-2", endpoint_url=endpoint)


@pytest.mark.policy("design-optimistic-locking")
def test_concurrent_writers_lose_nothing_and_conflicts_are_clear(endpoint: str) -> None:
    table = create_tables(client(endpoint))["CasesTable"]
    setup = DynamoStore(table, client=client(endpoint))
    setup.put_customer(Customer(customer_id="c1", name="A"))
    service = CaseService(setup, setup, Policy())
    outcome = service.open_case(
        RaiseConcern(case_id="k1", customer_id="c1", behaviours=(Behaviour.SCATTERGUN,), note="n"),
        Actor(actor_id="sm", role=Role.SERVICE_MANAGER),
        NOW,
    )
    letter_id = outcome.case.letters[0].letter_id
    system = Actor.system("letters")
    successes, conflicts = [], []
    lock = threading.Lock()

    def writer(n: int) -> None:
        store = DynamoStore(table, client=client(endpoint))  # one client per thread
        mine = CaseService(store, store, Policy())
        for attempt in range(ATTEMPTS):
            case = store.get_case("k1")
            assert case is not None
            letter = case.letter(letter_id)
            assert letter is not None
            command = RecordLetterDrafted(
                letter_id=letter_id, version=letter.version + 1, s3_key=f"k/{n}/{attempt}"
            )
            try:
                mine.act("k1", command, system, NOW, expected_version=case.version)
            except VersionConflict:
                with lock:
                    conflicts.append(n)
            else:
                with lock:
                    successes.append(n)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    case = setup.get_case("k1")
    assert case is not None
    events = setup.events("k1")
    assert len(successes) + len(conflicts) == WRITERS * ATTEMPTS
    assert successes  # someone always wins
    # Every success is exactly one event and one letter version; no gaps, no doubles.
    assert case.version == 1 + len(successes)
    assert [e.seq for e in events] == list(range(1, case.version + 1))
    letter = case.letter(letter_id)
    assert letter is not None
    assert letter.version == len(successes)
    assert len(letter.superseded_keys) == len(successes) - 1
