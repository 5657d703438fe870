"""A case's letters: marking one sent (a GOV.UK date input, the case version it was read at)
and asking for a new draft."""

from __future__ import annotations

import re

from tests.staff_console.case_seeds import (
    CASE_ID,
    HEAD,
    MANAGER,
    Seed,
    case_page,
    signed_in,
)
from tests.staff_console.rig import Browser, Page, Rig
from tests.staff_console.test_case_page import text, timeline

from contactguard.domain.case import CaseEventType, CaseStatus, LetterKind, LetterStatus


def letter_id(seed: Seed, kind: LetterKind) -> str:
    return [x for x in seed.case.letters if x.kind is kind][-1].letter_id


def sent_form(browser: Browser, letter: str) -> Page:
    page = browser.get(f"/console/cases/{CASE_ID}/letters/{letter}/sent")
    assert page.status == 200, page.text
    return page


def version_of(page: Page) -> str:
    found = re.search(r'name="version" value="([0-9]+)"', page.text)
    assert found
    return found.group(1)


def date(day: int | str, month: int | str, year: int | str) -> dict[str, str]:
    return {"sent_on-day": str(day), "sent_on-month": str(month), "sent_on-year": str(year)}


def test_marking_a_letter_sent_records_the_event_and_says_so(rig: Rig) -> None:
    seed = Seed(rig).concern().now("2026-11-03", 15)
    browser = signed_in(rig, MANAGER)
    letter = letter_id(seed, LetterKind.CONCERN)
    assert f"/letters/{letter}/sent" in case_page(browser).text
    form = sent_form(browser, letter)
    assert form.title == "Concern letter (Step 1): mark as sent – Contact restrictions"
    done = browser.submit(
        form, form_action(form), {"version": version_of(form), **date(3, 11, 2026)}
    )
    assert done.status == 200
    assert done.url == f"/console/cases/{CASE_ID}?done=" + done.url.split("done=")[1]
    assert "Concern letter (Step 1) marked sent on 3 November 2026." in text(done)
    assert (
        "3 November 2026, 3pm Letter marked sent Concern letter (Step 1), sent on 3 November 2026 "
        "Sam Manager (Service Manager)" in timeline(done)
    )
    assert seed.case.letter(letter).status is LetterStatus.SENT  # type: ignore[union-attr]
    assert rig.fakes.store.events(CASE_ID)[-1].type is CaseEventType.LETTER_SENT
    assert "Mark as sent" not in done.text  # nothing left to send


def form_action(page: Page) -> str:
    """Where the page's case form goes (not the header's sign-out form)."""
    found = re.search(r'<form method="post" action="(/console/cases/[^"]+)"', page.text)
    assert found, "no case form on the page"
    return found.group(1)


def test_a_date_that_is_no_date_is_shown_beside_the_field(rig: Rig) -> None:
    seed = Seed(rig).concern().now("2026-11-03", 15)
    browser = signed_in(rig, MANAGER)
    form = sent_form(browser, letter_id(seed, LetterKind.CONCERN))
    before = seed.case.version
    refused = browser.submit(
        form, form_action(form), {"version": version_of(form), **date(31, 2, 2026)}
    )
    assert refused.status == 400
    assert refused.title.startswith("Error: ")
    assert "The date the letter was sent must be a real date" in refused.text
    assert 'href="#sent_on-day"' in refused.text  # the summary links to the first field
    assert 'class="govuk-error-message"' in refused.text
    assert 'name="sent_on-day" type="text" value="31"' in refused.text  # what was typed
    missing = browser.submit(
        form, form_action(form), {"version": version_of(form), **date("", 11, 2026)}
    )
    assert "The date the letter was sent must include a day" in missing.text
    assert seed.case.version == before


def test_a_letter_cannot_be_marked_sent_in_the_future(rig: Rig) -> None:
    seed = Seed(rig).concern().now("2026-11-03", 15)
    browser = signed_in(rig, MANAGER)
    form = sent_form(browser, letter_id(seed, LetterKind.CONCERN))
    refused = browser.submit(
        form, form_action(form), {"version": version_of(form), **date(4, 11, 2026)}
    )
    assert refused.status == 400
    assert "A letter cannot be marked sent in the future" in refused.text
    assert seed.case.status is CaseStatus.CONCERN


def test_a_stale_form_is_the_conflict_page_and_changes_nothing(rig: Rig) -> None:
    seed = Seed(rig).concern().now("2026-11-03", 15)
    browser = signed_in(rig, MANAGER)
    letter = letter_id(seed, LetterKind.CONCERN)
    form = sent_form(browser, letter)
    # Meanwhile the letters function records a second draft: the case moves on.
    seed.draft(LetterKind.CONCERN)
    before = (seed.case, rig.fakes.store.events(CASE_ID))
    stale = browser.submit(
        form, form_action(form), {"version": version_of(form), **date(3, 11, 2026)}
    )
    assert stale.status == 409
    assert "Someone changed this case" in stale.text
    assert (seed.case, rig.fakes.store.events(CASE_ID)) == before


def test_a_dated_letter_goes_on_its_date_or_is_redrafted(rig: Rig) -> None:
    seed = Seed(rig).restrictions_decided().now("2026-12-14", 11).draft(LetterKind.RESTRICTIONS)
    seed.now("2026-12-16", 10)
    browser = signed_in(rig, HEAD)
    letter = letter_id(seed, LetterKind.RESTRICTIONS)
    # Dated 14 December: it may have gone that day, but it cannot go today.
    page = case_page(browser)
    assert f"/letters/{letter}/sent" in page.text
    assert f"/letters/{letter}/redraft" in page.text
    sending = sent_form(browser, letter)
    refused = browser.submit(
        sending, form_action(sending), {"version": version_of(sending), **date(16, 12, 2026)}
    )
    assert refused.status == 400
    assert (
        "The letter is dated 14 December 2026 and states its dates from that day: redraft it "
        "for the day it goes out" in text(refused)
    )
    form = browser.get(f"/console/cases/{CASE_ID}/letters/{letter}/redraft")
    assert form.status == 200
    done = browser.submit(form, form_action(form), {"version": version_of(form), "reason": ""})
    assert done.status == 400
    assert "Enter the reason for your decision" in done.text
    done = browser.submit(
        form,
        form_action(form),
        {"version": version_of(form), "reason": "it goes out on Wednesday"},
    )
    assert "A new draft is on its way, dated 16 December 2026." in text(done)
    assert "New draft of a letter asked for" in timeline(done)
    assert seed.case.letter(letter).status is LetterStatus.REQUIRED  # type: ignore[union-attr]


def test_marking_the_restrictions_letter_sent_puts_them_in_force(rig: Rig) -> None:
    seed = Seed(rig).restrictions_decided().now("2026-12-18", 9).draft(LetterKind.RESTRICTIONS)
    seed.now("2026-12-18", 16)
    browser = signed_in(rig, HEAD)
    form = sent_form(browser, letter_id(seed, LetterKind.RESTRICTIONS))
    assert "must be sent on 18 December 2026" in text(form)
    done = browser.submit(
        form, form_action(form), {"version": version_of(form), **date(18, 12, 2026)}
    )
    shown = text(done)
    assert "Status Restrictions in force" in shown
    assert "up to and including 17 December 2027" in shown
    assert "The customer may appeal up to and including 13 January 2027." in shown


def test_a_letter_still_being_drafted_cannot_be_marked_sent(rig: Rig) -> None:
    seed = Seed(rig).restrictions_decided().now("2026-12-14", 11)
    browser = signed_in(rig, HEAD)
    letter = letter_id(seed, LetterKind.RESTRICTIONS)
    page = case_page(browser)
    assert "Restrictions letter (Step 2) Not yet Not yet None yet Being drafted" in text(page)
    assert f"/letters/{letter}/sent" not in page.text
    refused = browser.get(f"/console/cases/{CASE_ID}/letters/{letter}/sent")
    assert refused.status == 409
    assert "The letter is required: only a drafted letter can be sent." in text(refused)
