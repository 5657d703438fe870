"""A case's letters: marking one sent (a GOV.UK date input, the case version it was read at)
and asking for a new draft."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

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

from contactguard.domain.case import CaseEventType, CaseStatus, LetterKind, LetterStatus, SentVia


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


# The version posted, uploaded straight to the letters bucket (step 1 of marking sent) ------------

PDF = "application/pdf"


def upload_form(page: Page) -> tuple[str, dict[str, str]]:
    """Step 1's form: where it posts and its hidden fields (the presigned POST's)."""
    found = re.search(
        r'<form method="post" action="([^"]+)" enctype="multipart/form-data"(.*?)</form>',
        page.text,
        re.S,
    )
    assert found, "no upload form on the page"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', found[2]))
    return unescape(found[1]), {k: unescape(v) for k, v in fields.items()}


def uploaded_by_s3(rig: Rig, page: Page, name: str, body: bytes, content_type: str) -> str:
    """What S3 does with step 1's form: the object stored, the browser sent back with its
    key. Returns where it is sent back to."""
    _, fields = upload_form(page)
    key = fields["key"].replace("${filename}", name)
    rig.fakes.documents.uploads[key] = (body, content_type)
    back = fields["success_action_redirect"]
    return back + "?" + urlencode({"bucket": "letters", "key": key, "etag": '"e"'})


def test_the_sent_page_uploads_the_version_posted_straight_to_the_bucket(rig: Rig) -> None:
    seed = Seed(rig).concern().now("2026-11-03", 15)
    browser = signed_in(rig, MANAGER)
    letter = letter_id(seed, LetterKind.CONCERN)
    form = sent_form(browser, letter)
    shown = text(form)
    assert "1. Upload the version you posted (if you changed it)" in shown
    assert "If you posted the draft as it was, skip this step" in shown
    assert "2. Record the day it went" in shown
    url, fields = upload_form(form)
    assert url == "https://letters.s3.example/"
    assert fields["key"].startswith(f"uploads/{CASE_ID}/{letter}/")
    assert fields["success_action_redirect"] == (
        f"https://staff.example.test/console/cases/{CASE_ID}/letters/{letter}/sent"
    )
    assert "csrf_token" not in fields  # S3 refuses a field its policy does not name
    assert 'name="Content-Type" type="radio" value="application/pdf"' in form.text
    assert 'name="file" type="file"' in form.text
    # The file goes last: S3 ignores what follows it.
    assert form.text.index('name="file"') > form.text.index('name="Content-Type"')
    # This page alone may post a form to the bucket.
    assert (
        "form-action 'self' https://letters.s3.example;" in form.headers["Content-Security-Policy"]
    )
    assert "letters.s3.example" not in case_page(browser).headers["Content-Security-Policy"]


def test_a_letter_marked_sent_with_the_version_uploaded_keeps_it(rig: Rig) -> None:
    seed = Seed(rig).concern().now("2026-11-03", 15)
    browser = signed_in(rig, MANAGER)
    letter = letter_id(seed, LetterKind.CONCERN)
    back = uploaded_by_s3(rig, sent_form(browser, letter), "As posted.pdf", b"%PDF-1.7", PDF)
    form = browser.get(back.removeprefix("https://staff.example.test"))
    assert form.status == 200
    assert "Uploaded: As posted.pdf . It is kept with the letter" in text(form)
    assert "Upload a different version" in form.text  # to replace it
    key = re.search(r'name="final_key" value="([^"]+)"', form.text)
    assert key
    done = browser.submit(
        form,
        form_action(form),
        {"version": version_of(form), "final_key": unescape(key[1]), **date(3, 11, 2026)},
    )
    assert (
        "Concern letter (Step 1) marked sent on 3 November 2026. The version you uploaded is "
        "kept with it." in text(done)
    )
    assert "The version posted was kept: As posted.pdf" in timeline(done)
    assert "Final version kept: As posted.pdf" in text(done)
    kept = seed.case.letter(letter).sent_key  # type: ignore[union-attr]
    assert kept is not None
    assert kept.startswith(f"letters/{CASE_ID}/{letter}/sent/")
    download = f"/console/cases/{CASE_ID}/letters/{letter}/final"
    assert f'href="{download}" download>Download the version sent' in done.text
    got = browser.get(download)
    assert (got.status, got.headers["Content-Type"]) == (200, PDF)
    assert f'filename="{CASE_ID}-{letter}-As_posted.pdf"' in got.headers["Content-Disposition"]


def test_an_upload_that_is_not_this_letters_is_shown_beside_the_file_field(rig: Rig) -> None:
    seed = Seed(rig).concern().now("2026-11-03", 15)
    browser = signed_in(rig, MANAGER)
    letter = letter_id(seed, LetterKind.CONCERN)
    back = uploaded_by_s3(rig, sent_form(browser, letter), "a.docx", b"<html>", "text/html")
    wrong_type = browser.get(back.removeprefix("https://staff.example.test"))
    assert wrong_type.status == 400
    assert wrong_type.title.startswith("Error: ")
    assert "The file must be a Word document (DOCX) or a PDF" in text(wrong_type)
    assert 'href="#file"' in wrong_type.text
    assert 'name="final_key" value=""' in wrong_type.text  # nothing carried to step 2
    forged = f"uploads/case-other/{letter}/{'0' * 32}/a.pdf"
    refused = browser.submit(
        wrong_type,
        form_action(wrong_type),
        {"version": version_of(wrong_type), "final_key": forged, **date(3, 11, 2026)},
    )
    assert refused.status == 400
    assert "The file is not one of this letter&#39;s uploads" in refused.text
    assert seed.case.letter(letter).status is LetterStatus.DRAFTED  # type: ignore[union-attr]


def test_a_letter_with_an_email_version_is_downloaded_and_marked_sent_by_email(rig: Rig) -> None:
    """Step 1 may go by email (s.4): the manager downloads the unsent message, sends it from
    their mail program and records that it went by email."""
    seed = Seed(rig).concern(email=True).now("2026-11-03", 15)
    browser = signed_in(rig, MANAGER)
    letter = letter_id(seed, LetterKind.CONCERN)
    page = case_page(browser)
    email = f"/console/cases/{CASE_ID}/letters/{letter}/email"
    assert f'href="{email}" download>Download the email version' in page.text
    got = browser.get(email)
    assert (got.status, got.headers["Content-Type"]) == (200, "message/rfc822")
    assert f'filename="{CASE_ID}-{letter}-v1.eml"' in got.headers["Content-Disposition"]
    assert got.body.startswith(b"X-Unsent: 1")

    form = sent_form(browser, letter)
    assert "How did it go?" in form.text
    done = browser.submit(
        form,
        form_action(form),
        {"version": version_of(form), "sent_via": "email", **date(3, 11, 2026)},
    )
    assert "Concern letter (Step 1) marked sent by email on 3 November 2026." in text(done)
    assert seed.case.letter(letter).sent_via is SentVia.EMAIL  # type: ignore[union-attr]
    assert "Sent by email on 3 November 2026" in text(done)  # the letters table says how
    assert "Concern letter (Step 1), sent by email on 3 November 2026" in timeline(done)
    assert "Concern letter (Step 1), version 1, with an email version" in timeline(done)
    assert email not in done.text  # sent: the draft's email version is no longer offered


def test_a_letter_without_an_email_version_goes_by_post_only(rig: Rig) -> None:
    seed = Seed(rig).concern().now("2026-11-03", 15)
    browser = signed_in(rig, MANAGER)
    letter = letter_id(seed, LetterKind.CONCERN)
    assert "Download the email version" not in case_page(browser).text
    assert browser.get(f"/console/cases/{CASE_ID}/letters/{letter}/email").status == 404
    form = sent_form(browser, letter)
    assert "How did it go?" not in form.text
    refused = browser.submit(
        form,
        form_action(form),
        {"version": version_of(form), "sent_via": "email", **date(3, 11, 2026)},
    )
    assert refused.status == 400
    assert "This letter has no email version: it goes by post" in text(refused)
    assert seed.case.letter(letter).status is LetterStatus.DRAFTED  # type: ignore[union-attr]
