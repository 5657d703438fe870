"""The log-privacy check (tests/log_privacy.py) reads every function's real path.

Each Lambda's handler runs on the embedded stack, as in AWS, with a leak planted in its own
logger: every INFO line it writes also carries the customer's address, and is written again
at DEBUG with the customer's name. The check must catch both, in that function's logger and
nowhere else; the test then forgives the catch, so the suite passes only while the check sees.
"""

from __future__ import annotations

import importlib
import json
import logging
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from contactguard.domain.calendar import LONDON
from contactguard_local.apigw import ProxyReply, rest_event
from contactguard_local.serve import API_FUNCTION, local_claims
from contactguard_local.stack import EmbeddedStack, SimClock
from log_privacy import Watch, mutant

ADDRESS = "plant.leak@example.org"
NAME = "Plantagenet Leak"
STREET = "3 Planted Row"
# Where each function's Powertools logger lives (its handler builds the service with it).
LOGGERS = {
    "ingest": "ingest.handler",
    "letters": "letters.handler",
    "deadlines": "deadlines.handler",
    "signals": "signals.handler",
    "api": "api.app",
    "delivery": "delivery.handler",
    "exports": "exports.handler",
}


def plant(logger: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The logger's INFO lines carry the customer's address, and go again at DEBUG with the
    customer's name: a leak at each level on every path that logs through it."""
    info, debug = logger.info, logger.debug

    def leaky(msg: str, *args: Any, **kwargs: Any) -> None:
        extra = {**(kwargs.pop("extra", None) or {}), "sender": ADDRESS}
        info(msg, *args, extra=extra, **kwargs)
        debug(f"{msg} for %s", *args, NAME, **kwargs)

    monkeypatch.setattr(logger, "info", leaky)


def story(stack: EmbeddedStack) -> None:
    """A customer registered and looked up through the API, a concern raised (letters and
    deadlines run on its events), and one email from the customer (ingest, then signals and
    delivery to staff)."""

    def api(
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, str] | None = None,
        who: str = "service-manager:sam",
    ) -> int:
        event = rest_event(
            method,
            path,
            claims=local_claims(f"Local {who}"),
            headers={"Content-Type": "application/json"},
            query={k: [v] for k, v in (query or {}).items()} or None,
            body=None if body is None else json.dumps(body),
        )
        status = ProxyReply.of(stack.invoke(API_FUNCTION, event)).status
        stack.pump_streams()
        return status

    customer = {
        "customer_id": "c1",
        "name": NAME,
        "emails": [ADDRESS],
        "address": {"lines": [STREET], "postcode": "DE1 1AA"},
    }
    assert api("POST", "/customers", customer) == 201
    assert api("GET", "/lookup", query={"customer_id": "c1"}) == 200
    concern = {
        "kind": "raise-concern",
        "case_id": "case-1",
        "customer_id": "c1",
        "behaviours": ["scattergun-approach"],
        "note": "the same complaint through every route",
    }
    assert api("POST", "/cases", concern) == 201
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = ADDRESS, "contact@example.org", "Repairs"
    mail.set_content("Please call me back.")
    assert stack.deliver_email(mail.as_bytes(), ADDRESS, "Repairs") == "CONTINUE"
    # A subject access export of everything above (the export function builds it).
    assert api("POST", "/customers/c1/exports", who="data-protection-officer:dee") == 202
    assert stack.log.stream_failures == []


def run_story(monkeypatch: pytest.MonkeyPatch, plant_in: str | None = None) -> None:
    with EmbeddedStack(SimClock(datetime(2026, 12, 1, 10, tzinfo=LONDON))) as stack:
        if plant_in is not None:
            plant(importlib.import_module(LOGGERS[plant_in]).logger, monkeypatch)
        story(stack)


def caught_by_logger(log_privacy: Watch) -> dict[str, set[tuple[str, str]]]:
    caught: dict[str, set[tuple[str, str]]] = {}
    for offence in log_privacy.forgive():  # on purpose: the catch is what these tests prove
        for found in offence.found:
            caught.setdefault(offence.logger, set()).add((offence.level, found))
    return caught


def test_the_story_logs_nothing_personal_unplanted(
    log_privacy: Watch, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_privacy.register(NAME, STREET)
    run_story(monkeypatch)
    assert caught_by_logger(log_privacy) == {}


@pytest.mark.parametrize("function", sorted(LOGGERS))
def test_a_leak_planted_in_a_functions_logger_is_caught_at_info_and_debug(
    function: str, log_privacy: Watch, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_privacy.register(NAME, STREET)
    run_story(monkeypatch, plant_in=function)
    assert caught_by_logger(log_privacy) == {function: {("INFO", ADDRESS), ("DEBUG", NAME)}}


def test_issue_21s_ingest_mutant_is_caught_through_the_real_handler(
    log_privacy: Watch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The surviving mutant of issue 21: the sender's address in ingest's INFO line."""
    import ingest.handler
    import ingest.service

    leaky = mutant(
        ingest.service,
        {
            '"new_contact": result.new_contact,': (
                '"new_contact": result.new_contact, "sender": receipt.mail.source,'
            )
        },
        monkeypatch,
    )
    monkeypatch.setattr(ingest.handler, "IngestService", leaky.IngestService)
    run_story(monkeypatch)
    assert caught_by_logger(log_privacy) == {"ingest": {("INFO", ADDRESS)}}


@pytest.mark.parametrize(
    ("function", "kind"),
    [
        ("SignalsFunction", "contact"),
        ("DeadlinesStreamFunction", "event"),
        ("LettersFunction", "event"),
        ("DeliveryFunction", "contact"),
        ("ExportFunction", "export-job"),
    ],
)
def test_a_stream_record_a_function_cannot_read_is_failed_without_quoting_it(
    function: str, kind: str, log_privacy: Watch, caplog: pytest.LogCaptureFixture
) -> None:
    """A document the function's model refuses (e.g. written by another version) fails its
    record for a retry; the validation error quotes the whole document, so only its type is
    logged (Powertools' batch processor logs a failure's text at DEBUG)."""
    log_privacy.register(NAME)
    doc = {"contact_id": "k1", "source_address": ADDRESS, "summary": f"{NAME} rang again"}
    record = {
        "eventID": "1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "SequenceNumber": "101",
            "NewImage": {"kind": {"S": kind}, "doc": {"S": json.dumps(doc)}},
        },
    }
    with (
        EmbeddedStack(SimClock(datetime(2026, 12, 1, 10, tzinfo=LONDON))) as stack,
        pytest.raises(BatchProcessingError),  # its only record failed: retried whole, as AWS
    ):
        stack.invoke(function, {"Records": [record]})
    assert [
        (r.levelname, r.getMessage().split(": ")[1], r.error)
        for r in caplog.records
        if r.levelno >= logging.ERROR
    ] == [("ERROR", "unreadable record", "ValidationError")]
