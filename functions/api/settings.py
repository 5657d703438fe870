"""The API's settings: the shared ones are all it needs. Validated once, cached."""

from __future__ import annotations

from functools import lru_cache

from contactguard.settings import CoreSettings


class ApiSettings(CoreSettings):
    """The table, retention and the policy's periods (CoreSettings); nothing of its own yet."""


@lru_cache(maxsize=1)
def api_settings() -> ApiSettings:
    return ApiSettings()  # values come from the environment
