"""Delivery's settings: where staff read customer email, and who it comes from."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from pydantic import Field

from contactguard.domain.model import EmailAddress
from contactguard.settings import RAW_MAIL_PREFIX, CoreSettings


class DeliveryMode(StrEnum):
    FORWARD = "forward"  # this function forwards accepted mail with SES (any mailbox)
    WORKMAIL = "workmail"  # SES's WorkMail action delivers accepted mail; we route officers


class DeliverySettings(CoreSettings):
    staff_mailbox: EmailAddress
    forwarding_sender: EmailAddress
    raw_mail_bucket: str = Field(min_length=3)
    raw_mail_prefix: str = RAW_MAIL_PREFIX
    delivery_mode: DeliveryMode = DeliveryMode.FORWARD
    delivery_link_hours: int = Field(default=12, ge=1, le=168)
    delivery_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)


@lru_cache(maxsize=1)
def delivery_settings() -> DeliverySettings:
    return DeliverySettings()  # values come from the environment
