"""The embedded stack and `make demo`: the whole system on a laptop, from the template."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest

from contactguard.domain.calendar import LONDON
from contactguard_local.demo import run_demo
from contactguard_local.stack import EmbeddedStack, SimClock
from contactguard_local.template import load_template


@pytest.mark.policy("design-email-enforcement")
@pytest.mark.policy("s6-review-12-monthly")
def test_the_demo_year_ends_as_the_policy_says(tmp_path: Path) -> None:
    assert run_demo(out=str(tmp_path)) == 0
    report = json.loads((tmp_path / "timeline.json").read_text())
    assert [e["disposition"] for e in report["emails"]] == [
        "CONTINUE",  # before any concern
        "CONTINUE",  # after Step 1: concern only
        "CONTINUE",  # restrictions decided but the customer not yet told
        "STOP_RULE_SET",  # letters only, in force from the letter's date
        "STOP_RULE_SET",
        "STOP_RULE_SET",  # after the extension
    ]
    assert [s["deadline"] for s in report["schedules_fired"]] == [
        "concern-follow-up",
        "appeal-window-closes",
        "review-pack-due",
        "appeal-window-closes",  # the extension's new right of appeal
    ]
    case = report["case"]
    assert case["status"] == "restricted"
    assert case["period"]["ends_on"] == "2028-12-18"  # 12 months from the old end date
    types = [e["type"] for e in report["events"]]
    assert "restrictions-lapsed" not in types  # the review decided in time


def test_the_stack_is_built_from_the_template_not_a_copy() -> None:
    template = copy.deepcopy(load_template())
    table = template["Resources"]["CasesTable"]["Properties"]
    table["AttributeDefinitions"][1]["AttributeName"] = "sort_key"
    table["KeySchema"][1]["AttributeName"] = "sort_key"
    with EmbeddedStack(SimClock(datetime(2026, 12, 1, tzinfo=LONDON)), template=template) as stack:
        schema = stack.dynamodb.describe_table(TableName=stack.table)["Table"]["KeySchema"]
    assert {k["AttributeName"] for k in schema} == {"pk", "sort_key"}


def test_the_stack_leaves_the_environment_as_it_found_it() -> None:
    import os

    before = dict(os.environ)
    with EmbeddedStack(SimClock(datetime(2026, 12, 1, tzinfo=LONDON))) as stack:
        assert os.environ["CONTACTGUARD_TABLE_NAME"] == stack.table
    assert dict(os.environ) == before
