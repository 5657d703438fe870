"""Visits to the landlord's offices by appointment only, at a named office."""

from __future__ import annotations

from typing import Literal

from contactguard.domain.model import Channel, SingleLine, one_line
from contactguard.domain.restrictions.base import (
    NO_EFFECT,
    ChannelEffect,
    EmailHandling,
    LetterWording,
    RestrictionType,
)


class AppointmentOnlyVisits(RestrictionType):
    type: Literal["appointment-only-visits"] = "appointment-only-visits"
    office: SingleLine

    def channel_effect(self, channel: Channel) -> ChannelEffect:
        if channel is Channel.VISIT:
            return ChannelEffect(True, f"visits by appointment only, at {self.office}")
        return NO_EFFECT

    def email_handling(self) -> EmailHandling | None:
        return None

    def letter_wording(self) -> LetterWording:
        return LetterWording(
            title="Visits by appointment only",
            details=f"You may visit us by appointment only, at {one_line(self.office)}.",
        )

    def contact_terms(self, channel: Channel) -> str | None:
        if channel is Channel.VISIT:
            return f"Visits are by appointment only, at {one_line(self.office)}."
        return None
