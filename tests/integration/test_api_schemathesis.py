"""Schemathesis against `contactguard serve`: requests generated from the checked-in OpenAPI
document (functions/api/openapi.json), valid and invalid, over real HTTP to the real handler on
the embedded stack. Whatever a caller sends, the API never answers with a 5xx.

The budget is small and fixed (EXAMPLES per operation and mode, derandomized, no example
database), so the run is the same every time and fits in `make test` (about 300 requests).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode

import api.app
from contactguard_local.serve import serving

OPENAPI = Path(api.app.__file__).with_name("openapi.json")
# A longer exploratory run: CONTACTGUARD_FUZZ_EXAMPLES=150 (about 3,600 requests, ~1 minute).
EXAMPLES = int(os.environ.get("CONTACTGUARD_FUZZ_EXAMPLES", "12"))
# Who calls: each role the routes treat differently, and one in two groups (needs X-Acting-Role).
CALLERS = [
    "service-manager:fuzz-sm",
    "head-of-service:fuzz-hos",
    "call-handler:fuzz-call",
    "head-of-service,executive-team:fuzz-both",
]

SCHEMA = schemathesis.openapi.from_path(OPENAPI)
Operation = schemathesis.APIOperation[Any, Any, Any, Any]


def _operations() -> list[Operation]:
    """Every operation of the document; one schemathesis cannot read fails the module."""
    found = []
    for result in SCHEMA.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        found.append(result.ok())
    return found


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving(port=0) as url:
        yield url


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_no_request_the_document_allows_or_forbids_gets_a_5xx(
    base_url: str, operation: Operation, mode: GenerationMode
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode), caller=st.sampled_from(CALLERS))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: schemathesis.Case[Any], caller: str) -> None:
        response = case.call(base_url=base_url, headers={"Authorization": f"Local {caller}"})
        case.validate_response(response, checks=[not_a_server_error])

    call()
