"""The API's settings: the shared ones are all it needs. Validated once, cached."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from contactguard.settings import CoreSettings


class ApiSettings(CoreSettings):
    """The table, retention and the policy's periods (CoreSettings), and the letters bucket
    (read only: staff fetch a letter's document)."""

    letters_bucket: str = Field(min_length=3)  # CONTACTGUARD_LETTERS_BUCKET
    exports_bucket: str = Field(min_length=3)  # CONTACTGUARD_EXPORTS_BUCKET: subject access zips


@lru_cache(maxsize=1)
def api_settings() -> ApiSettings:
    return ApiSettings()  # values come from the environment
