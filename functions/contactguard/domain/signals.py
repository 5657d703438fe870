"""Signals for judgement: facts about a contact that a Service Manager should see.

The policy says judgement decides (s.2: "Judgement will be used..."); these functions only
inform. They never change a case. Word lists are data (contactguard/data/lexicon.json),
maintained by staff, passed in here as values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from difflib import SequenceMatcher
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


# Volume and nature across all channels (DESIGN.md, "Signals for judgement"). ----------------


@dataclass(frozen=True)
class VolumeThresholds:
    """Contacts per customer that a Service Manager wants to hear about (configurable)."""

    per_day: int = 5
    per_week: int = 15
    per_month: int = 40


@dataclass(frozen=True)
class PastContact:
    at: datetime
    channel: str
    text: str


def volume_signals(
    times: Sequence[datetime], at: datetime, thresholds: VolumeThresholds
) -> tuple[str, ...]:
    """Which thresholds the contacts up to `at` cross: day (24 h), week (7 d), month (30 d)."""
    found = []
    for name, span, limit in (
        ("day", timedelta(days=1), thresholds.per_day),
        ("week", timedelta(days=7), thresholds.per_week),
        ("month", timedelta(days=30), thresholds.per_month),
    ):
        count = sum(1 for t in times if at - span < t <= at)
        if count > limit:
            found.append(f"volume-{name}")
    return tuple(found)


def _normalise(text: str) -> str:
    text = re.sub(r"^\s*((re|fw|fwd|aw)\s*:\s*)+", "", text.lower())
    return " ".join(re.findall(r"[a-z0-9]+", text))


def similarity(a: str, b: str) -> float:
    """0..1: how alike two texts are once case, punctuation and reply prefixes are gone."""
    left, right = _normalise(a), _normalise(b)
    if not left or not right:
        return 0.0
    return SequenceMatcher(None, left, right, autojunk=False).ratio()


def nature_signals(
    text: str, channel: str, recent: Sequence[PastContact], *, alike: float = 0.8
) -> tuple[str, ...]:
    """The same complaint repeated with minor differences; one issue through several routes."""
    similar = [p for p in recent if similarity(text, p.text) >= alike]
    found = []
    if len(similar) >= 2:
        found.append("repeated-with-minor-differences")
    if len({p.channel for p in similar} | {channel}) >= 3:
        found.append("scattergun")
    return tuple(found)
