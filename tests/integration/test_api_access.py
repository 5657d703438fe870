"""Issue 14's attacks on the staff API, each now refused or harmless; the role-by-route matrix;
the audit trail the data protection officer reads.

Each attack is written as it worked before: the least privileged role silencing a customer by
linking their address, filed email and safeguarding notes read around the read queue, reads
that left no trace.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.exceptions import ClientError
from test_api import (  # the `api` fixture and its helpers
    ADDRESS,
    CALL_HANDLER,
    CET,
    CUSTOMER,
    DOCX_ACCEPT,
    DPO,
    EXECUTIVE,
    HEAD,
    MANAGER,
    SAFEGUARDING,
    Api,
    Staff,
    api,
    file_an_email,
    when,
)

import api.app as api_app
from contactguard.domain.access import GRANTS, STAFF_ROLES, Operation
from contactguard.domain.case import ReviewPackDue
from contactguard.domain.deadlines import pending_deadlines
from contactguard.domain.lifecycle import Policy
from contactguard.domain.model import Actor, EmailRead, ReadOutcome, Role
from contactguard.service import CaseService

__all__ = ["api"]  # the fixture, imported for pytest

EVERYONE = {
    Role.SERVICE_MANAGER: MANAGER,
    Role.HEAD_OF_SERVICE: HEAD,
    Role.CUSTOMER_EXPERIENCE: CET,
    Role.EXECUTIVE: EXECUTIVE,
    Role.CALL_HANDLER: CALL_HANDLER,
    Role.SAFEGUARDING_LEAD: SAFEGUARDING,
    Role.DATA_PROTECTION_OFFICER: DPO,
}
SAFEGUARDING_NOTE = "disclosed domestic abuse; referred to MARAC"
YEAR = (when("2026-01-01"), when("2028-01-01"))


def test_every_staff_role_has_someone_to_call_with() -> None:
    assert set(EVERYONE) == STAFF_ROLES


def _concrete(path: str) -> str:
    """A route's path with made-up ids: an allowed role gets a 400 or 404, never a 403."""
    return re.sub(r"<[^>]+>", "nobody", path)


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [(m, p, o) for (m, p), o in api_app.ROUTE_OPERATIONS.items()],
    ids=[f"{m} {p}" for m, p in api_app.ROUTE_OPERATIONS],
)
@pytest.mark.policy("design-least-privilege")
def test_every_route_refuses_exactly_the_roles_outside_its_grant(
    api: Api, method: str, path: str, operation: Operation
) -> None:
    grant = GRANTS[operation]
    for role, staff in EVERYONE.items():
        reply = api.call(method, _concrete(path), by=staff, body={} if method == "POST" else None)
        if role in grant.roles:
            assert reply.status != 403, (role, reply.body)
            assert reply.status < 500, (role, reply.body)
        else:
            assert (reply.status, reply.rule) == (403, grant.rule), role


def test_every_route_in_the_api_names_its_roles() -> None:
    doc = api_app.openapi_document()
    served = {
        (method.upper(), re.sub(r"\{([^}]+)\}", r"<\1>", path))
        for path, operations in doc["paths"].items()
        for method in operations
    }
    assert served == set(api_app.ROUTE_OPERATIONS)
    for (method, path), operation in api_app.ROUTE_OPERATIONS.items():
        documented = doc["paths"][re.sub(r"<([^>]+)>", r"{\1}", path)][method.lower()]
        assert documented["x-roles"] == sorted(r.value for r in GRANTS[operation].roles)


# Finding 3: the least privileged role could silence anyone ---------------------------------


@pytest.mark.policy("design-least-privilege")
def test_a_call_handler_cannot_link_someone_elses_address_to_a_customer(api: Api) -> None:
    api.customer()
    victim = "somebody.else@example.net"
    reply = api.call(
        "POST", f"/customers/{CUSTOMER}/emails", by=CALL_HANDLER, body={"address": victim}
    )
    assert (reply.status, reply.rule) == (403, "link-email-managers")
    assert "service-manager" in reply.body["message"]
    # Their next email is not matched to the letters-only customer: it reaches staff.
    assert api.store.customer_id_for_email(victim) is None
    linked = api.call("POST", f"/customers/{CUSTOMER}/emails", by=HEAD, body={"address": victim})
    assert linked.status == 200
    assert api.store.customer_id_for_email(victim) == CUSTOMER


def test_a_call_handler_cannot_register_a_customer_holding_someone_elses_address(
    api: Api,
) -> None:
    victim = "somebody.else@example.net"
    body = {"customer_id": "cust-9", "name": "Anyone", "emails": [victim]}
    reply = api.call("POST", "/customers", by=CALL_HANDLER, body=body)
    assert (reply.status, reply.rule) == (403, "link-email-managers")
    assert api.store.get_customer("cust-9") is None
    assert api.store.customer_id_for_email(victim) is None
    plain = api.call("POST", "/customers", by=CALL_HANDLER, body={**body, "emails": []})
    assert plain.status == 201


# Finding 4: filed email and safeguarding notes leaked around the read queue ---------------


def _filed_and_read(api: Api) -> None:
    api.customer()
    file_an_email(api, "ses-filed-1")
    read = EmailRead(
        read_at=when("2026-12-01", 11),
        read_by=SAFEGUARDING.sub,
        outcome=ReadOutcome.SAFEGUARDING,
        note=SAFEGUARDING_NOTE,
    )
    assert api.store.mark_read("ses-filed-1", read) is not None
    api.call(
        "POST",
        f"/customers/{CUSTOMER}/contacts",
        by=CALL_HANDLER,
        body={"channel": "phone", "summary": "asked about rent", "at": "2026-11-30T10:00:00Z"},
    )


@pytest.mark.parametrize("staff", [CALL_HANDLER, HEAD, CET, EXECUTIVE])
@pytest.mark.policy("design-least-privilege")
def test_other_roles_see_that_a_filed_email_exists_and_when_but_not_its_words(
    api: Api, staff: Staff
) -> None:
    _filed_and_read(api)
    reply = api.call("GET", f"/customers/{CUSTOMER}/contacts", by=staff)
    assert reply.status == 200
    assert reply.body["withheld"] == ["ses-filed-1"]
    by_id = {c["contact_id"]: c for c in reply.body["contacts"]}
    filed = by_id["ses-filed-1"]
    assert (filed["disposition"], filed["at"][:10]) == ("filed-blocked", "2026-12-01")
    assert (filed["summary"], filed["flags"], filed["read"], filed["raw_ref"]) == (
        "",
        [],
        None,
        None,
    )
    assert "about my boiler" not in reply.text()
    assert SAFEGUARDING_NOTE not in reply.text()
    # Their own kind of contact is shown in full.
    (phone,) = [c for c in by_id.values() if c["channel"] == "phone"]
    assert phone["summary"] == "asked about rent"


@pytest.mark.parametrize("staff", [SAFEGUARDING, MANAGER])
def test_the_designated_officer_sees_filed_email_and_the_note(api: Api, staff: Staff) -> None:
    _filed_and_read(api)
    reply = api.call("GET", f"/customers/{CUSTOMER}/contacts", by=staff)
    assert reply.body["withheld"] == []
    (filed,) = [c for c in reply.body["contacts"] if c["contact_id"] == "ses-filed-1"]
    assert filed["summary"] == "about my boiler"
    assert filed["read"]["note"] == SAFEGUARDING_NOTE


@pytest.mark.policy("design-least-privilege")
def test_the_export_is_the_data_protection_officers_alone(api: Api) -> None:
    _filed_and_read(api)
    path = f"/customers/{CUSTOMER}/export"
    for staff in (CALL_HANDLER, SAFEGUARDING, MANAGER, HEAD, CET, EXECUTIVE):
        refused = api.call("GET", path, by=staff)
        assert (refused.status, refused.rule) == (403, "data-protection-officer"), staff
        assert SAFEGUARDING_NOTE not in refused.text()
    export = api.call("GET", path, by=DPO)
    assert export.status == 200
    (filed,) = [c for c in export.body["contacts"] if c["contact_id"] == "ses-filed-1"]
    assert filed["read"]["note"] == SAFEGUARDING_NOTE  # subject access holds everything


def test_a_call_handler_cannot_download_letters(api: Api) -> None:
    api.customer()
    api.concern()
    api.draft_letters()
    path = f"/cases/case-1/letters/{api.letter_id('concern')}"
    refused = api.call("GET", path, by=CALL_HANDLER, headers=DOCX_ACCEPT)
    assert (refused.status, refused.rule) == (403, "letter-handlers")


def test_the_review_pack_listing_filed_email_is_for_the_review_and_the_officer(api: Api) -> None:
    api.customer()
    api.restricted_case()
    file_an_email(api, "ses-filed-1")
    case = api.store.get_case("case-1")
    assert case is not None
    (due,) = [d for d in pending_deadlines(case) if d.kind == "review-pack-due"]
    api.clock.now = due.fire_at
    service = CaseService(api.store, api.store, Policy())
    service.act("case-1", ReviewPackDue(), Actor.system("deadlines"), api.clock.now)
    api.draft_letters()
    path = f"/cases/case-1/letters/{api.letter_id('review-pack')}"
    for staff in (HEAD, MANAGER, DPO):
        assert api.call("GET", path, by=staff, headers=DOCX_ACCEPT).status == 200, staff
    for staff in (CET, EXECUTIVE):
        refused = api.call("GET", path, by=staff, headers=DOCX_ACCEPT)
        assert (refused.status, refused.rule) == (403, "review-pack-readers"), staff


# Finding 5: reads and writes left no trace -------------------------------------------------


def _trail(api: Api, **query: str) -> list[dict[str, Any]]:
    reply = api.call("GET", "/audit", by=DPO, query={**query, "from": "2026-01-01"})
    assert reply.status == 200, reply.body
    return list(reply.body["records"])


@pytest.mark.policy("design-audit-trail")
def test_who_looked_at_a_customer_is_answered_from_the_audit_trail(api: Api) -> None:
    body = {"customer_id": CUSTOMER, "name": "Ada", "emails": []}
    assert api.call("POST", "/customers", by=CALL_HANDLER, body=body).status == 201
    api.clock.now = when("2026-12-01", 11)
    link = {"address": ADDRESS}
    assert api.call("POST", f"/customers/{CUSTOMER}/emails", by=MANAGER, body=link).status == 200
    api.clock.now = when("2026-12-01", 12)
    assert api.call("GET", f"/customers/{CUSTOMER}/contacts", by=CET).status == 200
    api.clock.now = when("2026-12-01", 13)
    assert api.concern().status == 201
    api.draft_letters()
    api.clock.now = when("2026-12-01", 14)
    assert api.call("GET", "/cases/case-1/timeline", by=EXECUTIVE).status == 200
    letter = api.letter_id("concern")
    api.clock.now = when("2026-12-01", 15)
    got = api.call("GET", f"/cases/case-1/letters/{letter}", by=HEAD, headers=DOCX_ACCEPT)
    assert got.status == 200
    api.clock.now = when("2026-12-01", 16)
    assert api.call("GET", "/lookup", by=CALL_HANDLER, query={"email": ADDRESS}).status == 200

    api.clock.now = when("2026-12-02", 9)
    records = _trail(api, customer_id=CUSTOMER)
    assert [(r["actor_id"], r["role"], r["operation"]) for r in records] == [
        (CALL_HANDLER.sub, "call-handler", "register-customer"),
        (MANAGER.sub, "service-manager", "link-email"),
        (CET.sub, "customer-experience-team", "read-contacts"),
        (MANAGER.sub, "service-manager", "open-case"),
        (EXECUTIVE.sub, "executive-team", "read-case"),
        (HEAD.sub, "head-of-service", "read-letter"),
        (CALL_HANDLER.sub, "call-handler", "lookup"),
        (DPO.sub, "data-protection-officer", "read-audit"),  # asking is recorded too
    ]
    assert records[5]["letter_id"] == letter
    assert [r["at"][:19] for r in records][1:3] == ["2026-12-01T11:00:00", "2026-12-01T12:00:00"]
    # The trail holds ids and codes, never what was read.
    assert ADDRESS not in str(records)
    assert "Ada" not in str(records)
    # The other way round: what one member of staff touched.
    mine = _trail(api, actor_id=CALL_HANDLER.sub)
    assert [r["operation"] for r in mine] == ["register-customer", "lookup"]


def test_a_read_queue_view_is_recorded_against_each_customer_shown(api: Api) -> None:
    api.customer()
    api.customer("cust-2", ("bo@example.org",))
    file_an_email(api, "ses-filed-1")
    api.clock.now = when("2026-12-01", 12)
    assert api.call("GET", "/read-queue", by=SAFEGUARDING).status == 200
    records = api.store.audit_of_customer(CUSTOMER, *YEAR, 1000)
    assert [(r.operation, r.contact_id) for r in records if r.actor_id == SAFEGUARDING.sub] == [
        ("read-queue", "ses-filed-1")
    ]
    assert api.store.audit_of_customer("cust-2", *YEAR, 1000)[-1].operation == "register-customer"


def test_the_audit_trail_needs_exactly_one_subject_and_the_right_role(api: Api) -> None:
    both = api.call("GET", "/audit", by=DPO, query={"customer_id": "a", "actor_id": "b"})
    assert (both.status, both.fields()) == (
        400,
        {"query": "give exactly one of customer_id or actor_id"},
    )
    neither = api.call("GET", "/audit", by=DPO)
    assert (neither.status, neither.fields()) == (both.status, both.fields())
    refused = api.call("GET", "/audit", by=MANAGER, query={"customer_id": CUSTOMER})
    assert (refused.status, refused.rule) == (403, "data-protection-officer")


@pytest.mark.policy("design-audit-trail")
def test_no_audit_record_means_no_data_shown_and_nothing_changed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.customer()

    def unavailable(record: object) -> None:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}},
            "PutItem",
        )

    monkeypatch.setattr(api_app.build().audit_log, "record_audit", unavailable)
    shown = api.call("GET", f"/customers/{CUSTOMER}", by=MANAGER)
    assert (shown.status, shown.body["error"], shown.rule) == (
        503,
        "audit-unavailable",
        "audit-before-access",
    )
    assert "Ada" not in shown.text()
    link = {"address": "new.one@example.org"}
    changed = api.call("POST", f"/customers/{CUSTOMER}/emails", by=MANAGER, body=link)
    assert changed.status == 503
    assert api.store.customer_id_for_email("new.one@example.org") is None


def test_the_role_by_route_tables_in_the_readme_and_api_guide_are_current() -> None:
    from contactguard_local.roles_table import main

    assert main(["--check"]) == 0


def test_a_refused_value_is_named_once_in_plain_words(api: Api) -> None:
    body = {"customer_id": "cust-rlo", "name": "Eve\u202eliame", "emails": []}
    reply = api.call("POST", "/customers", by=MANAGER, body=body)
    assert reply.status == 400
    (problem,) = reply.body["fields"]
    assert problem["field"] == "body.name"
    assert problem["reason"].startswith("must not contain bidirectional control characters")
    assert "Value error" not in reply.text()
    assert "liame" not in reply.text()  # the value is never repeated
