"""The console's settings: the shared ones, the letters bucket, and where Cognito's managed
login lives. Validated once, cached."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Self

from pydantic import Field, HttpUrl, field_validator, model_validator

from contactguard.settings import CoreSettings


class ConsoleSettings(CoreSettings):
    """Everything the console needs besides the table and the policy's terms (CoreSettings).

    Every value comes from the function's environment (infra/template.yaml), prefixed
    CONTACTGUARD_. There is no local sign-in setting: the local sign-in page exists only in
    `contactguard serve`, which wires its own identity provider (contactguard_local.console).
    """

    letters_bucket: str = Field(min_length=3)
    # The stored messages (SES's receipt rule writes them under the prefix): the designated
    # officers read a filed email's words from here.
    raw_mail_bucket: str = Field(min_length=3)
    raw_mail_prefix: str = "inbound/"
    # Subject access zips: erasure deletes an erased customer's (the console serves none).
    exports_bucket: str = Field(min_length=3)
    # The console's own address, as a browser reaches it (the redirect URI is beneath it);
    # unset or empty (the template's default): the address API Gateway was reached at (its
    # domain and stage).
    console_url: HttpUrl | None = None
    # Cognito: the user pool's issuer, the app client, the managed login's domain.
    user_pool_issuer: HttpUrl  # https://cognito-idp.<region>.amazonaws.com/<pool id>
    # The app client's id, or the SSM parameter that holds it (the template's way: the id
    # cannot be in the function's environment without a circular dependency; see
    # ConsoleClientIdParameter in infra/template.yaml). Exactly one of the two.
    client_id: str | None = Field(default=None, min_length=1, max_length=128)
    client_id_parameter: str | None = Field(default=None, pattern=r"^/[A-Za-z0-9_.\-/]{1,1010}$")
    login_domain: HttpUrl  # https://<prefix>.auth.<region>.amazoncognito.com
    # The secret that signs the sign-in cookie and CSRF tokens (Secrets Manager, by ARN).
    signing_secret_arn: str = Field(min_length=20)
    session_hours: int = Field(default=8, ge=1, le=24)
    # Who runs this service: shown in the console's header and footer.
    organisation_name: str = Field(default="Housing services", min_length=1, max_length=80)

    @field_validator("console_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _one_client(self) -> Self:
        if (self.client_id is None) == (self.client_id_parameter is None):
            raise ValueError("set exactly one of client_id and client_id_parameter")
        return self


@lru_cache(maxsize=1)
def console_settings() -> ConsoleSettings:
    return ConsoleSettings()  # values come from the environment
