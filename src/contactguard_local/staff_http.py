"""Which staff API the command line talks to, who it says it is, and its refusals as one line.

Standard library HTTP only (urllib): the CLI must run wherever the package installs. Every
failure becomes a `CliError` carrying the exit code: 1 the API refused, 2 a usage mistake,
3 the API could not be reached.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
from dataclasses import dataclass
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

from contactguard_local.apigw import LOCAL_IDENTITY

LOCAL_URL = "http://127.0.0.1:8080"
EXIT_REFUSED, EXIT_USAGE, EXIT_UNREACHABLE = 1, 2, 3
TIMEOUT_SECONDS = 60.0
_LOCAL_IDENTITY = re.compile(rf"^{LOCAL_IDENTITY}$")


class CliError(Exception):
    """A failure the person can act on: one line on stderr and an exit code, no traceback."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def usage(message: str) -> CliError:
    return CliError(message, EXIT_USAGE)


@dataclass(frozen=True)
class Reply:
    status: int
    text: str
    headers: dict[str, str]
    exit_code: int = 0  # e.g. 1 when an import refused some rows

    @property
    def data(self) -> Any:
        return json.loads(self.text) if self.text else None


def refusal_line(status: int, text: str) -> str:
    """The API's error body (or API Gateway's `{"message": ...}`) as one readable line."""
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return f"{status}: {text.strip()[:200] or 'no reason given'}"
    head = f"{status} {body.get('error') or 'refused'}"
    if body.get("rule"):
        head += f" (rule {body['rule']})"
    line = f"{head}: {body.get('message') or 'no reason given'}"
    fields = body.get("fields") or []
    if fields:
        line += ": " + "; ".join(f"{f.get('field')}: {f.get('reason')}" for f in fields)
    return line


@dataclass(frozen=True)
class Target:
    """A staff API and the credentials to send it."""

    url: str
    authorization: str
    acting_role: str | None = None
    local: bool = False

    def call(
        self,
        method: str,
        path: list[str],
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str | None] | None = None,
    ) -> Reply:
        """One request; a refusal or an unreachable API raises CliError."""
        status, raw, headers = self._request(method, path, body=body, query=query)
        return Reply(status, raw.decode("utf-8", errors="replace"), headers)

    def fetch(
        self, path: list[str], accept: str, query: dict[str, str | None] | None = None
    ) -> bytes:
        """A document (e.g. a letter's DOCX) as bytes; API Gateway sends bytes only to a client
        whose Accept header names a binary media type of the API."""
        return self._request("GET", path, accept=accept, query=query)[1]

    def _request(
        self,
        method: str,
        path: list[str],
        *,
        body: dict[str, Any] | None = None,
        query: dict[str, str | None] | None = None,
        accept: str = "application/json",
    ) -> tuple[int, bytes, dict[str, str]]:
        url = self.url.rstrip("/") + "/" + "/".join(quote(p, safe="") for p in path)
        params = {k: v for k, v in (query or {}).items() if v is not None}
        if params:
            url += "?" + urlencode(params)
        headers = {"Authorization": self.authorization, "Accept": accept}
        if self.acting_role:
            headers["X-Acting-Role"] = self.acting_role
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = Request(url, data=data, method=method, headers=headers)
        try:
            with urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return response.status, response.read(), dict(response.headers.items())
        except HTTPError as refused:
            text = refused.read().decode("utf-8", errors="replace")
            raise CliError(refusal_line(refused.code, text), EXIT_REFUSED) from None
        except (URLError, OSError) as error:
            raise self._unreachable(error) from None

    def _unreachable(self, error: OSError) -> CliError:
        if self.local:
            return CliError(
                f"no local API at {self.url}: start it with `contactguard serve`",
                EXIT_UNREACHABLE,
            )
        reason = getattr(error, "reason", error)
        if isinstance(reason, socket.timeout | TimeoutError):
            reason = f"no answer within {TIMEOUT_SECONDS:.0f} s"
        return CliError(f"cannot reach the API at {self.url}: {reason}", EXIT_UNREACHABLE)


def post_form(url: str, fields: dict[str, str], filename: str, data: bytes) -> None:
    """A file posted with a form's fields as multipart/form-data, the file last (as S3's
    POST upload wants it); a refusal (S3's XML error) raises CliError."""
    boundary = secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    quoted = filename.replace('"', "%22")
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = b"".join(parts) + head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    request = Request(url, data=body, method="POST", headers=headers)
    try:
        with urlopen(request, timeout=TIMEOUT_SECONDS):
            return
    except HTTPError as refused:
        said = refused.read().decode("utf-8", errors="replace")
        found = re.search(r"<Message>(.*?)</Message>", said, re.S)
        why = found.group(1) if found else said.strip()[:200]
        raise CliError(f"{refused.code}: the upload was refused: {why}", EXIT_REFUSED) from None
    except (URLError, OSError) as error:
        raise CliError(f"cannot reach {url}: {error}", EXIT_UNREACHABLE) from None


def target_from(
    *,
    local: bool,
    url: str | None,
    stack: str | None,
    identity: str | None,
    token: str | None,
    acting_role: str | None,
) -> Target:
    """The API and the Authorization header, from flags first, then the environment."""
    chosen = [
        name for name, given in (("--local", local), ("--url", url), ("--stack", stack)) if given
    ]
    if len(chosen) > 1:
        raise usage(f"give one of {', '.join(chosen)}")
    if local:
        where = LOCAL_URL
    elif stack:
        where = stack_api_url(stack)
    else:
        where = url or os.environ.get("CONTACTGUARD_API_URL") or ""
    if not where:
        raise usage(
            "which API? --local (a running `contactguard serve`), --url URL "
            "(or CONTACTGUARD_API_URL), or --stack NAME"
        )
    return Target(where, _authorization(identity, token, local=local), acting_role, local=local)


def _authorization(identity: str | None, token: str | None, *, local: bool) -> str:
    """A flag beats the environment; a local identity beats a token given the same way."""
    if not identity and not token:
        identity = os.environ.get("CONTACTGUARD_AS")
        token = os.environ.get("CONTACTGUARD_TOKEN")
    if identity:
        if not _LOCAL_IDENTITY.match(identity):
            raise usage("--as takes ROLE[,ROLE...]:STAFF-ID, e.g. service-manager:sam")
        return f"Local {identity}"
    if token:
        return token.strip()
    if local:
        raise usage("say who you are: --as ROLE:STAFF-ID (or CONTACTGUARD_AS)")
    raise usage("a deployed API needs your Cognito ID token: --token (or CONTACTGUARD_TOKEN)")


def stack_api_url(stack: str) -> str:
    """The ApiUrl output of a deployed CloudFormation stack (your AWS credentials)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        found = boto3.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except (BotoCoreError, ClientError) as error:
        raise CliError(f"cannot read stack {stack}: {error}", EXIT_UNREACHABLE) from None
    for output in found[0].get("Outputs", []) if found else []:
        if output.get("OutputKey") == "ApiUrl":
            return str(output["OutputValue"])
    raise CliError(f"stack {stack} has no ApiUrl output", EXIT_UNREACHABLE)
