"""Who may do what, restated from the policy's words and checked against `decide`.

`lifecycle.PERMITTED_ROLES` and `lifecycle.LETTER_SENDERS` are the code's tables; a test that
reads them cannot notice one of them is wrong. The tables below are written from the policy
(and DESIGN.md where it decides), not copied from the code. For every command of the
lifecycle, given in a state where it is legal (the examples of lifecycle_stories.py), each role
in turn gives it as a person who took part in nothing: the roles named here succeed, every
other role is refused with NotPermitted.
"""

from __future__ import annotations

import pytest
from builders import EXECUTIVE, HEAD, Story, at, under_appeal
from lifecycle_stories import DISMISSED, EXAMPLES, Example

from contactguard.domain.case import (
    CaseStatus,
    Command,
    CommandKind,
    LetterKind,
    MarkLetterSent,
    RedraftLetter,
)
from contactguard.domain.errors import NotPermitted
from contactguard.domain.model import Actor, Role

SM, HOS, CET, EXEC = (
    Role.SERVICE_MANAGER,
    Role.HEAD_OF_SERVICE,
    Role.CUSTOMER_EXPERIENCE,
    Role.EXECUTIVE,
)
MANAGERS = frozenset({SM, HOS})
SYSTEM = frozenset({Role.SYSTEM})

# Decisions: who the policy says makes each one.
DECIDES: dict[CommandKind, frozenset[Role]] = {
    # s.4 Step 1: "the relevant Service Manager will record the details ... and contact the
    # customer"; DESIGN.md: at the follow-up the manager closes the concern or submits it.
    CommandKind.RAISE_CONCERN: frozenset({SM}),
    CommandKind.CLOSE_CONCERN: frozenset({SM}),
    # s.4 Step 2: "the case will be submitted to the relevant Head of Service and restrictions
    # may be imposed"; DESIGN.md: "Only a Head of Service imposes restrictions".
    CommandKind.IMPOSE_RESTRICTIONS: frozenset({HOS}),
    # ... and varying the restrictions in force is a Step 2 decision too.
    CommandKind.VARY_RESTRICTIONS: frozenset({HOS}),
    # s.5: the appeal is "addressed to the Customer Experience Team", who log it.
    CommandKind.LOG_APPEAL: frozenset({CET}),
    # DESIGN.md: "A late appeal is recorded as late; a manager may accept it with a reason."
    CommandKind.ACCEPT_LATE_APPEAL: MANAGERS,
    CommandKind.DECLINE_LATE_APPEAL: MANAGERS,
    # s.5: "an independent review ... by a member of Derby Homes Executive Team".
    CommandKind.DECIDE_APPEAL: frozenset({EXEC}),
    # s.5 and the Housing Ombudsman's code: when the review needs longer, the reviewer or the
    # team that handles the appeal sets the new date and tells the customer.
    CommandKind.DELAY_APPEAL_REVIEW: frozenset({EXEC, CET}),
    # s.6: "The Head of Service will review the case ... and makes a decision whether the
    # customer is to remain vexatious": extend or close, and close a lapsed case.
    CommandKind.DECIDE_REVIEW: frozenset({HOS}),
    CommandKind.CLOSE_CASE: frozenset({HOS}),
    # No person: letters are drafted by the letters function, and deadlines are applied by
    # the deadlines function when they fall due (DESIGN.md: letters and deadlines follow from
    # the events; they never poll, and nobody applies a deadline by hand).
    CommandKind.RECORD_LETTER_DRAFTED: SYSTEM,
    CommandKind.RECORD_LETTER_FAILED: SYSTEM,
    CommandKind.CONCERN_FOLLOW_UP_DUE: SYSTEM,
    CommandKind.CLOSE_APPEAL_WINDOW: SYSTEM,
    CommandKind.APPEAL_REVIEW_REMINDER: SYSTEM,
    CommandKind.APPEAL_REVIEW_OVERDUE: SYSTEM,
    CommandKind.REVIEW_PACK_DUE: SYSTEM,
    CommandKind.LAPSE_RESTRICTIONS: SYSTEM,
    CommandKind.REMIND_UNSENT_LETTER: SYSTEM,
    CommandKind.RECALCULATE_DEADLINES: SYSTEM,
}

# Letters: who checks a draft and sends it (or asks for it to be redrafted). DESIGN.md:
# "Letters are drafts for a manager to check and send".
SENDS: dict[LetterKind, frozenset[Role]] = {
    # s.4 Step 1: the Service Manager contacts the customer in writing.
    LetterKind.CONCERN: frozenset({SM}),
    # ... and closes it when the behaviour changed, telling the customer so.
    LetterKind.CONCERN_CLOSED: frozenset({SM}),
    # s.4 Step 2: "When the Head of Service has applied restrictions they should ensure that
    # the customer is written to": the Head of Service, or the Service Manager for them; so
    # for the review's outcome (s.6: "a letter or email sent to the customer") and a lapse.
    LetterKind.RESTRICTIONS: MANAGERS,
    LetterKind.IMMEDIATE_RESTRICTIONS: MANAGERS,
    LetterKind.REVIEW_EXTENDED: MANAGERS,
    LetterKind.RESTRICTIONS_VARIED: MANAGERS,
    LetterKind.REVIEW_CLOSED: MANAGERS,
    LetterKind.RESTRICTIONS_LAPSED: MANAGERS,
    LetterKind.CASE_CLOSED: MANAGERS,
    # s.5: a late appeal is the managers' to accept or decline; whoever declined it writes.
    LetterKind.LATE_APPEAL_DECLINED: MANAGERS,
    # s.5: the Customer Experience Team receives the appeal and acknowledges it; the review's
    # "response communicated to the customer" comes from the reviewer or that team.
    LetterKind.APPEAL_ACKNOWLEDGEMENT: frozenset({CET}),
    LetterKind.APPEAL_UPHELD: frozenset({EXEC, CET}),
    LetterKind.APPEAL_DISMISSED: frozenset({EXEC, CET}),
    LetterKind.APPEAL_VARIED: frozenset({EXEC, CET}),
    # ... and so does the letter saying the review needs longer, with its new date.
    LetterKind.APPEAL_REVIEW_DELAYED: frozenset({EXEC, CET}),
    # An internal pack for the Head of Service: never sent to the customer.
    LetterKind.REVIEW_PACK: frozenset(),
}
LETTER_COMMANDS = (CommandKind.MARK_LETTER_SENT, CommandKind.REDRAFT_LETTER)


def test_every_command_and_letter_has_its_roles_stated_here() -> None:
    assert set(DECIDES) | set(LETTER_COMMANDS) == set(CommandKind)
    assert set(SENDS) == set(LetterKind)


def _may(story: Story, command: Command) -> frozenset[Role]:
    if isinstance(command, MarkLetterSent | RedraftLetter):
        letter = story.current.letter(command.letter_id)
        assert letter is not None
        return SENDS[letter.kind]
    return DECIDES[command.kind]


CASES = [(example, role) for example in EXAMPLES for role in Role]


@pytest.mark.policy(
    "s4-step1-service-manager",
    "s4-step2-head-of-service",
    "s5-appeal-to-cet",
    "s5-late-appeal",
    "s5-independent-review",
    "s6-review-12-monthly",
)
@pytest.mark.parametrize(
    ("example", "role"), CASES, ids=[f"{e.name}-by-{r.value}" for e, r in CASES]
)
def test_only_the_roles_the_policy_names_may_give_each_command(
    example: Example, role: Role
) -> None:
    story, command, _, now = example.setup()
    person = (
        Actor.system("role-test")
        if role is Role.SYSTEM
        else Actor(actor_id=f"uninvolved-{role.value}", role=role)
    )
    if role in _may(story, command):
        outcome = story.try_(command, person, now)
        assert outcome.case.status is example.after
    else:
        with pytest.raises(NotPermitted):
            story.try_(command, person, now)


@pytest.mark.policy("s5-independent-review")
def test_the_appeal_reviewer_took_no_part_in_the_decision() -> None:
    """s.5: the review is independent. The Head of Service who imposed the restrictions may
    also sit on the Executive Team; as a reviewer of their own decision they are refused, and
    an Executive who took no part may decide."""
    story = under_appeal()
    same_person = Actor(actor_id=HEAD.actor_id, role=Role.EXECUTIVE)
    with pytest.raises(NotPermitted):
        story.try_(DISMISSED, same_person, at("2027-02-01"))
    assert story.try_(DISMISSED, EXECUTIVE, at("2027-02-01")).case.status is CaseStatus.RESTRICTED
