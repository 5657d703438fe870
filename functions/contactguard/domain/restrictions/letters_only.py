"""No email or telephone contact accepted; correspondence by letter only."""

from __future__ import annotations

from typing import Literal

from contactguard.domain.model import Channel, SingleLine, one_line
from contactguard.domain.restrictions.base import (
    NO_EFFECT,
    ChannelEffect,
    EmailAction,
    EmailHandling,
    LetterWording,
    RestrictionType,
)


class LettersOnly(RestrictionType):
    """No email or telephone contact accepted; correspondence by letter only."""

    type: Literal["letters-only"] = "letters-only"
    write_to: SingleLine  # the postal address the customer should use

    def channel_effect(self, channel: Channel) -> ChannelEffect:
        if channel in (Channel.EMAIL, Channel.PHONE):
            return ChannelEffect(False, f"letters only: write to {self.write_to}")
        return NO_EFFECT

    def email_handling(self) -> EmailHandling | None:
        # Filed, never delivered, and read by the designated officer (DESIGN.md).
        return EmailHandling(
            action=EmailAction.FILE_AND_BLOCK,
            reason="letters-only restriction in force: email is not accepted",
            write_to=self.write_to,
        )

    def letter_wording(self) -> LetterWording:
        return LetterWording(
            title="Contact by letter only",
            details=(
                f"We will not accept emails or telephone calls from you. Please write to "
                f"us at: {one_line(self.write_to)}. Emails you send will not be answered: they "
                f"will be kept on your file and read by a named officer for any new information."
            ),
        )

    def contact_terms(self, channel: Channel) -> str | None:
        return None  # it closes email and telephone; letters go to write_to (email_handling)
