"""The audit trail: who read or changed a customer's personal data, in what role, when.

One `AuditRecord` per customer a request touched (a read queue of five customers' email is
five records), written before the data leaves or the change is made: a request whose record
cannot be written shows nothing and changes nothing. Records hold ids and codes only, never
names, addresses or words, so the trail itself discloses nothing; the one exception is a
rectification's record, which keeps the values it corrected (`corrected`) so the change can be
accounted for, and loses them when the customer is erased. The data protection
officer asks it "who looked at customer X" or "what did this member of staff look at".

Pure values: no AWS, no environment, no clock.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from contactguard.domain.access import Operation
from contactguard.domain.model import AwareDatetime, Frozen, Role
from contactguard.domain.personal_data import Correction

Id = Annotated[str, Field(min_length=1, max_length=200)]


class AuditRecord(Frozen):
    audit_id: Id  # unique: the request id and a counter
    at: AwareDatetime
    actor_id: Annotated[str, Field(min_length=1, max_length=128)]
    role: Role
    operation: Operation
    customer_id: Id | None = None  # None when nothing was found (e.g. a lookup of no one)
    case_id: Id | None = None
    contact_id: Id | None = None
    letter_id: Id | None = None
    # Codes and counts only, e.g. "by=email found=false" or "items=3": never personal data.
    detail: Annotated[str, Field(max_length=200)] = ""
    # A rectification's record only: what each corrected value held before (UK GDPR Art. 16).
    # The one place an old value is kept; an erasure of the customer clears it.
    corrected: tuple[Correction, ...] = ()
