"""`contactguard local`: the embedded stack with the SMTP gateway, on the real clock."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from contactguard.domain.calendar import LONDON
from contactguard.domain.model import (
    Actor,
    Customer,
    Role,
)
from contactguard_local.examples import immediate_restrictions
from contactguard_local.smtp import SmtpGateway
from contactguard_local.stack import EmbeddedStack, SimClock


class LiveClock(SimClock):
    """The wall clock (for interactive use); `advance` still moves nothing backwards."""

    def __call__(self) -> datetime:
        return max(self.now, datetime.now(LONDON))


def run_local(port: int, maildir: Path, customers: list[str], seconds: float | None = None) -> int:
    clock = LiveClock(datetime.now(LONDON))
    with EmbeddedStack(clock) as stack:
        for n, spec in enumerate(customers, start=1):
            address, _, restriction = spec.partition(":")
            customer_id = f"local-{n:03d}"
            stack.store.put_customer(
                Customer(customer_id=customer_id, name=f"Local customer {n}", emails=(address,))
            )
            note = ""
            if restriction == "letters-only":
                stack.cases.open_case(
                    immediate_restrictions(f"local-case-{n:03d}", customer_id),
                    Actor(actor_id="local-hos", role=Role.HEAD_OF_SERVICE),
                    clock() - timedelta(seconds=1),
                )
                note = " (letters only: email is filed, not delivered)"
            elif restriction:
                raise SystemExit(f"unknown restriction {restriction!r}: use letters-only")
            print(f"customer {customer_id}: {address}{note}")
        with SmtpGateway(stack, maildir, port=port) as gateway:
            host, bound = gateway.address
            print(f"SMTP gateway on {host}:{bound}; delivered mail goes to {maildir}")
            print("send mail with any SMTP client; Ctrl-C stops", flush=True)
            seen = 0
            deadline = None if seconds is None else time.monotonic() + seconds
            try:
                while deadline is None or time.monotonic() < deadline:
                    time.sleep(0.2)
                    for delivery in gateway.handler.deliveries[seen:]:
                        print(
                            f"  {delivery.disposition:13} message for "
                            f"{len(delivery.recipients)} recipient(s)",
                            flush=True,
                        )
                    seen = len(gateway.handler.deliveries)
            except KeyboardInterrupt:
                print("stopped")
    return 0
