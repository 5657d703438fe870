"""The letter-kind table (`contactguard.domain.letter_kinds.LETTER_KINDS`): one row per kind,
complete and consistent at import, and what the letters function, the lifecycle and the
template generator read."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest
from test_letters_render import CUSTOMER, POLICY, STORIES, letter_event

from contactguard.domain import letter_kinds
from contactguard.domain.letter_kinds import LETTER_KINDS, Content, LetterKind
from contactguard.domain.model import Role
from letters import content
from letters.content import LetterInputs, prepare
from letters.docx_render import MissingContent


def _prepared_items(kind: LetterKind) -> set[str]:
    story = STORIES[kind]()
    prepared = prepare(
        LetterInputs(
            case=story.current, customer=CUSTOMER, event=letter_event(story, kind), policy=POLICY
        )
    )
    assert prepared.template_name == LETTER_KINDS[kind].template
    return {item for item, _ in prepared.required}


@pytest.mark.parametrize("kind", list(LetterKind), ids=lambda k: k.value)
def test_each_kind_is_checked_for_exactly_what_its_row_says_it_must_contain(
    kind: LetterKind,
) -> None:
    assert _prepared_items(kind) == {c.value for c in LETTER_KINDS[kind].must_contain}


def test_the_table_has_one_row_per_kind_and_the_checks_refuse_a_missing_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert set(LETTER_KINDS) == set(LetterKind)
    partial = {k: v for k, v in LETTER_KINDS.items() if k is not LetterKind.REVIEW_CLOSED}
    monkeypatch.setattr(letter_kinds, "LETTER_KINDS", MappingProxyType(partial))
    with pytest.raises(AssertionError, match="review-closed"):
        letter_kinds._check_every_letter_kind_has_its_row()


@pytest.mark.parametrize(
    ("kind", "change", "problem"),
    [
        (LetterKind.CONCERN, {"senders": frozenset()}, "needs its senders"),
        (LetterKind.CONCERN, {"signed_as": Role.EXECUTIVE}, "does not send it"),
        (LetterKind.REVIEW_CLOSED, {"appealable": True}, "states the appeal route"),
        (LetterKind.REVIEW_PACK, {"senders": frozenset({Role.HEAD_OF_SERVICE})}, "never sent"),
        (LetterKind.APPEAL_UPHELD, {"template": "concern.docx"}, "share a template"),
        (LetterKind.APPEAL_UPHELD, {"kind": LetterKind.CONCERN}, "its row is"),
        (
            LetterKind.CONCERN,
            {"must_contain": frozenset({Content.CUSTOMER_NAME, Content.LETTER_DATE})},
            "postal address",
        ),
    ],
)
def test_a_row_that_contradicts_itself_fails_the_import_check(
    monkeypatch: pytest.MonkeyPatch, kind: LetterKind, change: dict[str, object], problem: str
) -> None:
    rows = dict(LETTER_KINDS)
    rows[kind] = dataclasses.replace(rows[kind], **change)  # type: ignore[arg-type]
    monkeypatch.setattr(letter_kinds, "LETTER_KINDS", MappingProxyType(rows))
    with pytest.raises(AssertionError, match=problem):
        letter_kinds._check_every_letter_kind_has_its_row()


def test_every_kind_has_a_content_builder_and_a_template_builder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from contactguard_local import letter_templates

    assert set(content.CONTENT) == set(LetterKind)
    assert set(letter_templates.TEMPLATES) == set(LetterKind)
    monkeypatch.delitem(content.CONTENT, LetterKind.CONCERN)
    with pytest.raises(AssertionError, match="concern"):
        content._check_every_letter_kind_has_its_content()
    monkeypatch.delitem(letter_templates.TEMPLATES, LetterKind.CONCERN)
    with pytest.raises(AssertionError, match="concern"):
        letter_templates._check_every_letter_kind_has_its_template()


def test_a_row_asking_for_content_its_builder_does_not_give_is_not_issued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = dict(LETTER_KINDS)
    concern = rows[LetterKind.CONCERN]
    rows[LetterKind.CONCERN] = dataclasses.replace(
        concern, must_contain=concern.must_contain | {Content.REVIEW_DUE_DATE}
    )
    monkeypatch.setattr(content, "LETTER_KINDS", MappingProxyType(rows))
    with pytest.raises(MissingContent) as refused:
        _prepared_items(LetterKind.CONCERN)
    assert refused.value.problems == ("no-review-due-date",)


def test_only_the_internal_review_pack_has_no_senders_and_goes_to_the_head_of_service() -> None:
    internal = {k for k, spec in LETTER_KINDS.items() if spec.internal}
    assert internal == {LetterKind.REVIEW_PACK}
    assert {k for k, spec in LETTER_KINDS.items() if not spec.senders} == internal
    assert LETTER_KINDS[LetterKind.REVIEW_PACK].drafted_for == {Role.HEAD_OF_SERVICE}


def test_the_letters_that_close_a_step_go_from_its_deciders_and_open_no_appeal() -> None:
    closing = {
        LetterKind.CONCERN_CLOSED: ({Role.SERVICE_MANAGER}, Role.SERVICE_MANAGER),
        LetterKind.LATE_APPEAL_DECLINED: (
            {Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE},
            Role.SERVICE_MANAGER,  # or the Head of Service who declined it, in their title
        ),
        LetterKind.CASE_CLOSED: (
            {Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE},
            Role.HEAD_OF_SERVICE,
        ),
    }
    for kind, (senders, signed_as) in closing.items():
        spec = LETTER_KINDS[kind]
        assert (spec.senders, spec.signed_as) == (senders, signed_as), kind
        assert not spec.appealable, kind
        assert not spec.date_bound, kind
        assert not spec.internal, kind
    assert Content.DECISION in LETTER_KINDS[LetterKind.CONCERN_CLOSED].must_contain
    # The appeal route has ended: the restrictions that stay, and the Ombudsman.
    declined = LETTER_KINDS[LetterKind.LATE_APPEAL_DECLINED].must_contain
    assert {Content.REASON, Content.OMBUDSMAN, Content.EMERGENCY_LINE} <= declined
    assert {Content.REASON, Content.END_DATE} <= LETTER_KINDS[LetterKind.CASE_CLOSED].must_contain
