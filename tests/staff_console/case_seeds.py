"""Cases for the console's case pages, made through the staff use cases (as staff and the
letters function would make them), on the rig's in-memory ports and clock.

The story, as tests/unit/builders.py tells it (its people, case and commands):
- Mon 2 Nov 2026: Sam (Service Manager) raises a concern about Ada; the concern letter is
  drafted that day and sent on Tue 3 Nov.
- Mon 14 Dec 2026: Hana (Head of Service) imposes restrictions: letters only.
- Fri 18 Dec 2026: the restrictions letter, drafted that morning, is marked sent: in force
  from that day up to and including 17 Dec 2027; the appeal window closes on 13 Jan 2027.
- Wed 13 Jan 2027: Cat (Customer Experience Team) logs an appeal received that day.

Sign in after seeding: the rig's sessions last 8 hours of its clock.
"""

from __future__ import annotations

from datetime import date

from tests.staff_console.rig import Browser, Page, Rig
from tests.unit.builders import (
    CALL_HANDLER,
    CASE_ID,
    CET,
    CUSTOMER_ID,
    EXECUTIVE,
    HEAD,
    LETTERS,
    MANAGER,
    SAFEGUARDING,
    at,
    impose,
    raise_concern,
)

from contactguard.domain.case import (
    Case,
    Command,
    LetterKind,
    LogAppeal,
    MarkLetterSent,
    RecordLetterDrafted,
)
from contactguard.domain.model import Actor
from contactguard.usecases import Request

__all__ = [
    "CALL_HANDLER",
    "CASE_ID",
    "CET",
    "CUSTOMER_ID",
    "EXECUTIVE",
    "HEAD",
    "MANAGER",
    "SAFEGUARDING",
    "Seed",
    "case_page",
    "signed_in",
]
DOCUMENT = b"PK\x03\x04 a DOCX, as far as the console can tell"
EMAIL_VERSION = b"X-Unsent: 1\r\nSubject: Our letter\r\n\r\nDear Ada Tenant\r\n"


class Seed:
    def __init__(self, rig: Rig) -> None:
        self.rig = rig
        self.cases = rig.fakes.use_cases.cases

    def now(self, day: str, hour: int = 10, minute: int = 0) -> Seed:
        self.rig.fakes.clock.now = at(day, hour, minute)
        return self

    def by(self, actor: Actor) -> Request:
        return Request(actor=actor, request_id=f"seed-{len(self.rig.fakes.store.audit)}")

    @property
    def case(self) -> Case:
        case = self.rig.fakes.store.get_case(CASE_ID)
        assert case is not None
        return case

    def act(self, command: Command, actor: Actor) -> Seed:
        self.cases.act(self.by(actor), CASE_ID, command, command.kind.value, self.case.version)
        return self

    def draft(self, kind: LetterKind, *, email: bool = False) -> Seed:
        """The letters function drafts the latest letter of `kind` (its document in the
        bucket, and its email version if `email`), as the DynamoDB stream would have it do."""
        letter = [x for x in self.case.letters if x.kind is kind][-1]
        key = f"letters/{CASE_ID}/{letter.letter_id}/v{letter.version + 1}.docx"
        self.rig.fakes.documents.objects[key] = DOCUMENT
        email_key = None
        if email:
            email_key = key.removesuffix(".docx") + ".eml"
            self.rig.fakes.documents.objects[email_key] = EMAIL_VERSION
        drafted = RecordLetterDrafted(
            letter_id=letter.letter_id, version=letter.version + 1, s3_key=key, email_key=email_key
        )
        self.cases.service.act(CASE_ID, drafted, LETTERS, self.rig.fakes.clock())
        return self

    def send(self, kind: LetterKind, sent_on: str, actor: Actor) -> Seed:
        letter = [x for x in self.case.letters if x.kind is kind][-1]
        sent = MarkLetterSent(letter_id=letter.letter_id, sent_on=date.fromisoformat(sent_on))
        return self.act(sent, actor)

    # The story, step by step ------------------------------------------------------------

    def concern(self, *, email: bool = False) -> Seed:
        """Step 1, its letter drafted (with an email version if `email`)."""
        self.now("2026-11-02")
        self.rig.fakes.use_cases.customers.register(
            self.by(MANAGER), {"name": "Ada Tenant"}, CUSTOMER_ID
        )
        self.cases.open(self.by(MANAGER), raise_concern(), CUSTOMER_ID, CASE_ID)
        return self.now("2026-11-02", 11).draft(LetterKind.CONCERN, email=email)

    def concern_letter_sent(self) -> Seed:
        self.concern().now("2026-11-03", 15)
        return self.send(LetterKind.CONCERN, "2026-11-03", MANAGER)

    def restrictions_decided(self) -> Seed:
        self.concern_letter_sent().now("2026-12-14")
        return self.act(impose(), HEAD)

    def restricted(self) -> Seed:
        self.restrictions_decided().now("2026-12-18", 9).draft(LetterKind.RESTRICTIONS)
        return self.now("2026-12-18", 16).send(LetterKind.RESTRICTIONS, "2026-12-18", HEAD)

    def under_appeal(self) -> Seed:
        self.restricted().now("2027-01-13", 11)
        appeal = LogAppeal(
            received_on=date(2027, 1, 13), grounds="the emails were about a real repair"
        )
        return self.act(appeal, CET)


def signed_in(rig: Rig, actor: Actor) -> Browser:
    browser = rig.browser()
    page = browser.sign_in(actor.actor_id, [actor.role.value], actor.name or "")
    assert page.status == 200
    return browser


def case_page(browser: Browser) -> Page:
    return browser.get(f"/console/cases/{CASE_ID}")
