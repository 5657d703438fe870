"""The API's composition root: the only module of the API that knows the adapters.

`build(settings, clock)` wires the staff use cases to DynamoDB and the letters bucket, the
clock injected. The Lambda serves with the one `current` wiring (`contactguard.wiring.Current`),
built on first use (never at import) from the environment's settings and the real clock; tests
and the embedded stack give it their own clock with `current.use_clock(...)`, or install a
wiring of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from api.models import EARLIEST_DATE
from api.resolver import logger
from api.settings import ApiSettings, api_settings
from contactguard.adapters.dynamodb import DynamoStore
from contactguard.adapters.messaging import S3Objects
from contactguard.ports import AuditLog, Clock
from contactguard.usecases import StaffUseCases, staff_use_cases
from contactguard.wiring import Current, utc_now


@dataclass(frozen=True)
class Wiring:
    clock: Clock
    use_cases: StaffUseCases
    audit_log: AuditLog  # the trail's store (tests make it fail to see the 503)


def build(settings: ApiSettings, clock: Clock = utc_now) -> Wiring:
    """The API's use cases over one DynamoDB client and the letters bucket."""
    store = DynamoStore(settings.table_name, retention_years=settings.retention_years)
    use_cases = staff_use_cases(
        cases=store,
        customers=store,
        contacts=store,
        read_queue=store,
        audit_log=store,
        documents=S3Objects(settings.letters_bucket),
        policy=settings.policy(),
        clock=clock,
        log=logger,
        earliest=EARLIEST_DATE,
        audit_unavailable=(ClientError,),  # a failed PutItem: no record, so no data
    )
    return Wiring(clock=clock, use_cases=use_cases, audit_log=store)


current: Current[Wiring] = Current(lambda clock: build(api_settings(), clock))
