"""Decisions on a case as forms: each shown only when the lifecycle would take it from the
signed-in role now, each answer checked beside its field, each decision recorded once and
shown on the case with a success banner; a form sent against a case that changed since
changes nothing."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from tests.staff_console.case_seeds import (
    CASE_ID,
    CET,
    EXECUTIVE,
    HEAD,
    MANAGER,
    Seed,
    case_page,
    signed_in,
)
from tests.staff_console.rig import Browser, Page, Rig
from tests.staff_console.test_case_letters import form_action, version_of
from tests.staff_console.test_case_page import headings, text, timeline

from contactguard.domain.case import (
    AppealOutcome,
    CaseStatus,
    CloseConcern,
    DecideAppeal,
    LapseRestrictions,
    LogAppeal,
)
from contactguard.domain.model import Actor, Aspect, Behaviour
from contactguard.domain.restrictions import SinglePointOfContact

STEP_2 = {
    "restriction-letters-only": "yes",
    "letters-only-write_to": "Customer Services, PO Box 1, Derby DE1 1AA",
    "behaviour-threatening-or-foul-language": "yes",
    "aspects-threatening-or-foul-language-foul": "yes",
    "reason": "forty more emails after the concern letter",
    "reasonable_adjustments_considered": "yes",
    "vulnerability_considered": "yes",
    "equality_act_duties_considered": "yes",
    "equality_notes": "no known disability; an advocate was offered",
    "adjustments_agreed": "an advocate may call on her behalf\n\n",
    "immediate": "no",
}


def open_form(browser: Browser, slug: str) -> Page:
    page = browser.get(f"/console/cases/{CASE_ID}/{slug}")
    assert page.status == 200, text(page)
    return page


def send(browser: Browser, form: Page, answers: dict[str, Any]) -> Page:
    return browser.submit(form, form_action(form), {"version": version_of(form), **answers})


def unlabelled(page: Page) -> list[str]:
    """Fields a screen reader would announce without a label."""
    ids = re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', page.text)
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', page.text))
    return [i for i in ids if i not in labelled]


def test_a_head_of_service_imposes_restrictions_after_step_1(rig: Rig) -> None:
    seed = Seed(rig).concern_letter_sent().now("2026-12-14")
    browser = signed_in(rig, HEAD)
    form = open_form(browser, "restrictions")
    assert form.title == "Impose restrictions (Step 2) – Contact restrictions"
    assert [level for level, _ in headings(form)].count(1) == 1
    assert not unlabelled(form)
    # The concern's behaviours are ticked to start with.
    assert 'name="behaviour-threatening-or-foul-language" type="checkbox" value="yes" checked' in (
        form.text
    )
    done = send(browser, form, STEP_2)
    assert done.status == 200
    shown = text(done)
    assert "Success Restrictions decided: they start when the restrictions letter is marked" in (
        shown
    )
    assert "Status Restrictions decided, not yet in force" in shown
    assert (
        "14 December 2026, 10am Restrictions decided Hana Head (Head of Service) forty more "
        "emails after the concern letter" in timeline(done)
    )
    decision = seed.case.decision
    assert decision is not None
    assert decision.equality is not None
    assert decision.equality.adjustments_agreed == ("an advocate may call on her behalf",)
    assert decision.aspects == {Behaviour.THREATENING_LANGUAGE: (Aspect.FOUL,)}
    assert "Impose restrictions" not in done.text  # decided: not offered again


def test_a_behaviour_the_policy_words_with_alternatives_asks_which_were_seen(rig: Rig) -> None:
    """The letter names only what staff saw: foul language is not put as threatening."""
    Seed(rig).concern_letter_sent().now("2026-12-14")
    browser = signed_in(rig, HEAD)
    form = open_form(browser, "restrictions")
    assert "What did you see?" in form.text
    answers = {k: v for k, v in STEP_2.items() if not k.startswith("aspects-")}
    refused = send(browser, form, answers)
    assert refused.status == 400
    assert (
        'href="#aspects-threatening-or-foul-language">Select what you saw: threatening, '
        "offensive or foul"
    ) in refused.text
    assert 'name="behaviour-threatening-or-foul-language" type="checkbox" value="yes" checked' in (
        refused.text
    )  # what was ticked is kept


def test_answers_left_out_are_shown_beside_their_fields_and_kept(rig: Rig) -> None:
    seed = Seed(rig).concern_letter_sent().now("2026-12-14")
    browser = signed_in(rig, HEAD)
    form = open_form(browser, "restrictions")
    refused = send(
        browser, form, {"equality_notes": "considered", "police_or_legal_action": "none"}
    )
    assert refused.status == 400
    assert refused.title.startswith("Error: Impose restrictions")
    summary = refused.text[refused.text.index("govuk-error-summary") :]
    assert summary.index('href="#restrictions">Select at least one restriction') < summary.index(
        'href="#reason">Enter the reason for your decision'
    )
    assert 'href="#immediate">Select whether this is an immediate decision' in refused.text
    assert '<textarea class="govuk-textarea' in refused.text
    assert ">considered</textarea>" in refused.text  # what was typed is kept
    assert seed.case.status is CaseStatus.CONCERN


def test_the_equality_duties_must_be_confirmed_as_the_lifecycle_says(rig: Rig) -> None:
    seed = Seed(rig).concern_letter_sent().now("2026-12-14")
    browser = signed_in(rig, HEAD)
    form = open_form(browser, "restrictions")
    answers = {**STEP_2}
    del answers["vulnerability_considered"]
    refused = send(browser, form, answers)
    assert refused.status == 400
    assert (
        'href="#equality">Record that reasonable adjustments, vulnerability and Equality Act '
        "duties were considered before restricting contact" in refused.text
    )
    assert seed.case.status is CaseStatus.CONCERN


def test_a_single_point_of_contacts_details_are_checked_by_the_type(rig: Rig) -> None:
    Seed(rig).concern_letter_sent().now("2026-12-14")
    browser = signed_in(rig, HEAD)
    form = open_form(browser, "restrictions")
    spoc = {
        "restriction-single-point-of-contact": "yes",
        "single-point-of-contact-officer_id": "staff-pat",
        "single-point-of-contact-officer_name": "Pat Contact",
        "single-point-of-contact-officer_email": "pat@example.org",
        "single-point-of-contact-from_time": "12:00",
        "single-point-of-contact-to_time": "10:00",
    }
    answers = {**STEP_2, **spoc}
    refused = send(browser, form, answers)
    assert "Select at least one day" in refused.text
    assert "The time contact must end must be after the time it may start" in refused.text
    answers.update(
        {
            "single-point-of-contact-days-tuesday": "yes",
            "single-point-of-contact-to_time": "14:30",
            "single-point-of-contact-officer_email": "pat@elsewhere.example",
        }
    )
    outside = send(browser, form, answers)
    assert outside.status == 400
    assert (
        'href="#single-point-of-contact-officer_email">A single point of contact&#39;s email '
        "address must be in one of the organisation&#39;s own domains" in outside.text
    )
    answers["single-point-of-contact-officer_email"] = "pat@example.org"
    done = send(browser, form, answers)
    assert "Success" in text(done)
    assert "A single point of contact" in text(done)
    decided = Seed(rig).case.decision
    assert decided is not None
    assert any(isinstance(r, SinglePointOfContact) for r in decided.restrictions)


def test_before_the_concern_letter_is_sent_only_an_immediate_decision_is_possible(
    rig: Rig,
) -> None:
    seed = Seed(rig).concern().now("2026-11-02", 15)
    browser = signed_in(rig, HEAD)
    form = open_form(browser, "restrictions")
    assert "can only be imposed now as an immediate decision" in text(form)
    assert '<input type="hidden" name="immediate" value="yes">' in form.text
    answers = {**STEP_2, "immediate": "yes"}  # the page's hidden field
    refused = send(browser, form, answers)
    assert refused.status == 400
    assert 'href="#immediate_reason">An immediate decision must say why' in refused.text
    done = send(browser, form, {**answers, "immediate_reason": "threatened a housing officer"})
    assert "Success Restrictions imposed: they are in force now." in text(done)
    assert "Status Restrictions in force" in text(done)
    assert seed.case.status is CaseStatus.RESTRICTED


def test_a_stale_decision_is_the_conflict_page_and_changes_nothing(rig: Rig) -> None:
    seed = Seed(rig).concern_letter_sent().now("2026-12-14")
    browser = signed_in(rig, HEAD)
    form = open_form(browser, "restrictions")
    # Meanwhile the Service Manager closes the concern.
    seed.act(CloseConcern(reason="no contact for a month"), MANAGER)
    before = (seed.case, rig.fakes.store.events(CASE_ID))
    stale = send(browser, form, STEP_2)
    assert stale.status == 409
    assert "Someone changed this case" in stale.text
    assert (seed.case, rig.fakes.store.events(CASE_ID)) == before


def test_a_service_manager_closes_a_concern_and_a_head_of_service_may_not(rig: Rig) -> None:
    seed = Seed(rig).concern_letter_sent().now("2026-12-01")
    refused = signed_in(rig, HEAD).get(f"/console/cases/{CASE_ID}/close-concern")
    assert refused.status == 403
    assert "Close-concern needs the role: service-manager." in refused.text
    browser = signed_in(rig, MANAGER)
    assert "Close the concern" in case_page(browser).text
    form = open_form(browser, "close-concern")
    empty = send(browser, form, {"reason": "   "})
    assert empty.status == 400
    assert "Enter the reason for your decision" in empty.text
    done = send(browser, form, {"reason": "no contact of concern since the letter"})
    assert "Success Concern closed." in text(done)
    assert "Status Closed" in text(done)
    assert "Concern closed Sam Manager (Service Manager) no contact of concern" in timeline(done)
    assert seed.case.status is CaseStatus.CLOSED


def received(day: date) -> dict[str, str]:
    return {
        "received_on-day": str(day.day),
        "received_on-month": str(day.month),
        "received_on-year": str(day.year),
    }


def test_the_customer_experience_team_logs_an_appeal(rig: Rig) -> None:
    seed = Seed(rig).restricted().now("2027-01-11")
    browser = signed_in(rig, CET)
    form = open_form(browser, "appeal")
    assert "The customer may appeal up to and including 13 January 2027." in text(form)
    answers = {"grounds": "the emails were about a real repair"}
    future = send(browser, form, {**answers, **received(date(2027, 1, 12))})
    assert future.status == 400
    assert 'href="#received_on-day">An appeal cannot be received in the future' in future.text
    blank = send(browser, form, answers)
    assert "Enter the date the appeal was received" in blank.text
    done = send(browser, form, {**answers, **received(date(2027, 1, 11))})
    assert "Success Appeal logged: received on 11 January 2027." in text(done)
    assert "Status Under appeal" in text(done)
    assert "Appeal logged Received on 11 January 2027" in timeline(done)
    assert seed.case.status is CaseStatus.UNDER_APPEAL


def test_a_late_appeal_waits_for_a_manager_to_accept_it(rig: Rig) -> None:
    seed = Seed(rig).restricted().now("2027-01-20")
    browser = signed_in(rig, CET)
    form = open_form(browser, "appeal")
    send(browser, form, {"grounds": "I was in hospital", **received(date(2027, 1, 19))})
    assert seed.case.status is CaseStatus.RESTRICTED  # late: not yet under appeal
    manager = signed_in(rig, MANAGER)
    page = case_page(manager)
    assert "Late: waiting for a manager to accept or decline it" in text(page)
    late = open_form(manager, "late-appeal")
    assert "received on 19 January 2027, after the appeal window closed at the end of 13" in (
        text(late)
    )
    done = send(manager, late, {"decision": "accept", "reason": "she was in hospital"})
    assert "Success Late appeal accepted" in text(done)
    assert seed.case.status is CaseStatus.UNDER_APPEAL


def test_an_executive_upholds_an_appeal_and_the_restrictions_are_lifted(rig: Rig) -> None:
    seed = Seed(rig).under_appeal().now("2027-02-01")
    browser = signed_in(rig, EXECUTIVE)
    form = open_form(browser, "appeal-decision")
    assert not unlabelled(form)
    done = send(browser, form, {"outcome": "upheld", "reason": "the contact was about a repair"})
    shown = text(done)
    assert "Success Appeal upheld: the restrictions are lifted and the case is closed." in shown
    assert "Status Closed" in shown
    assert "They were in force from 18 December 2026 and ended on 1 February 2027 at 10am." in (
        shown
    )
    assert "Appeal decided Upheld: the restrictions were lifted" in timeline(done)
    assert seed.case.status is CaseStatus.CLOSED


def new_date(day: date) -> dict[str, str]:
    return {
        "review_due_on-day": str(day.day),
        "review_due_on-month": str(day.month),
        "review_due_on-year": str(day.year),
    }


@pytest.mark.policy("s5-review-delayed")
def test_an_executive_delays_the_appeal_review_to_a_later_working_day(rig: Rig) -> None:
    seed = Seed(rig).under_appeal().now("2027-02-15")
    refused = signed_in(rig, HEAD).get(f"/console/cases/{CASE_ID}/appeal-review-delay")
    assert refused.status == 403
    browser = signed_in(rig, EXECUTIVE)
    assert "Delay the appeal review" in case_page(browser).text
    form = open_form(browser, "appeal-review-delay")
    assert not unlabelled(form)
    assert "The appeal received on 13 January 2027 is due to be reviewed by 24 February 2027" in (
        text(form)
    )
    (appeal_id,) = re.findall(r'name="appeal_id" value="([^"]+)"', form.text)
    answers = {"appeal_id": appeal_id, "reason": "waiting for the call recordings"}
    blank = send(browser, form, answers)
    assert blank.status == 400
    assert "Enter the new date for the review" in text(blank)
    no_reason = send(browser, form, {"appeal_id": appeal_id, **new_date(date(2027, 3, 10))})
    assert "Enter the reason for your decision" in no_reason.text
    saturday = send(browser, form, {**answers, **new_date(date(2027, 3, 6))})
    assert saturday.status == 400
    assert 'href="#review_due_on-day">The new review date must be a working day' in saturday.text
    assert "waiting for the call recordings" in saturday.text  # what was typed is kept
    earlier = send(browser, form, {**answers, **new_date(date(2027, 2, 24))})
    assert "The new review date must be after the current one, 24 February 2027" in text(earlier)
    done = send(browser, form, {**answers, **new_date(date(2027, 3, 10))})
    shown = text(done)
    assert "Success Appeal review delayed: now due by 10 March 2027." in shown
    assert "Review due by 10 March 2027" in shown
    assert (
        "Appeal review delayed The review is due by 10 March 2027 It was due by 24 February 2027 "
        "Ed Executive (Executive Team) waiting for the call recordings" in timeline(done)
    )
    # The letter it calls for, and the reminder and escalation moved to the new date.
    assert "Letter needed: Appeal review delayed: the new date" in timeline(done)
    assert "3 March 2027, 7am Due The Executive Team is reminded" in timeline(done)
    assert "11 March 2027, 12:30am Due The appeal review is overdue" in timeline(done)
    (appeal,) = seed.case.appeals
    assert appeal.review_due_on == date(2027, 3, 10)
    assert seed.case.status is CaseStatus.UNDER_APPEAL


@pytest.mark.policy("s5-review-delayed")
def test_a_delay_sent_after_the_appeal_was_decided_is_the_conflict_page(rig: Rig) -> None:
    seed = Seed(rig).under_appeal().now("2027-02-15")
    browser = signed_in(rig, CET)
    form = open_form(browser, "appeal-review-delay")
    seed.act(DecideAppeal(outcome=AppealOutcome.DISMISSED, reason="fair"), EXECUTIVE)
    before = (seed.case, rig.fakes.store.events(CASE_ID))
    (appeal_id,) = re.findall(r'name="appeal_id" value="([^"]+)"', form.text)
    answers = {"appeal_id": appeal_id, "reason": "recordings", **new_date(date(2027, 3, 10))}
    stale = send(browser, form, answers)
    assert stale.status == 409
    assert "Someone changed this case" in stale.text
    assert (seed.case, rig.fakes.store.events(CASE_ID)) == before
    # ...and the form is no longer offered: no appeal is under review.
    assert signed_in(rig, CET).get(f"/console/cases/{CASE_ID}/appeal-review-delay").status == 409


def test_a_varied_appeal_gives_the_new_restrictions(rig: Rig) -> None:
    seed = Seed(rig).under_appeal().now("2027-02-01")
    browser = signed_in(rig, EXECUTIVE)
    form = open_form(browser, "appeal-decision")
    # The restrictions in force are ticked to start from.
    assert 'name="restriction-letters-only" type="checkbox" value="yes" checked' in form.text
    varied = {
        "outcome": "varied",
        "reason": "email may resume through an advocate",
        "restriction-telephone-via-third-party": "yes",
        "telephone-via-third-party-third_party": "Alex Advocate",
        "telephone-via-third-party-relationship": "advocate",
    }
    done = send(browser, form, varied)
    assert "Success Appeal decided: the restrictions are varied" in text(done)
    assert "Telephone contact only through a third party" in text(done)
    assert "Contact by letter only" not in text(done)
    assert seed.case.status is CaseStatus.RESTRICTED


VARIED = {
    "restriction-letters-only": "yes",
    "letters-only-write_to": "Derby Homes, PO Box 1, Derby DE1 1AA",  # as in force
    "restriction-social-media": "yes",
    "social-media-details": "No posts about staff on our Facebook page",
    "reason": "posts naming staff on our Facebook page",
    "reasonable_adjustments_considered": "yes",
    "vulnerability_considered": "yes",
    "equality_act_duties_considered": "yes",
    "equality_notes": "no change since the decision",
}


@pytest.mark.policy("s4-restrictions-varied")
def test_the_head_of_service_varies_the_restrictions_in_force(rig: Rig) -> None:
    seed = Seed(rig).restricted().now("2027-03-01")
    assert signed_in(rig, MANAGER).get(f"/console/cases/{CASE_ID}/vary-restrictions").status == 403
    browser = signed_in(rig, HEAD)
    assert "Vary the restrictions" in case_page(browser).text
    form = open_form(browser, "vary-restrictions")
    assert form.title == "Vary the restrictions – Contact restrictions"
    assert not unlabelled(form)
    # The restrictions in force are ticked to start from; the duties are confirmed anew.
    assert 'name="restriction-letters-only" type="checkbox" value="yes" checked' in form.text
    assert 'name="vulnerability_considered" type="checkbox" value="yes" checked' not in form.text
    assert "they stay in force up to and including 17 December 2027" in text(form)
    assert "the 12-month review is still due on 22 November 2027" in text(form)
    # Nothing changed: said beside the restrictions.
    same = {k: v for k, v in VARIED.items() if not k.startswith(("restriction-social", "social"))}
    unchanged = send(browser, form, same)
    assert unchanged.status == 400
    assert 'href="#restrictions">The new restrictions are the same as those in force' in (
        unchanged.text
    )
    # The duties not confirmed: said beside them, what was typed kept.
    unconsidered = send(browser, form, {**VARIED, "vulnerability_considered": ""})
    assert unconsidered.status == 400
    assert 'href="#equality">Record that reasonable adjustments' in unconsidered.text
    assert "No posts about staff on our Facebook page" in unconsidered.text
    blank = send(browser, form, {})
    assert blank.status == 400
    assert 'href="#restrictions">Select at least one restriction' in blank.text
    assert 'href="#reason">Enter the reason for your decision' in blank.text
    done = send(browser, form, VARIED)
    shown = text(done)
    assert "Success Restrictions varied: the new restrictions apply now" in shown
    assert "No posts about staff on our Facebook page" in shown  # the restrictions in force
    assert (
        "Restrictions varied Now: letters only, social media restricted Before: letters only "
        "The end date is unchanged: in force up to and including 17 December 2027" in timeline(done)
    )
    assert "Hana Head (Head of Service) posts naming staff on our Facebook page" in timeline(done)
    assert "Letter needed: Restrictions varied: what applies now" in timeline(done)
    decision = seed.case.decision
    assert decision is not None
    assert [r.type for r in decision.restrictions] == ["letters-only", "social-media"]
    assert seed.case.status is CaseStatus.RESTRICTED
    period = seed.case.period
    assert period is not None
    assert period.ends_on == date(2027, 12, 18)


@pytest.mark.policy("s4-restrictions-varied")
def test_a_variation_sent_after_an_appeal_was_logged_is_the_conflict_page(rig: Rig) -> None:
    seed = Seed(rig).restricted().now("2027-01-13")
    browser = signed_in(rig, HEAD)
    form = open_form(browser, "vary-restrictions")
    seed.act(LogAppeal(received_on=date(2027, 1, 13), grounds="unfair"), CET)
    before = (seed.case, rig.fakes.store.events(CASE_ID))
    stale = send(browser, form, VARIED)
    assert stale.status == 409
    assert "Someone changed this case" in stale.text
    assert (seed.case, rig.fakes.store.events(CASE_ID)) == before
    # ...and the form is no longer offered: the appeal is decided first.
    refused = signed_in(rig, HEAD).get(f"/console/cases/{CASE_ID}/vary-restrictions")
    assert refused.status == 409
    assert "decide the appeal first" in text(refused)


def test_the_head_of_service_extends_restrictions_at_the_review(rig: Rig) -> None:
    Seed(rig).restricted().now("2027-11-25")
    browser = signed_in(rig, HEAD)
    form = open_form(browser, "review")
    assert "The restrictions end at the start of 18 December 2027 unless you extend them." in (
        text(form)
    )
    done = send(browser, form, {"outcome": "extend", "reason": "the emails continued"})
    assert "Success Review decided: the restrictions are extended" in text(done)
    assert (
        "12-month review decided Extended: in force up to and including 17 December 2028 "
        "(they end at the start of 18 December 2028) Hana Head" in timeline(done)
    )
    assert "up to and including 17 December 2028" in text(done)


def test_a_lapsed_case_is_closed_by_the_head_of_service(rig: Rig) -> None:
    seed = Seed(rig).restricted().now("2027-12-18", 6)
    lapse = LapseRestrictions()
    seed.cases.service.act(CASE_ID, lapse, Actor.system("deadlines"), rig.fakes.clock())
    seed.now("2027-12-20")
    browser = signed_in(rig, HEAD)
    page = case_page(browser)
    offered = re.findall(rf'href="/console/cases/{CASE_ID}/([a-z-]+)">', page.text)
    assert offered == ["restrictions", "close"]
    assert "They were in force from 18 December 2026 and ended at the start of 18 December" in (
        text(page)
    )
    form = open_form(browser, "close")
    done = send(browser, form, {"reason": "no contact of concern this year"})
    assert "Success Case closed." in text(done)
    assert seed.case.status is CaseStatus.CLOSED


FORMS = [
    ("concern_letter_sent", HEAD, "restrictions"),
    ("concern_letter_sent", MANAGER, "close-concern"),
    ("restricted", CET, "appeal"),
    ("restricted", HEAD, "review"),
    ("restricted", HEAD, "vary-restrictions"),
    ("under_appeal", EXECUTIVE, "appeal-decision"),
    ("under_appeal", CET, "appeal-review-delay"),
    ("concern", MANAGER, "letters/concern-0001/sent"),
    ("concern", MANAGER, "letters/concern-0001/redraft"),
]


@pytest.mark.parametrize(("state", "actor", "slug"), FORMS)
def test_every_form_has_one_h1_a_label_for_each_field_and_its_version(
    rig: Rig, state: str, actor: Actor, slug: str
) -> None:
    getattr(Seed(rig), state)()
    form = open_form(signed_in(rig, actor), slug)
    levels = [level for level, _ in headings(form)]
    assert levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert not unlabelled(form)
    assert version_of(form) == str(Seed(rig).case.version)
    assert f'href="/console/cases/{CASE_ID}" class="govuk-back-link">Back to the case' in form.text
