"""The case: its state, its events and the commands staff and the system give it."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, JsonValue, model_validator

from contactguard.domain.calendar import london_date, start_of_day

# The letter kinds and what is true of each live in one table (letter_kinds.py).
from contactguard.domain.letter_kinds import LetterKind as LetterKind
from contactguard.domain.model import (
    Actor,
    AwareDatetime,
    Behaviour,
    BehaviourAspects,
    EqualityConsiderations,
    Frozen,
    NonBlank,
    check_aspects,
)
from contactguard.domain.restrictions import (
    Restriction,
)


class CaseStatus(StrEnum):
    CONCERN = "concern"  # Step 1 recorded (policy s.4)
    RESTRICTIONS_DECIDED = "restrictions-decided"  # Step 2 decided; letter not yet sent
    RESTRICTED = "restricted"  # restrictions in force
    UNDER_APPEAL = "under-appeal"  # restrictions in force while the appeal is heard (s.5)
    LAPSED = "lapsed"  # the end date passed with no review decision (s.6)
    CLOSED = "closed"


class LetterStatus(StrEnum):
    REQUIRED = "required"  # a decision calls for it; the letters function has not drafted it
    DRAFTED = "drafted"  # in S3, waiting for a manager to check and send
    FAILED = "failed"  # lacked required content: not issued
    SENT = "sent"


class SentVia(StrEnum):
    POST = "post"
    EMAIL = "email"  # its email version, sent by the manager from their mail program


class Letter(Frozen):
    letter_id: str
    kind: LetterKind
    status: LetterStatus = LetterStatus.REQUIRED
    required_at: AwareDatetime
    version: int = 0
    s3_key: str | None = None
    superseded_keys: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    sent_on: date | None = None
    sent_by: str | None = None
    dated_on: date | None = None  # the date the current draft carries
    drafted_on: date | None = None  # when the current draft landed (unsent-letter reminders)
    unsent_reminders: int = 0
    source_seq: int | None = None  # the event whose decision the letter conveys
    # The version the manager posted, when it was not the draft unchanged (final_document_key).
    sent_key: str | None = None
    email_key: str | None = None  # the current draft's email version, where it has one
    sent_via: SentVia | None = None  # how it went, once sent (None before this was recorded)

    @property
    def letter_date(self) -> date:
        return self.dated_on or london_date(self.required_at)


# The version a manager posted, when they changed the draft first (README "Letters"): the
# browser uploads it under the letter's upload prefix (uploads/ expires after two days), and
# marking the letter sent keeps a copy under the letter's own prefix, the key the case records.
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
EML_TYPE = "message/rfc822"  # a letter's email version, an unsent message
FINAL_DOCUMENT_TYPES = {DOCX_TYPE: "Word document (DOCX)", PDF_TYPE: "PDF"}
FINAL_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
_UPLOAD_TOKEN = re.compile(r"[0-9a-f]{32}")


def final_upload_prefix(case_id: str, letter_id: str) -> str:
    """Where a letter's final versions are uploaded: `<this>/<32 hex>/<file name>`."""
    return f"uploads/{case_id}/{letter_id}/"


def final_document_key(case_id: str, letter_id: str, upload_key: str) -> str | None:
    """Where the final version uploaded at `upload_key` is kept once the letter is marked
    sent; None when `upload_key` is not an upload of this letter of this case."""
    prefix = final_upload_prefix(case_id, letter_id)
    if not upload_key.startswith(prefix) or len(upload_key) > 1024:
        return None
    parts = upload_key.removeprefix(prefix).split("/")
    if len(parts) != 2 or not _UPLOAD_TOKEN.fullmatch(parts[0]) or not parts[1].strip():
        return None
    token, name = parts
    return f"letters/{case_id}/{letter_id}/sent/{token}/{name}"


def final_document_name(key: str) -> str:
    """The file name a final version was uploaded with (the last part of its key)."""
    return key.rpartition("/")[2]


class Concern(Frozen):
    raised_at: AwareDatetime
    raised_by: Actor
    behaviours: tuple[Behaviour, ...]
    aspects: BehaviourAspects = Field(default_factory=dict)  # what staff saw of each
    evidence_contact_ids: tuple[str, ...] = ()
    note: str
    letter_id: str
    letter_sent_on: date | None = None
    follow_up_due_on: date | None = None
    follow_up_reminded: bool = False


class DecisionKind(StrEnum):
    STEP_2 = "step-2"
    IMMEDIATE = "immediate"
    REVIEW_EXTENSION = "review-extension"
    # The restrictions in force changed mid-term by the Head of Service (VaryRestrictions):
    # same period, same end and review dates, a new letter and a new right of appeal.
    VARIATION = "variation"


class RestrictionDecision(Frozen):
    decision_id: str
    kind: DecisionKind
    decided_at: AwareDatetime
    decided_by: Actor
    restrictions: tuple[Restriction, ...]
    behaviours: tuple[Behaviour, ...] = ()
    aspects: BehaviourAspects = Field(default_factory=dict)  # what staff saw of each
    reason: str
    equality: EqualityConsiderations | None = None
    immediate_reason: str | None = None
    police_or_legal_action: str | None = None
    letter_id: str


class RestrictionPeriod(Frozen):
    """Restrictions are in force from `starts_at` until the start of `ends_on` (London time),
    or until `ended_at` if they were lifted, closed or lapsed."""

    starts_at: AwareDatetime
    ends_on: date
    review_pack_due_on: date
    ended_at: AwareDatetime | None = None
    review_pack_issued: bool = False

    @property
    def scheduled_end(self) -> datetime:
        return start_of_day(self.ends_on)

    @property
    def effective_end(self) -> datetime:
        # Ended early (lifted, closed) or on the end date: never later (DESIGN.md: enforcement
        # never outlives a decision, even when the ending is recorded after the end date).
        if self.ended_at is None:
            return self.scheduled_end
        return min(self.ended_at, self.scheduled_end)

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.effective_end


class AppealWindow(Frozen):
    decision_id: str
    letter_id: str
    letter_sent_on: date
    closes_on: date  # open until 23:59:59 Europe/London that day
    closed: bool = False


class AppealStatus(StrEnum):
    AWAITING_LATE_ACCEPTANCE = "awaiting-late-acceptance"
    LATE_DECLINED = "late-declined"
    UNDER_REVIEW = "under-review"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    VARIED = "varied"
    MOOT = "moot"  # the restrictions ended before the appeal was decided


class AppealOutcome(StrEnum):
    UPHELD = "upheld"  # restrictions lifted
    DISMISSED = "dismissed"
    VARIED = "varied"  # restrictions changed, end date unchanged


class Appeal(Frozen):
    appeal_id: str
    decision_id: str
    received_on: date
    logged_by: Actor
    grounds: str
    late: bool
    status: AppealStatus
    review_due_on: date | None = None
    reminder_due_on: date | None = None
    review_clock_from: date | None = None  # receipt, or acceptance for a late appeal
    late_decision_reason: str | None = None
    reminded: bool = False
    overdue_escalated: bool = False
    # How often the review was delayed to a later date (DelayAppealReview): a delayed review's
    # due date is the one the customer was told, which the calendar no longer moves.
    review_delays: int = 0
    decided_by: Actor | None = None
    outcome_reason: str | None = None

    @property
    def open(self) -> bool:
        return self.status in (AppealStatus.AWAITING_LATE_ACCEPTANCE, AppealStatus.UNDER_REVIEW)


class ReviewOutcome(StrEnum):
    EXTEND = "extend"
    CLOSE = "close"


class Case(Frozen):
    case_id: Annotated[str, Field(min_length=1, max_length=64)]
    customer_id: Annotated[str, Field(min_length=1, max_length=64)]
    status: CaseStatus
    version: int = Field(ge=1)
    opened_at: AwareDatetime
    concern: Concern | None = None
    decision: RestrictionDecision | None = None
    period: RestrictionPeriod | None = None
    appeal_window: AppealWindow | None = None
    appeals: tuple[Appeal, ...] = ()
    letters: tuple[Letter, ...] = ()
    # Everyone who took part in a restriction decision on this case: an appeal reviewer must
    # not be one of them (s.5 "independent review").
    decision_participants: tuple[str, ...] = ()
    reviewed_ends_on: tuple[date, ...] = ()  # periods whose 12-month review was decided
    closed_at: AwareDatetime | None = None
    closure_reason: str | None = None

    def letter(self, letter_id: str) -> Letter | None:
        return next((x for x in self.letters if x.letter_id == letter_id), None)

    @property
    def open_appeal(self) -> Appeal | None:
        return next((a for a in self.appeals if a.open), None)


class CaseEventType(StrEnum):
    CONCERN_RAISED = "concern-raised"
    CONCERN_FOLLOW_UP_DUE = "concern-follow-up-due"
    CONCERN_CLOSED = "concern-closed"
    RESTRICTIONS_IMPOSED = "restrictions-imposed"
    RESTRICTIONS_STARTED = "restrictions-started"
    RESTRICTIONS_VARIED = "restrictions-varied"
    LETTER_DRAFTED = "letter-drafted"
    LETTER_FAILED = "letter-failed"
    LETTER_SENT = "letter-sent"
    APPEAL_WINDOW_OPENED = "appeal-window-opened"
    APPEAL_WINDOW_CLOSED = "appeal-window-closed"
    APPEAL_LOGGED = "appeal-logged"
    LATE_APPEAL_ACCEPTED = "late-appeal-accepted"
    LATE_APPEAL_DECLINED = "late-appeal-declined"
    APPEAL_REVIEW_REMINDER = "appeal-review-reminder"
    APPEAL_REVIEW_OVERDUE = "appeal-review-overdue"
    APPEAL_REVIEW_DELAYED = "appeal-review-delayed"
    APPEAL_DECIDED = "appeal-decided"
    REVIEW_PACK_DUE = "review-pack-due"
    REVIEW_DECIDED = "review-decided"
    RESTRICTIONS_ENDED = "restrictions-ended"
    RESTRICTIONS_LAPSED = "restrictions-lapsed"
    MISSED_REVIEW_ESCALATED = "missed-review-escalated"
    CASE_CLOSED = "case-closed"
    DEADLINES_RECALCULATED = "deadlines-recalculated"
    LETTER_REDRAFT_REQUESTED = "letter-redraft-requested"
    LETTER_UNSENT = "letter-unsent"


class LetterRef(Frozen):
    letter_id: str
    kind: LetterKind


class CaseEvent(Frozen):
    """An immutable record of one decision or happening: who, which role, when, why, what."""

    case_id: str
    customer_id: str
    seq: int = Field(ge=1)  # the case version this event produced
    type: CaseEventType
    at: AwareDatetime
    actor: Actor
    reason: str | None = None
    data: dict[str, JsonValue] = Field(default_factory=dict)
    letter: LetterRef | None = None  # set when this event calls for a letter

    @property
    def event_id(self) -> str:
        return f"{self.case_id}#{self.seq:06d}"


# Commands --------------------------------------------------------------------------------


class CommandKind(StrEnum):
    RAISE_CONCERN = "raise-concern"
    CLOSE_CONCERN = "close-concern"
    IMPOSE_RESTRICTIONS = "impose-restrictions"
    VARY_RESTRICTIONS = "vary-restrictions"
    RECORD_LETTER_DRAFTED = "record-letter-drafted"
    RECORD_LETTER_FAILED = "record-letter-failed"
    MARK_LETTER_SENT = "mark-letter-sent"
    REDRAFT_LETTER = "redraft-letter"
    LOG_APPEAL = "log-appeal"
    ACCEPT_LATE_APPEAL = "accept-late-appeal"
    DECLINE_LATE_APPEAL = "decline-late-appeal"
    DELAY_APPEAL_REVIEW = "delay-appeal-review"
    DECIDE_APPEAL = "decide-appeal"
    DECIDE_REVIEW = "decide-review"
    CLOSE_CASE = "close-case"
    # Deadlines, given by the system when a schedule fires.
    CONCERN_FOLLOW_UP_DUE = "concern-follow-up-due"
    CLOSE_APPEAL_WINDOW = "close-appeal-window"
    APPEAL_REVIEW_REMINDER = "appeal-review-reminder"
    APPEAL_REVIEW_OVERDUE = "appeal-review-overdue"
    REVIEW_PACK_DUE = "review-pack-due"
    LAPSE_RESTRICTIONS = "lapse-restrictions"
    RECALCULATE_DEADLINES = "recalculate-deadlines"
    REMIND_UNSENT_LETTER = "remind-unsent-letter"


DEADLINE_COMMANDS = frozenset(
    {
        CommandKind.CONCERN_FOLLOW_UP_DUE,
        CommandKind.CLOSE_APPEAL_WINDOW,
        CommandKind.APPEAL_REVIEW_REMINDER,
        CommandKind.APPEAL_REVIEW_OVERDUE,
        CommandKind.REVIEW_PACK_DUE,
        CommandKind.LAPSE_RESTRICTIONS,
        CommandKind.RECALCULATE_DEADLINES,
        CommandKind.REMIND_UNSENT_LETTER,
    }
)


class RaiseConcern(Frozen):
    kind: Literal[CommandKind.RAISE_CONCERN] = CommandKind.RAISE_CONCERN
    case_id: Annotated[str, Field(min_length=1, max_length=64)]
    customer_id: Annotated[str, Field(min_length=1, max_length=64)]
    behaviours: Annotated[tuple[Behaviour, ...], Field(min_length=1)]
    # Of a behaviour the policy words with alternatives ("threatening, offensive or
    # excessive"), which staff saw: the letter names only those.
    aspects: BehaviourAspects = Field(default_factory=dict)
    evidence_contact_ids: tuple[str, ...] = ()
    note: NonBlank

    @model_validator(mode="after")
    def _aspects_of_chosen_behaviours(self) -> RaiseConcern:
        check_aspects(self.behaviours, self.aspects)
        return self


class CloseConcern(Frozen):
    kind: Literal[CommandKind.CLOSE_CONCERN] = CommandKind.CLOSE_CONCERN
    reason: NonBlank


class ImposeRestrictions(Frozen):
    kind: Literal[CommandKind.IMPOSE_RESTRICTIONS] = CommandKind.IMPOSE_RESTRICTIONS
    restrictions: Annotated[tuple[Restriction, ...], Field(min_length=1)]
    behaviours: tuple[Behaviour, ...] = ()
    aspects: BehaviourAspects = Field(default_factory=dict)  # as RaiseConcern's
    reason: NonBlank
    equality: EqualityConsiderations | None = None
    immediate: bool = False
    immediate_reason: str | None = None
    police_or_legal_action: str | None = None
    # Only for an immediate decision on a customer with no case yet.
    case_id: str | None = None
    customer_id: str | None = None

    @model_validator(mode="after")
    def _aspects_of_chosen_behaviours(self) -> ImposeRestrictions:
        check_aspects(self.behaviours, self.aspects)
        return self


class VaryRestrictions(Frozen):
    """The Head of Service changes the restrictions in force during their period (adds one,
    relaxes a single point of contact's days...): the new set in full, why, and that the
    equality duties were considered again. The end and review dates do not change; the
    customer is told by letter, which gives a new right of appeal."""

    kind: Literal[CommandKind.VARY_RESTRICTIONS] = CommandKind.VARY_RESTRICTIONS
    restrictions: Annotated[tuple[Restriction, ...], Field(min_length=1)]
    reason: NonBlank
    equality: EqualityConsiderations | None = None


class RecordLetterDrafted(Frozen):
    kind: Literal[CommandKind.RECORD_LETTER_DRAFTED] = CommandKind.RECORD_LETTER_DRAFTED
    letter_id: str
    version: int = Field(ge=1)
    s3_key: NonBlank
    dated_on: date | None = None  # the date the draft carries; default: the day it is recorded
    email_key: str | None = Field(default=None, min_length=1)  # its email version, if any


class RecordLetterFailed(Frozen):
    kind: Literal[CommandKind.RECORD_LETTER_FAILED] = CommandKind.RECORD_LETTER_FAILED
    letter_id: str
    problems: Annotated[tuple[str, ...], Field(min_length=1)]


class MarkLetterSent(Frozen):
    kind: Literal[CommandKind.MARK_LETTER_SENT] = CommandKind.MARK_LETTER_SENT
    letter_id: str
    sent_on: date
    # The final version's upload key (the upload form's), when the manager changed the draft
    # before posting it; none when the draft went unchanged.
    final_key: str | None = Field(default=None, min_length=1, max_length=1024)
    sent_via: SentVia = SentVia.POST  # by email only where the draft has an email version


class RedraftLetter(Frozen):
    """Ask for a letter to be drafted again, dated today (e.g. it goes out later than dated)."""

    kind: Literal[CommandKind.REDRAFT_LETTER] = CommandKind.REDRAFT_LETTER
    letter_id: str
    reason: NonBlank = "the letter goes out on a later date than it carries"


class LogAppeal(Frozen):
    kind: Literal[CommandKind.LOG_APPEAL] = CommandKind.LOG_APPEAL
    received_on: date
    grounds: NonBlank


class AcceptLateAppeal(Frozen):
    kind: Literal[CommandKind.ACCEPT_LATE_APPEAL] = CommandKind.ACCEPT_LATE_APPEAL
    reason: NonBlank


class DeclineLateAppeal(Frozen):
    kind: Literal[CommandKind.DECLINE_LATE_APPEAL] = CommandKind.DECLINE_LATE_APPEAL
    reason: NonBlank


class DelayAppealReview(Frozen):
    """The independent review needs longer than its due date: a later working day, and why
    (the customer is told by letter, as the Housing Ombudsman's Complaint Handling Code
    expects)."""

    kind: Literal[CommandKind.DELAY_APPEAL_REVIEW] = CommandKind.DELAY_APPEAL_REVIEW
    appeal_id: Annotated[str, Field(min_length=1, max_length=64)]
    review_due_on: date
    reason: NonBlank


class DecideAppeal(Frozen):
    kind: Literal[CommandKind.DECIDE_APPEAL] = CommandKind.DECIDE_APPEAL
    outcome: AppealOutcome
    reason: NonBlank
    varied_restrictions: tuple[Restriction, ...] = ()


class DecideReview(Frozen):
    kind: Literal[CommandKind.DECIDE_REVIEW] = CommandKind.DECIDE_REVIEW
    outcome: ReviewOutcome
    reason: NonBlank


class CloseCase(Frozen):
    kind: Literal[CommandKind.CLOSE_CASE] = CommandKind.CLOSE_CASE
    reason: NonBlank


class ConcernFollowUpDue(Frozen):
    kind: Literal[CommandKind.CONCERN_FOLLOW_UP_DUE] = CommandKind.CONCERN_FOLLOW_UP_DUE


class CloseAppealWindow(Frozen):
    kind: Literal[CommandKind.CLOSE_APPEAL_WINDOW] = CommandKind.CLOSE_APPEAL_WINDOW


class AppealReviewReminder(Frozen):
    kind: Literal[CommandKind.APPEAL_REVIEW_REMINDER] = CommandKind.APPEAL_REVIEW_REMINDER


class AppealReviewOverdue(Frozen):
    kind: Literal[CommandKind.APPEAL_REVIEW_OVERDUE] = CommandKind.APPEAL_REVIEW_OVERDUE


class ReviewPackDue(Frozen):
    kind: Literal[CommandKind.REVIEW_PACK_DUE] = CommandKind.REVIEW_PACK_DUE


class LapseRestrictions(Frozen):
    kind: Literal[CommandKind.LAPSE_RESTRICTIONS] = CommandKind.LAPSE_RESTRICTIONS


class RemindUnsentLetter(Frozen):
    """A drafted letter nobody has sent: remind its sender, then escalate (DESIGN.md)."""

    kind: Literal[CommandKind.REMIND_UNSENT_LETTER] = CommandKind.REMIND_UNSENT_LETTER
    letter_id: str


class RecalculateDeadlines(Frozen):
    """Recompute open working-day deadlines with today's calendar (a bank holiday proclaimed
    or a closure added after they were set)."""

    kind: Literal[CommandKind.RECALCULATE_DEADLINES] = CommandKind.RECALCULATE_DEADLINES


Command = Annotated[
    RaiseConcern
    | CloseConcern
    | ImposeRestrictions
    | VaryRestrictions
    | RecordLetterDrafted
    | RecordLetterFailed
    | MarkLetterSent
    | RedraftLetter
    | LogAppeal
    | AcceptLateAppeal
    | DeclineLateAppeal
    | DelayAppealReview
    | DecideAppeal
    | DecideReview
    | CloseCase
    | ConcernFollowUpDue
    | CloseAppealWindow
    | AppealReviewReminder
    | AppealReviewOverdue
    | ReviewPackDue
    | LapseRestrictions
    | RecalculateDeadlines
    | RemindUnsentLetter,
    Field(discriminator="kind"),
]
