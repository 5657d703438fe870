"""Schemathesis against `contactguard serve`: requests generated from the checked-in OpenAPI
document (functions/api/openapi.json), valid and invalid, over real HTTP to the real handler on
the embedded stack. Whatever a caller sends, the API never answers with a 5xx.

The budget is small and fixed (EXAMPLES per operation and mode, derandomized, no example
database), so the run is the same every time and fits in `make test` (about 400 requests).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

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


# Random ids find nothing; these exist, so bodies are also judged against a real case.
KNOWN = {
    "customer_id": "fuzz-customer",
    "case_id": "fuzz-case",
    "letter_id": "concern-0001",
    "contact_id": "staff-fuzz-call",  # a phone contact: never filed, so never read (409)
}


def _seed(url: str) -> None:
    """A customer with a Step 1 case, through the API as a service manager would."""
    customer = {
        "customer_id": KNOWN["customer_id"],
        "name": "Fuzz Tenant",
        "emails": ["fuzz@example.org"],
        "address": {"lines": ["1 High Street"], "postcode": "DE1 1AA"},
    }
    concern = {
        "kind": "raise-concern",
        "case_id": KNOWN["case_id"],
        "customer_id": KNOWN["customer_id"],
        "behaviours": ["scattergun-approach"],
        "note": "seeded for schemathesis",
    }
    call = {"channel": "phone", "at": "2026-11-02T10:00:00Z", "idempotency_key": "fuzz-call"}
    contacts = f"/customers/{KNOWN['customer_id']}/contacts"
    for path, body in (("/customers", customer), ("/cases", concern), (contacts, call)):
        request = Request(
            url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Local {CALLERS[0]}", "Content-Type": "application/json"},
        )
        with urlopen(request, timeout=30) as reply:
            assert reply.status == 201


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving(port=0) as url:
        _seed(url)
        yield url


def _runs() -> list[Any]:
    """Each operation with valid and invalid requests, and valid ones on the seeded records."""
    runs = []
    for operation in OPERATIONS:
        names = tuple(p.name for p in operation.path_parameters)
        plans = [("valid", GenerationMode.POSITIVE, ()), ("invalid", GenerationMode.NEGATIVE, ())]
        if names:
            plans.append(("valid-on-real-records", GenerationMode.POSITIVE, names))
        runs += [
            pytest.param(operation, mode, known, id=f"{operation.label} {label}")
            for label, mode, known in plans
        ]
    return runs


@pytest.mark.slow
@pytest.mark.parametrize(("operation", "mode", "known"), _runs())
def test_no_request_the_document_allows_or_forbids_gets_a_5xx(
    base_url: str, operation: Operation, mode: GenerationMode, known: tuple[str, ...]
) -> None:
    fixed = {name: KNOWN[name] for name in known} or None
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)

    @given(case=strategy, caller=st.sampled_from(CALLERS))
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
