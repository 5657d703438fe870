"""`make bench`: figures beside baselines measured in the same run (never part of `make test`).

Every time is a ratio to a baseline taken side by side, on the same machine, in the same run;
absolute times are printed only to show the scale. Results go to out/bench.json too.
"""

from __future__ import annotations

import json
import os
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
    times_a: list[float] = []
    times_b: list[float] = []
    for i, item in enumerate(inputs):
        fn, times = (a, times_a) if i % 2 == 0 else (b, times_b)
        start = time.perf_counter()
        fn(item)
        times.append((time.perf_counter() - start) * 1000)
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
    for label, size in (("2 KB text", 2048), ("2 MB with attachment", 2 * 1024 * 1024)):
        events = [event_for("ok@example.org", size) for _ in range(ROUNDS * 2)]
        handler_ms, baseline_ms = _side_by_side(
            lambda e: stack.invoke("IngestFunction", e), baseline, events
        )
        times[label] = {
            "handler_ms": handler_ms,
            "baseline_ms": baseline_ms,
            "ratio": handler_ms / baseline_ms,
        }
    return {"aws_calls_per_email": calls, "handler_time": times}


def _import_ms(statement: str, rounds: int = 7) -> float:
    code = (
        "import time; t=time.perf_counter(); " + statement + "; print((time.perf_counter()-t)*1000)"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    samples = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
            ).stdout
        )
        for _ in range(rounds)
    ]
    return statistics.median(samples)


def bench_imports() -> dict[str, Any]:
    baseline = _import_ms(
        "import boto3, aws_lambda_powertools.logging, aws_lambda_powertools.utilities.batch"
    )
    figures: dict[str, Any] = {"baseline_ms (boto3 + Powertools)": baseline}
    for module in ("ingest.handler", "deadlines.handler", "letters.handler", "api.handler"):
        try:
            ms = _import_ms(f"import {module}")
        except subprocess.CalledProcessError:
            continue
        figures[module] = {"ms": ms, "ratio": ms / baseline}
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
        item = DynamoStore._contact_item(contact, customer_pk(customer_id), contact_sk(contact))
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
        }
    return figures


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
            f"  ratio {t['ratio']:.2f}x"
        )
    print("cold import vs boto3 + Powertools alone")
    imports = results["imports"]
    base = imports["baseline_ms (boto3 + Powertools)"]
    print(f"  baseline               {base:7.1f} ms")
    for module, v in imports.items():
        if isinstance(v, dict):
            print(f"  {module:22} {v['ms']:7.1f} ms  ratio {v['ratio']:.2f}x")
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
    out = Path("out")
    out.mkdir(exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print("\nfigures written to out/bench.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
