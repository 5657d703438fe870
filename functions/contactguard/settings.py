"""Settings shared by every function: one pydantic-settings model, validated once and cached.

Each Lambda reads its environment once, here; business logic receives values, never reads
`os.environ`. Variable names are the template's (infra/template.yaml, Globals).
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from contactguard.domain.calendar import HolidayRegion, WorkingDayCalendar
from contactguard.domain.model import normalise_email
from contactguard.domain.policy import Policy, PolicyTerms
from contactguard.domain.retention import RetentionSchedule, parse_overrides

# The policy's terms: their defaults are PolicyTerms' (written once, in the domain); each is
# a template parameter (infra/template.yaml) that reaches every function through Globals.
_TERMS = PolicyTerms()


# Where SES's receipt rule stores raw messages (infra/template.yaml sets the same prefix);
# ingest reads them there, delivery forwards from there.
RAW_MAIL_PREFIX = "inbound/"


class CoreSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTACTGUARD_", extra="ignore", frozen=True)

    table_name: str = Field(min_length=3)  # required: no silent default
    retention_years: int = Field(default=6, ge=1, le=100)
    # RetentionSchedule: `kind=period` overrides of contactguard.domain.retention.RULES (empty:
    # every default; docs/data-protection.md lists them), checked here so a bad value stops
    # the function at its cold start, not at the first record written.
    retention_schedule: str = ""
    holiday_region: HolidayRegion = HolidayRegion.ENGLAND_AND_WALES
    closure_dates: Annotated[tuple[date, ...], NoDecode] = ()
    appeal_window_working_days: int = Field(default=_TERMS.appeal_window_working_days, ge=1)
    appeal_review_working_days: int = Field(default=_TERMS.appeal_review_working_days, ge=1)
    appeal_review_reminder_working_days: int = Field(
        default=_TERMS.appeal_review_reminder_working_days, ge=0
    )
    restriction_months: int = Field(default=_TERMS.restriction_months, ge=1)
    concern_follow_up_working_days: int = Field(default=_TERMS.concern_follow_up_working_days, ge=1)
    review_pack_lead_working_days: int = Field(default=_TERMS.review_pack_lead_working_days, ge=1)
    letter_unsent_reminder_working_days: int = Field(
        default=_TERMS.letter_unsent_reminder_working_days, ge=1
    )
    # OrganisationDomains: where a single point of contact's officer address must be.
    organisation_domains: Annotated[tuple[str, ...], NoDecode] = Field(
        default=_TERMS.organisation_domains, min_length=1
    )

    @field_validator("closure_dates", mode="before")
    @classmethod
    def _split_dates(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("retention_schedule")
    @classmethod
    def _retention_overrides(cls, value: str) -> str:
        parse_overrides(value)  # raises ValueError with what is wrong
        return value

    def retention(self) -> RetentionSchedule:
        return RetentionSchedule.of(
            self.retention_years,
            parse_overrides(self.retention_schedule),
            restriction_months=self.restriction_months,
        )

    @field_validator("organisation_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("organisation_domains")
    @classmethod
    def _domain_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        domains = []
        for domain in value:
            try:  # a domain is what may follow the @ of an address
                domains.append(normalise_email(f"postmaster@{domain}").partition("@")[2])
            except ValueError:
                raise ValueError("each organisation domain must be a domain name") from None
        return tuple(dict.fromkeys(domains))

    def policy(self) -> Policy:
        return Policy(
            calendar=WorkingDayCalendar.from_settings(self.holiday_region, self.closure_dates),
            # Every term is a setting of the same name (test_template_settings checks it).
            terms=PolicyTerms(**{t.name: getattr(self, t.name) for t in fields(PolicyTerms)}),
        )


@lru_cache(maxsize=1)
def core_settings() -> CoreSettings:
    return CoreSettings()  # values come from the environment
