"""Adversarial mail through the ingest pipeline: whatever arrives, a disposition comes back
and a contact (or quarantine entry) is written. In-memory fakes; no AWS."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactguard.domain.case import Case
from contactguard.domain.model import Contact
from contactguard.lexicon import default_patterns
from contactguard_local.ses import ses_receipt_event
from ingest.service import IngestService
from log_privacy import rig_logger

WHEN = datetime(2026, 12, 2, 10, 0)


@dataclass
class FakeStore:
    contacts: dict[str, Contact] = field(default_factory=dict)

    def customer_id_for_email(self, address: str) -> str | None:
        return "c1" if address == "tenant@example.org" else None

    def cases_for_customer(self, customer_id: str) -> list[Case]:
        return []

    def record_contact(self, contact: Contact, *, queue_for_reading: bool = False) -> bool:
        if contact.contact_id in self.contacts:
            return False
        self.contacts[contact.contact_id] = contact
        return True

    def claim_auto_reply(self, customer_id: str, now: datetime, period: timedelta) -> bool:
        return True


@dataclass
class FakeRaw:
    raw: bytes = b""

    def read(self, message_id: str) -> bytes:
        return self.raw

    def keep_sent(self, contact_id: str, data: bytes) -> None:
        pass  # what was sent is looked at in test_ingest_service


class NoMail:
    def send(self, message: EmailMessage) -> str:
        return "sent"


class NoAlerts:
    def alert(self, kind: str, **ids: str) -> None:
        return None


def service(raw: bytes) -> tuple[IngestService, FakeStore]:
    store = FakeStore()
    return (
        IngestService(
            store=store,
            raw_mail=FakeRaw(raw),
            mailer=NoMail(),
            alerts=NoAlerts(),
            log=rig_logger("fuzz"),
            patterns=default_patterns(),
            auto_reply_sender="no-reply@landlord.example",
        ),
        store,
    )


header_names = st.sampled_from(
    [
        "From",
        "To",
        "Subject",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Auto-Submitted",
        "Precedence",
        "List-Id",
        "Return-Path",
        "MIME-Version",
        "X-Junk",
    ]
)
header_values = st.one_of(
    st.text(max_size=200),
    st.sampled_from(
        [
            "tenant@example.org",
            "Tenant <TENANT@EXAMPLE.ORG>",
            "a@b.c, d@e.f",
            "<>",
            "",
            "multipart/mixed; boundary=XYZ",
            'multipart/alternative; boundary=""',
            "text/plain; charset=x-unknown",
            "text/html; charset=utf-16",
            "base64",
            "quoted-printable",
            "=?iso-8859-1?q?caf=E9?=",
            "=?utf-8?b?!!!?=",
            "x" * 12000,
        ]
    ),
)
bodies = st.one_of(
    st.binary(max_size=3000),
    st.sampled_from(
        [
            b"--XYZ\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XYZ--\r\n",
            b"--WRONG\r\n\r\nno end",
            b"PGh0bWw+PGJvZHk+aGk8L2JvZHk+PC9odG1sPg==",
            b"=E9=\r\n=ZZ",
            b"\x00\x00\x00",
        ]
    ),
)


@st.composite
def raw_messages(draw: Any) -> bytes:
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=12))
    lines = []
    for name, value in headers:
        clean = re.sub(r"[\r\n]", " ", value)
        lines.append(f"{name}: {clean}".encode("utf-8", "surrogateescape"))
    separator = draw(st.sampled_from([b"\r\n", b"\n"]))
    return separator.join(lines) + separator + separator + draw(bodies)


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(raw=raw_messages(), dmarc=st.sampled_from(["PASS", "FAIL", "GRAY"]))
def test_any_message_gets_a_disposition_and_a_record(raw: bytes, dmarc: str) -> None:
    ingest, store = service(raw)
    event = ses_receipt_event(
        "fuzz0001",
        "tenant@example.org",
        "subject",
        WHEN.astimezone(),
        verdicts={"dmarc": dmarc},
    )
    result = ingest.ingest(event)
    assert result.response()["disposition"] in ("CONTINUE", "STOP_RULE_SET")
    assert list(store.contacts) == ["email-fuzz0001"]


@settings(max_examples=100, deadline=None, derandomize=True)
@given(raw=st.binary(max_size=5000))
def test_arbitrary_bytes_never_escape_as_an_exception(raw: bytes) -> None:
    ingest, store = service(raw)
    event = ses_receipt_event("fuzz0002", "who@example.net", "s", WHEN.astimezone())
    assert ingest.ingest(event).response()["disposition"] in ("CONTINUE", "STOP_RULE_SET")
    assert len(store.contacts) == 1


def _cpython_corpus() -> list[Any]:
    import sysconfig
    from pathlib import Path

    folder = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    return sorted(folder.glob("msg_*.txt"))


CORPUS = _cpython_corpus()


@pytest.mark.skipif(not CORPUS, reason="this Python installation ships no email test corpus")
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_cpythons_email_corpus_goes_through_ingest(path: Any) -> None:
    ingest, store = service(path.read_bytes())
    event = ses_receipt_event("corpus0001", "tenant@example.org", "s", WHEN.astimezone())
    assert ingest.ingest(event).response()["disposition"] in ("CONTINUE", "STOP_RULE_SET")
    assert len(store.contacts) == 1
