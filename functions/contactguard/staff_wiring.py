"""The staff use cases over DynamoDB and the letters bucket: what the API and the console
both serve, wired in one place (each function's composition root calls this)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import S3Erasure, S3Objects, S3RawMail
from contactguard.ports import Clock, Log
from contactguard.settings import CoreSettings
from contactguard.usecases import EARLIEST_DATE, StaffUseCases, staff_use_cases


class ErasureNotServed(Exception):
    """This edge was not given the buckets erasure deletes from: nothing was deleted."""


class NoErasure:
    """StoredObjects where an edge does not erase (the console): refuses before anything
    in a bucket or the table is deleted (the use case deletes objects first)."""

    def erase_messages(self, raw_refs: tuple[str, ...]) -> dict[str, int]:
        raise ErasureNotServed

    def erase_letters(self, case_id: str) -> dict[str, int]:
        raise ErasureNotServed

    def erase_sent(self, contact_ids: tuple[str, ...]) -> dict[str, int]:
        raise ErasureNotServed

    def erase_exports(self, customer_id: str) -> dict[str, int]:
        raise ErasureNotServed


def staff_on_aws(
    settings: CoreSettings,
    letters_bucket: str,
    clock: Clock,
    log: Log,
    *,
    links: bool = True,
    raw_mail: tuple[str, str] | None = None,
    erasure_raw_mail: tuple[str, str] | None = None,
    upload_url: str | None = None,
    exports_bucket: str | None = None,
    erasure_exports: str | None = None,
) -> tuple[StaffUseCases, DynamoStore]:
    """(the use cases, the store behind them) over one DynamoDB client and the buckets.
    `links`: whether a letter or an attachment may be downloaded by a presigned address (not
    where no browser can reach the bucket: the embedded stack). `raw_mail`: the (bucket,
    prefix) of the stored messages, for an edge that shows filed email's words (the
    console); None elsewhere. `erasure_raw_mail`: the same, for an edge that erases (the
    API); elsewhere erasure is refused before anything is deleted. `upload_url`: where upload
    forms post, when not to the bucket itself (the embedded stack's stand-in).
    `exports_bucket`: where subject access zips are (the API's; None elsewhere);
    `erasure_exports`: the same, for an edge that erases (an erased customer's zips go too)."""
    if (erasure_raw_mail is None) != (erasure_exports is None):
        raise TypeError("an edge that erases names both erasure_raw_mail and erasure_exports")
    retention = settings.retention()
    store = DynamoStore(settings.table_name, retention=retention)
    documents = S3Objects(letters_bucket, links=links, upload_url=upload_url)
    use_cases = staff_use_cases(
        cases=store,
        customers=store,
        contacts=store,
        read_queue=store,
        work_list=store,
        signal_log=store,
        finder=store,
        audit_log=store,
        documents=documents,
        uploads=documents,
        export_jobs=store,
        export_files=S3Objects(exports_bucket, links=links) if exports_bucket else None,
        filed_mail=S3RawMail(*raw_mail, links=links) if raw_mail else None,
        personal_data=store,
        stored_objects=S3Erasure(*erasure_raw_mail, letters_bucket, exports_bucket=erasure_exports)
        if erasure_raw_mail and erasure_exports
        else NoErasure(),
        retention=retention,
        policy=settings.policy(),
        clock=clock,
        log=log,
        earliest=EARLIEST_DATE,
        audit_unavailable=(ClientError,),  # a failed PutItem: no record, so no data
    )
    return use_cases, store
