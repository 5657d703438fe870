"""`make bench`: figures beside baselines measured in the same run (never part of `make test`).

Every time is a ratio to a baseline taken side by side, on the same machine, in the same run;
absolute times are printed only to show the scale. Results go to out/bench.json too.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from contactguard.domain.calendar import LONDON
from contactguard.domain.model import (
    Actor,
    Customer,
    Role,
)
from contactguard.domain.restrictions import (
    LettersOnly,
)
from contactguard_local.examples import immediate_restrictions
from contactguard_local.ses import ses_receipt_event
from contactguard_local.stack import EmbeddedStack, SimClock

ROUNDS = 40


def _median_ms(fn: Callable[[], Any], rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _side_by_side(
    a: Callable[[Any], Any], b: Callable[[Any], Any], inputs: list[Any]
) -> tuple[float, float]:
    """Median ms of `a` and of `b`, alternating call by call so both see the same machine."""
    items = iter(inputs)
    return _side_by_side_prepared(a, b, lambda: next(items), lambda _: None, len(inputs))


def _side_by_side_prepared(
    a: Callable[[Any], Any],
    b: Callable[[Any], Any],
    prepare: Callable[[], Any],
    cleanup: Callable[[Any], Any],
    rounds: int,
) -> tuple[float, float]:
    """As _side_by_side, each input prepared just before its call and cleaned up after it
    (neither timed): big inputs are held one at a time."""
    times_a: list[float] = []
    times_b: list[float] = []
    for i in range(rounds):
        item = prepare()
        fn, times = (a, times_a) if i % 2 == 0 else (b, times_b)
        start = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - start) * 1000)
        cleanup(item)
    return statistics.median(times_a), statistics.median(times_b)


def _message(size: int, sender: str, n: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "contact@example.org"
    msg["Subject"] = f"Repairs {n}"
    msg["Message-ID"] = f"<bench{n}@example.org>"
    msg.set_content("\n".join(["The boiler is still broken."] * max(1, min(size, 2048) // 28)))
    if size > 4096:
        msg.add_attachment(
            os.urandom(size), maintype="application", subtype="pdf", filename="photos.pdf"
        )
    return msg.as_bytes()


# The message sizes ingest is timed at (the attachment's size), and the rounds each gets: each
# message is written to S3 just before its turn and replaced by a small one after it (untimed).
# 10 and 30 MB are the whole message's size (base64 makes an attachment 4/3 as large: SES
# takes messages up to 40 MB); "2 MB" is the attachment's, as in the figures before them.
_MB = 1024 * 1024
INGEST_SIZES = {
    "2 KB text": (2048, ROUNDS),
    "2 MB with attachment": (2 * _MB, ROUNDS),
    "10 MB message": (10 * _MB * 3 // 4 - 40_000, 12),
    "30 MB message": (30 * _MB * 3 // 4 - 40_000, 8),
}


class Counter:
    """Counts AWS API calls made through boto3 clients (botocore's before-call event)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def attach(self, client: Any) -> None:
        client.meta.events.register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)


def bench_ingest(stack: EmbeddedStack) -> dict[str, Any]:
    from contactguard.adapters.dynamodb import customer_pk, email_pk
    from contactguard.adapters.messaging import raw_mail_key
    from ingest import handler

    service: Any = handler.build_service()
    counter = Counter()
    for client in (
        service.store.client,
        service.raw_mail.client,
        service.mailer.client,
        service.alerts.client,
    ):
        counter.attach(client)
    bucket = stack.functions["IngestFunction"]["env"]["CONTACTGUARD_RAW_MAIL_BUCKET"]
    prefix = stack.functions["IngestFunction"]["env"]["CONTACTGUARD_RAW_MAIL_PREFIX"]
    store = stack.store
    store.put_customer(Customer(customer_id="c-ok", name="Ok", emails=("ok@example.org",)))
    store.put_customer(Customer(customer_id="c-no", name="No", emails=("no@example.org",)))
    stack.cases.open_case(
        immediate_restrictions("case-no", "c-no", LettersOnly(write_to="PO Box")),
        Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE),
        stack.clock(),
    )
    counter_n = [0]

    def event_for(sender: str, size: int) -> dict[str, Any]:
        counter_n[0] += 1
        message_id = f"bench{counter_n[0]:08d}"
        stack.s3.put_object(
            Bucket=bucket,
            Key=raw_mail_key(prefix, message_id),
            Body=_message(size, sender, counter_n[0]),
        )
        when = stack.clock() + timedelta(minutes=counter_n[0])
        return ses_receipt_event(message_id, sender, "Repairs", when)

    calls: dict[str, int] = {}
    for label, sender in (
        ("accepted", "ok@example.org"),
        ("blocked", "no@example.org"),
        ("unknown sender", "who@example.net"),
    ):
        counter.calls.clear()
        stack.invoke("IngestFunction", event_for(sender, 2048))
        calls[label] = len(counter.calls)

    # The baseline makes the same AWS calls as an accepted email, with no logic at all.
    ddb, s3 = service.store.client, service.raw_mail.client
    table = store.table_name

    def baseline(event: dict[str, Any]) -> None:
        mail = event["Records"][0]["ses"]["mail"]
        s3.get_object(Bucket=bucket, Key=raw_mail_key(prefix, mail["messageId"]))["Body"].read()
        ddb.get_item(
            TableName=table, Key={"pk": {"S": email_pk("ok@example.org")}, "sk": {"S": "EMAIL"}}
        )
        ddb.query(
            TableName=table,
            IndexName="by-customer",
            KeyConditionExpression="gsi1pk = :p",
            ExpressionAttributeValues={":p": {"S": customer_pk("c-ok")}},
        )
        key = f"KEYB#{mail['messageId']}"
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": table, "Item": {"pk": {"S": key}, "sk": {"S": "K"}}}},
                {"Put": {"TableName": table, "Item": {"pk": {"S": f"B{key}"}, "sk": {"S": "C"}}}},
            ]
        )

    times: dict[str, dict[str, float]] = {}
    for label, (size, rounds) in INGEST_SIZES.items():
        template = _message(size, "ok@example.org", 0)

        def prepare(template: bytes = template) -> dict[str, Any]:
            counter_n[0] += 1
            message_id = f"bench{counter_n[0]:08d}"
            body = template.replace(b"<bench0@", f"<{message_id}@".encode(), 1)
            stack.s3.put_object(Bucket=bucket, Key=raw_mail_key(prefix, message_id), Body=body)
            when = stack.clock() + timedelta(minutes=counter_n[0])
            return ses_receipt_event(message_id, "ok@example.org", "Repairs", when)

        def cleanup(
            event: dict[str, Any], small: bytes = _message(2048, "ok@example.org", 0)
        ) -> None:
            # The stored message shrinks to a small one (the delivery function still finds
            # one to forward when the streams are pumped), so big ones are held one at a time.
            message_id = event["Records"][0]["ses"]["mail"]["messageId"]
            stack.s3.put_object(Bucket=bucket, Key=raw_mail_key(prefix, message_id), Body=small)

        handler_ms, baseline_ms = _side_by_side_prepared(
            lambda e: stack.invoke("IngestFunction", e), baseline, prepare, cleanup, rounds * 2
        )
        times[label] = {
            "message_bytes": len(template),
            "handler_ms": handler_ms,
            "baseline_ms": baseline_ms,
            "ratio": handler_ms / baseline_ms,
            "added_ms": handler_ms - baseline_ms,
        }
    small = times["2 KB text"]["handler_ms"]
    for figures in times.values():
        figures["vs_2_kb"] = figures["handler_ms"] / small
    return {"aws_calls_per_email": calls, "handler_time": times, "parser_memory": parser_memory()}


def parser_memory() -> dict[str, Any]:
    """The MIME parser's peak memory (tracemalloc) reading each message ingest is timed on,
    beside the message's size, and how many of its bytes reach the standard library's
    parser: a measurement, never a test."""
    import tracemalloc
    from email.parser import BytesFeedParser
    from unittest import mock

    from contactguard.mail import mime

    fed = [0]

    class Counting(BytesFeedParser):
        def feed(self, data: bytes) -> None:  # type: ignore[override]
            fed[0] += len(data)
            super().feed(data)

    figures: dict[str, Any] = {}
    with mock.patch.object(mime, "BytesFeedParser", Counting):
        for label, (size, _) in INGEST_SIZES.items():
            raw = _message(size, "ok@example.org", 0)
            fed[0] = 0
            tracemalloc.start()
            try:
                mime.parse_message(raw)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            figures[label] = {
                "message_bytes": len(raw),
                "peak_bytes": peak,
                "peak_vs_message": peak / len(raw),
                "bytes_given_to_parser": fed[0],
            }
    return figures


IMPORT_BASELINE = (
    "import boto3, aws_lambda_powertools.logging, aws_lambda_powertools.utilities.batch"
)
HANDLERS = ("ingest.handler", "deadlines.handler", "letters.handler", "api.handler")
IMPORT_ROUNDS = 9
TOP_MODULES = 8
# Third-party packages named apart in the breakdown; everything else is "other".
_OURS = ("contactguard", "ingest", "deadlines", "letters", "api")


def _import_ms(statement: str) -> float:
    code = (
        "import time; t=time.perf_counter(); " + statement + "; print((time.perf_counter()-t)*1000)"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return float(done.stdout)


def _compile_sources() -> None:
    """Bytecode for the functions' own modules, as the installed libraries already have it:
    both sides of the ratio then load .pyc files (without this, which side compiles its
    source depended on what ran last)."""
    import compileall

    from contactguard import __file__ as core

    compileall.compile_dir(Path(core).parents[1], quiet=2)


def _importtime(module: str) -> list[tuple[int, int, int, str]]:
    """One `python -X importtime` of `module` after the baseline's modules: the rows of
    what it adds (self us, cumulative us, depth, module), its own module last."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"{IMPORT_BASELINE}; import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    rows: list[tuple[int, int, int, str]] = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if match:
            rows.append((int(match[1]), int(match[2]), len(match[3]) // 2, match[4]))
    # The function's subtree: after the baseline's last top-level import, up to its own line.
    last = max(i for i, row in enumerate(rows) if row[2] == 0)
    before = max((i for i, row in enumerate(rows[:last]) if row[2] == 0), default=-1)
    return rows[before + 1 : last + 1]


def importtime_breakdown(module: str, top: int = TOP_MODULES, runs: int = 3) -> dict[str, Any]:
    """What `module` adds to the baseline's imports, by `python -X importtime` (the median of
    `runs` runs, module by module): the `top` modules by cumulative time (the function's own
    module aside), and self time summed by top-level package."""
    own: dict[str, list[float]] = {}
    cumulative: dict[str, list[float]] = {}
    for _ in range(runs):
        subtree = _importtime(module)
        for self_us, cum_us, _, name in subtree:
            own.setdefault(name, []).append(self_us / 1000)
            cumulative.setdefault(name, []).append(cum_us / 1000)
    self_ms = {name: statistics.median(v) for name, v in own.items()}
    cum_ms = {name: statistics.median(v) for name, v in cumulative.items()}
    by_package: dict[str, float] = {}
    for name, ms in self_ms.items():
        package = name.split(".")[0]
        by_package[package] = by_package.get(package, 0.0) + ms
    ranked = sorted((n for n in cum_ms if n != module), key=lambda n: -cum_ms[n])[:top]
    return {
        "total_ms": cum_ms[module],
        "modules": len(cum_ms),
        "top_cumulative": [
            {"module": name, "cumulative_ms": cum_ms[name], "self_ms": self_ms[name]}
            for name in ranked
        ],
        "self_ms_by_package": dict(
            sorted(((k, round(v, 1)) for k, v in by_package.items()), key=lambda kv: -kv[1])
        ),
    }


# Models built on first use (pydantic's defer_build) are paid by the first invocation that
# uses them: ingest's first mail builds these, so its cold start is this import and these.
FIRST_MAIL = (
    "import ingest.handler, contactguard.domain.model as m, contactguard.domain.case as c; "
    "m.Contact.model_rebuild(); c.Case.model_rebuild()"
)


def bench_imports() -> dict[str, Any]:
    """Each handler's cold import beside the baseline's, alternating run by run (a process
    each), then each one's importtime breakdown."""
    _compile_sources()
    statements = {m: f"import {m}" for m in HANDLERS} | {"ingest, first mail": FIRST_MAIL}
    samples: dict[str, list[float]] = {"baseline": [], **{m: [] for m in statements}}
    for _ in range(IMPORT_ROUNDS):
        samples["baseline"].append(_import_ms(IMPORT_BASELINE))
        for name, statement in statements.items():
            samples[name].append(_import_ms(statement))
    baseline = statistics.median(samples["baseline"])
    figures: dict[str, Any] = {"baseline_ms (boto3 + Powertools)": baseline}
    for module in HANDLERS:
        ms = statistics.median(samples[module])
        figures[module] = {
            "ms": ms,
            "ratio": ms / baseline,
            "importtime": importtime_breakdown(module),
        }
    first = statistics.median(samples["ingest, first mail"])
    figures["ingest.handler + the models its first mail builds"] = {
        "ms": first,
        "ratio": first / baseline,
    }
    return figures


def bench_stream(stack: EmbeddedStack, cases: int = 50) -> dict[str, Any]:
    """Case events per second through each stream consumer, on the records the table's
    stream really holds (each consumer gets what its FilterCriteria pass, in its batch size)."""
    from contactguard.domain.case import CloseConcern, RaiseConcern
    from contactguard.domain.model import Behaviour

    manager = Actor(actor_id="sm", role=Role.SERVICE_MANAGER)
    stack.pump_streams()  # start from a quiet stream
    for n in range(cases):
        stack.store.put_customer(Customer(customer_id=f"s{n}", name="S"))
        stack.cases.open_case(
            RaiseConcern(
                case_id=f"sc{n}", customer_id=f"s{n}", behaviours=(Behaviour.SCATTERGUN,), note="n"
            ),
            manager,
            stack.clock(),
        )
        # Closed a little later, as in life (the closing commit alone sets the retention).
        closed_at = stack.clock() + timedelta(minutes=1)
        stack.cases.act(f"sc{n}", CloseConcern(reason="ok"), manager, closed_at)
    records = stack.take_stream_records()
    figures: dict[str, Any] = {}
    for consumer in stack.consumers:
        if consumer.logical_id not in ("LettersFunction", "DeadlinesStreamFunction"):
            continue
        selected = stack.selected(consumer, records)
        start = time.perf_counter()
        for i in range(0, len(selected), consumer.batch_size):
            reply = stack.invoke(
                consumer.logical_id, {"Records": selected[i : i + consumer.batch_size]}
            )
            if reply and reply.get("batchItemFailures"):
                raise RuntimeError(f"{consumer.logical_id} failed records in the benchmark")
        seconds = time.perf_counter() - start
        figures[consumer.logical_id] = {
            "events": len(selected),
            "events_per_second": len(selected) / seconds,
        }
    stack.pump_streams()  # deliver what the handlers wrote (drafted letters, deadlines)
    return figures


def _bulk_contacts(stack: EmbeddedStack, customer_id: str, count: int, start: datetime) -> None:
    """Write contacts straight to the table, 25 at a time (the layout DynamoStore uses)."""
    from contactguard.adapters.dynamodb import DynamoStore, contact_sk, customer_pk
    from contactguard.domain.model import Channel, Contact

    items: list[Any] = []
    for n in range(count):
        contact = Contact(
            contact_id=f"{customer_id}-{n}",
            customer_id=customer_id,
            channel=list(Channel)[n % 5],
            at=start + timedelta(minutes=n * 50),
            summary="bench",
        )
        item = DynamoStore._contact_item(
            contact, customer_pk(customer_id), contact_sk(contact), expires_at=None
        )
        items.append({"PutRequest": {"Item": item}})
    for i in range(0, len(items), 25):
        stack.dynamodb.batch_write_item(RequestItems={stack.table: items[i : i + 25]})


def bench_review_pack(stack: EmbeddedStack) -> dict[str, Any]:
    """A year of one customer's contacts: one paginated Query, unaffected by other customers."""
    from contactguard.adapters.dynamodb import DynamoStore

    year_start = datetime(2026, 1, 1, tzinfo=LONDON)
    year_end = datetime(2027, 1, 1, tzinfo=LONDON)
    _bulk_contacts(stack, "busy", 10_000, year_start)
    figures: dict[str, Any] = {}
    others_total = 0
    for others in (1_000, 100_000):
        _bulk_contacts(stack, f"others-{others}", others - others_total, year_start)
        others_total = others
        store = DynamoStore(stack.table, client=stack.dynamodb)
        start = time.perf_counter()
        found = sum(1 for _ in store.contacts("busy", year_start, year_end))
        ms = (time.perf_counter() - start) * 1000
        figures[f"with {others} other contacts"] = {
            "contacts": found,
            "requests": store.requests,
            "ms": ms,
        }
    return figures


def bench_smtp(stack: EmbeddedStack, count: int = 100) -> dict[str, Any]:
    import smtplib
    import tempfile
    from pathlib import Path

    from contactguard_local.smtp import SmtpGateway

    with tempfile.TemporaryDirectory() as folder, SmtpGateway(stack, Path(folder) / "md") as gw:
        host, port = gw.address
        start = time.perf_counter()
        with smtplib.SMTP(host, port, timeout=30) as client:
            for n in range(count):
                client.sendmail(
                    "who@example.net",
                    ["contact@example.org"],
                    _message(2048, "who@example.net", 900_000 + n).replace(b"\n", b"\r\n"),
                )
        seconds = time.perf_counter() - start
    return {"emails": count, "emails_per_second": count / seconds}


def bench_packages() -> dict[str, float]:
    """Each function's built package size in MB (empty until `make build` has run)."""
    from contactguard_local.packages import built_packages

    return {p.logical_id: round(p.megabytes, 1) for p in built_packages()}


def bench_letters(stack: EmbeddedStack, rounds: int = 15) -> dict[str, Any]:
    """ms per letter through the letters function's render (context, checks, read-back)
    against bare docxtpl filling the same template with the same context."""
    from io import BytesIO

    from docxtpl import DocxTemplate
    from jinja2 import Environment

    from contactguard.domain.case import RaiseConcern
    from contactguard.domain.model import Behaviour, PostalAddress
    from letters.content import LetterInputs, draft_letter, prepare
    from letters.docx_render import PACKAGED, TEMPLATES_DIR, BlockLoader

    address = PostalAddress(lines=("1 Example Street", "Derby"), postcode="DE1 1AA")
    stack.store.put_customer(Customer(customer_id="lt", name="A. Tenant", address=address))
    manager = Actor(actor_id="sm", role=Role.SERVICE_MANAGER)
    outcome = stack.cases.open_case(
        RaiseConcern(
            case_id="lt-1",
            customer_id="lt",
            behaviours=(Behaviour.SCATTERGUN,),
            note="the same issue by phone, email and letter",
        ),
        manager,
        stack.clock(),
    )
    head = Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE)
    imposed = stack.cases.open_case(
        immediate_restrictions("lt-2", "lt", LettersOnly(write_to="PO Box 1")), head, stack.clock()
    )
    customer = stack.store.get_customer("lt")
    assert customer is not None
    figures: dict[str, Any] = {}
    for source in (outcome, imposed):
        event = next(e for e in source.events if e.letter)
        inputs = LetterInputs(
            case=source.case, customer=customer, event=event, policy=stack.cases.policy
        )
        prepared = prepare(inputs)
        template = TEMPLATES_DIR / prepared.template_name

        def bare(_: Any, template: Any = template, context: Any = prepared.context) -> None:
            # docxtpl alone, its jinja given the shared blocks the template includes
            document = DocxTemplate(template)
            nsmap = document.get_docx().element.nsmap
            env = Environment(loader=BlockLoader(PACKAGED, nsmap, []))
            document.render(context, jinja_env=env)
            document.save(BytesIO())

        def ours(_: Any, inputs: LetterInputs = inputs) -> None:
            draft_letter(inputs)

        ours_ms, bare_ms = _side_by_side(ours, bare, list(range(rounds * 2)))
        assert event.letter is not None
        figures[event.letter.kind.value] = {
            "ms": ours_ms,
            "bare_docxtpl_ms": bare_ms,
            "ratio": ours_ms / bare_ms,
            "breakdown_ms": letter_breakdown(inputs, rounds),
        }
    return figures


# Where a letter's time goes: (part, the functions whose cumulative time is that part).
LETTER_PARTS = (
    ("context and required content (letters.content.prepare)", ("content.py", "prepare")),
    ("docxtpl: open the template (python-docx)", ("template.py", "init_docx")),
    ("docxtpl: fill the body, footer and properties (jinja)", ("template.py", "render")),
    ("check the filled text (docx_render._filled_text)", ("docx_render.py", "_filled_text")),
    ("docxtpl: save the DOCX (zip)", ("template.py", "save")),
)


def letter_breakdown(inputs: Any, rounds: int) -> dict[str, float]:
    """ms per letter in each part of drafting one (cProfile's cumulative time, so a part
    includes what it calls), and the whole; profiling slows every part alike, so compare
    parts, not the whole, with the ratio."""
    import cProfile
    import pstats

    from letters.content import draft_letter

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(rounds):
        draft_letter(inputs)
    profile.disable()
    stats: dict[Any, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    parts: dict[str, float] = {}
    for part, (file_name, function) in LETTER_PARTS:
        parts[part] = (
            sum(
                row[3]
                for (path, _, name), row in stats.items()
                if name == function and path.endswith(file_name)
            )
            * 1000
            / rounds
        )
    parts["the whole letter (profiled)"] = (
        sum(
            row[3]
            for (path, _, name), row in stats.items()
            if name == "draft_letter" and path.endswith("content.py")
        )
        * 1000
        / rounds
    )
    return parts


def _letter_why(v: dict[str, Any]) -> str:
    """Why a letter takes longer than docxtpl alone: the parts only ours has."""
    parts = v.get("breakdown_ms", {})
    whole = parts.get("the whole letter (profiled)") or 1.0
    ours = {p: ms for p, ms in parts.items() if p.startswith(("context", "check")) and ms}
    said = ", ".join(f"{p.split(' (')[0]} {100 * ms / whole:.0f}%" for p, ms in ours.items())
    return (
        f"docxtpl's own work is the rest; what it does not do: {said} of the letter "
        "(the context is built and the filled text checked for every letter)"
    )


# What each figure should be, and why a figure misses when it does (README, "Performance").
IMPORT_TARGETS = {
    "ingest.handler": 1.2,
    "deadlines.handler": 1.5,
    "letters.handler": 1.5,
    "api.handler": 1.5,
}
IMPORT_WHY = {
    "ingest.handler": "pydantic is on ingest's path (the SES event, the contact and the case "
    "are pydantic models) and so is pydantic-settings (its settings)",
    "deadlines.handler": "it decides: the case lifecycle and its commands' models are on its path",
    "letters.handler": "python-docx, docxtpl and lxml load with letters.docx_render: every "
    "letter needs them, so loading them later would move the time to the first letter",
    "api.handler": "Powertools' validating resolver, every route and its models, and the "
    "lifecycle its commands are decided by",
}
INGEST_TARGET = 1.3
LETTERS_TARGET = 1.2
_PYDANTIC = ("pydantic", "pydantic_core", "annotated_types", "typing_inspection")
_SETTINGS = ("pydantic_settings", "dotenv")


def _verdict(figure: str, measured: float, target: float, unit: str, why: str) -> dict[str, Any]:
    met = measured <= target
    return {
        "figure": figure,
        "measured": round(measured, 3),
        "target": target,
        "unit": unit,
        "met": met,
        "misses_by": None if met else round(measured - target, 3),
        "why": None if met else why,
    }


def _import_why(module: str, v: dict[str, Any], baseline: float) -> str:
    packages = v["importtime"]["self_ms_by_package"]
    ours = sum(ms for name, ms in packages.items() if name in _OURS)
    pyd = sum(packages.get(name, 0.0) for name in _PYDANTIC)
    settings = sum(packages.get(name, 0.0) for name in _SETTINGS)
    allowed = (IMPORT_TARGETS[module] - 1) * baseline
    largest = ", ".join(
        f"{m['module']} {m['cumulative_ms']:.0f}" for m in v["importtime"]["top_cumulative"][:3]
    )
    total = v["importtime"]["total_ms"]
    return (
        f"{IMPORT_WHY[module]}; it adds {v['ms'] - baseline:.0f} ms where the target allows "
        f"{allowed:.0f}; of its {total:.0f} ms under importtime, our modules take "
        f"{ours / total:.0%}, pydantic {pyd / total:.0%}, pydantic-settings "
        f"{settings / total:.0%}; the largest subtrees (ms): {largest}"
    )


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each figure against its target: met, or by how much it misses and why."""
    verdicts = []
    calls = results["ingest"]["aws_calls_per_email"]["accepted"]
    verdicts.append(
        _verdict("AWS calls, accepted email", calls, 4, "calls", "a call more than the path")
    )
    times = results["ingest"]["handler_time"]
    for label, t in times.items():
        verdicts.append(
            _verdict(
                f"ingest time, {label}, vs a no-logic baseline making the same calls",
                t["ratio"],
                INGEST_TARGET,
                "x",
                f"ingest adds {t['added_ms']:.1f} ms to the baseline's {t['baseline_ms']:.1f} ms "
                f"(the 2 KB message's handler time x{t['vs_2_kb']:.2f})",
            )
        )
    imports = results["imports"]
    baseline = imports["baseline_ms (boto3 + Powertools)"]
    for module, target in IMPORT_TARGETS.items():
        if module in imports:
            v = imports[module]
            why = _import_why(module, v, baseline)
            verdicts.append(
                _verdict(
                    f"cold import, {module}, vs boto3 + Powertools", v["ratio"], target, "x", why
                )
            )
    for kind, v in results["letters"].items():
        verdicts.append(
            _verdict(
                f"ms per letter ({kind}) vs bare docxtpl",
                v["ratio"],
                LETTERS_TARGET,
                "x",
                _letter_why(v),
            )
        )
    pack = [v["requests"] for v in results["review_pack"].values()]
    verdicts.append(
        _verdict(
            "review pack requests, 100 times the other customers' contacts vs 1 x",
            max(pack) / min(pack),
            1.0,
            "x",
            "requests grew with other customers' data",
        )
    )
    return verdicts


def print_targets(verdicts: list[dict[str, Any]]) -> None:
    print("targets")
    for v in verdicts:
        measured = f"{v['measured']:.2f}{v['unit']}" if v["unit"] == "x" else str(v["measured"])
        line = f"  {'met   ' if v['met'] else 'MISSED'} {v['figure']}: {measured} (target "
        line += f"{v['target']}{v['unit'] if v['unit'] == 'x' else ' ' + v['unit']})"
        if not v["met"]:
            line += f", misses by {v['misses_by']:.2f}{v['unit'] if v['unit'] == 'x' else ''}"
            line += f"\n           why: {v['why']}"
        print(line)


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """Numbers and met/missed of a bench.json, by dotted path (lists of modules left out)."""
    found: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(_flat(item, f"{prefix}{key}."))
    elif isinstance(value, bool | int | float) and prefix:
        found[prefix[:-1]] = value
    return found


def compare(a_path: str, b_path: str) -> int:
    """`make bench-compare A=... B=...`: two runs' figures side by side, B against A."""
    a, b = (json.loads(Path(p).read_text(encoding="utf-8")) for p in (a_path, b_path))
    print(f"A: {a_path} (Python {a.get('python')}, {a.get('cpus')} CPUs)")
    print(f"B: {b_path} (Python {b.get('python')}, {b.get('cpus')} CPUs)\n")
    left = {k: v for k, v in _flat(a).items() if k != "cpus"}
    right = {k: v for k, v in _flat(b).items() if k != "cpus"}
    width = max(len(k) for k in {*left, *right})
    print(f"{'figure':{width}}  {'A':>10}  {'B':>10}  B/A")
    for key in sorted({*left, *right}, key=lambda k: (k not in left, k)):
        x, y = left.get(key), right.get(key)
        ratio = (
            f"{y / x:.2f}"
            if isinstance(x, int | float) and isinstance(y, int | float) and x
            else ""
        )
        shown = [
            f"{v:.2f}" if isinstance(v, float) else ("-" if v is None else str(v)) for v in (x, y)
        ]
        print(f"{key:{width}}  {shown[0]:>10}  {shown[1]:>10}  {ratio}")
    met = {v["figure"]: v["met"] for v in a.get("targets", [])}
    if b.get("targets"):
        print("\ntargets (A -> B)")
        for v in b["targets"]:
            before = met.get(v["figure"])
            was = "-" if before is None else ("met" if before else "missed")
            print(f"  {was:>6} -> {'met' if v['met'] else 'missed':6} {v['figure']}")
    return 0


def main() -> int:
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "machine": os.uname().machine,
        "cpus": os.cpu_count(),
    }
    print("contactguard benchmarks (moto in-process; ratios are what to read)\n", flush=True)
    with EmbeddedStack(SimClock(datetime(2026, 12, 1, 9, tzinfo=LONDON))) as stack:
        results["ingest"] = bench_ingest(stack)
        results["stream"] = bench_stream(stack)
        results["smtp"] = bench_smtp(stack)
        results["letters"] = bench_letters(stack)
        results["review_pack"] = bench_review_pack(stack)
    results["imports"] = bench_imports()

    ing = results["ingest"]
    print("ingest: AWS API calls per email")
    for label, n in ing["aws_calls_per_email"].items():
        print(f"  {label:18} {n}")
    print("ingest: handler time per email vs a no-logic baseline making the same calls")
    for label, t in ing["handler_time"].items():
        print(
            f"  {label:22} {t['handler_ms']:7.2f} ms vs {t['baseline_ms']:7.2f} ms"
            f"  ratio {t['ratio']:.2f}x  (+{t['added_ms']:.1f} ms;"
            f" x{t['vs_2_kb']:.2f} the 2 KB one)"
        )
    print("ingest: the MIME parser's peak memory and what reaches the standard library's parser")
    for label, m in ing["parser_memory"].items():
        print(
            f"  {label:22} peak {m['peak_bytes'] / 1e6:6.2f} MB = {m['peak_vs_message']:.2f} x "
            f"the {m['message_bytes'] / 1e6:.1f} MB message; {m['bytes_given_to_parser']} bytes "
            "parsed"
        )
    print("cold import vs boto3 + Powertools alone (bytecode compiled on both sides)")
    imports = results["imports"]
    base = imports["baseline_ms (boto3 + Powertools)"]
    print(f"  baseline               {base:7.1f} ms")
    for module, v in imports.items():
        if isinstance(v, dict):
            print(f"  {module:22} {v['ms']:7.1f} ms  ratio {v['ratio']:.2f}x")
            breakdown = v.get("importtime")
            if breakdown is None:
                continue
            print(f"    {breakdown['modules']} modules more than the baseline")
            packages = list(breakdown["self_ms_by_package"].items())[:6]
            print("    self ms by package: " + ", ".join(f"{k} {ms:.0f}" for k, ms in packages))
            print("    top modules by cumulative ms (self):")
            for m in breakdown["top_cumulative"]:
                print(f"      {m['cumulative_ms']:6.1f} ({m['self_ms']:5.1f})  {m['module']}")
    print("stream: case events per second through each consumer (moto, real stream records)")
    for logical_id, v in results["stream"].items():
        print(f"  {logical_id:24} {v['events_per_second']:7.0f}/s  ({v['events']} events)")
    print(
        f"SMTP gateway: {results['smtp']['emails_per_second']:.1f} emails/s "
        f"({results['smtp']['emails']} emails, the whole path: S3, ingest, DynamoDB, streams)"
    )
    print("letters: ms per letter vs bare docxtpl filling the same template")
    for kind, v in results["letters"].items():
        print(
            f"  {kind:22} {v['ms']:7.1f} ms vs {v['bare_docxtpl_ms']:7.1f} ms"
            f"  ratio {v['ratio']:.2f}x"
        )
    print("letters: where one letter's time goes (ms, cProfile cumulative: a part includes")
    print("what it calls; profiling slows each part alike)")
    for kind, v in results["letters"].items():
        for part, ms in v.get("breakdown_ms", {}).items():
            print(f"  {kind:22} {ms:7.1f}  {part}")
    print("review pack: one customer's 10,000 contacts in a year")
    for label, v in results["review_pack"].items():
        print(
            f"  {label:28} {v['contacts']} contacts, {v['requests']} requests (1 MB pages), "
            f"{v['ms']:.0f} ms"
        )
    results["packages"] = bench_packages()
    print("built package per function (unzipped; `make build` first)")
    if not results["packages"]:
        print("  nothing built: run `make build`, then `make bench` again")
    for logical_id, megabytes in results["packages"].items():
        print(f"  {logical_id:28} {megabytes:6.1f} MB")
    results["targets"] = targets(results)
    print()
    print_targets(results["targets"])
    out = Path("out")
    out.mkdir(exist_ok=True)
    latest = out / "bench.json"
    if latest.exists():  # the run before, for `make bench-compare`
        latest.replace(out / "bench.previous.json")
    latest.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print("\nfigures written to out/bench.json (the run before: out/bench.previous.json)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--compare"] and len(sys.argv) == 4:
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    sys.exit(main())
