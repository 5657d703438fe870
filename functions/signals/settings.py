"""Signals' settings: the thresholds a Service Manager wants to hear about."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field

from contactguard.domain.signals import VolumeThresholds
from contactguard.settings import CoreSettings


class SignalsSettings(CoreSettings):
    alerts_topic_arn: str = Field(min_length=20)
    volume_per_day: int = Field(default=5, ge=1)
    volume_per_week: int = Field(default=15, ge=1)
    volume_per_month: int = Field(default=40, ge=1)

    def thresholds(self) -> VolumeThresholds:
        return VolumeThresholds(self.volume_per_day, self.volume_per_week, self.volume_per_month)


@lru_cache(maxsize=1)
def signals_settings() -> SignalsSettings:
    return SignalsSettings()  # values come from the environment
