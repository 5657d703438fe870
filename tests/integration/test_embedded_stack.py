"""The embedded stack and `make demo`: the whole system on a laptop, from the template."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from contactguard.domain.calendar import LONDON
from contactguard_local.simulate import BUNDLED_SCENARIO, ScenarioError, schema, simulate
from contactguard_local.stack import EmbeddedStack, SimClock
from contactguard_local.template import load_template


@pytest.mark.policy("design-email-enforcement")
@pytest.mark.policy("s6-review-12-monthly")
def test_the_bundled_scenario_year_ends_as_the_policy_says(tmp_path: Path) -> None:
    report = simulate(BUNDLED_SCENARIO, tmp_path, quiet=True)
    assert json.loads((tmp_path / "report.json").read_text()) == report
    emails = [s for s in report["steps"] if s["step"] == "email"]
    assert [(e["disposition"], e["contact"], e["mail_sent"]) for e in emails] == [
        ("CONTINUE", "accepted", 0),  # before any concern
        ("CONTINUE", "accepted", 0),  # after Step 1: a concern restricts nothing
        ("CONTINUE", "accepted", 0),  # restrictions decided, the customer not yet told
        ("STOP_RULE_SET", "filed-blocked", 1),  # letters only from the letter's date: replied
        ("STOP_RULE_SET", "filed-blocked", 0),  # the auto-reply went once this week
        ("STOP_RULE_SET", "filed-blocked", 1),  # after the extension, a new week
    ]
    fired = [s["deadline"] for s in report["schedules"] if s["action"] == "fired"]
    assert fired == [
        "concern-follow-up",
        "letter-unsent",  # the restriction letter drafted on the 14th, unsent by the 16th
        "letter-unsent",  # and by the 18th: escalated to the Head of Service
        "appeal-window-closes",
        "review-pack-due",
        "appeal-window-closes",  # the extension's new right of appeal
    ]
    cancelled = [s for s in report["schedules"] if s["action"] == "cancelled"]
    assert cancelled  # the appeal review deadlines, moot once the appeal was decided
    (case,) = report["cases"]
    assert case["case"]["status"] == "restricted"
    assert case["case"]["period"]["ends_on"] == "2028-12-18"  # 12 months from the old end
    phone = [c for c in report["contacts"] if c["channel"] == "phone"]
    assert len(phone) == 1


def test_a_scenario_error_names_its_line(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(
        "start: 2026-11-01T09:00\n"
        "staff: [{id: sm, role: service-manager}]\n"
        "steps:\n"
        "  - at: 2026-11-02T10:00\n"
        "    email: {from: a@example.org, subject: hi}\n"
        "  - at: 2026-11-03T10:00\n"
        "    by: sm\n"
        "    command: {kind: raise-concern, case_id: c1, customer_id: nobody,"
        " behaviours: [shouting]}\n"
    )
    with pytest.raises(
        ScenarioError,
        match=r"line 8: command raise-concern.behaviours.0: Input should be .*scattergun",
    ):
        simulate(scenario, tmp_path / "out", quiet=True)
    scenario.write_text("start: 2026-11-01T09:00\nsteps:\n  - at: tomorrow\n")
    with pytest.raises(
        ScenarioError, match=r"line 3: steps.0.at: Input should be a valid datetime"
    ):
        simulate(scenario, tmp_path / "out", quiet=True)


def test_a_refused_decision_is_reported_not_fatal(tmp_path: Path) -> None:
    scenario = tmp_path / "refused.yaml"
    scenario.write_text(
        "start: 2026-11-01T09:00\n"
        "customers: [{id: c1, name: A}]\n"
        "staff: [{id: cet, role: customer-experience-team}]\n"
        "steps:\n"
        "  - at: 2026-11-03T10:00\n"
        "    by: cet\n"
        "    command: {kind: raise-concern, case_id: k1, customer_id: c1,"
        " behaviours: [scattergun-approach], note: n}\n"
    )
    report = simulate(scenario, tmp_path / "out", quiet=True)
    assert report["steps"][0]["refused"] == "role-permissions"


def test_the_checked_in_schema_is_current() -> None:
    checked_in = json.loads(
        (Path(__file__).parents[2] / "docs" / "scenario.schema.json").read_text()
    )
    assert checked_in == schema(), "run: contactguard scenario-schema > docs/scenario.schema.json"


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


def test_the_deadlines_command_lists_what_a_scenario_left_pending(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from contactguard_local.cli import main

    assert main(["deadlines", "--scenario", str(BUNDLED_SCENARIO), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(d["deadline"], d["at"]) for d in listed] == [
        ("review-pack-due", "2028-11-20T07:00:00+00:00"),
        ("restrictions-end", "2028-12-18T07:00:00+00:00"),
    ]
    assert main(["deadlines", "--scenario", str(BUNDLED_SCENARIO), "--to", "2028-12-01"]) == 0
    assert capsys.readouterr().out.strip() == "Mon 20 Nov 2028 07:00  case-0001  review-pack-due"


@pytest.mark.policy("design-email-enforcement")
def test_a_busy_day_of_email_reaches_the_signals_function_through_the_stream() -> None:
    from email.message import EmailMessage

    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    from contactguard.domain.model import Customer

    clock = SimClock(datetime(2026, 12, 1, 9, tzinfo=LONDON))
    with EmbeddedStack(clock) as stack:
        stack.store.put_customer(Customer(customer_id="c1", name="A", emails=("a@example.org",)))
        for n, topic in enumerate(["Boiler", "Rent", "Fence", "Lift", "Bins", "Damp", "Roof"]):
            stack.clock.now = datetime(2026, 12, 1, 9 + n, tzinfo=LONDON)
            message = EmailMessage()
            message["From"] = "a@example.org"
            message["Subject"] = topic
            message.set_content("please")
            stack.deliver_email(message.as_bytes(), "a@example.org", topic)
        topic_arn = stack.functions["SignalsFunction"]["env"]["CONTACTGUARD_ALERTS_TOPIC_ARN"]
        topic = sns_backends[DEFAULT_ACCOUNT_ID]["eu-west-2"].topics[topic_arn]
        kinds = [json.loads(sent[1])["kind"] for sent in topic.sent_notifications]
    assert kinds.count("signal:volume-day") == 2  # the 6th and 7th email of the day (limit 5)
    assert stack.log.stream_failures == []


def test_duplicate_and_reordered_stream_deliveries_change_nothing() -> None:
    """Streams deliver at least once and a retried batch can arrive late: replaying every case
    event, twice and shuffled, to letters and deadlines leaves the case and schedules as they
    were after one clean delivery."""
    import random

    from contactguard.adapters.stream import stream_record
    from contactguard.domain.model import Actor, Customer, PostalAddress, Role
    from contactguard_local.examples import immediate_restrictions
    from contactguard_local.pumps import SchedulerPump

    clock = SimClock(datetime(2026, 12, 1, 9, tzinfo=LONDON))
    with EmbeddedStack(clock) as stack:
        address = PostalAddress(lines=("1 Example Street", "Derby"), postcode="DE1 1AA")
        stack.store.put_customer(Customer(customer_id="c1", name="A", address=address))
        head = Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE)
        stack.cases.open_case(immediate_restrictions("k1", "c1"), head, clock())
        stack.pump_streams()
        group = stack.functions["DeadlinesStreamFunction"]["env"]["CONTACTGUARD_SCHEDULE_GROUP"]
        pump = SchedulerPump(stack.scheduler, group)

        def snapshot() -> tuple[Any, ...]:
            case = stack.store.get_case("k1")
            assert case is not None
            keys = stack.s3.list_objects_v2(
                Bucket=stack.functions["LettersFunction"]["env"]["CONTACTGUARD_LETTERS_BUCKET"]
            ).get("Contents", [])
            return (
                case.model_dump_json(),
                sorted(s.name for s in pump.schedules()),
                sorted(o["Key"] for o in keys),
            )

        before = snapshot()
        records = [stream_record(e) for e in stack.store.events("k1")] * 2
        random.Random(7).shuffle(records)
        for function in ("LettersFunction", "DeadlinesStreamFunction"):
            result = stack.invoke(function, {"Records": records})
            assert result == {"batchItemFailures": []}
        stack.pump_streams()
        assert snapshot() == before


def test_closing_a_case_sets_the_retention_expiry_on_every_record_of_it() -> None:
    """DESIGN.md: records are kept six years after a case closes, then DynamoDB's TTL removes
    them. The commit that closes a case stamps itself; the deadlines function stamps the rest."""
    from contactguard.domain.case import CloseConcern, RaiseConcern
    from contactguard.domain.model import Actor, Behaviour, Customer, PostalAddress, Role

    clock = SimClock(datetime(2026, 12, 1, 9, tzinfo=LONDON))
    with EmbeddedStack(clock) as stack:
        address = PostalAddress(lines=("1 Example Street", "Derby"), postcode="DE1 1AA")
        stack.store.put_customer(Customer(customer_id="c1", name="A", address=address))
        manager = Actor(actor_id="sm", role=Role.SERVICE_MANAGER)
        concern = RaiseConcern(
            case_id="k1", customer_id="c1", behaviours=(Behaviour.SCATTERGUN,), note="n"
        )
        stack.cases.open_case(concern, manager, clock())
        stack.pump_streams()  # the concern letter is drafted: more events, none expiring

        def expiries() -> list[Any]:
            items = stack.dynamodb.query(
                TableName=stack.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": "CASE#k1"}},
            )["Items"]
            return [item.get("expires_at", {}).get("N") for item in items]

        assert set(expiries()) == {None}
        clock.now = datetime(2026, 12, 2, 9, tzinfo=LONDON)
        stack.cases.act("k1", CloseConcern(reason="resolved"), manager, clock())
        stack.pump_streams()
        # Closed 2 Dec 2026 09:00 GMT: kept until 2 Dec 2032, the same instant.
        expected = str(int(datetime(2032, 12, 2, 9, tzinfo=LONDON).timestamp()))
        found = expiries()
        assert len(found) >= 4  # state, concern raised, letter drafted, concern closed
        assert set(found) == {expected}


def test_a_batch_that_fails_whole_is_retried_then_kept_as_failed_not_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Powertools raises when every record of a batch failed; Lambda retries the batch and
    then sends it to the on-failure queue. The embedded stack does the same, never raising
    out of the pump."""
    from contactguard.domain.case import RaiseConcern
    from contactguard.domain.model import Actor, Behaviour, Customer, Role

    clock = SimClock(datetime(2026, 12, 1, 9, tzinfo=LONDON))
    with EmbeddedStack(clock) as stack:
        real_invoke = stack.invoke
        tries: list[int] = []

        def letters_down(logical_id: str, event: dict[str, Any]) -> Any:
            if logical_id == "LettersFunction":
                tries.append(len(event["Records"]))
                raise RuntimeError("letters is down")
            return real_invoke(logical_id, event)

        monkeypatch.setattr(stack, "invoke", letters_down)
        stack.store.put_customer(Customer(customer_id="c1", name="A"))
        concern = RaiseConcern(
            case_id="k1", customer_id="c1", behaviours=(Behaviour.SCATTERGUN,), note="n"
        )
        stack.cases.open_case(concern, Actor(actor_id="sm", role=Role.SERVICE_MANAGER), clock())
        stack.pump_streams()
        letters = next(c for c in stack.consumers if c.logical_id == "LettersFunction")
        assert len(tries) == letters.max_retries + 1
        assert {f["function"] for f in stack.log.stream_failures} == {"LettersFunction"}
        assert len(stack.log.stream_failures) == tries[-1]
