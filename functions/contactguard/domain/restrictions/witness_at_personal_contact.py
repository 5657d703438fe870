"""A witness present at any personal contact with staff."""

from __future__ import annotations

from typing import Literal

from contactguard.domain.model import Channel
from contactguard.domain.restrictions.base import (
    NO_EFFECT,
    ChannelEffect,
    EmailHandling,
    LetterWording,
    RestrictionType,
)


class WitnessAtPersonalContact(RestrictionType):
    type: Literal["witness-at-personal-contact"] = "witness-at-personal-contact"

    def channel_effect(self, channel: Channel) -> ChannelEffect:
        if channel is Channel.VISIT:
            return ChannelEffect(True, "personal contact only with an appropriate witness present")
        return NO_EFFECT

    def email_handling(self) -> EmailHandling | None:
        return None

    def letter_wording(self) -> LetterWording:
        return LetterWording(
            title="A witness at personal contact",
            details="Any personal contact with our staff will take place with an "
            "appropriate witness present.",
        )

    def contact_terms(self, channel: Channel) -> str | None:
        if channel is Channel.VISIT:
            return "An appropriate witness will be present when you meet our staff."
        return None
