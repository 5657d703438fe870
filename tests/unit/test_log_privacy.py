"""The log privacy plugin (tests/log_privacy.py) catches what it is there to catch."""

from __future__ import annotations

import logging
from pathlib import Path

import botocore.hooks
import pytest
from aws_lambda_powertools import Logger

from log_privacy import KNOWN_PII, PINNED, Watch, offences, rig_logger


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
    botocore.hooks.logger.debug("noise about someone@example.net")  # a library's DEBUG
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

        def test_debug_below_the_loggers_level_leaks():
            from aws_lambda_powertools import Logger

            Logger(service="letters", level="INFO").debug("drafted for %s", "Zoë Tenant")

        def test_a_logger_that_does_not_propagate_leaks():
            quiet = logging.getLogger("signals.quiet")
            quiet.propagate = False
            quiet.disabled = True
            quiet.info("judged %s", "b@example.org")

        def test_a_failing_test_that_leaks_is_told_of_both():
            logging.getLogger("api").info("for %s", "c@example.org")
            assert False
        """
    )
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))  # tests/
    result = pytester.runpytest_subprocess("-p", "log_privacy")
    result.assert_outcomes(passed=1, failed=5, errors=1)  # the last leak: at its teardown
    told = result.stdout.str()
    for phase, line in [
        ("call", "ingest ERROR: a@example.org"),
        ("call", "deadlines ERROR: Faye Tenant, 7 Fault Lane"),
        ("call", "letters DEBUG: Zoë Tenant"),
        ("call", "signals.quiet INFO: b@example.org"),
        ("teardown", "api INFO: c@example.org"),
    ]:
        assert f"personal data in log lines ({phase}):\n  {line} in " in told


def test_a_record_made_only_for_the_check_is_not_printed(
    log_privacy: Watch, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """Below a logger's own level the check still reads each record, and nothing else sees
    it: what a function prints, and what caplog holds, are as without the check."""
    log = Logger(service="deadlines", level="INFO")
    caplog.set_level(logging.INFO, logger="deadlines")  # as a Lambda at INFO, whatever ran before
    capsys.readouterr()
    log.debug("deadlines: considered %s", "Casey Caller")
    log.info("deadlines: reconciled")
    assert [r.getMessage() for r in caplog.records if r.name == "deadlines"] == [
        "deadlines: reconciled"
    ]
    assert "considered" not in capsys.readouterr().out
    assert [(o.level, o.found) for o in log_privacy.forgive()] == [("DEBUG", ("Casey Caller",))]


def test_a_rig_logger_from_the_factory_is_read_and_any_other_fails_the_test(
    log_privacy: Watch,
) -> None:
    rig_logger("privacy-test").debug("for %s", "Jo Occupier")
    logging.getLogger("privacy-test-made-here").info("nothing personal")
    caught = log_privacy.forgive()
    assert [(o.logger, o.level, o.found[0].split(":")[0]) for o in caught] == [
        ("contactguard.rig.privacy-test", "DEBUG", "Jo Occupier"),
        ("privacy-test-made-here", "-", "logger made at tests/unit/test_log_privacy.py"),
    ]


@pytest.mark.parametrize(("name", "level"), sorted(PINNED.items()))
def test_each_pin_the_check_keeps_is_set_by_the_code(name: str, level: int) -> None:
    """The check reads a pinned logger only from its pin up: the pin must really be there."""
    import api.app  # noqa: F401 - pins the resolver's logger

    assert logging.getLogger(name).level == level
