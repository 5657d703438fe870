"""Letters rendered from real case events (driven through the domain), read back as text.

Every template is filled from the event that calls for it and read back with python-docx;
the dates a draft states are checked against the dates the domain gives once the letter is
sent on the date it carries. Hostile customer text renders literally, a letter lacking its
required content is refused, and an undefined placeholder is an error, never a gap.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import pytest
from builders import (
    CASE_ID,
    CET,
    CUSTOMER_ID,
    DEADLINES,
    EXECUTIVE,
    HEAD,
    MANAGER,
    POLICY,
    Story,
    at,
    closed,
    concern_letter_sent,
    concern_raised,
    equality,
    immediately_restricted,
    impose,
    lapsed,
    letters_only,
    raise_concern,
    restricted,
    single_point_of_contact,
    telephone_via_third_party,
    under_appeal,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2 import UndefinedError

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import (
    AcceptLateAppeal,
    AppealOutcome,
    CaseEvent,
    CaseEventType,
    CloseCase,
    DecideAppeal,
    DecideReview,
    DeclineLateAppeal,
    DelayAppealReview,
    LetterKind,
    LogAppeal,
    ReviewOutcome,
    ReviewPackDue,
    VaryRestrictions,
)
from contactguard.domain.model import (
    Actor,
    Channel,
    Contact,
    Customer,
    Disposition,
    PostalAddress,
    describe_date,
)
from contactguard.domain.restrictions import (
    LettersOnly,
)
from letters.content import LetterInputs, draft_letter, prepare
from letters.docx_render import (
    MissingContent,
    PreparedLetter,
    TemplateFault,
    document_text,
    plain,
    render,
    render_template,
)
from letters.docx_render import line as one_line
from letters.review_pack import chart_png, month_slices, review_figures

CUSTOMER = Customer(
    customer_id=CUSTOMER_ID,
    name="Alex Tenant",
    address=PostalAddress(lines=("Flat 2", "14 Example Road", "Derby"), postcode="DE1 9ZZ"),
)
HOSTILE = (
    'Bob "<b>&amp;</b>" {{ 7*7 }} {% if true %}x{% endif %} {_{ }_} '
    "</w:t></w:r><w:r><w:t>injected</w:t> & <w:p/>"
)


def letter_event(story: Story, kind: LetterKind) -> CaseEvent:
    return [e for e in story.events if e.letter and e.letter.kind is kind][-1]


def text_of(
    story: Story,
    kind: LetterKind,
    customer: Customer = CUSTOMER,
    contacts: tuple[Contact, ...] = (),
) -> str:
    event = letter_event(story, kind)
    body = draft_letter(
        LetterInputs(
            case=story.current, customer=customer, event=event, policy=POLICY, contacts=contacts
        )
    )
    return document_text(body)


def squashed(text: str) -> str:
    return " ".join(text.split())


def decided_appeal(outcome: AppealOutcome) -> Story:
    story = under_appeal()
    story.do(
        DecideAppeal(
            outcome=outcome,
            reason="the contact was about a real repair",
            varied_restrictions=(telephone_via_third_party(),)
            if outcome is AppealOutcome.VARIED
            else (),
        ),
        EXECUTIVE,
        at("2027-02-01"),
    )
    return story


def review_pack_due() -> Story:
    story = restricted()
    period = story.current.period
    assert period is not None
    story.do(ReviewPackDue(), DEADLINES, at(period.review_pack_due_on, 7))
    return story


def reviewed(outcome: ReviewOutcome) -> Story:
    story = review_pack_due()
    story.do(DecideReview(outcome=outcome, reason="contact reviewed"), HEAD, at("2027-12-01"))
    return story


def late_appeal_declined(by: Actor = MANAGER) -> Story:
    """An appeal received a week after the window closed (13 January 2027), declined."""
    story = restricted()
    story.do(LogAppeal(received_on=date(2027, 1, 20), grounds="late"), CET, at("2027-01-20"))
    story.do(DeclineLateAppeal(reason="no reason was given for the delay"), by, at("2027-01-21"))
    return story


def review_delayed(by: Actor = EXECUTIVE) -> Story:
    """The review of an appeal received on 13 January 2027 (due 24 February 2027) needs
    longer: moved on to 10 March 2027."""
    story = under_appeal()
    (appeal,) = story.current.appeals
    story.do(
        DelayAppealReview(
            appeal_id=appeal.appeal_id,
            review_due_on=date(2027, 3, 10),
            reason="we are waiting for the recordings of your calls <from the phone system>",
        ),
        by,
        at("2027-02-15"),
    )
    return story


def restrictions_varied() -> Story:
    """restricted()'s letters-only restriction (18 December 2026 to 17 December 2027, review
    22 November 2027) varied on Monday 1 March 2027 to a single point of contact and calls
    through an advocate, with an adjustment agreed."""
    story = restricted()
    story.do(
        VaryRestrictions(
            restrictions=(single_point_of_contact(), telephone_via_third_party()),
            reason="your letters have been calm <since January>",
            equality=equality(agreed=("send letters in large print",)),
        ),
        HEAD,
        at("2027-03-01"),
    )
    return story


def closed_after_lapse(*, lapse_letter_sent: bool = True) -> Story:
    """The restrictions lapsed (the lapse letter sent, or not yet); the Head of Service
    closes the case."""
    story = lapsed()
    if lapse_letter_sent:
        story.draft_and_send(LetterKind.RESTRICTIONS_LAPSED, date(2027, 12, 20), HEAD)
    story.do(
        CloseCase(reason="there has been no contact of concern since the restrictions ended"),
        HEAD,
        at("2028-01-10"),
    )
    return story


STORIES = {
    LetterKind.CONCERN: concern_raised,
    LetterKind.CONCERN_CLOSED: closed,
    LetterKind.LATE_APPEAL_DECLINED: late_appeal_declined,
    LetterKind.APPEAL_REVIEW_DELAYED: review_delayed,
    LetterKind.CASE_CLOSED: closed_after_lapse,
    LetterKind.RESTRICTIONS: lambda: _restrictions_decided_on(date(2026, 12, 18)),
    LetterKind.IMMEDIATE_RESTRICTIONS: immediately_restricted,
    LetterKind.APPEAL_ACKNOWLEDGEMENT: under_appeal,
    LetterKind.APPEAL_UPHELD: lambda: decided_appeal(AppealOutcome.UPHELD),
    LetterKind.APPEAL_DISMISSED: lambda: decided_appeal(AppealOutcome.DISMISSED),
    LetterKind.APPEAL_VARIED: lambda: decided_appeal(AppealOutcome.VARIED),
    LetterKind.REVIEW_EXTENDED: lambda: reviewed(ReviewOutcome.EXTEND),
    LetterKind.RESTRICTIONS_VARIED: restrictions_varied,
    LetterKind.REVIEW_CLOSED: lambda: reviewed(ReviewOutcome.CLOSE),
    LetterKind.RESTRICTIONS_LAPSED: lapsed,
    LetterKind.REVIEW_PACK: review_pack_due,
}


def _restrictions_decided_on(day: date, *restrictions: LettersOnly) -> Story:
    story = concern_letter_sent()
    story.do(impose(*restrictions), HEAD, at(day, 9))
    return story


# Every template ------------------------------------------------------------------------------


def test_every_letter_kind_has_a_story_and_a_template() -> None:
    assert set(STORIES) == set(LetterKind)
    templates = Path(__file__).resolve().parents[2] / "functions" / "letters" / "templates"
    assert {p.stem for p in templates.glob("*.docx")} == {k.value for k in LetterKind}


@pytest.mark.parametrize("kind", list(LetterKind), ids=lambda k: k.value)
def test_every_template_renders_from_the_event_that_calls_for_it(kind: LetterKind) -> None:
    story = STORIES[kind]()
    event = letter_event(story, kind)
    text = text_of(story, kind)

    assert "{{" not in text
    assert "{%" not in text
    assert "}}" not in text
    assert "Alex Tenant" in text
    assert describe_date(event.at.astimezone(LONDON).date()) in text  # the letter date
    assert f"reference: {CASE_ID}" in text or f"reference {CASE_ID}" in text
    if kind is not LetterKind.REVIEW_PACK:  # the internal pack is not posted
        for line in ("Flat 2", "14 Example Road", "DE1 9ZZ"):
            assert line in text
        assert "Yours sincerely" in text


def test_the_concern_letter_explains_offers_a_chance_and_says_what_may_follow() -> None:
    text = squashed(text_of(concern_raised(), LetterKind.CONCERN))
    # s.4 Step 1: why the behaviour causes concern. Of the emails, only what staff saw (many,
    # and threatening: not offensive); of the language nothing was recorded, so the policy's
    # list is quoted as its words, never put to the customer as what they did.
    assert "Sending an excessive number of threatening emails" in text
    assert "offensive or excessive emails" not in text
    assert (
        "Behaviour our policy describes as \u201crepeatedly using threatening, offensive or foul "
        "language on the telephone or face to face\u201d"
    ) in text
    assert "forty emails in a week, two of them threatening staff" in text
    assert "A chance to change" in text
    assert "Head of Service, who may decide to restrict how you can contact us for 12 months" in (
        text
    )
    assert "Sam Manager Service Manager" in text


@pytest.mark.policy(
    "s5-appeal-15-working-days", "s4-restrictions-start-when-told", "s4-restrictions-12-months"
)
def test_a_restriction_letter_dated_18_december_2026_gives_an_appeal_date_after_christmas() -> None:
    story = _restrictions_decided_on(date(2026, 12, 18))
    text = squashed(text_of(story, LetterKind.RESTRICTIONS))

    assert "Date: 18 December 2026" in text
    assert (
        "Write to the Customer Experience Team within 15 working days of the date of this "
        "letter, that is by 13 January 2027." in text
    )
    assert "take effect from the date of this letter, 18 December 2026" in text
    assert "apply for 12 months, up to and including 17 December 2027." in text
    assert "until" not in text  # in force until the start of 18 December: never ambiguous
    review_on = POLICY.calendar.working_days_before(date(2027, 12, 18), 20)
    assert f"The review date is {describe_date(review_on)}" in text
    assert "Contact by letter only: We will not accept emails or telephone calls" in text
    assert "Derby Homes, PO Box 1, Derby DE1 1AA" in text
    assert "By letter: Write to us at Derby Homes, PO Box 1, Derby DE1 1AA." in text
    assert "we will not accept emails or telephone calls from you, except calls to the" in text
    assert "Housing Ombudsman" in text
    assert "Local Government and Social Care Ombudsman" in text
    assert "My reasons: the behaviour continued after the concern letter" in text

    # Sent on the date it carries, the letter's dates are the ones the domain then holds.
    story.draft_and_send(LetterKind.RESTRICTIONS, date(2026, 12, 18), HEAD)
    case = story.current
    assert case.period is not None
    assert case.appeal_window is not None
    assert case.period.starts_at == datetime(2026, 12, 18, tzinfo=LONDON)
    assert case.period.ends_on == date(2027, 12, 18)
    assert case.period.review_pack_due_on == review_on
    assert case.appeal_window.closes_on == date(2027, 1, 13)


def test_earlier_letters_are_named_by_the_date_they_carry_not_the_day_they_went() -> None:
    """A concern letter dated 2 November, drafted that day and posted on the 3rd: the
    restrictions letter refers to the letter the customer holds, dated 2 November."""
    story = concern_raised()
    story.draft(LetterKind.CONCERN, at(date(2026, 11, 2), 9))
    story.send(LetterKind.CONCERN, date(2026, 11, 3), MANAGER)
    assert story.letter(LetterKind.CONCERN).letter_date == date(2026, 11, 2)
    story.do(impose(), HEAD, at(date(2026, 12, 14)))

    text = squashed(text_of(story, LetterKind.RESTRICTIONS))

    assert "We wrote to you on 2 November 2026 about the way you were contacting us" in text


def test_what_was_considered_is_said_and_adjustments_listed_only_when_agreed() -> None:
    agreed = equality().model_copy(
        update={"adjustments_agreed": ("accept calls from your advocate on your behalf",)}
    )
    with_adjustment = concern_letter_sent()
    with_adjustment.do(impose(equality_record=agreed), HEAD, at(date(2026, 12, 14)))
    text = squashed(text_of(with_adjustment, LetterKind.RESTRICTIONS))
    assert (
        "Before making this decision we considered whether you may need reasonable "
        "adjustments, whether you may be vulnerable and our duties to you under the Equality "
        "Act 2010." in text
    )
    assert "To meet your needs, we will also: accept calls from your advocate" in text

    none_agreed = squashed(
        text_of(_restrictions_decided_on(date(2026, 12, 18)), LetterKind.RESTRICTIONS)
    )
    assert "Before making this decision we considered" in none_agreed
    assert "To meet your needs" not in none_agreed  # never a promise nobody made


def test_a_restriction_letter_states_each_restriction_with_its_details() -> None:
    story = concern_letter_sent()
    story.do(
        impose(letters_only(), single_point_of_contact(), telephone_via_third_party()),
        HEAD,
        at("2027-03-01"),
    )
    text = squashed(text_of(story, LetterKind.RESTRICTIONS))
    assert "Contact by letter only:" in text
    assert (
        "through Pat Contact (pat.contact@example.org) only, on Tuesday and Thursday between "
        "10:00 and 12:00" in text
    )
    assert "only from Alex Advocate (advocate), acting on your behalf" in text
    # Letters are always open; email and telephone are closed by letters-only.
    assert "By letter: Write to us at Derby Homes, PO Box 1, Derby DE1 1AA." in text
    assert "we will not accept emails or telephone calls from you, except calls to the" in text
    assert "within 15 working days of the date of this letter, that is by 22 March 2027" in text


@pytest.mark.policy("s4-immediate-restrictions")
def test_an_immediate_restrictions_letter_gives_the_reason_and_the_dates_already_running() -> None:
    story = immediately_restricted()
    text = squashed(text_of(story, LetterKind.IMMEDIATE_RESTRICTIONS))
    assert "with immediate effect, without a prior warning" in text
    assert "threatened to harm a housing officer" in text
    assert "We have also taken the following action: reported to Derbyshire Police" in text
    assert "took effect on 14 December 2026, when the decision was made" in text
    assert "up to and including 13 December 2027" in text
    assert "within 15 working days of the date of this letter, that is by 7 January 2027" in text


@pytest.mark.policy("s5-appeal-to-cet", "s5-review-30-working-days")
def test_the_appeal_acknowledgement_gives_the_review_date_and_keeps_restrictions() -> None:
    story = under_appeal()
    text = squashed(text_of(story, LetterKind.APPEAL_ACKNOWLEDGEMENT))
    appeal = story.current.appeals[-1]
    assert appeal.review_due_on == POLICY.calendar.working_days_after(date(2027, 1, 13), 30)
    assert "which we received on 13 January 2027" in text
    assert f"outcome by {describe_date(appeal.review_due_on)} (within 30 working days)" in text
    assert "took no part in the decision will review it independently" in text
    assert "stay in place while your appeal is considered" in text
    assert "Yours sincerely Cat Experience Customer Experience Team" in text  # who logged it
    assert "after the time allowed" not in text


@pytest.mark.policy("s5-review-delayed", "s5-restrictions-during-appeal")
def test_a_delayed_review_letter_gives_the_new_date_the_reason_and_how_to_contact_us() -> None:
    text = squashed(text_of(review_delayed(), LetterKind.APPEAL_REVIEW_DELAYED))
    assert "Your appeal: the review will take longer" in text
    assert "We received your appeal on 13 January 2027." in text
    assert "needs more time than we told you" in text
    # The reason as recorded, escaped, never read as markup.
    assert (
        "Why we need more time: we are waiting for the recordings of your calls "
        "<from the phone system>" in text
    )
    assert "We will write to you with the outcome of your appeal by 10 March 2027." in text
    assert "24 February 2027" not in text  # the old date is not repeated as if it held
    assert "stay in place while your appeal is considered" in text
    assert "How you can contact us now" in text
    assert "In an emergency:" in text
    assert "Yours sincerely Ed Executive Executive Team" in text  # who delayed it


@pytest.mark.policy("s5-review-delayed")
def test_a_review_delayed_again_writes_each_new_date_and_cx_signs_in_its_title() -> None:
    story = review_delayed(CET)
    story.do(
        DelayAppealReview(
            appeal_id=story.current.appeals[0].appeal_id,
            review_due_on=date(2027, 3, 24),
            reason="the reviewer is unwell",
        ),
        EXECUTIVE,
        at("2027-03-08"),
    )
    first, second = [e for e in story.events if e.type is CaseEventType.APPEAL_REVIEW_DELAYED]
    assert first.letter is not None
    assert second.letter is not None
    assert first.letter.letter_id != second.letter.letter_id
    first_text = squashed(
        document_text(
            draft_letter(
                LetterInputs(case=story.current, customer=CUSTOMER, event=first, policy=POLICY)
            )
        )
    )
    # A redraft of the first letter keeps the date that delay gave.
    assert "outcome of your appeal by 10 March 2027." in first_text
    assert "Yours sincerely Cat Experience Customer Experience Team" in first_text
    text = squashed(text_of(story, LetterKind.APPEAL_REVIEW_DELAYED))
    assert "outcome of your appeal by 24 March 2027." in text
    assert "Why we need more time: the reviewer is unwell" in text


@pytest.mark.policy("s5-late-appeal")
def test_an_accepted_late_appeal_is_acknowledged_as_late() -> None:
    story = restricted()
    story.do(LogAppeal(received_on=date(2027, 1, 20), grounds="late"), CET, at("2027-01-20"))
    story.do(AcceptLateAppeal(reason="in hospital"), MANAGER, at("2027-01-21"))
    text = squashed(text_of(story, LetterKind.APPEAL_ACKNOWLEDGEMENT))
    assert "after the time allowed, but we have accepted it" in text
    due = POLICY.calendar.working_days_after(date(2027, 1, 21), 30)
    assert f"outcome by {describe_date(due)}" in text


@pytest.mark.policy("s5-appeal-outcomes")
@pytest.mark.parametrize(
    ("outcome", "kind", "decision"),
    [
        (AppealOutcome.UPHELD, LetterKind.APPEAL_UPHELD, "the restrictions are lifted"),
        (AppealOutcome.DISMISSED, LetterKind.APPEAL_DISMISSED, "the restrictions stay in place"),
        (AppealOutcome.VARIED, LetterKind.APPEAL_VARIED, "the restrictions have been changed"),
    ],
)
def test_every_appeal_outcome_gives_the_decision_its_reason_and_the_ombudsman(
    outcome: AppealOutcome, kind: LetterKind, decision: str
) -> None:
    text = squashed(text_of(decided_appeal(outcome), kind))
    assert decision in text
    assert "Reasons: the contact was about a real repair" in text
    assert "Housing Ombudsman" in text
    assert "Local Government and Social Care Ombudsman" in text
    assert "Ed Executive Executive Team" in text


def test_a_varied_appeal_states_the_new_restrictions_and_the_unchanged_end_date() -> None:
    text = squashed(text_of(decided_appeal(AppealOutcome.VARIED), LetterKind.APPEAL_VARIED))
    assert "only from Alex Advocate (advocate)" in text
    assert "Contact by letter only" not in text  # replaced by the variation
    assert "apply from 1 February 2027. The end date does not change" in text
    assert "the last day they apply is 17 December 2027" in text
    assert "By email: Email us at customer.services@example.org." in text
    assert "Only Alex Advocate (advocate) may call us, on your behalf." in text


@pytest.mark.policy("s6-appeal-after-review", "s6-review-12-monthly")
def test_an_extension_letter_runs_12_months_from_the_old_end_date_with_a_new_appeal() -> None:
    text = squashed(text_of(reviewed(ReviewOutcome.EXTEND), LetterKind.REVIEW_EXTENDED))
    assert "which were due to end on 18 December 2027" in text
    assert "continue from 18 December 2027 up to and including 17 December 2028" in text
    assert "within 15 working days of the date of this letter, that is by 22 December 2027" in text
    assert "Local Government and Social Care Ombudsman" in text


def test_a_closing_review_letter_gives_the_reason() -> None:
    text = squashed(text_of(reviewed(ReviewOutcome.CLOSE), LetterKind.REVIEW_CLOSED))
    assert "decided to end them and close your case" in text
    assert "My reasons: contact reviewed" in text
    assert "ended on 1 December 2027" in text


@pytest.mark.policy("s6-unreviewed-lapse")
def test_a_lapse_letter_gives_the_end_date() -> None:
    text = squashed(text_of(lapsed(), LetterKind.RESTRICTIONS_LAPSED))
    assert "ended after 17 December 2027, the last day of their 12-month period" in text
    # A person to ask for: the Head of Service who decided them (the lapse is the system's).
    assert "Yours sincerely Hana Head Head of Service" in text


# The letters that close a step ------------------------------------------------------------


@pytest.mark.policy("s4-step1-follow-up")
def test_a_closed_concern_letter_says_no_restrictions_follow_signed_by_the_manager() -> None:
    text = squashed(text_of(closed(), LetterKind.CONCERN_CLOSED))
    # The concern letter by the date it carries (drafted and sent on 3 November 2026).
    assert "We wrote to you on 3 November 2026 about the way you were contacting us" in text
    assert "the way you contact us has changed" in text
    assert "Decision: We have closed our concern and will not restrict how you contact us." in text
    assert "continue to contact us in the usual ways" in text
    assert "telephone 0306 999 0100 (Monday to Friday" in text  # the usual routes, reachable
    assert "write to us at PO Box 1, Derby DE1 1AA" in text
    assert "Yours sincerely Sam Manager Service Manager" in text  # who closed it
    for absent in ("restrictions stay", "appeal", "Ombudsman", "no further contact of concern"):
        assert absent not in text  # nothing restricted, nothing to appeal; staff's note stays


@pytest.mark.policy("s5-late-appeal")
def test_a_declined_late_appeal_letter_says_why_keeps_restrictions_names_the_ombudsman() -> None:
    text = squashed(text_of(late_appeal_declined(), LetterKind.LATE_APPEAL_DECLINED))
    assert "which we received on 20 January 2027" in text
    # When it had to arrive: the restrictions letter by its date, the window's last day.
    assert (
        "within 15 working days of the date of the letter that told you of the decision. For our "
        "letter of 18 December 2026, that was by 13 January 2027, so your appeal reached us after "
        "the time allowed." in text
    )
    assert "Decision: We have not accepted your appeal: the restrictions stay in place." in text
    assert "Reasons: no reason was given for the delay" in text
    assert "stay in place up to and including 17 December 2027" in text
    assert "How you can contact us now" in text
    assert "In an emergency:" in text
    assert "Housing Ombudsman" in text
    assert "Before making this decision we considered" not in text  # that was the restrictions'
    assert "Yours sincerely Sam Manager Service Manager" in text
    assert "Your right to appeal" not in text  # no second appeal against the same decision


@pytest.mark.policy("s5-late-appeal")
def test_a_late_appeal_declined_by_the_head_of_service_is_signed_in_their_title() -> None:
    text = squashed(text_of(late_appeal_declined(HEAD), LetterKind.LATE_APPEAL_DECLINED))
    assert "Yours sincerely Hana Head Head of Service" in text
    assert "Service Manager" not in text


@pytest.mark.policy("s6-unreviewed-lapse")
def test_a_case_closed_after_the_lapse_letter_says_the_file_is_closed() -> None:
    text = squashed(text_of(closed_after_lapse(), LetterKind.CASE_CLOSED))
    assert (
        "We wrote to you on 20 December 2027 to tell you that the restrictions on how you "
        "contact us ended after 17 December 2027." in text
    )
    assert "I have now closed your case file. Nothing changes for you" in text
    assert "My reasons: there has been no contact of concern" in text
    assert "Yours sincerely Hana Head Head of Service" in text


@pytest.mark.policy("s6-unreviewed-lapse")
def test_a_case_closed_before_the_lapse_letter_went_says_the_restrictions_ended() -> None:
    story = closed_after_lapse(lapse_letter_sent=False)
    text = squashed(text_of(story, LetterKind.CASE_CLOSED))
    assert "We wrote to you on" not in text
    assert (
        "The restrictions on how you contact us ended after 17 December 2027, the last day of "
        "their 12-month period. You have been able to contact us in the usual ways since "
        "18 December 2027." in text
    )
    assert "I have now closed your case." in text


# The review pack -------------------------------------------------------------------------


def contact(n: int, when: datetime, channel: Channel = Channel.EMAIL, **kw: Any) -> Contact:
    return Contact.model_validate(
        {"contact_id": f"c{n}", "customer_id": CUSTOMER_ID, "channel": channel, "at": when, **kw}
    )


@pytest.mark.policy("s6-review-12-monthly")
def test_the_review_pack_counts_contact_by_month_and_channel_beside_the_year_before() -> None:
    contacts = (
        contact(1, at("2026-12-20"), Channel.EMAIL),  # first, partial month of the window
        contact(2, at("2027-03-02"), Channel.PHONE, flags=("abusive-language",)),
        contact(
            3,
            at("2027-03-03"),
            Channel.EMAIL,
            disposition=Disposition.FILED_BLOCKED,
            summary="Re: boiler <again> & again",
        ),
        # 00:30 BST on 1 June is 23:30 UTC on 31 May: it counts in June (London months).
        contact(4, datetime(2027, 5, 31, 23, 30, tzinfo=UTC), Channel.LETTER),
        contact(5, at("2026-03-05"), Channel.EMAIL),  # the year before
        contact(6, at("2025-12-19"), Channel.VISIT),  # the year before, its first days
        contact(7, at("2027-03-04"), Channel.EMAIL, customer_id="someone-else"),
        contact(8, at("2024-01-01"), Channel.EMAIL),  # outside both years
    )
    text = squashed(text_of(review_pack_due(), LetterKind.REVIEW_PACK, contacts=contacts))
    assert "Internal: for the Head of Service" in text
    # Produced on 22 November 2027: counted to that day, never beyond, beside the same days
    # a year earlier; the month counted in part says so, and no month still to come is shown.
    assert "from 18 December 2026 to 22 November 2027 (counted on 22 November 2027)" in text
    assert "the same days a year earlier: 18 December 2025 to 22 November 2026" in text
    assert "the last 25 days of the period are not in these figures" in text
    # month, email, phone, letter, visit, social media, total, the year before
    assert "18-31 Dec 2026 1 0 0 0 0 1 1" in text
    assert "Mar 2027 1 1 0 0 0 2 1" in text
    assert "Jun 2027 0 0 1 0 0 1 0" in text
    assert "1-22 Nov 2027 (to date) 0 0 0 0 0 0 0" in text
    assert "Dec 2027" not in text
    # What the restrictions were for, and what was weighed, beside the figures.
    assert "Why they were imposed the behaviour continued after the concern letter" in text
    assert "Equality considerations at the decision" in text
    assert "All inbound contacts 4 2" in text
    assert "Abusive language 1 0" in text
    assert "Emails filed and blocked (not delivered, read for new information) 1 0" in text
    assert "3 March 2027 10:00 Re: boiler <again> & again none" in text


def test_review_pack_months_are_london_calendar_months_partial_at_the_ends() -> None:
    labels = [m.label for m in month_slices(date(2027, 12, 18))]
    assert labels[0] == "18-31 Dec 2026"
    assert labels[-1] == "1-17 Dec 2027"
    assert len(labels) == 13
    assert [m.label for m in month_slices(date(2028, 1, 1))] == [
        f"{date(2027, m, 1):%b %Y}" for m in range(1, 13)
    ]


def test_a_review_counted_to_the_end_is_complete_and_compares_whole_years() -> None:
    contacts = (
        contact(1, at("2027-12-10"), Channel.EMAIL),  # after a pack of 22 November
        contact(2, at("2026-12-10"), Channel.EMAIL),  # the same days a year earlier
    )
    early = review_figures(contacts, CUSTOMER_ID, date(2027, 12, 18), date(2027, 11, 22))
    assert (early.window_to, early.previous_to) == (date(2027, 11, 22), date(2026, 11, 22))
    assert not early.complete
    assert early.days_not_counted == 25
    assert [s for s in early.summary if s[0] == "All inbound contacts"] == [
        ("All inbound contacts", 0, 0)  # like for like: neither later day is counted
    ]
    whole = review_figures(contacts, CUSTOMER_ID, date(2027, 12, 18))
    assert (whole.window_to, whole.previous_to) == (date(2027, 12, 17), date(2026, 12, 17))
    assert whole.complete
    assert ("All inbound contacts", 1, 1) in whole.summary
    assert whole.months[-1].label == "1-17 Dec 2027"  # the period's own end: not "to date"


def test_the_review_pack_never_counts_mail_we_sent_as_the_customers_contact() -> None:
    theirs = contact(1, at("2027-03-02"), Channel.EMAIL)
    ours = [
        contact(
            n,
            at("2027-03-02"),
            Channel.EMAIL,
            direction="outbound",
            disposition=Disposition.SENT,
            reason=reason,
            summary="Auto: boiler",
        )
        for n, reason in enumerate(("auto-reply", "forwarded-to-staff-mailbox"), start=2)
    ]
    figures = review_figures((theirs, *ours), CUSTOMER_ID, date(2027, 12, 18))
    assert ("All inbound contacts", 1, 0) in figures.summary
    assert sum(m.total for m in figures.months) == 1


def test_the_review_chart_is_a_png_of_the_months() -> None:
    figures = review_figures((contact(1, at("2027-03-02")),), CUSTOMER_ID, date(2027, 12, 18))
    png = chart_png(figures)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    from PIL import Image

    assert Image.open(BytesIO(png)).size == (1800, 820)


def test_the_review_pack_embeds_the_chart() -> None:
    story = review_pack_due()
    event = letter_event(story, LetterKind.REVIEW_PACK)
    body = draft_letter(
        LetterInputs(case=story.current, customer=CUSTOMER, event=event, policy=POLICY)
    )
    document = docx.Document(BytesIO(body))
    assert len(document.inline_shapes) == 1


# Strict, escaped rendering ---------------------------------------------------------------


def test_hostile_customer_text_renders_literally() -> None:
    customer = Customer(
        customer_id=CUSTOMER_ID,
        name=HOSTILE,
        address=PostalAddress(lines=("1 <Main> & Co {{ street }}",), postcode="DE1 <1AA>"),
    )
    story = Story()
    command = raise_concern().model_copy(update={"note": f"note: {HOSTILE}"})
    story.do(command, MANAGER, at("2026-11-02"))
    text = text_of(story, LetterKind.CONCERN, customer=customer)
    assert HOSTILE in text
    assert f"note: {HOSTILE}" in text
    assert "1 <Main> & Co {{ street }}" in text
    assert "DE1 <1AA>" in text
    assert "49" not in text  # {{ 7*7 }} was never evaluated

    hostile_restriction = LettersOnly(write_to=f"PO Box <1> & {{{{ x }}}} {HOSTILE}")
    story = concern_letter_sent()
    story.do(impose(hostile_restriction), HEAD, at("2027-03-01"))
    text = text_of(story, LetterKind.RESTRICTIONS, customer=customer)
    assert f"PO Box <1> & {{{{ x }}}} {HOSTILE}" in text


LEGACY_NAME = "Ada\u202e Tenant\r\nBcc: x@y.example\u2066"  # held from before input was checked


def test_a_legacy_name_with_bidi_controls_and_line_breaks_renders_as_one_clean_line() -> None:
    """Defence in depth (issue 14, finding 8): a name stored before the single-line check,
    reaching the letter unvalidated, prints as one line without bidi controls."""
    customer = CUSTOMER.model_copy(
        update={
            "name": LEGACY_NAME,
            "address": PostalAddress.model_construct(
                lines=("Flat 2\n14 Example Road", "\u202eDerby"), postcode="DE1\r9ZZ"
            ),
        }
    )
    story = concern_raised()
    body = draft_letter(
        LetterInputs(
            case=story.current,
            customer=customer,
            event=letter_event(story, LetterKind.CONCERN),
            policy=POLICY,
        )
    )
    document = docx.Document(BytesIO(body))
    texts = [p.text for p in document.paragraphs]
    everything = "".join(texts)
    assert not any(c in everything for c in "\u202e\u2066\r")
    assert "Ada Tenant Bcc: x@y.example" in texts  # its own paragraph, one line
    assert "Flat 2 14 Example Road" in texts
    assert "Derby" in texts
    assert "DE1 9ZZ" in texts
    for paragraph in document.paragraphs:  # no line break inside any of them
        assert not paragraph._p.xpath(".//w:br[not(@w:type='page')]"), paragraph.text


def test_a_legacy_officer_name_and_staff_signature_render_as_one_line() -> None:
    officer = single_point_of_contact().model_copy(
        update={"officer_name": "Pat\nContact\u202e", "officer_email": "pat.contact@example.org"}
    )
    story = concern_letter_sent()
    story.do(
        impose(officer), HEAD.model_copy(update={"name": "Hana\r\nHead\u200f"}), at("2027-03-01")
    )
    text = text_of(story, LetterKind.RESTRICTIONS)
    assert "through Pat Contact (pat.contact@example.org) only" in text
    assert "Hana Head" in text.splitlines()
    assert not any(c in text for c in "\u202e\u200f\r")


def test_hostile_contact_subjects_render_literally_in_the_review_pack() -> None:
    subject = f"Re: {HOSTILE}"
    contacts = (
        contact(1, at("2027-03-03"), disposition=Disposition.FILED_BLOCKED, summary=subject),
    )
    text = text_of(review_pack_due(), LetterKind.REVIEW_PACK, contacts=contacts)
    assert subject in text


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    # A name of control characters alone is no name: render refuses it (no-customer-name).
    name=st.text(min_size=1, max_size=60).filter(lambda s: one_line(s)),
    note=st.text(min_size=1, max_size=120).filter(lambda s: plain(s).strip()),
)
def test_any_name_and_note_render_as_written(name: str, note: str) -> None:
    customer = CUSTOMER.model_copy(update={"name": name})
    story = Story()
    story.do(raise_concern().model_copy(update={"note": note}), MANAGER, at("2026-11-02"))
    text = squashed(text_of(story, LetterKind.CONCERN, customer=customer))
    assert squashed(one_line(name)) in text  # a name is one line
    assert squashed(plain(note)) in text


def test_an_undefined_placeholder_is_an_error_never_a_gap(tmp_path: Path) -> None:
    template = tmp_path / "t.docx"
    document = docx.Document()
    document.add_paragraph("Dear {{ customer_name }}, {{ no_such_placeholder }}")
    document.save(str(template))
    with pytest.raises(UndefinedError):
        render_template(template, {"customer_name": "Alex"})

    (tmp_path / "concern.docx").write_bytes(template.read_bytes())
    prepared = prepare(
        LetterInputs(
            case=concern_raised().current,
            customer=CUSTOMER,
            event=letter_event(concern_raised(), LetterKind.CONCERN),
            policy=POLICY,
        )
    )
    with pytest.raises(TemplateFault) as refused:
        render(prepared, templates_dir=tmp_path)
    assert refused.value.problems == ("template-error",)


def test_a_template_edited_to_drop_required_content_is_refused(tmp_path: Path) -> None:
    """A Step 2 template without the Ombudsman and the appeal deadline is not issued."""
    document = docx.Document()
    for line in (
        "{{ customer_name }} {{ postcode }} {{ letter_date }} {{ reason }}",
        "{%p for b in behaviours %}",
        "{{ b }}",
        "{%p endfor %}",
        "{%p for r in restrictions %}",
        "{{ r.details }}",
        "{%p endfor %}",
        "{{ starts_on }} {{ last_day }} {{ review_on }} {{ appeal_route }}",
        "{%p for r in contact.routes %}",
        "{{ r.text }}",
        "{%p endfor %}",
        "{{ contact.emergency }}",
        "{{ org.adjustments_telephone }} {{ org.relay_uk }} {{ org.adjustments_email }}",
    ):
        document.add_paragraph(line)
    document.save(str(tmp_path / "restrictions.docx"))
    story = _restrictions_decided_on(date(2026, 12, 18))
    prepared = prepare(
        LetterInputs(
            case=story.current,
            customer=CUSTOMER,
            event=letter_event(story, LetterKind.RESTRICTIONS),
            policy=POLICY,
        )
    )
    with pytest.raises(TemplateFault) as refused:
        render(prepared, templates_dir=tmp_path)
    assert set(refused.value.problems) == {
        "template-lacks-appeal-deadline",
        "template-lacks-appeal-address",
        "template-lacks-ombudsman",
    }


def test_a_none_value_is_an_error_not_the_word_none(tmp_path: Path) -> None:
    template = tmp_path / "t.docx"
    document = docx.Document()
    document.add_paragraph("Dear {{ customer_name }}")
    document.save(str(template))
    with pytest.raises(Exception, match="no value"):
        render_template(template, {"customer_name": None})


# Required content -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", sorted(set(LetterKind) - {LetterKind.REVIEW_PACK}), ids=lambda k: k.value
)
def test_a_customer_with_no_postal_address_gets_no_letter(kind: LetterKind) -> None:
    story = STORIES[kind]()
    no_address = CUSTOMER.model_copy(update={"address": None})
    with pytest.raises(MissingContent) as refused:
        prepare(
            LetterInputs(
                case=story.current,
                customer=no_address,
                event=letter_event(story, kind),
                policy=POLICY,
            )
        )
    assert "no-postal-address" in refused.value.problems


def test_the_internal_review_pack_needs_no_postal_address() -> None:
    no_address = CUSTOMER.model_copy(update={"address": None})
    text = text_of(review_pack_due(), LetterKind.REVIEW_PACK, customer=no_address)
    assert "Twelve-month review pack" in text


def test_restrictions_without_behaviours_fall_back_to_the_concern() -> None:
    story = concern_letter_sent()
    story.do(impose().model_copy(update={"behaviours": ()}), HEAD, at("2027-03-01"))
    text = text_of(story, LetterKind.RESTRICTIONS)
    assert "Sending an excessive number of threatening emails" in text  # as the concern said


def test_an_immediate_letter_with_no_behaviours_at_all_is_not_issued() -> None:
    story = immediately_restricted()
    case = story.current
    assert case.decision is not None
    bare = case.model_copy(update={"decision": case.decision.model_copy(update={"behaviours": ()})})
    with pytest.raises(MissingContent) as refused:
        prepare(
            LetterInputs(
                case=bare,
                customer=CUSTOMER,
                event=letter_event(story, LetterKind.IMMEDIATE_RESTRICTIONS),
                policy=POLICY,
            )
        )
    assert refused.value.problems == ("no-behaviours",)


def test_a_prepared_letter_lists_what_it_must_contain() -> None:
    story = _restrictions_decided_on(date(2026, 12, 18))
    prepared: PreparedLetter = prepare(
        LetterInputs(
            case=story.current,
            customer=CUSTOMER,
            event=letter_event(story, LetterKind.RESTRICTIONS),
            policy=POLICY,
        )
    )
    items = {item for item, _ in prepared.required}
    assert items >= {
        "customer-name",
        "postal-address",
        "letter-date",
        "behaviours",
        "restrictions",
        "start-date",
        "end-date",
        "review-date",
        "permitted-channels",
        "appeal-route",
        "appeal-deadline",
        "ombudsman",
        "reason",
    }
    assert ("appeal-deadline", "13 January 2027") in prepared.required


# The generated templates and the preview -------------------------------------------------


def test_the_template_generator_is_reproducible_and_its_templates_carry_the_required_content(
    tmp_path: Path,
) -> None:
    from contactguard_local.letter_templates import write_templates

    first = {
        p.relative_to(tmp_path / "a").as_posix(): p.read_bytes()
        for p in write_templates(tmp_path / "a")
    }
    second = {
        p.relative_to(tmp_path / "b").as_posix(): p.read_bytes()
        for p in write_templates(tmp_path / "b")
    }
    assert first == second
    assert set(first) == {f"{k.value}.docx" for k in LetterKind} | {
        f"blocks/{name}.docx"
        for name in ("letterhead", "contact-now", "appeal-rights", "ombudsman", "help")
    }
    story = _restrictions_decided_on(date(2026, 12, 18))
    prepared = prepare(
        LetterInputs(
            case=story.current,
            customer=CUSTOMER,
            event=letter_event(story, LetterKind.RESTRICTIONS),
            policy=POLICY,
        )
    )
    assert "13 January 2027" in document_text(render(prepared, templates_dir=tmp_path / "a"))


def test_the_preview_renders_every_letter_from_a_sample_case(tmp_path: Path) -> None:
    from contactguard_local.letters_preview import render_all

    written = render_all(tmp_path)
    assert sorted(p.stem for p in written) == sorted(
        [k.value for k in LetterKind]
        + [f"{k.value}-large-print" for k in LetterKind if k is not LetterKind.REVIEW_PACK]
    )
    pack = document_text((tmp_path / "review-pack.docx").read_bytes())
    assert "All inbound contacts" in pack


def test_a_block_compiled_for_a_letter_is_not_reused_by_an_environment_that_escapes_otherwise() -> (
    None
):
    """Blocks are compiled once per process; a plain jinja environment (as docxtpl alone would
    use) filling the same template gets its own compilation, never the letters' escaping."""
    from io import BytesIO

    from docxtpl import DocxTemplate
    from jinja2 import Environment

    from letters.docx_render import PACKAGED, TEMPLATES_DIR, BlockLoader

    story = concern_raised()
    inputs = LetterInputs(
        case=story.current,
        customer=CUSTOMER,
        event=letter_event(story, LetterKind.CONCERN),
        policy=POLICY,
    )
    ours = document_text(render(prepare(inputs)))
    plain = DocxTemplate(TEMPLATES_DIR / "concern.docx")
    env = Environment(loader=BlockLoader(PACKAGED, plain.get_docx().element.nsmap, []))
    plain.render(prepare(inputs).context, jinja_env=env)
    out = BytesIO()
    plain.save(out)
    assert "If you need help" in document_text(out.getvalue())
    assert document_text(render(prepare(inputs))) == ours


# Restrictions varied mid-term (s.4, s.5) -------------------------------------------------------


@pytest.mark.policy("s4-restrictions-varied", "s5-appeal-15-working-days", "s5-ombudsman")
def test_a_variation_letter_says_what_applies_now_why_until_when_and_how_to_appeal() -> None:
    text = squashed(text_of(restrictions_varied(), LetterKind.RESTRICTIONS_VARIED))
    assert "Changes to the restrictions on how you contact us" in text
    assert "We wrote to you on 18 December 2026 about the restrictions" in text
    assert "they are all the restrictions that now apply to you" in text
    # The reason as recorded, escaped, never read as markup.
    assert "My reasons for the change: your letters have been calm <since January>" in text
    # Each restriction now in force, with its details; the old one is not among them.
    assert "A single point of contact: Your contact with us will be through Pat Contact" in text
    assert "Pat Contact" in text
    assert "Alex Advocate" in text
    assert "Contact by letter only" not in text
    # From the decision; the end date unchanged, "up to and including"; the review date.
    assert "The restrictions as changed apply from 1 March 2027, when the decision was made." in (
        text
    )
    assert "they apply up to and including 17 December 2027." in text
    assert "The review date is 22 November 2027" in text
    assert "send letters in large print" in text
    # How to contact us now, from the restrictions now in force, with the emergency line.
    assert "How you can contact us now" in text
    assert "Ask for Pat Contact" in text
    assert "In an emergency:" in text
    # A new right of appeal: 15 working days from the letter's date (1 March 2027).
    assert "Your right to appeal" in text
    assert "by 22 March 2027" in text
    assert "If you remain unhappy" in text
    assert "Housing Ombudsman" in text
    assert "If you need help" in text
    assert "Yours sincerely Hana Head Head of Service" in text


@pytest.mark.policy("s4-restrictions-varied")
def test_a_variation_letter_redrafted_later_keeps_the_day_the_change_applied_from() -> None:
    story = restrictions_varied()
    event = letter_event(story, LetterKind.RESTRICTIONS_VARIED)
    body = draft_letter(
        LetterInputs(
            case=story.current,
            customer=CUSTOMER,
            event=event,
            policy=POLICY,
            dated=date(2027, 3, 8),
        )
    )
    text = squashed(document_text(body))
    assert "Date: 8 March 2027" in text
    assert "apply from 1 March 2027, when the decision was made" in text
    # The appeal runs from the date the letter carries (Good Friday and Easter Monday skipped).
    assert "by 31 March 2027" in text


@pytest.mark.policy("s4-restrictions-varied")
def test_a_variation_letter_superseded_by_a_later_variation_is_not_issued() -> None:
    story = restrictions_varied()
    first = letter_event(story, LetterKind.RESTRICTIONS_VARIED)
    story.draft_and_send(LetterKind.RESTRICTIONS_VARIED, date(2027, 3, 1), HEAD)
    story.do(
        VaryRestrictions(
            restrictions=(letters_only(),), reason="the calls became abusive", equality=equality()
        ),
        HEAD,
        at("2027-04-05"),
    )
    with pytest.raises(MissingContent) as caught:
        prepare(LetterInputs(case=story.current, customer=CUSTOMER, event=first, policy=POLICY))
    assert "decision-superseded" in caught.value.problems
    text = squashed(text_of(story, LetterKind.RESTRICTIONS_VARIED))
    assert "We wrote to you on 1 March 2027 about the restrictions" in text
    assert "Contact by letter only:" in text
