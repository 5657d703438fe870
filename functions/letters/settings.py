"""Letters' settings: the shared ones plus the letters bucket and the alerts topic."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from contactguard.settings import CoreSettings


class LettersSettings(CoreSettings):
    letters_bucket: str = Field(min_length=3)  # CONTACTGUARD_LETTERS_BUCKET
    alerts_topic_arn: str = Field(min_length=20)  # CONTACTGUARD_ALERTS_TOPIC_ARN


@lru_cache(maxsize=1)
def letters_settings() -> LettersSettings:
    return LettersSettings()  # values come from the environment
