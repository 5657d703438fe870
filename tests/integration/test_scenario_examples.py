"""Scenarios as executable specifications: the example library passes, a wrong expectation
fails the run with its line, and a scenario's mistakes are all found before it runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contactguard_local.cli import main
from contactguard_local.simulate import ScenarioError, load_scenario, passed, simulate

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"

# The policy rule each example shows (policy/rules.yaml).
RULES = {
    "appeal-window-edge": ["s5-appeal-15-working-days"],
    "auto-reply-blocked-sender": ["design-email-enforcement"],
    "auto-reply-loop": ["design-email-enforcement"],
    "demo": ["s6-review-12-monthly"],
    "immediate-restriction": ["s4-immediate-restrictions"],
    "lapse-without-review": ["s6-unreviewed-lapse"],
    "linked-address": ["s2-contact-channels"],
    "review-extension": ["s6-review-12-monthly"],
    "reviewer-independence": ["s5-independent-review"],
    "spoofed-mail": ["design-email-enforcement"],
    "step-1-concern": ["s4-step1-service-manager", "s4-step1-follow-up"],
    "step-2-restrictions": ["s4-step2-head-of-service"],
    "step-2-without-step-1": ["s4-step2-after-step1"],
}


def _examples() -> list[object]:
    return [
        pytest.param(
            path,
            id=path.stem,
            marks=[pytest.mark.policy(rule) for rule in RULES.get(path.stem, [])],
        )
        for path in sorted(EXAMPLES.glob("*.yaml"))
    ]


def test_every_example_names_its_rules() -> None:
    assert sorted(p.stem for p in EXAMPLES.glob("*.yaml")) == sorted(RULES)


@pytest.mark.parametrize("path", _examples())
def test_each_example_meets_every_expectation_it_states(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = simulate(path, tmp_path)
    printed = capsys.readouterr().out
    expectations = report["expectations"]
    unmet = [e for e in expectations["checked"] if not e["met"]]
    assert passed(report), unmet
    assert expectations["met"] == len(expectations["checked"]) >= 3
    assert expectations["unmet"] == 0
    assert f"expectations: {expectations['met']} met, 0 unmet" in printed
    # The summary is text for people: no log line as raw JSON.
    assert not [line for line in printed.splitlines() if line.lstrip().startswith("{")]


def test_the_summary_says_when_a_letter_was_redrafted_and_schedules_keep_their_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = simulate(EXAMPLES / "demo.yaml", tmp_path)
    printed = capsys.readouterr().out
    assert (
        "letter restrictions-0005 sent: letter-sent, restrictions-started, "
        "appeal-window-opened; redrafted for 2026-12-18 (it was dated 2026-12-14)"
    ) in printed
    cancelled = [s for s in report["schedules"] if s["action"] == "cancelled"]
    assert cancelled
    assert all(s["deadline"] and s["due"] for s in cancelled)
    assert ("letter-unsent", "2026-11-04T07:00:00+00:00") in {
        (s["deadline"], s["due"]) for s in cancelled
    }  # the concern letter was sent on the 3rd, before its reminder was due


def _altered(tmp_path: Path) -> tuple[Path, int]:
    """step-2-restrictions with one wrong expectation: no auto-reply to the blocked email."""
    copy = tmp_path / "altered.yaml"
    text = (EXAMPLES / "step-2-restrictions.yaml").read_text()
    wanted = "to_staff: 0, mail_sent: 1}"
    assert text.count(wanted) == 1
    copy.write_text(text.replace(wanted, "to_staff: 0, mail_sent: 0}"))
    line = next(
        n for n, row in enumerate(copy.read_text().splitlines(), 1) if "mail_sent: 0}" in row
    )
    return copy, line


def test_a_wrong_expectation_fails_the_run_naming_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario, line = _altered(tmp_path)
    assert main(["simulate", str(scenario), "--out", str(tmp_path / "out")]) == 1
    printed = capsys.readouterr().out
    assert f"line {line}: expected messages sent elsewhere 0, got 1" in printed
    assert "expectations: 16 met, 1 unmet" in printed


def test_a_folder_runs_every_scenario_in_a_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "library"
    folder.mkdir()
    scenario, line = _altered(tmp_path)
    shutil.move(scenario, folder / "altered.yaml")
    shutil.copy(EXAMPLES / "spoofed-mail.yaml", folder)
    assert main(["simulate", str(folder), "--out", str(tmp_path / "out")]) == 1
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].split() == ["scenario", "steps", "met", "unmet", "result"]
    assert rows[1].split() == ["altered.yaml", "5", "16", "1", "FAIL"]
    assert rows[2].strip() == f"line {line}: expected messages sent elsewhere 0, got 1"
    assert rows[3].split() == ["spoofed-mail.yaml", "2", "11", "0", "pass"]
    assert rows[-1] == "2 scenarios: 1 passed, 1 failed"
    assert (tmp_path / "out" / "spoofed-mail" / "report.json").is_file()


def _problems(tmp_path: Path, text: str) -> list[str]:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(text)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(scenario)
    return [row.split(": ", 1)[1] for row in str(raised.value).splitlines()]


def test_every_problem_in_a_file_is_found_before_it_runs(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "start: 2026-11-01T09:00\n"  # 1
        "customers:\n"
        "  - {id: c1, name: A}\n"
        "  - {id: c1, name: B}\n"
        "staff:\n"  # 5
        "  - {id: sm, role: service-manager}\n"
        "  - {id: both, roles: [head-of-service, executive-team]}\n"
        "  - {id: sm, role: head-of-service}\n"
        "steps:\n"
        "  - at: 2026-11-02T10:00\n"  # 10
        "    email: {from: a@example.org, eml: missing.eml}\n"
        "    expect: {events: [concern-raised]}\n"
        "  - at: 2026-11-03T10:00\n"
        "    by: nobody\n"
        "    case: k9\n"  # 15
        "    command: {kind: close-concern, reason: r}\n"
        "  - at: 2026-11-03T11:00\n"
        "    by: both\n"
        "    command: {kind: raise-concern, case_id: k1, customer_id: c2,"
        " behaviours: [other], note: n}\n"
        "  - at: 2026-11-03T12:00\n"  # 20
        "    by: sm\n"
        "    as: executive-team\n"
        "    send_letter: {case: k1, kind: concern}\n"
        "    expect: {disposition: CONTINUE}\n"
        "  - at: 2026-11-02T12:00\n"  # 25
        "    contact: {customer: c3, channel: phone}\n"
        "  - at: 2026-11-04T12:00\n"
        "    by: sm\n"
        "    case: k1\n"
        "    command: {kind: close-concern, reason: r, extra: 1}\n"  # 30
        "  - at: 2026-11-04T13:00\n"
        "    by: sm\n"
        "    operation: {get_case: {case_id: nope}}\n"
        "  - at: 2026-11-04T14:00\n"
        "    by: sm\n"  # 35
        "    operation: {create_customer: {customer_id: c4, name: D}}\n"
        "  - at: 2026-11-04T15:00\n"
        "    by: sm\n"
        "    operation: {log_contact: {customer_id: c4, channel: phone, summary: s}}\n"
        "  - at: 2026-11-04T16:00\n"  # 40
        "    by: sm\n"
        "    operation: {get_customer: {customer_id: c9}}\n"
        "expect:\n"
        "  case: {id: k7, status: concern}\n",
    )
    assert problems == [
        "line 4: customer id 'c1' is listed twice (first on line 3)",
        "line 8: staff id 'sm' is listed twice (first on line 6)",
        "line 11: no .eml file missing.eml",
        "line 12: expect.events is for a command, a letter or an operation",
        "line 14: no staff member 'nobody' in `staff`",
        "line 15: no case 'k9' yet: a case is opened by a command carrying case_id",
        "line 18: both holds several roles (head-of-service, executive-team): say which with `as`",
        "line 19: no customer 'c2'",
        "line 22: sm does not hold the role executive-team (service-manager)",
        "line 24: expect.disposition is for an email step",
        "line 25: steps go forward in time: 2026-11-02 12:00:00+00:00 is before "
        "2026-11-03 12:00:00+00:00",
        "line 26: no customer 'c3'",
        "line 30: command close-concern.extra: Extra inputs are not permitted",
        "line 33: no case 'nope' yet",
        "line 42: no customer 'c9'",
        "line 44: no case 'k7' by then",
    ]


def test_a_person_with_several_roles_acts_in_the_one_the_step_names(tmp_path: Path) -> None:
    scenario = tmp_path / "roles.yaml"
    scenario.write_text(
        "start: 2026-11-01T09:00\n"
        "customers: [{id: c1, name: A}]\n"
        "staff:\n"
        "  - {id: both, roles: [service-manager, head-of-service]}\n"
        "steps:\n"
        "  - at: 2026-11-02T10:00\n"
        "    by: both\n"
        "    as: head-of-service\n"
        "    command: {kind: raise-concern, case_id: k1, customer_id: c1,"
        " behaviours: [other], note: n}\n"
        "    expect: {refused: role-permissions}\n"
        "  - at: 2026-11-02T11:00\n"
        "    by: both\n"
        "    as: service-manager\n"
        "    command: {kind: raise-concern, case_id: k1, customer_id: c1,"
        " behaviours: [other], note: n}\n"
        "    expect: {events: [concern-raised], case: {status: concern}}\n"
    )
    report = simulate(scenario, tmp_path / "out", quiet=True)
    assert passed(report), report["expectations"]
    assert [e["line"] for e in report["expectations"]["checked"]] == [10, 15, 15]
    (case,) = report["cases"]
    assert [(e["type"], e["actor"]["role"]) for e in case["events"]][0] == (
        "concern-raised",
        "service-manager",
    )


def test_a_record_a_function_cannot_process_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In AWS a stream record that fails after its retries waits for an operator; a scenario
    that produced one does not pass, and says which function failed."""
    import letters.handler

    def broken(record: object) -> None:
        raise RuntimeError("the letters bucket is unreachable")

    monkeypatch.setattr(letters.handler, "_record", broken)
    scenario = EXAMPLES / "step-1-concern.yaml"
    assert main(["simulate", str(scenario), "--out", str(tmp_path / "out")]) == 1
    printed = capsys.readouterr().out
    (failed,) = [line for line in printed.splitlines() if line.startswith("FAILED: ")]
    assert failed.startswith("FAILED: the LettersFunction could not process ")
    assert "stream record(s) after its retries" in failed
