"""Letters: drafted, failed, marked sent, redrafted, and the reminders when one is left unsent.

Which roles may mark which letters sent (the manager who checks and sends it), whether a letter
must go on the day it carries, whether it opens an appeal: one row per letter kind in
letter_kinds.LETTER_KINDS, read here through its views.
"""

from __future__ import annotations

from datetime import date

from contactguard.domain.calendar import end_of_day, london_date, start_of_day
from contactguard.domain.case import (
    AppealWindow,
    Case,
    CaseEventType,
    CaseStatus,
    CommandKind,
    Letter,
    LetterKind,
    LetterStatus,
    MarkLetterSent,
    RecordLetterDrafted,
    RecordLetterFailed,
    RedraftLetter,
    RemindUnsentLetter,
    SentVia,
    final_document_key,
)
from contactguard.domain.errors import (
    NothingToDo,
    NotPermitted,
    RuleViolation,
)
from contactguard.domain.letter_kinds import (
    APPEALABLE_LETTERS,
    DATE_BOUND_LETTERS,
    INTERNAL_LETTERS,
    LETTER_SENDERS,
)
from contactguard.domain.lifecycle.handlers import handles, require_case, update_case
from contactguard.domain.lifecycle.recorder import Recorder
from contactguard.domain.lifecycle.restrictions import start_restrictions
from contactguard.domain.lifecycle.table import IN_FORCE
from contactguard.domain.model import Role
from contactguard.domain.policy import Policy


def _known_letter(case: Case, letter_id: str) -> Letter:
    letter = case.letter(letter_id)
    if letter is None:
        raise RuleViolation("letter-unknown", f"no letter {letter_id} on this case")
    return letter


def _replace_letter(case: Case, letter: Letter) -> tuple[Letter, ...]:
    return tuple(letter if x.letter_id == letter.letter_id else x for x in case.letters)


@handles(CommandKind.RECORD_LETTER_DRAFTED)
def _letter_drafted(case: Case | None, cmd: RecordLetterDrafted, rec: Recorder, _p: Policy) -> Case:
    case = require_case(case)
    letter = _known_letter(case, cmd.letter_id)
    if letter.status is LetterStatus.SENT:
        raise NothingToDo("letter-already-sent", "a sent letter cannot be redrafted")
    if cmd.version <= letter.version:
        if cmd.version == letter.version and cmd.s3_key == letter.s3_key:
            raise NothingToDo("letter-duplicate", "this draft is already recorded")
        raise RuleViolation("letter-version", "a newer version of this letter is recorded")
    superseded = letter.superseded_keys + ((letter.s3_key,) if letter.s3_key else ())
    drafted = letter.model_copy(
        update={
            "status": LetterStatus.DRAFTED,
            "version": cmd.version,
            "s3_key": cmd.s3_key,
            "dated_on": cmd.dated_on or london_date(rec.now),
            "drafted_on": london_date(rec.now),
            "unsent_reminders": 0,
            "superseded_keys": superseded,
            "problems": (),
            "email_key": cmd.email_key,
        }
    )
    rec.add(
        CaseEventType.LETTER_DRAFTED,
        letter_id=letter.letter_id,
        letter_kind=letter.kind.value,
        version=cmd.version,
        s3_key=cmd.s3_key,
        email_key=cmd.email_key,  # None: no email version (nor in events before it)
    )
    return update_case(case, letters=_replace_letter(case, drafted))


@handles(CommandKind.RECORD_LETTER_FAILED)
def _letter_failed(case: Case | None, cmd: RecordLetterFailed, rec: Recorder, _p: Policy) -> Case:
    case = require_case(case)
    letter = _known_letter(case, cmd.letter_id)
    if letter.status is LetterStatus.SENT:
        raise NothingToDo("letter-already-sent", "the letter was already sent")
    if letter.status is LetterStatus.FAILED and letter.problems == cmd.problems:
        raise NothingToDo("letter-duplicate", "this failure is already recorded")
    failed = letter.model_copy(update={"status": LetterStatus.FAILED, "problems": cmd.problems})
    rec.add(
        CaseEventType.LETTER_FAILED,
        reason="the letter lacks required content and was not issued",
        letter_id=letter.letter_id,
        letter_kind=letter.kind.value,
        problems=list(cmd.problems),
    )
    return update_case(case, letters=_replace_letter(case, failed))


@handles(CommandKind.MARK_LETTER_SENT)
def _letter_sent(case: Case | None, cmd: MarkLetterSent, rec: Recorder, policy: Policy) -> Case:
    case = require_case(case)
    letter = _known_letter(case, cmd.letter_id)
    if rec.actor.role not in LETTER_SENDERS[letter.kind]:
        raise NotPermitted("letter-senders", f"a {letter.kind.value} letter is not yours to send")
    if letter.status is LetterStatus.SENT:
        raise NothingToDo("letter-already-sent", f"sent on {letter.sent_on}")
    if letter.status is not LetterStatus.DRAFTED:
        raise RuleViolation(
            "letter-must-be-drafted",
            f"the letter is {letter.status.value}: only a drafted letter can be sent",
        )
    if cmd.sent_on > london_date(rec.now):
        raise RuleViolation("letter-sent-date", "a letter cannot be marked sent in the future")
    if cmd.sent_on < london_date(letter.required_at):
        raise RuleViolation("letter-sent-date", "the letter cannot be sent before its decision")
    if letter.kind in DATE_BOUND_LETTERS and cmd.sent_on != letter.letter_date:
        # Its start, end and appeal dates were computed from the date it carries.
        raise RuleViolation(
            "letter-dated",
            f"the letter is dated {letter.letter_date} and states its dates from that day: "
            "redraft it for the day it goes out",
        )

    if cmd.sent_via is SentVia.EMAIL and letter.email_key is None:
        raise RuleViolation(
            "letter-by-email",
            "this letter has no email version: it goes by post (the policy lets only some "
            "letters go by email, and never to a customer whose email is restricted)",
        )

    kept = _kept_final(case, letter, cmd.final_key)
    sent = letter.model_copy(
        update={
            "status": LetterStatus.SENT,
            "sent_on": cmd.sent_on,
            "sent_by": rec.actor.actor_id,
            "sent_key": kept,
            "sent_via": cmd.sent_via,
        }
    )
    case = update_case(case, letters=_replace_letter(case, sent))
    rec.add(
        CaseEventType.LETTER_SENT,
        letter_id=letter.letter_id,
        letter_kind=letter.kind.value,
        sent_on=cmd.sent_on.isoformat(),
        sent_key=kept,  # None: the draft went as it was (events before it have no sent_key)
        sent_via=cmd.sent_via.value,
    )
    if letter.kind is LetterKind.CONCERN and case.concern is not None:
        due = policy.concern_follow_up_due(cmd.sent_on)
        case = update_case(
            case,
            concern=case.concern.model_copy(
                update={"letter_sent_on": cmd.sent_on, "follow_up_due_on": due}
            ),
        )
    if letter.kind is LetterKind.RESTRICTIONS and case.status is CaseStatus.RESTRICTIONS_DECIDED:
        # s.4: restrictions take effect once the customer has been told.
        case = start_restrictions(case, start_of_day(cmd.sent_on), rec, policy)
    decision = case.decision
    # A right of appeal exists only against restrictions in force (not lifted or lapsed ones).
    if letter.kind in APPEALABLE_LETTERS and decision is not None and case.status in IN_FORCE:
        closes_on = policy.appeal_window_closes(cmd.sent_on)
        case = update_case(
            case,
            appeal_window=AppealWindow(
                decision_id=decision.decision_id,
                letter_id=letter.letter_id,
                letter_sent_on=cmd.sent_on,
                closes_on=closes_on,
            ),
        )
        rec.add(
            CaseEventType.APPEAL_WINDOW_OPENED,
            decision_id=decision.decision_id,
            closes_on=closes_on.isoformat(),
            closes_at=end_of_day(closes_on).isoformat(),
        )
    return case


def _kept_final(case: Case, letter: Letter, final_key: str | None) -> str | None:
    """Where the final version posted is kept (None: the draft went unchanged). That the
    upload is there, and its size and type, the use case checked before deciding."""
    if final_key is None:
        return None
    kept = final_document_key(case.case_id, letter.letter_id, final_key)
    if kept is None:
        raise RuleViolation("letter-final", "the file is not one of this letter's uploads")
    return kept


def unsent_letter_due(letter: Letter, policy: Policy) -> date | None:
    """When the next unsent-letter reminder falls due, or None when none is owed."""
    if (
        letter.status is not LetterStatus.DRAFTED
        or letter.drafted_on is None
        or letter.kind in INTERNAL_LETTERS  # never sent
        or letter.unsent_reminders >= 2
    ):
        return None
    return policy.unsent_letter_reminder_due(letter.drafted_on, letter.unsent_reminders)


@handles(CommandKind.REMIND_UNSENT_LETTER)
def _remind_unsent(
    case: Case | None, cmd: RemindUnsentLetter, rec: Recorder, policy: Policy
) -> Case:
    case = require_case(case)
    letter = _known_letter(case, cmd.letter_id)
    due = unsent_letter_due(letter, policy)
    if due is None:
        raise NothingToDo("deadline-stale", "the letter was sent, redrafted or already escalated")
    if london_date(rec.now) < due:
        raise NothingToDo("deadline-early", f"the reminder is due on {due}")
    escalate = letter.unsent_reminders == 1
    senders = sorted(r.value for r in LETTER_SENDERS[letter.kind])
    # DESIGN.md: remind the manager, then escalate to the Head of Service, so restrictions that
    # wait on a forgotten letter never silently fail to start.
    rec.add(
        CaseEventType.LETTER_UNSENT,
        reason="a drafted letter has not been marked sent",
        letter_id=letter.letter_id,
        letter_kind=letter.kind.value,
        drafted_on=letter.drafted_on.isoformat() if letter.drafted_on else None,
        reminder=letter.unsent_reminders + 1,
        notify=Role.HEAD_OF_SERVICE.value if escalate else senders[0],
        alert=escalate,
    )
    reminded = letter.model_copy(update={"unsent_reminders": letter.unsent_reminders + 1})
    return update_case(case, letters=_replace_letter(case, reminded))


@handles(CommandKind.REDRAFT_LETTER)
def _redraft(case: Case | None, cmd: RedraftLetter, rec: Recorder, _p: Policy) -> Case:
    case = require_case(case)
    letter = _known_letter(case, cmd.letter_id)
    if rec.actor.role not in LETTER_SENDERS[letter.kind]:
        raise NotPermitted("letter-senders", f"a {letter.kind.value} letter is not yours to send")
    if letter.status is LetterStatus.SENT:
        raise RuleViolation("letter-already-sent", "a sent letter cannot be redrafted")
    if letter.status is LetterStatus.REQUIRED:
        raise NothingToDo("letter-duplicate", "a draft of this letter is already on its way")
    today = london_date(rec.now)
    redraft = letter.model_copy(update={"status": LetterStatus.REQUIRED, "problems": ()})
    rec.add(
        CaseEventType.LETTER_REDRAFT_REQUESTED,
        reason=cmd.reason,
        letter=redraft,
        letter_id=letter.letter_id,
        source_seq=letter.source_seq,
        dated_on=today.isoformat(),
    )
    return update_case(case, letters=_replace_letter(case, redraft))
