"""The retention schedule on the embedded stack: every record and object expires on its day
(DynamoDB's TTL, done by the stack as AWS would: `expire_items`; S3 by the daily purge), and
nothing before it. The clock moves through each period to the second before and the second of
each expiry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import CloseConcern, RaiseConcern
from contactguard.domain.model import Actor, Behaviour, Customer, PostalAddress, Role
from contactguard.domain.retention import Period, Unit
from contactguard_local.apigw import rest_event
from contactguard_local.stack import EmbeddedStack, SimClock

START = datetime(2026, 12, 1, 9, tzinfo=LONDON)
SECOND = timedelta(seconds=1)
MANAGER = Actor(actor_id="sm", role=Role.SERVICE_MANAGER)


def years(n: int, moment: datetime) -> datetime:
    return Period(n, Unit.YEARS).after(moment)


def mail(sender: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "contact@example.org"
    message["Subject"] = subject
    message.set_content("please call me back")
    return message.as_bytes()


class Held:
    """What the stack holds, read as a test would look at it."""

    def __init__(self, stack: EmbeddedStack) -> None:
        self.stack = stack
        env = stack.functions["RetentionPurgeFunction"]["env"]
        self.raw_bucket = env["CONTACTGUARD_RAW_MAIL_BUCKET"]
        self.letters_bucket = env["CONTACTGUARD_LETTERS_BUCKET"]

    def item(self, pk: str, sk: str) -> dict[str, Any] | None:
        found = self.stack.dynamodb.get_item(
            TableName=self.stack.table, Key={"pk": {"S": pk}, "sk": {"S": sk}}
        )
        return found.get("Item")

    def expiry(self, pk: str, sk: str) -> datetime | None:
        item = self.item(pk, sk)
        assert item is not None, f"{pk} {sk} is gone"
        stamp = item.get("expires_at")
        return None if stamp is None else datetime.fromtimestamp(int(stamp["N"]), UTC)

    def partition(self, pk: str) -> list[dict[str, Any]]:
        return list(
            self.stack.dynamodb.query(
                TableName=self.stack.table,
                KeyConditionExpression="pk = :pk",
                ExpressionAttributeValues={":pk": {"S": pk}},
            )["Items"]
        )

    def contact(self, contact_id: str) -> tuple[str, str] | None:
        """Where the contact is stored (its key item), None once gone."""
        key = self.item(f"CONTACTKEY#{contact_id}", "KEY")
        return None if key is None else (key["contact_pk"]["S"], key["contact_sk"]["S"])

    def raw(self, message_id: str) -> bool:
        listed = self.stack.s3.list_objects_v2(
            Bucket=self.raw_bucket, Prefix=f"inbound/{message_id}"
        )
        return bool(listed.get("Contents"))

    def sent(self, contact_id: str) -> bool:
        """The copy of what we sent, kept beside the raw mail."""
        listed = self.stack.s3.list_objects_v2(
            Bucket=self.raw_bucket, Prefix=f"sent/{contact_id}.eml"
        )
        return bool(listed.get("Contents"))

    def letter_versions(self, case_id: str) -> int:
        listed = self.stack.s3.list_object_versions(
            Bucket=self.letters_bucket, Prefix=f"letters/{case_id}/"
        )
        return len(listed.get("Versions", [])) + len(listed.get("DeleteMarkers", []))


def run_retention(stack: EmbeddedStack, at: datetime) -> None:
    """The clock to `at` (schedules fired on the way), then the daily purge, then DynamoDB's
    TTL (which may take days to delete an expired item: the purge goes by the expiry, not by
    the item's absence; objects whose record is already gone are the last test's)."""
    stack.advance(at)
    stack.purge()
    stack.expire_items()


@pytest.mark.policy("design-data-protection")
def test_mail_that_is_no_customer_s_and_a_customer_s_with_no_case_expire_on_their_day() -> None:
    clock = SimClock(START)
    with EmbeddedStack(clock) as stack:
        held = Held(stack)
        stack.store.put_customer(
            Customer(customer_id="c1", name="Ada Tenant", emails=("ada@example.org",))
        )
        stack.deliver_email(
            mail("ada@example.org", "Boiler"), "ada@example.org", "Boiler", message_id="m-cust"
        )
        stack.deliver_email(
            mail("who@example.net", "Hello"), "who@example.net", "Hello", message_id="m-unmatched"
        )
        stack.deliver_email(
            mail("spoof@example.net", "Prize"),
            "spoof@example.net",
            "Prize",
            verdicts={"dmarc": "FAIL"},
            message_id="m-quarantined",
        )
        arrived = START.astimezone(UTC)
        quarantined_at = arrived + timedelta(days=90)
        unmatched_at = years(1, arrived)
        customer_at = years(2, arrived)
        # The profile from the start of the month after the last contact (restamped monthly).
        profile_at = datetime(2029, 1, 1, tzinfo=UTC)

        # Stamped when written: each from its own rule, its key item and raw mail alike.
        where = {m: held.contact(f"email-{m}") for m in ("m-cust", "m-unmatched", "m-quarantined")}
        assert where["m-cust"] is not None
        assert where["m-cust"][0] == "CUSTOMER#c1"
        assert where["m-unmatched"] is not None
        assert where["m-unmatched"][0] == "UNMATCHED#who@example.net"
        assert where["m-quarantined"] is not None
        for message_id, due in (
            ("m-cust", customer_at),
            ("m-unmatched", unmatched_at),
            ("m-quarantined", quarantined_at),
        ):
            located = where[message_id]
            assert located is not None
            assert held.expiry(*located) == due, message_id
            assert held.expiry(f"CONTACTKEY#email-{message_id}", "KEY") == due, message_id
        # The customer's profile, address and search entries go with their last contact.
        assert held.expiry("CUSTOMER#c1", "PROFILE") == profile_at
        assert held.expiry("EMAIL#ada@example.org", "EMAIL") == profile_at
        assert {held.expiry("CUSTOMER#c1", sk) for sk in ("FIND#NAME#ada", "FIND#NAME#tenant")} == {
            profile_at
        }

        # Each one kept to the second before its day, gone on it; the others still there.
        run_retention(stack, quarantined_at - SECOND)
        assert held.contact("email-m-quarantined") is not None
        assert held.raw("m-quarantined")
        run_retention(stack, quarantined_at)
        assert held.contact("email-m-quarantined") is None
        assert held.partition("QUARANTINE") == []
        assert not held.raw("m-quarantined")
        assert held.raw("m-unmatched")
        assert held.raw("m-cust")

        run_retention(stack, unmatched_at - SECOND)
        assert held.raw("m-unmatched")
        run_retention(stack, unmatched_at)
        assert held.contact("email-m-unmatched") is None
        assert held.partition("UNMATCHED#who@example.net") == []
        assert not held.raw("m-unmatched")
        assert held.raw("m-cust")

        # What we sent because of it (the copy forwarded to staff) is the customer's contact
        # too, kept exactly as long.
        forwarded = "sent-delivery-m-cust"
        located = held.contact(forwarded)
        assert located is not None
        assert held.expiry(*located) == customer_at
        run_retention(stack, customer_at - SECOND)
        assert held.raw("m-cust")
        assert held.sent(forwarded)
        assert held.item("CUSTOMER#c1", "PROFILE") is not None
        run_retention(stack, customer_at)
        assert held.contact("email-m-cust") is None
        assert not held.raw("m-cust")
        assert held.contact(forwarded) is None
        assert not held.sent(forwarded)
        assert [
            i["sk"]["S"] for i in held.partition("CUSTOMER#c1") if "CONTACT" in i["sk"]["S"]
        ] == []

        run_retention(stack, profile_at - SECOND)
        assert held.item("CUSTOMER#c1", "PROFILE") is not None
        assert held.item("EMAIL#ada@example.org", "EMAIL") is not None
        run_retention(stack, profile_at)
        assert held.partition("CUSTOMER#c1") == []  # profile, search entries
        assert held.item("EMAIL#ada@example.org", "EMAIL") is None
        assert stack.log.stream_failures == []


@pytest.mark.policy("design-data-protection")
def test_a_customer_s_contacts_are_kept_while_their_case_is_then_go_with_it() -> None:
    clock = SimClock(START)
    with EmbeddedStack(clock) as stack:
        held = Held(stack)
        address = PostalAddress(lines=("1 Example Street", "Derby"), postcode="DE1 1AA")
        stack.store.put_customer(
            Customer(
                customer_id="c1", name="Ada Tenant", emails=("ada@example.org",), address=address
            )
        )
        stack.deliver_email(
            mail("ada@example.org", "Boiler"), "ada@example.org", "Boiler", message_id="m1"
        )
        contact = held.contact("email-m1")
        assert contact is not None
        first_at = START.astimezone(UTC)
        assert held.expiry(*contact) == years(2, first_at)

        # A case opens: nothing of the customer's may expire while it is under way.
        clock.now = START + timedelta(days=1)
        concern = RaiseConcern(
            case_id="k1", customer_id="c1", behaviours=(Behaviour.SCATTERGUN,), note="n"
        )
        stack.cases.open_case(concern, MANAGER, clock())
        stack.pump_streams()
        assert held.expiry(*contact) is None
        assert held.expiry("CONTACTKEY#email-m1", "KEY") is None
        assert held.expiry("CUSTOMER#c1", "PROFILE") is None
        assert held.expiry("EMAIL#ada@example.org", "EMAIL") is None
        assert held.expiry("CASE#k1", "STATE") is None
        assert held.letter_versions("k1") >= 1  # the concern letter, drafted

        # Past the contact's own two years, with the case still open: kept.
        run_retention(stack, years(2, first_at) + timedelta(days=1))
        assert held.contact("email-m1") == contact
        assert held.raw("m1")
        assert held.letter_versions("k1") >= 1
        # What we sent because of it (the copy forwarded to staff) too: no expiry by age.
        forwarded = held.contact("sent-delivery-m1")
        assert forwarded is not None
        assert held.expiry(*forwarded) is None
        assert held.sent("sent-delivery-m1")

        # Closed: every record of the case and of its customer is kept six years from then.
        closed_at = years(2, first_at) + timedelta(days=2)
        clock.now = closed_at
        stack.cases.act("k1", CloseConcern(reason="resolved"), MANAGER, clock())
        stack.pump_streams()
        due = years(6, closed_at)
        case_items = held.partition("CASE#k1")
        assert len(case_items) >= 4  # state, concern raised, letters drafted, closed
        assert {int(i["expires_at"]["N"]) for i in case_items} == {int(due.timestamp())}
        assert held.expiry(*contact) == due
        assert held.expiry("CONTACTKEY#email-m1", "KEY") == due
        assert held.expiry("CUSTOMER#c1", "PROFILE") == due
        assert held.expiry("EMAIL#ada@example.org", "EMAIL") == due
        assert held.expiry("CUSTOMER#c1", "FIND#POSTCODE") == due
        assert held.expiry(*forwarded) == due
        # A retried draft overwrote the letter (the bucket is versioned): two versions.
        listed = stack.s3.list_objects_v2(Bucket=held.letters_bucket, Prefix="letters/k1/")
        first_key = listed["Contents"][0]["Key"]
        stack.s3.put_object(Bucket=held.letters_bucket, Key=first_key, Body=b"again")
        letters = held.letter_versions("k1")
        assert letters >= 2

        run_retention(stack, due - SECOND)
        assert held.item("CASE#k1", "STATE") is not None
        assert held.contact("email-m1") == contact
        assert held.raw("m1")
        assert held.sent("sent-delivery-m1")
        assert held.letter_versions("k1") == letters

        run_retention(stack, due)
        assert held.partition("CASE#k1") == []
        assert held.partition("CUSTOMER#c1") == []
        assert held.item("EMAIL#ada@example.org", "EMAIL") is None
        assert held.contact("email-m1") is None
        assert not held.raw("m1")
        assert not held.sent("sent-delivery-m1")
        assert held.letter_versions("k1") == 0  # every version, not hidden behind a marker
        assert stack.log.stream_failures == []


@pytest.mark.policy("design-data-protection")
def test_raw_mail_with_no_record_goes_after_the_quarantine_period_never_sooner() -> None:
    clock = SimClock(START)
    with EmbeddedStack(clock) as stack:
        held = Held(stack)
        # What SES stored for a message ingest never recorded (its call failed for good).
        stack.s3.put_object(Bucket=held.raw_bucket, Key="inbound/m-lost", Body=b"x")
        stored = stack.s3.head_object(Bucket=held.raw_bucket, Key="inbound/m-lost")
        stored_at = stored["LastModified"].astimezone(UTC)  # S3's clock, not the stack's
        clock.now = stored_at + timedelta(days=90) - SECOND
        assert stack.purge()["raw_mail_deleted"] == 0
        assert held.raw("m-lost")
        clock.now = stored_at + timedelta(days=90)
        assert stack.purge()["raw_mail_deleted"] == 1
        assert not held.raw("m-lost")


@pytest.mark.policy("design-data-protection")
def test_a_customer_registered_and_never_heard_from_expires_as_if_registering_were_a_contact() -> (
    None
):
    """Staff register a customer through the API and no contact ever comes: the profile, its
    address claim and its search entries are kept two years from the start of the month after
    registering (the contact rule's), then go. A contact later keeps them longer."""
    clock = SimClock(START)
    with EmbeddedStack(clock) as stack:
        held = Held(stack)
        manager = {"cognito:groups": "service-manager", "sub": "sm-1"}
        for customer_id, address in (
            ("quiet", "quiet@example.org"),
            ("later", "later@example.org"),
        ):
            reply = stack.invoke(
                "ApiFunction",
                rest_event(
                    "POST",
                    "/customers",
                    claims=manager,
                    headers={"Content-Type": "application/json"},
                    body=json.dumps(
                        {"customer_id": customer_id, "name": "Ivo Quiet", "emails": [address]}
                    ),
                ),
            )
            assert reply["statusCode"] == 201, reply["body"]
        registered = datetime(2029, 1, 1, tzinfo=UTC)  # December 2026, then two years
        for pk, sk in (
            ("CUSTOMER#quiet", "PROFILE"),
            ("EMAIL#quiet@example.org", "EMAIL"),
            ("CUSTOMER#quiet", "FIND#NAME#quiet"),
        ):
            assert held.expiry(pk, sk) == registered, (pk, sk)
        # The other customer writes in March 2027: kept from then instead.
        run_retention(stack, datetime(2027, 3, 10, 9, tzinfo=LONDON))
        stack.deliver_email(
            mail("later@example.org", "Boiler"), "later@example.org", "Boiler", message_id="m-l"
        )
        extended = datetime(2029, 4, 1, tzinfo=UTC)
        assert held.expiry("CUSTOMER#later", "PROFILE") == extended
        assert held.expiry("EMAIL#later@example.org", "EMAIL") == extended

        run_retention(stack, registered - SECOND)
        assert held.item("CUSTOMER#quiet", "PROFILE") is not None
        run_retention(stack, registered)
        assert held.partition("CUSTOMER#quiet") == []
        assert held.item("EMAIL#quiet@example.org", "EMAIL") is None
        assert held.item("CUSTOMER#later", "PROFILE") is not None
        assert stack.log.stream_failures == []
