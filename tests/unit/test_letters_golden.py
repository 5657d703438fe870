"""Golden letters: the text of every letter kind, and of a restriction letter for each
restriction type, as a customer reads it (tests/fixtures/letters_golden). A changed word is a
changed letter: rerun with UPDATE_GOLDEN=1 and read the diff before committing."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import restrictions_decided
from test_letters_render import STORIES, text_of
from test_restriction_types import EXAMPLES

from contactguard.domain.case import LetterKind
from contactguard.domain.restrictions import Restriction
from golden import Golden

FOLDER = Path(__file__).parents[1] / "fixtures" / "letters_golden"


def lines(text: str) -> list[str]:
    """The letter's lines as read (a telephone number's no-break spaces read as spaces:
    test_letters_rights checks they are there)."""
    return [line.replace("\u00a0", " ") for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("kind", list(LetterKind), ids=lambda k: k.value)
def test_golden_letter(kind: LetterKind, golden: Golden) -> None:
    golden.check(FOLDER / f"{kind.value}.json", lines(text_of(STORIES[kind](), kind)))


@pytest.mark.parametrize("restriction", EXAMPLES, ids=lambda r: r.type)
def test_golden_restriction_letter_for_each_type(restriction: Restriction, golden: Golden) -> None:
    text = text_of(restrictions_decided(restriction), LetterKind.RESTRICTIONS)
    golden.check(FOLDER / f"restrictions-{restriction.type}.json", lines(text))
