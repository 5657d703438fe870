"""Builders that let lifecycle tests read like the policy.

A `Story` holds one case and every event recorded on it; each step is a real command given
through `decide`, so a builder can only reach a status the policy allows. The default story:

- Mon 2 Nov 2026: a Service Manager raises a concern (Step 1); the letter is sent on 3 Nov.
- Mon 14 Dec 2026: the Head of Service decides restrictions (Step 2): letters only.
- Fri 18 Dec 2026: the restriction letter is marked sent. Restrictions start 00:00 that day
  and end on 18 Dec 2027; the appeal window closes on Wed 13 Jan 2027 (15 working days,
  skipping Christmas, Boxing Day substituted to Mon 28 Dec, and New Year's Day).
- Wed 13 Jan 2027: the Customer Experience Team logs an appeal received that day (in time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from contactguard.domain.calendar import LONDON
from contactguard.domain.case import (
    AppealOutcome,
    Case,
    CaseEvent,
    CaseEventType,
    CaseStatus,
    CloseConcern,
    Command,
    DecideAppeal,
    ImposeRestrictions,
    LapseRestrictions,
    Letter,
    LetterKind,
    LogAppeal,
    MarkLetterSent,
    RaiseConcern,
    RecordLetterDrafted,
)
from contactguard.domain.lifecycle import Outcome, Policy, decide
from contactguard.domain.model import (
    Actor,
    Aspect,
    Behaviour,
    EqualityConsiderations,
    Weekday,
)
from contactguard.domain.model import Role as R
from contactguard.domain.restrictions import (
    LettersOnly,
    Restriction,
    SinglePointOfContact,
    TelephoneViaThirdParty,
)

CASE_ID = "case-0001"
CUSTOMER_ID = "cust-0001"
POLICY = Policy()  # England and Wales, no closures, the policy's default terms

# One member of staff per role; the Executive here took no part in any decision.
MANAGER = Actor(actor_id="staff-sm-01", role=R.SERVICE_MANAGER, name="Sam Manager")
HEAD = Actor(actor_id="staff-hos-01", role=R.HEAD_OF_SERVICE, name="Hana Head")
CET = Actor(actor_id="staff-cet-01", role=R.CUSTOMER_EXPERIENCE, name="Cat Experience")
EXECUTIVE = Actor(actor_id="staff-exec-01", role=R.EXECUTIVE, name="Ed Executive")
CALL_HANDLER = Actor(actor_id="staff-call-01", role=R.CALL_HANDLER, name="Cal Handler")
SAFEGUARDING = Actor(actor_id="staff-sg-01", role=R.SAFEGUARDING_LEAD, name="Sage Guard")
DPO = Actor(actor_id="staff-dpo-01", role=R.DATA_PROTECTION_OFFICER, name="Dee Protection")
LETTERS = Actor.system("letters")
DEADLINES = Actor.system("deadlines")

ACTOR_FOR_ROLE: dict[R, Actor] = {
    R.SERVICE_MANAGER: MANAGER,
    R.HEAD_OF_SERVICE: HEAD,
    R.CUSTOMER_EXPERIENCE: CET,
    R.EXECUTIVE: EXECUTIVE,
    R.CALL_HANDLER: CALL_HANDLER,
    R.SAFEGUARDING_LEAD: SAFEGUARDING,
    R.DATA_PROTECTION_OFFICER: DPO,
    R.SYSTEM: DEADLINES,
}


def actor(role: R, actor_id: str | None = None) -> Actor:
    """The default actor for `role`, or another person in that role."""
    if actor_id is None:
        return ACTOR_FOR_ROLE[role]
    return Actor(actor_id=actor_id, role=role)


# Dates of the default story -------------------------------------------------------------

CONCERN_RAISED_ON = date(2026, 11, 2)  # Monday
CONCERN_LETTER_SENT_ON = date(2026, 11, 3)
CONCERN_FOLLOW_UP_DUE_ON = date(2026, 12, 1)  # 20 working days after 3 Nov 2026
DECIDED_ON = date(2026, 12, 14)
RESTRICTION_LETTER_SENT_ON = date(2026, 12, 18)  # Friday before Christmas
APPEAL_CLOSES_ON = date(2027, 1, 13)  # 15 working days after 18 Dec 2026
RESTRICTIONS_END_ON = date(2027, 12, 18)  # 12 calendar months after 18 Dec 2026
APPEAL_RECEIVED_ON = APPEAL_CLOSES_ON


def at(day: date | str, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    """An instant in Europe/London (GMT in winter, BST in summer)."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return datetime.combine(day, time(hour, minute, second), tzinfo=LONDON)


def midnight(day: date) -> datetime:
    return at(day, 0)


# Values ---------------------------------------------------------------------------------


def equality(
    *,
    adjustments: bool = True,
    vulnerability: bool = True,
    equality_act: bool = True,
    agreed: tuple[str, ...] = (),
) -> EqualityConsiderations:
    return EqualityConsiderations(
        reasonable_adjustments_considered=adjustments,
        vulnerability_considered=vulnerability,
        equality_act_duties_considered=equality_act,
        notes="no known disability; offered an advocate",
        adjustments_agreed=agreed,
    )


def letters_only() -> LettersOnly:
    return LettersOnly(write_to="Derby Homes, PO Box 1, Derby DE1 1AA")


def single_point_of_contact() -> SinglePointOfContact:
    return SinglePointOfContact(
        officer_id="staff-spoc-01",
        officer_name="Pat Contact",
        officer_email="Pat.Contact@example.org",
        days=(Weekday.TUESDAY, Weekday.THURSDAY),
        from_time=time(10, 0),
        to_time=time(12, 0),
    )


def telephone_via_third_party() -> TelephoneViaThirdParty:
    return TelephoneViaThirdParty(third_party="Alex Advocate", relationship="advocate")


def raise_concern(case_id: str = CASE_ID, customer_id: str = CUSTOMER_ID) -> RaiseConcern:
    return RaiseConcern(
        case_id=case_id,
        customer_id=customer_id,
        behaviours=(Behaviour.THREATENING_LANGUAGE, Behaviour.EXCESSIVE_EMAILS),
        # what staff saw of the emails; of the language, nothing recorded (old cases)
        aspects={Behaviour.EXCESSIVE_EMAILS: (Aspect.EXCESSIVE, Aspect.THREATENING)},
        evidence_contact_ids=("contact-1", "contact-2"),
        note="forty emails in a week, two of them threatening staff",
    )


def impose(
    *restrictions: Restriction,
    immediate: bool = False,
    immediate_reason: str | None = None,
    equality_record: EqualityConsiderations | None = None,
    with_equality: bool = True,
    police_or_legal_action: str | None = None,
    case_id: str | None = None,
    customer_id: str | None = None,
) -> ImposeRestrictions:
    if equality_record is None and with_equality:
        equality_record = equality()
    return ImposeRestrictions(
        restrictions=restrictions or (letters_only(),),
        behaviours=(Behaviour.THREATENING_LANGUAGE,),
        aspects={Behaviour.THREATENING_LANGUAGE: (Aspect.FOUL,)},
        reason="the behaviour continued after the concern letter",
        equality=equality_record,
        immediate=immediate,
        immediate_reason=immediate_reason,
        police_or_legal_action=police_or_legal_action,
        case_id=case_id,
        customer_id=customer_id,
    )


# The story ------------------------------------------------------------------------------


@dataclass
class Story:
    """One case driven through `decide`, keeping every event in order."""

    case: Case | None = None
    events: list[CaseEvent] = field(default_factory=list)
    policy: Policy = POLICY

    def do(self, command: Command, by: Actor, now: datetime) -> Outcome:
        outcome = decide(self.case, command, by, now, self.policy)
        self.case = outcome.case
        self.events.extend(outcome.events)
        return outcome

    def try_(self, command: Command, by: Actor, now: datetime) -> Outcome:
        """`decide` without recording: for asserting refusals and alternative branches."""
        return decide(self.case, command, by, now, self.policy)

    @property
    def current(self) -> Case:
        assert self.case is not None, "the story has no case yet"
        return self.case

    def letter(self, kind: LetterKind) -> Letter:
        """The most recent letter of `kind` on the case."""
        found = [x for x in self.current.letters if x.kind is kind]
        assert found, f"no {kind.value} letter on the case"
        return found[-1]

    def draft(self, kind: LetterKind, now: datetime) -> Outcome:
        letter = self.letter(kind)
        key = f"letters/{CASE_ID}/{letter.letter_id}/v{letter.version + 1}.docx"
        return self.do(
            RecordLetterDrafted(letter_id=letter.letter_id, version=letter.version + 1, s3_key=key),
            LETTERS,
            now,
        )

    def send(
        self, kind: LetterKind, sent_on: date, by: Actor, now: datetime | None = None
    ) -> Outcome:
        letter = self.letter(kind)
        return self.do(
            MarkLetterSent(letter_id=letter.letter_id, sent_on=sent_on),
            by,
            now or at(sent_on, 16),
        )

    def draft_and_send(
        self, kind: LetterKind, sent_on: date, by: Actor, now: datetime | None = None
    ) -> Outcome:
        self.draft(kind, at(sent_on, 9))
        return self.send(kind, sent_on, by, now)

    def types(self, since: int = 0) -> list[CaseEventType]:
        return [e.type for e in self.events[since:]]


def no_case() -> Story:
    return Story()


def concern_raised() -> Story:
    """Step 1 recorded by the Service Manager; the concern letter is required, not sent."""
    story = Story()
    story.do(raise_concern(), MANAGER, at(CONCERN_RAISED_ON))
    return story


def concern_letter_sent() -> Story:
    story = concern_raised()
    story.draft_and_send(LetterKind.CONCERN, CONCERN_LETTER_SENT_ON, MANAGER)
    return story


def restrictions_decided(*restrictions: Restriction) -> Story:
    """Step 2 decided by the Head of Service after Step 1; the letter is not yet sent."""
    story = concern_letter_sent()
    story.do(impose(*restrictions), HEAD, at(DECIDED_ON))
    assert story.current.status is CaseStatus.RESTRICTIONS_DECIDED
    return story


def restricted(*restrictions: Restriction) -> Story:
    """The restriction letter is marked sent on Friday 18 December 2026."""
    story = restrictions_decided(*restrictions)
    story.draft_and_send(LetterKind.RESTRICTIONS, RESTRICTION_LETTER_SENT_ON, HEAD)
    assert story.current.status is CaseStatus.RESTRICTED
    return story


def immediately_restricted(now: datetime | None = None, policy: Policy = POLICY) -> Story:
    """No Step 1: an immediate decision on a customer with no case."""
    story = Story(policy=policy)
    story.do(
        impose(
            letters_only(),
            immediate=True,
            immediate_reason="threatened to harm a housing officer",
            police_or_legal_action="reported to Derbyshire Police",
            case_id=CASE_ID,
            customer_id=CUSTOMER_ID,
        ),
        HEAD,
        now or at("2026-12-14", 15, 30),
    )
    return story


def under_appeal(*restrictions: Restriction) -> Story:
    """The Customer Experience Team logs an appeal received on the window's last day."""
    story = restricted(*restrictions)
    story.do(
        LogAppeal(received_on=APPEAL_RECEIVED_ON, grounds="the emails were about a real repair"),
        CET,
        at(APPEAL_RECEIVED_ON, 11),
    )
    assert story.current.status is CaseStatus.UNDER_APPEAL
    return story


def lapsed() -> Story:
    """The end date passed with no review decision and the lapse deadline fired."""
    story = restricted()
    story.do(LapseRestrictions(), DEADLINES, at(RESTRICTIONS_END_ON, 6))
    assert story.current.status is CaseStatus.LAPSED
    return story


def closed() -> Story:
    """The behaviour changed after Step 1: the manager closes the concern."""
    story = concern_letter_sent()
    story.do(CloseConcern(reason="no further contact of concern"), MANAGER, at("2026-12-02"))
    assert story.current.status is CaseStatus.CLOSED
    return story


def closed_by_upheld_appeal() -> Story:
    story = under_appeal()
    story.do(
        DecideAppeal(outcome=AppealOutcome.UPHELD, reason="the contact was about a real repair"),
        EXECUTIVE,
        at("2027-02-01"),
    )
    assert story.current.status is CaseStatus.CLOSED
    return story


STORY_FOR_STATUS = {
    None: no_case,
    CaseStatus.CONCERN: concern_raised,
    CaseStatus.RESTRICTIONS_DECIDED: restrictions_decided,
    CaseStatus.RESTRICTED: restricted,
    CaseStatus.UNDER_APPEAL: under_appeal,
    CaseStatus.LAPSED: lapsed,
    CaseStatus.CLOSED: closed,
}
