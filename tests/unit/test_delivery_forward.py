"""The forwarded copy staff receive, as bytes: golden files, one per stored test email.

`tests/fixtures/delivery/<name>.forwarded.eml` is what the delivery function hands SES for
`tests/fixtures/eml/<name>.eml`. UPDATE_GOLDEN=1 rewrites the ones that changed and prints
each difference at the end of the run (tests/golden.py): read it before committing.
"""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from delivery.forward import forwarded, original, split
from golden import Golden

EML = Path(__file__).resolve().parents[1] / "fixtures" / "eml"
GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "delivery"
SENDER = "customer-email@landlord.example"
CUSTOMER = "pat.tenant@example.org"


def forward(raw: bytes, contact_id: str = "email-golden-1") -> bytes:
    return forwarded(raw, contact_id=contact_id, sender=SENDER, customer=original(raw, CUSTOMER))


@pytest.mark.parametrize("name", sorted(p.stem for p in EML.glob("*.eml")))
def test_each_stored_email_is_forwarded_as_its_golden_file(name: str, golden: Golden) -> None:
    got = forward((EML / f"{name}.eml").read_bytes())
    golden.check_bytes(GOLDEN / f"{name}.forwarded.eml", got)


@pytest.mark.parametrize("name", sorted(p.stem for p in EML.glob("*.eml")))
def test_only_the_header_block_changes(name: str) -> None:
    raw = (EML / f"{name}.eml").read_bytes()
    got = forward(raw)
    assert split(got)[1] == split(raw)[1]  # the body and attachments, byte for byte
    headers = message_from_bytes(got, policy=default_policy)
    assert len(headers.get_all("From") or []) == 1
    assert str(headers["Reply-To"]) == CUSTOMER
    assert headers["Bcc"] is None
    assert headers["DKIM-Signature"] is None
    assert str(headers["X-Contactguard-Contact-Id"]) == "email-golden-1"


def test_a_name_cannot_inject_headers_or_reverse_text() -> None:
    raw = (
        b'From: "Pat\\r\\nBcc: all@example.org \xe2\x80\xae Tenant" <pat.tenant@example.org>\r\n'
        b"To: contact@example.org\r\nSubject: Hi\r\n\r\nBody\r\n"
    )
    got = forward(raw)
    head = split(got)[0]
    assert not any(field.lower().startswith(b"bcc:") for field in head)
    shown = message_from_bytes(got, policy=default_policy)
    assert "\u202e" not in str(shown["From"])
    assert str(shown["From"]).endswith(f"<{SENDER}>")


def test_a_sender_without_a_name_is_shown_by_address() -> None:
    raw = b"From: pat.tenant@example.org\nTo: contact@example.org\nSubject: Hi\n\nBody\n"
    shown = message_from_bytes(forward(raw), policy=default_policy)
    assert str(shown["From"]) == f'"pat.tenant@example.org via contactguard" <{SENDER}>'
    assert forward(raw).endswith(b"\n\nBody\n")  # LF mail stays LF


@given(st.binary(max_size=400))
def test_any_body_is_kept_byte_for_byte(body: bytes) -> None:
    raw = b"From: Pat <pat.tenant@example.org>\r\nSubject: x\r\n\r\n" + body
    assert split(forward(raw))[1] == b"\r\n" + body
