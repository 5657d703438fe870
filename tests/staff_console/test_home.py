"""The home page: a dashboard of what waits on the signed-in role, and nothing else."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from tests.staff_console import people
from tests.staff_console.rig import Rig
from tests.unit.builders import at, under_appeal

from contactguard.domain.access import Operation


def main(html: str) -> str:
    found = re.search(r"<main.*?</main>", html, re.S)
    assert found
    return found.group(0)


def test_a_service_manager_sees_a_drafted_letter_with_how_long_it_has_waited(rig: Rig) -> None:
    people.customer(rig)
    people.concern_with_drafted_letter(rig, datetime(2026, 11, 23, 10, tzinfo=UTC))
    rig.fakes.clock.now = datetime(2026, 12, 1, 10, tzinfo=UTC)  # a Tuesday

    home = rig.browser().sign_in("sam", ["service-manager"], "Sam Manager")

    assert home.status == 200
    assert home.title == "Home – Contact restrictions"
    page = main(home.text)
    assert page.count("<h1") == 1
    assert "Today is Tuesday 1 December 2026" in page
    letters = page[page.index('id="letters"') : page.index('id="appeals"')]
    assert '<a class="govuk-link" href="/console/cases/case-0001">case-0001</a>' in letters
    assert '<a class="govuk-link" href="/console/customers/cust-0001">Ada Tenant</a>' in letters
    assert '<td class="govuk-table__cell">Concern letter (Step 1)</td>' in letters
    assert "23 November 2026" in letters
    assert "6 working days (8 days)" in letters
    assert "Overdue" in letters  # past the 2 working days before its sender is reminded
    assert letters.count('<th scope="col"') == 6
    assert "Filed emails waiting to be read" in page  # a designated officer too
    audited = [r for r in rig.fakes.store.audit if r.operation is Operation.READ_CASE]
    assert [(r.case_id, r.detail) for r in audited] == [("case-0001", "view=dashboard")]


def test_an_executive_sees_the_appeal_awaiting_their_decision_and_no_letters_of_others(
    rig: Rig,
) -> None:
    people.customer(rig)
    people.story(rig, under_appeal())
    rig.fakes.clock.now = at(date(2027, 1, 15), 10)  # two days after it was received

    page = main(rig.browser().sign_in("eve", ["executive-team"]).text)

    appeals = page[page.index('id="appeals"') :]
    assert "Decide the appeal" in appeals
    assert "13 January 2027" in appeals  # waiting since it was received
    assert "Filed emails waiting to be read" not in page  # not a designated officer
    assert 'id="deadlines"' not in page  # the Executive Team acts on no other deadline


def test_a_call_handler_is_offered_the_caller_lookup_and_no_case_lists(rig: Rig) -> None:
    people.customer(rig)
    people.concern_with_drafted_letter(rig, datetime(2026, 11, 23, 10, tzinfo=UTC))
    rig.fakes.clock.now = datetime(2026, 12, 1, 10, tzinfo=UTC)

    page = main(rig.browser().sign_in("cal", ["call-handler"]).text)

    assert '<a class="govuk-link" href="/console/lookup">Find a caller or customer</a>' in page
    assert "case-0001" not in page
    assert "<table" not in page
    assert not [r for r in rig.fakes.store.audit if r.operation is Operation.READ_CASE]


def test_the_safeguarding_lead_is_told_how_many_filed_emails_wait(rig: Rig) -> None:
    people.customer(rig)
    people.filed_email(rig, "ses-1", datetime(2026, 11, 30, 9, tzinfo=UTC))
    people.filed_email(rig, "ses-2", datetime(2026, 11, 30, 10, tzinfo=UTC))

    page = main(rig.browser().sign_in("sage", ["safeguarding-lead"]).text)

    assert (
        '<a class="govuk-link" href="/console/read-queue">2 filed emails waiting to be read</a>'
        in page
    )
    assert 'id="letters"' not in page
