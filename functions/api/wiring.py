"""The API's composition root: the only module of the API that knows the adapters.

`build(settings, clock)` wires the staff use cases to DynamoDB and the letters bucket, the
clock injected. The Lambda serves with the one `current` wiring (`contactguard.wiring.Current`),
built on first use (never at import) from the environment's settings and the real clock; tests
and the embedded stack give it their own clock with `current.use_clock(...)`, or install a
wiring of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.resolver import logger
from api.settings import ApiSettings, api_settings
from contactguard.ports import AuditLog, Clock
from contactguard.staff_wiring import staff_on_aws
from contactguard.usecases import StaffUseCases
from contactguard.wiring import Current, utc_now


@dataclass(frozen=True)
class Wiring:
    clock: Clock
    use_cases: StaffUseCases
    audit_log: AuditLog  # the trail's store (tests make it fail to see the 503)


def build(settings: ApiSettings, clock: Clock = utc_now) -> Wiring:
    """The API's use cases over one DynamoDB client and the letters bucket."""
    use_cases, store = staff_on_aws(
        settings,
        settings.letters_bucket,
        clock,
        logger,
        erasure_raw_mail=(settings.raw_mail_bucket, settings.raw_mail_prefix),
        exports_bucket=settings.exports_bucket,
        erasure_exports=settings.exports_bucket,
    )
    return Wiring(clock=clock, use_cases=use_cases, audit_log=store)


current: Current[Wiring] = Current(lambda clock: build(api_settings(), clock))
