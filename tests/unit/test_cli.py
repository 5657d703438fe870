"""The contactguard command line, through its real entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from contactguard_local.cli import main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "contactguard_local.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.policy("design-working-days")
def test_workdays_add_prints_the_deadline_across_christmas() -> None:
    result = run_cli("workdays", "add", "2026-12-18", "15")
    assert result.returncode == 0
    assert result.stdout == "2027-01-13\n"


@pytest.mark.policy("design-working-days")
def test_workdays_explain_names_the_bank_holidays_skipped() -> None:
    result = run_cli("workdays", "add", "2026-12-18", "15", "--explain")
    assert "open until 2027-01-13T23:59:59+00:00" in result.stdout
    assert "2026-12-28 (bank holiday: Boxing Day (observed))" in result.stdout
    assert "2027-01-01 (bank holiday: New Year's Day)" in result.stdout


def test_workdays_json_gives_the_closing_instant_in_london_time(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["workdays", "add", "2027-06-01", "5", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["date"] == "2027-06-08"
    assert data["closes_at"] == "2027-06-08T23:59:59+01:00"  # BST


def test_closure_dates_push_the_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    main(
        ["workdays", "add", "2026-12-21", "3", "--closure", "2026-12-22", "--closure", "2026-12-23"]
    )
    # 24 Dec (1), 25 and 28 Dec are bank holidays, 29 Dec (2), 30 Dec (3)
    assert capsys.readouterr().out.strip() == "2026-12-30"


def test_any_uk_counts_st_andrews_day(capsys: pytest.CaptureFixture[str]) -> None:
    main(["workdays", "check", "2026-11-30"])
    main(["workdays", "check", "2026-11-30", "--region", "any-uk"])
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "2026-11-30 is a working day",
        "2026-11-30 is not: bank holiday: Saint Andrew's Day",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["workdays", "add", "18/12/2026", "15"], "'18/12/2026' is not a date like 2026-12-18"),
        (["workdays", "add", "2026-12-18", "fifteen"], "'fifteen' is not a whole number"),
        (["workdays", "add", "2026-12-18", "-1"], "must be 0 to 2000"),
    ],
)
def test_bad_input_gets_a_clear_error_and_exit_code_2(args: list[str], message: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
