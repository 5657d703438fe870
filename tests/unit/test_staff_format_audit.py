"""The CLI's audit-trail listing says when the API's reply held only the oldest records."""

from __future__ import annotations

from contactguard_local import staff_format

RECORD = {
    "at": "2026-11-02T09:00:00Z",
    "actor_id": "cal",
    "role": "call-handler",
    "operation": "lookup",
    "customer_id": "cust-9",
    "detail": "by=email found=true",
}


def _reply(complete: bool) -> dict[str, object]:
    return {
        "customer_id": "cust-9",
        "actor_id": None,
        "from_date": "2026-09-03",
        "to_date": "2026-12-02",
        "records": [RECORD] * 3,
        "complete": complete,
    }


def test_an_incomplete_trail_tells_the_reader_to_narrow_the_dates() -> None:
    head = staff_format.audit(_reply(complete=False))[0]
    assert head == (
        "customer cust-9: 3 audit record(s) 2026-09-03 to 2026-12-02 "
        "(the oldest 3 only: narrow the dates with --from/--to)"
    )


def test_a_complete_trail_says_nothing_more() -> None:
    head = staff_format.audit(_reply(complete=True))[0]
    assert head == "customer cust-9: 3 audit record(s) 2026-09-03 to 2026-12-02"
