"""The ingest fuzzing of test_ingest_fuzz.py at soak size (`make soak`): fresh examples each
run (not derandomized), many times more of them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_ingest_fuzz import WHEN, raw_messages, service
from test_ingest_fuzz import (
    test_arbitrary_bytes_never_escape_as_an_exception as arbitrary_bytes,
)

from contactguard_local.ses import ses_receipt_event

pytestmark = pytest.mark.soak


@settings(
    max_examples=20_000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    raw=raw_messages(),
    dmarc=st.sampled_from(["PASS", "FAIL", "GRAY"]),
    sender=st.sampled_from(["tenant@example.org", "who@example.net", "", "not an address"]),
)
def test_soak_any_message_gets_a_disposition_and_one_record(
    raw: bytes, dmarc: str, sender: str
) -> None:
    ingest, store = service(raw)
    event = ses_receipt_event(
        "soak0001", sender, "subject", WHEN.astimezone(), verdicts={"dmarc": dmarc}
    )
    first = ingest.ingest(event)
    again = ingest.ingest(event)  # SES delivers at least once
    assert first.response()["disposition"] in ("CONTINUE", "STOP_RULE_SET")
    assert again.response() == first.response()
    assert (first.new_contact, again.new_contact) == (True, False)
    assert list(store.contacts) == ["email-soak0001"]


# The same check as test_ingest_fuzz's, on bigger inputs and many more of them.
test_soak_arbitrary_bytes_never_escape_as_an_exception = settings(
    max_examples=20_000, deadline=None, database=None
)(given(raw=st.binary(max_size=20_000))(arbitrary_bytes.hypothesis.inner_test))  # type: ignore[attr-defined]
