"""`contactguard simulate`: staff API operations as steps, email steps with headers and SES
verdicts, and every contact the run produced in report.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contactguard_local.simulate import ScenarioError, simulate
from contactguard_local.simulate_operations import api_operations

PEOPLE = """\
start: 2026-11-02T09:00
customers:
  - id: cust-1
    name: A. Tenant
    emails: [a.tenant@example.org]
    address: {lines: [1 Example Street, Derby], postcode: DE23 8ZZ}
staff:
  - {id: sm, role: service-manager}
  - {id: hos, role: head-of-service}
  - {id: cet, role: customer-experience-team}
  - {id: call, role: call-handler}
  - {id: sg, role: safeguarding-lead}
  - {id: dpo, role: data-protection-officer}
"""

# Immediate restrictions (policy s.4): letters only, in force once the letter is sent.
RESTRICT = """\
  - at: 2026-11-03T10:00
    by: hos
    operation:
      open_case:
        kind: impose-restrictions
        case_id: k1
        customer_id: cust-1
        immediate: true
        immediate_reason: He threatened to hurt a named officer.
        restrictions: [{type: letters-only, write_to: "PO Box 1, Derby DE1 1AA"}]
        behaviours: [multiple-threatening-or-excessive-emails]
        aspects: {multiple-threatening-or-excessive-emails: [threatening]}
        reason: Threats to staff.
        equality:
          reasonable_adjustments_considered: true
          vulnerability_considered: true
          equality_act_duties_considered: true
          notes: none known
"""

OPERATIONS = (
    PEOPLE
    + """\
steps:
  - at: 2026-11-02T10:00
    email: {from: second@example.org, subject: From my other address, body: hello}
  - at: 2026-11-02T11:00
    by: call
    operation: {link_email: {customer_id: cust-1, address: second@example.org}}
  - at: 2026-11-02T11:05
    by: sm
    operation: {link_email: {customer_id: cust-1, address: second@example.org}}
  - at: 2026-11-02T11:10
    by: sm
    operation:
      create_customer:
        customer_id: cust-2
        name: B. Other
        emails: [b@example.org]
        designated_officer_id: sg
  - at: 2026-11-02T11:15
    by: sm
    operation: {correct_customer: {customer_id: cust-2, name: B. Corrected}}
  - at: 2026-11-02T11:20
    by: cet
    operation: {set_letter_format: {customer_id: cust-1, letter_format: large-print}}
  - at: 2026-11-02T11:25
    by: call
    operation: {log_contact: {customer_id: cust-1, channel: phone, summary: Called about it}}
  - at: 2026-11-02T11:30
    by: call
    operation: {log_contact: {customer_id: cust-1, channel: email}}
"""
    + RESTRICT
    + """\
  - at: 2026-11-03T11:00
    by: hos
    operation:
      command_case:
        case_id: k1
        kind: redraft-letter
        letter: immediate-restrictions
        reason: the wrong PO Box
  - at: 2026-11-03T12:00
    by: hos
    operation:
      command_case:
        case_id: k1
        kind: mark-letter-sent
        letter: immediate-restrictions
        sent_on: 2026-11-03
  - at: 2026-11-04T10:00
    email: {from: a.tenant@example.org, subject: Repairs, body: still broken}
  - at: 2026-11-04T11:00
    by: sg
    operation: read_queue
  - at: 2026-11-04T11:05
    by: cet
    operation: {mark_read: {outcome: nothing-new}}
  - at: 2026-11-04T11:10
    by: sg
    operation: {mark_read: {outcome: nothing-new, note: the same repair}}
  - at: 2026-11-05T10:00
    by: dpo
    operation: {start_export: {customer_id: cust-1}}
  - at: 2026-11-05T10:05
    by: dpo
    operation: export_status
  - at: 2026-11-05T10:06
    by: cet
    operation: export_status
"""
)


def run(tmp_path: Path, text: str, **files: str) -> dict[str, Any]:
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text)
    return simulate(scenario, tmp_path / "out", quiet=True)


def operations(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in report["steps"] if s["step"] == "operation"]


@pytest.mark.policy("design-least-privilege")
def test_staff_operations_run_through_the_api_as_their_staff_member(tmp_path: Path) -> None:
    report = run(tmp_path, OPERATIONS)
    done = operations(report)
    assert [(s["operation"], s["by"], s["status"], s.get("refused")) for s in done] == [
        ("link_email", "call", 403, "link-email-managers"),
        ("link_email", "sm", 200, None),
        ("create_customer", "sm", 201, None),
        ("correct_customer", "sm", 200, None),
        ("set_letter_format", "cet", 200, None),
        ("log_contact", "call", 201, None),
        ("log_contact", "call", 400, "bad-request"),
        ("open_case", "hos", 201, None),
        ("command_case", "hos", 200, None),
        ("command_case", "hos", 200, None),
        ("read_queue", "sg", 200, None),
        ("mark_read", "cet", 403, "read-queue-readers"),
        ("mark_read", "sg", 200, None),
        ("start_export", "dpo", 202, None),
        ("export_status", "dpo", 200, None),
        ("export_status", "cet", 403, "data-protection-officer"),
    ]
    by_line = {s["line"]: s for s in done}
    refused = done[0]
    assert "needs the role: head-of-service, service-manager" in refused["reason"]
    assert "REFUSED 403 [link-email-managers]" in refused["note"]
    # The earlier unmatched email is the customer's once the address is linked.
    assert done[1]["reply"]["attributed"] == 1
    linked = [c for c in report["contacts"] if c["source_address"] == "second@example.org"]
    assert [(c["direction"], c["customer_id"]) for c in linked] == [
        ("inbound", "cust-1"),
        ("outbound", "cust-1"),  # the copy the delivery function forwarded to staff
    ]
    assert done[2]["reply"]["customer"]["designated_officer_id"] == "sg"
    assert done[3]["reply"]["customer"]["name"] == "B. Corrected"
    assert done[4]["reply"]["letter_format"] == "large-print"
    (phone,) = [c for c in report["contacts"] if c["channel"] == "phone"]
    assert (phone["customer_id"], phone["recorded_by"]) == ("cust-1", "call")
    assert phone["at"] == "2026-11-02T11:25:00Z"  # the simulated clock, not the wall's
    assert set(done[6]["fields"]) == {"body.channel"}
    assert done[7]["events"] == ["restrictions-imposed", "restrictions-started"]
    assert done[8]["events"] == ["letter-redraft-requested"]
    assert done[9]["events"] == ["letter-sent", "appeal-window-opened"]
    (case,) = report["cases"]
    (letter,) = case["letters"]
    assert (letter["status"], letter["version"], letter["sent_on"], letter["sent_by"]) == (
        "sent",
        2,
        "2026-11-03",
        "hos",
    )
    # The filed email is the read queue's; the officer's read is kept on the contact.
    filed = next(s for s in report["steps"] if s.get("contact") == "filed-blocked")
    assert [i["contact_id"] for i in done[10]["reply"]["items"]] == [filed["contact_id"]]
    (read,) = [c for c in report["contacts"] if c["contact_id"] == filed["contact_id"]]
    assert read["read"]["read_by"] == "sg"
    assert read["read"]["outcome"] == "nothing-new"
    job = done[13]["job_id"]
    assert done[14]["reply"]["job_id"] == job
    assert done[14]["reply"]["status"] == "draft"  # built by the exports function
    assert by_line  # every step kept its line
    assert json.loads((tmp_path / "out" / "report.json").read_text()) == report


def test_every_api_operation_is_a_step_by_its_openapi_name() -> None:
    document = json.loads(
        (Path(__file__).parents[2] / "functions" / "api" / "openapi.json").read_text()
    )
    ids = {
        spec["operationId"]
        for methods in document["paths"].values()
        for spec in methods.values()
        if isinstance(spec, dict) and "operationId" in spec
    }
    named = api_operations()
    assert {op.operation_id for op in named.values()} == ids
    assert {"link_email", "mark_read", "read_queue", "start_export", "command_case"} <= set(named)
    assert all(op.operation_id.startswith(name) for name, op in named.items())


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            "    by: sm\n    operation: {link_mail: {customer_id: c}}\n",
            "no API operation 'link_mail'",
        ),
        (
            "    by: sm\n    operation: {link_email: {address: a@example.org}}\n",
            "needs customer_id",
        ),
        ("    operation: read_queue\n", "needs `by`"),
        ("    by: sm\n    operation: {get_case: {case_id: k, colour: red}}\n", "takes no colour"),
        ("    by: sm\n    operation: {get_letter: {case_id: k, letter: poem}}\n", "not a kind"),
        ("    email: {subject: hi}\n", "needs `from`, or an `eml`"),
        ("    email: {from: a@example.org, headers: {From: b@example.org}}\n", "From are set"),
        ("    email: {eml: x.eml, subject: hi}\n", "whole message"),
        ("    email: {from: a@example.org, verdicts: {dmarcPolicy: maybe}}\n", "dmarcPolicy"),
        ("    email: {from: a@example.org, verdicts: {dmarc: OK}}\n", "dmarc"),
    ],
)
def test_a_mistaken_step_is_refused_at_load_with_its_line(
    tmp_path: Path, step: str, message: str
) -> None:
    text = PEOPLE + "steps:\n  - at: 2026-11-02T10:00\n    note: first\n  - at: 2026-11-03T10:00\n"
    with pytest.raises(ScenarioError, match=r"line 1[789]: steps\.1") as raised:
        run(tmp_path, text + step)
    assert message in str(raised.value)


OUT_OF_OFFICE_EML = """\
From: "A. Tenant" <a.tenant@example.org>
To: contact@example.org
Subject: Automatic reply: Repairs
Auto-Submitted: auto-replied
Message-ID: <ooo-1@example.org>
Date: Wed, 04 Nov 2026 10:00:00 +0000
Content-Type: text/plain

I am away until Monday.
"""

MAIL = (
    PEOPLE
    + "steps:\n"
    + RESTRICT
    + """\
  - at: 2026-11-03T12:00
    by: hos
    send_letter: {case: k1, kind: immediate-restrictions}
  - at: 2026-11-04T10:00
    email:
      from: a.tenant@example.org
      subject: "Automatic reply: Repairs"
      body: I am away.
      headers: {Auto-Submitted: auto-replied}
  - at: 2026-11-04T10:30
    email: {eml: ooo.eml}
  - at: 2026-11-04T11:00
    email: {from: a.tenant@example.org, subject: News, body: x, headers: {Precedence: bulk}}
  - at: 2026-11-04T12:00
    email:
      from: a.tenant@example.org
      to: [someone@else.example, contact@example.org]
      subject: Repairs
      body: still broken
      headers: {Reply-To: a.tenant@example.org}
  - at: 2026-11-05T10:00
    email: {from: a.tenant@example.org, subject: F1, verdicts: {dmarc: FAIL, dmarcPolicy: reject}}
  - at: 2026-11-05T10:10
    email:
      from: a.tenant@example.org
      subject: F2
      verdicts: {dmarc: fail, dmarcPolicy: QUARANTINE}
  - at: 2026-11-05T10:20
    email: {from: a.tenant@example.org, subject: F3, verdicts: {dmarc: GRAY, dmarcPolicy: none}}
  - at: 2026-11-05T10:30
    email: {from: a.tenant@example.org, subject: F4, verdicts: {dmarc: GRAY}}
  - at: 2026-11-05T10:40
    email: {from: bounces@mailer.example, eml: ooo.eml}
"""
)


@pytest.mark.policy("design-email-enforcement")
def test_email_steps_carry_headers_verdicts_and_an_eml_whose_from_is_the_sender(
    tmp_path: Path,
) -> None:
    report = run(tmp_path, MAIL, **{"ooo.eml": OUT_OF_OFFICE_EML})
    emails = [s for s in report["steps"] if s["step"] == "email"]
    assert [(e["from"], e["contact"], e["reason"], e["mail_sent"]) for e in emails] == [
        # Out of office, inline and as an .eml: filed, and no auto-reply to an auto-reply.
        ("a.tenant@example.org", "filed-blocked", "letters-only-restriction", 0),
        ("a.tenant@example.org", "filed-blocked", "letters-only-restriction", 0),
        ("a.tenant@example.org", "filed-blocked", "letters-only-restriction", 0),  # bulk
        # A message from the customer themself: the one auto-reply of the week.
        ("a.tenant@example.org", "filed-blocked", "letters-only-restriction", 1),
        # DMARC failed: quarantined whatever the domain's policy.
        ("a.tenant@example.org", "quarantined", "unauthenticated:dmarc-fail", 0),
        ("a.tenant@example.org", "quarantined", "unauthenticated:dmarc-fail", 0),
        # A domain that publishes a policy authenticates only by a DMARC pass...
        ("a.tenant@example.org", "quarantined", "unauthenticated:dmarc-policy-not-passed", 0),
        # ...one that publishes none, by an aligned SPF pass (envelope and From agree).
        ("a.tenant@example.org", "filed-blocked", "letters-only-restriction", 0),
        # The .eml's own From is the sender ingest judges, the envelope a mailer's.
        ("bounces@mailer.example", "filed-blocked", "letters-only-restriction", 0),
    ]
    assert emails[1]["customer"] == "cust-1"
    assert emails[-1]["customer"] == "cust-1"
    replies = list((tmp_path / "out" / "mailboxes" / "a.tenant@example.org" / "new").iterdir())
    assert len(replies) == 1
    assert b"Auto-Submitted: auto-replied" in replies[0].read_bytes()


@pytest.mark.policy("design-email-enforcement")
def test_the_report_holds_every_contact_the_run_produced(tmp_path: Path) -> None:
    report = run(tmp_path, MAIL, **{"ooo.eml": OUT_OF_OFFICE_EML})
    emails = [s for s in report["steps"] if s["step"] == "email"]
    held = {c["contact_id"]: c for c in report["contacts"]}
    # Each email step's contact, including quarantined mail claiming the customer's address
    # and the .eml sent from another envelope address.
    assert {e["contact_id"] for e in emails} <= set(held)
    spoofed = [held[e["contact_id"]] for e in emails if e["contact"] == "quarantined"]
    assert [(c["customer_id"], c["source_address"]) for c in spoofed] == [
        (None, "a.tenant@example.org")
    ] * 3
    assert held[emails[-1]["contact_id"]]["customer_id"] == "cust-1"
    # And what ingest sent: the auto-reply, an outbound contact of the customer's.
    outbound = [c for c in report["contacts"] if c["direction"] == "outbound"]
    assert [(c["customer_id"], c["reason"]) for c in outbound] == [("cust-1", "auto-reply")]
    assert [c["at"] for c in report["contacts"]] == sorted(c["at"] for c in report["contacts"])
