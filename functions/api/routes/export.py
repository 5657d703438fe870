"""Subject access: everything held on one customer, as one JSON document."""

from __future__ import annotations

from api.identity import staff_request
from api.models import CaseRecord, SubjectAccessExport
from api.resolver import CustomerId, endpoint, replies
from api.wiring import current
from contactguard.domain.access import Operation

EXPORT_NOT_INCLUDED = [
    "letter documents (DOCX): the export lists each letter and its status; each document is "
    "at GET /cases/{case_id}/letters/{letter_id} (the CLI's export zip includes them)",
    "raw email messages: each email contact names its stored message (raw_ref)",
]


@endpoint(
    "GET",
    "/customers/<customer_id>/export",
    Operation.SUBJECT_ACCESS_EXPORT,
    summary="Subject access: everything held on one customer, as one JSON document",
    responses=replies(200, "everything held", 400, 401, 403, 404),
    tags=["customers"],
)
def export_customer(customer_id: CustomerId) -> SubjectAccessExport:
    everything = current().use_cases.subject_access.export(staff_request(), customer_id)
    return SubjectAccessExport(
        exported_at=everything.exported_at,
        customer=everything.customer,
        contacts=everything.contacts,
        unattributed_contacts=everything.unattributed_contacts,
        cases=[CaseRecord(case=case, events=events) for case, events in everything.cases],
        not_included=EXPORT_NOT_INCLUDED,
    )
