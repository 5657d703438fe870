"""The From-header property of test_ingest_sender.py at soak size (`make soak`): fresh
examples each run (not derandomized), many times more of them."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_ingest_sender import FROM_VALUES, PAT, check

pytestmark = [pytest.mark.soak, pytest.mark.policy("design-email-enforcement")]


@settings(
    max_examples=20_000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(value=FROM_VALUES, ses_sees=st.sampled_from([None, PAT, "evil@x.com"]))
def test_soak_any_from_is_attributed_as_a_strict_reader_would_or_held(
    value: str, ses_sees: str | None
) -> None:
    check(value, [value] if ses_sees is None else [ses_sees])
