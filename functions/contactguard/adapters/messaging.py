"""Small AWS adapters: raw mail and letter documents from S3, mail out through SES, alerts to SNS.

Each takes an optional client (tests pass moto-backed ones) and builds its own lazily, never
at import time. Alerts carry identifiers and kinds only: no personal data leaves in them.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from contactguard.adapters.aws import AwsAdapter


class S3Objects(AwsAdapter):
    """Objects of one bucket, read whole (raw mail, letter documents)."""

    service = "s3"

    def __init__(self, bucket: str, client: Any | None = None, *, links: bool = True) -> None:
        super().__init__(client)
        self.bucket = bucket
        self.links = links  # False where no browser can reach the bucket (the embedded stack)
        self._signer: Any | None = None

    @property
    def signer(self) -> Any:
        """A client that signs links for the bucket's regional endpoint
        (https://<bucket>.s3.<region>.amazonaws.com/..., SigV4). boto3's default link names
        the global endpoint, which S3 answers for a bucket less than a day old, or in a
        region opened since 2019, with a redirect the signature does not survive (boto3
        issues 1982 and 2989). Signing makes no call to AWS."""
        if self._signer is None:
            region = self.client.meta.region_name
            self._signer = boto3.client(
                "s3",
                region_name=region,
                endpoint_url=f"https://s3.{region}.amazonaws.com",
                config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"}),
            )
        return self._signer

    def read_key(self, key: str) -> bytes:
        self.requests += 1
        response = self.client.get_object(Bucket=self.bucket, Key=key)
        body: bytes = response["Body"].read()
        return body

    def document(self, key: str) -> bytes | None:
        """The object at `key`, or None when the bucket has none (the LetterDocuments port)."""
        try:
            return self.read_key(key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                raise
            return None

    def download_link(
        self, key: str, filename: str, seconds: int, content_type: str | None = None
    ) -> str | None:
        """A presigned GET (signed here, no call to S3) that downloads the object as an
        attachment named `filename` (and of `content_type`, when given), valid for
        `seconds`."""
        if not self.links:
            return None
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{safe_filename(filename)}"',
        }
        if content_type:
            params["ResponseContentType"] = content_type
        url: str = self.signer.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=seconds
        )
        return url


def safe_filename(name: str) -> str:
    """A file name any browser and header accepts: letters, digits, '-', '_' and '.' only."""
    return "".join(c if c.isalnum() and c.isascii() or c in "-_." else "_" for c in name)


def raw_mail_key(prefix: str, message_id: str) -> str:
    """Where SES's receipt rule stores a message: its object key is the SES message id."""
    return f"{prefix}{message_id}"


# Where an attachment a member of staff asked for is staged for its presigned download; the
# bucket's lifecycle rule (infra/template.yaml, expire-staged-attachments) deletes it in a day.
ATTACHMENTS_PREFIX = "attachments/"


class S3RawMail(S3Objects):
    def __init__(
        self, bucket: str, prefix: str = "", client: Any | None = None, *, links: bool = True
    ) -> None:
        super().__init__(bucket, client, links=links)
        self.prefix = prefix

    def message(self, raw_ref: str) -> bytes | None:
        """The raw message SES stored, or None once its retention has passed (the FiledMail
        port)."""
        return self.document(self.key_for(raw_ref))

    def attachment_link(
        self, raw_ref: str, index: int, filename: str, content: bytes, seconds: int
    ) -> str | None:
        """One attachment staged under attachments/ and a presigned GET of it, always as a
        download (application/octet-stream: a browser never renders what a customer sent).
        None where no browser reaches the bucket."""
        if not self.links:
            return None
        key = f"{ATTACHMENTS_PREFIX}{raw_ref}/{index}"
        self.requests += 1
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=content, ContentType="application/octet-stream"
        )
        return self.download_link(key, filename, seconds, "application/octet-stream")

    def key_for(self, message_id: str) -> str:
        return raw_mail_key(self.prefix, message_id)

    def read(self, message_id: str) -> bytes:
        """The raw MIME SES stored for this message (its object key is the SES message id)."""
        return self.read_key(self.key_for(message_id))

    def link(self, message_id: str, seconds: int) -> str:
        """A presigned GET of the stored message, for `seconds` (or until the signing
        credentials expire, if sooner: a Lambda role's last hours, not days)."""
        url: str = self.signer.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self.key_for(message_id)},
            ExpiresIn=seconds,
        )
        return url


class SesMailer(AwsAdapter):
    service = "ses"

    def send(self, message: EmailMessage) -> str:
        """Send a complete message; returns SES's message id."""
        self.requests += 1
        response = self.client.send_raw_email(RawMessage={"Data": message.as_bytes()})
        return str(response["MessageId"])

    def send_raw(self, data: bytes, sender: str, destinations: list[str]) -> str:
        """Send bytes as they are, to exactly `destinations` (never to the To/Cc headers,
        which name our own receiving address: that would loop). SES's message id back."""
        self.requests += 1
        response = self.client.send_raw_email(
            Source=sender, Destinations=destinations, RawMessage={"Data": data}
        )
        return str(response["MessageId"])


class SnsAlerts(AwsAdapter):
    service = "sns"

    def __init__(self, topic_arn: str, client: Any | None = None) -> None:
        super().__init__(client)
        self.topic_arn = topic_arn

    def alert(self, kind: str, **ids: str) -> None:
        """Notify staff that something needs them (kind + record identifiers only)."""
        self.requests += 1
        self.client.publish(
            TopicArn=self.topic_arn,
            Subject=f"contactguard: {kind}",
            Message=json.dumps({"kind": kind, **ids}, sort_keys=True),
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
