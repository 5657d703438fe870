"""A single point of contact: a named officer, on set days and times; email goes to them."""

from __future__ import annotations

from datetime import time
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from contactguard.domain.errors import RuleViolation
from contactguard.domain.model import (
    Channel,
    EmailAddress,
    SingleLine,
    Weekday,
    in_domains,
    one_line,
)
from contactguard.domain.policy import PolicyTerms
from contactguard.domain.restrictions.base import (
    NO_EFFECT,
    ChannelEffect,
    EmailAction,
    EmailHandling,
    LetterWording,
    RestrictionType,
    join_words,
)


class SinglePointOfContact(RestrictionType):
    type: Literal["single-point-of-contact"] = "single-point-of-contact"
    officer_id: SingleLine
    officer_name: SingleLine
    officer_email: EmailAddress
    days: Annotated[tuple[Weekday, ...], Field(min_length=1)]
    from_time: time
    to_time: time

    @field_validator("to_time")
    @classmethod
    def _after_from(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("from_time")
        if start is not None and value <= start:
            raise ValueError("to_time must be after from_time")
        return value

    def channel_effect(self, channel: Channel) -> ChannelEffect:
        if channel in (Channel.EMAIL, Channel.PHONE, Channel.VISIT):
            days = ", ".join(d.value.capitalize() for d in self.days)
            return ChannelEffect(
                True,
                f"contact through {self.officer_name} only, {days} "
                f"{self.from_time:%H:%M}-{self.to_time:%H:%M}",
            )
        return NO_EFFECT

    def email_handling(self) -> EmailHandling | None:
        return EmailHandling(
            action=EmailAction.ROUTE_TO_OFFICER,
            reason="single point of contact in force",
            officer_email=self.officer_email,
        )

    def _days(self) -> str:
        return join_words([d.value.capitalize() for d in self.days])

    def letter_wording(self) -> LetterWording:
        days = self._days()
        return LetterWording(
            title="A single point of contact",
            details=(
                f"Your contact with us will be through {one_line(self.officer_name)} "
                f"({one_line(self.officer_email)}) only, on {days} between "
                f"{self.from_time:%H:%M} and {self.to_time:%H:%M}."
            ),
        )

    def check_terms(self, terms: PolicyTerms) -> None:
        # The officer's mail goes to this address: it must be the organisation's own.
        if not in_domains(self.officer_email, terms.organisation_domains):
            raise RuleViolation(
                "officer-address-in-organisation",
                "a single point of contact's email address must be in one of the "
                "organisation's own domains (OrganisationDomains)",
            )

    def contact_terms(self, channel: Channel) -> str | None:
        name = one_line(self.officer_name)
        when = f"on {self._days()} between {self.from_time:%H:%M} and {self.to_time:%H:%M}"
        return {
            Channel.LETTER: f"Mark your letter for the attention of {name}.",
            Channel.EMAIL: f"Your emails go to {name} only, who deals with them {when}.",
            Channel.PHONE: f"Ask for {name}, who takes your calls {when} only.",
            Channel.VISIT: f"You will see {name}, {when} only.",
        }.get(channel)
