"""Loads the staff-maintained word lists shipped with the package (data/lexicon.json)."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from contactguard.domain.signals import Flag, Lexicon


@lru_cache(maxsize=1)
def default_patterns() -> dict[Flag, re.Pattern[str]]:
    text = resources.files("contactguard").joinpath("data/lexicon.json").read_text("utf-8")
    return Lexicon.from_mapping(json.loads(text)).patterns()
