"""The API's settings: the shared ones are all it needs. Validated once, cached."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from contactguard.settings import RAW_MAIL_PREFIX, CoreSettings


class ApiSettings(CoreSettings):
    """The table, retention and the policy's periods (CoreSettings), the letters bucket
    (staff fetch a letter's document) and the raw mail bucket (erasure deletes from both)."""

    letters_bucket: str = Field(min_length=3)  # CONTACTGUARD_LETTERS_BUCKET
    raw_mail_bucket: str = Field(min_length=3)  # CONTACTGUARD_RAW_MAIL_BUCKET
    raw_mail_prefix: str = RAW_MAIL_PREFIX
    exports_bucket: str = Field(min_length=3)  # CONTACTGUARD_EXPORTS_BUCKET: subject access zips


@lru_cache(maxsize=1)
def api_settings() -> ApiSettings:
    return ApiSettings()  # values come from the environment
