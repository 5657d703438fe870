"""The purge's settings: the shared ones (the retention schedule) plus the two buckets."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from contactguard.settings import RAW_MAIL_PREFIX, CoreSettings


class PurgeSettings(CoreSettings):
    raw_mail_bucket: str = Field(min_length=3)
    raw_mail_prefix: str = RAW_MAIL_PREFIX
    letters_bucket: str = Field(min_length=3)


@lru_cache(maxsize=1)
def purge_settings() -> PurgeSettings:
    return PurgeSettings()  # values come from the environment
