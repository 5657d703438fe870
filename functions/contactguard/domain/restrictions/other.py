"""Any other restriction, in free text: a condition on every channel, blocking none."""

from __future__ import annotations

from typing import Literal

from contactguard.domain.model import Channel, NonBlank
from contactguard.domain.restrictions.base import (
    ChannelEffect,
    EmailHandling,
    LetterWording,
    RestrictionType,
)


class OtherRestriction(RestrictionType):
    type: Literal["other"] = "other"
    details: NonBlank

    def channel_effect(self, channel: Channel) -> ChannelEffect:
        return ChannelEffect(True, self.details)

    def email_handling(self) -> EmailHandling | None:
        return None

    def letter_wording(self) -> LetterWording:
        return LetterWording(title="Other", details=self.details)

    def contact_terms(self, channel: Channel) -> str | None:
        return self.details
