"""Letters' settings: the shared ones plus the letters bucket, the alerts topic and the
organisation's details (contactguard.organisation)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from contactguard.organisation import OrganisationSetting
from contactguard.settings import CoreSettings


class LettersSettings(CoreSettings):
    letters_bucket: str = Field(min_length=3)  # CONTACTGUARD_LETTERS_BUCKET
    alerts_topic_arn: str = Field(min_length=20)  # CONTACTGUARD_ALERTS_TOPIC_ARN
    # CONTACTGUARD_ORGANISATION: the whole JSON document, or empty for the packaged one
    organisation: OrganisationSetting


@lru_cache(maxsize=1)
def letters_settings() -> LettersSettings:
    return LettersSettings()  # values come from the environment
