"""The embedded AWS stack: moto in-process, built from infra/template.yaml, with the real
handlers configured from the template's environment variables.

moto stores and answers; it never runs SES receipt rules, never delivers DynamoDB stream
records to functions and never fires schedules. The stack does those three things itself:
`deliver_email` plays the receipt rule (raw message to the bucket, then the RequestResponse
call to ingest), `pump_streams` reads the table's stream and hands each function the records
its event source and FilterCriteria select (batches, partial failures, bounded retries), and
`advance` moves a simulated clock, firing due schedules on the way.

Every AWS call a handler makes while the stack runs it is offered to `call_observers`, named
with the function's logical id (`running_function`), so tests can check each call against
that function's IAM role (contactguard_local.iam): moto itself enforces no IAM.
"""

from __future__ import annotations

import importlib
import io
import json
import mailbox
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack, redirect_stdout
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import raw_mail_key
from contactguard.domain.model import STORED, Contact
from contactguard.service import CaseService
from contactguard.settings import CoreSettings
from contactguard_local.pumps import DueSchedule, SchedulerPump
from contactguard_local.ses import ses_receipt_event
from contactguard_local.template import (
    attributes,
    create_tables,
    load_template,
    parameters,
    resolve,
    resource_names,
)

REGION = "eu-west-2"

# The logical id of the function whose handler the stack is running, if any.
running_function: ContextVar[str | None] = ContextVar("running_function", default=None)


@dataclass(frozen=True)
class AwsCall:
    """One AWS API call a function's handler made, as boto3 was asked for it."""

    stack: EmbeddedStack
    function: str  # logical id in the template
    service: str  # botocore's service name, e.g. "dynamodb"
    operation: str  # e.g. "TransactWriteItems"
    params: Mapping[str, Any]  # the call's parameters (not copied: read them at once)


# Called with every AwsCall of every embedded stack (tests/iam_calls.py checks them).
call_observers: list[Callable[[AwsCall], None]] = []


@dataclass
class SimClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class FakeContext:
    function_name: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-2:123456789012:function:local"
    aws_request_id: str = "local"


@dataclass
class StreamConsumer:
    logical_id: str
    handler: str
    patterns: list[dict[str, Any]]
    batch_size: int
    max_retries: int


@dataclass(frozen=True)
class SentMail:
    """One message our code asked SES to send: the envelope it gave, the bytes it sent."""

    sender: str
    destinations: tuple[str, ...]
    data: bytes

    def recipients(self) -> tuple[str, ...]:
        """Where SES delivers it: the Destinations given, or else the To and Cc headers."""
        if self.destinations:
            return self.destinations
        parsed = message_from_bytes(self.data, policy=default_policy)
        fields = [str(parsed.get(name, "")) for name in ("To", "Cc")]
        return tuple(address for _, address in getaddresses(fields) if address)


def post_to_maildirs(sent: Iterable[SentMail], folder_for: Callable[[str], Path]) -> None:
    """Put each message into a maildir per recipient (`folder_for(address)`, lower case):
    the local stand-in for the mailboxes SES delivers to."""
    for message in sent:
        for address in message.recipients():
            folder = folder_for(address.lower())
            folder.parent.mkdir(parents=True, exist_ok=True)
            mailbox.Maildir(folder).add(message.data)


@dataclass
class StackLog:
    emails: list[dict[str, Any]] = field(default_factory=list)
    fired: list[DueSchedule] = field(default_factory=list)
    stream_batches: int = 0
    stream_failures: list[dict[str, Any]] = field(default_factory=list)
    sent: list[SentMail] = field(default_factory=list)  # every SendRawEmail, in order
    metrics: list[dict[str, Any]] = field(default_factory=list)  # EMF documents emitted


_HANDLER_MODULES = (
    "ingest.handler",
    "delivery.handler",
    "deadlines.handler",
    "letters.handler",
    "signals.handler",
    "exports.handler",
    "api.app",
)
# The composition roots of the functions that read the clock (ingest takes SES's receipt
# time from the event; signals reads no time).
_CLOCKED_WIRINGS = (
    "api.wiring",
    "console.wiring",
    "deadlines.wiring",
    "delivery.wiring",
    "exports.wiring",
    "letters.wiring",
    "retention.wiring",
)
_SETTINGS_MODULES = (
    "ingest.settings",
    "delivery.settings",
    "deadlines.settings",
    "letters.settings",
    "signals.settings",
    "exports.settings",
    "api.settings",
    "console.settings",
    "retention.settings",
)


def _reset_handler_caches() -> None:
    for module in (*_HANDLER_MODULES, *_SETTINGS_MODULES):
        try:
            loaded = importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        for value in list(vars(loaded).values()):
            if callable(value) and hasattr(value, "cache_clear"):
                value.cache_clear()


def _restore_environ(saved: dict[str, str]) -> None:
    os.environ.clear()
    os.environ.update(saved)


def matches(pattern: Any, value: Any) -> bool:
    """EventBridge-style content filtering, the subset Lambda FilterCriteria use here."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and matches(sub, value[key]) for key, sub in pattern.items()
        )
    if isinstance(pattern, list):
        return value in pattern
    return bool(pattern == value)


class EmbeddedStack:
    def __init__(
        self,
        clock: SimClock,
        params: dict[str, Any] | None = None,
        template: dict[str, Any] | None = None,
    ) -> None:
        self.clock = clock
        self.template = template if template is not None else load_template()
        self.params = parameters(self.template, params)
        self.params["AWS::Region"] = REGION
        self.names = resource_names(self.template, self.params)
        self.log = StackLog()
        self._exit = ExitStack()
        self._last_sequence: dict[str, str] = {}  # per shard: the last record read
        self._counter = 0

    # Lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> EmbeddedStack:
        saved_environ = dict(os.environ)
        self._exit.callback(_restore_environ, saved_environ)
        for name, value in {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",  # moto 5.2 and DynamoDB Streams
        }.items():
            os.environ[name] = value
        import boto3
        from moto import mock_aws

        from contactguard_local import moto_transactions

        moto_transactions.install()  # transactions without moto's copy of the whole table
        self._exit.enter_context(mock_aws())
        # A fresh default session, which every client of this stack and its handlers comes
        # from, so that each call a handler makes can be seen (clients copy the session's
        # event hooks when they are made; handlers make theirs after this).
        self._exit.callback(setattr, boto3, "DEFAULT_SESSION", boto3.DEFAULT_SESSION)
        boto3.setup_default_session(region_name=REGION)
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("before-parameter-build", self._observe_call)
        # What SES is asked to send, envelope included (moto keeps the bytes but adds the To
        # and Cc headers to the Destinations we gave, which AWS does not do).
        boto3.DEFAULT_SESSION.events.register(
            "provide-client-params.ses.SendRawEmail", self._capture_sent
        )
        self.boto3 = boto3
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.s3 = boto3.client("s3", region_name=REGION)
        self.ses = boto3.client("ses", region_name=REGION)
        self.scheduler = boto3.client("scheduler", region_name=REGION)
        self.streams = boto3.client("dynamodbstreams", region_name=REGION)
        self._create_resources()
        self._configure_functions()
        return self

    def __exit__(self, *exc: object) -> None:
        self._exit.close()

    def _resources(self, type_: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical_id, resource in self.template["Resources"].items():
            if resource.get("Type") == type_:
                yield logical_id, resource.get("Properties") or {}

    def _create_resources(self) -> None:
        self.tables = create_tables(self.dynamodb, self.template, self.params)
        self.refs = dict(self.names)
        for logical_id, props in self._resources("AWS::S3::Bucket"):
            self.s3.create_bucket(
                Bucket=self.names[logical_id],
                CreateBucketConfiguration={"LocationConstraint": REGION},
            )
            versioning = props.get("VersioningConfiguration") or {}
            if versioning.get("Status") == "Enabled":  # as deployed: erasure deletes versions
                self.s3.put_bucket_versioning(
                    Bucket=self.names[logical_id],
                    VersioningConfiguration={"Status": "Enabled"},
                )
        sns = self.boto3.client("sns", region_name=REGION)
        for logical_id, _ in self._resources("AWS::SNS::Topic"):
            self.refs[logical_id] = sns.create_topic(Name=self.names[logical_id])["TopicArn"]
        sqs = self.boto3.client("sqs", region_name=REGION)
        for logical_id, _ in self._resources("AWS::SQS::Queue"):
            self.refs[logical_id] = sqs.create_queue(QueueName=self.names[logical_id])["QueueUrl"]
        for logical_id, _ in self._resources("AWS::Scheduler::ScheduleGroup"):
            self.scheduler.create_schedule_group(Name=self.names[logical_id])
        for parameter in ("AutoReplySender", "ForwardingSender"):
            if self.params.get(parameter):
                self.ses.verify_email_identity(EmailAddress=str(self.params[parameter]))
        # Fn::GetAtt gives what AWS would (a role's ARN, a queue's ARN), so the ARNs handlers
        # pass on (a schedule's role and dead-letter queue) are the ones their roles name.
        _, self.attributes = attributes(self.template, self.params, self.names)
        self.table = self.tables["CasesTable"]
        stream_arn = self.dynamodb.describe_table(TableName=self.table)["Table"]
        self.stream_arn = stream_arn["LatestStreamArn"]

    def _configure_functions(self) -> None:
        """Every function's environment, from the template, into this process."""
        globals_env = self.template.get("Globals", {}).get("Function", {})
        globals_env = globals_env.get("Environment", {}).get("Variables", {})
        self.functions: dict[str, dict[str, Any]] = {}
        self.consumers: list[StreamConsumer] = []
        for logical_id, props in self._resources("AWS::Serverless::Function"):
            env = {**globals_env, **props.get("Environment", {}).get("Variables", {})}
            resolved = {
                k: str(resolve(v, self.params, self.refs, self.attributes)) for k, v in env.items()
            }
            self.functions[logical_id] = {"handler": props["Handler"], "env": resolved}
            os.environ.update({k: v for k, v in resolved.items() if k != "POWERTOOLS_SERVICE_NAME"})
            for event in (props.get("Events") or {}).values():
                if event.get("Type") != "DynamoDB":
                    continue
                ep = event["Properties"]
                filters = (ep.get("FilterCriteria") or {}).get("Filters") or []
                self.consumers.append(
                    StreamConsumer(
                        logical_id=logical_id,
                        handler=props["Handler"],
                        patterns=[json.loads(f["Pattern"]) for f in filters],
                        batch_size=int(ep.get("BatchSize", 100)),
                        max_retries=int(ep.get("MaximumRetryAttempts", 2)),
                    )
                )
        # Handlers build their services once from settings: start them afresh, on our clock,
        # and leave nothing of this stack cached in them afterwards.
        _reset_handler_caches()
        self._exit.callback(_reset_handler_caches)
        # Each function's composition root takes its clock: serve on ours, then the real one.
        for module in _CLOCKED_WIRINGS:
            try:
                current = importlib.import_module(module).current
            except ModuleNotFoundError:
                continue
            current.use_clock(self.clock)
            self._exit.callback(current.use_clock, None)
        core = CoreSettings()
        self.store = DynamoStore(self.table, client=self.dynamodb, retention=core.retention())
        self.cases = CaseService(cases=self.store, customers=self.store, policy=core.policy())

    def _capture_sent(self, params: dict[str, Any], **_: Any) -> None:
        raw = params.get("RawMessage", {}).get("Data", b"")
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        destinations = tuple(params.get("Destinations") or ())
        self.log.sent.append(SentMail(str(params.get("Source", "")), destinations, data))

    def all_contacts(self) -> list[Contact]:
        """Every contact the table holds, wherever it lives (a customer's, an unmatched
        sender's, quarantined with no address), oldest first: a Scan, for local reports only
        (no handler reads contacts this way)."""
        paginator = self.dynamodb.get_paginator("scan")
        pages = paginator.paginate(
            TableName=self.table,
            FilterExpression="#kind = :contact",
            ExpressionAttributeNames={"#kind": "kind"},
            ExpressionAttributeValues={":contact": {"S": "contact"}},
            ConsistentRead=True,
        )
        contacts = [
            Contact.model_validate_json(item["doc"]["S"], context=STORED)
            for page in pages
            for item in page.get("Items", [])
        ]
        return sorted(contacts, key=lambda c: (c.at, c.contact_id))

    def mail_to(self, address: str) -> list[SentMail]:
        """Every message SES was asked to deliver to `address` (e.g. the staff mailbox)."""
        wanted = address.lower()
        return [m for m in self.log.sent if wanted in (r.lower() for r in m.recipients())]

    @property
    def staff_mailbox(self) -> str:
        return str(self.params["StaffMailbox"])

    # Invoking functions ---------------------------------------------------------------------

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        module_name, function_name = self.functions[logical_id]["handler"].rsplit(".", 1)
        handler: Callable[[dict[str, Any], Any], Any] = getattr(
            importlib.import_module(module_name), function_name
        )
        # Powertools Metrics prints its EMF lines to stdout, as Lambda's log stream wants;
        # here they are kept (log.metrics) for tests and tools, not mixed into their output.
        running = running_function.set(logical_id)
        with redirect_stdout(io.StringIO()) as printed:
            try:
                return handler(event, FakeContext(function_name=logical_id))
            finally:
                running_function.reset(running)
                self._keep_metrics(logical_id, printed.getvalue())

    def _keep_metrics(self, logical_id: str, printed: str) -> None:
        for line in printed.splitlines():
            try:
                document = json.loads(line)
            except ValueError:
                document = None
            if isinstance(document, dict) and "_aws" in document:
                self.log.metrics.append({"function": logical_id, **document})
            elif line:
                print(line)

    def metric_total(self, name: str, service: str | None = None) -> float:
        """The sum of a metric over every EMF document emitted so far (optionally one
        service's), as CloudWatch would sum it."""
        total = 0.0
        for document in self.log.metrics:
            if service is not None and document.get("service") != service:
                continue
            value = document.get(name)
            if value is not None:
                total += sum(value) if isinstance(value, list) else float(value)
        return total

    def _observe_call(
        self, params: Mapping[str, Any], model: Any, context: Any = None, **_: Any
    ) -> None:
        """botocore's before-parameter-build hook: a call about to be made."""
        function = running_function.get()
        if function is None or not call_observers:
            return
        presigning = isinstance(context, Mapping) and context.get("is_presign_request")
        if presigning and model.name == "CreateBucket":
            # botocore signs a presigned POST through CreateBucket's model: no call is made.
            # The upload is authorised when it is posted (locally: contactguard_local.uploads
            # puts it as the signer's PutObject).
            return
        call = AwsCall(self, function, model.service_model.service_name, model.name, params)
        for observer in list(call_observers):
            observer(call)

    def deliver_email(
        self,
        raw: bytes,
        sender: str,
        subject: str,
        *,
        verdicts: dict[str, str] | None = None,
        message_id: str | None = None,
        headers_from_message: bool = False,
    ) -> str:
        """What SES does: store the raw message, call ingest, honour its disposition.

        `sender` is the envelope sender; `verdicts` SES's checks (contactguard_local.ses, with
        `dmarcPolicy`). With `headers_from_message` the event carries the message's own
        headers, as SES reads them (its From may differ from `sender`); without, a From of
        `sender` and `subject` only."""
        self._counter += 1
        message_id = message_id or f"local{self._counter:06d}{int(self.clock().timestamp())}"
        bucket = self.functions["IngestFunction"]["env"]["CONTACTGUARD_RAW_MAIL_BUCKET"]
        prefix = self.functions["IngestFunction"]["env"]["CONTACTGUARD_RAW_MAIL_PREFIX"]
        self.s3.put_object(Bucket=bucket, Key=raw_mail_key(prefix, message_id), Body=raw)
        event = ses_receipt_event(
            message_id,
            sender,
            subject,
            self.clock(),
            verdicts=verdicts,
            message=raw if headers_from_message else None,
        )
        disposition = str(self.invoke("IngestFunction", event)["disposition"])
        self.log.emails.append(
            {"message_id": message_id, "at": self.clock().isoformat(), "disposition": disposition}
        )
        self.pump_streams()
        return disposition

    # What AWS does between functions -------------------------------------------------------

    def _new_records(self) -> list[dict[str, Any]]:
        """Every stream record after the last one read, shard by shard.

        A fresh iterator each time, from the last sequence number read: moto undoes a failed
        transaction (a stale version, a replayed contact) by putting back a copy of the table,
        stream shard included, so an iterator kept from before would read the discarded copy
        and never see another record.
        """
        records: list[dict[str, Any]] = []
        shards = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        for shard in shards["Shards"]:
            shard_id = shard["ShardId"]
            last = self._last_sequence.get(shard_id)
            where: dict[str, str] = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last}
                if last
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self.streams.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, **where
            )["ShardIterator"]
            while True:
                page = self.streams.get_records(ShardIterator=iterator)
                iterator = page["NextShardIterator"]
                if not page["Records"]:
                    break
                records.extend(page["Records"])
                self._last_sequence[shard_id] = page["Records"][-1]["dynamodb"]["SequenceNumber"]
        return records

    def take_stream_records(self) -> list[dict[str, Any]]:
        """The stream records written since the last pump, taken without delivering them
        (benchmarks time a handler on exactly what AWS would have sent it)."""
        return self._new_records()

    def selected(self, consumer: StreamConsumer, records: list[dict[str, Any]]) -> list[Any]:
        """The records a consumer's FilterCriteria let through."""
        return [
            r
            for r in records
            if not consumer.patterns or any(matches(p, r) for p in consumer.patterns)
        ]

    def pump_streams(self) -> int:
        """Deliver new stream records to each consumer until the table is quiet."""
        delivered = 0
        for _ in range(100):
            records = self._new_records()
            if not records:
                return delivered
            for consumer in self.consumers:
                selected = self.selected(consumer, records)
                for start in range(0, len(selected), consumer.batch_size):
                    self._deliver(consumer, selected[start : start + consumer.batch_size])
                    delivered += 1
        raise RuntimeError("the stream never went quiet: a consumer keeps writing")

    def _deliver(self, consumer: StreamConsumer, batch: list[dict[str, Any]]) -> None:
        pending = batch
        for _attempt in range(consumer.max_retries + 1):
            self.log.stream_batches += 1
            try:
                result = self.invoke(consumer.logical_id, {"Records": pending}) or {}
            except Exception:  # noqa: BLE001 - as Lambda: a raising batch is retried whole
                # Powertools raises when every record of a batch failed.
                result = {
                    "batchItemFailures": [
                        {"itemIdentifier": r["dynamodb"]["SequenceNumber"]} for r in pending
                    ]
                }
            failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            if not failed:
                return
            pending = [r for r in pending if r["dynamodb"]["SequenceNumber"] in failed]
        for record in pending:
            self.log.stream_failures.append(
                {"function": consumer.logical_id, "sequence": record["dynamodb"]["SequenceNumber"]}
            )

    def advance(self, until: datetime) -> list[DueSchedule]:
        """Move the clock to `until`, firing every schedule that falls due on the way."""
        fired: list[DueSchedule] = []
        for group_id, _ in self._resources("AWS::Scheduler::ScheduleGroup"):
            pump = SchedulerPump(self.scheduler, self.names[group_id])

            def fire(schedule: DueSchedule) -> None:
                self.clock.now = max(self.clock.now, schedule.fire_at)
                self.invoke(self._function_for(schedule), schedule.payload)
                self.pump_streams()

            fired += pump.run_until(until, fire)
        self.clock.now = max(self.clock.now, until)
        self.log.fired += fired
        return fired

    def expire_items(self) -> int:
        """What DynamoDB's TTL does, which moto does not: delete every item of the table
        whose `expires_at` (epoch seconds, the template's TimeToLiveSpecification) has passed
        by the clock. Returns how many. (AWS deletes some time after, within days; a reader
        never relies on it.)"""
        now = int(self.clock().timestamp())
        paginator = self.dynamodb.get_paginator("scan")
        due = [
            {"pk": item["pk"], "sk": item["sk"]}
            for page in paginator.paginate(
                TableName=self.table,
                FilterExpression="expires_at <= :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ProjectionExpression="pk, sk",
            )
            for item in page.get("Items", [])
        ]
        for key in due:
            self.dynamodb.delete_item(TableName=self.table, Key=key)
        self.pump_streams()
        return len(due)

    def purge(self) -> dict[str, Any]:
        """The daily retention purge, as its schedule would run it now."""
        result: dict[str, Any] = self.invoke("RetentionPurgeFunction", {})
        return result

    def _function_for(self, schedule: DueSchedule) -> str:
        """The function a schedule targets, by the function name at the end of its ARN."""
        name = schedule.target_arn.rsplit(":", 1)[-1]
        for logical_id in self.functions:
            if self.names.get(logical_id) == name:
                return logical_id
        raise LookupError(f"no function in the template is the target {schedule.target_arn}")
