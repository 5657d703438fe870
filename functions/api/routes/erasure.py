"""Erasure (UK GDPR Art. 17), for the data protection officer: a customer with no case that
still needs their data, or an unmatched sender's mail. Each reply is the receipt."""

from __future__ import annotations

from api.identity import staff_request
from api.models import EraseSender
from api.resolver import CustomerId, endpoint, replies
from api.wiring import current
from contactguard.domain.access import Operation
from contactguard.domain.personal_data import ErasureReceipt


@endpoint(
    "POST",
    "/customers/<customer_id>/erasure",
    Operation.ERASE_PERSONAL_DATA,
    summary="Erase a customer everywhere (profile, addresses, contacts, stored mail, signals, "
    "ledgers); refused while a case still needs their data (rule design-erasure-case-history)",
    responses=replies(200, "erased: the receipt (ids and counts only)", 400, 401, 403, 404, 409),
    tags=["data protection"],
)
def erase_customer(customer_id: CustomerId) -> ErasureReceipt:
    return current().use_cases.erasure.erase_customer(staff_request(), customer_id)


@endpoint(
    "POST",
    "/erasure/senders",
    Operation.ERASE_PERSONAL_DATA,
    summary="Erase an unmatched sender's mail (contacts from an address no customer holds, "
    "and their stored messages); refused when a customer holds the address",
    responses=replies(
        200, "erased: the receipt (the address only as a hash)", 400, 401, 403, 409, 413
    ),
    tags=["data protection"],
)
def erase_sender(sender: EraseSender) -> ErasureReceipt:
    return current().use_cases.erasure.erase_sender(staff_request(), sender.address)
