"""`make demo`: one customer's year, end to end, on the embedded AWS stack.

Everything runs through the real handlers configured from infra/template.yaml: emails go
through ingest as SES would send them, staff decisions are written as case events, the
table's stream feeds the deadlines (and letters) functions, and due schedules fire as a
simulated clock moves through the year.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import date, datetime, time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from contactguard.domain.calendar import LONDON, end_of_day
from contactguard.domain.case import (
    AppealOutcome,
    Command,
    DecideAppeal,
    DecideReview,
    ImposeRestrictions,
    LetterKind,
    LetterStatus,
    LogAppeal,
    MarkLetterSent,
    RaiseConcern,
    RecordLetterDrafted,
    ReviewOutcome,
)
from contactguard.domain.model import (
    Actor,
    Behaviour,
    Customer,
    EqualityConsiderations,
    LettersOnly,
    PostalAddress,
    Role,
)
from contactguard_local.stack import EmbeddedStack, SimClock

CASE_ID = "case-0001"
CUSTOMER_ID = "cust-0001"
ADDRESS = "a.tenant@example.org"

MANAGER = Actor(actor_id="staff-sm-01", role=Role.SERVICE_MANAGER)
HEAD = Actor(actor_id="staff-hos-01", role=Role.HEAD_OF_SERVICE)
CET = Actor(actor_id="staff-cet-01", role=Role.CUSTOMER_EXPERIENCE)
EXEC = Actor(actor_id="staff-exec-02", role=Role.EXECUTIVE)
LETTERS = Actor.system("letters")


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=LONDON)


class Demo:
    def __init__(self, stack: EmbeddedStack) -> None:
        self.stack = stack
        self.lines: list[str] = []
        self.shown = 0
        self.letters_function = any("letters" in f["handler"] for f in stack.functions.values())

    def say(self, text: str) -> None:
        self.lines.append(text)
        print(text, flush=True)

    def _show_new_events(self) -> None:
        events = self.stack.store.events(CASE_ID)
        for event in events[self.shown :]:
            letter = f"  [letter {event.letter.letter_id}]" if event.letter else ""
            when = event.at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")
            self.say(f"  {when}  v{event.seq:<3} {event.type.value:26} {event.actor.role}{letter}")
        self.shown = len(events)

    def act(self, when: datetime, command: Command, by: Actor) -> None:
        self.advance(when)
        if isinstance(command, (RaiseConcern,)):
            self.stack.cases.open_case(command, by, when)
        else:
            self.stack.cases.act(CASE_ID, command, by, when)
        self.stack.pump_streams()
        self._show_new_events()

    def email(self, when: datetime, subject: str, body: str) -> None:
        self.advance(when)
        message = EmailMessage()
        message["From"] = f"A Tenant <{ADDRESS}>"
        message["To"] = "contact@example.org"
        message["Subject"] = subject
        message["Message-ID"] = f"<{int(when.timestamp())}@example.org>"
        message.set_content(body)
        disposition = self.stack.deliver_email(message.as_bytes(), ADDRESS, subject)
        self.say(f"  {when:%Y-%m-%d %H:%M}  email from the customer -> SES {disposition}")
        self._show_new_events()

    def send_letter(self, kind: LetterKind, sent_on: date, by: Actor) -> None:
        case = self.stack.store.get_case(CASE_ID)
        assert case is not None
        letter = [x for x in case.letters if x.kind is kind][-1]
        if letter.status is LetterStatus.REQUIRED and not self.letters_function:
            # No letters function in the template yet: record the draft as it would.
            key = f"letters/{CASE_ID}/{letter.letter_id}/v1.docx"
            self.act(
                at(sent_on.isoformat(), 9),
                RecordLetterDrafted(letter_id=letter.letter_id, version=1, s3_key=key),
                LETTERS,
            )
        self.act(
            at(sent_on.isoformat(), 16),
            MarkLetterSent(letter_id=letter.letter_id, sent_on=sent_on),
            by,
        )

    def advance(self, until: datetime) -> None:
        for fired in self.stack.advance(until):
            self.say(
                f"  {fired.fire_at:%Y-%m-%d %H:%M}  schedule fired: {fired.payload['deadline']}"
            )
            self._show_new_events()


def run_demo(out: str = "out/demo") -> int:
    # The functions' own JSON logs go to CloudWatch in AWS; here the story is the output.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    for name in ("ingest", "deadlines", "letters"):
        logging.getLogger(name).setLevel(logging.WARNING)
    clock = SimClock(at("2026-11-01", 9))
    with EmbeddedStack(clock) as stack:
        demo = Demo(stack)
        stack.store.put_customer(
            Customer(
                customer_id=CUSTOMER_ID,
                name="A. Tenant",
                emails=(ADDRESS,),
                address=PostalAddress(lines=("1 Example Street", "Derby"), postcode="DE1 1AA"),
            )
        )
        demo.say(
            f"embedded stack from infra/template.yaml: table {stack.table}, "
            f"{len(stack.functions)} functions, {len(stack.consumers)} stream consumers"
        )
        if not demo.letters_function:
            demo.say("(no letters function in the template yet: the demo records drafts)")

        demo.say("\nEmails arrive and are logged")
        demo.email(at("2026-11-02", 8), "Repairs again", "The boiler is still broken.")

        demo.say("\nStep 1: the Service Manager raises a concern")
        demo.act(
            at("2026-11-02"),
            RaiseConcern(
                case_id=CASE_ID,
                customer_id=CUSTOMER_ID,
                behaviours=(Behaviour.EXCESSIVE_EMAILS, Behaviour.REPEATED_COMPLAINT),
                note="Forty emails in a week repeating the closed repairs complaint.",
            ),
            MANAGER,
        )
        demo.send_letter(LetterKind.CONCERN, date(2026, 11, 3), MANAGER)
        demo.email(at("2026-11-10"), "Repairs again", "You useless lot, fix it.")

        demo.say("\nNo change; the follow-up reminder reaches the Service Manager")
        demo.advance(at("2026-12-13"))

        demo.say("\nStep 2: the Head of Service imposes letters-only restrictions")
        demo.act(
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
        demo.email(at("2026-12-15"), "Repairs", "Still broken.")  # not told yet: delivered
        demo.send_letter(LetterKind.RESTRICTIONS, date(2026, 12, 18), HEAD)
        case = stack.store.get_case(CASE_ID)
        assert case is not None
        assert case.appeal_window is not None
        assert case.period is not None
        closes = end_of_day(case.appeal_window.closes_on)
        demo.say(
            f"  appeal window open until {closes:%A %d %B %Y %H:%M:%S} (15 working days,"
            " Christmas, Boxing Day and New Year skipped)"
        )
        demo.say(f"  schedules: {sorted(s.payload['deadline'] for s in _schedules(stack))}")
        demo.email(at("2026-12-19"), "Repairs", "Why are you ignoring me?")
        demo.email(at("2026-12-20"), "Repairs", "Hello?")

        demo.say("\nAppeal: logged by the Customer Experience Team, decided by the Executive")
        demo.act(
            at("2027-01-11"),
            LogAppeal(
                received_on=date(2027, 1, 11), grounds="The emails were about a real repair."
            ),
            CET,
        )
        demo.advance(at("2027-02-10", 9))
        demo.act(
            at("2027-02-10"),
            DecideAppeal(
                outcome=AppealOutcome.DISMISSED,
                reason="The volume was disproportionate; letters remain available.",
            ),
            EXEC,
        )

        demo.say("\nTwelve months on: the review pack is due and the review extends")
        demo.advance(at("2027-11-25", 9))
        demo.act(
            at("2027-11-25"),
            DecideReview(
                outcome=ReviewOutcome.EXTEND, reason="Emails continued throughout the year."
            ),
            HEAD,
        )
        demo.send_letter(LetterKind.REVIEW_EXTENDED, date(2027, 11, 26), HEAD)
        demo.advance(at("2027-12-31"))
        demo.email(at("2028-01-04"), "New year", "Still here.")

        final = stack.store.get_case(CASE_ID)
        assert final is not None
        assert final.period is not None
        demo.say(
            f"\ncase {final.status.value} at version {final.version}; restrictions now "
            f"end {final.period.ends_on:%d %B %Y}; "
            f"{len(stack.log.emails)} emails, {len(stack.log.fired)} schedules fired, "
            f"{stack.log.stream_batches} stream batches, "
            f"{len(stack.log.stream_failures)} stream failures"
        )
        report = {
            "case": json.loads(final.model_dump_json()),
            "events": [json.loads(e.model_dump_json()) for e in stack.store.events(CASE_ID)],
            "emails": stack.log.emails,
            "schedules_fired": [
                {"name": f.name, "at": f.fire_at.isoformat(), **f.payload} for f in stack.log.fired
            ],
            "timeline": demo.lines,
        }
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "timeline.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        demo.say(f"report written to {out_dir / 'timeline.json'}")
    return 0


def _schedules(stack: EmbeddedStack) -> list[Any]:
    from contactguard_local.pumps import SchedulerPump

    group = stack.functions["DeadlinesStreamFunction"]["env"]["CONTACTGUARD_SCHEDULE_GROUP"]
    return list(SchedulerPump(stack.scheduler, group).schedules())
