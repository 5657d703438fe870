"""The staff HTTP API on moto: API-Gateway-shaped REST events (as the Cognito authorizer passes
them) through the real Lambda handler, and the replies a member of staff would get."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import api.app as api_app
import api.routes.cases as api_cases
from api.handler import lambda_handler
from api.settings import api_settings
from contactguard.adapters.dynamodb import DynamoStore
from contactguard.domain.calendar import LONDON
from contactguard.domain.case import (
    DEADLINE_COMMANDS,
    DOCX_TYPE,
    EML_TYPE,
    CommandKind,
    LetterStatus,
    RecordLetterDrafted,
    SentVia,
)
from contactguard.domain.letter_kinds import LETTER_KINDS
from contactguard.domain.lifecycle import Policy
from contactguard.domain.model import (
    Actor,
    Channel,
    Contact,
    Customer,
    Disposition,
    PostalAddress,
    Role,
)
from contactguard.service import CaseService
from contactguard_local.apigw import ProxyReply, rest_event
from contactguard_local.openapi import main as openapi_main
from contactguard_local.stack import FakeContext

CUSTOMER = "cust-1"
ADDRESS = "ada.private@example.org"
NAME = "Ada Private-Tenant"
EQUALITY = {
    "reasonable_adjustments_considered": True,
    "vulnerability_considered": True,
    "equality_act_duties_considered": True,
    "notes": "no vulnerability known; an advocate may write on her behalf",
}
LETTERS_BUCKET = "contactguard-test-letters"
RAW_MAIL_BUCKET = "contactguard-test-raw-mail"  # erasure deletes stored messages from it
LETTERS_ONLY = {"type": "letters-only", "write_to": "PO Box 1, Derby DE1 2AB"}


def docx_bytes(letter_id: str) -> bytes:
    """Stands in for the letters function's document: bytes that are not UTF-8 text."""
    return b"PK\x03\x04\xff\xfe" + letter_id.encode()


def when(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=LONDON)


@dataclass(frozen=True)
class Staff:
    sub: str
    groups: Any  # as the authorizer passes cognito:groups: "a,b", "[a b]" or a list
    name: str | None = None

    def claims(self) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.sub, "cognito:groups": self.groups}
        if self.name:
            claims["name"] = self.name
        return claims


MANAGER = Staff("sub-sm-1", "service-manager", "Sam Manager")
MANAGER_2 = Staff("sub-sm-2", "service-manager", "Sol Manager")
HEAD = Staff("sub-hos-1", "head-of-service", "Hana Head")
CET = Staff("sub-cet-1", "customer-experience-team", "Cat Experience")
EXECUTIVE = Staff("sub-exec-1", "executive-team", "Ed Executive")
CALL_HANDLER = Staff("sub-call-1", "call-handler", "Cal Handler")
SAFEGUARDING = Staff("sub-sg-1", "safeguarding-lead", "Sage Guard")
DPO = Staff("sub-dpo-1", "data-protection-officer", "Dee Protection")
# A Head of Service who also sits on the Executive Team (REST API comma form of the claim).
HEAD_AND_EXEC = Staff("sub-hos-2", "head-of-service,executive-team", "Hal Both")
NOBODY = Staff("sub-x", "", None)
SYSTEM_GROUP = Staff("sub-sys", "system", None)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, Any]

    @property
    def rule(self) -> str | None:
        return self.body.get("rule") if isinstance(self.body, dict) else None

    def fields(self) -> dict[str, str]:
        return {p["field"]: p["reason"] for p in self.body.get("fields", [])}

    def text(self) -> str:
        return json.dumps(self.body) if not isinstance(self.body, bytes) else repr(self.body)


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Api:
    clock: Clock
    store: DynamoStore
    s3: Any

    def call(
        self,
        method: str,
        path: str,
        *,
        by: Staff | None = MANAGER,
        body: Any = None,
        raw: str | None = None,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        role: str | None = None,
    ) -> Reply:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if role is not None:
            all_headers["X-Acting-Role"] = role
        event = rest_event(
            method,
            path,
            claims=by.claims() if by is not None else None,
            headers=all_headers,
            query={k: [v] for k, v in query.items()} if query else None,
            body=raw if raw is not None else (None if body is None else json.dumps(body)),
        )
        reply = ProxyReply.of(lambda_handler(event, FakeContext(function_name="StaffApiFunction")))
        if reply.headers.get("Content-Type") in (api_app.DOCX, EML_TYPE):
            return Reply(reply.status, reply.body, reply.headers)
        return Reply(reply.status, reply.json(), reply.headers)

    # Conveniences -------------------------------------------------------------------------

    def customer(self, customer_id: str = CUSTOMER, emails: tuple[str, ...] = (ADDRESS,)) -> None:
        body = {"customer_id": customer_id, "name": NAME, "emails": list(emails)}
        reply = self.call("POST", "/customers", body=body)
        assert reply.status == 201, reply.body

    def concern(self, case_id: str = "case-1", customer_id: str = CUSTOMER) -> Reply:
        body = {
            "kind": "raise-concern",
            "case_id": case_id,
            "customer_id": customer_id,
            "behaviours": ["scattergun-approach"],
            "note": "the same complaint through every route",
        }
        return self.call("POST", "/cases", by=MANAGER, body=body)

    def act(
        self,
        case_id: str,
        body: dict[str, Any],
        *,
        by: Staff,
        version: int | None = None,
        **kw: Any,
    ) -> Reply:
        if version is not None:
            body = {**body, "expected_version": version}
        return self.call("POST", f"/cases/{case_id}/commands", by=by, body=body, **kw)

    def version(self, case_id: str = "case-1") -> int:
        case = self.store.get_case(case_id)
        assert case is not None
        return case.version

    def draft_letters(self, case_id: str = "case-1", *, email: bool = False) -> None:
        """The letters function's part: every required letter drafted today (a system
        command), with an email version if `email` where its kind may go by email."""
        service = CaseService(self.store, self.store, Policy())
        case = self.store.get_case(case_id)
        assert case is not None
        for letter in case.letters:
            if letter.status is LetterStatus.REQUIRED:
                key = f"letters/{letter.letter_id}"
                self.s3.put_object(
                    Bucket=LETTERS_BUCKET, Key=key, Body=docx_bytes(letter.letter_id)
                )
                email_key = None
                if email and LETTER_KINDS[letter.kind].by_email:
                    email_key = f"{key}.eml"
                    self.s3.put_object(Bucket=LETTERS_BUCKET, Key=email_key, Body=EML)
                command = RecordLetterDrafted(
                    letter_id=letter.letter_id, version=1, s3_key=key, email_key=email_key
                )
                service.act(case_id, command, Actor.system("letters"), self.clock.now)

    def letter_id(self, kind: str, case_id: str = "case-1") -> str:
        case = self.store.get_case(case_id)
        assert case is not None
        return next(x.letter_id for x in case.letters if x.kind.value == kind)

    def restricted_case(self, case_id: str = "case-1") -> None:
        """Concern 2 Nov (letter sent 3 Nov), letters-only decided 14 Dec, letter sent 18 Dec."""
        self.clock.now = when("2026-11-02")
        assert self.concern(case_id).status == 201
        self.draft_letters(case_id)
        self.clock.now = when("2026-11-03")
        sent = {"kind": "mark-letter-sent", "letter_id": self.letter_id("concern", case_id)}
        sent["sent_on"] = "2026-11-03"
        assert self.act(case_id, sent, by=MANAGER, version=self.version(case_id)).status == 200
        self.clock.now = when("2026-12-14")
        impose = {
            "kind": "impose-restrictions",
            "restrictions": [LETTERS_ONLY],
            "behaviours": ["scattergun-approach"],
            "reason": "no change after the concern letter",
            "equality": EQUALITY,
        }
        reply = self.act(case_id, impose, by=HEAD, version=self.version(case_id))
        assert reply.status == 200, reply.body
        self.clock.now = when("2026-12-18")
        self.draft_letters(case_id)  # the restriction letter is drafted for the day it goes out
        sent = {
            "kind": "mark-letter-sent",
            "letter_id": self.letter_id("restrictions", case_id),
            "sent_on": "2026-12-18",
        }
        reply = self.act(case_id, sent, by=HEAD, version=self.version(case_id))
        assert reply.status == 200, reply.body
        assert reply.body["case"]["status"] == "restricted"


@pytest.fixture
def api(
    store: DynamoStore, tables: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Api]:
    monkeypatch.setenv("CONTACTGUARD_TABLE_NAME", tables["CasesTable"])
    monkeypatch.setenv("CONTACTGUARD_LETTERS_BUCKET", LETTERS_BUCKET)
    monkeypatch.setenv("CONTACTGUARD_RAW_MAIL_BUCKET", RAW_MAIL_BUCKET)
    monkeypatch.setenv("CONTACTGUARD_EXPORTS_BUCKET", "contactguard-test-exports")
    s3 = boto3.client("s3", region_name="eu-west-2")
    for bucket in (LETTERS_BUCKET, RAW_MAIL_BUCKET):
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
    api_settings.cache_clear()
    api_app.build.cache_clear()
    clock = Clock(when("2026-12-01"))
    api_app.build.use_clock(clock)  # the composition root takes the clock
    yield Api(clock=clock, store=store, s3=s3)
    api_app.build.use_clock(None)
    api_app.build.cache_clear()
    api_settings.cache_clear()


# Who is calling ------------------------------------------------------------------------------


def test_no_claims_is_401(api: Api) -> None:
    reply = api.call("GET", f"/customers/{CUSTOMER}", by=None)
    assert reply.status == 401
    assert reply.body["error"] == "not-authenticated"


@pytest.mark.parametrize("staff", [NOBODY, SYSTEM_GROUP, Staff("sub-y", "admins,everyone")])
def test_a_caller_in_no_staff_group_is_403_before_anything_else(api: Api, staff: Staff) -> None:
    for reply in (
        api.call("GET", "/read-queue", by=staff),
        api.call("POST", "/customers", by=staff, body={"bad": "body"}),  # 403, not 400
        api.call("POST", "/customers", by=staff, raw="{not json"),
    ):
        assert reply.status == 403, reply.body
        assert reply.rule == "staff-role-required"


@pytest.mark.parametrize(
    "groups", ["head-of-service,executive-team", "[head-of-service executive-team]"]
)
def test_several_groups_need_the_acting_role_header(api: Api, groups: str) -> None:
    api.customer()
    both = Staff("sub-both", groups)
    missing = api.call("GET", f"/customers/{CUSTOMER}", by=both)
    assert missing.status == 400
    assert "header.X-Acting-Role" in missing.fields()
    wrong = api.call("GET", f"/customers/{CUSTOMER}", by=both, role="service-manager")
    assert wrong.status == 403
    assert wrong.rule == "acting-role-not-held"
    assert api.call("GET", f"/customers/{CUSTOMER}", by=both, role="head-of-service").status == 200


def test_groups_as_a_json_list_are_understood(api: Api) -> None:
    api.customer()
    listed = Staff("sub-list", ["call-handler"])
    assert api.call("GET", f"/customers/{CUSTOMER}", by=listed).status == 200


# Customers ----------------------------------------------------------------------------------


def test_register_and_read_a_customer(api: Api) -> None:
    body = {
        "customer_id": CUSTOMER,
        "name": NAME,
        "emails": ["Ada.Private@Example.org"],
        "address": {"lines": ["1 High Street", "Derby"], "postcode": "DE1 1AA"},
    }
    created = api.call("POST", "/customers", body=body)
    assert created.status == 201
    assert created.headers["Location"] == f"/customers/{CUSTOMER}"
    assert created.body["customer"]["emails"] == [ADDRESS]  # normalised
    read = api.call("GET", f"/customers/{CUSTOMER}", by=CALL_HANDLER)
    assert read.status == 200
    assert read.body["customer"]["name"] == NAME
    assert read.body["cases"] == []


def test_a_customer_id_is_made_up_when_not_given(api: Api) -> None:
    created = api.call("POST", "/customers", body={"name": NAME})
    assert created.status == 201
    made_up = created.body["customer"]["customer_id"]
    assert api.call("GET", f"/customers/{made_up}").status == 200


def test_creating_a_customer_twice_or_claiming_anothers_address_is_409(api: Api) -> None:
    api.customer()
    again = api.call("POST", "/customers", body={"customer_id": CUSTOMER, "name": "Someone"})
    assert again.status == 409
    assert again.rule == "customer-exists"
    claimed = api.call("POST", "/customers", body={"name": "Other", "emails": [ADDRESS]})
    assert claimed.status == 409
    assert claimed.rule == "email-claimed"


def test_an_unknown_customer_is_404(api: Api) -> None:
    for path in (
        "/customers/nobody",
        "/customers/nobody/contacts",
        "/customers/nobody/export",
    ):
        reply = api.call("GET", path, by=DPO if path.endswith("export") else MANAGER)
        assert reply.status == 404, path
        assert reply.body["error"] == "not-found"
    linked = api.call("POST", "/customers/nobody/emails", body={"address": "x@example.org"})
    assert linked.status == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body.name"),
        ({"name": "   "}, "body.name"),
        ({"name": "A", "emails": ["not-an-address"]}, "body.emails.0"),
        ({"name": "A", "emails": ["a@" + "x" * 250 + ".org"]}, "body.emails.0"),
        ({"name": "A", "customer_id": "has/slash"}, "body.customer_id"),
        ({"name": "A", "surprise": 1}, "body.surprise"),
        ({"name": "A", "address": {"lines": [], "postcode": "DE1"}}, "body.address.lines"),
        ([{"name": "A"}], "body"),
    ],
)
def test_bad_customer_bodies_are_400_naming_the_field(api: Api, body: Any, field: str) -> None:
    reply = api.call("POST", "/customers", body=body)
    assert reply.status == 400, reply.body
    assert reply.body["error"] == "bad-request"
    assert field in reply.fields(), reply.fields()
    assert all(reason for reason in reply.fields().values())


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "",
        "null",
        "1",
        '[{"name": "A"}]',  # a list, even of a good body
        '{"name": NaN}',
        '{"name": "\\ud800"}',  # a lone surrogate: cannot be stored as UTF-8
        '{"name": "A", "emails": [' + "1" * 5000 + "]}",  # past Python's int digit limit
        "[" * 100_000 + "]" * 100_000,  # too deep (and too large)
        "[" * 20_000 + "]" * 20_000,  # too deep, under the size limit
    ],
)
def test_malformed_json_is_400_or_413_never_500(api: Api, raw: str) -> None:
    reply = api.call("POST", "/customers", raw=raw)
    assert reply.status in (400, 413), reply.body
    if reply.status == 400:
        assert "body" in " ".join(reply.fields())


def test_a_body_over_64_kib_is_413(api: Api) -> None:
    reply = api.call("POST", "/customers", body={"name": "A" * 70_000})
    assert reply.status == 413
    assert reply.body["error"] == "payload-too-large"


def test_a_body_that_is_not_json_is_415(api: Api) -> None:
    reply = api.call("POST", "/customers", raw="name=A", headers={"Content-Type": "text/plain"})
    assert reply.status == 415


def test_linking_an_address_attributes_earlier_unmatched_email(api: Api) -> None:
    api.customer(emails=())
    for n in (1, 2):
        api.store.record_contact(
            Contact(
                contact_id=f"ses-{n}",
                customer_id=None,
                channel=Channel.EMAIL,
                at=when("2026-11-0" + str(n)),
                disposition=Disposition.UNMATCHED,
                source_address=ADDRESS,
            )
        )
    linked = api.call("POST", f"/customers/{CUSTOMER}/emails", body={"address": ADDRESS.upper()})
    assert linked.status == 200, linked.body
    assert linked.body == {
        "customer_id": CUSTOMER,
        "address": ADDRESS,
        "already_linked": False,
        "attributed": 2,
    }
    again = api.call("POST", f"/customers/{CUSTOMER}/emails", body={"address": ADDRESS})
    assert again.body["already_linked"] is True
    assert again.body["attributed"] == 0
    customer = api.store.get_customer(CUSTOMER)
    assert customer is not None
    assert customer.emails == (ADDRESS,)  # linked once
    contacts = api.call("GET", f"/customers/{CUSTOMER}/contacts", query={"from": "2026-11-01"})
    assert [c["contact_id"] for c in contacts.body["contacts"]] == ["ses-1", "ses-2"]


def test_linking_another_customers_address_is_409_and_a_bad_address_400(api: Api) -> None:
    api.customer()
    api.customer("cust-2", emails=())
    taken = api.call("POST", "/customers/cust-2/emails", body={"address": ADDRESS})
    assert taken.status == 409
    assert taken.rule == "email-claimed"
    bad = api.call("POST", "/customers/cust-2/emails", body={"address": "nope"})
    assert bad.status == 400
    assert "body.address" in bad.fields()


# Contacts logged by staff -------------------------------------------------------------------


@pytest.mark.policy("s2-contact-channels")
@pytest.mark.parametrize("channel", ["phone", "letter", "visit", "social-media"])
def test_staff_log_phone_letter_visit_and_social_media_contacts(api: Api, channel: str) -> None:
    api.customer()
    body = {"channel": channel, "summary": "asked about repairs", "at": "2026-12-01T09:30:00Z"}
    reply = api.call("POST", f"/customers/{CUSTOMER}/contacts", by=CALL_HANDLER, body=body)
    assert reply.status == 201, reply.body
    contact = reply.body["contact"]
    assert contact["channel"] == channel
    assert contact["recorded_by"] == CALL_HANDLER.sub
    assert contact["customer_id"] == CUSTOMER
    listed = api.call("GET", f"/customers/{CUSTOMER}/contacts")
    assert [c["contact_id"] for c in listed.body["contacts"]] == [contact["contact_id"]]


@pytest.mark.policy("s2-contact-channels")
def test_email_cannot_be_logged_by_staff_it_arrives_by_itself(api: Api) -> None:
    api.customer()
    reply = api.call("POST", f"/customers/{CUSTOMER}/contacts", body={"channel": "email"})
    assert reply.status == 400
    assert "arrives" in reply.fields()["body.channel"]


def test_the_same_idempotency_key_logs_one_contact(api: Api) -> None:
    api.customer()
    body = {"channel": "phone", "idempotency_key": "call-42", "disposition": "refused"}
    first = api.call("POST", f"/customers/{CUSTOMER}/contacts", body=body)
    again = api.call("POST", f"/customers/{CUSTOMER}/contacts", body=body)
    assert (first.status, again.status) == (201, 200)
    assert again.body["recorded"] is False
    assert first.body["contact"]["contact_id"] == "staff-call-42"
    assert first.body["contact"]["disposition"] == "refused"
    assert len(api.call("GET", f"/customers/{CUSTOMER}/contacts").body["contacts"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "fax"}, "body.channel"),
        ({"channel": "phone", "at": "2026-12-01T09:00:00"}, "body.at"),  # no timezone
        ({"channel": "phone", "at": "2026-12-02T09:00:00Z"}, "body.at"),  # the future
        ({"channel": "phone", "at": "0001-01-01T00:00:00+14:00"}, "body.at"),
        ({"channel": "phone", "disposition": "filed-blocked"}, "body.disposition"),
        ({"channel": "phone", "idempotency_key": "a b"}, "body.idempotency_key"),
        ({"channel": "phone", "summary": "x" * 4001}, "body.summary"),
    ],
)
def test_bad_contacts_are_400(api: Api, body: dict[str, Any], field: str) -> None:
    api.customer()
    reply = api.call("POST", f"/customers/{CUSTOMER}/contacts", body=body)
    assert reply.status == 400, reply.body
    assert field in reply.fields(), reply.fields()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "yesterday"}, "query.from"),
        ({"to": "2026-13-01"}, "query.to"),
        ({"from": "0001-01-01"}, "query.from"),
        ({"from": "2026-12-02", "to": "2026-12-01"}, "query.from"),
    ],
)
def test_bad_contact_ranges_are_400(api: Api, query: dict[str, str], field: str) -> None:
    api.customer()
    reply = api.call("GET", f"/customers/{CUSTOMER}/contacts", query=query)
    assert reply.status == 400, reply.body
    assert field in reply.fields()


def test_contacts_between_two_dates_inclusive(api: Api) -> None:
    api.customer()
    for day in ("2026-11-01", "2026-11-15", "2026-11-30"):
        body = {"channel": "visit", "at": f"{day}T23:30:00+00:00"}  # 23:30 UTC: still that day
        assert api.call("POST", f"/customers/{CUSTOMER}/contacts", body=body).status == 201
    reply = api.call(
        "GET", f"/customers/{CUSTOMER}/contacts", query={"from": "2026-11-02", "to": "2026-11-30"}
    )
    assert [c["at"][:10] for c in reply.body["contacts"]] == ["2026-11-15", "2026-11-30"]
    assert (reply.body["from_date"], reply.body["to_date"]) == ("2026-11-02", "2026-11-30")


# Cases: opening them ------------------------------------------------------------------------


@pytest.mark.policy("s4-step1-service-manager", "design-decisions-recorded")
def test_a_service_manager_raises_a_concern_and_the_event_records_them(api: Api) -> None:
    api.customer()
    reply = api.concern()
    assert reply.status == 201, reply.body
    assert reply.headers["Location"] == "/cases/case-1"
    assert reply.headers["ETag"] == '"1"'
    assert reply.body["case"]["status"] == "concern"
    (event,) = api.store.events("case-1")
    assert event.actor == Actor(actor_id=MANAGER.sub, role=Role.SERVICE_MANAGER, name=MANAGER.name)
    assert event.at == api.clock.now
    shown = api.call("GET", "/cases/case-1", by=CET)
    assert shown.status == 200
    assert shown.body["version"] == 1
    assert shown.headers["ETag"] == '"1"'
    customer = api.call("GET", f"/customers/{CUSTOMER}")
    assert [c["case_id"] for c in customer.body["cases"]] == ["case-1"]


@pytest.mark.policy("s4-step1-service-manager")
@pytest.mark.parametrize(
    ("staff", "rule"),
    [
        (HEAD, "role-permissions"),
        (CET, "role-permissions"),
        (EXECUTIVE, "role-permissions"),
        # Roles that decide nothing are refused at the route, before the lifecycle is asked.
        (CALL_HANDLER, "case-deciders"),
        (SAFEGUARDING, "case-deciders"),
        (DPO, "case-deciders"),
    ],
)
def test_only_a_service_manager_raises_a_concern(api: Api, staff: Staff, rule: str) -> None:
    api.customer()
    body = {
        "kind": "raise-concern",
        "case_id": "case-1",
        "customer_id": CUSTOMER,
        "behaviours": ["other"],
        "note": "n",
    }
    reply = api.call("POST", "/cases", by=staff, body=body)
    assert reply.status == 403
    assert reply.rule == rule
    assert "service-manager" in reply.body["message"]
    assert api.store.get_case("case-1") is None


def test_opening_a_case_twice_or_for_an_unknown_customer(api: Api) -> None:
    api.customer()
    assert api.concern().status == 201
    again = api.concern()
    assert again.status == 409
    assert again.rule == "case-exists"
    assert len(api.store.events("case-1")) == 1
    unknown = api.concern("case-2", customer_id="nobody")
    assert unknown.status == 404


@pytest.mark.policy("s4-immediate-restrictions", "s4-step2-head-of-service")
def test_immediate_restrictions_open_a_restricted_case_for_the_head_of_service_only(
    api: Api,
) -> None:
    api.customer()
    body = {
        "kind": "impose-restrictions",
        "case_id": "case-9",
        "customer_id": CUSTOMER,
        "restrictions": [LETTERS_ONLY],
        "reason": "threats to staff",
        "equality": EQUALITY,
        "immediate": True,
        "immediate_reason": "threatened a housing officer",
        "police_or_legal_action": "reported to the police",
    }
    refused = api.call("POST", "/cases", by=MANAGER, body=body)
    assert refused.status == 403
    assert refused.rule == "role-permissions"
    reply = api.call("POST", "/cases", by=HEAD, body=body)
    assert reply.status == 201, reply.body
    assert reply.body["case"]["status"] == "restricted"
    without_reason = {**body, "case_id": "case-10", "immediate_reason": None}
    refused = api.call("POST", "/cases", by=HEAD, body=without_reason)
    assert refused.status == 409
    assert refused.rule == "s4-immediate-restrictions"


@pytest.mark.policy("s4-step2-after-step1")
def test_restrictions_without_step1_and_not_immediate_are_409(api: Api) -> None:
    api.customer()
    body = {
        "kind": "impose-restrictions",
        "case_id": "case-9",
        "customer_id": CUSTOMER,
        "restrictions": [LETTERS_ONLY],
        "reason": "r",
        "equality": EQUALITY,
    }
    reply = api.call("POST", "/cases", by=HEAD, body=body)
    assert reply.status == 409
    assert reply.rule == "s4-step2-after-step1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "close-concern", "reason": "r"}, "body"),  # not a command that opens a case
        ({"kind": "raise-concern", "customer_id": CUSTOMER, "behaviours": ["other"], "note": "n"},
         "body.raise-concern.case_id"),
        ({"kind": "raise-concern", "case_id": "k", "customer_id": CUSTOMER, "behaviours": [],
          "note": "n"}, "body.raise-concern.behaviours"),
        ({"kind": "raise-concern", "case_id": "k", "customer_id": CUSTOMER,
          "behaviours": ["shouting"], "note": "n"}, "body.raise-concern.behaviours.0"),
        ({"kind": "impose-restrictions", "case_id": "k", "restrictions": [LETTERS_ONLY],
          "reason": "r", "immediate": True}, "body.impose-restrictions.customer_id"),
        ({"kind": "impose-restrictions", "case_id": "k", "customer_id": CUSTOMER,
          "restrictions": [{"type": "letters-only"}], "reason": "r"},
         "body.impose-restrictions.restrictions.0.letters-only.write_to"),
        ({"kind": "raise-concern", "case_id": "k", "customer_id": CUSTOMER,
          "behaviours": ["scattergun-approach"], "aspects": {"scattergun-approach": ["new"]},
          "note": "n"}, "body.raise-concern"),  # no alternatives to choose from
        ({"kind": "raise-concern", "case_id": "k", "customer_id": CUSTOMER,
          "behaviours": ["multiple-threatening-or-excessive-emails"],
          "aspects": {"multiple-threatening-or-excessive-emails": ["loud"]}, "note": "n"},
         "body.raise-concern.aspects.multiple-threatening-or-excessive-emails.0"),
        ({}, "body"),
    ],
)  # fmt: skip
def test_bad_case_openings_are_400(api: Api, body: dict[str, Any], field: str) -> None:
    api.customer()
    reply = api.call("POST", "/cases", by=MANAGER, body=body)
    assert reply.status == 400, reply.body
    assert field in reply.fields(), reply.fields()


# Cases: commands ----------------------------------------------------------------------------


@pytest.mark.policy(
    "s4-step2-head-of-service",
    "s5-appeal-to-cet",
    "s5-independent-review",
    "design-decisions-recorded",
)
def test_a_case_from_concern_to_a_dismissed_appeal_through_the_api(api: Api) -> None:
    api.customer()
    api.clock.now = when("2026-11-02")
    assert api.concern().status == 201
    api.draft_letters()
    api.clock.now = when("2026-11-03")
    sent = {"kind": "mark-letter-sent", "letter_id": api.letter_id("concern")}
    reply = api.act(
        "case-1", {**sent, "sent_on": "2026-11-03"}, by=MANAGER, headers={"If-Match": '"2"'}
    )
    assert reply.status == 200, reply.body
    assert reply.headers["ETag"] == '"3"'

    api.clock.now = when("2026-12-14")
    impose = {
        "kind": "impose-restrictions",
        "restrictions": [LETTERS_ONLY],
        "reason": "no change after the concern letter",
        "equality": EQUALITY,
    }
    refused = api.act("case-1", impose, by=MANAGER, version=3)
    assert refused.status == 403
    assert refused.rule == "role-permissions"
    assert api.version() == 3  # nothing written
    # A person in two groups acts as Head of Service here...
    decided = api.act("case-1", impose, by=HEAD_AND_EXEC, role="head-of-service", version=3)
    assert decided.status == 200, decided.body
    assert decided.body["outcome"] == "decided"
    assert decided.body["case"]["status"] == "restrictions-decided"
    (event,) = decided.body["events"]
    assert event["actor"] == {
        "actor_id": HEAD_AND_EXEC.sub,
        "role": "head-of-service",
        "name": HEAD_AND_EXEC.name,
    }
    api.clock.now = when("2026-12-18")
    api.draft_letters()
    sent = {"kind": "mark-letter-sent", "letter_id": api.letter_id("restrictions")}
    reply = api.act("case-1", {**sent, "sent_on": "2026-12-18"}, by=HEAD, version=api.version())
    assert reply.status == 200, reply.body
    assert reply.body["case"]["status"] == "restricted"

    api.clock.now = when("2027-01-13")
    appeal = {"kind": "log-appeal", "received_on": "2027-01-13", "grounds": "unfair"}
    refused = api.act("case-1", appeal, by=MANAGER, version=api.version())
    assert refused.status == 403
    assert "customer-experience-team" in refused.body["message"]
    logged = api.act("case-1", appeal, by=CET, version=api.version())
    assert logged.status == 200, logged.body
    assert logged.body["case"]["status"] == "under-appeal"

    api.clock.now = when("2027-02-01")
    decide = {"kind": "decide-appeal", "outcome": "dismissed", "reason": "proportionate"}
    # ...and cannot then review the appeal against their own decision as the Executive.
    not_independent = api.act(
        "case-1", decide, by=HEAD_AND_EXEC, role="executive-team", version=api.version()
    )
    assert not_independent.status == 403
    assert not_independent.rule == "s5-independent-review"
    dismissed = api.act("case-1", decide, by=EXECUTIVE, version=api.version())
    assert dismissed.status == 200, dismissed.body
    assert dismissed.body["case"]["status"] == "restricted"

    people = {(e.actor.actor_id, e.actor.role) for e in api.store.events("case-1")}
    assert people == {
        (MANAGER.sub, Role.SERVICE_MANAGER),
        ("system:letters", Role.SYSTEM),
        (HEAD_AND_EXEC.sub, Role.HEAD_OF_SERVICE),
        (HEAD.sub, Role.HEAD_OF_SERVICE),
        (CET.sub, Role.CUSTOMER_EXPERIENCE),
        (EXECUTIVE.sub, Role.EXECUTIVE),
    }


@pytest.mark.policy("s5-review-delayed")
def test_an_appeal_review_is_delayed_through_the_api_and_the_customer_gets_a_letter(
    api: Api,
) -> None:
    api.customer()
    api.restricted_case()
    api.clock.now = when("2027-01-13")
    appeal = {"kind": "log-appeal", "received_on": "2027-01-13", "grounds": "unfair"}
    logged = api.act("case-1", appeal, by=CET, version=api.version())
    assert logged.status == 200, logged.body
    (appeal_id,) = [a["appeal_id"] for a in logged.body["case"]["appeals"]]
    assert logged.body["case"]["appeals"][0]["review_due_on"] == "2027-02-24"

    api.clock.now = when("2027-02-15")
    delay = {
        "kind": "delay-appeal-review",
        "appeal_id": appeal_id,
        "review_due_on": "2027-03-10",
        "reason": "waiting for the call recordings",
    }
    refused = api.act("case-1", delay, by=MANAGER, version=api.version())
    assert refused.status == 403
    assert refused.rule == "role-permissions"
    saturday = api.act(
        "case-1", {**delay, "review_due_on": "2027-03-06"}, by=EXECUTIVE, version=api.version()
    )
    assert saturday.status == 409
    assert saturday.rule == "s5-review-delayed"
    assert "working day" in saturday.body["message"]
    bad = api.act(
        "case-1", {**delay, "review_due_on": "0001-01-01"}, by=EXECUTIVE, version=api.version()
    )
    assert bad.status == 400
    assert "body.delay-appeal-review.review_due_on" in bad.fields()

    delayed = api.act("case-1", delay, by=EXECUTIVE, version=api.version())
    assert delayed.status == 200, delayed.body
    (event,) = delayed.body["events"]
    assert event["type"] == "appeal-review-delayed"
    assert event["reason"] == "waiting for the call recordings"
    assert event["data"]["previous_review_due_on"] == "2027-02-24"
    assert event["data"]["review_due_on"] == "2027-03-10"
    assert event["letter"]["kind"] == "appeal-review-delayed"
    case = delayed.body["case"]
    assert case["status"] == "under-appeal"
    assert case["appeals"][0]["review_due_on"] == "2027-03-10"
    # ...and again, by the Customer Experience Team.
    again = {**delay, "review_due_on": "2027-03-17", "reason": "the reviewer is unwell"}
    assert api.act("case-1", again, by=CET, version=api.version()).status == 200


@pytest.mark.policy("s4-restrictions-varied")
def test_restrictions_are_varied_through_the_api_and_the_customer_gets_a_letter(
    api: Api,
) -> None:
    api.customer()
    api.restricted_case()
    api.clock.now = when("2027-03-01")
    vary = {
        "kind": "vary-restrictions",
        "restrictions": [
            LETTERS_ONLY,
            {"type": "social-media", "details": "No posts about staff on our social media pages."},
        ],
        "reason": "posts naming staff on our Facebook page",
        "equality": EQUALITY,
    }
    refused = api.act("case-1", vary, by=MANAGER, version=api.version())
    assert refused.status == 403
    assert refused.rule == "role-permissions"
    same = api.act(
        "case-1", {**vary, "restrictions": [LETTERS_ONLY]}, by=HEAD, version=api.version()
    )
    assert same.status == 409
    assert same.rule == "s4-restrictions-varied"
    unconsidered = api.act("case-1", {**vary, "equality": None}, by=HEAD, version=api.version())
    assert unconsidered.status == 409
    assert unconsidered.rule == "s4-equality-considered"
    bad = api.act("case-1", {**vary, "restrictions": []}, by=HEAD, version=api.version())
    assert bad.status == 400
    assert "body.vary-restrictions.restrictions" in bad.fields()

    varied = api.act("case-1", vary, by=HEAD, version=api.version())
    assert varied.status == 200, varied.body
    (event,) = varied.body["events"]
    assert event["type"] == "restrictions-varied"
    assert event["reason"] == "posts naming staff on our Facebook page"
    assert event["data"]["restriction_types"] == ["letters-only", "social-media"]
    assert event["data"]["ends_on"] == "2027-12-18"
    assert event["letter"]["kind"] == "restrictions-varied"
    case = varied.body["case"]
    assert case["status"] == "restricted"
    assert case["period"]["ends_on"] == "2027-12-18"
    assert [r["type"] for r in case["decision"]["restrictions"]] == ["letters-only", "social-media"]
    assert case["decision"]["kind"] == "variation"


@pytest.mark.parametrize(
    "kind",
    ["record-letter-drafted", "record-letter-failed", *sorted(k.value for k in DEADLINE_COMMANDS)],
)
def test_system_and_deadline_commands_are_403_for_people(api: Api, kind: str) -> None:
    api.customer()
    api.restricted_case()
    extra: dict[str, Any] = {
        "record-letter-drafted": {"letter_id": "x", "version": 1, "s3_key": "k"},
        "record-letter-failed": {"letter_id": "x", "problems": ["p"]},
        "remind-unsent-letter": {"letter_id": "x"},
    }.get(kind, {})
    version = api.version()
    for staff in (MANAGER, HEAD, CET, EXECUTIVE):
        reply = api.act("case-1", {"kind": kind, **extra}, by=staff, version=version)
        assert reply.status == 403, (staff, reply.body)
        assert reply.rule == "role-permissions"
        assert "system" in reply.body["message"]
    assert api.version() == version


@pytest.mark.policy("design-optimistic-locking")
def test_two_writers_with_the_same_version_one_wins_the_other_409_nothing_lost(
    api: Api,
) -> None:
    api.customer()
    api.clock.now = when("2026-11-02")
    api.concern()
    api.draft_letters()
    seen = api.call("GET", "/cases/case-1").body["version"]
    api.clock.now = when("2026-11-03")
    send = {
        "kind": "mark-letter-sent",
        "letter_id": api.letter_id("concern"),
        "sent_on": "2026-11-03",
    }
    close = {"kind": "close-concern", "reason": "behaviour improved"}
    first = api.act("case-1", send, by=MANAGER, version=seen)
    second = api.act("case-1", close, by=MANAGER_2, headers={"If-Match": f'"{seen}"'})
    assert first.status == 200
    assert second.status == 409
    assert second.rule == "design-optimistic-locking"
    assert f"since version {seen}" in second.body["message"]
    events = api.store.events("case-1")
    assert [e.seq for e in events] == list(range(1, seen + 2))  # the winner's event, no gap
    assert events[-1].actor.actor_id == MANAGER.sub
    # The loser reloads and decides again: both decisions are kept.
    fresh = api.call("GET", "/cases/case-1")
    retried = api.act("case-1", close, by=MANAGER_2, headers={"If-Match": fresh.headers["ETag"]})
    assert retried.status == 200
    assert retried.body["case"]["status"] == "closed"
    assert [e.type.value for e in api.store.events("case-1")][-2:] == [
        "letter-sent",
        "concern-closed",
    ]


@pytest.mark.parametrize(
    ("body_version", "headers", "field"),
    [
        (None, {}, "body.expected_version"),
        (2, {"If-Match": '"3"'}, "body.expected_version"),
        (None, {"If-Match": "*"}, "header.If-Match"),
        (None, {"If-Match": '"abc"'}, "header.If-Match"),
        (0, {}, "body.close-concern.expected_version"),
        ("two", {}, "body.close-concern.expected_version"),
    ],
)
def test_the_expected_version_is_required_and_must_agree(
    api: Api, body_version: Any, headers: dict[str, str], field: str
) -> None:
    api.customer()
    api.concern()
    body: dict[str, Any] = {"kind": "close-concern", "reason": "r"}
    if body_version is not None:
        body["expected_version"] = body_version
    reply = api.act("case-1", body, by=MANAGER, headers=headers)
    assert reply.status == 400, reply.body
    assert field in reply.fields(), reply.fields()
    assert api.version() == 1


def test_if_match_accepts_a_weak_etag(api: Api) -> None:
    api.customer()
    api.concern()
    reply = api.act(
        "case-1",
        {"kind": "close-concern", "reason": "r"},
        by=MANAGER,
        headers={"If-Match": 'W/"1"'},
    )
    assert reply.status == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "close-concern"}, "body.close-concern.reason"),
        ({"kind": "close-concern", "reason": "r", "extra": 1}, "body.close-concern.extra"),
        ({"kind": "decide-appeal", "outcome": "maybe", "reason": "r"},
         "body.decide-appeal.outcome"),
        ({"kind": "log-appeal", "received_on": "0001-01-01", "grounds": "g"},
         "body.log-appeal.received_on"),
        ({"kind": "mark-letter-sent", "letter_id": "x", "sent_on": "not a date"},
         "body.mark-letter-sent.sent_on"),
        ({"kind": "no-such-command"}, "body"),
        ({"reason": "no kind"}, "body"),
    ],
)  # fmt: skip
def test_bad_commands_are_400_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    api.customer()
    api.concern()
    reply = api.act("case-1", body, by=MANAGER, version=1)
    assert reply.status == 400, reply.body
    assert field in reply.fields(), reply.fields()


def test_commands_the_lifecycle_refuses_are_409_with_the_rule(api: Api) -> None:
    api.customer()
    api.restricted_case()
    reply = api.act(
        "case-1", {"kind": "close-concern", "reason": "r"}, by=MANAGER, version=api.version()
    )
    assert reply.status == 409
    assert reply.rule == "lifecycle"
    early = api.act(
        "case-1",
        {"kind": "log-appeal", "received_on": "2027-01-01", "grounds": "g"},  # in the future
        by=CET,
        version=api.version(),
    )
    assert early.status == 409
    assert early.rule == "appeal-received-date"


def test_a_command_with_nothing_to_do_is_200_with_a_note(api: Api) -> None:
    api.customer()
    api.restricted_case()
    version = api.version()
    again = {
        "kind": "mark-letter-sent",
        "letter_id": api.letter_id("restrictions"),
        "sent_on": "2026-12-18",
    }
    reply = api.act("case-1", again, by=HEAD, version=version)
    assert reply.status == 200, reply.body
    assert reply.body["outcome"] == "nothing-to-do"
    assert reply.body["rule"] == "letter-already-sent"
    assert reply.body["version"] == version
    assert reply.body["events"] == []
    assert api.version() == version


def test_commands_to_an_unknown_case_are_404(api: Api) -> None:
    reply = api.act("nope", {"kind": "close-concern", "reason": "r"}, by=MANAGER, version=1)
    assert reply.status == 404
    assert api.call("GET", "/cases/nope").status == 404
    assert api.call("GET", "/cases/nope/timeline").status == 404
    assert api.call("GET", "/cases/" + "x" * 65).status == 400  # longer than any case id


def test_the_timeline_is_in_time_order_with_letters_and_pending_deadlines(api: Api) -> None:
    api.customer()
    api.restricted_case()
    reply = api.call("GET", "/cases/case-1/timeline", by=CET)
    assert reply.status == 200
    entries = reply.body["entries"]
    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert times == sorted(times)
    kinds = {e["entry"] for e in entries}
    assert kinds == {"event", "letter", "deadline"}
    events = [e["event"]["seq"] for e in entries if e["entry"] == "event"]
    assert events == list(range(1, reply.body["version"] + 1))
    deadlines = [e["deadline"] for e in entries if e["entry"] == "deadline"]
    assert deadlines == ["appeal-window-closes", "review-pack-due", "restrictions-end"]
    assert entries[-1]["deadline"] == "restrictions-end"
    assert entries[-1]["at"].startswith("2027-12-18")
    letters = [e["letter"]["kind"] for e in entries if e["entry"] == "letter"]
    assert letters == ["concern", "restrictions"]


# Call handlers, the read queue, subject access ----------------------------------------------


@pytest.mark.policy("design-email-enforcement")
def test_a_call_handler_looks_up_a_letters_only_customer_by_email(api: Api) -> None:
    api.customer()
    api.restricted_case()
    api.clock.now = when("2027-01-05")
    reply = api.call("GET", "/lookup", by=CALL_HANDLER, query={"email": ADDRESS.upper()})
    assert reply.status == 200, reply.body
    body = reply.body
    assert body["customer_id"] == CUSTOMER
    assert body["restricted"] is True
    (in_force,) = body["in_force"]
    assert in_force["restrictions"] == [LETTERS_ONLY]
    assert in_force["until"].startswith("2027-12-18")
    advice = {a["channel"]: a for a in body["channels"]}
    assert set(advice) == {c.value for c in Channel}
    assert advice["phone"]["allowed"] is False
    assert advice["email"]["allowed"] is False
    assert "PO Box 1" in advice["phone"]["conditions"][0]
    assert advice["letter"]["allowed"] is True
    assert body["permitted_channels"] == ["letter", "visit", "social-media"]
    assert body["email"]["action"] == "file-and-block"
    by_id = api.call("GET", "/lookup", by=CALL_HANDLER, query={"customer_id": CUSTOMER})
    assert by_id.body["in_force"] == body["in_force"]


@pytest.mark.policy("design-email-enforcement")
def test_lookup_after_the_end_date_shows_nothing_in_force(api: Api) -> None:
    api.customer()
    api.restricted_case()
    api.clock.now = when("2027-12-18", 9)
    reply = api.call("GET", "/lookup", by=CALL_HANDLER, query={"customer_id": CUSTOMER})
    assert reply.body["restricted"] is False
    assert reply.body["email"]["action"] == "deliver"
    assert reply.body["permitted_channels"] == [c.value for c in Channel]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({}, 400),
        ({"email": ADDRESS, "customer_id": CUSTOMER}, 400),
        ({"email": "not-an-address"}, 400),
        ({"email": "stranger@example.org"}, 404),
        ({"customer_id": "nobody"}, 404),
    ],
)
def test_lookup_needs_exactly_one_known_key(api: Api, query: dict[str, str], status: int) -> None:
    api.customer()
    assert api.call("GET", "/lookup", by=CALL_HANDLER, query=query).status == status


def test_a_call_handler_finds_callers_by_name_or_postcode_in_a_post(api: Api) -> None:
    api.customer()
    api.restricted_case()
    at = {"lines": ["2 Low Road"], "postcode": "de22 3ab"}
    for customer_id, name in [("cust-2", "Bea Tenant"), ("cust-3", "Ada Smith")]:
        body = {"customer_id": customer_id, "name": name, "address": at}
        assert api.call("POST", "/customers", body=body).status == 201
    api.clock.now = when("2027-01-05")

    by_name = api.call("POST", "/lookup/search", by=CALL_HANDLER, body={"name": "ADA"})
    by_postcode = api.call("POST", "/lookup/search", by=CALL_HANDLER, body={"postcode": "DE223AB"})

    assert by_name.status == 200, by_name.body
    assert by_name.body == {
        "by": "name",
        "searched": "ADA",
        "matches": [
            {"customer_id": CUSTOMER, "name": NAME, "postcode": None, "restricted": True},
            {
                "customer_id": "cust-3",
                "name": "Ada Smith",
                "postcode": "DE22 3AB",
                "restricted": False,
            },
        ],
        "more": False,
        "limit": 20,
    }
    assert [m["customer_id"] for m in by_postcode.body["matches"]] == ["cust-3", "cust-2"]
    assert by_postcode.body["searched"] == "DE22 3AB"
    nobody = api.call("POST", "/lookup/search", by=CALL_HANDLER, body={"postcode": "NG1 1AA"})
    assert (nobody.status, nobody.body["matches"]) == (200, [])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "Ada", "postcode": "DE1 1AA"},
        {"postcode": "DE1"},
        {"name": "J S"},
        {"name": ""},
    ],
)
def test_a_search_needs_a_full_postcode_or_a_name(api: Api, body: dict[str, str]) -> None:
    reply = api.call("POST", "/lookup/search", by=CALL_HANDLER, body=body)
    assert reply.status == 400, reply.body


def api_log_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The API's log lines exactly as the Lambda writes them (Powertools' JSON, extras in)."""
    formatter = api_app.logger.registered_formatter
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "api"]


def test_lookups_are_audited_with_ids_only(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    api.customer()
    caplog.clear()
    api.call("GET", "/lookup", by=CALL_HANDLER, query={"email": ADDRESS})
    api.call("GET", "/lookup", by=CALL_HANDLER, query={"email": "stranger@example.org"})
    lines = api_log_lines(caplog)
    audits = [x for x in lines if x.get("message") == "audit" and x["operation"] == "lookup"]
    assert [(a["actor_id"], a["role"], a.get("customer_id")) for a in audits] == [
        (CALL_HANDLER.sub, "call-handler", CUSTOMER),
        (CALL_HANDLER.sub, "call-handler", None),
    ]
    found = api.store.audit_of_customer(CUSTOMER, when("2026-01-01"), when("2027-01-01"), 1000)
    nobody = api.store.audit_of_customer(None, when("2026-01-01"), when("2027-01-01"), 1000)
    assert [(r.operation, r.detail) for r in found if r.actor_id == CALL_HANDLER.sub] == [
        ("lookup", "by=email found=true")
    ]
    assert [(r.operation, r.detail) for r in nobody] == [("lookup", "by=email found=false")]
    text = json.dumps(lines)
    assert ADDRESS not in text
    assert "stranger" not in text
    assert NAME not in text


@pytest.mark.parametrize(
    ("staff", "status"),
    [
        (SAFEGUARDING, 200),
        (MANAGER, 200),
        (HEAD, 403),
        (CET, 403),
        (EXECUTIVE, 403),
        (CALL_HANDLER, 403),
        (DPO, 403),
    ],
)
def test_the_read_queue_is_for_the_safeguarding_lead_and_service_manager(
    api: Api, staff: Staff, status: int
) -> None:
    api.customer()
    file_an_email(api, "ses-filed-1")
    reply = api.call("GET", "/read-queue", by=staff)
    assert reply.status == status
    if status == 403:
        assert reply.rule == "read-queue-readers"
        return
    (item,) = reply.body["items"]
    assert (item["customer_id"], item["contact_id"]) == (CUSTOMER, "ses-filed-1")
    assert item["contact"]["raw_ref"] == "inbound/ses-filed-1"


def file_an_email(api: Api, contact_id: str = "ses-filed-1") -> None:
    api.store.record_contact(
        Contact(
            contact_id=contact_id,
            customer_id=CUSTOMER,
            channel=Channel.EMAIL,
            at=when("2026-12-01", 9),
            summary="about my boiler",
            disposition=Disposition.FILED_BLOCKED,
            source_address=ADDRESS,
            raw_ref=f"inbound/{contact_id}",
        ),
        queue_for_reading=True,
    )


@pytest.mark.policy("design-email-enforcement")
def test_a_filed_email_read_leaves_the_queue_with_its_outcome_recorded(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api.customer()
    file_an_email(api, "ses-filed-1")
    file_an_email(api, "ses-filed-2")
    api.clock.now = when("2026-12-01", 11)
    caplog.clear()
    body = {"outcome": "new-information", "note": "reports a gas smell: passed to repairs"}
    reply = api.call("POST", "/read-queue/ses-filed-1/read", by=SAFEGUARDING, body=body)
    assert reply.status == 200, reply.body
    read = reply.body["contact"]["read"]
    assert (read["outcome"], read["read_by"], read["note"]) == (
        "new-information",
        SAFEGUARDING.sub,
        body["note"],
    )
    assert read["read_at"].startswith("2026-12-01T11:00:00")
    waiting = api.call("GET", "/read-queue", by=SAFEGUARDING).body["items"]
    assert [i["contact_id"] for i in waiting] == ["ses-filed-2"]
    held = api.store.get_contact("ses-filed-1")
    assert held is not None
    assert held.read is not None
    # The read is in the subject access export, with the contact.
    export = api.call("GET", f"/customers/{CUSTOMER}/export", by=DPO).body
    (contact,) = [c for c in export["contacts"] if c["contact_id"] == "ses-filed-1"]
    assert contact["read"]["outcome"] == "new-information"
    (audit,) = [
        x
        for x in api_log_lines(caplog)
        if x["message"] == "audit" and x["operation"] == "mark-read"
    ]
    assert audit["contact_id"] == "ses-filed-1"
    (record,) = [
        r
        for r in api.store.audit_of_customer(CUSTOMER, when("2026-01-01"), when("2027-01-01"), 1000)
        if r.operation == "mark-read"
    ]
    assert (record.contact_id, record.detail) == ("ses-filed-1", "outcome=new-information")
    assert "gas smell" not in caplog.text  # the note is personal data: never logged


def test_reading_twice_an_unfiled_or_unknown_email_and_who_may(api: Api) -> None:
    api.customer()
    file_an_email(api)
    read = {"outcome": "nothing-new"}
    path = "/read-queue/ses-filed-1/read"
    assert api.call("POST", path, by=CALL_HANDLER, body=read).rule == "read-queue-readers"
    assert api.call("POST", path, by=MANAGER, body=read).status == 200
    again = api.call("POST", path, by=SAFEGUARDING, body=read)
    assert (again.status, again.body["rule"]) == (200, "read-once")
    assert api.call("POST", "/read-queue/nobody/read", by=MANAGER, body=read).status == 404
    api.call(
        "POST",
        f"/customers/{CUSTOMER}/contacts",
        body={"channel": "phone", "at": "2026-10-01T10:00:00Z", "idempotency_key": "p1"},
    )
    (phone,) = [
        c.contact_id
        for c in api.store.contacts(CUSTOMER, when("2026-01-01"), when("2027-01-01"))
        if c.channel is Channel.PHONE
    ]
    refused = api.call("POST", f"/read-queue/{phone}/read", by=MANAGER, body=read)
    assert (refused.status, refused.rule) == (409, "read-queue-filed-only")
    bad = api.call("POST", path, by=MANAGER, body={"outcome": "shrug"})
    assert bad.status == 400
    assert bad.body["fields"][0]["field"].endswith("outcome")


def test_the_subject_access_export_holds_everything_on_one_customer(api: Api) -> None:
    api.customer()
    api.call(
        "POST",
        f"/customers/{CUSTOMER}/contacts",
        body={"channel": "phone", "at": "2026-10-01T10:00:00Z"},
    )
    api.restricted_case()
    api.store.record_contact(  # quarantined mail from her address: held, never attributed
        Contact(
            contact_id="ses-q-1",
            customer_id=None,
            channel=Channel.EMAIL,
            at=when("2026-12-20"),
            disposition=Disposition.QUARANTINED,
            source_address=ADDRESS,
        )
    )
    api.clock.now = when("2027-01-05")
    reply = api.call("GET", f"/customers/{CUSTOMER}/export", by=DPO)
    assert reply.status == 200
    body = reply.body
    assert body["customer"]["name"] == NAME
    assert [c["channel"] for c in body["contacts"]] == ["phone"]
    assert [c["contact_id"] for c in body["unattributed_contacts"]] == ["ses-q-1"]
    (record,) = body["cases"]
    assert record["case"]["case_id"] == "case-1"
    assert [e["seq"] for e in record["events"]] == list(range(1, record["case"]["version"] + 1))
    assert any(".eml" in note and "/exports" in note for note in body["not_included"])


def explode(request: Any) -> Any:
    raise ValueError(f"something went wrong with {request!r}")  # the message quotes the body


def test_nothing_personal_reaches_the_logs(
    api: Api, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.customer()
    api.call("POST", f"/customers/{CUSTOMER}/contacts", body={"channel": "phone", "summary": NAME})
    api.call("POST", "/customers", body={"name": NAME, "emails": [ADDRESS]})  # 409
    api.call("POST", "/customers", body={"name": NAME, "emails": ["bad " + ADDRESS]})  # 400
    api.call("GET", "/lookup", query={"email": ADDRESS})
    api.call("GET", f"/customers/{CUSTOMER}/export", by=DPO)
    api.call("POST", f"/cases/{'x' * 80}/commands", body={"kind": "close-concern"})  # 400
    monkeypatch.setattr(api_cases, "domain_command", explode)
    assert api.concern().status == 500
    lines = api_log_lines(caplog)
    assert any(line["message"] == "api: unexpected error" for line in lines)
    assert any(line.get("operation") == "subject-access-export" for line in lines)
    text = json.dumps(lines) + caplog.text
    for secret in (NAME, ADDRESS, "ada.private", "scattergun"):
        assert secret not in text


def test_an_unknown_route_is_a_json_404(api: Api) -> None:
    reply = api.call("GET", "/nowhere")
    assert reply.status == 404
    assert reply.body["error"] == "not-found"


def test_the_checked_in_openapi_document_is_current() -> None:
    assert openapi_main(["--check"]) == 0
    doc = json.loads(api_app.openapi_json())
    assert set(doc["paths"]) == {
        "/customers",
        "/customers/{customer_id}",
        "/customers/{customer_id}/emails",
        "/customers/{customer_id}/letter-format",
        "/customers/{customer_id}/contacts",
        "/customers/{customer_id}/export",
        "/cases",
        "/cases/{case_id}",
        "/cases/{case_id}/commands",
        "/cases/{case_id}/timeline",
        "/cases/{case_id}/letters/{letter_id}",
        "/cases/{case_id}/letters/{letter_id}/upload-form",
        "/read-queue/{contact_id}/read",
        "/lookup",
        "/lookup/search",
        "/read-queue",
        "/audit",
        "/customers/{customer_id}/erasure",
        "/erasure/senders",
        "/customers/{customer_id}/exports",
        "/exports/{job_id}",
        "/exports/{job_id}/release",
        "/exports/{job_id}/zip",
    }
    for operations in doc["paths"].values():
        for operation in operations.values():
            assert "422" not in operation["responses"]
            assert "503" in operation["responses"]  # the audit trail could not be written
            assert operation["x-roles"], operation["operationId"]
            assert f"rule `{operation['x-rule']}`" in operation["description"]
            assert {"$ref": "#/components/parameters/ActingRole"} in operation["parameters"]


# No 500 for any input -----------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)
PLAUSIBLE = st.one_of(
    JSON,
    st.dates().map(date.isoformat),
    st.integers(min_value=-2, max_value=12),
    st.sampled_from(
        [
            "letters-only",
            "dismissed",
            "upheld",
            "varied",
            "extend",
            "close",
            "concern-0001",
            "restrictions-0004",
            "scattergun-approach",
            "2026-12-01",
            "1999-12-31",
            "",
            " ",
        ]
    ),
    st.lists(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["letters-only", "other", "single-point-of-contact", "x"])},
            optional={"write_to": JSON, "details": JSON, "officer_email": JSON, "days": JSON},
        ),
        max_size=3,
    ),
    st.just(EQUALITY),
)
FIELDS = [
    "reason",
    "letter_id",
    "sent_on",
    "received_on",
    "grounds",
    "outcome",
    "restrictions",
    "varied_restrictions",
    "equality",
    "immediate",
    "immediate_reason",
    "behaviours",
    "note",
    "case_id",
    "customer_id",
    "expected_version",
    "version",
    "s3_key",
    "problems",
    "evidence_contact_ids",
    "police_or_legal_action",
]
COMMAND_LIKE = st.builds(
    lambda kind, extra: {"kind": kind, **extra},
    st.sampled_from([k.value for k in CommandKind] + ["nonsense"]),
    st.dictionaries(st.sampled_from(FIELDS), PLAUSIBLE, max_size=6),
)
CUSTOMER_LIKE = st.dictionaries(
    st.sampled_from(["customer_id", "name", "emails", "address", "designated_officer_id", "other"]),
    st.one_of(
        PLAUSIBLE,
        st.lists(st.emails() | st.text(max_size=20), max_size=3),
        st.fixed_dictionaries({"lines": st.lists(st.text(max_size=10)), "postcode": JSON}),
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,70}", fullmatch=True),
    ),
    max_size=5,
)
# Commands that pass validation, so the domain's refusals and decisions are exercised too.
WORDS = st.one_of(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=30),
    st.sampled_from([" ", "\t \n", "ok"]),  # spaces strip to nothing: refused, never stored
)
DAYS = st.dates(date(2026, 11, 1), date(2028, 3, 1)).map(date.isoformat)
RESTRICTION = st.one_of(
    st.fixed_dictionaries({"type": st.just("letters-only"), "write_to": WORDS}),
    st.fixed_dictionaries({"type": st.just("other"), "details": WORDS}),
    st.fixed_dictionaries({"type": st.just("social-media"), "details": WORDS}),
    st.fixed_dictionaries({"type": st.just("appointment-only-visits"), "office": WORDS}),
    st.fixed_dictionaries({"type": st.just("witness-at-personal-contact")}),
    st.fixed_dictionaries(
        {"type": st.just("telephone-via-third-party"), "third_party": WORDS, "relationship": WORDS}
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("single-point-of-contact"),
            "officer_id": WORDS,
            "officer_name": WORDS,
            "officer_email": st.emails(),
            "days": st.lists(st.sampled_from(["monday", "friday"]), min_size=1, max_size=2),
            "from_time": st.sampled_from(["09:00", "13:00"]),
            "to_time": st.sampled_from(["12:00", "17:00"]),
        }
    ),
)
LETTER_IDS = st.sampled_from(
    ["concern-0001", "restrictions-0004", "appeal-acknowledgement-0008", "nope"]
)
VALID_COMMAND = st.one_of(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(
                ["close-concern", "accept-late-appeal", "decline-late-appeal", "close-case"]
            ),
            "reason": WORDS,
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("impose-restrictions"),
            "restrictions": st.lists(RESTRICTION, min_size=1, max_size=2),
            "reason": WORDS,
            "equality": st.just(EQUALITY)
            | st.just({**EQUALITY, "vulnerability_considered": False}),
            "immediate": st.booleans(),
            "immediate_reason": st.none() | WORDS,
        }
    ),
    st.fixed_dictionaries(
        {"kind": st.just("mark-letter-sent"), "letter_id": LETTER_IDS, "sent_on": DAYS}
    ),
    st.fixed_dictionaries({"kind": st.just("log-appeal"), "received_on": DAYS, "grounds": WORDS}),
    st.fixed_dictionaries(
        {
            "kind": st.just("decide-appeal"),
            "outcome": st.sampled_from(["upheld", "dismissed", "varied"]),
            "reason": WORDS,
            "varied_restrictions": st.lists(RESTRICTION, max_size=2),
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("decide-review"),
            "outcome": st.sampled_from(["extend", "close"]),
            "reason": WORDS,
        }
    ),
    st.fixed_dictionaries(
        {
            "kind": st.just("raise-concern"),
            "case_id": st.just("case-1"),
            "customer_id": st.just(CUSTOMER),
            "behaviours": st.lists(st.sampled_from(["other", "scattergun-approach"]), min_size=1),
            "note": WORDS,
        }
    ),
    st.fixed_dictionaries({"kind": st.sampled_from(sorted(k.value for k in DEADLINE_COMMANDS))}),
).flatmap(
    lambda command: st.fixed_dictionaries(
        {"expected_version": st.sampled_from(["current", 1, 5, 99])}
    ).map(lambda v: {**command, **v})
)
ANY_STAFF = st.sampled_from([MANAGER, HEAD, CET, EXECUTIVE, CALL_HANDLER, SAFEGUARDING])
EXPECTED = {200, 201, 400, 403, 404, 409, 413}


def _body(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(VALID_COMMAND, COMMAND_LIKE, JSON.map(json.dumps), st.text(max_size=50)),
    staff=ANY_STAFF,
    if_match=st.none() | st.sampled_from(['"1"', '"2"', "*", "x", '"99999999999"']),
    days_later=st.integers(min_value=0, max_value=12),
)
def test_random_commands_never_500(
    api: Api, body: Any, staff: Staff, if_match: str | None, days_later: int
) -> None:
    if api.store.get_customer(CUSTOMER) is None:
        api.customer()
        api.restricted_case()
    api.clock.now += timedelta(days=days_later)  # time moves on, never back
    if isinstance(body, dict) and body.get("expected_version") == "current":
        body = {**body, "expected_version": api.version()}
    headers = {"If-Match": if_match} if if_match else {}
    reply = api.call("POST", "/cases/case-1/commands", by=staff, raw=_body(body), headers=headers)
    event(f"status {reply.status}")
    assert reply.status in EXPECTED, reply.body
    assert isinstance(reply.body, dict)
    if reply.status == 200:
        assert reply.headers["ETag"] == f'"{api.version()}"'
    api.call("GET", "/cases/case-1/timeline")  # every state reached can be read back


VALID_CUSTOMER = st.fixed_dictionaries(
    {"name": WORDS},
    optional={
        "customer_id": st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}", fullmatch=True),
        "emails": st.lists(st.emails(), max_size=2),
        "address": st.fixed_dictionaries(
            {"lines": st.lists(WORDS, min_size=1, max_size=3), "postcode": WORDS}
        ),
        "designated_officer_id": WORDS,
    },
)


@pytest.mark.slow
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=st.one_of(VALID_CUSTOMER, CUSTOMER_LIKE, JSON.map(json.dumps), st.text(max_size=50)),
    staff=ANY_STAFF,
)
def test_random_customers_never_500(api: Api, body: Any, staff: Staff) -> None:
    reply = api.call("POST", "/customers", by=staff, raw=_body(body))
    event(f"status {reply.status}")
    assert reply.status in EXPECTED, reply.body
    assert isinstance(reply.body, dict)
    if reply.status == 201:  # what was stored reads back
        customer_id = reply.body["customer"]["customer_id"]
        assert api.call("GET", f"/customers/{customer_id}").status == 200


DOCX_ACCEPT = {"Accept": api_app.DOCX}


def test_staff_fetch_a_letters_document_as_sent_bytes_and_the_read_is_audited(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    api.customer()
    api.restricted_case()
    letter_id = api.letter_id("restrictions")
    caplog.clear()
    reply = api.call("GET", f"/cases/case-1/letters/{letter_id}", by=CET, headers=DOCX_ACCEPT)
    assert reply.status == 200
    assert reply.body == docx_bytes(letter_id)
    assert reply.headers["Content-Type"] == api_app.DOCX
    assert f'filename="case-1-{letter_id}.docx"' in reply.headers["Content-Disposition"]
    (audit,) = [x for x in api_log_lines(caplog) if x.get("operation") == "read-letter"]
    assert (audit["case_id"], audit["letter_id"], audit["actor_id"]) == (
        "case-1",
        letter_id,
        CET.sub,
    )
    trail = api.store.audit_of_customer(CUSTOMER, when("2026-01-01"), when("2027-01-01"), 1000)
    (record,) = [r for r in trail if r.operation == "read-letter"]
    assert (record.case_id, record.letter_id, record.actor_id, record.role) == (
        "case-1",
        letter_id,
        CET.sub,
        Role.CUSTOMER_EXPERIENCE,
    )


EML = b"X-Unsent: 1\r\nSubject: Our letter\r\n\r\nDear Ada\r\n"


def test_a_letters_email_version_is_fetched_where_it_has_one(api: Api) -> None:
    api.customer()
    api.clock.now = when("2026-11-02")
    api.concern()
    api.draft_letters(email=True)
    path = f"/cases/case-1/letters/{api.letter_id('concern')}"
    reply = api.call("GET", path, query={"version": "email"}, headers={"Accept": EML_TYPE})
    assert (reply.status, reply.body) == (200, EML)
    assert reply.headers["Content-Type"] == EML_TYPE
    assert 'filename="case-1-concern-0001.eml"' in reply.headers["Content-Disposition"]
    sent = {"kind": "mark-letter-sent", "letter_id": api.letter_id("concern")}
    by_email = {**sent, "sent_on": "2026-11-02", "sent_via": "email"}
    reply = api.act("case-1", by_email, by=MANAGER, version=api.version())
    assert reply.status == 200, reply.body
    case = api.store.get_case("case-1")
    assert case is not None
    assert case.letters[0].sent_via is SentVia.EMAIL


def test_a_letter_without_an_email_version_is_404_for_one(api: Api) -> None:
    api.customer()
    api.concern()
    api.draft_letters()
    path = f"/cases/case-1/letters/{api.letter_id('concern')}"
    reply = api.call("GET", path, query={"version": "email"}, headers={"Accept": EML_TYPE})
    assert reply.status == 404
    assert "has no email version: it goes by post" in reply.body["message"]


def test_a_letter_not_yet_drafted_unknown_or_lost_is_404_saying_which(api: Api) -> None:
    api.customer()
    assert api.concern().status == 201  # its letter is required, not drafted
    letter_id = api.letter_id("concern")
    path = f"/cases/case-1/letters/{letter_id}"
    reply = api.call("GET", path, headers=DOCX_ACCEPT)
    assert reply.status == 404
    assert "no document yet" in reply.body["message"]
    assert api.call("GET", "/cases/case-1/letters/nope").status == 404
    assert api.call("GET", "/cases/case-9/letters/x").status == 404
    api.draft_letters()
    api.s3.delete_object(Bucket=LETTERS_BUCKET, Key=f"letters/{letter_id}")
    reply = api.call("GET", path, headers=DOCX_ACCEPT)
    assert reply.status == 404
    assert "missing from the letters bucket" in reply.body["message"]


def test_only_the_roles_that_handle_letters_may_fetch_one(api: Api) -> None:
    api.customer()
    api.concern()
    api.draft_letters()
    path = f"/cases/case-1/letters/{api.letter_id('concern')}"
    assert api.call("GET", path, by=NOBODY).status == 403
    assert api.call("GET", path, by=None).status == 401
    for staff in (MANAGER, HEAD, CET, EXECUTIVE, DPO):
        assert api.call("GET", path, by=staff, headers=DOCX_ACCEPT).status == 200
    for staff in (CALL_HANDLER, SAFEGUARDING):
        refused = api.call("GET", path, by=staff, headers=DOCX_ACCEPT)
        assert (refused.status, refused.rule) == (403, "letter-handlers")


def test_the_final_version_is_uploaded_by_the_apis_presigned_post_and_kept_when_sent(
    api: Api,
) -> None:
    api.customer()
    api.concern()
    api.draft_letters()
    letter_id = api.letter_id("concern")
    path = f"/cases/case-1/letters/{letter_id}/upload-form"
    assert api.call("POST", path, by=CALL_HANDLER).status == 403
    assert api.call("POST", "/cases/case-1/letters/nope/upload-form").status == 404
    reply = api.call("POST", path)
    assert reply.status == 200
    form = reply.body
    assert form["url"] == f"https://{LETTERS_BUCKET}.s3.eu-west-2.amazonaws.com/"
    assert form["fields"]["key"].startswith(f"uploads/case-1/{letter_id}/")
    assert "success_action_redirect" not in form["fields"]  # S3 answers 204
    assert (form["max_bytes"], form["expires_in_seconds"]) == (10 * 1024 * 1024, 900)
    assert form["content_types"] == [DOCX_TYPE, "application/pdf"]
    # What S3 stores once the form is posted (the POST itself: tests/integration/
    # test_letter_uploads.py and the CLI's test through serve).
    key = form["fields"]["key"].replace("${filename}", "posted.docx")
    api.s3.put_object(Bucket=LETTERS_BUCKET, Key=key, Body=b"PK posted", ContentType=DOCX_TYPE)
    body = {"kind": "mark-letter-sent", "letter_id": letter_id, "sent_on": "2026-12-01"}
    forged = {**body, "final_key": key.replace("case-1", "case-2")}
    refused = api.act("case-1", forged, by=MANAGER, version=api.version())
    assert (refused.status, refused.rule) == (409, "letter-final")
    sent = api.act("case-1", {**body, "final_key": key}, by=MANAGER, version=api.version())
    assert sent.status == 200, sent.body
    (letter,) = sent.body["case"]["letters"]
    kept = api.s3.get_object(Bucket=LETTERS_BUCKET, Key=letter["sent_key"])
    assert kept["Body"].read() == b"PK posted"
    document = f"/cases/case-1/letters/{letter_id}"
    got = api.call("GET", document, query={"version": "sent"}, headers=DOCX_ACCEPT)
    assert (got.status, got.body) == (200, b"PK posted")
    assert f'filename="case-1-{letter_id}-posted.docx"' in got.headers["Content-Disposition"]
    assert api.call("GET", document, headers=DOCX_ACCEPT).body == docx_bytes(letter_id)  # draft


def test_a_letter_sent_as_drafted_has_no_version_sent_of_its_own(api: Api) -> None:
    api.customer()
    api.restricted_case()
    path = f"/cases/case-1/letters/{api.letter_id('restrictions')}"
    reply = api.call("GET", path, query={"version": "sent"}, headers=DOCX_ACCEPT)
    assert reply.status == 404
    assert "sent as drafted" in reply.body["message"]


# Input hardening (issue 14, findings 6 and 8) ----------------------------------------------
# Each attack used to be accepted and stored; now it is a 400 (or 409) naming the rule, never a
# 5xx, and the reply never repeats the value.


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"name": "Ada\nTenant"}, "body.name", "rule single-line"),
        ({"name": "Ada \u202eTenant"}, "body.name", "rule single-line"),
        (
            {"name": NAME, "address": {"lines": ["1 High St\r\nDerby"], "postcode": "DE1 1AA"}},
            "body.address.lines.0",
            "rule single-line",
        ),
        (
            {"name": NAME, "address": {"lines": ["1 High St"], "postcode": "DE1\u20661AA"}},
            "body.address.postcode",
            "rule single-line",
        ),
        (
            {"name": NAME, "emails": ["off@landlord.example,spy@evil.example"]},
            "body.emails.0",
            "no commas or semicolons",
        ),
        (
            {"name": NAME, "emails": ["a@b.com\r\nBcc: x@y.com"]},
            "body.emails.0",
            "line breaks or control characters",
        ),
        ({"name": NAME, "emails": ["x@@example.com"]}, "body.emails.0", "exactly one @"),
        (
            {"name": NAME, "emails": ['"Ada" <ada@example.org>']},
            "body.emails.0",
            "email address",
        ),
    ],
)
def test_a_customer_with_an_injected_name_address_or_email_is_400(
    api: Api, body: dict[str, Any], field: str, says: str
) -> None:
    reply = api.call("POST", "/customers", body={"customer_id": CUSTOMER, **body})
    assert reply.status == 400, reply.body
    assert says in reply.fields()[field]
    assert "evil" not in json.dumps(reply.body)
    assert "Bcc" not in json.dumps(reply.body)
    assert api.store.get_customer(CUSTOMER) is None  # nothing was written


def test_linking_an_address_list_or_header_injection_is_400(api: Api) -> None:
    api.customer()
    for address in ("second@example.org,spy@evil.example", "second@example.org\r\nBcc: x@y.com"):
        reply = api.call("POST", f"/customers/{CUSTOMER}/emails", body={"address": address})
        assert reply.status == 400, reply.body
        assert "body.address" in reply.fields()
    customer = api.store.get_customer(CUSTOMER)
    assert customer is not None
    assert customer.emails == (ADDRESS,)


def spoc(email: str, name: str = "J. Officer") -> dict[str, Any]:
    return {
        "type": "single-point-of-contact",
        "officer_id": "off-1",
        "officer_name": name,
        "officer_email": email,
        "days": ["tuesday"],
        "from_time": "10:00",
        "to_time": "12:00",
    }


def concern_sent(api: Api) -> None:
    api.customer()
    api.clock.now = when("2026-11-02")
    assert api.concern().status == 201
    api.draft_letters()
    sent = {"kind": "mark-letter-sent", "letter_id": api.letter_id("concern")}
    sent["sent_on"] = "2026-11-03"
    api.clock.now = when("2026-11-03")
    assert api.act("case-1", sent, by=MANAGER, version=api.version()).status == 200
    api.clock.now = when("2026-12-14")


def impose_body(*restrictions: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "impose-restrictions",
        "restrictions": list(restrictions),
        "behaviours": ["scattergun-approach"],
        "reason": "no change after the concern letter",
        "equality": EQUALITY,
    }


@pytest.mark.policy("s4-restriction-types")
def test_an_officer_address_with_a_comma_is_400_and_outside_the_organisation_409(
    api: Api,
) -> None:
    """The attack that worked: an officer's address with a comma sent the officer copy to
    both. Now the list is refused (400), and a single address outside the organisation's
    domains (OrganisationDomains) is refused by the rule (409)."""
    concern_sent(api)
    listed = api.act(
        "case-1",
        impose_body(spoc("off@landlord.example,spy@evil.example")),
        by=HEAD,
        version=api.version(),
    )
    assert listed.status == 400, listed.body
    (field,) = [f for f in listed.fields() if f.endswith("officer_email")]
    assert "no commas or semicolons" in listed.fields()[field]
    outside = api.act(
        "case-1", impose_body(spoc("spy@evil.example")), by=HEAD, version=api.version()
    )
    assert outside.status == 409, outside.body
    assert outside.rule == "officer-address-in-organisation"
    assert "evil" not in outside.body["message"]
    renamed = api.act(
        "case-1",
        impose_body(spoc("off@landlord.example", name="J. Officer\nBcc: someone")),
        by=HEAD,
        version=api.version(),
    )
    assert renamed.status == 400, renamed.body
    assert any("rule single-line" in why for why in renamed.fields().values())
    case = api.store.get_case("case-1")
    assert case is not None
    assert case.decision is None  # nothing decided
    ours = api.act(
        "case-1",
        impose_body(spoc("Off+CG@Housing.Landlord.Example")),
        by=HEAD,
        version=api.version(),
    )
    assert ours.status == 200, ours.body
    (restriction,) = ours.body["case"]["decision"]["restrictions"]
    assert restriction["officer_email"] == "off+cg@housing.landlord.example"


def test_the_organisation_domains_come_from_the_setting(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONTACTGUARD_ORGANISATION_DOMAINS", "housing.example")
    api_settings.cache_clear()
    api_app.build.cache_clear()
    concern_sent(api)
    refused = api.act(
        "case-1", impose_body(spoc("off@landlord.example")), by=HEAD, version=api.version()
    )
    assert refused.status == 409
    assert refused.rule == "officer-address-in-organisation"
    accepted = api.act(
        "case-1", impose_body(spoc("off@housing.example")), by=HEAD, version=api.version()
    )
    assert accepted.status == 200, accepted.body


def test_a_customer_stored_before_the_checks_still_reads_cleaned_never_500(api: Api) -> None:
    """Stored data came through the older, looser validators: every read still answers."""
    legacy = Customer.model_construct(
        customer_id="legacy-1",
        name="Ada\u202e Tenant\r\nBcc",
        emails=("off@landlord.example,spy@evil.example",),
        address=PostalAddress.model_construct(lines=("1 High\nStreet",), postcode="DE1 1AA"),
        designated_officer_id=None,
    )
    api.store.put_customer(legacy)
    read = api.call("GET", "/customers/legacy-1", by=CALL_HANDLER)
    assert read.status == 200, read.body
    assert read.body["customer"]["name"] == "Ada Tenant Bcc"
    assert read.body["customer"]["address"]["lines"] == ["1 High Street"]
    looked_up = api.call("GET", "/lookup", by=CALL_HANDLER, query={"customer_id": "legacy-1"})
    assert looked_up.status == 200, looked_up.body
    assert api.call("GET", "/customers/legacy-1/export", by=DPO).status == 200
    linked = api.call("POST", "/customers/legacy-1/emails", body={"address": "ada.new@example.org"})
    assert linked.status == 200, linked.body


def test_large_print_is_recorded_on_the_customer(api: Api) -> None:
    """A reasonable adjustment: the customer's letters are drafted in large print."""
    api.customer(emails=())
    changed = api.call(
        "PUT", f"/customers/{CUSTOMER}/letter-format", body={"letter_format": "large-print"}
    )
    assert changed.status == 200, changed.body
    assert changed.body == {"customer_id": CUSTOMER, "letter_format": "large-print"}
    shown = api.call("GET", f"/customers/{CUSTOMER}")
    assert shown.body["customer"]["letter_format"] == "large-print"
    customer = api.store.get_customer(CUSTOMER)
    assert customer is not None
    assert customer.letter_format.value == "large-print"
    wrong = api.call("PUT", f"/customers/{CUSTOMER}/letter-format", body={"letter_format": "huge"})
    assert wrong.status == 400
    missing = api.call("PUT", "/customers/nobody/letter-format", body={"letter_format": "standard"})
    assert missing.status == 404
