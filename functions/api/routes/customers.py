"""Customers: register one, read one with their cases, link an email address, correct one."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from api.identity import staff_request
from api.models import (
    CaseSummary,
    CorrectCustomer,
    CustomerCorrected,
    CustomerView,
    EmailLinked,
    LetterFormatSet,
    LinkEmail,
    NewCustomer,
    SetLetterFormat,
)
from api.resolver import CustomerId, endpoint, json_reply, replies
from api.wiring import current
from contactguard.domain.access import Operation
from contactguard.domain.case import Case
from contactguard.domain.model import Customer


def customer_view(customer: Customer, cases: list[Case]) -> CustomerView:
    return CustomerView(
        customer=customer,
        cases=[
            CaseSummary(
                case_id=c.case_id, status=c.status, version=c.version, opened_at=c.opened_at
            )
            for c in cases
        ],
    )


@endpoint(
    "POST",
    "/customers",
    Operation.REGISTER_CUSTOMER,
    summary="Register a customer",
    responses=replies(201, "registered", 400, 401, 403, 409, 413),
    tags=["customers"],
)
def create_customer(new: NewCustomer) -> Response[CustomerView]:
    request = staff_request()
    fields = new.model_dump(exclude={"customer_id"})
    customer = current().use_cases.customers.register(request, fields, new.customer_id)
    return json_reply(
        201,
        customer_view(customer, []),
        headers={"Location": f"/customers/{customer.customer_id}"},
    )


@endpoint(
    "GET",
    "/customers/<customer_id>",
    Operation.READ_CUSTOMER,
    summary="A customer and their cases",
    responses=replies(200, "the customer", 400, 401, 403, 404),
    tags=["customers"],
)
def get_customer(customer_id: CustomerId) -> CustomerView:
    customer, cases = current().use_cases.customers.view(staff_request(), customer_id)
    return customer_view(customer, cases)


@endpoint(
    "POST",
    "/customers/<customer_id>/emails",
    Operation.LINK_EMAIL,
    summary="Link an email address; earlier unmatched contacts from it are attributed",
    responses=replies(200, "linked", 400, 401, 403, 404, 409, 413),
    tags=["customers"],
)
def link_email(customer_id: CustomerId, link: LinkEmail) -> EmailLinked:
    linked = current().use_cases.customers.link_email(staff_request(), customer_id, link.address)
    return EmailLinked(
        customer_id=customer_id,
        address=link.address,
        already_linked=linked.already_linked,
        attributed=linked.attributed,
    )


@endpoint(
    "PUT",
    "/customers/<customer_id>/letter-format",
    Operation.SET_LETTER_FORMAT,
    summary="How letters to the customer are printed: large print is a reasonable adjustment",
    responses=replies(200, "recorded: the next letter drafted uses it", 400, 401, 403, 404, 413),
    tags=["customers"],
)
def set_letter_format(customer_id: CustomerId, change: SetLetterFormat) -> LetterFormatSet:
    customer = current().use_cases.customers.set_letter_format(
        staff_request(), customer_id, change.letter_format
    )
    return LetterFormatSet(customer_id=customer_id, letter_format=customer.letter_format)


@endpoint(
    "PATCH",
    "/customers/<customer_id>",
    Operation.RECTIFY_CUSTOMER,
    summary="Correct a customer's name, postal address or an email address (UK GDPR Art. 16); "
    "the values replaced are kept in the change's audit record only",
    responses=replies(200, "corrected", 400, 401, 403, 404, 409, 413),
    tags=["customers"],
)
def correct_customer(customer_id: CustomerId, correction: CorrectCustomer) -> CustomerCorrected:
    fields = correction.model_dump(exclude_none=True)
    rectified = current().use_cases.customers.correct(staff_request(), customer_id, fields)
    return CustomerCorrected(
        customer=rectified.customer,
        corrected=list(rectified.fields),
        attributed=rectified.attributed,
    )
