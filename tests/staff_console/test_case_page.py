"""The case page: who it is about, its status and restrictions in words, its letters and its
timeline, and only the decisions the signed-in role may take on it now."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from tests.staff_console.case_seeds import (
    CALL_HANDLER,
    CASE_ID,
    CET,
    CUSTOMER_ID,
    DOCUMENT,
    EXECUTIVE,
    HEAD,
    MANAGER,
    SAFEGUARDING,
    Seed,
    case_page,
    signed_in,
)
from tests.staff_console.rig import Page, Rig

from contactguard.domain.access import Operation
from contactguard.domain.case import DecideReview, LetterKind, ReviewOutcome
from contactguard.domain.model import Actor, Role


def text(page: Page) -> str:
    """The page's main content as a person reads it: tags dropped, spaces collapsed."""
    main = page.text[page.text.index("<main") : page.text.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def headings(page: Page) -> list[tuple[int, str]]:
    found = re.findall(r"<h([1-6])[^>]*>(.*?)</h\1>", page.text, re.S)
    return [
        (int(level), " ".join(unescape(re.sub(r"<[^>]+>", "", t)).split())) for level, t in found
    ]


def timeline(page: Page) -> str:
    start = page.text.index('id="timeline"')
    body = page.text[start : page.text.index("</table>", start)]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_case_shows_its_customer_status_and_restrictions_in_words(rig: Rig) -> None:
    Seed(rig).restricted().now("2027-01-05", 9)
    page = case_page(signed_in(rig, HEAD))
    assert page.status == 200
    assert page.title == f"Case {CASE_ID} – Contact restrictions"
    assert (
        f'<a class="govuk-link" href="/console/customers/{CUSTOMER_ID}">Ada Tenant</a>' in page.text
    )
    shown = text(page)
    assert "Status Restrictions in force" in shown
    # The domain's period: in force until the start of 18 December 2027, said without "until".
    assert (
        "In force since 18 December 2026, up to and including 17 December 2027 "
        "(they end at the start of 18 December 2027)." in shown
    )
    assert "Contact by letter only" in shown
    assert "Email: not accepted, letters only: write to Derby Homes, PO Box 1" in shown
    assert "Equality considerations Reasonable adjustments, vulnerability and Equality Act" in shown
    assert "The customer may appeal up to and including 13 January 2027." in shown


def test_the_page_has_one_h1_and_headings_in_order(rig: Rig) -> None:
    Seed(rig).under_appeal().now("2027-01-20", 9)
    page = case_page(signed_in(rig, EXECUTIVE))
    levels = [level for level, _ in headings(page)]
    assert levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert '<th scope="col"' in page.text  # every table has its headers


def test_the_timeline_shows_who_did_what_and_why_in_date_order_with_what_is_due(
    rig: Rig,
) -> None:
    Seed(rig).restricted().now("2027-01-05", 9)
    line = timeline(case_page(signed_in(rig, HEAD)))
    raised = line.index("2 November 2026, 10am Concern raised (Step 1)")
    decided = line.index(
        "14 December 2026, 10am Restrictions decided Hana Head (Head of Service) "
        "the behaviour continued after the concern letter"
    )
    started = line.index("Restrictions started")
    window = line.index("Due The appeal window has closed")
    lapse = line.index("18 December 2027, 7am Due The restrictions lapse")
    assert raised < decided < started < window < lapse
    assert "Sam Manager (Service Manager) forty emails in a week" in line
    assert "Letter marked sent Restrictions letter (Step 2), sent on 18 December 2026" in line
    assert "System (letters)" in line


def test_times_are_london_times(rig: Rig) -> None:
    seed = Seed(rig).restricted()
    rig.fakes.clock.now = datetime(2027, 6, 1, 13, 5, tzinfo=UTC)  # 2:05pm in London (BST)
    seed.act(DecideReview(outcome=ReviewOutcome.EXTEND, reason="still emailing daily"), HEAD)
    line = timeline(case_page(signed_in(rig, HEAD)))
    assert "1 June 2027, 2:05pm 12-month review decided" in line


def test_a_call_handler_cannot_open_a_case_and_sees_no_decisions(rig: Rig) -> None:
    Seed(rig).concern_letter_sent()
    page = case_page(signed_in(rig, CALL_HANDLER))
    assert page.status == 403
    assert "You cannot see this page" in page.text
    assert "Impose restrictions" not in page.text
    refused = signed_in(rig, CALL_HANDLER).get(f"/console/cases/{CASE_ID}/restrictions")
    assert refused.status == 403


def test_the_safeguarding_lead_reads_the_case_but_decides_nothing_and_gets_no_letters(
    rig: Rig,
) -> None:
    Seed(rig).restricted().now("2027-01-05", 9)
    page = case_page(signed_in(rig, SAFEGUARDING))
    assert page.status == 200
    assert "What you can decide" not in page.text
    assert "Download" not in page.text
    assert "Mark as sent" not in page.text


def test_a_head_of_service_sees_impose_restrictions_once_the_concern_letter_is_sent(
    rig: Rig,
) -> None:
    seed = Seed(rig).concern()
    seed.now("2026-11-02", 15)
    before = text(case_page(signed_in(rig, HEAD)))
    assert "Impose restrictions" in before  # only as an immediate decision, the form says
    seed.now("2026-11-03", 15).send(LetterKind.CONCERN, "2026-11-03", MANAGER)
    after = case_page(signed_in(rig, HEAD))
    assert f'href="/console/cases/{CASE_ID}/restrictions">Impose restrictions</a>' in after.text
    assert "Close the concern" not in after.text  # the Service Manager's decision


def test_each_role_is_offered_its_own_decisions(rig: Rig) -> None:
    Seed(rig).under_appeal().now("2027-01-20", 9)
    offered = {
        actor.role: re.findall(
            rf'href="/console/cases/{CASE_ID}/([a-z-]+)">', case_page(signed_in(rig, actor)).text
        )
        for actor in (MANAGER, HEAD, CET, EXECUTIVE)
    }
    assert offered[Role.EXECUTIVE] == ["appeal-decision", "appeal-review-delay"]
    assert offered[Role.HEAD_OF_SERVICE] == ["review"]
    assert offered[Role.SERVICE_MANAGER] == []
    # The appeal is logged: no second one, but its review may need longer.
    assert offered[Role.CUSTOMER_EXPERIENCE] == ["appeal-review-delay"]


def test_an_appeal_reviewer_who_took_part_is_told_why_not(rig: Rig) -> None:
    Seed(rig).under_appeal().now("2027-01-20", 9)
    hana_as_executive = Actor(actor_id=HEAD.actor_id, role=Role.EXECUTIVE, name=HEAD.name)
    page = case_page(signed_in(rig, hana_as_executive))
    assert "appeal-decision" not in page.text
    assert (
        "Decide the appeal: The appeal reviewer must be an Executive Team member who took no "
        "part in the decision." in text(page)
    )


def test_a_letter_downloads_as_a_word_document(rig: Rig) -> None:
    Seed(rig).restricted().now("2027-01-05", 9)
    browser = signed_in(rig, HEAD)
    page = case_page(browser)
    link = re.search(
        rf'href="(/console/cases/{CASE_ID}/letters/restrictions-[0-9]+)" download', page.text
    )
    assert link
    document = browser.get(link.group(1))
    assert document.status == 200
    assert document.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert document.headers["Content-Disposition"].startswith(
        f'attachment; filename="{CASE_ID}-restrictions-'
    )
    assert base64.b64decode(document.text) == DOCUMENT
    assert rig.fakes.store.audit[-1].operation is Operation.READ_LETTER


def test_a_case_that_does_not_exist_is_the_not_found_page(rig: Rig) -> None:
    page = signed_in(rig, HEAD).get("/console/cases/no-such-case")
    assert page.status == 404
    assert page.title.startswith("Page not found")
    letter = signed_in(rig, HEAD).get("/console/cases/no-such-case/letters/concern-0001/sent")
    assert letter.status == 404


def test_where_the_bucket_gives_a_link_a_letter_downloads_from_it(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, str, int]] = []

    def link(key: str, filename: str, seconds: int) -> str:
        asked.append((key, filename, seconds))
        return f"https://letters.example.test/{key}?signed=1"

    monkeypatch.setattr(rig.fakes.documents, "download_link", link)
    Seed(rig).restricted().now("2027-01-05", 9)
    browser = signed_in(rig, HEAD)
    found = re.search(
        rf'href="(/console/cases/{CASE_ID}/letters/restrictions-[0-9]+)" download',
        case_page(browser).text,
    )
    assert found
    reply = browser.get(found.group(1), follow=False)
    assert reply.status == 303
    ((key, filename, seconds),) = asked
    assert reply.location == f"https://letters.example.test/{key}?signed=1"
    assert filename.startswith(f"{CASE_ID}-restrictions-")
    assert filename.endswith(".docx")
    assert seconds == 60
    assert rig.fakes.store.audit[-1].operation is Operation.READ_LETTER
