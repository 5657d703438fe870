"""`make demo`: one case told end to end on the embedded AWS stack.

The story runs real commands through the case service into DynamoDB (moto, in-process, with
the table built from infra/template.yaml), reads the audit trail back, and asks the
enforcement rules what would happen to the customer's email at each point in time.
Letters and deadlines are not yet functions of their own: the demo plays their part (it
records the draft and gives the deadline commands at the dates the policy sets) and says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from contactguard.domain.calendar import LONDON, end_of_day
from contactguard.domain.case import (
    AppealOutcome,
    Case,
    DecideAppeal,
    ImposeRestrictions,
    LapseRestrictions,
    LogAppeal,
    MarkLetterSent,
    RaiseConcern,
    RecordLetterDrafted,
    ReviewPackDue,
)
from contactguard.domain.enforcement import email_ruling
from contactguard.domain.lifecycle import Outcome, Policy
from contactguard.domain.model import (
    Actor,
    Behaviour,
    Customer,
    EqualityConsiderations,
    LettersOnly,
    PostalAddress,
    Role,
)
from contactguard.service import CaseService

CASE_ID = "case-0001"
CUSTOMER_ID = "cust-0001"

MANAGER = Actor(actor_id="staff-sm-01", role=Role.SERVICE_MANAGER, name="Service Manager")
HEAD = Actor(actor_id="staff-hos-01", role=Role.HEAD_OF_SERVICE, name="Head of Service")
CET = Actor(actor_id="staff-cet-01", role=Role.CUSTOMER_EXPERIENCE, name="Customer Experience")
EXEC = Actor(actor_id="staff-exec-02", role=Role.EXECUTIVE, name="Executive reviewer")
LETTERS = Actor.system("letters")
DEADLINES = Actor.system("deadlines")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=LONDON)


@contextmanager
def embedded_dynamodb() -> Iterator[tuple[Any, str]]:
    """moto in-process, tables built from the SAM template."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-2")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
    import boto3
    from moto import mock_aws

    from contactguard_local.template import create_tables

    with mock_aws():
        client = boto3.client("dynamodb", region_name=os.environ["AWS_DEFAULT_REGION"])
        tables = create_tables(client)
        yield client, tables["CasesTable"]


@dataclass
class Story:
    service: CaseService
    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(text)
        print(text)

    def act(self, when: datetime, command: Any, actor: Actor) -> Outcome:
        if isinstance(command, RaiseConcern):
            outcome = self.service.open_case(command, actor, when)
        else:
            outcome = self.service.act(CASE_ID, command, actor, when)
        for event in outcome.events:
            letter = f"  [letter {event.letter.letter_id}]" if event.letter else ""
            self.say(
                f"  {_stamp(when)}  v{event.seq:<3} {event.type.value:26} by {actor.role}{letter}"
            )
        return outcome

    def draft(self, when: datetime, outcome: Outcome) -> str:
        """Stand in for the letters function: record the draft the event asked for."""
        ref = next(e.letter for e in outcome.events if e.letter)
        assert ref is not None
        key = f"letters/{CASE_ID}/{ref.letter_id}/v1.docx"
        self.act(when, RecordLetterDrafted(letter_id=ref.letter_id, version=1, s3_key=key), LETTERS)
        return ref.letter_id

    def email_at(self, when: datetime) -> None:
        case = self.service.cases.get_case(CASE_ID)
        ruling = email_ruling([case] if case else [], when)
        self.say(
            f"  {_stamp(when)}  an email from the customer would be: {ruling.action.value}"
            f" ({ruling.reason})"
        )


def _stamp(when: datetime) -> str:
    return when.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")


def run_demo(out: str = "out/demo") -> int:
    from contactguard.adapters.dynamodb import DynamoStore

    with embedded_dynamodb() as (client, table):
        store = DynamoStore(table, client=client)
        policy = Policy()
        service = CaseService(cases=store, customers=store, policy=policy)
        story = Story(service)
        store.put_customer(
            Customer(
                customer_id=CUSTOMER_ID,
                name="A. Tenant",
                emails=("a.tenant@example.org",),
                address=PostalAddress(lines=("1 Example Street", "Derby"), postcode="DE1 1AA"),
            )
        )
        story.say(f"embedded stack: DynamoDB table {table!r} built from infra/template.yaml")
        story.say("letters and deadlines: played by the demo until their functions land\n")

        story.say("Step 1: the Service Manager raises a concern")
        story.email_at(at("2026-11-02", 9))
        concern = story.act(
            at("2026-11-02"),
            RaiseConcern(
                case_id=CASE_ID,
                customer_id=CUSTOMER_ID,
                behaviours=(Behaviour.EXCESSIVE_EMAILS, Behaviour.REPEATED_COMPLAINT),
                note="Forty emails in a week repeating the closed repairs complaint.",
            ),
            MANAGER,
        )
        letter = story.draft(at("2026-11-02", 10, 5), concern)
        story.act(
            at("2026-11-03"), MarkLetterSent(letter_id=letter, sent_on=date(2026, 11, 3)), MANAGER
        )

        story.say("\nStep 2: no change; the Head of Service imposes letters-only restrictions")
        decided = story.act(
            at("2026-12-14"),
            ImposeRestrictions(
                restrictions=(LettersOnly(write_to="Customer Services, PO Box 1, Derby DE1 2AB"),),
                behaviours=(Behaviour.EXCESSIVE_EMAILS,),
                reason="Contact continued at the same volume after the Step 1 letter.",
                equality=EqualityConsiderations(
                    reasonable_adjustments_considered=True,
                    vulnerability_considered=True,
                    equality_act_duties_considered=True,
                    notes="No vulnerability known; letters suit the customer's stated needs.",
                ),
            ),
            HEAD,
        )
        letter = story.draft(at("2026-12-14", 10, 5), decided)
        story.email_at(at("2026-12-15"))  # decided, but the customer has not been told yet
        sent = story.act(
            at("2026-12-18", 16), MarkLetterSent(letter_id=letter, sent_on=date(2026, 12, 18)), HEAD
        )
        case = sent.case
        assert case.appeal_window is not None
        assert case.period is not None
        closes = end_of_day(case.appeal_window.closes_on)
        story.say(
            f"  appeal window closes {closes:%A %d %B %Y %H:%M:%S} (15 working days:"
            " Christmas, Boxing Day and New Year skipped)"
        )
        story.say(
            f"  restrictions end {case.period.ends_on:%d %B %Y}; review pack due "
            f"{case.period.review_pack_due_on:%d %B %Y}"
        )
        story.email_at(at("2026-12-19"))

        story.say("\nAppeal: logged by the Customer Experience Team, reviewed by the Executive")
        story.act(
            at("2027-01-11"),
            LogAppeal(
                received_on=date(2027, 1, 11), grounds="The customer says the emails were needed."
            ),
            CET,
        )
        story.email_at(at("2027-01-12"))
        story.act(
            at("2027-02-10"),
            DecideAppeal(
                outcome=AppealOutcome.DISMISSED,
                reason="The volume was disproportionate; letters remain available.",
            ),
            EXEC,
        )

        story.say("\nTwelve months: the review pack is due; nobody decides")
        reread = store.get_case(CASE_ID)
        assert reread is not None
        case = reread
        assert case.period is not None
        story.act(
            datetime.combine(case.period.review_pack_due_on, time(7), tzinfo=LONDON),
            ReviewPackDue(),
            DEADLINES,
        )
        story.email_at(at("2027-12-17", 23, 59))
        story.email_at(datetime.combine(case.period.ends_on, time(0, 0, 1), tzinfo=LONDON))
        story.act(
            datetime.combine(case.period.ends_on, time(7), tzinfo=LONDON),
            LapseRestrictions(),
            DEADLINES,
        )

        events = store.events(CASE_ID)
        final: Case | None = store.get_case(CASE_ID)
        assert final is not None
        story.say(
            f"\nread back from DynamoDB: {len(events)} case events, case is "
            f"{final.status.value} at version {final.version}"
        )
        report = {
            "case": json.loads(final.model_dump_json()),
            "events": [json.loads(e.model_dump_json()) for e in events],
        }
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "timeline.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        story.say(f"timeline written to {out_dir / 'timeline.json'}")
    return 0
