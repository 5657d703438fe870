"""The export function's settings: the table (CoreSettings), and the buckets it reads and
writes. Validated once, cached."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from contactguard.settings import CoreSettings


class ExportSettings(CoreSettings):
    letters_bucket: str = Field(min_length=3)  # CONTACTGUARD_LETTERS_BUCKET: read, versions too
    raw_mail_bucket: str = Field(min_length=3)  # CONTACTGUARD_RAW_MAIL_BUCKET: inbound/, sent/
    raw_mail_prefix: str = "inbound/"
    exports_bucket: str = Field(min_length=3)  # CONTACTGUARD_EXPORTS_BUCKET: the zips


@lru_cache(maxsize=1)
def export_settings() -> ExportSettings:
    return ExportSettings()  # values come from the environment
