"""Render every letter template from a sample case, to look at them (local tooling).

    .venv/bin/python -m contactguard_local.letters_preview [--out out/letters-preview]

One sample customer's case is driven through the real domain (`decide`): a concern (and
its closing), Step 2 restrictions, an appeal and each of its outcomes, a late appeal
declined, immediate restrictions, the review pack with a year of sample contacts, the
review's two outcomes, and a lapse and the case's closing. Each letter is
rendered from `functions/letters/templates` into the folder as DOCX (each letter to the
customer also in large print, `<kind>-large-print.docx`; each the policy lets go by email
also as its email version, `<kind>.eml`) and, when LibreOffice
is on PATH, converted to PDF (`libreoffice --headless --convert-to pdf`).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import (
    AppealOutcome,
    Case,
    CaseEvent,
    CloseCase,
    CloseConcern,
    Command,
    DecideAppeal,
    DecideReview,
    DeclineLateAppeal,
    DelayAppealReview,
    ImposeRestrictions,
    LapseRestrictions,
    LetterKind,
    LogAppeal,
    MarkLetterSent,
    RaiseConcern,
    RecordLetterDrafted,
    ReviewOutcome,
    ReviewPackDue,
    VaryRestrictions,
)
from contactguard.domain.letter_kinds import LETTER_KINDS
from contactguard.domain.lifecycle import Policy, decide
from contactguard.domain.model import (
    Actor,
    Aspect,
    Behaviour,
    Channel,
    Contact,
    Customer,
    Disposition,
    EqualityConsiderations,
    LetterFormat,
    PostalAddress,
    Role,
    Weekday,
)
from contactguard.domain.restrictions import (
    LettersOnly,
    SinglePointOfContact,
    TelephoneViaThirdParty,
)
from contactguard.organisation import shipped_organisation
from letters.content import LetterInputs, draft_letter, issue_date, prepare
from letters.docx_render import render_letter
from letters.email_version import email_version
from letters.service import letter_key

ORG = shipped_organisation()
# One address throughout: the organisation's, as the letterhead gives it.
WRITE_TO = ORG.write_to
CUSTOMER = Customer(
    customer_id="cust-sample",
    name="Alex Sample-Tenant",
    emails=("alex.sample@example.org",),
    address=PostalAddress(lines=("Flat 2", "14 Example Road", "Derby"), postcode="DE1 9ZZ"),
)
MANAGER = Actor(actor_id="sm-1", role=Role.SERVICE_MANAGER, name="Sam Manager")
HEAD = Actor(actor_id="hos-1", role=Role.HEAD_OF_SERVICE, name="Hana Head")
CET = Actor(actor_id="cet-1", role=Role.CUSTOMER_EXPERIENCE, name="Cat Experience")
EXECUTIVE = Actor(actor_id="exec-1", role=Role.EXECUTIVE, name="Ed Executive")
SYSTEM = Actor.system("letters-preview")
EQUALITY = EqualityConsiderations(
    reasonable_adjustments_considered=True,
    vulnerability_considered=True,
    equality_act_duties_considered=True,
    notes="No known disability; the customer has said letters suit them.",
    adjustments_agreed=("Your advocate may write to us on your behalf.",),
)


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=LONDON)


@dataclass
class SampleCase:
    """One case driven through the domain, keeping the events that call for letters."""

    policy: Policy
    case: Case | None = None
    letters: list[tuple[CaseEvent, Case]] = field(default_factory=list)

    def do(self, command: Command, by: Actor, now: datetime) -> None:
        outcome = decide(self.case, command, by, now, self.policy)
        self.case = outcome.case
        self.letters += [(e, outcome.case) for e in outcome.events if e.letter]

    @property
    def current(self) -> Case:
        assert self.case is not None
        return self.case

    def send(self, kind: LetterKind, sent_on: str, by: Actor) -> None:
        letter = [x for x in self.current.letters if x.kind is kind][-1]
        key = letter_key(self.current.case_id, letter.letter_id, 1)
        self.do(
            RecordLetterDrafted(letter_id=letter.letter_id, version=1, s3_key=key),
            SYSTEM,
            at(sent_on, 9),
        )
        self.do(
            MarkLetterSent(letter_id=letter.letter_id, sent_on=date.fromisoformat(sent_on)),
            by,
            at(sent_on, 16),
        )


def _restrictions() -> ImposeRestrictions:
    return ImposeRestrictions(
        restrictions=(LettersOnly(write_to=WRITE_TO),),
        behaviours=(Behaviour.EXCESSIVE_EMAILS, Behaviour.TARGETING_OFFICERS),
        aspects={Behaviour.EXCESSIVE_EMAILS: (Aspect.EXCESSIVE,)},
        reason="Contact continued at the same volume after our letter of 3 November 2026.",
        equality=EQUALITY,
    )


def sample_letters(policy: Policy) -> list[tuple[CaseEvent, Case]]:
    """(event, the case just after it) for every letter kind."""
    main = SampleCase(policy)
    main.do(
        RaiseConcern(
            case_id="case-sample",
            customer_id=CUSTOMER.customer_id,
            behaviours=(Behaviour.EXCESSIVE_EMAILS, Behaviour.THREATENING_LANGUAGE),
            aspects={
                Behaviour.EXCESSIVE_EMAILS: (Aspect.EXCESSIVE, Aspect.THREATENING),
                Behaviour.THREATENING_LANGUAGE: (Aspect.THREATENING,),
            },
            note="Forty emails in one week in October, two of them threatening a housing officer.",
        ),
        MANAGER,
        at("2026-11-02"),
    )
    main.send(LetterKind.CONCERN, "2026-11-03", MANAGER)
    closed = SampleCase(policy, main.case)  # the behaviour changed: no restrictions follow
    closed.do(
        CloseConcern(reason="No contact of concern since our letter."), MANAGER, at("2026-12-02")
    )
    main.do(_restrictions(), HEAD, at("2026-12-18", 9))
    main.send(LetterKind.RESTRICTIONS, "2026-12-18", HEAD)
    late = SampleCase(policy, main.case)  # an appeal a week after the window closed
    late.do(
        LogAppeal(received_on=date(2027, 1, 20), grounds="I did not agree with the letter."),
        CET,
        at("2027-01-20", 11),
    )
    late.do(
        DeclineLateAppeal(
            reason="You told us you had the letter in December and gave no reason for the delay."
        ),
        MANAGER,
        at("2027-01-22"),
    )
    main.do(
        LogAppeal(received_on=date(2027, 1, 8), grounds="The emails were about a real repair."),
        CET,
        at("2027-01-08", 11),
    )
    delayed = SampleCase(policy, main.case)  # the review needs longer than the date given
    (appeal,) = delayed.current.appeals
    delayed.do(
        DelayAppealReview(
            appeal_id=appeal.appeal_id,
            review_due_on=date(2027, 3, 10),
            reason="We are waiting for the recordings of your telephone calls, which the "
            "reviewer needs to hear before deciding.",
        ),
        EXECUTIVE,
        at("2027-02-12"),
    )
    letters = [*main.letters, *closed.letters, *late.letters, *delayed.letters]
    for outcome, reason, varied in (
        (AppealOutcome.UPHELD, "The emails were about an outstanding repair.", ()),
        (AppealOutcome.DISMISSED, "The volume of contact was disproportionate.", ()),
        (
            AppealOutcome.VARIED,
            "Telephone contact through an advocate meets the customer's needs.",
            (TelephoneViaThirdParty(third_party="Jo Advocate", relationship="advocate"),),
        ),
    ):
        branch = SampleCase(policy, main.case)
        branch.do(
            DecideAppeal(outcome=outcome, reason=reason, varied_restrictions=varied),
            EXECUTIVE,
            at("2027-02-10"),
        )
        letters += branch.letters
    review = SampleCase(policy, main.case)
    review.do(
        DecideAppeal(outcome=AppealOutcome.DISMISSED, reason="Disproportionate contact."),
        EXECUTIVE,
        at("2027-02-10"),
    )
    midterm = SampleCase(policy, review.case)  # varied mid-term by the Head of Service
    midterm.do(
        VaryRestrictions(
            restrictions=(
                SinglePointOfContact(
                    officer_id="spoc-1",
                    officer_name="Pat Contact",
                    officer_email="pat.contact@example.org",
                    days=(Weekday.TUESDAY, Weekday.THURSDAY),
                    from_time=time(10),
                    to_time=time(12),
                ),
            ),
            reason="Your letters since January have been about your repair and written "
            "calmly; one officer you can email on set days meets your needs.",
            equality=EQUALITY,
        ),
        HEAD,
        at("2027-03-15"),
    )
    letters += midterm.letters
    period = review.current.period
    assert period is not None
    review.do(
        ReviewPackDue(), SYSTEM, datetime.combine(period.review_pack_due_on, time(7), tzinfo=LONDON)
    )
    letters += review.letters[-1:]
    for decision in (ReviewOutcome.EXTEND, ReviewOutcome.CLOSE):
        branch = SampleCase(policy, review.case)
        branch.do(
            DecideReview(
                outcome=decision,
                reason="Contact in the last year was still excessive."
                if decision is ReviewOutcome.EXTEND
                else "Contact has been reasonable all year.",
            ),
            HEAD,
            at("2027-12-01"),
        )
        letters += branch.letters
    lapse = SampleCase(policy, review.case)
    lapse.do(LapseRestrictions(), SYSTEM, at(period.ends_on.isoformat(), 7))
    lapse.send(LetterKind.RESTRICTIONS_LAPSED, "2027-12-20", HEAD)
    lapse.do(
        CloseCase(reason="There has been no contact of concern since the restrictions ended."),
        HEAD,
        at("2028-01-10"),
    )
    letters += lapse.letters
    immediate = SampleCase(policy)
    immediate.do(
        ImposeRestrictions(
            restrictions=(
                SinglePointOfContact(
                    officer_id="spoc-1",
                    officer_name="Pat Contact",
                    officer_email="pat.contact@example.org",
                    days=(Weekday.TUESDAY, Weekday.THURSDAY),
                    from_time=time(10),
                    to_time=time(12),
                ),
            ),
            behaviours=(Behaviour.THREATENING_LANGUAGE,),
            aspects={Behaviour.THREATENING_LANGUAGE: (Aspect.THREATENING, Aspect.FOUL)},
            reason="Threats to harm a named officer, made in person.",
            equality=EQUALITY,
            immediate=True,
            immediate_reason="threats to the safety of a member of staff on 14 December 2026.",
            police_or_legal_action="Reported to Derbyshire Police.",
            case_id="case-sample-2",
            customer_id=CUSTOMER.customer_id,
        ),
        HEAD,
        at("2026-12-14", 15),
    )
    letters += immediate.letters
    return letters


def sample_contacts(ends_on: date, until: date, seed: int = 7) -> list[Contact]:
    """Two years of plausible inbound contact up to `until`, busier before the restrictions."""
    rng = random.Random(seed)
    contacts: list[Contact] = []
    day = ends_on - timedelta(days=730)
    n = 0
    while day < min(ends_on, until):
        before = day < ends_on - timedelta(days=365)
        for _ in range(rng.choice((0, 0, 1, 2, 3) if before else (0, 0, 0, 0, 1))):
            n += 1
            channel = rng.choice((Channel.EMAIL, Channel.EMAIL, Channel.PHONE, Channel.LETTER))
            flags = ("abusive-language",) if rng.random() < 0.1 else ()
            blocked = not before and channel is Channel.EMAIL
            contacts.append(
                Contact(
                    contact_id=f"c{n:05d}",
                    customer_id=CUSTOMER.customer_id,
                    channel=channel,
                    at=datetime.combine(day, time(9 + rng.randrange(8)), tzinfo=LONDON),
                    summary=f"Re: repair <ref {n}> & complaint",
                    flags=flags,
                    disposition=Disposition.FILED_BLOCKED if blocked else Disposition.ACCEPTED,
                )
            )
        day += timedelta(days=1)
    return contacts


def sample_inputs(policy: Policy | None = None) -> list[LetterInputs]:
    """What every kind of letter is drafted from, for the sample customer's case."""
    policy = policy or Policy()
    inputs = []
    for event, case in sample_letters(policy):
        assert event.letter is not None
        contacts: Sequence[Contact] = ()
        if event.letter.kind is LetterKind.REVIEW_PACK and case.period is not None:
            contacts = sample_contacts(case.period.ends_on, until=event.at.date())
        inputs.append(
            LetterInputs(
                case=case, customer=CUSTOMER, event=event, policy=policy, contacts=contacts
            )
        )
    return inputs


LARGE = CUSTOMER.model_copy(update={"letter_format": LetterFormat.LARGE_PRINT})


def render_all(out: Path, policy: Policy | None = None) -> list[Path]:
    """Every kind as `<kind>.docx`, and every letter to the customer again in large print as
    `<kind>-large-print.docx` (the review pack is internal: standard only)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for inputs in sample_inputs(policy):
        assert inputs.event.letter is not None
        kind = inputs.event.letter.kind
        path = out / f"{kind.value}.docx"
        path.write_bytes(draft_letter(inputs))
        written.append(path)
        if not LETTER_KINDS[kind].internal:
            large = out / f"{kind.value}-large-print.docx"
            large.write_bytes(draft_letter(replace(inputs, customer=LARGE)))
            written.append(large)
        if LETTER_KINDS[kind].by_email:  # opens as a draft in a mail program
            (out / f"{kind.value}.eml").write_bytes(_email_version(inputs))
    return written


def _email_version(inputs: LetterInputs) -> bytes:
    assert inputs.event.letter is not None
    dated = inputs.dated or issue_date(inputs.event, None, inputs.policy)
    rendered = render_letter(prepare(inputs))
    return email_version(
        kind=inputs.event.letter.kind,
        case_id=inputs.case.case_id,
        to=str(inputs.customer.emails[0]),
        customer_name=inputs.customer.name,
        organisation=inputs.organisation,
        letter_text=rendered.body_text,
        docx=rendered.docx,
        dated=dated,
        filename=f"{inputs.case.case_id}-{inputs.event.letter.kind.value}.docx",
    )


def to_pdf(paths: Sequence[Path], out: Path) -> bool:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        print("libreoffice is not on PATH: DOCX only (apt-get install libreoffice-writer-nogui)")
        return False
    subprocess.run(
        [office, "--headless", "--convert-to", "pdf", "--outdir", str(out), *map(str, paths)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render every letter template from a sample case.")
    parser.add_argument("--out", type=Path, default=Path("out/letters-preview"))
    parser.add_argument("--no-pdf", action="store_true", help="DOCX only")
    args = parser.parse_args(argv)
    paths = render_all(args.out)
    for path in paths:
        print(path)
    if not args.no_pdf and to_pdf(paths, args.out):
        print(f"PDFs in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
