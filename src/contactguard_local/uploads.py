"""A stand-in for S3's browser upload (POST Object), for the embedded stack. NEVER DEPLOYED:
nothing under functions/ imports it.

moto runs in-process, so no browser can post a file to the letters bucket. The console's
upload form is the real one (a presigned POST made by boto3, `S3Objects.upload_form`), only
its address is this server's (`/local/s3-upload/<signer>/<bucket>`, the signer being the
function whose role signed it). Here the form is checked as S3
checks it: the policy's signature (SigV4, with the stack's credentials), its expiry, every
condition (`eq`, `starts-with`, `content-length-range`, the bucket), and that every field sent
is named by a condition; `${filename}` in the key becomes the file's name. Then the object is
put into moto as a call of the signing function (so the suite's IAM check holds its role
to s3:PutObject on the key, as AWS does for a presigned POST), and the browser is sent on
to `success_action_redirect` with `?bucket=&key=&etag=` as S3 would (303), or given 204.
A refusal is S3's XML error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from contactguard_local.apigw import ProxyReply
from contactguard_local.stack import running_function

UPLOAD_PATH = "/local/s3-upload/"
# The largest body read: the 10 MB a policy may allow, and the form's other fields.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024 + 64 * 1024
_UNSIGNED = {"file", "policy", "x-amz-signature"}


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def upload_url(base: str, signer: str, bucket: str) -> str:
    """Where upload forms signed by the function `signer` (its logical id) post on the local
    server at `base`."""
    return f"{base}{UPLOAD_PATH}{signer}/{bucket}"


def parts(content_type: str, body: bytes) -> tuple[dict[str, str], str, bytes]:
    """(the form's fields in order, the file's name, the file) of a multipart/form-data
    body; S3 ignores fields after the file, and so does this."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise Refused(400, "InvalidRequest", "the upload must be multipart/form-data")
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if name.lower() == "file":
            filename = part.get_filename() or ""
            return fields, filename.replace("\\", "/").rsplit("/", 1)[-1], data
        fields[name] = data.decode("utf-8")
    raise Refused(400, "InvalidArgument", "POST requires exactly one file upload per request.")


def _signature(secret_key: str, credential: str, policy: str) -> str:
    """SigV4 of a POST policy: the key derived from the credential's scope."""
    _, day, region, service, _ = credential.split("/")
    key = f"AWS4{secret_key}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()


def checked(
    bucket: str, fields: dict[str, str], size: int, secret_key: str, now: datetime
) -> dict[str, Any]:
    """The policy, once the form meets it as S3 would have it; Refused otherwise."""
    lowered = {k.lower(): v for k, v in fields.items()}
    policy_b64 = lowered.get("policy", "")
    try:
        policy = json.loads(base64.b64decode(policy_b64, validate=True))
        credential = lowered["x-amz-credential"]
        expected = _signature(secret_key, credential, policy_b64)
    except (binascii.Error, ValueError, KeyError) as bad:
        raise Refused(400, "InvalidPolicyDocument", "the policy is missing or unreadable") from bad
    if not hmac.compare_digest(expected, lowered.get("x-amz-signature", "")):
        raise Refused(403, "SignatureDoesNotMatch", "the policy's signature does not match")
    expires = datetime.fromisoformat(str(policy.get("expiration", "")).replace("Z", "+00:00"))
    if expires <= now.astimezone(UTC):
        raise Refused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    sent = {**lowered, "bucket": bucket}
    named = {"bucket"}
    for condition in policy.get("conditions", []):
        named.add(_meets(condition, sent, size))
    unnamed = sorted(
        k for k in lowered if k not in _UNSIGNED | named and not k.startswith("x-ignore-")
    )
    if unnamed:
        raise Refused(
            403,
            "AccessDenied",
            f"Invalid according to Policy: Extra input fields: {', '.join(unnamed)}",
        )
    return dict(policy)


def _meets(condition: Any, sent: dict[str, str], size: int) -> str:
    """The field a condition names, once the form meets it."""
    if isinstance(condition, dict):
        ((name, value),) = condition.items()
        operator, field = "eq", f"${name}"
        wanted: Any = value
    else:
        operator, field, *rest = condition
        wanted = rest
    if operator == "content-length-range":
        low, high = int(field), int(wanted[0])
        if not low <= size <= high:
            code = "EntityTooLarge" if size > high else "EntityTooSmall"
            raise Refused(400, code, "Your proposed upload is outside the policy's size range")
        return "content-length-range"
    name = str(field).removeprefix("$").lower()
    value = sent.get(name, "")
    target = wanted if isinstance(condition, dict) else wanted[0]
    ok = value == target if operator == "eq" else value.startswith(str(target))
    if not ok:
        raise Refused(
            403,
            "AccessDenied",
            f'Invalid according to Policy: Policy Condition failed: ["{operator}", "${name}"]',
        )
    return name


def accept(
    s3: Any,
    signer: str,
    bucket: str,
    content_type: str,
    body: bytes,
    *,
    secret_key: str,
    now: datetime,
) -> ProxyReply:
    """S3's answer to a browser's POST of a form to `bucket`, the object put into moto."""
    try:
        if len(body) > MAX_UPLOAD_BYTES:
            raise Refused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum")
        fields, filename, data = parts(content_type, body)
        checked(bucket, fields, len(data), secret_key, now)
        lowered = {k.lower(): v for k, v in fields.items()}
        key = lowered.get("key", "").replace("${filename}", filename)
        running = running_function.set(signer)  # S3 authorises the POST by the signer's role
        try:
            put = s3.put_object(
                Bucket=bucket,
                Key=key,
                Body=data,
                ContentType=lowered.get("content-type", "binary/octet-stream"),
            )
        finally:
            running_function.reset(running)
    except Refused as refused:
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>'
            f"{refused.code}</Code><Message>{escape(refused.message)}</Message></Error>"
        )
        return ProxyReply(refused.status, {"Content-Type": "application/xml"}, xml.encode())
    redirect = lowered.get("success_action_redirect")
    if not redirect:
        return ProxyReply(204, {}, b"")
    query = urlencode({"bucket": bucket, "key": key, "etag": put["ETag"]})
    location = redirect + ("&" if "?" in redirect else "?") + query
    return ProxyReply(303, {"Location": location}, b"")
