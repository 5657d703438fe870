"""Small AWS adapters: raw mail and letter documents from S3, mail out through SES, alerts to SNS.

Each takes an optional client (tests pass moto-backed ones) and builds its own lazily, never
at import time. Alerts carry identifiers and kinds only: no personal data leaves in them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from email.message import EmailMessage
from typing import IO, Any

from botocore.config import Config
from botocore.exceptions import ClientError

from contactguard.adapters.aws import AwsAdapter
from contactguard.domain.outbound import sent_key
from contactguard.domain.subject_access import export_prefix
from contactguard.ports import Uploaded, UploadForm, UploadRules


class S3Objects(AwsAdapter):
    """Objects of one bucket, read whole (raw mail, letter documents)."""

    service = "s3"
    # Presigned addresses on the bucket's regional endpoint: the global one answers a bucket
    # outside us-east-1 with a 307 for a day after it is made, and a browser's form would then
    # be sent to a host the console's CSP (form-action) does not name.
    config = Config(s3={"addressing_style": "virtual"})

    def __init__(
        self,
        bucket: str,
        client: Any | None = None,
        *,
        links: bool = True,
        upload_url: str | None = None,
    ) -> None:
        super().__init__(client)
        self.bucket = bucket
        self.links = links  # False where no browser can reach the bucket (the embedded stack)
        # Where upload forms post instead of the bucket: the embedded stack's stand-in for S3's
        # POST (contactguard_local.uploads), since no browser can reach moto in-process.
        self.upload_url = upload_url

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

    def versions(self, key: str) -> list[bytes]:
        """Every version stored at `key`, oldest first (the LetterArchive port: the letters
        bucket is versioned). ListObjectVersions (s3:ListBucketVersions, on the key as
        prefix) and a GetObject of each version (s3:GetObjectVersion)."""
        found: list[str] = []  # newest first, as S3 lists a key's versions
        request: dict[str, Any] = {"Bucket": self.bucket, "Prefix": key}
        while True:
            self.requests += 1
            page = self.client.list_object_versions(**request)
            found += [v["VersionId"] for v in page.get("Versions", []) if v["Key"] == key]
            if not page.get("IsTruncated"):
                break
            request["KeyMarker"] = page["NextKeyMarker"]
            request["VersionIdMarker"] = page["NextVersionIdMarker"]
        documents = []
        for version in reversed(found):
            self.requests += 1
            response = self.client.get_object(Bucket=self.bucket, Key=key, VersionId=version)
            documents.append(response["Body"].read())
        return documents

    def put_file(self, key: str, body: IO[bytes]) -> None:
        """Upload an open file from its start (the ExportFiles port)."""
        body.seek(0)
        self.requests += 1
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=body, ContentType="application/zip"
        )

    def file(self, key: str) -> bytes | None:
        return self.document(key)

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
        url: str = self.client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=seconds
        )
        return url

    # LetterUploads: final versions of letters, posted by the browser straight to the bucket.

    def upload_form(self, prefix: str, rules: UploadRules) -> UploadForm:
        """A presigned POST (signed here, no call to S3). Its policy holds the key to
        `prefix` (the browser's file name is put after it: `${filename}`), the size to 1 to
        `rules.max_bytes` bytes and the Content-Type field to what `content_types` share (S3's
        policies know no "one of"; the use case checks the type exactly before keeping
        it), and the redirect to exactly `redirect`. The bucket's default encryption (SSE-S3)
        applies, so the form names none."""
        fields: dict[str, str] = {}
        conditions: list[Any] = [
            ["content-length-range", 1, rules.max_bytes],
            ["starts-with", "$Content-Type", os.path.commonprefix(list(rules.content_types))],
        ]
        if rules.redirect is not None:
            fields["success_action_redirect"] = rules.redirect
            conditions.append({"success_action_redirect": rules.redirect})
        post = self.client.generate_presigned_post(
            self.bucket,
            prefix + "${filename}",
            Fields=fields,
            Conditions=conditions,
            ExpiresIn=rules.seconds,
        )
        return UploadForm(url=self.upload_url or post["url"], fields=dict(post["fields"]))

    def uploaded(self, key: str) -> Uploaded | None:
        """HEAD (authorised as s3:GetObject)."""
        self.requests += 1
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                raise
            return None
        return Uploaded(size=int(head["ContentLength"]), content_type=str(head["ContentType"]))

    def keep(self, key: str, kept: str) -> None:
        """CopyObject (s3:GetObject on `key`, s3:PutObject on `kept`): type and metadata too."""
        self.requests += 1
        self.client.copy_object(
            Bucket=self.bucket, Key=kept, CopySource={"Bucket": self.bucket, "Key": key}
        )


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

    def keep_sent(self, contact_id: str, data: bytes) -> None:
        """Keep what we are about to send, as sent (before sending: a failure here sends
        nothing, and a retry overwrites the same key). Expired with the raw mail."""
        self.requests += 1
        self.client.put_object(
            Bucket=self.bucket, Key=sent_key(contact_id), Body=data, ContentType="message/rfc822"
        )

    def sent_message(self, contact_id: str) -> bytes | None:
        """What we sent for an outbound contact, or None once its retention has passed."""
        return self.document(sent_key(contact_id))

    def read(self, message_id: str) -> bytes:
        """The raw MIME SES stored for this message (its object key is the SES message id)."""
        return self.read_key(self.key_for(message_id))

    def link(self, message_id: str, seconds: int) -> str:
        """A presigned GET of the stored message, for `seconds` (or until the signing
        credentials expire, if sooner: a Lambda role's last hours, not days)."""
        url: str = self.client.generate_presigned_url(
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


class S3Erasure(AwsAdapter):
    """The StoredObjects port: erasure in the raw mail bucket, the letters bucket and the
    exports bucket (an erased customer's subject access zips).

    The raw mail bucket keeps no versions (infra/template.yaml: its lifecycle rule is the
    retention), so a DeleteObject is the end of a message; the letters bucket keeps versions,
    so each version and delete marker of a case's documents is deleted by its id. Which is
    which is said here once (`raw_versioned`, `letters_versioned`) and a test holds it to the
    template. Every object is found by listing its key's prefix first, so what is counted
    was there."""

    service = "s3"

    def __init__(
        self,
        raw_bucket: str,
        raw_prefix: str,
        letters_bucket: str,
        client: Any | None = None,
        *,
        exports_bucket: str,
    ) -> None:
        super().__init__(client)
        self.raw_bucket = raw_bucket
        self.raw_prefix = raw_prefix
        self.letters_bucket = letters_bucket
        self.exports_bucket = exports_bucket

    raw_versioned = False
    letters_versioned = True
    exports_versioned = False

    def _erase(self, bucket: str, prefix: str, versioned: bool, *, exact: bool = False) -> int:
        """Delete every object (every version, where kept) under `prefix`, or only the
        object at `prefix` itself when `exact`; how many were deleted."""
        deleted = 0
        for key, version in list(self._listed(bucket, prefix, versioned)):
            if exact and key != prefix:
                continue
            self.requests += 1
            if version is None:
                self.client.delete_object(Bucket=bucket, Key=key)
            else:
                self.client.delete_object(Bucket=bucket, Key=key, VersionId=version)
            deleted += 1
        return deleted

    def _listed(
        self, bucket: str, prefix: str, versioned: bool
    ) -> Iterator[tuple[str, str | None]]:
        call = "list_object_versions" if versioned else "list_objects_v2"
        for page in self.client.get_paginator(call).paginate(Bucket=bucket, Prefix=prefix):
            self.requests += 1
            if not versioned:
                yield from ((o["Key"], None) for o in page.get("Contents", []))
                continue
            for entry in (*page.get("Versions", []), *page.get("DeleteMarkers", [])):
                yield entry["Key"], entry["VersionId"]

    def erase_messages(self, raw_refs: tuple[str, ...]) -> dict[str, int]:
        erased = {"message": 0, "staged-attachment": 0}
        for raw_ref in raw_refs:
            key = raw_mail_key(self.raw_prefix, raw_ref)
            erased["message"] += self._erase(self.raw_bucket, key, self.raw_versioned, exact=True)
            staged = f"{ATTACHMENTS_PREFIX}{raw_ref}/"
            erased["staged-attachment"] += self._erase(self.raw_bucket, staged, self.raw_versioned)
        return {kind: n for kind, n in erased.items() if n}

    def erase_sent(self, contact_ids: tuple[str, ...]) -> dict[str, int]:
        deleted = sum(
            self._erase(self.raw_bucket, sent_key(contact_id), self.raw_versioned, exact=True)
            for contact_id in contact_ids
        )
        return {"sent-message": deleted} if deleted else {}

    def erase_exports(self, customer_id: str) -> dict[str, int]:
        prefix = export_prefix(customer_id)
        deleted = self._erase(self.exports_bucket, prefix, self.exports_versioned)
        return {"subject-access-zip": deleted} if deleted else {}

    def erase_letters(self, case_id: str) -> dict[str, int]:
        erased = {
            "letter-version": self._erase(
                self.letters_bucket, f"letters/{case_id}/", self.letters_versioned
            ),
            "upload-version": self._erase(
                self.letters_bucket, f"uploads/{case_id}/", self.letters_versioned
            ),
        }
        return {kind: n for kind, n in erased.items() if n}
