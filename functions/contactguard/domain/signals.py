"""Signals for judgement: facts about a contact that a Service Manager should see.

The policy says judgement decides (s.2: "Judgement will be used..."); these functions only
inform. They never change a case. Word lists are data (contactguard/data/lexicon.json),
maintained by staff, passed in here as values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Flag(StrEnum):
    ABUSIVE_LANGUAGE = "abusive-language"
    THREATENING_LANGUAGE = "threatening-language"
    SAFEGUARDING = "safeguarding"  # alerts the safeguarding lead at once


@dataclass(frozen=True)
class Lexicon:
    """Phrases per flag, lower case; a phrase matches on word boundaries."""

    phrases: dict[Flag, tuple[str, ...]]

    @classmethod
    def from_mapping(cls, data: dict[str, Iterable[str]]) -> Lexicon:
        return cls(
            phrases={
                Flag(name): tuple(sorted({p.strip().lower() for p in words if p.strip()}))
                for name, words in data.items()
                if not name.startswith("_")  # "_about" and other notes
            }
        )

    def patterns(self) -> dict[Flag, re.Pattern[str]]:
        compiled: dict[Flag, re.Pattern[str]] = {}
        for flag, phrases in self.phrases.items():
            if not phrases:
                continue
            alternatives = "|".join(
                r"\s+".join(re.escape(word) for word in phrase.split()) for phrase in phrases
            )
            compiled[flag] = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return compiled


def language_flags(text: str, patterns: dict[Flag, re.Pattern[str]]) -> tuple[Flag, ...]:
    """Which flags the words of `text` raise, in a stable order."""
    return tuple(flag for flag in Flag if flag in patterns and patterns[flag].search(text))
