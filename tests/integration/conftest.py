"""Adapter tests on moto: tables come from infra/template.yaml, never from a copy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from contactguard.adapters.dynamodb import DynamoStore
from contactguard_local.template import create_tables

REGION = "eu-west-2"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region: nothing can reach a real AWS account."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_DYNAMODB", raising=False)


@pytest.fixture
def dynamodb(aws_env: None) -> Iterator[Any]:
    """A boto3 DynamoDB client on moto, empty: no tables yet."""
    with mock_aws():
        yield boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def tables(dynamodb: Any) -> dict[str, str]:
    """Every table of the template, created on moto: {logical id: table name}."""
    return create_tables(dynamodb)


@pytest.fixture
def store(dynamodb: Any, tables: dict[str, str]) -> DynamoStore:
    return DynamoStore(tables["CasesTable"], client=dynamodb)


@pytest.fixture(autouse=True)
def _log_everything(caplog: pytest.LogCaptureFixture) -> None:
    """Every log call really formats its record, so a bad `extra` key fails the test."""
    import logging

    caplog.set_level(logging.INFO)
