"""Ingest's settings: the shared ones plus the mail paths. Validated once, cached."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from contactguard.organisation import OrganisationSetting
from contactguard.settings import RAW_MAIL_PREFIX, CoreSettings


class IngestSettings(CoreSettings):
    raw_mail_bucket: str = Field(min_length=3)
    raw_mail_prefix: str = RAW_MAIL_PREFIX
    auto_reply_sender: str = Field(min_length=3)
    auto_reply_period_hours: int = Field(default=168, ge=1)
    alerts_topic_arn: str = Field(min_length=20)
    # CONTACTGUARD_ORGANISATION: the auto-reply gives its emergency line
    organisation: OrganisationSetting


@lru_cache(maxsize=1)
def ingest_settings() -> IngestSettings:
    return IngestSettings()  # values come from the environment
