"""The policy's terms and its date rules, each written once.

`PolicyTerms` holds the periods the policy and DESIGN.md set (the defaults here are the only
place they are written in code: the settings take theirs from this class, and every term is a
template parameter operators can set). `Policy` pairs the terms with the working-day calendar
and names each date rule the case lifecycle, its recalculation, the letters and the deadlines
use, so they cannot disagree:

- `appeal_window_closes`: N working days from the day the decision letter is sent;
- `appeal_review_due`: N working days from the review clock's start (the appeal's receipt,
  or a late appeal's acceptance); `appeal_review_reminder`: N working days before that;
- `restriction_dates`: a period's end (`restriction_ends`, N calendar months from its first
  day) and its review pack's date (`review_pack_due`, N working days before the end);
- `concern_follow_up_due`: N working days from the day the concern letter is sent;
- `unsent_letter_reminder_due`: N working days after a draft landed, per reminder given;
- `letter_dated`: the day a letter carries (a working day).

"Within N working days of D" is the calendar's: the N-th working day strictly after D.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from contactguard.domain.calendar import WorkingDayCalendar, add_calendar_months


@dataclass(frozen=True)
class PolicyTerms:
    """The periods the policy and DESIGN.md set; each is a template parameter (README)."""

    appeal_window_working_days: int = 15  # s.5
    appeal_review_working_days: int = 30  # s.5
    appeal_review_reminder_working_days: int = 5
    restriction_months: int = 12  # s.4, s.6
    concern_follow_up_working_days: int = 20
    review_pack_lead_working_days: int = 20
    letter_unsent_reminder_working_days: int = 2
    # The organisation's own mail domains (and their subdomains): a single point of contact's
    # address must be in one, so a customer's mail is never routed outside the organisation.
    # The defaults are the example landlord domains this repository uses; a deployment sets
    # its own (the template's OrganisationDomains).
    organisation_domains: tuple[str, ...] = ("example.org", "landlord.example")


@dataclass(frozen=True)
class PeriodDates:
    """A restriction period's dates as the policy computes them from its first day."""

    first_day: date
    ends_on: date  # restrictions end at the start of this day (London)
    review_pack_due_on: date


@dataclass(frozen=True)
class Policy:
    calendar: WorkingDayCalendar = field(default_factory=WorkingDayCalendar)
    terms: PolicyTerms = field(default_factory=PolicyTerms)

    # s.5: the customer may appeal within N working days of the decision letter being sent.
    def appeal_window_closes(self, letter_sent_on: date) -> date:
        return self.calendar.working_days_after(
            letter_sent_on, self.terms.appeal_window_working_days
        )

    # s.5: an independent review within N working days of the appeal's receipt (or of a late
    # appeal's acceptance: the review could not start before it).
    def appeal_review_due(self, clock_from: date) -> date:
        return self.calendar.working_days_after(clock_from, self.terms.appeal_review_working_days)

    # The reviewer is reminded N working days before the review is due.
    def appeal_review_reminder(self, review_due_on: date) -> date:
        return self.calendar.working_days_before(
            review_due_on, self.terms.appeal_review_reminder_working_days
        )

    # s.4, s.6: restrictions last N calendar months from their first day; an extension runs N
    # months from the old end date.
    def restriction_ends(self, first_day: date) -> date:
        return add_calendar_months(first_day, self.terms.restriction_months)

    # s.6: the review pack goes to the Head of Service N working days before the end date.
    def review_pack_due(self, ends_on: date) -> date:
        return self.calendar.working_days_before(ends_on, self.terms.review_pack_lead_working_days)

    def restriction_dates(self, first_day: date) -> PeriodDates:
        """A period that starts on `first_day`: its end date and its review pack's date."""
        ends_on = self.restriction_ends(first_day)
        return PeriodDates(
            first_day=first_day, ends_on=ends_on, review_pack_due_on=self.review_pack_due(ends_on)
        )

    # Step 1: the manager is asked N working days after the concern letter is sent whether the
    # behaviour changed.
    def concern_follow_up_due(self, letter_sent_on: date) -> date:
        return self.calendar.working_days_after(
            letter_sent_on, self.terms.concern_follow_up_working_days
        )

    # A drafted letter left unsent reminds every N working days after it landed: the first
    # reminder after N, the next (the escalation) after 2N.
    def unsent_letter_reminder_due(self, drafted_on: date, reminders_given: int) -> date:
        days = self.terms.letter_unsent_reminder_working_days * (reminders_given + 1)
        return self.calendar.working_days_after(drafted_on, days)

    # A letter is dated a day it can be posted: the day asked for, or the next working day.
    def letter_dated(self, day: date) -> date:
        return self.calendar.on_or_after(day)


__all__ = ["PeriodDates", "Policy", "PolicyTerms"]
