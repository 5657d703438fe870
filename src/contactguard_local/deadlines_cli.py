"""`contactguard deadlines`: upcoming deadlines for one case or all open cases in a window.

Reads the cases table directly (a deployed stack's, by name, with your AWS credentials; give
the stack's holiday region and closure dates with --region and --closure, as its parameters
say), or runs a scenario on the embedded stack first (`--scenario`, whose own calendar is used)
and lists what it left pending.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from contactguard.adapters.dynamodb import DynamoStore
from contactguard.domain.calendar import LONDON, WorkingDayCalendar
from contactguard.domain.deadlines import Deadline, pending_deadlines
from contactguard.domain.lifecycle import Policy


def upcoming(
    store: DynamoStore,
    case_id: str | None,
    start: date | None,
    end: date | None,
    policy: Policy | None = None,
) -> list[Deadline]:
    """The deadlines pending in [start, end], counted with the deployment's calendar (its
    holiday region and closure days): with another calendar the dates would be wrong."""
    case_ids = [case_id] if case_id else store.open_case_ids()
    found: list[Deadline] = []
    low = datetime.combine(start, time(0), tzinfo=LONDON) if start else None
    high = datetime.combine(end, time(23, 59, 59), tzinfo=LONDON) if end else None
    for cid in case_ids:
        case = store.get_case(cid)
        if case is None:
            raise LookupError(f"no case {cid}")
        for deadline in pending_deadlines(case, policy or Policy()):
            if (low is None or deadline.fire_at >= low) and (
                high is None or deadline.fire_at <= high
            ):
                found.append(deadline)
    return sorted(found, key=lambda d: (d.fire_at, d.case_id))


def render(deadlines: list[Deadline], as_json: bool) -> str:
    if as_json:
        return json.dumps(
            [
                {
                    "case_id": d.case_id,
                    "deadline": d.kind.value,
                    "at": d.fire_at.isoformat(),
                    "schedule": d.schedule_name,
                }
                for d in deadlines
            ],
            indent=2,
        )
    if not deadlines:
        return "no upcoming deadlines"
    width = max(len(d.case_id) for d in deadlines)
    return "\n".join(
        f"{d.fire_at:%a %d %b %Y %H:%M}  {d.case_id:{width}}  {d.kind.value}" for d in deadlines
    )


def run(args: Any) -> int:
    if args.scenario:
        from contactguard_local.simulate import Simulation, load_scenario

        scenario, root = load_scenario(Path(args.scenario))
        simulation = Simulation(scenario, root, Path(args.scenario).parent, Path("out/deadlines"))
        result: list[Deadline] = []

        def capture() -> None:
            stack = simulation.stack
            result.extend(
                upcoming(stack.store, args.case, args.start, args.end, stack.cases.policy)
            )

        simulation.run(quiet=True, after=capture)
        print(render(result, args.json))
        return 0
    if not args.table:
        print("error: give --table NAME (a deployed stack's cases table) or --scenario FILE")
        return 2
    store = DynamoStore(args.table)
    calendar = WorkingDayCalendar.from_settings(args.region, args.closure or ())
    found = upcoming(store, args.case, args.start, args.end, Policy(calendar=calendar))
    print(render(found, args.json))
    return 0
