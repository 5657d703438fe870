"""Language signals inform a manager's judgement; they are data-driven and never decide."""

from __future__ import annotations

import pytest

from contactguard.domain.signals import Flag, Lexicon, language_flags
from contactguard.lexicon import default_patterns


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("Please can you fix the boiler, it has been three weeks.", ()),
        ("You are USELESS and incompetent.", (Flag.ABUSIVE_LANGUAGE,)),
        ("I know where   you live.", (Flag.THREATENING_LANGUAGE,)),
        ("Some days I feel I can't go on like this.", (Flag.SAFEGUARDING,)),
        (
            "You idiots, watch your back. I want to kill myself.",
            (Flag.ABUSIVE_LANGUAGE, Flag.THREATENING_LANGUAGE, Flag.SAFEGUARDING),
        ),
        # word boundaries: "Scunthorpe" and "assassin" style false positives are avoided
        ("I moved from Scunthorpe; the pathway is uneven.", ()),
        ("The liaison officer was helpful.", ()),
    ],
)
def test_the_shipped_lexicon_flags_what_a_manager_should_see(
    text: str, flags: tuple[Flag, ...]
) -> None:
    assert language_flags(text, default_patterns()) == flags


def test_a_lexicon_is_data_and_ignores_notes() -> None:
    lexicon = Lexicon.from_mapping({"_about": ["ignored"], "abusive-language": ["Rotter "]})
    assert lexicon.phrases == {Flag.ABUSIVE_LANGUAGE: ("rotter",)}
    assert language_flags("what a rotter", lexicon.patterns()) == (Flag.ABUSIVE_LANGUAGE,)
    assert language_flags("ignored", lexicon.patterns()) == ()
