"""Rectification and erasure on the embedded stack (UK GDPR Articles 16 and 17), through the
staff API as deployed: every AWS call checked against the API's role (tests/iam_calls.py),
and afterwards every table and every bucket of the stack read whole."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from html import unescape
from typing import Any

import pytest

from console_on_stack import CONSOLE_PARAMS, console_on
from contactguard.domain.calendar import LONDON
from contactguard.domain.case import Case, CaseStatus
from contactguard_local.apigw import ProxyReply, rest_event
from contactguard_local.stack import EmbeddedStack, SimClock

START = datetime(2026, 12, 1, 9, tzinfo=LONDON)
MANAGER = {"sub": "sub-sm", "cognito:groups": "service-manager", "name": "Sam Manager"}
DPO = {"sub": "sub-dpo", "cognito:groups": "data-protection-officer", "name": "Dee Officer"}

ADA = {
    "customer_id": "cust-ada",
    "name": "Ada Quillfeather",
    "emails": ["ada.quill@example.org"],
    "address": {"lines": ["7 Larkspur Row", "Derby"], "postcode": "DE7 4QX"},
}
# What of Ada could be written anywhere: none of it may remain once she is erased.
ADA_DATA = ("Ada Quillfeather", "Quillfeather", "Larkspur", "DE7 4QX", "ada.quill@example.org")
BOB = {
    "customer_id": "cust-bob",
    "name": "Bob Ottoway",
    "emails": ["bob.ottoway@example.org"],
    "address": {"lines": ["2 Mill Lane"], "postcode": "DE1 2AB"},
}


@pytest.fixture
def stack(log_privacy: Any) -> Iterator[EmbeddedStack]:
    log_privacy.register(*ADA_DATA, "Ada Quilfeather", "ada.old@example.org", "Ottoway")
    with EmbeddedStack(SimClock(START)) as running:
        yield running


def api(
    stack: EmbeddedStack,
    method: str,
    path: str,
    body: Any = None,
    who: dict[str, str] = MANAGER,
    query: dict[str, list[str]] | None = None,
) -> ProxyReply:
    event = rest_event(
        method,
        path,
        claims=who,
        query=query,
        headers={"Content-Type": "application/json"},
        body=None if body is None else json.dumps(body),
    )
    return ProxyReply.of(stack.invoke("ApiFunction", event))


def email(stack: EmbeddedStack, sender: str, words: str = "The boiler is still broken.") -> str:
    message = EmailMessage()
    message["From"] = sender
    message["Subject"] = "My repair"
    message.set_content(words)
    return stack.deliver_email(message.as_bytes(), sender, "My repair")


def later(stack: EmbeddedStack, by: timedelta) -> None:
    clock = stack.clock
    assert isinstance(clock, SimClock)
    clock.now += by


def phone(stack: EmbeddedStack, customer_id: str, summary: str) -> None:
    body = {"channel": "phone", "summary": summary}
    reply = api(stack, "POST", f"/customers/{customer_id}/contacts", body)
    assert reply.status == 201, reply.body
    stack.pump_streams()


def bucket_names(stack: EmbeddedStack) -> list[str]:
    resources = stack.template["Resources"].items()
    return [stack.names[k] for k, r in resources if r.get("Type") == "AWS::S3::Bucket"]


def every_item(stack: EmbeddedStack) -> list[dict[str, Any]]:
    """Every item of every table of the stack (a Scan, paged)."""
    items: list[dict[str, Any]] = []
    for table in stack.tables.values():
        for page in stack.dynamodb.get_paginator("scan").paginate(TableName=table):
            items.extend(page["Items"])
    return items


def every_object(stack: EmbeddedStack) -> list[tuple[str, str, bytes]]:
    """(bucket, key, body) of every version of every object in every bucket of the stack."""
    found = []
    for bucket in bucket_names(stack):
        for page in stack.s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for version in page.get("Versions", []):
                body = stack.s3.get_object(
                    Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"]
                )["Body"].read()
                found.append((bucket, version["Key"], body))
    return found


def holding(stack: EmbeddedStack, *words: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The items and the objects (bucket/key) in which any of `words` appears."""
    items = [i for i in every_item(stack) if any(w in json.dumps(i) for w in words)]
    objects = [
        f"{bucket}/{key}"
        for bucket, key, body in every_object(stack)
        if any(w.encode() in body or w in key for w in words)
    ]
    return items, objects


def kind(item: dict[str, Any]) -> str:
    return str(item.get("kind", {}).get("S"))


def seed_ada_and_bob(stack: EmbeddedStack) -> list[str]:
    """Ada, with no case: mail (stored, delivered, one unattributed from before her address was
    linked and an attachment staged for a download), phone calls, a volume signal, her search
    entries, and an auto-reply ledger and a filed email left from a case past its retention.
    Bob beside her. Returns Ada's SES message ids."""
    assert email(stack, "ada.quill@example.org", "Before my address was on file.") == "CONTINUE"
    assert api(stack, "POST", "/customers", ADA).status == 201  # attributes that email
    assert api(stack, "POST", "/customers", BOB).status == 201
    for n in range(4):
        later(stack, timedelta(minutes=5))
        assert email(stack, "ada.quill@example.org", f"Larkspur Row boiler, day {n}") == "CONTINUE"
    for n in range(3):
        later(stack, timedelta(minutes=5))
        phone(stack, "cust-ada", f"Ada Quillfeather rang about the boiler ({n})")
    assert email(stack, "bob.ottoway@example.org", "Bob's gutter") == "CONTINUE"
    phone(stack, "cust-bob", "Bob Ottoway rang about the gutter")
    assert stack.store.claim_auto_reply("cust-ada", START, timedelta(days=7))
    filed = next(stack.store.contacts("cust-ada", START, START + timedelta(days=1)))
    old = filed.model_copy(update={"contact_id": "old-filed", "raw_ref": None})
    assert stack.store.record_contact(old, queue_for_reading=True)
    refs = [e["message_id"] for e in stack.log.emails if e is not stack.log.emails[-1]]
    raw_bucket = stack.functions["IngestFunction"]["env"]["CONTACTGUARD_RAW_MAIL_BUCKET"]
    stack.s3.put_object(Bucket=raw_bucket, Key=f"attachments/{refs[1]}/0", Body=b"Larkspur")
    return refs


@pytest.mark.policy("design-erasure")
def test_an_erased_customer_is_nowhere_in_any_table_or_bucket_and_the_other_is_intact(
    stack: EmbeddedStack,
) -> None:
    refs = seed_ada_and_bob(stack)
    # She asked for her data first: a subject access export was built (a zip of it all).
    export = api(stack, "POST", "/customers/cust-ada/exports", who=DPO)
    assert export.status == 202, export.body
    stack.pump_streams()
    before_items, before_objects = holding(stack, *ADA_DATA, "cust-ada", *refs)
    kinds = {kind(i) for i in before_items}
    assert {"customer", "find", "email", "contact", "contact-key", "signal"} <= kinds
    assert {"read-queue", "delivery", "auto-reply-ledger"} <= kinds
    # five stored messages, the staged attachment, the five copies of what we sent (four
    # forwarded to the staff mailbox, one auto-reply: outbound contacts, kept in sent/), and
    # the subject access zip
    prefixes = sorted(o.split("/", 1)[1].split("/")[0] for o in before_objects)
    assert prefixes == ["attachments", "exports"] + ["inbound"] * 5 + ["sent"] * 5
    bob_items, bob_objects = holding(stack, "Ottoway", "cust-bob")

    later(stack, timedelta(days=1))
    refused = api(stack, "POST", "/customers/cust-ada/erasure", who=MANAGER)
    assert refused.status == 403  # the data protection officer decides
    receipt = api(stack, "POST", "/customers/cust-ada/erasure", who=DPO)
    assert receipt.status == 200, receipt.body

    body = receipt.json()
    assert body["customer_id"] == "cust-ada"
    assert body["erased_by"] == "sub-dpo"
    assert body["role"] == "data-protection-officer"
    assert datetime.fromisoformat(body["erased_at"]) == START + timedelta(days=1, minutes=35)
    table = body["erased"]["table"]
    assert table["customer"] == 1
    assert table["email"] == 1
    assert table["contact"] == 14  # 5 emails, 3 calls, the filed one, 5 sent because of them
    assert table["contact-key"] == 14
    assert table["read-queue"] == 1
    assert table["delivery"] == 5
    assert table["auto-reply-ledger"] == 1
    assert table["signal"] == sum(kind(i) == "signal" for i in before_items) > 0
    assert table["find"] == 3  # one per word of the name, and the postcode
    assert body["erased"]["raw-mail"] == {"message": 5, "staged-attachment": 1, "sent-message": 5}
    assert body["erased"]["letters"] == {}
    assert body["erased"]["exports"] == {"subject-access-zip": 1}
    assert not any(word in json.dumps(body) for word in ADA_DATA)

    items, objects = holding(stack, *ADA_DATA)
    assert items == []
    assert objects == []
    # The id remains only where the erasure is accounted for: the audit trail, the receipt,
    # and the export's job (ids and counts; it goes after 35 days).
    with_id, objects_with_id = holding(stack, "cust-ada")
    assert {kind(i) for i in with_id} == {"audit", "erasure-receipt", "export-job"}
    assert objects_with_id == []
    for ref in refs:
        assert all(ref not in json.dumps(i) for i in every_item(stack))
    # Bob is as he was.
    assert holding(stack, "Ottoway", "cust-bob") == (bob_items, bob_objects)
    bob = api(stack, "GET", "/customers/cust-bob")
    assert bob.status == 200
    assert bob.json()["customer"]["emails"] == ["bob.ottoway@example.org"]
    assert api(stack, "GET", "/customers/cust-ada").status == 404

    # Ada's address is nobody's now: her next email is an unknown sender's.
    assert email(stack, "ada.quill@example.org") == "CONTINUE"
    assert all(kind(i) != "customer" or "cust-ada" not in json.dumps(i) for i in every_item(stack))


@pytest.mark.policy("design-erasure-case-history")
def test_a_customer_with_a_case_is_not_erased_and_told_why(stack: EmbeddedStack) -> None:
    assert api(stack, "POST", "/customers", ADA).status == 201
    assert email(stack, "ada.quill@example.org") == "CONTINUE"
    concern = {
        "kind": "raise-concern",
        "case_id": "case-ada",
        "customer_id": "cust-ada",
        "behaviours": ["scattergun-approach"],
        "note": "the same complaint through every route",
    }
    assert api(stack, "POST", "/cases", concern).status == 201
    stack.pump_streams()
    items_before, objects_before = holding(stack, *ADA_DATA)

    refused = api(stack, "POST", "/customers/cust-ada/erasure", who=DPO)

    assert refused.status == 409
    assert refused.json()["rule"] == "design-erasure-case-history"
    assert "case case-ada still needs their data" in refused.json()["message"]
    assert "kept until it ends and for 6 years after it ends" in refused.json()["message"]
    assert holding(stack, *ADA_DATA) == (items_before, objects_before)  # nothing deleted
    assert api(stack, "GET", "/customers/cust-ada").status == 200


@pytest.mark.policy("design-erasure-case-history")
def test_a_case_past_its_retention_no_longer_holds_the_customer_and_goes_with_its_letters(
    stack: EmbeddedStack,
) -> None:
    """A closed case whose retention has passed waits only for DynamoDB's TTL: it is no reason
    to keep the customer, and its state, events and every version of its letters go too."""
    assert api(stack, "POST", "/customers", ADA).status == 201
    opened = START - timedelta(days=7 * 366)
    case = Case(
        case_id="case-old",
        customer_id="cust-ada",
        status=CaseStatus.CLOSED,
        version=1,
        opened_at=opened,
        closed_at=opened + timedelta(days=30),
    )
    stack.store.commit(case, (), expected_version=None)
    letters = stack.functions["LettersFunction"]["env"]["CONTACTGUARD_LETTERS_BUCKET"]
    for version in (b"draft Ada Quillfeather", b"posted Ada Quillfeather"):
        stack.s3.put_object(Bucket=letters, Key="letters/case-old/l-1/v1.docx", Body=version)
    stack.s3.delete_object(Bucket=letters, Key="letters/case-old/l-1/v1.docx")  # a marker
    stack.s3.put_object(Bucket=letters, Key="uploads/case-old/l-1/mine.pdf", Body=b"Larkspur")

    receipt = api(stack, "POST", "/customers/cust-ada/erasure", who=DPO)

    assert receipt.status == 200, receipt.body
    assert receipt.json()["erased"]["letters"] == {"letter-version": 3, "upload-version": 1}
    assert receipt.json()["erased"]["table"]["case"] == 1
    assert holding(stack, *ADA_DATA) == ([], [])
    assert stack.store.get_case("case-old") is None
    versions = stack.s3.list_object_versions(Bucket=letters, Prefix="letters/case-old/")
    assert not versions.get("Versions")
    assert not versions.get("DeleteMarkers")


@pytest.mark.policy("design-erasure")
@pytest.mark.policy("design-erasure-address-claimed")
def test_an_unmatched_sender_s_mail_is_erased_and_the_receipt_holds_only_a_hash(
    stack: EmbeddedStack,
) -> None:
    assert api(stack, "POST", "/customers", BOB).status == 201
    for _ in range(2):
        assert email(stack, "stranger.quill@example.net", "Larkspur Row") == "CONTINUE"
    assert email(stack, "bob.ottoway@example.org") == "CONTINUE"
    bob_before = holding(stack, "cust-bob")
    stranger = holding(stack, "stranger.quill@example.net")[0]
    inbound = [i for i in stranger if kind(i) == "contact" and i["direction"]["S"] == "inbound"]
    assert len(inbound) == 2  # (and the copies forwarded to the staff mailbox: outbound)

    claimed = api(
        stack, "POST", "/erasure/senders", {"address": "bob.ottoway@example.org"}, who=DPO
    )
    assert claimed.status == 409
    assert "belongs to customer cust-bob" in claimed.json()["message"]
    assert claimed.json()["rule"] == "design-erasure-address-claimed"
    receipt = api(
        stack, "POST", "/erasure/senders", {"address": "Stranger.Quill@example.net"}, who=DPO
    )

    assert receipt.status == 200, receipt.body
    body = receipt.json()
    assert body["subject"] == "sender"
    assert body["sender"].startswith("sha256:")
    assert body["customer_id"] is None
    assert body["erased"]["raw-mail"] == {"message": 2, "sent-message": 2}  # and our copies
    assert body["erased"]["table"]["contact"] == 4
    assert "stranger" not in json.dumps(body)
    assert holding(stack, "stranger.quill", "Larkspur") == ([], [])
    assert holding(stack, "cust-bob") == bob_before


@pytest.mark.policy("design-rectification")
def test_a_correction_keeps_the_old_values_in_its_audit_record_only(
    stack: EmbeddedStack, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = {**ADA, "name": "Ada Quilfeather", "emails": ["ada.old@example.org"]}
    assert api(stack, "POST", "/customers", wrong).status == 201
    assert email(stack, "ada.old@example.org", "From my old address") == "CONTINUE"
    assert email(stack, "ada.quill@example.org", "Sent before it was on file") == "CONTINUE"
    correction = {
        "name": "Ada Quillfeather",
        "wrong_email": "ada.old@example.org",
        "right_email": "ada.quill@example.org",
    }
    assert api(stack, "PATCH", "/customers/cust-ada", correction, who=BOB_CALLER).status == 403

    corrected = api(stack, "PATCH", "/customers/cust-ada", correction)

    assert corrected.status == 200, corrected.body
    assert corrected.json()["corrected"] == ["name", "email"]
    assert corrected.json()["attributed"] == 1  # the email sent before it was on file
    customer = api(stack, "GET", "/customers/cust-ada").json()["customer"]
    assert customer["name"] == "Ada Quillfeather"
    assert customer["emails"] == ["ada.quill@example.org"]
    # The old values are in the change's audit record and nowhere else: not on the customer,
    # not in a search entry, not in a claim, not in a log line.
    items, objects = holding(stack, "Quilfeather")
    assert [kind(i) for i in items] == ["audit"]
    assert objects == []
    assert all(kind(i) in ("audit", "contact") for i in holding(stack, "ada.old@")[0])
    assert not any("Quilfeather" in r.getMessage() + str(r.__dict__) for r in caplog.records)
    trail = api(stack, "GET", "/audit", who=DPO, query={"customer_id": ["cust-ada"]}).json()[
        "records"
    ]
    (record,) = [r for r in trail if r["operation"] == "rectify-customer"]
    assert record["actor_id"] == "sub-sm"
    assert record["detail"] == "corrected=name,email"
    assert record["corrected"] == [
        {"field": "name", "previous": "Ada Quilfeather"},
        {"field": "email", "previous": "ada.old@example.org"},
    ]
    # Ingest matches by the right address from now on; the old one attributes nothing new,
    # and the contacts it brought in stay the customer's.
    assert email(stack, "ada.old@example.org", "Another from the old one") == "CONTINUE"
    assert email(stack, "ada.quill@example.org", "From the right one") == "CONTINUE"
    contacts = api(
        stack, "GET", "/customers/cust-ada/contacts", query={"from": ["2026-11-01"]}
    ).json()
    sources = sorted(
        c["source_address"] for c in contacts["contacts"] if c["direction"] == "inbound"
    )
    assert sources == [
        "ada.old@example.org",  # before the correction: still hers
        "ada.quill@example.org",
        "ada.quill@example.org",
    ]
    unmatched = [i for i in every_item(stack) if i["pk"]["S"] == "UNMATCHED#ada.old@example.org"]
    assert len(unmatched) == 2  # the email, and our copy of it forwarded to the staff mailbox

    # Erasing her later clears the old values from the audit record as well.
    receipt = api(stack, "POST", "/customers/cust-ada/erasure", who=DPO)
    assert receipt.status == 200, receipt.body
    assert receipt.json()["erased"]["table"]["audit-values-cleared"] == 1
    assert holding(stack, "Quilfeather", "Quillfeather") == ([], [])


BOB_CALLER = {"sub": "sub-ch", "cognito:groups": "call-handler", "name": "Cal Handler"}


@pytest.mark.policy("design-erasure")
def test_the_console_erases_as_the_api_does_under_its_own_role(log_privacy: Any) -> None:
    """The data protection officer's page on the stack: its deletes checked against the
    console's role (tests/iam_calls.py), and nothing of the customer left."""
    log_privacy.register(*ADA_DATA)
    with (
        EmbeddedStack(SimClock(START), params=CONSOLE_PARAMS) as stack,
        console_on(stack) as browser,
    ):
        assert api(stack, "POST", "/customers", ADA).status == 201
        assert email(stack, "ada.quill@example.org", "Larkspur Row again") == "CONTINUE"
        browser.sign_in("dee", ["data-protection-officer"], "Dee Officer")
        form = browser.request("GET", "/console/customers/cust-ada/erasure")
        assert form.status == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        done = browser.request(
            "POST",
            "/console/customers/cust-ada/erasure",
            {"csrf_token": unescape(token.group(1)), "confirm": "cust-ada"},
        )
        assert done.status == 200, done.text
        assert "Customer erased" in done.text
        assert holding(stack, *ADA_DATA) == ([], [])
