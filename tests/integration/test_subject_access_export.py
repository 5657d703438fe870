"""A subject access export on the embedded stack, as a data protection officer runs it through
the API: the job started (POST), built by the export function from the job's insert on the
table's stream, watched (GET), refused for download while a draft, released (audited) and
downloaded. The zip is opened and read file by file: everything held on the customer, and
nothing of anyone else."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import RaiseConcern, RedraftLetter
from contactguard.domain.model import (
    Actor,
    Behaviour,
    Channel,
    Customer,
    PostalAddress,
    RaisedSignal,
    Role,
    SignalConsidered,
)
from contactguard.domain.restrictions import LettersOnly, TelephoneViaThirdParty
from contactguard_local.apigw import ProxyReply, rest_event
from contactguard_local.examples import immediate_restrictions
from contactguard_local.stack import EmbeddedStack, SimClock

NOW = datetime(2026, 12, 2, 10, tzinfo=LONDON)  # a Wednesday
TENANT, OTHER = "pat.tenant@example.org", "olive.other@example.net"
THIRD_PARTY = "Tom Neighbour"
MANAGER = Actor(actor_id="sam", role=Role.SERVICE_MANAGER)
HEAD = Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE)
DPO = ("data-protection-officer", "dee")
REVIEW = {"review": ["true"]}


def call(
    stack: EmbeddedStack,
    method: str,
    path: str,
    who: tuple[str, str],
    body: Any = None,
    accept: str = "application/json",
    query: dict[str, list[str]] | None = None,
) -> ProxyReply:
    role, sub = who
    claims = {"sub": sub, "cognito:groups": role}
    headers = {"Content-Type": "application/json", "Accept": accept}
    event = rest_event(
        method,
        path,
        claims=claims,
        headers=headers,
        query=query,
        body=json.dumps(body) if body is not None else None,
    )
    reply = ProxyReply.of(stack.invoke("ApiFunction", event))
    stack.pump_streams()  # what API Gateway and Lambda do next: the stream's consumers run
    return reply


def email(sender: str, subject: str, *, cc: str | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "contact@example.org"
    if cc:
        mail["Cc"] = cc
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{subject.replace(' ', '-')}@example.org>"
    mail.set_content(f"{subject}: please call me back.")
    return mail.as_bytes()


def readable(name: str, content: bytes) -> str:
    """A file's words: a Word document's text (its XML is compressed), else the bytes."""
    if name.endswith(".docx"):
        import docx

        document = docx.Document(io.BytesIO(content))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([*(p.text for p in document.paragraphs), *cells])
    return content.decode("utf-8", errors="replace")


@pytest.fixture
def stack() -> Iterator[EmbeddedStack]:
    with EmbeddedStack(SimClock(NOW)) as running:
        yield running


def seed(stack: EmbeddedStack) -> dict[str, Any]:
    """Pat: emails in (one copied to a neighbour) and out (a forwarded copy, an auto-reply),
    phone calls either way, two cases (a concern whose letter was redrafted and posted as
    changed, then immediate restrictions naming a third party), a filed email read with a
    safeguarding note, and staff reading the record. Olive, another customer, has her own."""
    address = PostalAddress(lines=("1 High Street", "Derby"), postcode="DE1 1AA")
    stack.store.put_customer(
        Customer(customer_id="c1", name="Pat Tenant", emails=(TENANT,), address=address)
    )
    stack.store.put_customer(
        Customer(customer_id="cust-olive", name="Olive Other", emails=(OTHER,))
    )
    manager = ("service-manager", "sam")

    stack.deliver_email(
        email(TENANT, "Boiler broken", cc="tom@neighbours.example"), TENANT, "Boiler broken"
    )
    stack.deliver_email(email(OTHER, "Olive's fence"), OTHER, "Olive's fence")
    for customer, summary, outbound in (
        ("c1", "rang about the boiler", False),
        ("c1", "we rang back about the boiler", True),
        ("cust-olive", "Olive rang about her fence", False),
    ):
        logged = call(
            stack,
            "POST",
            f"/customers/{customer}/contacts",
            manager,
            {
                "channel": "phone",
                "summary": summary,
                "direction": "outbound" if outbound else "inbound",
            },
        )
        assert logged.status == 201, logged.text

    # Case 1: a concern; its letter drafted, redrafted (a second version), posted as changed.
    concern = RaiseConcern(
        case_id="k1", customer_id="c1", behaviours=(Behaviour.SCATTERGUN,), note="every route"
    )
    stack.cases.open_case(concern, MANAGER, stack.clock())
    stack.pump_streams()  # the letters function drafts v1
    stack.clock.now = NOW + timedelta(days=1)
    case = stack.store.get_case("k1")
    assert case is not None
    letter_id = case.letters[0].letter_id
    stack.cases.act("k1", RedraftLetter(letter_id=letter_id), MANAGER, stack.clock())
    stack.pump_streams()  # v2
    form = call(stack, "POST", f"/cases/k1/letters/{letter_id}/upload-form", manager)
    key = form.json()["fields"]["key"].replace("${filename}", "as posted.pdf")
    letters_bucket = stack.names["LettersBucket"]
    stack.s3.put_object(
        Bucket=letters_bucket, Key=key, Body=b"%PDF-1.7 as posted", ContentType="application/pdf"
    )
    case = stack.store.get_case("k1")
    assert case is not None
    sent = call(
        stack,
        "POST",
        "/cases/k1/commands",
        manager,
        {
            "kind": "mark-letter-sent",
            "letter_id": letter_id,
            "sent_on": stack.clock().date().isoformat(),
            "final_key": key,
            "expected_version": case.version,
        },
    )
    assert sent.status == 200, sent.text
    closed = call(
        stack,
        "POST",
        "/cases/k1/commands",
        manager,
        {
            "kind": "close-concern",
            "reason": "resolved",
            "expected_version": sent.json()["case"]["version"],
        },
    )
    assert closed.status == 200, closed.text

    # Case 2: immediate restrictions, letters only and calls through a named third party.
    stack.clock.now = NOW + timedelta(days=2)
    restrictions = immediate_restrictions(
        "k2",
        "c1",
        LettersOnly(write_to="PO Box 1, Derby"),
        TelephoneViaThirdParty(third_party=THIRD_PARTY, relationship="neighbour"),
    )
    stack.cases.open_case(restrictions, HEAD, stack.clock())
    stack.pump_streams()
    # Filed now: the auto-reply goes (an outbound contact), and the officer reads it.
    stack.deliver_email(email(TENANT, "Still broken"), TENANT, "Still broken")
    (filed,) = [
        c
        for c in stack.store.contacts("c1", NOW, NOW + timedelta(days=3))
        if c.disposition.value == "filed-blocked"
    ]
    read = call(
        stack,
        "POST",
        f"/read-queue/{filed.contact_id}/read",
        ("safeguarding-lead", "sage"),
        {"outcome": "safeguarding", "note": "mentions a child at risk: referred on"},
    )
    assert read.status == 200, read.text
    # A signal on each customer's contact; a manager weighed Pat's and wrote why.
    for customer_id, contact_id in (("c1", filed.contact_id), ("cust-olive", "olive-call")):
        stack.store.record_signal(
            RaisedSignal(
                customer_id=customer_id,
                contact_id=contact_id,
                signal="volume",
                at=stack.clock(),
                channel=Channel.EMAIL,
            )
        )
    stack.store.consider_signal(
        "c1",
        filed.contact_id,
        "volume",
        SignalConsidered(at=stack.clock(), by="sam", note="one burst after the boiler failed"),
    )
    # Staff read the record (audited); one reads Olive's too.
    assert call(stack, "GET", "/customers/c1", ("call-handler", "cal")).status == 200
    assert call(stack, "GET", "/customers/cust-olive", ("call-handler", "cal")).status == 200
    return {"letter_id": letter_id, "filed": filed.contact_id}


def test_a_subject_access_export_holds_everything_on_the_customer_and_nothing_of_another(
    stack: EmbeddedStack,
) -> None:
    seeded = seed(stack)
    held = list(stack.store.contacts("c1", NOW - timedelta(days=1), NOW + timedelta(days=9)))

    started = call(stack, "POST", "/customers/c1/exports", DPO)
    assert started.status == 202, started.text
    job_id = started.json()["job_id"]
    assert started.headers["Location"] == f"/exports/{job_id}"

    status = call(stack, "GET", f"/exports/{job_id}", DPO)
    job = status.json()
    assert (job["status"], job["download_url"]) == ("draft", None)
    assert job["done"] == job["total"] > 0
    # A draft cannot be downloaded: the zip is refused, and no link is given; the officer
    # asks for it to review it (audited as a review), and it says it is a draft.
    refused = call(stack, "GET", f"/exports/{job_id}/zip", DPO, accept="application/zip")
    assert (refused.status, refused.json()["rule"]) == (409, "export-not-released")
    review = call(
        stack, "GET", f"/exports/{job_id}/zip", DPO, accept="application/zip", query=REVIEW
    )
    assert review.status == 200, review.text
    assert "c1-subject-access-draft.zip" in review.headers["Content-Disposition"]
    draft = zipfile.ZipFile(io.BytesIO(review.body))
    assert draft.read("README.txt").decode().startswith("DRAFT FOR THE DATA PROTECTION OFFICER")
    # Marked for the officer's redaction review, each with why.
    marks = {(m["mark"], m["path"]) for m in job["marked"]}
    eml = {c.contact_id: f"contacts/emails/{c.contact_id}.eml" for c in held}
    boiler = next(c for c in held if c.summary == "Boiler broken" and c.direction == "inbound")
    assert ("third-party-recipients", eml[boiler.contact_id]) in marks  # Cc'd to a neighbour
    assert ("third-party-named", "cases/k2/case.json") in marks  # the named third party
    assert ("staff-safeguarding-note", "contacts/contacts.json") in marks
    assert all(m["why"] for m in job["marked"])

    # Only a data protection officer releases it; the release is audited.
    other = call(stack, "POST", f"/exports/{job_id}/release", ("service-manager", "sam"), {})
    assert other.status == 403
    cc_copy = eml[boiler.contact_id]
    wrong = call(
        stack,
        "POST",
        f"/exports/{job_id}/release",
        DPO,
        {"withheld": [{"path": "README.txt", "reason": "x"}, {"path": "no/such", "reason": "y"}]},
    )
    assert (wrong.status, wrong.json()["rule"]) == (409, "export-withhold")
    assert "README.txt tells the customer" in wrong.json()["message"]
    assert "no/such is not a file of this export" in wrong.json()["message"]
    assert call(stack, "GET", f"/exports/{job_id}", DPO).json()["status"] == "draft"
    released = call(
        stack,
        "POST",
        f"/exports/{job_id}/release",
        DPO,
        {
            "note": "neighbour's address withheld",
            "withheld": [{"path": cc_copy, "reason": "It was copied to another person."}],
        },
    )
    assert released.status == 200, released.text
    assert released.json()["withheld"] == [
        {"path": cc_copy, "reason": "It was copied to another person."}
    ]
    assert released.json()["status"] == "released"
    assert released.json()["released_by"] == "dee"
    assert released.json()["download_url"].startswith("https://")  # presigned, short-lived
    assert "X-Amz-Expires=300" in released.json()["download_url"]
    again = call(stack, "POST", f"/exports/{job_id}/release", DPO, {})
    assert (again.status, again.json()["rule"]) == (409, "export-release-draft-only")
    trail = stack.store.audit_of_customer(
        "c1", NOW - timedelta(days=1), NOW + timedelta(days=30), 1000
    )
    assert [r.actor_id for r in trail if r.operation == "release-subject-access-export"] == ["dee"]

    got = call(stack, "GET", f"/exports/{job_id}/zip", DPO, accept="application/zip")
    assert got.status == 200, got.text
    archive = zipfile.ZipFile(io.BytesIO(got.body))
    names = set(archive.namelist())
    bucket = stack.names["ExportsBucket"]
    kept = [o["Key"] for o in stack.s3.list_objects_v2(Bucket=bucket)["Contents"]]
    # The draft, kept for the record, and the released zip the presigned link serves.
    assert sorted(kept) == [f"exports/c1/{job_id}-released.zip", f"exports/c1/{job_id}.zip"]
    assert set(draft.namelist()) - names == {cc_copy}
    assert names - set(draft.namelist()) == {"WITHHELD.txt"}
    assert "It was copied to another person." in archive.read("WITHHELD.txt").decode()

    # The record, every contact in and out, each email as received or as sent.
    assert json.loads(archive.read("customer.json"))["name"] == "Pat Tenant"
    listed = json.loads(archive.read("contacts/contacts.json"))["contacts"]
    assert {c["contact_id"] for c in listed} == {c.contact_id for c in held}
    kinds = {(c["channel"], c["direction"], c["disposition"], c["reason"]) for c in listed}
    assert ("phone", "inbound", "accepted", "") in kinds
    assert ("phone", "outbound", "accepted", "") in kinds
    assert ("email", "inbound", "accepted", "no-email-restriction") in kinds
    assert ("email", "inbound", "filed-blocked", "letters-only-restriction") in kinds
    assert ("email", "outbound", "sent", "forwarded-to-staff-mailbox") in kinds
    assert ("email", "outbound", "sent", "auto-reply") in kinds
    emails = [c for c in held if c.raw_ref]
    assert len(emails) == 4  # two in, a forwarded copy and an auto-reply out
    for contact in emails:
        assert eml[contact.contact_id] in draft.namelist()
    assert draft.read(cc_copy) == email(TENANT, "Boiler broken", cc="tom@neighbours.example")
    (reply,) = [m for m in stack.log.sent if m.recipients() == (TENANT,)]
    auto = next(c for c in held if c.reason == "auto-reply")
    assert archive.read(eml[auto.contact_id]) == reply.data  # as it was sent

    # Both cases with their events; every letter version drafted, and the one posted.
    for case_id in ("k1", "k2"):
        assert json.loads(archive.read(f"cases/{case_id}/case.json"))["case_id"] == case_id
        events = json.loads(archive.read(f"cases/{case_id}/events.json"))
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    folder = f"letters/k1/{seeded['letter_id']}"
    drafts = sorted(n for n in names if n.startswith(f"{folder}/drafts/"))
    assert drafts == [f"{folder}/drafts/1-v1.docx", f"{folder}/drafts/2-v2.docx"]
    assert all("Pat Tenant" in readable(d, archive.read(d)) for d in drafts)
    assert archive.read(drafts[0]) != archive.read(drafts[1])
    assert archive.read(f"{folder}/as-sent.pdf") == b"%PDF-1.7 as posted"
    assert any(n.startswith("letters/k2/") and "/drafts/" in n for n in names)
    # The concern could go by email (policy s.4): each draft's email version, as prepared.
    emailed = sorted(n for n in names if n.startswith(f"{folder}/email-versions/"))
    assert emailed == [f"{folder}/email-versions/1-v1.eml", f"{folder}/email-versions/2-v2.eml"]
    for name in emailed:
        message = message_from_bytes(archive.read(name), policy=default_policy)
        assert message["To"].addresses[0].addr_spec == TENANT
        assert message["X-Unsent"] == "1"

    # The signals raised on Pat's contact, with the manager's judgement (marked for review).
    (signal,) = json.loads(archive.read("signals/signals.json"))
    assert (signal["contact_id"], signal["signal"]) == (seeded["filed"], "volume")
    assert signal["considered"]["note"] == "one burst after the boiler failed"
    assert ("staff-note", "signals/signals.json") in marks

    # Who looked at the record.
    audit = json.loads(archive.read("audit/access.json"))
    assert {("cal", "read-customer"), ("sage", "mark-read")} <= {
        (r["actor_id"], r["operation"]) for r in audit
    }
    assert all(r["customer_id"] == "c1" for r in audit)

    # A README saying what each file is.
    readme = archive.read("README.txt").decode()
    assert not readme.startswith("DRAFT")
    assert "1 file(s) we hold on you are not in this export" in readme
    for described in (
        "customer.json",
        "contacts/contacts.json",
        "contacts/emails/<contact>.eml",
        "cases/<case>/events.json",
        "letters/<case>/<letter>/drafts/",
        "as-sent.docx (or .pdf)",
        "audit/access.json",
        "email-versions/<n>-<file>.eml",
        "signals/signals.json",
    ):
        assert described in readme
    every_draft = [n for n in names if "/drafts/" in n]
    assert f"oldest first ({len(every_draft)} in all)" in readme
    assert "(1 in all)" in readme  # the one posted as changed

    # Nothing of Olive: not her id, name, address, words or the staff's read of her record.
    for name in names:
        content = readable(name, archive.read(name))
        for hers in ("cust-olive", "Olive", OTHER, "fence"):
            assert hers not in content, (name, hers)


def test_an_export_is_built_once_however_often_its_job_is_delivered(
    stack: EmbeddedStack,
) -> None:
    stack.store.put_customer(Customer(customer_id="c1", name="Pat Tenant", emails=(TENANT,)))
    started = call(stack, "POST", "/customers/c1/exports", DPO)
    job_id = started.json()["job_id"]
    built = stack.store.export_job(job_id)
    assert built is not None
    assert built.status == "draft"
    record = {
        "eventName": "INSERT",
        "dynamodb": {
            "NewImage": {"kind": {"S": "export-job"}, "doc": {"S": built.model_dump_json()}},
            "SequenceNumber": "1",
        },
    }
    assert stack.invoke("ExportFunction", {"Records": [record]}) == {"batchItemFailures": []}
    assert stack.store.export_job(job_id) == built  # left as it was: no second build
