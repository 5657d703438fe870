"""The log privacy plugin (tests/log_privacy.py) catches what it is there to catch."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from aws_lambda_powertools import Logger

from log_privacy import KNOWN_PII, Watch, offences


def test_the_checker_finds_addresses_and_known_personal_data() -> None:
    assert offences("sender=Tenant.One+x@Example.CO.UK reason=ok") == ["Tenant.One+x@Example.CO.UK"]
    assert offences("customer 'Alex Tenant' at 1 Example Street") == [
        "Alex Tenant",
        "1 Example Street",
    ]
    assert offences("contact email-m1 customer c1 disposition filed-blocked") == []
    assert "DE1 1AA" in KNOWN_PII


def test_a_powertools_line_with_an_address_is_caught_then_forgiven(log_privacy: Watch) -> None:
    log = Logger(service="ingest")
    log.info("ingest: decided", extra={"contact_id": "email-m1", "reason": "ok"})
    assert log_privacy.caught == []
    log.warning("ingest: raw message unreadable", extra={"sender": "someone@example.net"})
    log_privacy.register("Marmaduke Quill")
    logging.getLogger("letters").info("drafted for %s", "Marmaduke Quill")
    logging.getLogger("botocore.hooks").debug("noise about someone@example.net")  # not ours
    caught = log_privacy.forgive()  # on purpose: this test must not fail for it
    assert [(o.logger, o.level, o.found) for o in caught] == [
        ("ingest", "WARNING", ("someone@example.net",)),
        ("letters", "INFO", ("Marmaduke Quill",)),
    ]


def test_a_test_that_logs_personal_data_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        test_leak="""
        import logging

        def test_leaks():
            logging.getLogger("ingest").error("could not read mail from %s", "a@example.org")

        def test_exception_text_leaks():
            try:
                raise ValueError("Faye Tenant, 7 Fault Lane")
            except ValueError:
                logging.getLogger("deadlines").exception("failed")

        def test_clean():
            logging.getLogger("ingest").error("could not read mail %s", "email-m1")
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))  # tests/
    result = pytester.runpytest_subprocess("-p", "log_privacy")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*personal data in log lines (call)*",
            "*ingest ERROR: a@example.org*",
            "*deadlines ERROR: Faye Tenant, 7 Fault Lane*",
        ]
    )
