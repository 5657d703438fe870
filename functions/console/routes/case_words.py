"""A case in words for staff: its status, letters, events, deadlines and restrictions, dates in
UK format ("4 December 2026") and times in Europe/London ("4:30pm").

Each table has a row for every member of its enum, checked when the module is imported, so a
new status, letter kind, event or deadline cannot reach a page as a bare code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any

from pydantic import JsonValue

from console.pages import ROLE_NAMES
from contactguard.domain.calendar import LONDON, london_date
from contactguard.domain.case import (
    AppealOutcome,
    AppealStatus,
    CaseEvent,
    CaseEventType,
    CaseStatus,
    DecisionKind,
    Letter,
    LetterKind,
    LetterStatus,
    RestrictionPeriod,
    SentVia,
    final_document_name,
)
from contactguard.domain.deadlines import DeadlineKind
from contactguard.domain.model import (
    Actor,
    Aspect,
    Behaviour,
    BehaviourAspects,
    Channel,
    describe_behaviour,
    describe_date,
)
from contactguard.domain.restrictions import RESTRICTION_TYPES, Restriction

STATUS: dict[CaseStatus, str] = {
    CaseStatus.CONCERN: "Concern raised (Step 1)",
    CaseStatus.RESTRICTIONS_DECIDED: (
        "Restrictions decided, not yet in force: the letter is not sent"
    ),
    CaseStatus.RESTRICTED: "Restrictions in force",
    CaseStatus.UNDER_APPEAL: "Under appeal: the restrictions stay in force while it is heard",
    CaseStatus.LAPSED: "Lapsed: the end date passed with no review decision",
    CaseStatus.CLOSED: "Closed",
}

LETTER_KIND: dict[LetterKind, str] = {
    LetterKind.CONCERN: "Concern letter (Step 1)",
    LetterKind.CONCERN_CLOSED: "Concern closed: no restrictions",
    LetterKind.RESTRICTIONS: "Restrictions letter (Step 2)",
    LetterKind.IMMEDIATE_RESTRICTIONS: "Immediate restrictions letter",
    LetterKind.APPEAL_ACKNOWLEDGEMENT: "Appeal acknowledgement",
    LetterKind.LATE_APPEAL_DECLINED: "Late appeal not accepted",
    LetterKind.APPEAL_REVIEW_DELAYED: "Appeal review delayed: the new date",
    LetterKind.APPEAL_UPHELD: "Appeal outcome: upheld",
    LetterKind.APPEAL_DISMISSED: "Appeal outcome: dismissed",
    LetterKind.APPEAL_VARIED: "Appeal outcome: varied",
    LetterKind.REVIEW_EXTENDED: "12-month review: restrictions extended",
    LetterKind.RESTRICTIONS_VARIED: "Restrictions varied: what applies now",
    LetterKind.REVIEW_CLOSED: "12-month review: case closed",
    LetterKind.RESTRICTIONS_LAPSED: "Restrictions lapsed",
    LetterKind.CASE_CLOSED: "Case closed (after a lapse)",
    LetterKind.REVIEW_PACK: "Review pack (internal, for the Head of Service)",
}

APPEAL_STATUS: dict[AppealStatus, str] = {
    AppealStatus.AWAITING_LATE_ACCEPTANCE: "Late: waiting for a manager to accept or decline it",
    AppealStatus.LATE_DECLINED: "Late, and declined",
    AppealStatus.UNDER_REVIEW: "Under independent review",
    AppealStatus.UPHELD: "Upheld: the restrictions were lifted",
    AppealStatus.DISMISSED: "Dismissed: the restrictions stand",
    AppealStatus.VARIED: "Varied: the restrictions were changed, the end date was not",
    AppealStatus.MOOT: "Not decided: the restrictions ended first",
}

DECISION_KIND: dict[DecisionKind, str] = {
    DecisionKind.STEP_2: "Step 2, after the Step 1 concern",
    DecisionKind.IMMEDIATE: "Immediate: no prior warning",
    DecisionKind.REVIEW_EXTENSION: "Extended at the 12-month review",
    DecisionKind.VARIATION: "Varied during the 12 months: the end date unchanged",
}

DEADLINE: dict[DeadlineKind, str] = {
    DeadlineKind.CONCERN_FOLLOW_UP: (
        "Follow-up due: the Service Manager is asked whether the behaviour changed"
    ),
    DeadlineKind.APPEAL_WINDOW_CLOSES: "The appeal window has closed: an appeal now is late",
    DeadlineKind.APPEAL_REVIEW_REMINDER: "The Executive Team is reminded of the appeal review",
    DeadlineKind.APPEAL_REVIEW_OVERDUE: "The appeal review is overdue and is escalated",
    DeadlineKind.REVIEW_PACK_DUE: "The review pack goes to the Head of Service (12-month review)",
    DeadlineKind.RESTRICTIONS_END: "The restrictions lapse unless the review has been decided",
    DeadlineKind.LETTER_UNSENT: "Reminder: a drafted letter has not been marked sent",
}

EVENT: dict[CaseEventType, str] = {
    CaseEventType.CONCERN_RAISED: "Concern raised (Step 1)",
    CaseEventType.CONCERN_FOLLOW_UP_DUE: "Concern follow-up due",
    CaseEventType.CONCERN_CLOSED: "Concern closed",
    CaseEventType.RESTRICTIONS_IMPOSED: "Restrictions decided",
    CaseEventType.RESTRICTIONS_STARTED: "Restrictions started",
    CaseEventType.RESTRICTIONS_VARIED: "Restrictions varied",
    CaseEventType.LETTER_DRAFTED: "Letter drafted",
    CaseEventType.LETTER_FAILED: "Letter not issued: it lacks required content",
    CaseEventType.LETTER_SENT: "Letter marked sent",
    CaseEventType.APPEAL_WINDOW_OPENED: "Appeal window opened",
    CaseEventType.APPEAL_WINDOW_CLOSED: "Appeal window closed",
    CaseEventType.APPEAL_LOGGED: "Appeal logged",
    CaseEventType.LATE_APPEAL_ACCEPTED: "Late appeal accepted",
    CaseEventType.LATE_APPEAL_DECLINED: "Late appeal declined",
    CaseEventType.APPEAL_REVIEW_REMINDER: "Appeal review reminder",
    CaseEventType.APPEAL_REVIEW_OVERDUE: "Appeal review overdue: escalated",
    CaseEventType.APPEAL_REVIEW_DELAYED: "Appeal review delayed",
    CaseEventType.APPEAL_DECIDED: "Appeal decided",
    CaseEventType.REVIEW_PACK_DUE: "Review pack issued (12-month review)",
    CaseEventType.REVIEW_DECIDED: "12-month review decided",
    CaseEventType.RESTRICTIONS_ENDED: "Restrictions ended",
    CaseEventType.RESTRICTIONS_LAPSED: "Restrictions lapsed",
    CaseEventType.MISSED_REVIEW_ESCALATED: "Missed review escalated to the Head of Service",
    CaseEventType.CASE_CLOSED: "Case closed",
    CaseEventType.DEADLINES_RECALCULATED: "Deadlines recalculated for a calendar change",
    CaseEventType.LETTER_REDRAFT_REQUESTED: "New draft of a letter asked for",
    CaseEventType.LETTER_UNSENT: "Letter not yet sent: reminder",
}

CHANNEL: dict[Channel, str] = {
    Channel.EMAIL: "Email",
    Channel.PHONE: "Telephone",
    Channel.LETTER: "Letter",
    Channel.VISIT: "Visits and personal contact",
    Channel.SOCIAL_MEDIA: "Social media",
}


# Each restriction type, by the tag an event records it under (a timeline line names them).
RESTRICTION_TYPE_NAMES: dict[str, str] = {
    "telephone-via-third-party": "telephone only through a third party",
    "letters-only": "letters only",
    "appointment-only-visits": "visits by appointment only",
    "single-point-of-contact": "a single point of contact",
    "witness-at-personal-contact": "a witness at personal contact",
    "social-media": "social media restricted",
    "other": "another restriction",
}


def _check_every_member_has_words() -> None:
    tables: tuple[tuple[type[Enum], Mapping[Any, str]], ...] = (
        (CaseStatus, STATUS),
        (LetterKind, LETTER_KIND),
        (AppealStatus, APPEAL_STATUS),
        (DecisionKind, DECISION_KIND),
        (DeadlineKind, DEADLINE),
        (CaseEventType, EVENT),
        (Channel, CHANNEL),
    )
    for enum, words in tables:
        missing = set(enum) - set(words)
        if missing:
            names = sorted(str(m.value) for m in missing)
            raise AssertionError(f"{enum.__name__} members without words: {names}")
    tags = {str(t.model_fields["type"].default) for t in RESTRICTION_TYPES}
    if tags != set(RESTRICTION_TYPE_NAMES):
        raise AssertionError(f"restriction types without words: {sorted(tags)}")


_check_every_member_has_words()


# Dates and times ------------------------------------------------------------------------------


def uk_date(day: date) -> str:
    return describe_date(day)


def uk_time(instant: datetime) -> str:
    """The Europe/London time as GOV.UK writes it: 9am, 4:30pm, midday, midnight."""
    local = instant.astimezone(LONDON)
    if (local.hour, local.minute) == (0, 0):
        return "midnight"
    if (local.hour, local.minute) == (12, 0):
        return "midday"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


def uk_datetime(instant: datetime) -> str:
    return f"{uk_date(london_date(instant))}, {uk_time(instant)}"


# People -------------------------------------------------------------------------------------


def who(actor: Actor) -> str:
    """A person by name (or staff id) and role; the system by what part of it acted."""
    if actor.name is None and actor.actor_id.startswith("system:"):
        return f"System ({actor.actor_id.removeprefix('system:')})"
    return f"{actor.name or actor.actor_id} ({ROLE_NAMES[actor.role]})"


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def uk_dates(text: str) -> str:
    """The domain's messages give dates as 2026-12-14: a person reads 14 December 2026."""

    def spelt(found: re.Match[str]) -> str:
        try:
            return uk_date(date(*(int(part) for part in found.groups())))
        except ValueError:
            return found.group(0)

    return _ISO_DATE.sub(spelt, text)


def sentence(text: str) -> str:
    """The domain's words (lower case, no full stop, ISO dates) as a sentence."""
    text = uk_dates(text.strip())
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


# Restrictions -------------------------------------------------------------------------------


def until(ends_on: date) -> str:
    """A period's end as the domain means it: restrictions apply until the start of `ends_on`
    (Europe/London), so the day before is the last day they apply."""
    last_day = uk_date(ends_on - timedelta(days=1))
    return f"up to and including {last_day} (they end at the start of {uk_date(ends_on)})"


def period_words(period: RestrictionPeriod, now: datetime) -> str:
    """When the restrictions apply: from `starts_at` until the start of `ends_on`, or until
    they were ended early."""
    start = uk_date(london_date(period.starts_at))
    if now < period.starts_at:
        return f"They start on {start} and apply {until(period.ends_on)}."
    if period.covers(now):
        return f"In force since {start}, {until(period.ends_on)}."
    if period.effective_end >= period.scheduled_end:
        return (
            f"They were in force from {start} and ended at the start of {uk_date(period.ends_on)}."
        )
    ended = period.effective_end
    return (
        f"They were in force from {start} and ended on {uk_date(london_date(ended))} "
        f"at {uk_time(ended)}."
    )


def restriction_view(restriction: Restriction) -> dict[str, object]:
    """A restriction as staff read it: its title and what it means on each channel."""
    effects = []
    for channel in Channel:
        allowed, condition = restriction.channel_effect(channel)
        if condition is None and allowed:
            continue
        state = "allowed" if allowed else "not accepted"
        effects.append(f"{CHANNEL[channel]}: {state}" + (f", {condition}" if condition else ""))
    return {"title": restriction.letter_wording().title, "effects": effects}


def behaviour_words(
    behaviours: tuple[Behaviour, ...] | list[Behaviour], aspects: BehaviourAspects | None = None
) -> list[str]:
    """The behaviours as recorded: of a policy example with alternatives, what staff saw."""
    seen = aspects or {}
    return [sentence(describe_behaviour(b, seen.get(b, ()))).removesuffix(".") for b in behaviours]


# Letters ------------------------------------------------------------------------------------


def letter_status(letter: Letter) -> str:
    if letter.status is LetterStatus.SENT and letter.sent_on is not None:
        how = " by email" if letter.sent_via is SentVia.EMAIL else ""
        return f"Sent{how} on {uk_date(letter.sent_on)}"
    return {
        LetterStatus.REQUIRED: "Being drafted",
        LetterStatus.DRAFTED: "Drafted, not sent",
        LetterStatus.FAILED: "Not issued: it lacks required content",
        LetterStatus.SENT: "Sent",
    }[letter.status]


# Events -------------------------------------------------------------------------------------


def _text(data: dict[str, JsonValue], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _date(data: dict[str, JsonValue], key: str) -> date | None:
    value = _text(data, key)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _day(data: dict[str, JsonValue], key: str) -> str | None:
    day = _date(data, key)
    return uk_date(day) if day else None


def _letter_kind(data: dict[str, JsonValue]) -> str:
    kind = _text(data, "letter_kind")
    try:
        return LETTER_KIND[LetterKind(kind)] if kind else "Letter"
    except ValueError:
        return "Letter"


Data = dict[str, JsonValue]


def _behaviours(data: Data) -> list[str]:
    behaviours = data.get("behaviours")
    if not isinstance(behaviours, list):
        return []
    recorded = data.get("aspects")
    aspects: BehaviourAspects = {}
    if isinstance(recorded, dict):
        for b, seen in recorded.items():
            if b in set(Behaviour) and isinstance(seen, list):
                aspects[Behaviour(b)] = tuple(Aspect(a) for a in seen if a in set(Aspect))
    return behaviour_words([Behaviour(b) for b in behaviours if b in set(Behaviour)], aspects)


def _imposed(data: Data) -> list[str]:
    lines = ["An immediate decision: no prior warning"] if data.get("immediate") is True else []
    if reason := _text(data, "immediate_reason"):
        lines.append(f"Why immediate: {reason}")
    if action := _text(data, "police_or_legal_action"):
        lines.append(f"Police or legal action: {action}")
    return lines


def _restriction_names(data: Data, key: str) -> str | None:
    types = data.get(key)
    if not isinstance(types, list):
        return None
    names = [RESTRICTION_TYPE_NAMES.get(t, t) for t in types if isinstance(t, str)]
    return ", ".join(names) if names else None


def _varied(data: Data) -> list[str]:
    lines = [f"Now: {now}"] if (now := _restriction_names(data, "restriction_types")) else []
    if before := _restriction_names(data, "previous_restriction_types"):
        lines.append(f"Before: {before}")
    ends_on = _date(data, "ends_on")
    if ends_on:
        lines.append(f"The end date is unchanged: in force {until(ends_on)}")
    return lines


def _in_force(data: Data) -> list[str]:
    ends_on = _date(data, "ends_on")
    return [f"In force {until(ends_on)}"] if ends_on else []


def _letter(data: Data) -> list[str]:
    line = _letter_kind(data)
    if isinstance(version := data.get("version"), int):
        line += f", version {version}"
    if sent := _day(data, "sent_on"):
        how = " by email" if data.get("sent_via") == SentVia.EMAIL.value else ""
        line += f", sent{how} on {sent}"
    elif isinstance(data.get("email_key"), str):
        line += ", with an email version"
    lines = [line]
    if isinstance(kept := data.get("sent_key"), str):  # the version posted, not the draft
        lines.append(f"The version posted was kept: {final_document_name(kept)}")
    problems = data.get("problems")
    if isinstance(problems, list):
        lines.extend(f"Missing: {p}" for p in problems if isinstance(p, str))
    if data.get("alert") is True:
        lines.append("Escalated to the Head of Service")
    return lines


def _redraft(data: Data) -> list[str]:
    dated = _day(data, "dated_on")
    return [f"The new draft is dated {dated}"] if dated else []


def _window_opened(data: Data) -> list[str]:
    closes = _day(data, "closes_on")
    return [f"The customer may appeal up to and including {closes}"] if closes else []


def _window_closed(data: Data) -> list[str]:
    return ["An appeal was made" if data.get("appealed") is True else "No appeal was made"]


def _review_due(data: Data) -> list[str]:
    due = _day(data, "review_due_on")
    return [f"The review is due by {due}"] if due else []


def _appeal_logged(data: Data) -> list[str]:
    lines = [f"Received on {received}"] if (received := _day(data, "received_on")) else []
    if data.get("late") is True:
        closed = _day(data, "window_closed_on")
        lines.append("Late" + (f": the window closed at the end of {closed}" if closed else ""))
    return lines + _review_due(data)


def _review_delayed(data: Data) -> list[str]:
    before = _day(data, "previous_review_due_on")
    lines = [f"It was due by {before}"] if before else []
    return [*_review_due(data), *lines]


def _appeal_decided(data: Data) -> list[str]:
    outcome = _text(data, "outcome")
    return [APPEAL_STATUS[AppealStatus(outcome)]] if outcome in set(AppealOutcome) else []


def _review_decided(data: Data) -> list[str]:
    outcome = _text(data, "outcome")
    if outcome == "close":
        return ["Closed: the restrictions end"]
    ends_on = _date(data, "ends_on")
    return [f"Extended: in force {until(ends_on)}"] if outcome == "extend" and ends_on else []


def _ended(data: Data) -> list[str]:
    ended = _day(data, "ends_on")
    return [f"They ended at the start of {ended}"] if ended else []


_DETAILS: dict[CaseEventType, Callable[[Data], list[str]]] = {
    CaseEventType.CONCERN_RAISED: _behaviours,
    CaseEventType.RESTRICTIONS_IMPOSED: _imposed,
    CaseEventType.RESTRICTIONS_STARTED: _in_force,
    CaseEventType.RESTRICTIONS_VARIED: _varied,
    CaseEventType.LETTER_DRAFTED: _letter,
    CaseEventType.LETTER_FAILED: _letter,
    CaseEventType.LETTER_SENT: _letter,
    CaseEventType.LETTER_UNSENT: _letter,
    CaseEventType.LETTER_REDRAFT_REQUESTED: _redraft,
    CaseEventType.APPEAL_WINDOW_OPENED: _window_opened,
    CaseEventType.APPEAL_WINDOW_CLOSED: _window_closed,
    CaseEventType.APPEAL_LOGGED: _appeal_logged,
    CaseEventType.LATE_APPEAL_ACCEPTED: _review_due,
    CaseEventType.APPEAL_REVIEW_REMINDER: _review_due,
    CaseEventType.APPEAL_REVIEW_OVERDUE: _review_due,
    CaseEventType.APPEAL_REVIEW_DELAYED: _review_delayed,
    CaseEventType.APPEAL_DECIDED: _appeal_decided,
    CaseEventType.REVIEW_DECIDED: _review_decided,
    CaseEventType.RESTRICTIONS_LAPSED: _ended,
    CaseEventType.MISSED_REVIEW_ESCALATED: _ended,
}


def event_details(event: CaseEvent) -> list[str]:
    """What an event recorded beyond its title, who and why: each a short line (events whose
    title says it all have none)."""
    details = _DETAILS.get(event.type)
    return details(event.data) if details else []
