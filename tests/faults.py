"""Fault injection on the real boto3 clients the handlers build.

`FaultInjector` wraps botocore's `BaseClient._make_api_call`, the one place every client call
goes through (above moto, which answers in botocore's send step). While it is armed for a
function of the embedded stack, it records each AWS call that function's handler makes and
can fail the k-th one with a fault:

- `throttle`: the retries botocore makes are used up (ProvisionedThroughputExceededException
  on DynamoDB, ThrottlingException elsewhere); nothing was done.
- `conditional`: ConditionalCheckFailedException (DynamoDB only); nothing was written.
- `no-such-key`: the S3 object is missing (S3 only).
- `connect-timeout`: the request never reached AWS.
- `read-timeout`: the request reached AWS and was done, but the answer was lost: the
  caller sees a timeout for a write that happened (the case idempotency must cover).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

FAULTS = ("throttle", "conditional", "no-such-key", "connect-timeout", "read-timeout")


@dataclass(frozen=True)
class Call:
    service: str  # the botocore service name, e.g. "dynamodb"
    operation: str  # e.g. "TransactWriteItems"

    def __str__(self) -> str:
        return f"{self.service}.{self.operation}"


def applies(fault: str, call: Call) -> bool:
    """Faults that make sense for a call: NoSuchKey only on a read from S3, a failed condition
    only in DynamoDB."""
    if fault == "no-such-key":
        return (call.service, call.operation) == ("s3", "GetObject")
    if fault == "conditional":
        return call.service == "dynamodb"
    return True


def _client_error(code: str, operation: str) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "injected"}}
    response["ResponseMetadata"] = {"HTTPStatusCode": 400}
    return ClientError(response, operation)


def raise_fault(fault: str, call: Call) -> None:
    if fault == "throttle":
        code = (
            "ProvisionedThroughputExceededException"
            if call.service == "dynamodb"
            else "ThrottlingException"
        )
        raise _client_error(code, call.operation)
    if fault == "conditional":
        raise _client_error("ConditionalCheckFailedException", call.operation)
    if fault == "no-such-key":
        raise _client_error("NoSuchKey", call.operation)
    if fault == "connect-timeout":
        raise ConnectTimeoutError(endpoint_url=f"https://{call.service}.eu-west-2.amazonaws.com")
    if fault == "read-timeout":
        raise ReadTimeoutError(endpoint_url=f"https://{call.service}.eu-west-2.amazonaws.com")
    raise ValueError(f"unknown fault {fault!r}")


@dataclass
class FaultInjector:
    """Records, and on request fails, the AWS calls made while armed."""

    calls: list[Call] = field(default_factory=list)
    plan: dict[int, str] = field(default_factory=dict)  # call index (0-based) -> fault
    injected: list[tuple[int, Call, str]] = field(default_factory=list)
    armed: bool = False

    def wrap(self, original: Callable[..., Any]) -> Callable[..., Any]:
        injector = self

        def _make_api_call(client: BaseClient, operation: str, params: Any) -> Any:
            if not injector.armed:
                return original(client, operation, params)
            call = Call(client.meta.service_model.service_name, operation)
            index = len(injector.calls)
            injector.calls.append(call)
            fault = injector.plan.get(index)
            if fault is None:
                return original(client, operation, params)
            injector.injected.append((index, call, fault))
            if fault == "read-timeout":  # done by AWS, the answer lost on the way back
                original(client, operation, params)
            raise_fault(fault, call)

        return _make_api_call

    @contextmanager
    def armed_for(self, plan: dict[int, str] | None = None) -> Iterator[list[Call]]:
        """Record (and fail, per `plan`) every call made inside the block."""
        self.calls, self.plan, self.injected = [], dict(plan or {}), []
        self.armed = True
        try:
            yield self.calls
        finally:
            self.armed = False


def installed(monkeypatch: pytest.MonkeyPatch) -> FaultInjector:
    """A FaultInjector wrapped around every botocore client until the test ends."""
    injector = FaultInjector()
    original = BaseClient._make_api_call  # type: ignore[attr-defined]
    monkeypatch.setattr(BaseClient, "_make_api_call", injector.wrap(original))
    return injector
