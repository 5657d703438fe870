"""Cases: open one, read it, read a letter's document, decide on it, read its timeline.

The routes register in this order (the role-by-route tables list them so)."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path, Query

from api.exceptions import BadRequest, from_request
from api.identity import staff_request
from api.models import (
    CaseCommandRequest,
    CaseView,
    CommandResult,
    DeadlineEntry,
    EventEntry,
    LetterEntry,
    OpenCaseRequest,
    Timeline,
    TimelineEntry,
    UploadFormReply,
    domain_command,
)
from api.resolver import CaseId, endpoint, etag, json_reply, replies
from api.wiring import current
from contactguard.domain.access import Operation
from contactguard.domain.case import (
    EML_TYPE,
    FINAL_DOCUMENT_MAX_BYTES,
    FINAL_DOCUMENT_TYPES,
    PDF_TYPE,
)
from contactguard.usecases.cases import UPLOAD_SECONDS, document_type, final_filename
from contactguard.usecases.cases import TimelineEntry as CaseTimelineEntry


def expected_version(in_body: int | None, if_match: str | None) -> int:
    header: int | None = None
    if if_match is not None:
        tag = if_match.strip().removeprefix("W/").strip('"')
        if not tag.isdigit() or int(tag) < 1 or len(tag) > 9:
            raise BadRequest("header.If-Match", 'a case version, as GET /cases/{id} gives: "3"')
        header = int(tag)
    if in_body is not None and header is not None and in_body != header:
        raise BadRequest("body.expected_version", "differs from the If-Match header")
    version = in_body if in_body is not None else header
    if version is None:
        raise BadRequest(
            "body.expected_version",
            "give the case version you acted on, in the body or an If-Match header",
        )
    return version


@endpoint(
    "POST",
    "/cases",
    Operation.OPEN_CASE,
    summary="Open a case: a Step 1 concern, or immediate restrictions",
    responses=replies(201, "the case is open", 400, 401, 403, 404, 409, 413),
    tags=["cases"],
)
def open_case(
    opening: Annotated[OpenCaseRequest, Body(discriminator="kind")],
) -> Response[CommandResult]:
    request = staff_request()
    command = from_request(lambda: domain_command(opening))
    outcome = current().use_cases.cases.open(
        request, command, customer_id=opening.customer_id, case_id=opening.case_id
    )
    case = outcome.case
    return json_reply(
        201,
        CommandResult(
            outcome="decided",
            case_id=case.case_id,
            version=case.version,
            case=case,
            events=list(outcome.events),
        ),
        headers={"Location": f"/cases/{case.case_id}", **etag(case.version)},
    )


@endpoint(
    "GET",
    "/cases/<case_id>",
    Operation.READ_CASE,
    summary="A case's state and version (also in the ETag header)",
    responses=replies(200, "the case", 400, 401, 403, 404),
    tags=["cases"],
)
def get_case(case_id: CaseId) -> Response[CaseView]:
    case = current().use_cases.cases.view(staff_request(), case_id)
    return json_reply(
        200, CaseView(case_id=case_id, version=case.version, case=case), etag(case.version)
    )


# A case's letters -----------------------------------------------------------------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

LetterId = Annotated[str, Path(min_length=1, max_length=64, description="the letter's id")]


@endpoint(
    "GET",
    "/cases/<case_id>/letters/<letter_id>",
    Operation.READ_LETTER,
    summary="A letter's current draft (DOCX), the version its sender posted (DOCX or PDF), or "
    "the draft's email version (an unsent message); send Accept with its type",
    responses={
        **replies(200, "the document", 400, 401, 403, 404),
        200: {
            "description": "the document",
            "content": {DOCX: {"schema": {}}, PDF_TYPE: {"schema": {}}, EML_TYPE: {"schema": {}}},
        },
    },
    tags=["cases"],
)
# No return annotation on purpose: Powertools validates an annotated reply as JSON, and this
# one is a document's bytes (base64 through API Gateway).
def get_letter(  # type: ignore[no-untyped-def]
    case_id: CaseId,
    letter_id: LetterId,
    version: Annotated[
        Literal["draft", "sent", "email"],
        Query(
            description="sent: the version posted, kept when it was not the draft unchanged; "
            "email: the draft's email version, where the policy lets the letter go by email "
            "and the customer's email is open (404 otherwise)"
        ),
    ] = "draft",
):
    final, email = version == "sent", version == "email"
    letter, document = current().use_cases.cases.letter(
        staff_request(), case_id, letter_id, final=final, email=email
    )
    name = f"{case_id}-{letter_id}.{'eml' if email else 'docx'}"
    if final:
        name = final_filename(case_id, letter)
    return Response(
        200,
        document_type(name),
        document,
        {"Content-Disposition": f'attachment; filename="{name}"', "ETag": f'"{letter.version}"'},
    )


@endpoint(
    "POST",
    "/cases/<case_id>/letters/<letter_id>/upload-form",
    Operation.DECIDE,
    summary="A presigned POST to upload the version of a letter its sender posted",
    responses=replies(200, "the form, valid 15 minutes", 400, 401, 403, 404),
    tags=["cases"],
)
def letter_upload_form(case_id: CaseId, letter_id: LetterId) -> UploadFormReply:
    form = current().use_cases.cases.upload_form(staff_request(), case_id, letter_id, None)
    return UploadFormReply(
        url=form.url,
        fields=form.fields,
        content_types=list(FINAL_DOCUMENT_TYPES),
        max_bytes=FINAL_DOCUMENT_MAX_BYTES,
        expires_in_seconds=UPLOAD_SECONDS,
    )


# Decisions ------------------------------------------------------------------------------------


@endpoint(
    "POST",
    "/cases/<case_id>/commands",
    Operation.DECIDE,
    summary="Record a decision on a case (any command of the case lifecycle)",
    responses=replies(200, "decided, or nothing to do", 400, 401, 403, 404, 409, 413),
    tags=["cases"],
)
def command_case(
    case_id: CaseId,
    request: Annotated[CaseCommandRequest, Body(discriminator="kind")],
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", max_length=40, description='the case version, e.g. "3"'),
    ] = None,
) -> Response[CommandResult]:
    asking = staff_request()
    expected = expected_version(request.expected_version, if_match)
    command = from_request(lambda: domain_command(request))
    acted = current().use_cases.cases.act(asking, case_id, command, request.kind, expected)
    case = acted.case
    if acted.nothing_to_do is not None:
        result = CommandResult(
            outcome="nothing-to-do",
            case_id=case_id,
            version=case.version,
            case=case,
            rule=acted.nothing_to_do.rule,
            note=acted.nothing_to_do.message,
        )
    else:
        result = CommandResult(
            outcome="decided",
            case_id=case_id,
            version=case.version,
            case=case,
            events=acted.events,
        )
    return json_reply(200, result, etag(case.version))


def timeline_entry(entry: CaseTimelineEntry) -> TimelineEntry:
    if entry.event is not None:
        return EventEntry(at=entry.at, event=entry.event)
    if entry.letter is not None:
        return LetterEntry(at=entry.at, letter=entry.letter)
    if entry.deadline is None:
        raise AssertionError("a timeline entry holds an event, a letter or a deadline")
    deadline = entry.deadline
    return DeadlineEntry(at=entry.at, deadline=deadline.kind, command=deadline.command)


@endpoint(
    "GET",
    "/cases/<case_id>/timeline",
    Operation.READ_CASE,
    summary="A case's events, letters and pending deadlines, in time order",
    responses=replies(200, "the timeline", 400, 401, 403, 404),
    tags=["cases"],
)
def case_timeline(case_id: CaseId) -> Timeline:
    case, entries = current().use_cases.cases.timeline(staff_request(), case_id)
    return Timeline(
        case_id=case_id,
        status=case.status,
        version=case.version,
        entries=[timeline_entry(entry) for entry in entries],
    )
