"""Ready-made decisions for local runs, benchmarks and tests (never shipped)."""

from __future__ import annotations

from contactguard.domain.case import ImposeRestrictions
from contactguard.domain.model import (
    Behaviour,
    EqualityConsiderations,
)
from contactguard.domain.restrictions import (
    LettersOnly,
    Restriction,
)

CONSIDERED = EqualityConsiderations(
    reasonable_adjustments_considered=True,
    vulnerability_considered=True,
    equality_act_duties_considered=True,
    notes="considered: no vulnerability known",
)


def immediate_restrictions(
    case_id: str,
    customer_id: str,
    *restrictions: Restriction,
    reason: str = "threats to staff",
) -> ImposeRestrictions:
    """An immediate Step 2 decision (policy s.4: extreme behaviour, no prior warning)."""
    return ImposeRestrictions(
        case_id=case_id,
        customer_id=customer_id,
        restrictions=restrictions or (LettersOnly(write_to="Customer Services, PO Box 1"),),
        behaviours=(Behaviour.THREATENING_LANGUAGE,),
        reason=reason,
        immediate=True,
        immediate_reason="threatened an officer",
        equality=CONSIDERED,
    )
