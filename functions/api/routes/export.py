"""Subject access: everything held on one customer, as one JSON document, and as a zip built
by an asynchronous job (start it, watch it, release it after the redaction review, download
it)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from api.identity import staff_request
from api.models import CaseRecord, ExportJobReply, ReleaseExport, SubjectAccessExport
from api.resolver import CustomerId, endpoint, replies
from api.wiring import current
from contactguard.domain.access import Operation
from contactguard.domain.subject_access import ExportJob, Withheld

EXPORT_NOT_INCLUDED = [
    "letter documents, every version drafted and the version sent, their email versions, each "
    "email as received or sent (.eml), the signals raised on the customer's contact and the "
    "audit of who viewed the record: in the subject access zip "
    "(POST /customers/{customer_id}/exports)",
]
ZIP_TYPE = "application/zip"

JobId = Annotated[
    str, Path(min_length=1, max_length=80, pattern=r"^[a-z0-9-]+$", description="the job's id")
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


def _reply(job: ExportJob, download_url: str | None = None) -> ExportJobReply:
    return ExportJobReply(
        job_id=job.job_id,
        customer_id=job.customer_id,
        status=job.status,
        requested_by=job.requested_by,
        requested_at=job.requested_at,
        done=job.done,
        total=job.total,
        files=job.files,
        marked=list(job.marked),
        built_at=job.built_at,
        released_by=job.released_by,
        released_at=job.released_at,
        withheld=list(job.withheld),
        download_url=download_url,
    )


@endpoint(
    "POST",
    "/customers/<customer_id>/exports",
    Operation.SUBJECT_ACCESS_EXPORT,
    summary="Start a subject access export (a zip of everything held), built in the background",
    responses=replies(202, "started: GET /exports/{job_id} for its progress", 400, 401, 403, 404),
    tags=["customers"],
)
def start_export(customer_id: CustomerId) -> Response[ExportJobReply]:
    job = current().use_cases.export_jobs.start(staff_request(), customer_id)
    return Response(
        202,
        "application/json",
        _reply(job),
        {"Location": f"/exports/{job.job_id}"},
    )


@endpoint(
    "GET",
    "/exports/<job_id>",
    Operation.SUBJECT_ACCESS_EXPORT,
    summary="A subject access export: its progress, what it marks for redaction review, and "
    "once released a short-lived download link",
    responses=replies(200, "the job", 400, 401, 403, 404),
    tags=["customers"],
)
def export_status(job_id: JobId) -> ExportJobReply:
    jobs = current().use_cases.export_jobs
    request = staff_request()
    job = jobs.status(request, job_id)
    link = None
    if job.status.value == "released":
        link = jobs.download(request, job_id).link
    return _reply(job, link)


@endpoint(
    "POST",
    "/exports/<job_id>/release",
    Operation.RELEASE_SUBJECT_ACCESS_EXPORT,
    summary="Release a reviewed draft export, less any files withheld (each with its reason): "
    "from now on it may be downloaded (audited)",
    responses=replies(200, "released", 400, 401, 403, 404, 409),
    tags=["customers"],
)
def release_export(job_id: JobId, release: ReleaseExport) -> ExportJobReply:
    jobs = current().use_cases.export_jobs
    request = staff_request()
    withheld = [Withheld(path=w.path, reason=w.reason) for w in release.withheld]
    job = jobs.release(request, job_id, release.note, withheld)
    return _reply(job, jobs.download(request, job_id).link)


@endpoint(
    "GET",
    "/exports/<job_id>/zip",
    Operation.SUBJECT_ACCESS_EXPORT,
    summary="A released export's zip, as bytes (send Accept: application/zip); a draft only "
    "to the officer reviewing it (?review=true, audited)",
    responses={
        **replies(200, "the zip", 400, 401, 403, 404, 409),
        200: {"description": "the zip", "content": {ZIP_TYPE: {"schema": {}}}},
    },
    tags=["customers"],
)
# No return annotation on purpose: the reply is the zip's bytes (base64 through API Gateway).
def export_zip(  # type: ignore[no-untyped-def]
    job_id: JobId,
    review: Annotated[
        bool,
        Query(
            description="true: the draft, for the data protection officer's redaction review "
            "before release (refused to anyone who may not release it)"
        ),
    ] = False,
):
    download = current().use_cases.export_jobs.download(
        staff_request(), job_id, body=True, review=review
    )
    draft = download.job.status.value == "draft"
    name = f"{download.job.customer_id}-subject-access{'-draft' if draft else ''}.zip"
    return Response(
        200,
        ZIP_TYPE,
        download.body,
        {"Content-Disposition": f'attachment; filename="{name}"'},
    )
