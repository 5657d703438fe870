"""A letter's final version, uploaded by presigned POST: the S3 adapter's form, HEAD and copy
on moto, and the local server's stand-in for S3's POST (contactguard_local.uploads) holding a
form to its policy as S3 would."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from contactguard.adapters.messaging import S3Objects
from contactguard.domain.case import DOCX_TYPE, PDF_TYPE
from contactguard.ports import UploadRules
from contactguard_local import uploads

BUCKET = "letters-bucket"
PREFIX = "uploads/case-1/concern-0001/0123456789abcdef0123456789abcdef/"
BACK = "https://console.example/console/cases/case-1/letters/concern-0001/sent"
RULES = UploadRules(BACK, (DOCX_TYPE, PDF_TYPE), max_bytes=100, seconds=900)
NOW = datetime(2026, 11, 3, 15, tzinfo=UTC)


@pytest.fixture
def s3(aws_env: None) -> Any:
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-2")
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
        )
        yield client


def policy_of(fields: dict[str, str]) -> dict[str, Any]:
    return dict(json.loads(base64.b64decode(fields["policy"])))


def test_the_upload_form_is_a_presigned_post_held_to_the_letter_size_type_and_redirect(
    s3: Any,
) -> None:
    form = S3Objects(BUCKET, client=s3).upload_form(PREFIX, RULES)
    assert form.url == f"https://{BUCKET}.s3.amazonaws.com/"
    assert form.fields["key"] == PREFIX + "${filename}"
    assert form.fields["success_action_redirect"] == BACK
    policy = policy_of(form.fields)
    conditions = policy["conditions"]
    assert ["starts-with", "$key", PREFIX] in conditions
    assert ["content-length-range", 1, 100] in conditions
    assert ["starts-with", "$Content-Type", "application/"] in conditions
    assert {"success_action_redirect": BACK} in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
    # Built by the adapter itself (as in Lambda): the bucket's regional endpoint.
    regional = S3Objects(BUCKET).upload_form(PREFIX, RULES).url
    assert regional == f"https://{BUCKET}.s3.eu-west-2.amazonaws.com/"
    local = S3Objects(BUCKET, client=s3, upload_url="http://127.0.0.1:1/local/s3-upload/x")
    assert local.upload_form(PREFIX, RULES).url == "http://127.0.0.1:1/local/s3-upload/x"


def test_an_upload_is_read_by_its_head_and_kept_by_a_copy(s3: Any) -> None:
    objects = S3Objects(BUCKET, client=s3)
    assert objects.uploaded(PREFIX + "gone.pdf") is None
    s3.put_object(Bucket=BUCKET, Key=PREFIX + "a.pdf", Body=b"%PDF-1.7", ContentType=PDF_TYPE)
    uploaded = objects.uploaded(PREFIX + "a.pdf")
    assert uploaded is not None
    assert (uploaded.size, uploaded.content_type) == (8, PDF_TYPE)
    objects.keep(PREFIX + "a.pdf", "letters/case-1/concern-0001/sent/t/a.pdf")
    kept = s3.get_object(Bucket=BUCKET, Key="letters/case-1/concern-0001/sent/t/a.pdf")
    assert (kept["Body"].read(), kept["ContentType"]) == (b"%PDF-1.7", PDF_TYPE)


# The local stand-in for S3's POST (never deployed) -----------------------------------------------


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        body += value.encode() + b"\r\n"
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


def post(
    s3: Any, fields: dict[str, str], data: bytes = b"PK\x03\x04 docx", now: datetime = NOW
) -> uploads.ProxyReply:
    content_type, body = multipart(fields, "Letter as sent.docx", data)
    secret = boto3.Session().get_credentials().get_frozen_credentials().secret_key  # moto's
    return uploads.accept(
        s3, "ConsoleFunction", BUCKET, content_type, body, secret_key=secret, now=now
    )


@pytest.fixture
def signed(s3: Any) -> dict[str, str]:
    """A form's fields as the console signs them, the type chosen (a DOCX)."""
    form = S3Objects(BUCKET, client=s3).upload_form(PREFIX, RULES)
    return {**form.fields, "Content-Type": DOCX_TYPE}


def test_the_stand_in_stores_a_good_upload_and_sends_the_browser_back_as_s3_does(
    s3: Any, signed: dict[str, str]
) -> None:
    reply = post(s3, signed, now=datetime.now(UTC))
    assert reply.status == 303
    location = reply.headers["Location"]
    assert location.startswith(BACK + "?bucket=letters-bucket&key=uploads%2Fcase-1%2F")
    assert "Letter+as+sent.docx" in location
    assert "&etag=" in location
    stored = s3.get_object(Bucket=BUCKET, Key=PREFIX + "Letter as sent.docx")
    assert (stored["Body"].read(), stored["ContentType"]) == (b"PK\x03\x04 docx", DOCX_TYPE)


def refusal(reply: uploads.ProxyReply) -> tuple[int, str]:
    text = reply.body.decode()
    return reply.status, text.split("<Code>")[1].split("</Code>")[0]


@pytest.mark.parametrize(
    ("change", "data", "expected"),
    [
        ({}, b"x" * 101, (400, "EntityTooLarge")),
        ({}, b"", (400, "EntityTooSmall")),
        ({"key": "uploads/case-2/concern-0001/t/${filename}"}, None, (403, "AccessDenied")),
        ({"Content-Type": "text/html"}, None, (403, "AccessDenied")),
        ({"success_action_redirect": "https://elsewhere.example/"}, None, (403, "AccessDenied")),
        ({"x-amz-meta-who": "me"}, None, (403, "AccessDenied")),  # a field no condition names
        ({"x-amz-signature": "0" * 64}, None, (403, "SignatureDoesNotMatch")),
        ({"policy": "not base64!"}, None, (400, "InvalidPolicyDocument")),
    ],
)
def test_the_stand_in_refuses_what_the_policy_does_not_allow(
    s3: Any,
    signed: dict[str, str],
    change: dict[str, str],
    data: bytes | None,
    expected: tuple[int, str],
) -> None:
    fields = {**signed, **change}
    reply = post(s3, fields, data if data is not None else b"PK docx", now=datetime.now(UTC))
    assert refusal(reply) == expected
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_the_stand_in_refuses_an_expired_form(s3: Any, signed: dict[str, str]) -> None:
    later = datetime.now(UTC) + timedelta(minutes=16)
    assert refusal(post(s3, signed, now=later)) == (403, "AccessDenied")
    assert b"Policy expired" in post(s3, signed, now=later).body
