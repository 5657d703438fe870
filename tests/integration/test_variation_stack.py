"""Restrictions varied mid-term on the embedded stack (issue 17, item 11): the deadlines
function keeps the 12-month review and the end of the period where they were, the letters
function drafts the variation letter with the restrictions now in force, and sending it
schedules the close of the new appeal window."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import LetterKind, MarkLetterSent, VaryRestrictions
from contactguard.domain.model import Actor, Customer, PostalAddress, Role
from contactguard.domain.restrictions import LettersOnly, SocialMediaRestriction
from contactguard_local.examples import CONSIDERED, immediate_restrictions
from contactguard_local.pumps import SchedulerPump
from contactguard_local.stack import EmbeddedStack, SimClock
from letters.docx_render import document_text

CASE = "case-vary"
CUSTOMER = "cust-vary"
HEAD = Actor(actor_id="hos-1", role=Role.HEAD_OF_SERVICE, name="Hana Head")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=LONDON)


def schedules(stack: EmbeddedStack) -> dict[str, str]:
    """{deadline kind: when it fires, in London time} of the case's schedules."""
    group = stack.functions["DeadlinesStreamFunction"]["env"]["CONTACTGUARD_SCHEDULE_GROUP"]
    return {
        s.payload["deadline"]: s.fire_at.astimezone(LONDON).isoformat(timespec="minutes")
        for s in SchedulerPump(stack.scheduler, group).schedules()
        if s.payload.get("case_id") == CASE
    }


def send(stack: EmbeddedStack, kind: LetterKind, on: str) -> None:
    case = stack.store.get_case(CASE)
    assert case is not None
    letter = [x for x in case.letters if x.kind is kind][-1]
    sent = MarkLetterSent(letter_id=letter.letter_id, sent_on=date.fromisoformat(on))
    stack.cases.act(CASE, sent, HEAD, at(on, 16))
    stack.pump_streams()


@pytest.mark.policy("s4-restrictions-varied", "s5-appeal-15-working-days")
def test_a_variation_keeps_the_review_and_the_end_and_is_drafted_with_the_new_set(
    aws_env: None,
) -> None:
    with EmbeddedStack(SimClock(at("2026-12-14", 9))) as stack:
        stack.store.put_customer(
            Customer(
                customer_id=CUSTOMER,
                name="Alex Tenant",
                address=PostalAddress(lines=("1 Example Street", "Derby"), postcode="DE1 1AA"),
            )
        )
        # Monday 14 December 2026: immediate restrictions, their letter sent the same day.
        stack.cases.open_case(immediate_restrictions(CASE, CUSTOMER), HEAD, at("2026-12-14"))
        stack.pump_streams()
        send(stack, LetterKind.IMMEDIATE_RESTRICTIONS, "2026-12-14")
        stack.advance(at("2027-03-01", 9))  # the first appeal window closes, unappealed
        before = schedules(stack)
        assert before == {
            "review-pack-due": "2027-11-16T07:00+00:00",
            "restrictions-end": "2027-12-14T07:00+00:00",
        }

        stack.cases.act(
            CASE,
            VaryRestrictions(
                restrictions=(
                    LettersOnly(write_to="Customer Services, PO Box 1"),
                    SocialMediaRestriction(details="No posts naming staff on our Facebook page"),
                ),
                reason="posts naming staff on our Facebook page",
                equality=CONSIDERED,
            ),
            HEAD,
            at("2027-03-01"),
        )
        stack.pump_streams()  # the deadlines and letters functions read the event
        after = schedules(stack)
        # The review and the end do not move; the drafted letter waits to be sent.
        assert after == {**before, "letter-unsent": "2027-03-03T07:00+00:00"}

        case = stack.store.get_case(CASE)
        assert case is not None
        letter = [x for x in case.letters if x.kind is LetterKind.RESTRICTIONS_VARIED][-1]
        assert letter.s3_key is not None, letter
        bucket = stack.functions["LettersFunction"]["env"]["CONTACTGUARD_LETTERS_BUCKET"]
        body = stack.s3.get_object(Bucket=bucket, Key=letter.s3_key)["Body"].read()
        text = " ".join(document_text(body).split())
        assert "No posts naming staff on our Facebook page" in text
        assert "Contact by letter only" in text
        assert "My reasons for the change: posts naming staff on our Facebook page" in text
        assert "they apply up to and including 13 December 2027" in text
        assert "The review date is 16 November 2027" in text
        assert "by 22 March 2027" in text  # the new right of appeal, from the letter's date

        send(stack, LetterKind.RESTRICTIONS_VARIED, "2027-03-01")
        assert schedules(stack) == {
            **before,
            "appeal-window-closes": "2027-03-23T00:30+00:00",  # after 22 March, 23:59:59
        }
