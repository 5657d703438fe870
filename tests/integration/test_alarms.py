"""Every alarm in infra/template.yaml is raised by what the code really emits.

A test that the template has a metric filter proves nothing about the code: rename the log
key the code writes and the filter counts nothing, for ever, in silence. So, for each
`AWS::CloudWatch::Alarm` in the template:

- a metric our code produces (a log metric filter's metric, or a metric the code writes
  itself as CloudWatch embedded metric format): the real code is driven into the condition on
  the embedded stack, each function's log lines are caught as the Lambda runtime would send
  them to its log group, and the template's own filter pattern (parsed here, and matched as
  CloudWatch Logs matches the JSON pattern forms the template uses) must count exactly one
  line per occurrence, enough to breach the alarm's threshold; a year of the same functions
  without the condition must count none. Producers known to this module (`PRODUCERS`):
  - contactguard / MissedReviews: a restriction whose 12-month review was never decided
    lapses. The deadline-fire function applies the end date when its schedule fires; the
    deadlines stream function applies it at once when a case event arrives after the end
    date (the schedule was lost); the daily reconcile function applies it late.
  - contactguard-<stage> / EmailsQuarantined (Powertools metric, service ingest): 21 spoofed
    emails in an hour, one more than the quarantine-spike alarm allows.
  - contactguard-<stage> / DeliveryFailures (Powertools metric, service delivery): an email
    whose stored copy is gone when the delivery function comes for it.
- a metric AWS produces (`AWS_METRICS`), not our code; nothing here can make them move:
  - AWS/Lambda Errors and Throttles, per FunctionName: every function;
  - AWS/SQS ApproximateNumberOfMessagesVisible, per QueueName: the dead-letter and
    stream-failure queues.

An alarm on a metric neither list knows fails with its name: teach this module how to make
the code produce it (a driver in `PRODUCERS`), or list the AWS metric.
"""

from __future__ import annotations

import json
import logging
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import pytest

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import CaseStatus, DecideReview, ReviewOutcome
from contactguard.domain.model import Actor, Customer, PostalAddress, Role
from contactguard_local.examples import immediate_restrictions
from contactguard_local.pumps import SchedulerPump
from contactguard_local.ses import ses_receipt_event
from contactguard_local.stack import EmbeddedStack, SimClock, running_function
from contactguard_local.template import load_template, parameters, resolve

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
STAGE = parameters(TEMPLATE)["Stage"]  # what the embedded stack deploys as

AWS_METRICS = {
    ("AWS/Lambda", "Errors"),
    ("AWS/Lambda", "Throttles"),
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
}


def of_type(type_: str) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in RESOURCES.items() if v["Type"] == type_}


# CloudWatch Logs JSON filter patterns ---------------------------------------------------------
#
# The forms: { SELECTOR = "string" | bare-string-with-*-wildcards | number }, !=, the numeric
# < > <= >=, IS TRUE, IS FALSE, IS NULL, NOT EXISTS, joined with && and || in parentheses.
# Selectors are $.a.b and $.a[0]. A JSON pattern never matches a line that is not a JSON
# object. Anything else raises: a pattern this module cannot read must not pass as matching.


class UnsupportedPattern(ValueError):
    pass


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<group>[{}()])|(?P<logic>&&|\|\|)|(?P<op>!=|<=|>=|=|<|>)|
    (?P<is>IS\s+(?:TRUE|FALSE|NULL)\b|NOT\s+EXISTS\b)|
    (?P<selector>\$(?:\.[A-Za-z0-9_@-]+|\[\d+\])+)|
    (?P<quoted>"(?:[^"\\]|\\.)*")|(?P<bare>[^\s{}()&|=!<>"]+))""",
    re.VERBOSE,
)
_MISSING = object()
_NUMERIC = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}

Predicate = Callable[[Any], bool]


def _tokens(pattern: str) -> list[tuple[str, str]]:
    found, at = [], 0
    while at < len(pattern.rstrip()):
        match = _TOKEN.match(pattern, at)
        if match is None or match.lastgroup is None:
            raise UnsupportedPattern(f"cannot read {pattern!r} at {pattern[at:]!r}")
        found.append((match.lastgroup, match.group(match.lastgroup)))
        at = match.end()
    return found


def _select(document: Any, selector: str) -> Any:
    value = document
    for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", selector):
        if key and isinstance(value, dict) and key in value:
            value = value[key]
        elif index and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            return _MISSING
    return value


def _comparison(selector: str, op: str, kind: str, text: str) -> Predicate:
    if kind == "quoted":
        text = json.loads(text)
    else:
        try:
            number = float(text)
        except ValueError:
            pass
        else:

            def numeric(doc: Any) -> bool:
                value = _select(doc, selector)
                is_number = isinstance(value, int | float) and not isinstance(value, bool)
                return is_number and _NUMERIC[op](value, number)

            return numeric
    if op not in ("=", "!="):
        raise UnsupportedPattern(f"{op} compares numbers, not {text!r}")
    shape = re.compile("".join(".*" if c == "*" else re.escape(c) for c in text), re.DOTALL)

    def string(doc: Any) -> bool:
        value = _select(doc, selector)
        if not isinstance(value, str):
            return False
        return (shape.fullmatch(value) is not None) == (op == "=")

    return string


def _test(selector: str, test: str) -> Predicate:
    words = " ".join(test.split())

    def check(doc: Any) -> bool:
        value = _select(doc, selector)
        if words == "NOT EXISTS":
            return value is _MISSING
        if words == "IS NULL":
            return value is None
        return value is (words == "IS TRUE")

    return check


def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A CloudWatch Logs JSON filter pattern as a predicate on one log event's message."""
    tokens = _tokens(pattern)
    if tokens[:1] != [("group", "{")] or tokens[-1:] != [("group", "}")]:
        raise UnsupportedPattern(f"not a JSON filter pattern: {pattern!r}")
    position = 1

    def take() -> tuple[str, str]:
        nonlocal position
        if position >= len(tokens) - 1:
            raise UnsupportedPattern(f"{pattern!r} ends too soon")
        position += 1
        return tokens[position - 1]

    def expression() -> Predicate:
        terms = [term()]
        while position < len(tokens) - 1 and tokens[position][0] == "logic":
            logic = take()[1]
            right, left = term(), terms.pop()
            terms.append(
                (lambda d, a=left, b=right: a(d) and b(d))
                if logic == "&&"
                else (lambda d, a=left, b=right: a(d) or b(d))
            )
        return terms[0]

    def term() -> Predicate:
        kind, text = take()
        if (kind, text) == ("group", "("):
            inner = expression()
            if take() != ("group", ")"):
                raise UnsupportedPattern(f"unbalanced parentheses in {pattern!r}")
            return inner
        if kind != "selector":
            raise UnsupportedPattern(f"expected a $.selector in {pattern!r}, got {text!r}")
        what, op = take()
        if what == "is":
            return _test(text, op)
        if what != "op":
            raise UnsupportedPattern(f"expected an operator after {text} in {pattern!r}")
        value_kind, value = take()
        if value_kind not in ("quoted", "bare"):
            raise UnsupportedPattern(f"expected a value after {text} {op} in {pattern!r}")
        return _comparison(text, op, value_kind, value)

    predicate = expression()
    if position != len(tokens) - 1:
        raise UnsupportedPattern(f"{pattern!r} goes on after its expression")

    def matches(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return isinstance(document, dict) and predicate(document)

    return matches


@pytest.mark.parametrize(
    ("pattern", "line", "expected"),
    [
        ("{ $.missed_review IS TRUE }", '{"missed_review": true}', True),
        ("{ $.missed_review IS TRUE }", '{"missed_review": "true"}', False),
        ("{ $.missed_review IS TRUE }", '{"missed_review": 1}', False),
        ("{ $.missed_review IS TRUE }", '{"missed_reviews": true}', False),
        ("{ $.missed_review IS TRUE }", "missed_review true", False),
        ("{ $.a.b[1] IS FALSE }", '{"a": {"b": [true, false]}}', True),
        ("{ $.a IS NULL }", '{"a": null}', True),
        ("{ $.a NOT EXISTS }", '{"b": 1}', True),
        ("{ $.a NOT EXISTS }", '{"a": null}', False),
        ('{ $.kind = "missed-review" }', '{"kind": "missed-review"}', True),
        ("{ $.kind = missed* }", '{"kind": "missed-review"}', True),
        ("{ $.kind != missed* }", '{"kind": "missed-review"}', False),
        ("{ $.kind = missed }", '{"kind": "missed-review"}', False),
        ("{ $.n >= 2 && $.n < 3 }", '{"n": 2}', True),
        ("{ $.n > 2 || ($.k = x && $.n = 1) }", '{"n": 1, "k": "x"}', True),
        ("{ $.n = 1 }", '{"n": "1"}', False),
    ],
)
def test_the_filter_pattern_matcher_reads_json_patterns_as_cloudwatch_does(
    pattern: str, line: str, expected: bool
) -> None:
    assert compile_pattern(pattern)(line) is expected


@pytest.mark.parametrize("pattern", ["ERROR", "{ $.a IS TRUE", "{ $.a ~ 1 }", "{ $.n > x }"])
def test_a_pattern_the_matcher_cannot_read_is_refused_not_matched(pattern: str) -> None:
    with pytest.raises(UnsupportedPattern):
        compile_pattern(pattern)


# Embedded metric format (metrics the code writes itself, e.g. Powertools Metrics) ----------


def emf_metrics(line: str) -> Iterator[tuple[str, str, dict[str, str], float]]:
    """(namespace, metric, dimensions, value) for each metric an EMF log line carries."""
    try:
        document = json.loads(line)
    except ValueError:
        return
    if not isinstance(document, dict) or not isinstance(document.get("_aws"), dict):
        return
    for directive in document["_aws"].get("CloudWatchMetrics", []):
        for names in directive.get("Dimensions", []) or [[]]:
            dimensions = {name: str(document[name]) for name in names}
            for metric in directive.get("Metrics", []):
                values = document[metric["Name"]]
                for value in values if isinstance(values, list) else [values]:
                    yield directive["Namespace"], metric["Name"], dimensions, float(value)


def test_the_emf_reader_reads_what_powertools_metrics_writes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = Metrics(namespace="contactguard", service="deadlines")
    metrics.add_dimension(name="stage", value="dev")
    metrics.add_metric(name="MissedReviews", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()
    (line,) = capsys.readouterr().out.splitlines()
    assert ("contactguard", "MissedReviews", {"service": "deadlines", "stage": "dev"}, 1.0) in (
        list(emf_metrics(line))
    )


# What each function writes to its log group ----------------------------------------------------


class FunctionLogs(logging.Handler):
    """Each log line, as the Lambda runtime sends it to CloudWatch Logs, by the function (its
    logical id) that was running: a Powertools logger's JSON line as its formatter makes it,
    any other record as the runtime's plain text (which no JSON pattern can match)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: dict[str, list[str]] = defaultdict(list)
        # The records themselves, not their ids: a freed record's id is reused at once, and
        # a set of ids then drops later, different lines.
        self._seen: set[logging.LogRecord] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        return True  # Powertools may filter root handlers: this one sees every record

    def emit(self, record: logging.LogRecord) -> None:
        function = running_function.get()  # the stack's: which handler is running
        if function is None or record in self._seen:
            return
        self._seen.add(record)
        own = [h for h in logging.getLogger(record.name).handlers if h is not self]
        formatted = [h.format(record) for h in own if h.formatter is not None]
        line = formatted[0] if formatted else f"[{record.levelname}]\t{record.getMessage()}"
        self.lines[function].append(line)


@contextmanager
def function_logs(stack: EmbeddedStack) -> Iterator[FunctionLogs]:
    logs = FunctionLogs()
    services = {f["env"]["POWERTOOLS_SERVICE_NAME"] for f in stack.functions.values()}
    loggers = [logging.getLogger(), *map(logging.getLogger, sorted(services))]
    for logger in loggers:
        logger.addHandler(logs)
    try:
        yield logs
    finally:
        for logger in loggers:
            logger.removeHandler(logs)


# Driving the code into each condition ----------------------------------------------------------

HEAD = Actor(actor_id="hos-1", role=Role.HEAD_OF_SERVICE)
DECIDED = datetime(2026, 12, 1, 9, tzinfo=LONDON)  # immediate restrictions: 1 Dec 2026 to 2027
AFTER_THE_END = datetime(2027, 12, 6, 6, tzinfo=LONDON)
A_YEAR_ON = datetime(2028, 1, 10, tzinfo=LONDON)


def restricted_case(stack: EmbeddedStack, case_id: str = "k1") -> None:
    address = PostalAddress(lines=("1 Example Street", "Derby"), postcode="DE1 1AA")
    stack.store.put_customer(Customer(customer_id="c1", name="A", address=address))
    stack.cases.open_case(immediate_restrictions(case_id, "c1"), HEAD, stack.clock())
    stack.pump_streams()


def lose_every_schedule(stack: EmbeddedStack) -> None:
    group = stack.functions["DeadlinesStreamFunction"]["env"]["CONTACTGUARD_SCHEDULE_GROUP"]
    for schedule in SchedulerPump(stack.scheduler, group).schedules():
        stack.scheduler.delete_schedule(Name=schedule.name, GroupName=group)


def missed_review_by_schedule(stack: EmbeddedStack) -> None:
    """The end date's schedule fires on a restriction nobody reviewed."""
    restricted_case(stack)
    stack.advance(A_YEAR_ON)


def missed_review_by_stream(stack: EmbeddedStack) -> None:
    """The schedules were lost; a case event arriving after the end date applies it at once
    (here the Head of Service redrafts the letter that was never sent)."""
    from contactguard.domain.case import RedraftLetter

    restricted_case(stack)
    lose_every_schedule(stack)
    stack.clock.now = AFTER_THE_END
    case = stack.store.get_case("k1")
    assert case is not None
    stack.cases.act("k1", RedraftLetter(letter_id=case.letters[0].letter_id), HEAD, AFTER_THE_END)
    stack.pump_streams()


def missed_review_by_reconcile(stack: EmbeddedStack) -> None:
    """The schedules were lost; the daily reconciliation finds the end date passed."""
    restricted_case(stack)
    lose_every_schedule(stack)
    stack.clock.now = AFTER_THE_END
    stack.invoke("DeadlinesReconcileFunction", {})
    stack.pump_streams()


def reviewed_in_time(stack: EmbeddedStack) -> None:
    """The same year with the review decided before the end date: nothing was missed. Every
    function that could report a missed review runs: streams, schedules and the daily job."""
    restricted_case(stack)
    stack.advance(datetime(2027, 11, 20, tzinfo=LONDON))
    stack.cases.act(
        "k1", DecideReview(outcome=ReviewOutcome.CLOSE, reason="no contact"), HEAD, stack.clock()
    )
    stack.pump_streams()
    stack.advance(A_YEAR_ON)
    stack.invoke("DeadlinesReconcileFunction", {})
    case = stack.store.get_case("k1")
    assert case is not None
    assert case.status is CaseStatus.CLOSED


def _email(stack: EmbeddedStack, sender: str, n: int, verdicts: dict[str, str] | None) -> None:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "contact@example.org", f"Hello {n}"
    mail.set_content("Hello.")
    stack.deliver_email(mail.as_bytes(), sender, f"Hello {n}", verdicts=verdicts)


def quarantine_spike(stack: EmbeddedStack) -> None:
    """21 spoofed emails in an hour (DMARC FAIL): one more than the alarm allows."""
    for n in range(21):
        _email(stack, f"spoof{n}@example.com", n, {"dmarc": "FAIL"})


def ordinary_mail(stack: EmbeddedStack) -> None:
    """A day of ordinary email from unknown senders: delivered to staff, nothing held."""
    for n in range(3):
        _email(stack, f"person{n}@example.net", n, None)


def delivery_fails(stack: EmbeddedStack) -> None:
    """Ingest logs an email, then its stored copy cannot be read when delivery comes for it:
    every attempt fails (and the record is left on the failure queue)."""
    bucket = stack.functions["IngestFunction"]["env"]["CONTACTGUARD_RAW_MAIL_BUCKET"]
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "p@example.net", "contact@example.org", "Hi"
    mail.set_content("Hello.")
    stack.s3.put_object(Bucket=bucket, Key="inbound/gone-1", Body=mail.as_bytes())
    stack.invoke("IngestFunction", ses_receipt_event("gone-1", "p@example.net", "Hi", DECIDED))
    stack.s3.delete_object(Bucket=bucket, Key="inbound/gone-1")
    stack.pump_streams()
    assert [f["function"] for f in stack.log.stream_failures] == ["DeliveryFunction"]


Driver = Callable[[EmbeddedStack], None]


@dataclass(frozen=True)
class Producer:
    """How to make each function emit the metric, and a run of them where it must not."""

    by_function: dict[str, Driver]
    quiet: Driver


PRODUCERS: dict[tuple[str, str], Producer] = {
    ("contactguard", "MissedReviews"): Producer(
        by_function={
            "DeadlineFireFunction": missed_review_by_schedule,
            "DeadlinesStreamFunction": missed_review_by_stream,
            "DeadlinesReconcileFunction": missed_review_by_reconcile,
        },
        quiet=reviewed_in_time,
    ),
    (f"contactguard-{STAGE}", "EmailsQuarantined"): Producer(
        by_function={"IngestFunction": quarantine_spike}, quiet=ordinary_mail
    ),
    (f"contactguard-{STAGE}", "DeliveryFailures"): Producer(
        by_function={"DeliveryFunction": delivery_fails}, quiet=ordinary_mail
    ),
}


def run(driver: Driver) -> dict[str, list[str]]:
    with EmbeddedStack(SimClock(DECIDED)) as stack, function_logs(stack) as logs:
        driver(stack)
        # Powertools Metrics prints its EMF lines to stdout, which Lambda sends to the same
        # log group; the embedded stack keeps them apart (log.metrics), by function.
        for document in stack.log.metrics:
            emf = {k: v for k, v in document.items() if k != "function"}
            logs.lines[document["function"]].append(json.dumps(emf))
    return dict(logs.lines)


# Reading the template's alarms and filters ---------------------------------------------------


@dataclass(frozen=True)
class Filter:
    logical_id: str
    function: str  # the logical id of the function whose log group it reads
    pattern: str
    value: str  # MetricValue: "1" or "$.field"
    dimensions: dict[str, str]

    def count(self, lines: list[str]) -> list[float]:
        """The metric values the filter would publish for these lines."""
        matches = compile_pattern(self.pattern)
        values = []
        for line in filter(matches, lines):
            if self.value.startswith("$."):
                values.append(float(_select(json.loads(line), self.value)))
            else:
                values.append(float(self.value))
        return values


def _function_of(log_group_ref: Any) -> str:
    group = RESOURCES[log_group_ref["Ref"]]["Properties"]["LogGroupName"]
    match = re.fullmatch(r"/aws/lambda/\$\{(\w+)\}", group.get("Fn::Sub", ""))
    assert match, f"log group {log_group_ref} is not a function's log group: {group}"
    return match.group(1)


def filters_for(namespace: str, metric: str) -> list[Filter]:
    found = []
    for logical_id, props in of_type("AWS::Logs::MetricFilter").items():
        for t in props["MetricTransformations"]:
            if (t["MetricNamespace"], t["MetricName"]) == (namespace, metric):
                found.append(
                    Filter(
                        logical_id,
                        _function_of(props["LogGroupName"]),
                        props["FilterPattern"],
                        str(t["MetricValue"]),
                        {d["Key"]: d["Value"] for d in t.get("Dimensions", [])},
                    )
                )
    return found


def alarm_metric(props: dict[str, Any]) -> tuple[str, str]:
    """(namespace, metric), the namespace as deployed (contactguard-${Stage} resolved)."""
    return str(resolve(props["Namespace"], {"Stage": STAGE}, {})), props["MetricName"]


ALARMS = of_type("AWS::CloudWatch::Alarm")
OURS = sorted(name for name, props in ALARMS.items() if alarm_metric(props) not in AWS_METRICS)


def breaches(alarm: dict[str, Any], values: list[float]) -> bool:
    """The alarm's state for one period in which these values were published."""
    statistic = {"Sum": sum, "Maximum": max, "SampleCount": len}[alarm["Statistic"]]
    if not values:
        return alarm.get("TreatMissingData") == "breaching"
    compare = {
        "GreaterThanThreshold": operator.gt,
        "GreaterThanOrEqualToThreshold": operator.ge,
        "LessThanThreshold": operator.lt,
        "LessThanOrEqualToThreshold": operator.le,
    }[alarm["ComparisonOperator"]]
    return bool(compare(statistic(values), float(alarm["Threshold"])))


def test_every_alarm_watches_a_metric_whose_producer_is_known() -> None:
    unknown = [
        f"{name} watches {'/'.join(alarm_metric(props))}"
        for name, props in ALARMS.items()
        if alarm_metric(props) not in AWS_METRICS and alarm_metric(props) not in PRODUCERS
    ]
    assert not unknown, (
        "no test makes the code produce these alarms' metrics: add a driver to PRODUCERS in "
        "tests/integration/test_alarms.py (or, for a metric AWS publishes, list it in "
        "AWS_METRICS):\n  " + "\n  ".join(unknown)
    )
    assert OURS, "the template has no alarm on a metric of ours: the missed-review alarm?"


@pytest.mark.parametrize(
    "alarm_id",
    [
        # Only the missed-review alarm proves a rule of the policy; the others are operations'.
        pytest.param(a, marks=pytest.mark.policy("s6-unreviewed-lapse"))
        if alarm_metric(ALARMS[a])[1] == "MissedReviews"
        else a
        for a in OURS
    ],
)
def test_the_code_emits_what_each_alarm_counts_when_its_condition_occurs(alarm_id: str) -> None:
    alarm = ALARMS[alarm_id]
    namespace, metric = alarm_metric(alarm)
    producer = PRODUCERS.get((namespace, metric))
    assert producer is not None, f"{alarm_id}: no driver for {namespace}/{metric}"
    wanted = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
    filters = filters_for(namespace, metric)
    for f in filters:
        assert f.dimensions == wanted, f"{f.logical_id} publishes other dimensions than {alarm_id}"
        assert f.function in producer.by_function, (
            f"{f.logical_id} counts {namespace}/{metric} in {f.function}'s log group, and no "
            f"driver in PRODUCERS makes {f.function} produce it"
        )
        lines = run(producer.by_function[f.function])
        values = f.count(lines.get(f.function, []))
        assert len(values) == 1, (
            f"{f.logical_id} ({f.pattern}) counted {len(values)} lines of {f.function} for one "
            f"occurrence; its lines were:\n" + "\n".join(lines.get(f.function, []))
        )
        assert breaches(alarm, values), f"{alarm_id} stays quiet on {values}"
    emitted = [] if filters else list(producer.by_function.items())
    for function, driver in emitted:  # no filter: the code publishes the metric itself (EMF)
        lines = run(driver).get(function, [])
        values = [
            v
            for line in lines
            for ns, name, dims, v in emf_metrics(line)
            if (ns, name, dims) == (namespace, metric, wanted)
        ]
        assert values, f"{function} published no {namespace}/{metric} {wanted} for {alarm_id}"
        assert breaches(alarm, values), f"{alarm_id} stays quiet on {values}"
    quiet = run(producer.quiet)
    for f in filters:
        assert f.count(quiet.get(f.function, [])) == [], f"{f.logical_id} counts a quiet year"
    assert not any(
        (ns, name) == (namespace, metric)
        for lines in quiet.values()
        for line in lines
        for ns, name, _, _ in emf_metrics(line)
    ), f"{namespace}/{metric} published in a year without the condition"
    assert not breaches(alarm, [])
