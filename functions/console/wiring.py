"""The console's composition root: the staff use cases (the same as the API's), the session
store, the identity provider and the signing secret, with the clock injected. Built on first
use (never at import) from the environment's settings; `contactguard serve` installs its own,
with a local identity provider."""

from __future__ import annotations

from dataclasses import dataclass

import boto3

from console.auth import CognitoLogin, IdentityProvider, SignIn
from console.csrf import Csrf
from console.resolver import logger
from console.session_store import DynamoSessions
from console.sessions import SessionStore
from console.settings import ConsoleSettings, console_settings
from contactguard.ports import Clock, Log
from contactguard.staff_wiring import staff_on_aws
from contactguard.usecases import StaffUseCases
from contactguard.wiring import Current, utc_now


@dataclass(frozen=True)
class ConsoleWiring:
    clock: Clock
    use_cases: StaffUseCases
    sessions: SessionStore
    provider: IdentityProvider
    sign_in: SignIn
    csrf: Csrf
    console_url: str | None  # None: where API Gateway was reached (see site())
    organisation: str
    session_hours: int

    def site(self, domain: str | None, stage: str | None) -> Site:
        """Where the console is, for this request: the configured address, or else the one
        API Gateway was reached at (its domain and stage), so the template needs no address
        of the API it creates (that would be a circular reference)."""
        if self.console_url:
            return Site(self.console_url.rstrip("/"))
        if not domain:
            raise ValueError("no console address: set CONTACTGUARD_CONSOLE_URL")
        prefix = f"/{stage}" if stage and stage != "$default" else ""
        return Site(f"https://{domain}{prefix}/console")


@dataclass(frozen=True)
class Site:
    """The console's address: scheme://host[/stage]/console, no trailing slash."""

    console_url: str

    @property
    def origin(self) -> str:
        scheme, _, rest = self.console_url.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}"

    @property
    def root(self) -> str:
        """The console's path as a browser sees it: "/console", or "/<stage>/console" at
        API Gateway's own address (its events' paths leave the stage out)."""
        scheme, _, rest = self.console_url.partition("://")
        path = rest.partition("/")[2]
        return "/" + path.strip("/")

    def url(self, path: str) -> str:
        """A console path ("/console/...") as a link or redirect: with the stage, if any."""
        if path == "/console" or path.startswith("/console/"):
            return self.root + path.removeprefix("/console")
        return path

    def absolute(self, path: str) -> str:
        """A console path ("/console/...") as a full address (S3's redirect after an upload)."""
        return self.console_url + path.removeprefix("/console")

    @property
    def redirect_uri(self) -> str:
        return f"{self.console_url}/auth/callback"


def _secret(arn: str) -> bytes:
    value = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    if len(value) < 32:
        raise ValueError("the console's signing secret is shorter than 32 characters")
    return str(value).encode("utf-8")


def _client_id(settings: ConsoleSettings) -> str:
    """The app client's id: as set, or read once from its SSM parameter (the template's way)."""
    if settings.client_id is not None:
        return settings.client_id
    assert settings.client_id_parameter is not None  # the settings hold one or the other
    reply = boto3.client("ssm").get_parameter(Name=settings.client_id_parameter)
    return str(reply["Parameter"]["Value"])


def build(
    settings: ConsoleSettings, clock: Clock = utc_now, log: Log | None = None
) -> ConsoleWiring:
    secret = _secret(settings.signing_secret_arn)
    use_cases, _ = staff_on_aws(
        settings,
        settings.letters_bucket,
        clock,
        log or logger,
        raw_mail=(settings.raw_mail_bucket, settings.raw_mail_prefix),
        erasure_raw_mail=(settings.raw_mail_bucket, settings.raw_mail_prefix),
        erasure_exports=settings.exports_bucket,
    )
    return ConsoleWiring(
        clock=clock,
        use_cases=use_cases,
        sessions=DynamoSessions(settings.table_name),
        provider=CognitoLogin(
            issuer=str(settings.user_pool_issuer),
            client_id=_client_id(settings),
            login_domain=str(settings.login_domain),
        ),
        sign_in=SignIn(secret),
        csrf=Csrf(secret),
        console_url=str(settings.console_url) if settings.console_url else None,
        organisation=settings.organisation_name,
        session_hours=settings.session_hours,
    )


current: Current[ConsoleWiring] = Current(lambda clock: build(console_settings(), clock))
