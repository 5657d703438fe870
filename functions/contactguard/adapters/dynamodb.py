"""The DynamoDB adapter: one table for customers, email claims, contacts, cases and events.

`DynamoStore` implements the CaseStore, CustomerStore, CustomerFinder, ContactStore and
WorkList ports on the
single table `CasesTable` of infra/template.yaml (keys pk/sk, GSI `by-customer` on
gsi1pk/gsi1sk, sparse GSI `open-cases` on gsi2pk/gsi2sk, sparse GSI `find-customer` on
gsi3pk/gsi3sk, TTL on `expires_at`, stream
NEW_AND_OLD_IMAGES). Every hot-path read is a GetItem or a
Query, never a Scan. docs/access-patterns.md repeats this layout with the access patterns.

| item                      | pk                      | sk                                | gsi1pk                 | gsi1sk                             |
|---------------------------|-------------------------|-----------------------------------|------------------------|------------------------------------|
| customer profile          | CUSTOMER#{customer_id}  | PROFILE                           |                        |                                    |
| customer search entry     | CUSTOMER#{customer_id}  | FIND#POSTCODE, FIND#NAME#{word}   |                        |                                    |
| email address claim       | EMAIL#{normalised}      | EMAIL                             |                        |                                    |
| case state                | CASE#{case_id}          | STATE                             | CUSTOMER#{customer_id} | CASE#{opened_at UTC iso}#{case_id} |
| case event                | CASE#{case_id}          | EVENT#{seq:06d}                   |                        |                                    |
| contact                   | CUSTOMER#{customer_id}  | CONTACT#{at UTC iso}#{contact_id} |                        |                                    |
| unmatched contact         | UNMATCHED#{address}     | CONTACT#{at UTC iso}#{contact_id} |                        |                                    |
| quarantined, no address   | QUARANTINE              | CONTACT#{at UTC iso}#{contact_id} |                        |                                    |
| contact key (idempotency) | CONTACTKEY#{contact_id} | KEY                               |                        |                                    |
| audit record              | AUDIT#CUSTOMER#{id}, or AUDIT#NONE | AUDIT#{at UTC iso}#{audit_id} | AUDITBY#{actor_id} | AUDIT#{at UTC iso}#{audit_id}      |
| signal for judgement      | CUSTOMER#{customer_id}  | SIGNAL#{contact_id}#{signal}      |                        |                                    |
| read queue entry          | READQUEUE               | CONTACT#{at UTC iso}#{contact_id} |                        |                                    |
| delivery ledger           | DELIVERY#{message_id}   | DELIVERY                          |                        |                                    |
| auto-reply ledger         | AUTOREPLY#{customer_id} | LEDGER                            |                        |                                    |
| erasure receipt           | ERASURE                 | RECEIPT#{at UTC iso}#{receipt_id} |                        |                                    |
| subject access export job | EXPORT#{job_id}         | JOB                               |                        |                                    |

On the sparse `open-cases` index only: a case state item also has gsi2pk = OPEN and gsi2sk =
{attention_on iso date}#{case_id} while the case is open and something on it needs a person
(contactguard.domain.worklist.attention_on); the commit that closes it, or leaves it waiting on
nobody, writes the item without them and so takes it off the index. A signal for judgement
waiting to be considered has gsi2pk = SIGNAL and gsi2sk = {at UTC iso}#{customer_id}#
{contact_id}#{signal}; considering it removes them.

On the sparse `find-customer` index only: a customer's search entries (kind `find`, no `doc`),
gsi3pk = FIND#POSTCODE#{postcode} (normalised, contactguard.domain.search) or FIND#NAME#{word}
(one entry per word of the name), gsi3sk = {name_key}#{customer_id}, so the customers found
come in name order. put_customer writes them in the profile's transaction and deletes those the
new name or address no longer has; `index_customers` writes them for customers held before.

Every item has `kind` (customer, email, find, case, event, contact, contact-key, audit, signal,
read-queue, delivery, auto-reply-ledger, erasure-receipt)
and, except the email claim, the search entries and the contact key, `doc`: the pydantic model
as JSON, the one source of truth
when reading back. Plain attributes beside it are for stream consumers and conditions:

- customer profile: customer_id; expires_at (N, none while a case of theirs is under way),
  cases_held (what their cases said when their contacts were last stamped).
- email claim: customer_id; expires_at (N, the profile's).
- search entry: customer_id; gsi3pk, gsi3sk; expires_at (N, the profile's).
- case state: case_id, customer_id, status, version (N), expires_at (N, once ended);
  gsi2pk, gsi2sk (open and needing a person).
- case event: case_id, customer_id, seq (N), event_type, at, expires_at (N, once ended).
- contact: contact_id, customer_id (when matched), at, channel, direction, disposition,
  expires_at (N, none while a case of the customer's is under way).
- contact key: contact_id, contact_pk, contact_sk (where the contact lives now), expires_at
  (N, the contact's: the raw-mail purge reads it).
- audit record: actor_id, operation, customer_id; expires_at (N).
- signal: customer_id, contact_id; expires_at (N).
- export job: job_id, customer_id, status (its insert starts the export function); expires_at
  (N): 35 days after it was started.
- erasure receipt: customer_id (of an erased customer); expires_at (N) as an audit record.

Erasure (`erase_customer`, `erase_sender`) deletes by these keys: a customer's partition
whole, the claims, contact keys, read-queue entries and delivery ledgers of their contacts,
the unmatched contacts from their addresses, the auto-reply ledger, and cases past retention.

Times in keys are UTC ISO 8601 with fixed microseconds (2026-12-01T10:00:00.000000Z), so
string order is time order. Retention: every `expires_at` (epoch seconds, DynamoDB's TTL) comes
from the retention schedule (contactguard.domain.retention, `self.retention`) when the item is
written; `apply_retention` and `restamp_customer` bring a case's and its customer's items up
to date when a case opens, ends or reopens (docs/access-patterns.md, Retention). Nothing here
logs: items hold personal data.
"""  # noqa: E501

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from contactguard.domain.case import Case, CaseEvent, CaseStatus
from contactguard.domain.errors import VersionConflict
from contactguard.domain.model import (
    STORED,
    Contact,
    Customer,
    Direction,
    Disposition,
    EmailRead,
    RaisedSignal,
    SignalConsidered,
    normalise_email,
)
from contactguard.domain.retention import (
    CasesHeld,
    HeldRecord,
    RecordKind,
    RetentionSchedule,
    epoch_seconds,
)
from contactguard.domain.search import (
    listing_key,
    name_matches,
    name_tokens,
    postcode_of,
    search_word,
)
from contactguard.ports import EmailAlreadyClaimed, Erased

__all__ = ["EmailAlreadyClaimed", "DynamoStore"]  # the error is the port's; named here as before

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        AttributeValueTypeDef,
        TransactWriteItemTypeDef,
        UniversalAttributeValueTypeDef,
    )

    from contactguard.domain.audit import AuditRecord
    from contactguard.domain.personal_data import ErasureReceipt
    from contactguard.domain.subject_access import ExportJob

    Item = dict[str, UniversalAttributeValueTypeDef]
    ReadItem = dict[str, AttributeValueTypeDef]


def _attention_on(case: Case) -> date | None:
    """contactguard.domain.worklist.attention_on, imported on the first case written: the
    work list needs the whole case lifecycle (its roles), which ingest, a reader of cases that
    never writes one, does not load at its cold start."""
    from contactguard.domain.worklist import attention_on

    return attention_on(case)


CUSTOMER_INDEX = "by-customer"  # infra/template.yaml, CasesTable GlobalSecondaryIndexes
OPEN_CASES_INDEX = "open-cases"  # sparse: open cases by the day they next need a person
OPEN_CASES_PK = "OPEN"
# Signals for judgement waiting to be considered share the sparse index (gsi2pk = SIGNAL,
# gsi2sk = {at UTC iso}#{customer_id}#{contact_id}#{signal}: oldest first).
SIGNALS_PK = "SIGNAL"
SIGNAL_PREFIX = "SIGNAL#"
FIND_INDEX = "find-customer"  # sparse: customers by postcode and by each word of their name
FIND_PREFIX = "FIND#"
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()
_CONDITION_FAILED = "ConditionalCheckFailed"
_CONDITION_FAILED_CODE = "ConditionalCheckFailedException"
# Another transaction was under way on one of the items (DynamoDB cancels, writes nothing).
_TRANSACTION_CONFLICT = "TransactionConflict"
CONFLICT_ATTEMPTS = 3  # a transaction cancelled only by conflicts is tried this many times
READ_QUEUE_PK = "READQUEUE"  # filed emails awaiting the designated officer's read
ERASURE_PK = "ERASURE"  # erasure receipts: ids and counts only


# Keys and values ---------------------------------------------------------------------------


def utc_key_time(at: datetime) -> str:
    """A sortable, fixed-width UTC time for keys: 2026-12-01T10:00:00.000000Z."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("key times must be timezone-aware")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# The table's keys: each format is defined here, once, and used by every reader and writer
# (the stream records of local runs and the benchmark's bulk loads too). docs/access-patterns.md

CASE_PREFIX = "CASE#"
EVENT_PREFIX = "EVENT#"
CONTACT_PREFIX = "CONTACT#"
AUDIT_PREFIX = "AUDIT#"


def case_pk(case_id: str) -> str:
    return f"{CASE_PREFIX}{case_id}"


def customer_pk(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def email_pk(normalised: str) -> str:
    return f"EMAIL#{normalised}"


def event_sk(seq: int) -> str:
    return f"{EVENT_PREFIX}{seq:06d}"


def open_case_sk(attention: date, case_id: str) -> str:
    """An open case's sort key on the open-cases index: the day it next needs a person."""
    return f"{attention.isoformat()}#{case_id}"


def case_by_customer_sk(opened_at: datetime, case_id: str) -> str:
    """A case's sort key on the by-customer index: oldest first."""
    return f"{CASE_PREFIX}{utc_key_time(opened_at)}#{case_id}"


def contact_sk(contact: Contact) -> str:
    return f"{CONTACT_PREFIX}{utc_key_time(contact.at)}#{contact.contact_id}"


def unmatched_pk(address: str) -> str:
    """Contacts from an address no customer holds (yet), under the normalised address."""
    return f"UNMATCHED#{address}"


def contact_pk(contact: Contact) -> str:
    if contact.customer_id:
        return customer_pk(contact.customer_id)
    if contact.source_address:
        return unmatched_pk(contact.source_address)
    if contact.disposition is Disposition.QUARANTINED:
        return "QUARANTINE"
    raise ValueError("a contact with no customer needs a sender address or to be quarantined")


def contact_key_pk(contact_id: str) -> str:
    """The item that says where a contact is stored (its partition moves on attribution)."""
    return f"CONTACTKEY#{contact_id}"


def delivery_pk(message_id: str) -> str:
    """The delivery ledger's item for one SES message."""
    return f"DELIVERY#{message_id}"


def auto_reply_pk(customer_id: str) -> str:
    """The auto-reply ledger's item for one customer."""
    return f"AUTOREPLY#{customer_id}"


def audit_pk(customer_id: str | None) -> str:
    return "AUDIT#NONE" if customer_id is None else f"AUDIT#CUSTOMER#{customer_id}"


def audit_sk(at: datetime, audit_id: str) -> str:
    return f"{AUDIT_PREFIX}{utc_key_time(at)}#{audit_id}"


def audit_by_pk(actor_id: str) -> str:
    """An audit record's partition on the by-customer index: the member of staff."""
    return f"AUDITBY#{actor_id}"


def find_postcode_pk(postcode: str) -> str:
    """A postcode's partition on the find-customer index (the postcode normalised)."""
    return f"{FIND_PREFIX}POSTCODE#{postcode}"


def find_name_pk(word: str) -> str:
    """A word's partition on the find-customer index (a word of name_tokens)."""
    return f"{FIND_PREFIX}NAME#{word}"


def find_sk(name: str, customer_id: str) -> str:
    """A customer's sort key on the find-customer index: in name order, then by id."""
    return listing_key(name, customer_id)


def find_entries(customer: Customer) -> dict[str, str]:
    """A customer's search entries: each one's sk in the customer's partition -> its gsi3pk."""
    entries = {
        f"{FIND_PREFIX}NAME#{word}": find_name_pk(word) for word in name_tokens(customer.name)
    }
    postcode = postcode_of(customer)
    if postcode is not None:
        entries[f"{FIND_PREFIX}POSTCODE"] = find_postcode_pk(postcode)
    return entries


def _key(pk: str, sk: str) -> Item:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _item(**attributes: Any) -> Item:
    """A low-level item from plain values; None values are left out."""
    return {
        name: _SERIALIZER.serialize(value)
        for name, value in attributes.items()
        if value is not None
    }


def _plain(item: ReadItem) -> dict[str, Any]:
    return {name: _DESERIALIZER.deserialize(value) for name, value in item.items()}


def _string(item: ReadItem, name: str) -> str | None:
    value = item.get(name)
    return value.get("S") if value is not None else None


def _doc(item: ReadItem) -> str:
    doc = _string(item, "doc")
    if doc is None:
        raise ValueError("item has no document")
    return doc


def _held_mark(held: CasesHeld) -> str:
    """What a customer's cases said when their contacts were last stamped (the profile's
    `cases_held`): restamp_customer walks the contacts only when this changes."""
    if held.live:
        return "live"
    return "none" if held.until is None else str(epoch_seconds(held.until))


def _cancellation_codes(error: ClientError) -> list[str] | None:
    """The per-item reason codes of a cancelled transaction; None for any other error."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    return [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]


class DynamoStore:
    """CaseStore, CustomerStore and ContactStore on one DynamoDB table.

    `requests` counts the API calls made (each page of a Query counts); `page_size` sets a
    Limit on every Query (for tests and benchmarks; None lets DynamoDB fill 1 MB pages).
    """

    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient | None = None,
        retention_years: int = 6,
        *,
        retention: RetentionSchedule | None = None,
        page_size: int | None = None,
    ) -> None:
        if retention_years < 1:
            raise ValueError("retention_years must be 1 or more")
        if page_size is not None and page_size < 1:
            raise ValueError("page_size must be 1 or more")
        self.table_name = table_name
        # Every item's `expires_at` comes from this schedule (contactguard.domain.retention).
        self.retention = retention or RetentionSchedule.of(retention_years)
        self.retention_years = self.retention.periods[RecordKind.CASE_RECORDS].count
        self.page_size = page_size
        self.requests = 0
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = boto3.client("dynamodb")
        return self._client

    # Low-level calls, each counted ---------------------------------------------------------

    def _get(self, pk: str, sk: str, *, consistent: bool = False) -> ReadItem | None:
        self.requests += 1
        response = self.client.get_item(
            TableName=self.table_name, Key=_key(pk, sk), ConsistentRead=consistent
        )
        return response.get("Item")

    def _query(self, **kwargs: Any) -> Iterator[ReadItem]:
        """Every item a Query matches, page by page (lazily)."""
        request: dict[str, Any] = {"TableName": self.table_name, **kwargs}
        if self.page_size is not None:
            request["Limit"] = min(self.page_size, request.get("Limit", self.page_size))
        return self._pages(self.client.query, request)

    def _scan(self, **kwargs: Any) -> Iterator[ReadItem]:
        """Every item a Scan matches, page by page (lazily): operations only, never a
        request's hot path."""
        return self._pages(self.client.scan, {"TableName": self.table_name, **kwargs})

    def _pages(self, call: Any, request: dict[str, Any]) -> Iterator[ReadItem]:
        while True:
            self.requests += 1
            page = call(**request)
            yield from page.get("Items", [])
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last

    def _transact(self, items: Sequence[TransactWriteItemTypeDef]) -> None:
        """One TransactWriteItems. A transaction cancelled only because another transaction
        was under way on one of its items (reason TransactionConflict, nothing written) is
        sent again, up to CONFLICT_ATTEMPTS times in all, a little later each time; its
        conditions are judged afresh, so a writer the other transaction made stale fails
        its condition then. Any other cancellation is the caller's to read."""
        if len(items) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} items")
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            self.requests += 1
            try:
                self.client.transact_write_items(TransactItems=list(items))
                return
            except ClientError as error:
                codes = _cancellation_codes(error) or []
                only_conflicts = _TRANSACTION_CONFLICT in codes and all(
                    code in (_TRANSACTION_CONFLICT, "None") for code in codes
                )
                if not only_conflicts or attempt == CONFLICT_ATTEMPTS:
                    raise
                self._pause(0.025 * 2**attempt * (1 + random.random()))

    @staticmethod
    def _pause(seconds: float) -> None:
        time.sleep(seconds)

    # CaseStore -----------------------------------------------------------------------------

    def _case_expiry(self, case: Case, now: datetime) -> int | None:
        return epoch_seconds(self.retention.case_expiry(case, now))

    def _state_item(self, case: Case, expires_at: int | None) -> Item:
        # On the open-cases index while something on the case needs a person (sparse: a
        # closed case, or one waiting on nobody, has no gsi2 attributes and drops out).
        attention = _attention_on(case)
        return _item(
            pk=case_pk(case.case_id),
            sk="STATE",
            kind="case",
            gsi1pk=customer_pk(case.customer_id),
            gsi1sk=case_by_customer_sk(case.opened_at, case.case_id),
            gsi2pk=OPEN_CASES_PK if attention else None,
            gsi2sk=open_case_sk(attention, case.case_id) if attention else None,
            case_id=case.case_id,
            customer_id=case.customer_id,
            status=case.status.value,
            version=case.version,
            expires_at=expires_at,
            doc=case.model_dump_json(),
        )

    @staticmethod
    def _event_item(event: CaseEvent, expires_at: int | None) -> Item:
        return _item(
            pk=case_pk(event.case_id),
            sk=event_sk(event.seq),
            kind="event",
            case_id=event.case_id,
            customer_id=event.customer_id,
            seq=event.seq,
            event_type=event.type.value,
            at=utc_key_time(event.at),
            expires_at=expires_at,
            doc=event.model_dump_json(),
        )

    def get_case(self, case_id: str) -> Case | None:
        item = self._get(case_pk(case_id), "STATE", consistent=True)
        return Case.model_validate_json(_doc(item), context=STORED) if item else None

    def cases_for_customer(self, customer_id: str) -> list[Case]:
        items = self._query(
            IndexName=CUSTOMER_INDEX,
            KeyConditionExpression="gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": customer_pk(customer_id)},
                ":prefix": {"S": CASE_PREFIX},
            },
            ScanIndexForward=False,
        )
        return [Case.model_validate_json(_doc(item), context=STORED) for item in items]

    def cases_needing_attention(self, by: date, limit: int) -> list[Case]:
        """Open cases needing a person on or before `by`, earliest first, at most `limit`:
        one Query on the sparse open-cases index, pages of at most `limit` items, read no
        further than `limit` cases."""
        if limit < 1:
            return []
        items = self._query(
            IndexName=OPEN_CASES_INDEX,
            # "{by + 1 day}" sorts after every "{by}#{case_id}" and before the next day's.
            KeyConditionExpression="gsi2pk = :open AND gsi2sk < :after",
            ExpressionAttributeValues={
                ":open": {"S": OPEN_CASES_PK},
                ":after": {"S": (by + timedelta(days=1)).isoformat()},
            },
            Limit=limit,
        )
        return [
            Case.model_validate_json(_doc(item), context=STORED) for item in islice(items, limit)
        ]

    def commit(
        self, case: Case, events: tuple[CaseEvent, ...], expected_version: int | None
    ) -> None:
        if any(event.case_id != case.case_id for event in events):
            raise ValueError("every event must belong to the committed case")
        # The commit's moment: its events' (an unsent letter's wait is judged then).
        now = max((event.at for event in events), default=case.opened_at)
        expires_at = self._case_expiry(case, now)
        state: TransactWriteItemTypeDef
        if expected_version is None:
            state = {
                "Put": {
                    "TableName": self.table_name,
                    "Item": self._state_item(case, expires_at),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        else:
            state = {
                "Put": {
                    "TableName": self.table_name,
                    "Item": self._state_item(case, expires_at),
                    "ConditionExpression": "version = :expected",
                    "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
                }
            }
        items: list[TransactWriteItemTypeDef] = [state]
        for event in events:
            items.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": self._event_item(event, expires_at),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        try:
            self._transact(items)
        except ClientError as error:
            codes = _cancellation_codes(error) or []
            if _CONDITION_FAILED in codes or _TRANSACTION_CONFLICT in codes:
                # Stale, or still colliding after the retries: either way, re-read and retry.
                raise VersionConflict(case.case_id, expected_version or 0) from error
            raise

    def _event_items(self, case_id: str, **kwargs: Any) -> Iterator[ReadItem]:
        return self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": case_pk(case_id)},
                ":prefix": {"S": EVENT_PREFIX},
            },
            ConsistentRead=True,
            **kwargs,
        )

    def open_case_ids(self) -> list[str]:
        """Ids of every case not yet closed: the daily deadline reconciliation's input.

        The one Scan in the system, off the hot path (once a day), filtered to case state
        items; a sparse index would replace it if the table grows past what a daily Scan
        reads cheaply.
        """
        items = self._scan(
            FilterExpression="kind = :case AND #status <> :closed",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":case": {"S": "case"},
                ":closed": {"S": CaseStatus.CLOSED.value},
            },
            ProjectionExpression="case_id",
        )
        return sorted(x for x in (_string(item, "case_id") for item in items) if x)

    def index_open_cases(self) -> int:
        """Put every open case on the open-cases index as its next commit would (for cases
        committed before the index existed); returns how many were written. Each write is
        guarded by the version read, so a case committed meanwhile is left to that commit,
        and writes only a case not already indexed as it should be. Safe to run again: the
        daily reconciliation runs it (deadlines.handler.reconcile_handler), so a table
        upgraded from before the index is whole by the next morning. Reads as that
        reconciliation does (its one Scan, then each open case)."""
        written = 0
        for case_id in self.open_case_ids():
            case = self.get_case(case_id)
            attention = _attention_on(case) if case is not None else None
            if case is None or attention is None:
                continue
            indexed = self._update_if(
                _key(case_pk(case_id), "STATE"),
                UpdateExpression="SET gsi2pk = :open, gsi2sk = :sk",
                # else a commit since indexed it, or it is indexed already
                ConditionExpression="version = :version AND "
                "(attribute_not_exists(gsi2sk) OR gsi2sk <> :sk)",
                ExpressionAttributeValues={
                    ":open": {"S": OPEN_CASES_PK},
                    ":sk": {"S": open_case_sk(attention, case_id)},
                    ":version": {"N": str(case.version)},
                },
            )
            written += indexed
        return written

    def events(self, case_id: str) -> list[CaseEvent]:
        events = [
            CaseEvent.model_validate_json(_doc(item), context=STORED)
            for item in self._event_items(case_id)
        ]
        return sorted(events, key=lambda event: event.seq)

    def apply_retention(self, case_id: str, now: datetime | None = None) -> int:
        """Bring a case's retention up to date as known at `now` (without it: the case's own
        last moment): `expires_at` on its state and every event, where it differs (a case that
        ended without a commit gains it; one reopened loses it), then its customer's records
        (restamp_customer). Returns how many events changed. A missing case: 0. Safe to run
        again; the deadlines function runs it on every case event and daily."""
        state = self._get(case_pk(case_id), "STATE", consistent=True)
        if state is None:
            return 0
        case = Case.model_validate_json(_doc(state), context=STORED)
        moment = now if now is not None else case.closed_at or case.opened_at
        expires_at = self._case_expiry(case, moment)
        if _plain(state).get("expires_at") != expires_at:
            self._update_if(
                _key(case_pk(case_id), "STATE"),
                UpdateExpression="SET expires_at = :expires"
                if expires_at is not None
                else "REMOVE expires_at",
                ConditionExpression="version = :version",  # a commit since stamped its own
                ExpressionAttributeValues={":version": {"N": str(case.version)}}
                | ({":expires": {"N": str(expires_at)}} if expires_at is not None else {}),
            )
        keys = self._event_items(case_id, ProjectionExpression="pk, sk, expires_at")
        # Read every page before writing.
        stale = [item for item in keys if _plain(item).get("expires_at") != expires_at]
        updated = 0
        for item in stale:
            plain = _plain(item)
            updated += self._set_expiry(str(plain["pk"]), str(plain["sk"]), expires_at)
        self.restamp_customer(case.customer_id, moment, case)
        return updated

    # CustomerStore -------------------------------------------------------------------------

    def get_customer(self, customer_id: str) -> Customer | None:
        item = self._get(customer_pk(customer_id), "PROFILE", consistent=True)
        return Customer.model_validate_json(_doc(item), context=STORED) if item else None

    def put_customer(self, customer: Customer, *, registered_at: datetime | None = None) -> None:
        """Write the profile and claim its addresses in one transaction. A new profile
        `registered_at` a moment expires as if that were its first contact (customer_expiry),
        so a customer registered and never heard from is not kept for ever.

        Raises EmailAlreadyClaimed (and writes nothing) when another customer owns one of the
        addresses. Addresses no longer in the profile lose their claims in the same
        transaction, unless the claim is not this customer's (then it is left alone).
        """
        customer_id = customer.customer_id
        # The model holds each address in its lookup form already (strictly checked input,
        # or an address held from before the strict check, which must still save).
        addresses = list(dict.fromkeys(customer.emails))
        held = self._get(customer_pk(customer_id), "PROFILE", consistent=True)
        previous = Customer.model_validate_json(_doc(held), context=STORED) if held else None
        # The retention the profile has (restamp_customer's), kept by its claims and entries.
        stamps = _plain(held) if held else {}
        expires_at, cases_held = stamps.get("expires_at"), stamps.get("cases_held")
        if held is None and registered_at is not None:
            expires_at = epoch_seconds(self.retention.customer_expiry(registered_at, CasesHeld()))
        removed = [a for a in (previous.emails if previous else ()) if a not in addresses]
        # Its search entries, written with it; those its new name or address lacks, deleted.
        finds = self._find_writes(customer, find_entries(previous) if previous else {}, expires_at)
        mine = {":me": {"S": customer_id}}
        profile: TransactWriteItemTypeDef = {
            "Put": {
                "TableName": self.table_name,
                "Item": _item(
                    pk=customer_pk(customer_id),
                    sk="PROFILE",
                    kind="customer",
                    customer_id=customer_id,
                    cases_held=cases_held,
                    expires_at=expires_at,
                    doc=customer.model_dump_json(),
                ),
            }
        }
        claims: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": _item(
                        pk=email_pk(address),
                        sk="EMAIL",
                        kind="email",
                        customer_id=customer_id,
                        expires_at=expires_at,
                    ),
                    "ConditionExpression": "attribute_not_exists(pk) OR customer_id = :me",
                    "ExpressionAttributeValues": mine,
                }
            }
            for address in addresses
        ]
        releases: list[TransactWriteItemTypeDef] = [
            {
                "Delete": {
                    "TableName": self.table_name,
                    "Key": _key(email_pk(address), "EMAIL"),
                    "ConditionExpression": "attribute_not_exists(pk) OR customer_id = :me",
                    "ExpressionAttributeValues": mine,
                }
            }
            for address in removed
        ]
        while True:
            try:
                self._transact([profile, *claims, *releases, *finds])
                return
            except ClientError as error:
                codes = _cancellation_codes(error)
                if codes is None or len(codes) != 1 + len(claims) + len(releases) + len(finds):
                    raise
                claim_codes = codes[1 : 1 + len(claims)]
                for address, code in zip(addresses, claim_codes, strict=True):
                    if code == _CONDITION_FAILED:
                        raise EmailAlreadyClaimed(address) from None
                release_codes = codes[1 + len(claims) : 1 + len(claims) + len(releases)]
                kept = [
                    release
                    for release, code in zip(releases, release_codes, strict=True)
                    if code != _CONDITION_FAILED
                ]
                if len(kept) == len(releases):  # not a condition of ours: e.g. a conflict
                    raise
                releases = kept  # best effort: leave claims that are not ours

    def customer_id_for_email(self, address: str) -> str | None:
        try:
            normalised = normalise_email(address)
        except ValueError:
            return None
        item = self._get(email_pk(normalised), "EMAIL")
        return _string(item, "customer_id") if item else None

    # CustomerFinder: the sparse find-customer index ----------------------------------------

    def _find_writes(
        self, customer: Customer, held: dict[str, str], expires_at: Any = None
    ) -> list[TransactWriteItemTypeDef]:
        """Put the customer's search entries (each, so a new name re-sorts its postcode
        entry too); delete those `held` that it no longer has."""
        pk, entries = customer_pk(customer.customer_id), find_entries(customer)
        sort_key = find_sk(customer.name, customer.customer_id)
        puts: list[TransactWriteItemTypeDef] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": _item(
                        pk=pk,
                        sk=sk,
                        kind="find",
                        customer_id=customer.customer_id,
                        gsi3pk=gsi3pk,
                        gsi3sk=sort_key,
                        expires_at=expires_at,
                    ),
                }
            }
            for sk, gsi3pk in entries.items()
        ]
        deletes: list[TransactWriteItemTypeDef] = [
            {"Delete": {"TableName": self.table_name, "Key": _key(pk, sk)}}
            for sk in held
            if sk not in entries
        ]
        return [*puts, *deletes]

    def _found(self, gsi3pk: str, limit: int, query: tuple[str, ...] = ()) -> list[str]:
        """Customer ids on one partition of the find-customer index, in name order, at most
        `limit`; with `query`, only those whose name holds all of its words (read page by
        page until `limit` are found)."""
        if limit < 1:
            return []
        items = self._query(
            IndexName=FIND_INDEX,
            KeyConditionExpression="gsi3pk = :pk",
            ExpressionAttributeValues={":pk": {"S": gsi3pk}},
            ProjectionExpression="customer_id, gsi3sk",
            Limit=limit,
        )
        found = (
            _string(item, "customer_id") or ""
            for item in items
            if not query
            or name_matches(query, tuple((_string(item, "gsi3sk") or "").partition("#")[0].split()))
        )
        return list(islice(found, limit))

    def customers_at_postcode(self, postcode: str, limit: int) -> list[str]:
        return self._found(find_postcode_pk(postcode), limit)

    def customers_named(self, query: tuple[str, ...], limit: int) -> list[str]:
        return self._found(find_name_pk(search_word(query)), limit, query)

    def index_customers(self) -> int:
        """Write every customer's search entries as put_customer would (customers held before
        the find-customer index), deleting any that no longer fit; returns how many customers
        were written. Each is one transaction guarded by the profile read, so a customer
        changed meanwhile is left to that change. Safe to run again. One Scan of the table:
        an operation for after deploying, never a request's."""
        written = 0
        profiles = self._scan(
            FilterExpression="kind = :customer",
            ExpressionAttributeValues={":customer": {"S": "customer"}},
            ProjectionExpression="customer_id, doc, expires_at",
        )
        for item in profiles:
            customer = Customer.model_validate_json(_doc(item), context=STORED)
            pk = customer_pk(customer.customer_id)
            held = self._query(
                KeyConditionExpression="pk = :pk AND begins_with(sk, :find)",
                ExpressionAttributeValues={":pk": {"S": pk}, ":find": {"S": FIND_PREFIX}},
                ProjectionExpression="sk",
            )
            unchanged: TransactWriteItemTypeDef = {
                "ConditionCheck": {
                    "TableName": self.table_name,
                    "Key": _key(pk, "PROFILE"),
                    "ConditionExpression": "doc = :doc",
                    "ExpressionAttributeValues": {":doc": {"S": _doc(item)}},
                }
            }
            writes = self._find_writes(
                customer,
                {_string(i, "sk") or "": "" for i in held},
                _plain(item).get("expires_at"),
            )
            try:
                self._transact([unchanged, *writes])
            except ClientError as error:
                if (_cancellation_codes(error) or [])[:1] == [_CONDITION_FAILED]:
                    continue  # changed since it was read: that write indexed it
                raise
            written += 1
        return written

    # ContactStore --------------------------------------------------------------------------

    @staticmethod
    def _contact_item(contact: Contact, pk: str, sk: str, expires_at: int | None) -> Item:
        return _item(
            pk=pk,
            sk=sk,
            kind="contact",
            expires_at=expires_at,
            contact_id=contact.contact_id,
            customer_id=contact.customer_id,
            at=utc_key_time(contact.at),
            channel=contact.channel.value,
            direction=contact.direction.value,
            disposition=contact.disposition.value,
            doc=contact.model_dump_json(),
        )

    def record_contact(self, contact: Contact, *, queue_for_reading: bool = False) -> bool:
        """Log a contact once (False when already logged). `queue_for_reading` also files it
        in the designated officer's queue, in the same transaction, so a filed email is never
        logged without being queued to be read (ombudsman guidance: never silently dropped)."""
        pk, sk = contact_pk(contact), contact_sk(contact)
        held = (
            self._cases_held(contact.customer_id, contact.at)
            if contact.customer_id
            else CasesHeld()
        )
        expires_at = epoch_seconds(self._contact_expiry(contact, held))
        queue: list[TransactWriteItemTypeDef] = []
        if queue_for_reading:
            queue.append(
                {
                    "Put": {
                        "TableName": self.table_name,
                        "Item": _item(
                            pk=READ_QUEUE_PK,
                            sk=sk,
                            kind="read-queue",
                            contact_id=contact.contact_id,
                            customer_id=contact.customer_id,
                            contact_pk=pk,
                            contact_sk=sk,
                            expires_at=expires_at,
                        ),
                    }
                }
            )
        try:
            self._transact(
                [
                    *queue,
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": _item(
                                pk=contact_key_pk(contact.contact_id),
                                sk="KEY",
                                kind="contact-key",
                                contact_id=contact.contact_id,
                                contact_pk=pk,
                                contact_sk=sk,
                                expires_at=expires_at,  # the raw mail's purge reads it here
                            ),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": self._contact_item(contact, pk, sk, expires_at),
                        }
                    },
                ]
            )
        except ClientError as error:
            codes = _cancellation_codes(error)
            if codes and codes[len(queue)] == _CONDITION_FAILED:
                return False
            raise
        if contact.customer_id:  # the profile is kept at least as long as its contacts
            self._extend_profile(contact.customer_id, held, contact.at)
        return True

    def get_contact(self, contact_id: str) -> Contact | None:
        """One contact by its id (two GetItems: the key item says where the contact lives)."""
        key = self._get(contact_key_pk(contact_id), "KEY", consistent=True)
        if key is None:
            return None
        pk, sk = _string(key, "contact_pk"), _string(key, "contact_sk")
        if not pk or not sk:
            return None
        item = self._get(pk, sk, consistent=True)
        return Contact.model_validate_json(_doc(item), context=STORED) if item else None

    def read_queue(self) -> list[tuple[str, str]]:
        """(customer_id, contact_id) of filed emails waiting for the designated officer."""
        items = self._query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": READ_QUEUE_PK}},
        )
        return [(_string(i, "customer_id") or "", _string(i, "contact_id") or "") for i in items]

    def mark_read(self, contact_id: str, read: EmailRead) -> Contact | None:
        """Take a filed email off the read queue and record the read on the contact, in one
        transaction. None when it is not waiting (already read, or never queued)."""
        key = self._get(contact_key_pk(contact_id), "KEY", consistent=True)
        pk, sk = (_string(key, "contact_pk"), _string(key, "contact_sk")) if key else (None, None)
        item = self._get(pk, sk, consistent=True) if pk and sk else None
        if item is None or not pk or not sk:
            return None
        contact = Contact.model_validate_json(_doc(item), context=STORED).model_copy(
            update={"read": read}
        )
        expires_at = _plain(item).get("expires_at")
        try:
            self._transact(
                [
                    {
                        "Delete": {
                            "TableName": self.table_name,
                            "Key": _key(READ_QUEUE_PK, sk),
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": self._contact_item(
                                contact, pk, sk, int(expires_at) if expires_at else None
                            ),
                        }
                    },
                ]
            )
        except ClientError as error:
            if (_cancellation_codes(error) or [])[:1] == [_CONDITION_FAILED]:
                return None
            raise
        return contact

    # Delivery ledger: one item per SES message id, so a message reaches staff once ---------

    def claim_delivery(
        self, message_id: str, attempt: str, now: datetime, lease: timedelta
    ) -> bool:
        """Take the right to deliver this message until now + lease. `attempt` names the
        work (the stream record): the same attempt may claim again (its retry, after a
        lost answer or a failed release); another only once the lease has run out. False
        when it was delivered already, or another attempt holds the lease."""
        return self._update_if(
            _key(delivery_pk(message_id), "DELIVERY"),
            UpdateExpression=(
                "SET kind = :kind, delivery_status = :sending, claim_token = :attempt, "
                "lease_until = :until, expires_at = :expires"
            ),
            ConditionExpression=(
                "attribute_not_exists(pk) OR (delivery_status = :sending AND "
                "(claim_token = :attempt OR lease_until < :now))"
            ),
            ExpressionAttributeValues={
                ":kind": {"S": "delivery"},
                ":sending": {"S": "sending"},
                ":attempt": {"S": attempt},
                ":until": {"S": utc_key_time(now + lease)},
                ":now": {"S": utc_key_time(now)},
                ":expires": {
                    "N": str(epoch_seconds(self.retention.expires(RecordKind.DELIVERY_LEDGER, now)))
                },
            },
        )

    def delivery_done(self, message_id: str) -> bool:
        item = self._get(delivery_pk(message_id), "DELIVERY", consistent=True)
        return bool(item) and _string(item or {}, "delivery_status") == "sent"

    def delivery_sent(
        self, message_id: str, now: datetime, *, to: str, ses_message_id: str
    ) -> None:
        """Mark the message delivered: to whom, SES's id for the copy, when."""
        self.requests += 1
        self.client.update_item(
            TableName=self.table_name,
            Key=_key(delivery_pk(message_id), "DELIVERY"),
            UpdateExpression=(
                "SET delivery_status = :sent, sent_at = :at, delivered_to = :to, "
                "ses_message_id = :ses REMOVE claim_token, lease_until"
            ),
            ExpressionAttributeValues={
                ":sent": {"S": "sent"},
                ":at": {"S": utc_key_time(now)},
                ":to": {"S": to},
                ":ses": {"S": ses_message_id},
            },
        )

    def release_delivery(self, message_id: str, attempt: str) -> None:
        """A failed attempt gives the message back at once (only its own claim)."""
        try:
            self.requests += 1
            self.client.delete_item(
                TableName=self.table_name,
                Key=_key(delivery_pk(message_id), "DELIVERY"),
                ConditionExpression="claim_token = :attempt",
                ExpressionAttributeValues={":attempt": {"S": attempt}},
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != _CONDITION_FAILED_CODE:
                raise

    def claim_auto_reply(self, customer_id: str, now: datetime, period: timedelta) -> bool:
        """True at most once per `period` per customer: the caller may send an auto-reply."""
        return self._update_if(
            _key(auto_reply_pk(customer_id), "LEDGER"),
            UpdateExpression="SET last_sent = :now, kind = :kind, expires_at = :expires",
            ConditionExpression="attribute_not_exists(pk) OR last_sent <= :cutoff",
            ExpressionAttributeValues={
                ":now": {"S": utc_key_time(now)},
                ":cutoff": {"S": utc_key_time(now - period)},
                ":kind": {"S": "auto-reply-ledger"},
                ":expires": {
                    "N": str(epoch_seconds(self.retention.auto_reply_ledger_expiry(now, period)))
                },
            },
        )

    def _update_if(self, key: Item, **update: Any) -> bool:
        """One conditional UpdateItem: True when written, False when its condition failed."""
        try:
            self.requests += 1
            self.client.update_item(TableName=self.table_name, Key=key, **update)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _CONDITION_FAILED_CODE:
                return False
            raise
        return True

    def _contacts_in(self, pk: str) -> Iterator[ReadItem]:
        return self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": CONTACT_PREFIX}},
        )

    def contacts(self, customer_id: str, start: datetime, end: datetime) -> Iterator[Contact]:
        """Contacts with start <= at < end, oldest first: one Query, read page by page."""
        low, high = utc_key_time(start), utc_key_time(end)
        if low >= high:  # DynamoDB refuses BETWEEN with its bounds reversed
            return
        # "CONTACT#{end}" sorts before every "CONTACT#{end}#{id}": the end is exclusive.
        items = self._query(
            KeyConditionExpression="pk = :pk AND sk BETWEEN :from AND :to",
            ExpressionAttributeValues={
                ":pk": {"S": customer_pk(customer_id)},
                ":from": {"S": f"{CONTACT_PREFIX}{low}"},
                ":to": {"S": f"{CONTACT_PREFIX}{high}"},
            },
        )
        for item in items:
            contact = Contact.model_validate_json(_doc(item), context=STORED)
            if start <= contact.at < end:
                yield contact

    def unmatched_contacts(self, address: str) -> list[Contact]:
        try:
            normalised = normalise_email(address)
        except ValueError:
            return []
        items = self._contacts_in(unmatched_pk(normalised))
        return [Contact.model_validate_json(_doc(item), context=STORED) for item in items]

    def attribute_unmatched(self, address: str, customer_id: str) -> int:
        """Move each unmatched contact from `address` to the customer; returns how many of
        their emails moved (the copies we sent of them move too, uncounted: they are ours).

        Each move is one transaction (copy with customer_id set, delete the unmatched copy,
        repoint the contact key), so a rerun or a concurrent run moves nothing twice.
        Quarantined contacts are never attributed and stay where they are.
        """
        try:
            normalised = normalise_email(address)
        except ValueError:
            return 0
        unmatched = unmatched_pk(normalised)
        contacts = [
            Contact.model_validate_json(_doc(item), context=STORED)
            for item in self._contacts_in(unmatched)
        ]
        moved = 0
        # Judged as at the latest contact moved (no clock here): an earlier moment only ever
        # finds a case still live, which keeps records longer, never shorter.
        held = self._cases_held(customer_id, max((c.at for c in contacts), default=_EPOCH))
        latest: datetime | None = None
        for contact in contacts:
            if contact.disposition is Disposition.QUARANTINED:
                continue
            sk = contact_sk(contact)
            attributed = contact.model_copy(update={"customer_id": customer_id})
            pk = customer_pk(customer_id)
            # Now the customer's: kept as their contacts are, not as unmatched mail.
            expires_at = epoch_seconds(self._contact_expiry(attributed, held))
            try:
                self._transact(
                    [
                        {
                            "Put": {
                                "TableName": self.table_name,
                                "Item": self._contact_item(attributed, pk, sk, expires_at),
                            }
                        },
                        {
                            "Delete": {
                                "TableName": self.table_name,
                                "Key": _key(unmatched, sk),
                                "ConditionExpression": "attribute_exists(pk)",
                            }
                        },
                        {
                            "Update": {
                                "TableName": self.table_name,
                                "Key": _key(contact_key_pk(contact.contact_id), "KEY"),
                                "UpdateExpression": (
                                    "SET kind = :kind, contact_id = :id, "
                                    "contact_pk = :pk, contact_sk = :sk"
                                    + (" REMOVE expires_at" if expires_at is None else "")
                                    + (", expires_at = :expires" if expires_at else "")
                                ),
                                "ExpressionAttributeValues": {
                                    ":kind": {"S": "contact-key"},
                                    ":id": {"S": contact.contact_id},
                                    ":pk": {"S": pk},
                                    ":sk": {"S": sk},
                                    **({":expires": {"N": str(expires_at)}} if expires_at else {}),
                                },
                            }
                        },
                    ]
                )
            except ClientError as error:
                codes = _cancellation_codes(error)
                if codes and codes[1] == _CONDITION_FAILED:
                    continue  # another run moved it first
                raise
            if contact.direction is Direction.INBOUND:
                moved += 1
            latest = contact.at if latest is None else max(latest, contact.at)
        if latest is not None:
            self._extend_profile(customer_id, held, latest)
        return moved

    # Retention: every item's expires_at from the schedule (contactguard.domain.retention) --

    def _cases_held(self, customer_id: str, now: datetime, known: Case | None = None) -> CasesHeld:
        """What the customer's cases say at `now` about keeping their records (`known`, a
        case just committed, in place of the index's copy, which may lag)."""
        cases = {case.case_id: case for case in self.cases_for_customer(customer_id)}
        if known is not None:
            cases[known.case_id] = known
        return self.retention.cases_held(cases.values(), now)

    def _contact_expiry(self, contact: Contact, held: CasesHeld) -> datetime | None:
        if contact.disposition is Disposition.QUARANTINED:
            return self.retention.quarantined_expiry(contact.at)
        if contact.customer_id is None:
            return self.retention.unmatched_expiry(contact.at)
        return self.retention.contact_expiry(contact.at, held)

    def _held(self, pk: str, sk: str) -> HeldRecord:
        item = self._get(pk, sk, consistent=True)
        if item is None:
            return HeldRecord(found=False)
        stored = _plain(item).get("expires_at")
        until = None if stored is None else datetime.fromtimestamp(int(stored), UTC)
        return HeldRecord(found=True, expires_at=until)

    def contact_held(self, contact_id: str) -> HeldRecord:
        """The contact's expiry, as its key item holds it (the retention purge's reading)."""
        return self._held(contact_key_pk(contact_id), "KEY")

    def case_held(self, case_id: str) -> HeldRecord:
        return self._held(case_pk(case_id), "STATE")

    def _set_expiry(self, pk: str, sk: str, expires_at: int | None, **also: str) -> bool:
        """Stamp (or, None, unstamp) one item that exists; False when it does not."""
        values: dict[str, Any] = {f":{name}": {"S": value} for name, value in also.items()}
        sets = [f"{name} = :{name}" for name in also]
        if expires_at is not None:
            sets.append("expires_at = :expires")
            values[":expires"] = {"N": str(expires_at)}
        expression = ("SET " + ", ".join(sets) if sets else "") + (
            " REMOVE expires_at" if expires_at is None else ""
        )
        update: dict[str, Any] = {
            "UpdateExpression": expression.strip(),
            "ConditionExpression": "attribute_exists(pk)",
        }
        if values:
            update["ExpressionAttributeValues"] = values
        return self._update_if(_key(pk, sk), **update)

    def restamp_customer(self, customer_id: str, now: datetime, known: Case | None = None) -> int:
        """Stamp each of the customer's contacts (and its contact key, its read-queue entry,
        then the profile, its address claims and search entries) with the expiry their cases
        now give: none while a case has not ended, else the later of two years after the
        contact and the last case's retention. Writes only what differs; returns how many
        contacts changed. Safe to run again."""
        held = self._cases_held(customer_id, now, known)
        profile = self._get(customer_pk(customer_id), "PROFILE", consistent=True)
        if profile is not None and _string(profile, "cases_held") == _held_mark(held):
            return 0  # its contacts were stamped for these cases already, as written since
        latest: datetime | None = None
        changed = 0
        pk = customer_pk(customer_id)
        items = self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": CONTACT_PREFIX}},
            ProjectionExpression="sk, #at, contact_id, disposition, expires_at",
            ExpressionAttributeNames={"#at": "at"},
            ConsistentRead=True,
        )
        for item in list(items):  # every page read before writing
            plain = _plain(item)
            at = datetime.fromisoformat(str(plain["at"]))
            latest = at if latest is None else max(latest, at)
            if plain.get("disposition") == Disposition.QUARANTINED.value:
                continue  # quarantined mail keeps its own period, whoever it names
            want = epoch_seconds(self.retention.contact_expiry(at, held))
            stored = plain.get("expires_at")
            if (int(stored) if stored is not None else None) == want:
                continue
            sk = str(plain["sk"])
            self._set_expiry(pk, sk, want)
            self._set_expiry(contact_key_pk(str(plain["contact_id"])), "KEY", want)
            if plain.get("disposition") == Disposition.FILED_BLOCKED.value:
                self._set_expiry(READ_QUEUE_PK, sk, want)  # if still waiting to be read
            changed += 1
        self._stamp_profile(customer_id, held, latest, mark=True, profile=profile)
        return changed

    def _extend_profile(self, customer_id: str, held: CasesHeld, at: datetime) -> None:
        """A new contact at `at`: the profile, its address claims and search entries are kept
        at least as long (customer_expiry). One conditional update, which fails (cheaply)
        unless the expiry moves later: once a month per customer, not per contact. Nothing
        while a case is under way (restamp_customer removed their expiry)."""
        if held.live:
            return
        want = epoch_seconds(self.retention.customer_expiry(at, held))
        try:
            self.requests += 1
            updated = self.client.update_item(
                TableName=self.table_name,
                Key=_key(customer_pk(customer_id), "PROFILE"),
                UpdateExpression="SET expires_at = :expires",
                ConditionExpression="attribute_exists(pk) AND "
                "(attribute_not_exists(expires_at) OR expires_at < :expires)",
                ExpressionAttributeValues={":expires": {"N": str(want)}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _CONDITION_FAILED_CODE:
                return  # kept as long already, or no profile
            raise
        self._stamp_beside_profile(customer_id, updated["Attributes"], want)

    def _stamp_profile(
        self,
        customer_id: str,
        held: CasesHeld,
        latest: datetime | None,
        *,
        mark: bool = False,
        profile: ReadItem | None = None,
    ) -> None:
        """The profile, its address claims and search entries: none while a case is under way,
        else with the latest contact (customer_expiry) or the cases' retention. With `mark`,
        records that every contact is stamped for these cases. Writes only what changes
        (`profile`: the item, when just read)."""
        item = profile or self._get(customer_pk(customer_id), "PROFILE", consistent=True)
        if item is None:
            return
        plain = _plain(item)
        if held.live:
            want = None
        elif latest is None:
            want = epoch_seconds(held.until)
        else:
            want = epoch_seconds(self.retention.customer_expiry(latest, held))
        stored = plain.get("expires_at")
        also = {"cases_held": _held_mark(held)} if mark else {}
        unchanged = (int(stored) if stored is not None else None) == want
        if unchanged and all(plain.get(name) == value for name, value in also.items()):
            return
        self._set_expiry(customer_pk(customer_id), "PROFILE", want, **also)
        if not unchanged:
            self._stamp_beside_profile(customer_id, item, want)

    def _stamp_beside_profile(self, customer_id: str, profile: ReadItem, want: int | None) -> None:
        customer = Customer.model_validate_json(_doc(profile), context=STORED)
        for address in customer.emails:
            self._set_expiry(email_pk(address), "EMAIL", want)
        for sk in find_entries(customer):
            self._set_expiry(customer_pk(customer_id), sk, want)

    # Signals for judgement ---------------------------------------------------------------

    @staticmethod
    def _signal_key(customer_id: str, contact_id: str, signal: str) -> tuple[str, str]:
        return customer_pk(customer_id), f"{SIGNAL_PREFIX}{contact_id}#{signal}"

    def record_signal(self, signal: RaisedSignal) -> bool:
        """A new item, on the open-cases index while it waits; a signal kept already (the
        stream record read again) is left as it is. Expires a year after the contact."""
        waiting = signal.considered is None
        try:
            self.requests += 1
            self.client.put_item(
                TableName=self.table_name,
                Item={
                    **_key(*self._signal_key(signal.customer_id, signal.contact_id, signal.signal)),
                    **_item(
                        kind="signal",
                        customer_id=signal.customer_id,
                        contact_id=signal.contact_id,
                        gsi2pk=SIGNALS_PK if waiting else None,
                        gsi2sk=self._signal_sk(signal) if waiting else None,
                        expires_at=epoch_seconds(
                            self.retention.expires(RecordKind.SIGNALS, signal.at)
                        ),
                        doc=signal.model_dump_json(),
                    ),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _CONDITION_FAILED_CODE:
                return False
            raise
        return True

    @staticmethod
    def _signal_sk(signal: RaisedSignal) -> str:
        when = utc_key_time(signal.at)
        return f"{when}#{signal.customer_id}#{signal.contact_id}#{signal.signal}"

    def get_signal(self, customer_id: str, contact_id: str, signal: str) -> RaisedSignal | None:
        held = self._get(*self._signal_key(customer_id, contact_id, signal), consistent=True)
        return RaisedSignal.model_validate_json(_doc(held)) if held else None

    def signals_waiting(self, limit: int) -> list[RaisedSignal]:
        """Signals not yet considered, oldest first: one Query on the sparse index, read no
        further than `limit`."""
        if limit < 1:
            return []
        items = self._query(
            IndexName=OPEN_CASES_INDEX,
            KeyConditionExpression="gsi2pk = :signal",
            ExpressionAttributeValues={":signal": {"S": SIGNALS_PK}},
            Limit=limit,
        )
        return [RaisedSignal.model_validate_json(_doc(item)) for item in islice(items, limit)]

    def signals_of(self, customer_id: str) -> list[RaisedSignal]:
        """Every signal on the customer's partition, waiting or considered, by contact."""
        items = self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": customer_pk(customer_id)},
                ":prefix": {"S": SIGNAL_PREFIX},
            },
            ConsistentRead=True,
        )
        return [RaisedSignal.model_validate_json(_doc(item)) for item in items]

    def consider_signal(
        self, customer_id: str, contact_id: str, signal: str, considered: SignalConsidered
    ) -> RaisedSignal | None:
        """The judgement written into the signal's document and the signal off the index,
        in one conditional update; None when it was not waiting."""
        pk, sk = self._signal_key(customer_id, contact_id, signal)
        raised = self.get_signal(customer_id, contact_id, signal)
        if raised is None or raised.considered is not None:
            return None
        done = raised.model_copy(update={"considered": considered})
        written = self._update_if(
            _key(pk, sk),
            UpdateExpression="SET doc = :doc REMOVE gsi2pk, gsi2sk",
            ConditionExpression="attribute_exists(gsi2pk)",  # not considered meanwhile
            ExpressionAttributeValues={":doc": {"S": done.model_dump_json()}},
        )
        return done if written else None

    # The audit trail -----------------------------------------------------------------------

    def record_audit(self, record: AuditRecord) -> None:
        """Write one audit record (a new item: records are never changed)."""
        sk = audit_sk(record.at, record.audit_id)
        expires = self.retention.expires(RecordKind.AUDIT, record.at)
        self.requests += 1
        self.client.put_item(
            TableName=self.table_name,
            Item=_item(
                pk=audit_pk(record.customer_id),
                sk=sk,
                gsi1pk=audit_by_pk(record.actor_id),
                gsi1sk=sk,
                kind="audit",
                actor_id=record.actor_id,
                operation=record.operation.value,
                customer_id=record.customer_id,
                expires_at=int(expires.timestamp()),
                doc=record.model_dump_json(),
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def audit_of_customer(
        self, customer_id: str | None, start: datetime, end: datetime, limit: int
    ) -> list[AuditRecord]:
        """Who touched this customer's data (None: requests that found no one), the oldest
        `limit` records of the window."""
        return self._audit_query("pk", audit_pk(customer_id), start, end, limit)

    def audit_by_actor(
        self, actor_id: str, start: datetime, end: datetime, limit: int
    ) -> list[AuditRecord]:
        """What one member of staff touched, the oldest `limit` records of the window."""
        return self._audit_query("gsi1pk", audit_by_pk(actor_id), start, end, limit, CUSTOMER_INDEX)

    def _audit_query(
        self,
        key: str,
        value: str,
        start: datetime,
        end: datetime,
        limit: int,
        index: str | None = None,
    ) -> list[AuditRecord]:
        low, high = utc_key_time(start), utc_key_time(end)
        if low >= high:
            return []
        sort = "sk" if index is None else "gsi1sk"
        request: dict[str, Any] = {
            "KeyConditionExpression": f"{key} = :pk AND {sort} BETWEEN :from AND :to",
            "ExpressionAttributeValues": {
                ":pk": {"S": value},
                ":from": {"S": f"{AUDIT_PREFIX}{low}"},
                ":to": {"S": f"{AUDIT_PREFIX}{high}"},
            },
        }
        if index is not None:
            request["IndexName"] = index
        # Pages no larger than a reply: a busy partition is not read whole to keep its oldest
        # (an unbounded reply grew with every request ever made).
        request["Limit"] = max(1, limit)
        from contactguard.domain.audit import AuditRecord  # the audit trail's readers only

        records = (AuditRecord.model_validate_json(_doc(item)) for item in self._query(**request))
        kept: list[AuditRecord] = []
        if limit < 1:
            return kept
        for record in records:
            if start <= record.at < end:
                kept.append(record)
                if len(kept) >= limit:
                    break  # before the next page is asked for
        return kept

    # Erasure (UK GDPR Art. 17): PersonalData ---------------------------------------------

    def _delete(self, pk: str, sk: str, **condition: Any) -> bool:
        """One DeleteItem; True when an item was there and is gone (False: none was there,
        or `condition` failed, so it was left)."""
        self.requests += 1
        try:
            reply = self.client.delete_item(
                TableName=self.table_name, Key=_key(pk, sk), ReturnValues="ALL_OLD", **condition
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _CONDITION_FAILED_CODE:
                return False
            raise
        return "Attributes" in reply

    def _erase_keys(self, keys: Iterable[tuple[str, str, str]]) -> dict[str, int]:
        """Delete each (kind, pk, sk) once; how many of each kind were there."""
        erased: dict[str, int] = {}
        for kind, pk, sk in dict.fromkeys(keys):
            if self._delete(pk, sk):
                erased[kind] = erased.get(kind, 0) + 1
        return erased

    def _partition(self, pk: str) -> list[ReadItem]:
        """Every item of one partition, read whole before anything is deleted."""
        return list(
            self._query(
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
                ConsistentRead=True,
            )
        )

    @staticmethod
    def _contact_keys(item: ReadItem, raw_refs: list[str]) -> list[tuple[str, str, str]]:
        """What points at one contact item: its key item, its read-queue entry (filed email)
        and its delivery ledger (on its SES message id, also collected in `raw_refs`)."""
        sk = _string(item, "sk") or ""
        contact = Contact.model_validate_json(_doc(item), context=STORED)
        keys = [
            ("contact-key", contact_key_pk(contact.contact_id), "KEY"),
            ("read-queue", READ_QUEUE_PK, sk),
        ]
        if contact.raw_ref:
            raw_refs.append(contact.raw_ref)
            keys.append(("delivery", delivery_pk(contact.raw_ref), "DELIVERY"))
        return keys

    def _partition_keys(
        self, pk: str, raw_refs: list[str], kinds: tuple[str, ...] | None = None
    ) -> list[tuple[str, str, str]]:
        """Each item of a partition (of `kinds`, when given) and what points at its contacts.
        The contacts' own items come last: a run cut short leaves a contact findable for the
        next run to finish."""
        pointers: list[tuple[str, str, str]] = []
        items: list[tuple[str, str, str]] = []
        for item in self._partition(pk):
            kind = _string(item, "kind") or "item"
            if kinds is not None and kind not in kinds:
                continue
            if kind == "contact":
                pointers.extend(self._contact_keys(item, raw_refs))
            items.append((kind, pk, _string(item, "sk") or ""))
        return [*pointers, *items]

    def erase_customer(self, customer: Customer, expired_cases: list[Case]) -> Erased:
        """PersonalData.erase_customer: everything is read first, then deleted item by item
        (DeleteItem: no item is changed, so no transaction is needed; a rerun finishes a run
        cut short). The profile goes last, so until then the customer can be erased again."""
        customer_id = customer.customer_id
        raw_refs: list[str] = []
        keys = self._partition_keys(customer_pk(customer_id), raw_refs)
        for address in customer.emails:  # their mail from before the address was linked
            keys.extend(self._partition_keys(unmatched_pk(address), raw_refs, ("contact",)))
        keys.append(("auto-reply-ledger", auto_reply_pk(customer_id), "LEDGER"))
        for case in expired_cases:
            keys.extend(self._partition_keys(case_pk(case.case_id), raw_refs))
        profile = ("customer", customer_pk(customer_id), "PROFILE")
        erased = self._erase_keys(k for k in keys if k != profile)
        # An address another customer now holds is theirs: only this customer's claims go.
        mine = {
            "ConditionExpression": "customer_id = :me",
            "ExpressionAttributeValues": {":me": {"S": customer_id}},
        }
        claims = sum(self._delete(email_pk(a), "EMAIL", **mine) for a in customer.emails)
        if claims:
            erased["email"] = claims
        cleared = self._clear_corrections(customer_id)
        if cleared:
            erased["audit-values-cleared"] = cleared
        if self._delete(*profile[1:]):
            erased["customer"] = 1
        return Erased(items=erased, raw_refs=tuple(dict.fromkeys(raw_refs)))

    def _clear_corrections(self, customer_id: str) -> int:
        """Rectification records keep the values they corrected: an erased customer's lose
        them (the record of who corrected what, when, stays: ids and codes only)."""
        from contactguard.domain.audit import AuditRecord  # the audit trail's readers only

        cleared = 0
        for item in self._partition(audit_pk(customer_id)):
            record = AuditRecord.model_validate_json(_doc(item))
            if not record.corrected:
                continue
            self.requests += 1
            self.client.update_item(
                TableName=self.table_name,
                Key={"pk": item["pk"], "sk": item["sk"]},
                UpdateExpression="SET doc = :doc",
                ExpressionAttributeValues={
                    ":doc": {"S": record.model_copy(update={"corrected": ()}).model_dump_json()}
                },
            )
            cleared += 1
        return cleared

    def erase_sender(self, address: str) -> Erased:
        raw_refs: list[str] = []
        keys = self._partition_keys(unmatched_pk(normalise_email(address)), raw_refs)
        return Erased(items=self._erase_keys(keys), raw_refs=tuple(dict.fromkeys(raw_refs)))

    def record_erasure(self, receipt: ErasureReceipt) -> None:
        """Keep the receipt as long as the audit trail keeps its records."""
        sk = f"RECEIPT#{utc_key_time(receipt.erased_at)}#{receipt.receipt_id}"
        expires = self.retention.expires(RecordKind.AUDIT, receipt.erased_at)
        self.requests += 1
        self.client.put_item(
            TableName=self.table_name,
            Item=_item(
                pk=ERASURE_PK,
                sk=sk,
                kind="erasure-receipt",
                customer_id=receipt.customer_id,
                expires_at=int(expires.timestamp()),
                doc=receipt.model_dump_json(),
            ),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def erasure_receipts(self) -> list[ErasureReceipt]:
        """Every receipt kept, oldest first (one Query)."""
        from contactguard.domain.personal_data import ErasureReceipt

        items = self._query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": ERASURE_PK}},
        )
        return [ErasureReceipt.model_validate_json(_doc(item)) for item in items]

    # Subject access export jobs (contactguard.domain.subject_access) -------------------------

    def create_export_job(self, job: ExportJob) -> None:
        """A new job's item (kind `export-job`): its INSERT on the stream starts the export
        function. Never overwrites a job."""
        self.requests += 1
        self.client.put_item(
            TableName=self.table_name,
            Item=self._export_job_item(job),
            ConditionExpression="attribute_not_exists(pk)",
        )

    def export_job(self, job_id: str) -> ExportJob | None:
        from contactguard.domain.subject_access import ExportJob

        item = self._get(export_job_pk(job_id), "JOB", consistent=True)
        return ExportJob.model_validate_json(_doc(item)) if item else None

    def save_export_job(self, job: ExportJob) -> None:
        """The job as it now is (progress, the draft, the release): a MODIFY, which starts
        nothing."""
        self.requests += 1
        self.client.put_item(
            TableName=self.table_name,
            Item=self._export_job_item(job),
            ConditionExpression="attribute_exists(pk)",
        )

    def _export_job_item(self, job: ExportJob) -> Item:
        return _item(
            pk=export_job_pk(job.job_id),
            sk="JOB",
            kind="export-job",
            job_id=job.job_id,
            customer_id=job.customer_id,
            status=job.status.value,
            # The job's record goes with its zip's (the audit keeps who started and released it).
            expires_at=int((job.requested_at + EXPORT_JOB_KEPT).timestamp()),
            doc=job.model_dump_json(),
        )


EXPORT_JOB_KEPT = timedelta(days=35)  # past the month Article 15 gives, and the zip's expiry


def export_job_pk(job_id: str) -> str:
    return f"EXPORT#{job_id}"
