"""`make bench`'s report: each figure judged against its target, and two runs compared
(`make bench-compare`). The figures here are made up: no test times anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contactguard_local import bench


def results(ingest_ratio: float, import_ratio: float) -> dict[str, Any]:
    breakdown = {
        "total_ms": 60.0,
        "modules": 40,
        "top_cumulative": [
            {"module": "contactguard.domain.case", "cumulative_ms": 30.0, "self_ms": 9.0}
        ],
        "self_ms_by_package": {"contactguard": 25.0, "pydantic": 20.0, "pydantic_settings": 9.0},
    }
    return {
        "python": "3.13.0",
        "cpus": 2,
        "ingest": {
            "aws_calls_per_email": {"accepted": 4},
            "handler_time": {
                "2 MB with attachment": {
                    "handler_ms": 10 * ingest_ratio,
                    "baseline_ms": 10.0,
                    "ratio": ingest_ratio,
                    "added_ms": 10 * ingest_ratio - 10,
                    "vs_2_kb": 1.5,
                }
            },
        },
        "imports": {
            "baseline_ms (boto3 + Powertools)": 200.0,
            "ingest.handler": {
                "ms": 200 * import_ratio,
                "ratio": import_ratio,
                "importtime": breakdown,
            },
        },
        "letters": {"concern": {"ms": 13.0, "bare_docxtpl_ms": 10.0, "ratio": 1.3}},
        "review_pack": {"a": {"requests": 5}, "b": {"requests": 5}},
    }


def test_each_figure_is_met_or_says_by_how_much_it_misses_and_why() -> None:
    verdicts = {v["figure"]: v for v in bench.targets(results(1.1, 1.5))}
    ingest = verdicts[
        "ingest time, 2 MB with attachment, vs a no-logic baseline making the same calls"
    ]
    assert ingest["met"]
    assert ingest["misses_by"] is None
    assert ingest["why"] is None
    cold = verdicts["cold import, ingest.handler, vs boto3 + Powertools"]
    assert not cold["met"]
    assert cold["misses_by"] == pytest.approx(0.3)
    assert "it adds 100 ms where the target allows 40" in cold["why"]
    assert "of its 60 ms under importtime, our modules take 42%, pydantic 33%" in cold["why"]
    assert "pydantic-settings 15%" in cold["why"]
    letters = verdicts["ms per letter (concern) vs bare docxtpl"]
    assert (letters["met"], letters["misses_by"]) == (False, pytest.approx(0.1))
    assert verdicts["AWS calls, accepted email"]["met"]
    assert verdicts["review pack requests, 100 times the other customers' contacts vs 1 x"]["met"]


def test_two_runs_are_printed_side_by_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = results(2.0, 1.9), results(1.1, 1.5)
    for run in (old, new):
        run["targets"] = bench.targets(run)
    (tmp_path / "a.json").write_text(json.dumps(old))
    (tmp_path / "b.json").write_text(json.dumps(new))
    assert bench.compare(str(tmp_path / "a.json"), str(tmp_path / "b.json")) == 0
    printed = capsys.readouterr().out
    row = next(
        line for line in printed.splitlines() if line.startswith("imports.ingest.handler.ratio")
    )
    assert row.split()[1:] == ["1.90", "1.50", "0.79"]
    assert (
        "missed -> met    ingest time, 2 MB with attachment, vs a no-logic baseline making the "
        "same calls" in printed
    )
