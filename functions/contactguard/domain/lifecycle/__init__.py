"""The case lifecycle: a transition table and one pure function, `decide`.

`decide(case, command, actor, now, policy)` returns the new case state and the events that
record the decision, or raises a typed PolicyError naming the rule that refused it. It reads
no clock and touches nothing outside its arguments.

The shared parts: `table` (TRANSITIONS, the whole truth of which status a command may lead
to), `roles` (PERMITTED_ROLES), `recorder` (the events one command produces), `handlers` (the
registry of one handler per command and the helpers they share) and `decision` (`decide`).
The handlers, one module per step of the policy: `concern` (Step 1), `restrictions`
(Step 2), `letters`, `appeals` (s.5), `review` (s.6, the twelve-month review), and
`recalculation` (working-day deadlines moved when the calendar changes). Importing this
package registers them all and checks that every command has its handler.
"""

from __future__ import annotations

from contactguard.domain.errors import PolicyError
from contactguard.domain.letter_kinds import LETTER_SENDERS

# Each step's module registers its handlers on import.
from contactguard.domain.lifecycle import (  # noqa: F401
    appeals,
    concern,
    letters,
    recalculation,
    restrictions,
    review,
)
from contactguard.domain.lifecycle.decision import Outcome, decide
from contactguard.domain.lifecycle.handlers import check_every_command_is_handled
from contactguard.domain.lifecycle.letters import unsent_letter_due
from contactguard.domain.lifecycle.roles import PERMITTED_ROLES
from contactguard.domain.lifecycle.table import TRANSITIONS
from contactguard.domain.policy import Policy, PolicyTerms

check_every_command_is_handled()

__all__ = [
    "LETTER_SENDERS",
    "PERMITTED_ROLES",
    "TRANSITIONS",
    "Outcome",
    "Policy",
    "PolicyError",
    "PolicyTerms",
    "decide",
    "unsent_letter_due",
]
