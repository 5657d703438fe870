"""The letters bucket: drafts go to S3 under the key the service chose (ids only in metadata)."""

from __future__ import annotations

from typing import Any

from contactguard.adapters.aws import AwsAdapter


class S3LetterBucket(AwsAdapter):
    service = "s3"

    def __init__(self, bucket: str, client: Any | None = None) -> None:
        super().__init__(client)
        self.bucket = bucket

    def put(self, key: str, body: bytes, content_type: str, metadata: dict[str, str]) -> None:
        """Create or overwrite the object: the key is deterministic, so a retry replaces the
        draft it wrote before rather than adding another."""
        self.requests += 1
        self.client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            Metadata=metadata,
        )
