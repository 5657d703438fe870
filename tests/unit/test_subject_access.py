"""A subject access export with in-memory fakes: who may start, release and download one, what
is marked for the officer's redaction review and why, and that a draft never downloads."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO

import pytest

from contactguard.domain.case import CaseEvent, CaseEventType
from contactguard.domain.errors import NotPermitted, RuleViolation
from contactguard.domain.model import (
    Actor,
    Channel,
    Contact,
    Customer,
    Direction,
    Disposition,
    EmailRead,
    ReadOutcome,
    Role,
)
from contactguard.domain.subject_access import (
    DRAFT_BANNER,
    MARK_WORDS,
    ExportStatus,
    Mark,
    Withheld,
    case_marks,
    check_withheld,
    contact_marks,
    email_marks,
    event_marks,
    released_readme,
    withheld_notice,
)
from contactguard.usecases import Request
from contactguard.usecases.audit import Auditor
from contactguard.usecases.export_jobs import ExportBuilder, NotReleased, SubjectAccessJobs
from fakes import FixedClock, InMemoryExportJobs, InMemoryStore, ListLog

AT = datetime(2026, 12, 1, 10, tzinfo=UTC)
DPO = Request(Actor(actor_id="dee", role=Role.DATA_PROTECTION_OFFICER), "r1")
MANAGER = Request(Actor(actor_id="sam", role=Role.SERVICE_MANAGER), "r2")


@dataclass
class Files:
    kept: dict[str, bytes] = field(default_factory=dict)

    def put_file(self, key: str, body: IO[bytes]) -> None:
        body.seek(0)
        self.kept[key] = body.read()

    def file(self, key: str) -> bytes | None:
        return self.kept.get(key)

    def download_link(self, key: str, filename: str, seconds: int) -> str | None:
        return None  # no browser reaches this bucket: the bytes are served


@dataclass
class Mail:
    received: dict[str, bytes] = field(default_factory=dict)
    sent: dict[str, bytes] = field(default_factory=dict)

    def message(self, raw_ref: str) -> bytes | None:
        return self.received.get(raw_ref)

    def sent_message(self, contact_id: str) -> bytes | None:
        return self.sent.get(contact_id)


class NoLetters:
    def versions(self, key: str) -> list[bytes]:
        return []

    def document(self, key: str) -> bytes | None:
        return None


@dataclass
class Rig:
    store: InMemoryStore = field(default_factory=InMemoryStore)
    jobs: InMemoryExportJobs = field(default_factory=InMemoryExportJobs)
    files: Files = field(default_factory=Files)
    mail: Mail = field(default_factory=Mail)

    def __post_init__(self) -> None:
        clock, log = FixedClock(AT), ListLog()
        audit = Auditor(trail=self.store, clock=clock, log=log)
        self.staff = SubjectAccessJobs(
            customers=self.store, jobs=self.jobs, files=self.files, audit=audit, clock=clock
        )
        self.builder = ExportBuilder(
            jobs=self.jobs,
            customers=self.store,
            contacts=self.store,
            cases=self.store,
            audit_log=self.store,
            signals=self.store,
            mail=self.mail,
            letters=NoLetters(),
            files=self.files,
            clock=clock,
            log=log,
            our_domains=("landlord.example",),
        )
        self.store.put_customer(
            Customer(customer_id="c1", name="Pat Tenant", emails=("pat@example.org",))
        )


def test_only_a_data_protection_officer_starts_releases_or_downloads_an_export() -> None:
    rig = Rig()
    with pytest.raises(NotPermitted):
        rig.staff.start(MANAGER, "c1")
    job = rig.staff.start(DPO, "c1")
    rig.builder.build(job.job_id)
    for act in (
        lambda: rig.staff.release(MANAGER, job.job_id, ""),
        lambda: rig.staff.download(MANAGER, job.job_id),
        lambda: rig.staff.status(MANAGER, job.job_id),
    ):
        with pytest.raises(NotPermitted):
            act()


def test_an_unreleased_export_cannot_be_downloaded() -> None:
    rig = Rig()
    job = rig.staff.start(DPO, "c1")
    with pytest.raises(NotReleased):  # still being built
        rig.staff.download(DPO, job.job_id, body=True)
    rig.builder.build(job.job_id)
    assert rig.staff.status(DPO, job.job_id).status is ExportStatus.DRAFT
    with pytest.raises(NotReleased) as refused:  # built, but not released
        rig.staff.download(DPO, job.job_id, body=True)
    assert refused.value.rule == "export-not-released"
    released = rig.staff.release(DPO, job.job_id, "reviewed")
    assert (released.released_by, released.released_at) == ("dee", AT)
    download = rig.staff.download(DPO, job.job_id)
    assert download.body is not None
    assert "README.txt" in zipfile.ZipFile(io.BytesIO(download.body)).namelist()
    with pytest.raises(RuleViolation):  # released once
        rig.staff.release(DPO, job.job_id, "again")
    operations = [
        (r.operation.value, r.detail.split()[0])
        for r in rig.store.audit_of_customer("c1", AT, AT.replace(year=2027), 100)
    ]
    assert operations == [
        ("subject-access-export", "start"),
        ("subject-access-export", "status"),
        ("release-subject-access-export", "release"),
        ("subject-access-export", "download"),
    ]


def test_a_job_already_built_is_not_built_again() -> None:
    rig = Rig()
    job = rig.staff.start(DPO, "c1")
    first = rig.builder.build(job.job_id)
    rig.store.record_contact(
        Contact(contact_id="later", customer_id="c1", channel=Channel.PHONE, at=AT)
    )
    assert rig.builder.build(job.job_id) == first
    assert rig.builder.build("sar-nobody") is None


def test_a_safeguarding_note_is_marked_for_review_and_so_is_any_other_staff_note() -> None:
    def read(outcome: ReadOutcome) -> Contact:
        return Contact(
            contact_id=f"x-{outcome.value}",
            customer_id="c1",
            channel=Channel.EMAIL,
            at=AT,
            disposition=Disposition.FILED_BLOCKED,
            read=EmailRead(read_at=AT, read_by="sage", outcome=outcome, note="seen"),
        )

    (safeguarding,) = contact_marks(read(ReadOutcome.SAFEGUARDING), "contacts/contacts.json")
    (nothing_new,) = contact_marks(read(ReadOutcome.NOTHING_NEW), "contacts/contacts.json")
    assert (safeguarding.mark, nothing_new.mark) == (Mark.SAFEGUARDING_NOTE, Mark.STAFF_NOTE)
    unread = Contact(contact_id="y", customer_id="c1", channel=Channel.PHONE, at=AT)
    assert contact_marks(unread, "contacts/contacts.json") == []


def test_an_email_naming_other_people_or_carrying_attachments_is_marked() -> None:
    ours = ("pat@example.org", "contact@landlord.example")
    marks = email_marks(
        "e1",
        "contacts/emails/e1.eml",
        ["Pat@example.org", "contact@landlord.example", "tom@neighbours.example"],
        ours,
        attachments=2,
    )
    assert [(m.mark, m.item) for m in marks] == [
        (Mark.THIRD_PARTY_RECIPIENTS, "email e1: 1 other address(es)"),
        (Mark.ATTACHMENTS, "email e1: 2 attachment(s)"),
    ]
    assert email_marks("e2", "p", ["pat@example.org"], ours, attachments=0) == []


def test_a_named_third_party_and_staff_reasons_are_marked() -> None:
    state = {"periods": [{"restrictions": [{"third_party": "Tom", "relationship": "friend"}]}]}
    (named,) = case_marks("k1", state, "cases/k1/case.json")
    assert named.mark is Mark.THIRD_PARTY_NAMED
    assert "third_party" in named.item
    assert case_marks("k1", {"periods": []}, "cases/k1/case.json") == []
    event = CaseEvent(
        case_id="k1",
        customer_id="c1",
        seq=1,
        type=CaseEventType.CONCERN_RAISED,
        at=AT,
        actor=Actor(actor_id="sam", role=Role.SERVICE_MANAGER),
        data={"note": "shouts at Jo in reception"},
    )
    (note,) = event_marks(event, "cases/k1/events.json")
    assert (note.mark, note.item) == (Mark.STAFF_NOTE, "case k1 event 1 (concern-raised): note")


def test_every_mark_in_a_built_export_says_why() -> None:
    rig = Rig()
    rig.store.record_contact(
        Contact(
            contact_id="e1",
            customer_id="c1",
            channel=Channel.EMAIL,
            at=AT,
            raw_ref="m1",
            source_address="pat@example.org",
        )
    )
    rig.mail.received["m1"] = (
        b"From: pat@example.org\r\nTo: contact@landlord.example\r\n"
        b"Cc: tom@neighbours.example\r\nSubject: hi\r\n\r\nhello\r\n"
    )
    rig.store.record_contact(
        Contact(
            contact_id="sent-delivery-m1",
            customer_id="c1",
            channel=Channel.EMAIL,
            direction=Direction.OUTBOUND,
            disposition=Disposition.SENT,
            at=AT,
            raw_ref="ses-1",
            source_address="pat@example.org",
        )
    )  # its copy is past its retention: the record only
    job = rig.staff.start(DPO, "c1")
    built = rig.builder.build(job.job_id)
    assert built is not None
    assert [(m.mark, m.why) for m in built.marked] == [
        (Mark.THIRD_PARTY_RECIPIENTS, MARK_WORDS[Mark.THIRD_PARTY_RECIPIENTS])
    ]
    archive = zipfile.ZipFile(io.BytesIO(rig.files.kept[str(built.zip_key)]))
    assert "contacts/emails/e1.eml" in archive.namelist()
    assert "contacts/emails/sent-delivery-m1.eml" not in archive.namelist()
    readme = archive.read("README.txt").decode()
    assert "(1 in all; open one with any" in readme
    assert "1 email(s) listed in contacts.json are past the time" in readme
    assert (built.done, built.total) == (6, 6)  # record, list, 2 emails, signals, audit


def test_the_officer_withholds_only_files_of_the_draft_each_once_with_a_reason() -> None:
    files = ("README.txt", "customer.json", "contacts/emails/e1.eml")
    ok = Withheld(path="contacts/emails/e1.eml", reason="Copied to a neighbour.")
    assert check_withheld([ok], files) == (ok,)
    assert check_withheld([], files) == ()
    with pytest.raises(RuleViolation) as refused:
        check_withheld(
            [
                ok,
                ok,
                Withheld(path="README.txt", reason="x"),
                Withheld(path="cases/k9/case.json", reason="x"),
                Withheld(path="customer.json", reason="   "),
            ],
            files,
        )
    assert refused.value.rule == "export-withhold"
    assert refused.value.message == (
        "contacts/emails/e1.eml is withheld twice; "
        "README.txt tells the customer what the export holds: keep it; "
        "cases/k9/case.json is not a file of this export; "
        "customer.json: say why it is withheld"
    )


def test_the_released_readme_loses_the_draft_banner_and_says_what_was_withheld() -> None:
    draft = DRAFT_BANNER + "Subject access export for customer c1\n"
    assert released_readme(draft, ()) == "Subject access export for customer c1\n"
    one = (Withheld(path="a.eml", reason="Another person's email."),)
    text = released_readme(draft, one)
    assert not text.startswith("DRAFT")
    assert "WITHHELD.txt\n      1 file(s) we hold on you are not in this export" in text
    assert withheld_notice(one).splitlines()[2:] == ["  a.eml", "      Another person's email."]
