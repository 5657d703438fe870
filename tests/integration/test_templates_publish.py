"""An administrator changes a letter's wording without a deploy: `contactguard templates`
checks a Word file, publishes it to the letters bucket, and the next letter says the new
words; a file that would drop required content is refused and never published; withdrawing
goes back to the packaged wording."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import docx
import pytest

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.domain.calendar import LONDON
from contactguard.domain.case import RaiseConcern
from contactguard.domain.lifecycle import Policy
from contactguard.domain.model import Actor, Behaviour, Customer, PostalAddress, Role
from contactguard.service import CaseService
from contactguard_local.cli import build_parser
from letters.docx_render import TEMPLATES_DIR, block_file, document_text
from letters.service import LetterResult, LettersService
from letters.storage import S3LetterBucket
from letters.template_store import PREFIX, S3PublishedTemplates
from log_privacy import rig_logger

REGION = "eu-west-2"
BUCKET = "letters-templates-test"
NEW_WORDS = "Our Tenancy Support Team can also help you (this wording was published)."


class _Alerts:
    def alert(self, kind: str, **ids: str) -> None:
        pass


@pytest.fixture
def s3(dynamodb: Any) -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return client


def run(s3: Any, *argv: str) -> int:
    args: argparse.Namespace = build_parser().parse_args(["templates", *argv])
    args.s3 = s3
    result: int = args.func(args)
    return result


def edited_help(tmp_path: Path, *, keep_relay: bool = True) -> Path:
    """The help block as an administrator edits it in Word: a sentence added (and, when
    told, the Relay UK number deleted)."""
    document = docx.Document(str(TEMPLATES_DIR / block_file("help")))
    document.add_paragraph(NEW_WORDS)
    if not keep_relay:
        for paragraph in document.paragraphs:
            for run_ in paragraph.runs:
                run_.text = run_.text.replace("Relay UK {{ org.relay_uk }}, ", "")
    path = tmp_path / "help.docx"
    document.save(str(path))
    return path


def draft_concern(dynamodb: Any, tables: dict[str, str], s3: Any, case_id: str) -> str:
    store = DynamoStore(tables["CasesTable"], client=dynamodb)
    address = PostalAddress(lines=("1 Example Street", "Derby"), postcode="DE1 1AA")
    store.put_customer(Customer(customer_id="c1", name="Alex Tenant", address=address))
    cases = CaseService(cases=store, customers=store, policy=Policy())
    letters = LettersService(
        cases=cases,
        contacts=store,
        bucket=S3LetterBucket(BUCKET, client=s3),
        alerts=_Alerts(),
        log=rig_logger("letters"),
        templates=S3PublishedTemplates(BUCKET, client=s3),
    )
    now = datetime(2026, 12, 7, 10, tzinfo=LONDON)
    outcome = cases.open_case(
        RaiseConcern(
            case_id=case_id,
            customer_id="c1",
            behaviours=(Behaviour.EXCESSIVE_EMAILS,),
            note="forty emails in a week",
        ),
        Actor(actor_id="sm", role=Role.SERVICE_MANAGER),
        now,
    )
    event = next(e for e in outcome.events if e.letter is not None)
    assert letters.on_event(event, now) is LetterResult.DRAFTED
    assert event.letter is not None
    return f"letters/{case_id}/{event.letter.letter_id}/v1.docx"


def test_a_published_block_is_in_the_next_letter_and_withdrawing_restores_the_packaged(
    dynamodb: Any, tables: dict[str, str], s3: Any, tmp_path: Path, capsys: Any
) -> None:
    assert run(s3, "publish", str(edited_help(tmp_path)), "--bucket", BUCKET) == 0
    published = capsys.readouterr().out
    assert "every letter that includes it (15): OK" in published
    assert "Published blocks/help.docx (version " in published

    key = draft_concern(dynamodb, tables, s3, "case-pub")
    got = s3.get_object(Bucket=BUCKET, Key=key)
    assert NEW_WORDS in document_text(got["Body"].read())
    version = s3.head_object(Bucket=BUCKET, Key=PREFIX + "blocks/help.docx")["VersionId"]
    assert f"blocks/help.docx@published-{version}" in got["Metadata"]["templates"]
    assert "concern.docx@packaged" in got["Metadata"]["templates"]

    assert run(s3, "list", "--bucket", BUCKET) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(line.split()[:2] == ["blocks/help.docx", "published"] for line in listed)
    assert any(line.split()[:2] == ["concern.docx", "packaged"] for line in listed)

    out = tmp_path / "fetched.docx"
    assert run(s3, "get", "help", "--bucket", BUCKET, "--out", str(out)) == 0
    assert NEW_WORDS in document_text(out.read_bytes())

    assert run(s3, "withdraw", "help", "--bucket", BUCKET) == 0
    assert "Withdrew blocks/help.docx" in capsys.readouterr().out
    key = draft_concern(dynamodb, tables, s3, "case-after")
    got = s3.get_object(Bucket=BUCKET, Key=key)
    assert NEW_WORDS not in document_text(got["Body"].read())
    assert "blocks/help.docx@packaged" in got["Metadata"]["templates"]
    # every version stays in the bucket's history
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=PREFIX)
    assert len(versions["Versions"]) == 1
    assert len(versions["DeleteMarkers"]) == 1


def test_a_template_that_drops_required_content_is_never_published(
    dynamodb: Any, s3: Any, tmp_path: Path, capsys: Any
) -> None:
    path = edited_help(tmp_path, keep_relay=False)
    assert run(s3, "publish", str(path), "--bucket", BUCKET) == 1
    said = capsys.readouterr().out
    assert (
        "the letter no longer says how to ask for a reasonable adjustment: the adjustments "
        "team's telephone, Relay UK number and email: the shared block 'help' must say it"
    ) in said
    assert "FAILS: not published" in said
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX)


def test_check_names_a_misspelt_placeholder_and_the_one_meant(tmp_path: Path, capsys: Any) -> None:
    document = docx.Document(str(TEMPLATES_DIR / "restrictions.docx"))
    document.add_paragraph("Signed for {{ org.nmae }} on {{ leter_date }}")
    path = tmp_path / "my restrictions.docx"
    document.save(str(path))
    args = build_parser().parse_args(["templates", "check", str(path), "--as", "restrictions"])
    assert args.func(args) == 1
    said = capsys.readouterr().out
    assert "unknown placeholder {{ leter_date }} (did you mean {{ letter_date }}?)" in said


def test_check_refuses_what_is_not_a_template(tmp_path: Path, capsys: Any) -> None:
    text = tmp_path / "restrictions.docx"
    text.write_text("not a word document")
    args = build_parser().parse_args(["templates", "check", str(text)])
    assert args.func(args) == 2
    assert "is not a Word document (.docx)" in capsys.readouterr().out
    other = tmp_path / "letter.docx"
    other.write_bytes((TEMPLATES_DIR / "concern.docx").read_bytes())
    args = build_parser().parse_args(["templates", "check", str(other)])
    assert args.func(args) == 2
    assert "letter.docx is neither a letter template nor a shared block" in capsys.readouterr().out


def test_check_finds_tags_typed_so_that_words_would_vanish(tmp_path: Path, capsys: Any) -> None:
    """An unclosed placeholder swallows the text after it, and words typed beside a control
    line go with the line: both would pass a render silently, so the check names them."""
    document = docx.Document(str(TEMPLATES_DIR / "concern.docx"))
    document.add_paragraph("Dear {{ customer_name }")
    document.add_paragraph("{%p if note %} and more")
    path = tmp_path / "concern.docx"
    document.save(str(path))
    args = build_parser().parse_args(["templates", "check", str(path)])
    assert args.func(args) == 1
    said = capsys.readouterr().out
    assert "a {{ }} or {% %} tag is not closed in the line: 'Dear {{ customer_name }'" in said
    assert (
        "words beside a control line are removed with it: put {%p if note %} on a line of its "
        "own: '{%p if note %} and more'"
    ) in said
