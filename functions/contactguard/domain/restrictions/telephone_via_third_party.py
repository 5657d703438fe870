"""Telephone contact only through a named third party (a solicitor, councillor, friend...)."""

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


class TelephoneViaThirdParty(RestrictionType):
    type: Literal["telephone-via-third-party"] = "telephone-via-third-party"
    third_party: SingleLine  # who may call on the customer's behalf
    relationship: SingleLine  # solicitor, councillor, friend, family member...

    def channel_effect(self, channel: Channel) -> ChannelEffect:
        if channel is Channel.PHONE:
            return ChannelEffect(
                True, f"telephone only through {self.third_party} ({self.relationship})"
            )
        return NO_EFFECT

    def email_handling(self) -> EmailHandling | None:
        return None

    def letter_wording(self) -> LetterWording:
        return LetterWording(
            title="Telephone contact only through a third party",
            details=(
                f"We will take telephone calls about your enquiries only from "
                f"{one_line(self.third_party)} ({one_line(self.relationship)}), acting on your "
                f"behalf."
            ),
        )

    def contact_terms(self, channel: Channel) -> str | None:
        if channel is Channel.PHONE:
            return (
                f"Only {one_line(self.third_party)} ({one_line(self.relationship)}) may call "
                f"us, on your behalf."
            )
        return None
