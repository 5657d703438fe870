"""Who may give each command.

Which roles may mark which letters sent (the manager who checks and sends it) is one column of
letter_kinds.LETTER_KINDS, read through its view LETTER_SENDERS.
"""

from __future__ import annotations

from contactguard.domain.case import (
    DEADLINE_COMMANDS,
    CommandKind,
)
from contactguard.domain.model import Role

# Who may give each command (s.4: Step 1 by the Service Manager, Step 2 by the Head of
# Service; s.5: appeals to the Customer Experience Team, reviewed by the Executive Team).
PERMITTED_ROLES: dict[CommandKind, frozenset[Role]] = {
    CommandKind.RAISE_CONCERN: frozenset({Role.SERVICE_MANAGER}),
    CommandKind.CLOSE_CONCERN: frozenset({Role.SERVICE_MANAGER}),
    CommandKind.IMPOSE_RESTRICTIONS: frozenset({Role.HEAD_OF_SERVICE}),
    # Varying the restrictions in force is a Step 2 decision too.
    CommandKind.VARY_RESTRICTIONS: frozenset({Role.HEAD_OF_SERVICE}),
    CommandKind.RECORD_LETTER_DRAFTED: frozenset({Role.SYSTEM}),
    CommandKind.RECORD_LETTER_FAILED: frozenset({Role.SYSTEM}),
    CommandKind.MARK_LETTER_SENT: frozenset(
        {Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE, Role.CUSTOMER_EXPERIENCE, Role.EXECUTIVE}
    ),
    CommandKind.REDRAFT_LETTER: frozenset(
        {Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE, Role.CUSTOMER_EXPERIENCE, Role.EXECUTIVE}
    ),
    CommandKind.LOG_APPEAL: frozenset({Role.CUSTOMER_EXPERIENCE}),
    CommandKind.ACCEPT_LATE_APPEAL: frozenset({Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE}),
    CommandKind.DECLINE_LATE_APPEAL: frozenset({Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE}),
    CommandKind.DELAY_APPEAL_REVIEW: frozenset({Role.EXECUTIVE, Role.CUSTOMER_EXPERIENCE}),
    CommandKind.DECIDE_APPEAL: frozenset({Role.EXECUTIVE}),
    CommandKind.DECIDE_REVIEW: frozenset({Role.HEAD_OF_SERVICE}),
    CommandKind.CLOSE_CASE: frozenset({Role.HEAD_OF_SERVICE}),
    **{k: frozenset({Role.SYSTEM}) for k in DEADLINE_COMMANDS},
}
