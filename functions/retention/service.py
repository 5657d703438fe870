"""The daily purge: delete every S3 object whose record's retention has passed.

DynamoDB's TTL deletes the table's items (each stamped from contactguard.domain.retention when
written); S3 has no such thing for a period that depends on other records (a customer's raw
mail is kept while any case of theirs is), so once a day this looks at each object beside its
record and deletes what is due:

- raw mail (`inbound/{SES message id}`): with its contact (`email-{message id}`), through the
  expiry on the contact's key item; an object whose record is gone (TTL deleted it, or none was
  ever written) goes once the shortest mail period has passed since it was stored;
- what we sent (`sent/{contact id}.eml`: auto-replies, copies forwarded to staff or an
  officer): with its outbound contact, the same way (it is on the customer's record, so it is
  kept exactly as long as their inbound mail);
- a case's letter documents (`letters/{case_id}/...`, every version: the bucket is versioned):
  with the case's records, or once the case's state is gone.

Previews, unkept uploads and staged attachments expire by the buckets' lifecycle rules
(infra/template.yaml). Nothing here logs personal data: counts only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from contactguard.domain.outbound import SENT_SUFFIX
from contactguard.domain.retention import HeldRecord, RetentionSchedule, letters_due


def email_contact_id(message_id: str) -> str:
    """The contact ingest records for an SES message (ingest.service: `email-{message id}`)."""
    return f"email-{message_id}"


class RawMailObjects(Protocol):
    def stored(self) -> Iterator[tuple[str, datetime]]:
        """(name, when stored) of each message held under the prefix: an SES message id
        (inbound/), or an outbound contact's `{contact id}.eml` (sent/)."""
        ...

    def delete(self, name: str) -> None: ...


class LetterObjects(Protocol):
    def cases(self) -> Iterator[str]:
        """The id of each case with letter documents held."""
        ...

    def delete_case(self, case_id: str) -> int:
        """Delete every version of every document of the case; returns how many."""
        ...


class RecordExpiries(Protocol):
    def contact_held(self, contact_id: str) -> HeldRecord: ...
    def case_held(self, case_id: str) -> HeldRecord: ...


@dataclass
class PurgeReport:
    raw_mail_deleted: int = 0
    raw_mail_kept: int = 0
    sent_mail_deleted: int = 0
    sent_mail_kept: int = 0
    letter_cases_deleted: int = 0
    letter_documents_deleted: int = 0
    letter_cases_kept: int = 0


@dataclass
class RetentionPurge:
    schedule: RetentionSchedule
    records: RecordExpiries
    raw_mail: RawMailObjects
    sent_mail: RawMailObjects
    letters: LetterObjects

    def run(self, now: datetime) -> PurgeReport:
        report = PurgeReport()
        # Read each listing whole before deleting from it.
        for message_id, stored in list(self.raw_mail.stored()):
            record = self.records.contact_held(email_contact_id(message_id))
            if self.schedule.raw_mail_due(record, stored, now):
                self.raw_mail.delete(message_id)
                report.raw_mail_deleted += 1
            else:
                report.raw_mail_kept += 1
        for name, stored in list(self.sent_mail.stored()):
            record = self.records.contact_held(name.removesuffix(SENT_SUFFIX))
            if self.schedule.raw_mail_due(record, stored, now):
                self.sent_mail.delete(name)
                report.sent_mail_deleted += 1
            else:
                report.sent_mail_kept += 1
        for case_id in list(self.letters.cases()):
            if letters_due(self.records.case_held(case_id), now):
                report.letter_documents_deleted += self.letters.delete_case(case_id)
                report.letter_cases_deleted += 1
            else:
                report.letter_cases_kept += 1
        return report
