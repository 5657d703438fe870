"""Deadlines' settings: the shared ones plus the scheduler's target. Validated once."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from contactguard.settings import CoreSettings


class DeadlinesSettings(CoreSettings):
    schedule_group: str = Field(min_length=1)
    deadlines_function_arn: str = Field(min_length=20)
    scheduler_role_arn: str = Field(min_length=20)
    dead_letter_arn: str = Field(min_length=20)
    alerts_topic_arn: str = Field(min_length=20)


@lru_cache(maxsize=1)
def deadlines_settings() -> DeadlinesSettings:
    return DeadlinesSettings()  # values come from the environment
