"""S3 for the retention purge (retention.service): list what is held, delete what is due.

Raw mail is listed under its prefix (ListObjectsV2: each key is an SES message id), and what
we sent under `sent/` (each key an outbound contact's id and `.eml`); a case's
letter documents live under `letters/{case_id}/` in a versioned bucket, so deleting them means
deleting each version and delete marker (ListObjectVersions, DeleteObject with VersionId):
a plain delete would only hide them behind a marker. Keys are ids, never personal data.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from contactguard.adapters.aws import AwsAdapter

LETTERS_PREFIX = "letters/"  # letters.service.letter_key and the case's final versions


class S3RawMailObjects(AwsAdapter):
    service = "s3"

    def __init__(self, bucket: str, prefix: str, client: Any | None = None) -> None:
        super().__init__(client)
        self.bucket, self.prefix = bucket, prefix

    def stored(self) -> Iterator[tuple[str, datetime]]:
        for item in _pages(self, "list_objects_v2", "Contents", Prefix=self.prefix):
            key = str(item["Key"])
            name = key[len(self.prefix) :]
            if name and "/" not in name:
                yield name, item["LastModified"]

    def delete(self, name: str) -> None:
        self.requests += 1
        self.client.delete_object(Bucket=self.bucket, Key=f"{self.prefix}{name}")


class S3LetterObjects(AwsAdapter):
    service = "s3"

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        super().__init__(client)
        self.bucket = bucket

    def cases(self) -> Iterator[str]:
        prefixes = _pages(
            self, "list_objects_v2", "CommonPrefixes", Prefix=LETTERS_PREFIX, Delimiter="/"
        )
        for entry in prefixes:
            case_id = str(entry["Prefix"])[len(LETTERS_PREFIX) :].rstrip("/")
            if case_id:
                yield case_id

    def delete_case(self, case_id: str) -> int:
        prefix = f"{LETTERS_PREFIX}{case_id}/"
        versions = [
            (str(v["Key"]), str(v["VersionId"]))
            for field in ("Versions", "DeleteMarkers")
            for v in _pages(self, "list_object_versions", field, Prefix=prefix)
        ]
        for key, version in versions:
            self.requests += 1
            self.client.delete_object(Bucket=self.bucket, Key=key, VersionId=version)
        return len({key for key, _ in versions})


def _pages(adapter: Any, operation: str, field: str, **request: Any) -> Iterator[dict[str, Any]]:
    """Every entry of `field` over a listing's pages (both listings page the same way, by a
    token or by key and version markers)."""
    call = getattr(adapter.client, operation)
    request = {"Bucket": adapter.bucket, **request}
    while True:
        adapter.requests += 1
        page = call(**request)
        yield from page.get(field, [])
        if not page.get("IsTruncated"):
            return
        if operation == "list_objects_v2":
            request["ContinuationToken"] = page["NextContinuationToken"]
        else:
            request["KeyMarker"] = page.get("NextKeyMarker")
            request["VersionIdMarker"] = page.get("NextVersionIdMarker")
