"""The recorder of the events one command produces."""

from __future__ import annotations

from datetime import datetime

from pydantic import JsonValue

from contactguard.domain.case import (
    CaseEvent,
    CaseEventType,
    Letter,
    LetterKind,
    LetterRef,
)
from contactguard.domain.model import Actor


class Recorder:
    """Collects the events one command produces, numbering them from the case version."""

    def __init__(self, case_id: str, customer_id: str, version: int, actor: Actor, now: datetime):
        self.case_id, self.customer_id = case_id, customer_id
        self.version, self.actor, self.now = version, actor, now
        self.events: list[CaseEvent] = []
        self.letters: list[Letter] = []

    @property
    def next_seq(self) -> int:
        return self.version + len(self.events) + 1

    def letter_for_next(self, kind: LetterKind) -> Letter:
        """A letter required by the next event; its id is deterministic (kind + event seq)."""
        letter = Letter(
            letter_id=f"{kind.value}-{self.next_seq:04d}",
            kind=kind,
            required_at=self.now,
            source_seq=self.next_seq,
        )
        self.letters.append(letter)
        return letter

    def add(
        self,
        type_: CaseEventType,
        *,
        reason: str | None = None,
        letter: Letter | None = None,
        **data: JsonValue,
    ) -> None:
        self.events.append(
            CaseEvent(
                case_id=self.case_id,
                customer_id=self.customer_id,
                seq=self.next_seq,
                type=type_,
                at=self.now,
                actor=self.actor,
                reason=reason,
                data=data,
                letter=LetterRef(letter_id=letter.letter_id, kind=letter.kind) if letter else None,
            )
        )
