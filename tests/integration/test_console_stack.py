"""The console as deployed, on the embedded stack: wired from the template's environment (its
secret from Secrets Manager, its client id from SSM), sessions in the cases table, and the
table's stream consumers never given a session item."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console.session_store import KIND, session_pk
from console.sessions import COOKIE, hashed
from console_on_stack import CONSOLE_PARAMS, console_on
from contactguard.domain.calendar import LONDON
from contactguard_local.stack import EmbeddedStack, SimClock

START = datetime(2026, 12, 1, 9, tzinfo=LONDON)


def session_item(stack: EmbeddedStack, cookie: str) -> dict[str, Any] | None:
    key = {"pk": {"S": session_pk(hashed(cookie))}, "sk": {"S": "SESSION"}}
    item: dict[str, Any] | None = stack.dynamodb.get_item(TableName=stack.table, Key=key).get(
        "Item"
    )
    return item


def is_session(record: dict[str, Any]) -> bool:
    return str(record["dynamodb"]["Keys"]["pk"]["S"]).startswith("SESSION#")


def test_a_member_of_staff_signs_in_and_out_with_the_session_in_the_table() -> None:
    with (
        EmbeddedStack(SimClock(START), params=CONSOLE_PARAMS) as stack,
        console_on(stack) as browser,
    ):
        home = browser.sign_in("sam", ["service-manager"], "Sam Manager")
        assert home.status == 200
        assert "Signed in as <strong>Sam Manager</strong>" in home.text
        cookie = browser.cookies[COOKIE]
        item = session_item(stack, cookie)
        assert item is not None
        assert item["kind"] == {"S": KIND}
        assert int(item["expires_at"]["N"]) > START.timestamp()  # the table's TTL removes it
        signed_out = browser.sign_out(home)
        assert signed_out.status == 303
        assert COOKIE not in browser.cookies
        assert session_item(stack, cookie) is None


def test_no_stream_consumer_is_given_a_session_item() -> None:
    """Sessions live in the cases table, whose stream feeds delivery, signals, letters and
    deadlines: their FilterCriteria (on `kind`) must leave every session write out."""
    with (
        EmbeddedStack(SimClock(START), params=CONSOLE_PARAMS) as stack,
        console_on(stack) as browser,
    ):
        browser.sign_out(browser.sign_in("sam", ["service-manager"]))
        records = [r for r in stack.take_stream_records() if is_session(r)]
        assert {r["eventName"] for r in records} == {"INSERT", "REMOVE"}
        assert stack.consumers
        for consumer in stack.consumers:
            assert stack.selected(consumer, records) == [], consumer.logical_id


def test_the_safeguarding_lead_reads_a_filed_email_and_downloads_its_attachment() -> None:
    """The stored message read from the raw mail bucket, and the attachment staged under
    attachments/ for a presigned download: each call within the console's role."""
    from email.message import EmailMessage
    from urllib.parse import parse_qs, urlsplit

    from contactguard.domain.model import Actor, Customer, Role
    from contactguard_local.examples import immediate_restrictions

    with (
        EmbeddedStack(SimClock(START), params=CONSOLE_PARAMS) as stack,
        console_on(stack) as browser,
    ):
        address = "alex@example.org"
        stack.store.put_customer(Customer(customer_id="c1", name="Alex", emails=(address,)))
        head = Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE)
        stack.cases.open_case(immediate_restrictions("c1-case", "c1"), head, stack.clock())
        stack.pump_streams()
        stack.advance(START.replace(hour=10))
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = address, "housing@example.org", "Boiler"
        email.set_content("Still broken.\n")
        email.add_attachment(b"photo", maintype="image", subtype="png", filename="boiler.png")
        stack.deliver_email(email.as_bytes(), address, "Boiler")
        contact_id = "email-" + stack.log.emails[-1]["message_id"]
        browser.sign_in("sage", ["safeguarding-lead"])

        page = browser.request("GET", f"/console/read-queue/{contact_id}")
        assert page.status == 200
        assert '<div class="govuk-body cg-email-text">Still broken.</div>' in page.text
        download = browser.request("GET", f"/console/read-queue/{contact_id}/attachments/1")

        assert download.status == 303
        link = urlsplit(download.headers["Location"])
        query = parse_qs(link.query)
        assert query["response-content-disposition"] == ['attachment; filename="boiler.png"']
        assert query["response-content-type"] == ["application/octet-stream"]
        bucket = stack.functions["ConsoleFunction"]["env"]["CONTACTGUARD_RAW_MAIL_BUCKET"]
        assert link.netloc.startswith(bucket + ".")
        assert link.path.startswith("/attachments/")
        staged = stack.s3.get_object(Bucket=bucket, Key=link.path.removeprefix("/"))
        assert staged["Body"].read() == b"photo"


def test_a_case_from_before_the_dashboard_index_reaches_the_dashboard_after_the_daily_sweep() -> (
    None
):
    from contactguard.domain.case import Behaviour, RaiseConcern
    from contactguard.domain.model import Actor, Customer, Role

    with (
        EmbeddedStack(SimClock(START), params=CONSOLE_PARAMS) as stack,
        console_on(stack) as browser,
    ):
        stack.store.put_customer(Customer(customer_id="c1", name="Old Case"))
        manager = Actor(actor_id="sam", role=Role.SERVICE_MANAGER)
        concern = RaiseConcern(
            case_id="old-case",
            customer_id="c1",
            behaviours=(Behaviour.SCATTERGUN,),
            note="scattergun contact",
        )
        stack.cases.open_case(concern, manager, stack.clock())
        stack.pump_streams()  # the letters function drafts the concern letter
        stack.dynamodb.update_item(  # as committed before the index existed
            TableName=stack.table,
            Key={"pk": {"S": "CASE#old-case"}, "sk": {"S": "STATE"}},
            UpdateExpression="REMOVE gsi2pk, gsi2sk",
        )
        home = browser.sign_in("sam", ["service-manager"])
        assert "Old Case" not in home.text

        swept = stack.invoke("DeadlinesReconcileFunction", {})

        assert swept["indexed"] == 1
        assert "Old Case" in browser.request("GET", "/console/").text
        assert stack.invoke("DeadlinesReconcileFunction", {})["indexed"] == 0


def test_a_signal_raised_by_the_signals_function_waits_on_the_dashboard_until_considered() -> None:
    """The signals function keeps what it raises (its PutItem within its role); the console
    lists it and records the manager's judgement (within the console's)."""
    import re
    from datetime import timedelta
    from html import unescape

    from contactguard.domain.model import Channel, Contact, Customer

    with (
        EmbeddedStack(SimClock(START), params=CONSOLE_PARAMS) as stack,
        console_on(stack) as browser,
    ):
        stack.store.put_customer(Customer(customer_id="c1", name="Busy Caller"))
        for n in range(12):
            stack.store.record_contact(
                Contact(
                    contact_id=f"call-{n}",
                    customer_id="c1",
                    channel=Channel.PHONE,
                    at=START + timedelta(minutes=10 * n),
                    summary=f"call number {n}",
                )
            )
        stack.pump_streams()
        home = browser.sign_in("sam", ["service-manager"])
        assert "Busy Caller" in home.text
        found = re.search(r'href="/console/(signals/c1/call-\d+/volume-day)"', home.text)
        assert found
        page = browser.request("GET", "/console/" + found.group(1))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token

        done = browser.request(
            "POST",
            "/console/" + found.group(1),
            {"csrf_token": unescape(token.group(1)), "note": "moving house: no action"},
        )

        assert done.status == 303
        after = browser.request("GET", done.headers["Location"])
        assert "Considered: more contacts in 24 hours" in after.text
