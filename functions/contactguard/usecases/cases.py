"""Cases: open one, read it and its timeline, decide on it, read a letter's document."""

from __future__ import annotations

from dataclasses import dataclass, field

from contactguard.domain.access import Operation, require
from contactguard.domain.case import Case, CaseEvent, Command, Letter, LetterKind
from contactguard.domain.errors import NothingToDo, VersionConflict
from contactguard.domain.lifecycle import Outcome
from contactguard.ports import CaseStore, Clock, LetterDocuments, Log
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
        try:
            outcome = self.service.act(
                case_id, command, request.actor, self.clock(), expected_version=expected_version
            )
        except NothingToDo as nothing:
            return Acted(case=known_case(self.cases, case_id), nothing_to_do=nothing)
        return Acted(case=outcome.case, events=list(outcome.events))

    def letter(self, request: Request, case_id: str, letter_id: str) -> tuple[Letter, bytes]:
        """A letter's current draft or sent document. The review pack lists filed email by
        subject: only for the roles that may read it."""
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
        document = self.documents.document(letter.s3_key)
        if document is None:
            self.log.warning("a letter's document is missing", extra={"letter_id": letter_id})
            raise NotFound(f"letter {letter_id}'s document is missing from the letters bucket")
        return letter, document
