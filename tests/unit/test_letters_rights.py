"""Issue 17: where to appeal as well as when, adjustments a customer can reach, and the
Ombudsman that handles this landlord's housing complaints with its telephone and post; every
detail from the organisation's document, so changing a number changes every letter."""

from __future__ import annotations

import pytest
from builders import POLICY
from test_letters_render import CUSTOMER, STORIES, letter_event, squashed, text_of

from contactguard.domain.case import LetterKind
from contactguard.domain.letter_kinds import LETTER_KINDS, Content
from contactguard.organisation import one_line_address, shipped_organisation
from letters.content import LetterInputs, draft_letter
from letters.docx_render import document_text

ORG = shipped_organisation()
POSTED = [k for k, spec in LETTER_KINDS.items() if not spec.internal]
APPEALABLE = [k for k, spec in LETTER_KINDS.items() if spec.appealable]
OMBUDSMAN = [k for k, spec in LETTER_KINDS.items() if Content.OMBUDSMAN in spec.must_contain]


def letter(kind: LetterKind) -> str:
    return squashed(text_of(STORIES[kind](), kind))


def test_the_kinds_are_the_ones_the_issue_names() -> None:
    assert set(APPEALABLE) == {
        LetterKind.RESTRICTIONS,
        LetterKind.IMMEDIATE_RESTRICTIONS,
        LetterKind.REVIEW_EXTENDED,
        # Issue 17, item 11: a variation of the restrictions in force is appealable too.
        LetterKind.RESTRICTIONS_VARIED,
    }
    assert {LetterKind.APPEAL_UPHELD, LetterKind.APPEAL_DISMISSED, LetterKind.APPEAL_VARIED} <= set(
        OMBUDSMAN
    )


@pytest.mark.policy("s5-appeal-to-cet")
@pytest.mark.parametrize("kind", APPEALABLE, ids=lambda k: k.value)
def test_every_letter_offering_an_appeal_says_where_by_post_and_email_and_without_writing(
    kind: LetterKind,
) -> None:
    text = letter(kind)
    address = one_line_address(ORG.appeal_address)
    assert f"By post: {ORG.appeals.team}, {ORG.name}, {address}" in text
    assert f"By email: {ORG.appeals.email}" in text
    assert "If you cannot write, someone else (an advocate, a friend or a family member)" in text
    assert "ask our adjustments team to take your appeal by telephone" in text


@pytest.mark.parametrize("kind", POSTED, ids=lambda k: k.value)
def test_every_posted_letter_says_how_to_reach_the_adjustments_team(kind: LetterKind) -> None:
    text = letter(kind)
    adjustments = ORG.adjustments
    assert (
        f"telephone {adjustments.telephone}, Relay UK {adjustments.relay_uk}, or email "
        f"{adjustments.email}." in text
    )


@pytest.mark.policy("s5-ombudsman")
@pytest.mark.parametrize("kind", OMBUDSMAN, ids=lambda k: k.value)
def test_the_ombudsman_that_handles_housing_complaints_is_named_with_telephone_and_post(
    kind: LetterKind,
) -> None:
    text = letter(kind)
    ombudsman = ORG.ombudsman
    assert f"The {ombudsman.name} deals with {ombudsman.handles}:" in text
    assert f"Telephone: {ombudsman.telephone}" in text
    assert f"Post: {one_line_address(ombudsman.address)}" in text
    assert f"Online: {ombudsman.website}" in text
    for other in ORG.other_ombudsmen:  # named for what they handle, not as equals
        assert f"The {other.name} deals with {other.handles}: telephone {other.telephone}" in text


def test_a_number_changed_in_the_organisation_s_document_changes_the_letter() -> None:
    story = STORIES[LetterKind.RESTRICTIONS]()
    event = letter_event(story, LetterKind.RESTRICTIONS)
    org = ORG.model_copy(
        update={
            "adjustments": ORG.adjustments.model_copy(update={"telephone": "0300 123 4567"}),
            "appeals": ORG.appeals.model_copy(update={"email": "appeals@landlord.example"}),
        }
    )
    body = draft_letter(
        LetterInputs(
            case=story.current, customer=CUSTOMER, event=event, policy=POLICY, organisation=org
        )
    )
    text = squashed(document_text(body))
    assert "telephone 0300 123 4567, Relay UK" in text
    assert "By email: appeals@landlord.example" in text
    assert ORG.appeals.email not in text


def test_no_telephone_number_is_split_across_two_lines() -> None:
    raw = text_of(STORIES[LetterKind.RESTRICTIONS](), LetterKind.RESTRICTIONS)
    numbers = [ORG.telephone, ORG.emergency.telephone, ORG.adjustments.relay_uk]
    numbers += [o.telephone for o in (ORG.ombudsman, *ORG.other_ombudsmen)]
    for telephone in numbers:
        assert telephone.replace(" ", "\u00a0") in raw  # no-break spaces
        assert telephone not in raw
