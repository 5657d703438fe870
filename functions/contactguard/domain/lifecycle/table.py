"""The transition table: the statuses each command may lead to from each status."""

from __future__ import annotations

from contactguard.domain.case import (
    CaseStatus,
    CommandKind,
)

_ALL = tuple(CaseStatus)
# The statuses in which restrictions are in force.
IN_FORCE = (CaseStatus.RESTRICTED, CaseStatus.UNDER_APPEAL)

# The transition table: (status before, command) -> the statuses it may lead to. `None` is
# "no case yet". A pair missing from the table is an illegal transition.
TRANSITIONS: dict[tuple[CaseStatus | None, CommandKind], frozenset[CaseStatus]] = {
    (None, CommandKind.RAISE_CONCERN): frozenset({CaseStatus.CONCERN}),
    # Immediate only (s.4).
    (None, CommandKind.IMPOSE_RESTRICTIONS): frozenset({CaseStatus.RESTRICTED}),
    (CaseStatus.CONCERN, CommandKind.IMPOSE_RESTRICTIONS): frozenset(
        {CaseStatus.RESTRICTIONS_DECIDED, CaseStatus.RESTRICTED}
    ),
    (CaseStatus.LAPSED, CommandKind.IMPOSE_RESTRICTIONS): frozenset(
        {CaseStatus.RESTRICTIONS_DECIDED, CaseStatus.RESTRICTED}
    ),
    # Mid-term, with no appeal open (under appeal, the appeal is decided first: s.5).
    (CaseStatus.RESTRICTED, CommandKind.VARY_RESTRICTIONS): frozenset({CaseStatus.RESTRICTED}),
    (CaseStatus.CONCERN, CommandKind.CLOSE_CONCERN): frozenset({CaseStatus.CLOSED}),
    (CaseStatus.CONCERN, CommandKind.CONCERN_FOLLOW_UP_DUE): frozenset({CaseStatus.CONCERN}),
    **{(s, CommandKind.RECORD_LETTER_DRAFTED): frozenset({s}) for s in _ALL},
    **{(s, CommandKind.RECORD_LETTER_FAILED): frozenset({s}) for s in _ALL},
    **{
        (s, CommandKind.MARK_LETTER_SENT): frozenset({s})
        for s in _ALL
        if s is not CaseStatus.RESTRICTIONS_DECIDED
    },
    (CaseStatus.RESTRICTIONS_DECIDED, CommandKind.MARK_LETTER_SENT): frozenset(
        {CaseStatus.RESTRICTIONS_DECIDED, CaseStatus.RESTRICTED}
    ),
    **{(s, CommandKind.REDRAFT_LETTER): frozenset({s}) for s in _ALL},
    **{(s, CommandKind.CLOSE_APPEAL_WINDOW): frozenset({s}) for s in IN_FORCE},
    (CaseStatus.RESTRICTED, CommandKind.LOG_APPEAL): frozenset(
        {CaseStatus.RESTRICTED, CaseStatus.UNDER_APPEAL}
    ),
    (CaseStatus.RESTRICTED, CommandKind.ACCEPT_LATE_APPEAL): frozenset({CaseStatus.UNDER_APPEAL}),
    (CaseStatus.RESTRICTED, CommandKind.DECLINE_LATE_APPEAL): frozenset({CaseStatus.RESTRICTED}),
    (CaseStatus.UNDER_APPEAL, CommandKind.DECIDE_APPEAL): frozenset(
        {CaseStatus.RESTRICTED, CaseStatus.CLOSED}
    ),
    (CaseStatus.UNDER_APPEAL, CommandKind.DELAY_APPEAL_REVIEW): frozenset(
        {CaseStatus.UNDER_APPEAL}
    ),
    (CaseStatus.UNDER_APPEAL, CommandKind.APPEAL_REVIEW_REMINDER): frozenset(
        {CaseStatus.UNDER_APPEAL}
    ),
    (CaseStatus.UNDER_APPEAL, CommandKind.APPEAL_REVIEW_OVERDUE): frozenset(
        {CaseStatus.UNDER_APPEAL}
    ),
    (CaseStatus.RESTRICTED, CommandKind.DECIDE_REVIEW): frozenset(
        {CaseStatus.RESTRICTED, CaseStatus.CLOSED}
    ),
    (CaseStatus.UNDER_APPEAL, CommandKind.DECIDE_REVIEW): frozenset(
        {CaseStatus.UNDER_APPEAL, CaseStatus.CLOSED}
    ),
    **{(s, CommandKind.REVIEW_PACK_DUE): frozenset({s}) for s in IN_FORCE},
    **{(s, CommandKind.LAPSE_RESTRICTIONS): frozenset({CaseStatus.LAPSED}) for s in IN_FORCE},
    (CaseStatus.LAPSED, CommandKind.CLOSE_CASE): frozenset({CaseStatus.CLOSED}),
    **{(s, CommandKind.REMIND_UNSENT_LETTER): frozenset({s}) for s in _ALL},
    **{
        (s, CommandKind.RECALCULATE_DEADLINES): frozenset({s})
        for s in (CaseStatus.CONCERN, CaseStatus.RESTRICTED, CaseStatus.UNDER_APPEAL)
    },
}

# What to do first, said with the refusal of a pair missing from the table where the answer is
# not obvious (the rule stays "lifecycle").
FIRST: dict[tuple[CaseStatus, CommandKind], str] = {
    (CaseStatus.UNDER_APPEAL, CommandKind.VARY_RESTRICTIONS): (
        "decide the appeal first: the restrictions in force are under independent review (s.5)"
    ),
}
