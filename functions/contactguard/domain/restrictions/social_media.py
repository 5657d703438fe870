"""The landlord's social media sites restricted or denied to the customer."""

from __future__ import annotations

from typing import Literal

from contactguard.domain.model import Channel, NonBlank
from contactguard.domain.restrictions.base import (
    NO_EFFECT,
    ChannelEffect,
    EmailHandling,
    LetterWording,
    RestrictionType,
)


class SocialMediaRestriction(RestrictionType):
    type: Literal["social-media"] = "social-media"
    details: NonBlank  # restricted or denied, which sites

    def channel_effect(self, channel: Channel) -> ChannelEffect:
        if channel is Channel.SOCIAL_MEDIA:
            return ChannelEffect(False, f"social media restricted: {self.details}")
        return NO_EFFECT

    def email_handling(self) -> EmailHandling | None:
        return None

    def letter_wording(self) -> LetterWording:
        return LetterWording(title="Our social media sites", details=self.details)

    def contact_terms(self, channel: Channel) -> str | None:
        return None  # it closes our social media sites to the customer
