"""Letters: draft the letter a case event calls for, store it, record it, tell the manager.

For an event with a letter ref: load the case and the customer, build and check the letter's
content, render the Word template, put the DOCX in S3 under a deterministic key
(`letters/{case_id}/{letter_id}/v{version}.docx`: a retry overwrites, never duplicates), then
record RecordLetterDrafted and alert the manager who must check and send it (DESIGN.md,
"Letters"). A letter lacking required content is not issued: RecordLetterFailed with the
problem codes, and an alert. Every step is idempotent on the letter id, so a redelivered
stream record does nothing new: a letter already drafted or sent is left alone (its S3
object is what was, or will be, sent), and the domain's NothingToDo on a duplicate record is
"done". Alerts and logs carry identifiers and codes only, never letter content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from contactguard.domain.case import (
    EML_TYPE,
    Case,
    CaseEvent,
    CaseEventType,
    Letter,
    LetterKind,
    LetterStatus,
    RecordLetterDrafted,
    RecordLetterFailed,
)
from contactguard.domain.errors import NothingToDo, RuleViolation, VersionConflict
from contactguard.domain.letter_kinds import LETTER_KINDS
from contactguard.domain.model import Actor, Contact, Customer, describe_date
from contactguard.organisation import Organisation, shipped_organisation
from contactguard.ports import Alerts, Log
from contactguard.service import CaseService, UnknownCase
from letters.content import LetterInputs, issue_date, prepare
from letters.docx_render import (
    DOCX_CONTENT_TYPE,
    LetterNotIssued,
    MissingContent,
    Rendered,
    render_letter,
)
from letters.email_version import email_address_for, email_version
from letters.review_pack import windows
from letters.template_store import PackagedSource, TemplateSource

ACTOR = Actor.system("letters")
ATTEMPTS = 3  # a concurrent writer on the same case (VersionConflict): re-read and retry


def letter_key(case_id: str, letter_id: str, version: int, suffix: str = "docx") -> str:
    """Deterministic: the same letter and version always lands on the same object (its
    email version, where it has one, beside it as `.eml`)."""
    return f"letters/{case_id}/{letter_id}/v{version}.{suffix}"


class LetterBucket(Protocol):
    def put(self, key: str, body: bytes, content_type: str, metadata: dict[str, str]) -> None: ...


class UnknownLetter(LookupError):
    def __init__(self, case_id: str, letter_id: str) -> None:
        super().__init__(f"case {case_id} has no letter {letter_id}")


class LetterResult(StrEnum):
    DRAFTED = "drafted"
    FAILED = "failed"  # not issued: RecordLetterFailed recorded, manager alerted
    ALREADY_DONE = "already-done"  # drafted, sent or failed before: a redelivery
    NO_LETTER = "no-letter"  # the event calls for no letter


def senders(kind: LetterKind) -> str:
    """Who must check and send this kind of letter (an internal one: its reader)."""
    roles = LETTER_KINDS[kind].drafted_for
    return ",".join(sorted(r.value for r in roles))


class LetterContacts(Protocol):
    """The contacts a letter reads: the review pack's window, a concern's evidence."""

    def contacts(self, customer_id: str, start: datetime, end: datetime) -> Iterator[Contact]:
        """Contacts with start <= at < end, oldest first."""

    def get_contact(self, contact_id: str) -> Contact | None:
        """One contact by its id."""


@dataclass
class LettersService:
    cases: CaseService
    contacts: LetterContacts
    bucket: LetterBucket
    alerts: Alerts
    log: Log
    organisation: Organisation = field(default_factory=shipped_organisation)
    # The packaged templates, or those an administrator published over them
    templates: TemplateSource = field(default_factory=PackagedSource)

    def _source(self, event: CaseEvent) -> tuple[CaseEvent, date | None]:
        """The event whose decision the letter conveys, and the date a redraft carries."""
        if event.type is not CaseEventType.LETTER_REDRAFT_REQUESTED:
            return event, None
        seq, dated = event.data.get("source_seq"), event.data.get("dated_on")
        events = self.cases.cases.events(event.case_id)
        source = next((e for e in events if e.seq == seq), None)
        if source is None or not isinstance(dated, str):
            raise MissingContent(["redraft-without-source"])
        return source, date.fromisoformat(dated)

    def _evidence(self, customer_id: str, contact_ids: Sequence[str]) -> tuple[Contact, ...]:
        """The concern's evidence: each contact staff chose, only if it is this customer's
        (an id is never a way to put another customer's contact in a letter)."""
        found = (self.contacts.get_contact(contact_id) for contact_id in contact_ids)
        return tuple(c for c in found if c is not None and c.customer_id == customer_id)

    def on_event(self, event: CaseEvent, now: datetime) -> LetterResult:
        ref = event.letter
        if ref is None:
            return LetterResult.NO_LETTER
        # `letter_kind`, not `kind`: the alert's own kind is "letter-drafted" or "letter-failed".
        ids = {"case_id": event.case_id, "letter_id": ref.letter_id, "letter_kind": ref.kind.value}
        case, letter = self._load(event.case_id, ref.letter_id)
        if letter.status in (LetterStatus.DRAFTED, LetterStatus.SENT):
            self.log.info("letters: already drafted", extra={**ids, "status": letter.status})
            return LetterResult.ALREADY_DONE

        customer = self.cases.customers.get_customer(case.customer_id)
        try:
            if customer is None:
                raise MissingContent(["no-customer-record"])
            contacts: tuple[Contact, ...] = ()
            evidence: tuple[Contact, ...] = ()
            if ref.kind is LetterKind.CONCERN and case.concern is not None:
                evidence = self._evidence(case.customer_id, case.concern.evidence_contact_ids)
            if ref.kind is LetterKind.REVIEW_PACK and case.period is not None:
                since, _, until = windows(case.period.ends_on)
                contacts = tuple(self.contacts.contacts(case.customer_id, since, until))
            source, dated = self._source(event)
            dated_on = issue_date(source, dated, self.cases.policy)
            files = self.templates.snapshot()
            rendered = render_letter(
                prepare(
                    LetterInputs(
                        case=case,
                        customer=customer,
                        event=source,
                        policy=self.cases.policy,
                        contacts=contacts,
                        evidence=evidence,
                        dated=dated_on,
                        organisation=self.organisation,
                    )
                ),
                files,
            )
        except LetterNotIssued as refused:
            return self._not_issued(event.case_id, letter, refused.problems, now, ids)

        version = letter.version + 1
        key = letter_key(event.case_id, ref.letter_id, version)
        metadata = {
            "case-id": event.case_id,
            "letter-id": ref.letter_id,
            "letter-kind": ref.kind.value,
            "version": str(version),
            # which template files (and which published version of each) filled it
            "templates": rendered.provenance,
        }
        self.bucket.put(key, rendered.docx, DOCX_CONTENT_TYPE, metadata)
        email = self._email_version(ref.kind, case, customer, rendered, dated_on, now)
        email_key = None
        if email is not None:
            email_key = letter_key(event.case_id, ref.letter_id, version, "eml")
            self.bucket.put(email_key, email, EML_TYPE, metadata)
        command = RecordLetterDrafted(
            letter_id=ref.letter_id,
            version=version,
            s3_key=key,
            dated_on=dated_on,
            email_key=email_key,
        )
        # Alert first, record second: if the alert fails, nothing is recorded and the retry
        # drafts and alerts again; alerting after the record would lose the alert whenever the
        # record's answer was lost, the retry then finding the letter drafted.
        self.alerts.alert("letter-drafted", **ids, role=senders(ref.kind))
        if not self._record(event.case_id, command, now, ids):
            return LetterResult.ALREADY_DONE
        self.log.info("letters: drafted", extra={**ids, "version": version, "s3_key": key})
        return LetterResult.DRAFTED

    def _email_version(
        self,
        kind: LetterKind,
        case: Case,
        customer: Customer,
        rendered: Rendered,
        dated_on: date,
        now: datetime,
    ) -> bytes | None:
        """The letter as an unsent email, where the policy lets it go by email and the
        customer's email is open now (letters.email_version)."""
        if not LETTER_KINDS[kind].by_email or not customer.emails:
            return None  # by post only: no need to read their other cases
        others = [c for c in self.cases.cases_of(case.customer_id) if c.case_id != case.case_id]
        to = email_address_for(kind, customer, [case, *others], now)
        if to is None:
            return None
        return email_version(
            kind=kind,
            case_id=case.case_id,
            to=to,
            customer_name=customer.name,
            organisation=self.organisation,
            letter_text=rendered.body_text,
            docx=rendered.docx,
            dated=dated_on,
            filename=f"{case.case_id}-{describe_date(dated_on).replace(' ', '-')}.docx".lower(),
        )

    def _load(self, case_id: str, letter_id: str) -> tuple[Case, Letter]:
        case = self.cases.cases.get_case(case_id)
        if case is None:
            raise UnknownCase(case_id)
        letter = case.letter(letter_id)
        if letter is None:
            raise UnknownLetter(case_id, letter_id)
        return case, letter

    def _not_issued(
        self,
        case_id: str,
        letter: Letter,
        problems: tuple[str, ...],
        now: datetime,
        ids: dict[str, str],
    ) -> LetterResult:
        if letter.status is LetterStatus.FAILED and letter.problems == problems:
            # Recorded already, so already told (the alert goes before the record).
            self.log.info("letters: already recorded", extra={**ids, "rule": "letter-failed"})
            return LetterResult.ALREADY_DONE
        command = RecordLetterFailed(letter_id=letter.letter_id, problems=problems)
        # Alert first, as for a draft: a retry may alert twice, never not at all.
        self.alerts.alert(
            "letter-failed", **ids, role=senders(letter.kind), problems=",".join(problems)
        )
        if not self._record(case_id, command, now, ids):
            return LetterResult.ALREADY_DONE
        self.log.warning("letters: not issued", extra={**ids, "problems": list(problems)})
        return LetterResult.FAILED

    def _record(
        self,
        case_id: str,
        command: RecordLetterDrafted | RecordLetterFailed,
        now: datetime,
        ids: dict[str, str],
    ) -> bool:
        """Record the outcome on the case; False when it was already recorded (a retry)."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self.cases.act(case_id, command, ACTOR, now)
                return True
            except NothingToDo as done:
                self.log.info("letters: already recorded", extra={**ids, "rule": done.rule})
                return False
            except RuleViolation as refused:  # e.g. a newer version is already recorded
                self.log.warning("letters: not recorded", extra={**ids, "rule": refused.rule})
                return False
            except VersionConflict:
                if attempt == ATTEMPTS:
                    raise
        raise AssertionError("unreachable")
