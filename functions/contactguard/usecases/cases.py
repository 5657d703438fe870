"""Cases: open one, read it and its timeline, decide on it, read a letter's document, and
ask which decisions are open to the person asking."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from contactguard.domain.access import Operation, require
from contactguard.domain.calendar import london_date
from contactguard.domain.case import (
    DOCX_TYPE,
    EML_TYPE,
    FINAL_DOCUMENT_MAX_BYTES,
    FINAL_DOCUMENT_TYPES,
    PDF_TYPE,
    AcceptLateAppeal,
    AppealOutcome,
    Case,
    CaseEvent,
    CloseCase,
    CloseConcern,
    Command,
    CommandKind,
    DecideAppeal,
    DecideReview,
    DeclineLateAppeal,
    DelayAppealReview,
    ImposeRestrictions,
    Letter,
    LetterKind,
    LogAppeal,
    MarkLetterSent,
    RedraftLetter,
    ReviewOutcome,
    VaryRestrictions,
    final_document_key,
    final_document_name,
    final_upload_prefix,
)
from contactguard.domain.deadlines import Deadline, pending_deadlines
from contactguard.domain.errors import NothingToDo, PolicyError, RuleViolation, VersionConflict
from contactguard.domain.lifecycle import PERMITTED_ROLES, TRANSITIONS, Outcome, decide
from contactguard.domain.model import Actor, EqualityConsiderations
from contactguard.domain.restrictions import OtherRestriction
from contactguard.ports import (
    CaseStore,
    Clock,
    LetterDocuments,
    LetterUploads,
    Log,
    UploadForm,
    UploadRules,
)
from contactguard.service import CaseService, UnknownCase
from contactguard.usecases.audit import Auditor
from contactguard.usecases.errors import AlreadyExists, NotFound
from contactguard.usecases.request import Request


@dataclass(frozen=True)
class Acted:
    """A command's result: the case as it now stands, the events recorded, or the rule that
    said there was nothing to do (then no events)."""

    case: Case
    events: list[CaseEvent] = field(default_factory=list)
    nothing_to_do: NothingToDo | None = None


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a case's timeline: an event, a letter (when its decision called for it) or
    a pending deadline (when it falls due); exactly one of the three is set."""

    at: datetime
    event: CaseEvent | None = None
    letter: Letter | None = None
    deadline: Deadline | None = None


# The decisions on an open case that staff take (the rest are the system's, or open a case).
CASE_DECISIONS = (
    CommandKind.CLOSE_CONCERN,
    CommandKind.IMPOSE_RESTRICTIONS,
    CommandKind.VARY_RESTRICTIONS,
    CommandKind.LOG_APPEAL,
    CommandKind.ACCEPT_LATE_APPEAL,
    CommandKind.DECLINE_LATE_APPEAL,
    CommandKind.DELAY_APPEAL_REVIEW,
    CommandKind.DECIDE_APPEAL,
    CommandKind.DECIDE_REVIEW,
    CommandKind.CLOSE_CASE,
)


@dataclass(frozen=True)
class Choices:
    """What the person asking may decide on a case now, as the lifecycle answers it.

    Each decision is put to `decide` with a stand-in command and nothing is recorded: the
    lifecycle's own rules (role, transition table, the case's state) say yes or why not, so an
    edge never keeps a copy of them. The answer holds for the case version it was asked of.
    """

    decisions: frozenset[CommandKind]
    # Every other decision of CASE_DECISIONS, with the lifecycle's refusal.
    refused: Mapping[CommandKind, PolicyError]
    # Of those refused: the role may take it and the status allows it, but a rule of this
    # case refuses it now (e.g. an appeal reviewer who took part in the decision).
    blocked: frozenset[CommandKind]
    # Restrictions may be imposed only as an immediate decision (no Step 1 letter sent).
    immediate_only: bool
    letters: frozenset[str]  # the case's letters, by id
    # (MARK_LETTER_SENT or REDRAFT_LETTER, letter id) -> the refusal, for each one refused.
    refused_letters: Mapping[tuple[CommandKind, str], PolicyError]

    @property
    def letters_to_send(self) -> frozenset[str]:
        return self._letters_open(CommandKind.MARK_LETTER_SENT)

    @property
    def letters_to_redraft(self) -> frozenset[str]:
        return self._letters_open(CommandKind.REDRAFT_LETTER)

    def _letters_open(self, kind: CommandKind) -> frozenset[str]:
        return frozenset(x for x in self.letters if (kind, x) not in self.refused_letters)


_STAND_IN = "(is this decision open?)"  # never recorded: stand-in commands are only asked


def _stand_ins(immediate: bool) -> dict[CommandKind, Command]:
    considered = EqualityConsiderations(
        reasonable_adjustments_considered=True,
        vulnerability_considered=True,
        equality_act_duties_considered=True,
        notes=_STAND_IN,
    )
    return {
        CommandKind.CLOSE_CONCERN: CloseConcern(reason=_STAND_IN),
        CommandKind.IMPOSE_RESTRICTIONS: ImposeRestrictions(
            restrictions=(OtherRestriction(details=_STAND_IN),),
            reason=_STAND_IN,
            equality=considered,
            immediate=immediate,
            immediate_reason=_STAND_IN if immediate else None,
        ),
        # A set no case has in force: the lifecycle refuses a variation that changes nothing.
        CommandKind.VARY_RESTRICTIONS: VaryRestrictions(
            restrictions=(OtherRestriction(details=_STAND_IN),),
            reason=_STAND_IN,
            equality=considered,
        ),
        CommandKind.ACCEPT_LATE_APPEAL: AcceptLateAppeal(reason=_STAND_IN),
        CommandKind.DECLINE_LATE_APPEAL: DeclineLateAppeal(reason=_STAND_IN),
        CommandKind.DECIDE_APPEAL: DecideAppeal(outcome=AppealOutcome.DISMISSED, reason=_STAND_IN),
        CommandKind.DECIDE_REVIEW: DecideReview(outcome=ReviewOutcome.CLOSE, reason=_STAND_IN),
        CommandKind.CLOSE_CASE: CloseCase(reason=_STAND_IN),
    }


UPLOAD_SECONDS = 15 * 60  # an upload form's life


@dataclass(frozen=True)
class Download:
    """A letter to download: from `link` (valid a short while), or else `document`."""

    letter: Letter
    filename: str
    link: str | None
    document: bytes | None

    @property
    def content_type(self) -> str:
        return document_type(self.filename)


def document_type(filename: str) -> str:
    """A letter document's type, by its name (a final version may be a PDF)."""
    lower = filename.lower()
    if lower.endswith(".eml"):
        return EML_TYPE
    return PDF_TYPE if lower.endswith(".pdf") else DOCX_TYPE


def safe_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def final_filename(case_id: str, letter: Letter) -> str:
    """The name the version its sender posted downloads as: the case, the letter and the
    name it was uploaded with."""
    return safe_filename(
        f"{case_id}-{letter.letter_id}-{final_document_name(letter.sent_key or '')}"
    )


def known_case(cases: CaseStore, case_id: str) -> Case:
    case = cases.get_case(case_id)
    if case is None:
        raise UnknownCase(case_id)
    return case


@dataclass
class Cases:
    service: CaseService
    cases: CaseStore
    documents: LetterDocuments
    uploads: LetterUploads
    audit: Auditor
    clock: Clock
    log: Log

    def open(self, request: Request, command: Command, customer_id: str, case_id: str) -> Outcome:
        """Open a case (a Step 1 concern, or immediate restrictions) for a known customer."""
        require(request.actor.role, Operation.OPEN_CASE)
        self.audit.record(request, Operation.OPEN_CASE, customer_id, case_id=case_id)
        try:
            return self.service.open_case(command, request.actor, self.clock())
        except VersionConflict as taken:  # the case id's item already exists
            raise AlreadyExists("case-exists", f"case {case_id} already exists") from taken

    def view(self, request: Request, case_id: str) -> Case:
        require(request.actor.role, Operation.READ_CASE)
        case = known_case(self.cases, case_id)
        self.audit.record(request, Operation.READ_CASE, case.customer_id, case_id=case_id)
        return case

    def history(self, request: Request, case_id: str) -> tuple[Case, list[CaseEvent]]:
        """A case and its events in order (the timeline's material)."""
        case = self.view(request, case_id)
        return case, self.cases.events(case_id)

    def act(
        self, request: Request, case_id: str, command: Command, kind: str, expected_version: int
    ) -> Acted:
        """Decide on a case; `kind` names the command in the audit record. A case that moved
        on since `expected_version` is a VersionConflict."""
        require(request.actor.role, Operation.DECIDE)
        case = known_case(self.cases, case_id)
        self.audit.record(
            request, Operation.DECIDE, case.customer_id, case_id=case_id, detail=f"command={kind}"
        )
        if (
            isinstance(command, MarkLetterSent)
            and command.final_key is not None
            # Kept only for a decision the lifecycle would take now (else it refuses below).
            and case.version == expected_version
            and self._refusal(case, command, request.actor, self.clock()) is None
        ):
            self._keep_final(case_id, command.letter_id, command.final_key)
        try:
            outcome = self.service.act(
                case_id, command, request.actor, self.clock(), expected_version=expected_version
            )
        except NothingToDo as nothing:
            return Acted(case=known_case(self.cases, case_id), nothing_to_do=nothing)
        return Acted(case=outcome.case, events=list(outcome.events))

    # The final version a manager posted (README "Letters") ----------------------------------

    def upload_form(
        self, request: Request, case_id: str, letter_id: str, redirect: str | None
    ) -> UploadForm:
        """A form that uploads the version of a letter its sender posted straight to the
        letters bucket, valid for 15 minutes; nothing is read or written yet (the letter's
        key is given when it is marked sent, and checked then)."""
        require(request.actor.role, Operation.DECIDE)
        if known_case(self.cases, case_id).letter(letter_id) is None:
            raise NotFound(f"case {case_id} has no letter {letter_id}")
        prefix = f"{final_upload_prefix(case_id, letter_id)}{secrets.token_hex(16)}/"
        rules = UploadRules(
            redirect=redirect,
            content_types=tuple(FINAL_DOCUMENT_TYPES),
            max_bytes=FINAL_DOCUMENT_MAX_BYTES,
            seconds=UPLOAD_SECONDS,
        )
        return self.uploads.upload_form(prefix, rules)

    def final_upload(self, request: Request, case_id: str, letter_id: str, key: str) -> str:
        """The file name of the final version uploaded at `key`, once it is one of this
        letter's uploads, is there, and is a DOCX or PDF of at most 10 MB (its HEAD); else a
        RuleViolation (rule `letter-final`) saying what is wrong. Marking the letter sent
        checks it again."""
        require(request.actor.role, Operation.DECIDE)
        self._checked_upload(case_id, letter_id, key)
        return final_document_name(key)

    def _checked_upload(self, case_id: str, letter_id: str, key: str) -> str:
        """Where the upload at `key` is kept once the letter is sent, when it passes."""
        kept = final_document_key(case_id, letter_id, key)
        if kept is None:
            raise RuleViolation("letter-final", "the file is not one of this letter's uploads")
        uploaded = self.uploads.uploaded(key)
        if uploaded is None:
            raise RuleViolation("letter-final", "the uploaded file is gone: upload it again")
        if not 1 <= uploaded.size <= FINAL_DOCUMENT_MAX_BYTES:
            raise RuleViolation("letter-final", "the file must be between 1 byte and 10 MB")
        if uploaded.content_type not in FINAL_DOCUMENT_TYPES:
            raise RuleViolation("letter-final", "the file must be a Word document (DOCX) or a PDF")
        return kept

    def _keep_final(self, case_id: str, letter_id: str, key: str) -> None:
        """Check the upload and copy it where the letter keeps it, before the case records
        it, so the key a sent letter names is always there (a decision that loses a race
        after this leaves a copy no letter names, never a letter naming no copy)."""
        kept = self._checked_upload(case_id, letter_id, key)
        self.uploads.keep(key, kept)
        self.log.info("a letter's final version was kept", extra={"letter_id": letter_id})

    def letter(
        self,
        request: Request,
        case_id: str,
        letter_id: str,
        *,
        final: bool = False,
        email: bool = False,
    ) -> tuple[Letter, bytes]:
        """A letter's current draft or sent document; `final`: the version its sender posted,
        when they changed the draft (NotFound when the draft went as it was); `email`: the
        draft's email version (NotFound when it has none). The review pack lists filed email
        by subject: only for the roles that may read it."""
        letter = self._readable_letter(request, case_id, letter_id)
        return letter, self._document(self._key(letter, final, email), letter_id)

    def download(
        self,
        request: Request,
        case_id: str,
        letter_id: str,
        seconds: int = 60,
        *,
        final: bool = False,
        email: bool = False,
    ) -> Download:
        """A letter for a browser: a short-lived address to fetch it from, or, where the
        documents have none, the document itself. Checked and audited as `letter`. `final`:
        the version its sender posted, when they changed the draft (else the draft); `email`:
        the draft's email version, an unsent message to open in a mail program."""
        letter = self._readable_letter(request, case_id, letter_id)
        key = self._key(letter, final, email)
        suffix = "eml" if email else "docx"
        name = safe_filename(f"{case_id}-{letter_id}-v{letter.version}.{suffix}")
        if final:
            name = final_filename(case_id, letter)
        link = self.documents.download_link(key, name, seconds)
        return Download(letter, name, link, None if link else self._document(key, letter_id))

    @staticmethod
    def _key(letter: Letter, final: bool, email: bool = False) -> str:
        if email:
            if letter.email_key is None:
                raise NotFound(f"letter {letter.letter_id} has no email version: it goes by post")
            return letter.email_key
        if not final:
            return letter.s3_key or ""
        if letter.sent_key is None:
            raise NotFound(f"letter {letter.letter_id} was sent as drafted: no other version")
        return letter.sent_key

    def _document(self, key: str, letter_id: str) -> bytes:
        document = self.documents.document(key)
        if document is None:
            self.log.warning("a letter's document is missing", extra={"letter_id": letter_id})
            raise NotFound(f"letter {letter_id}'s document is missing from the letters bucket")
        return document

    def _readable_letter(self, request: Request, case_id: str, letter_id: str) -> Letter:
        """The letter, once the caller may read it and the read is recorded."""
        require(request.actor.role, Operation.READ_LETTER)
        case = known_case(self.cases, case_id)
        letter = case.letter(letter_id)
        if letter is None:
            raise NotFound(f"case {case_id} has no letter {letter_id}")
        if letter.kind is LetterKind.REVIEW_PACK:
            require(request.actor.role, Operation.READ_REVIEW_PACK)
        if letter.s3_key is None:
            raise NotFound(f"letter {letter_id} has no document yet (it is {letter.status.value})")
        self.audit.record(
            request, Operation.READ_LETTER, case.customer_id, case_id=case_id, letter_id=letter_id
        )
        return letter

    def timeline(self, request: Request, case_id: str) -> tuple[Case, list[TimelineEntry]]:
        """A case's events, its letters (when their decision called for them) and its pending
        deadlines (with the configured calendar), in time order."""
        case, events = self.history(request, case_id)
        entries: list[tuple[datetime, int, int, TimelineEntry]] = []
        for event in events:
            entries.append((event.at, 0, event.seq, TimelineEntry(at=event.at, event=event)))
        for n, letter in enumerate(case.letters):
            entry = TimelineEntry(at=letter.required_at, letter=letter)
            entries.append((letter.required_at, 1, n, entry))
        for n, deadline in enumerate(pending_deadlines(case, self.service.policy)):
            entries.append(
                (deadline.fire_at, 2, n, TimelineEntry(deadline.fire_at, deadline=deadline))
            )
        entries.sort(key=lambda item: (item[0], item[1], item[2]))
        return case, [entry for *_, entry in entries]

    def _delay_stand_in(self, case: Case, today: date) -> DelayAppealReview:
        """A delay the lifecycle would take if the review may be delayed at all: to the first
        working day after both its due date and today."""
        appeal = case.open_appeal
        due = appeal.review_due_on if appeal and appeal.review_due_on else today
        return DelayAppealReview(
            appeal_id=appeal.appeal_id if appeal else _STAND_IN,
            review_due_on=self.service.policy.calendar.working_days_after(max(due, today), 1),
            reason=_STAND_IN,
        )

    def choices(self, request: Request, case: Case) -> Choices:
        """The decisions `request`'s actor may take on `case` (as read by `view` or `history`)
        now. Nothing is read, written or audited: the answer is the lifecycle's, given the
        case the caller already holds."""
        actor, now = request.actor, self.clock()
        today = london_date(now)
        stand_ins = _stand_ins(immediate=True)
        stand_ins[CommandKind.LOG_APPEAL] = LogAppeal(received_on=today, grounds=_STAND_IN)
        stand_ins[CommandKind.DELAY_APPEAL_REVIEW] = self._delay_stand_in(case, today)
        decisions: set[CommandKind] = set()
        refused: dict[CommandKind, PolicyError] = {}
        blocked: set[CommandKind] = set()
        for kind in CASE_DECISIONS:
            refusal = self._refusal(case, stand_ins[kind], actor, now)
            if refusal is None:
                decisions.add(kind)
                continue
            refused[kind] = refusal
            if actor.role in PERMITTED_ROLES[kind] and (case.status, kind) in TRANSITIONS:
                blocked.add(kind)
        step_2 = _stand_ins(immediate=False)[CommandKind.IMPOSE_RESTRICTIONS]
        immediate_only = (
            CommandKind.IMPOSE_RESTRICTIONS in decisions
            and self._refusal(case, step_2, actor, now) is not None
        )
        letters: dict[tuple[CommandKind, str], PolicyError] = {}
        for letter in case.letters:
            sent_on = _earliest_send_date(letter, today)
            for command in (
                MarkLetterSent(letter_id=letter.letter_id, sent_on=sent_on),
                RedraftLetter(letter_id=letter.letter_id),
            ):
                if (refusal := self._refusal(case, command, actor, now)) is not None:
                    letters[(command.kind, letter.letter_id)] = refusal
        return Choices(
            decisions=frozenset(decisions),
            refused=refused,
            blocked=frozenset(blocked),
            immediate_only=immediate_only,
            letters=frozenset(x.letter_id for x in case.letters),
            refused_letters=letters,
        )

    def _refusal(
        self, case: Case, command: Command, actor: Actor, now: datetime
    ) -> PolicyError | None:
        try:
            decide(case, command, actor, now, self.service.policy)
        except PolicyError as refusal:  # NothingToDo too: there is nothing to decide
            return refusal
        return None


def _earliest_send_date(letter: Letter, today: date) -> date:
    """The send date the lifecycle is likeliest to accept: the day the letter carries (a
    date-bound letter must go that day), or today when it carries a later one."""
    return min(letter.letter_date, today)
