"""The letter kinds: one row per kind, everything the system knows about it in one place.

`LETTER_KINDS[kind]` says who sends a kind of letter, whether it goes to the customer, whether
it must go on the day it carries, whether it opens a right of appeal, what it must contain and
which Word template it is filled from. The lifecycle, the letters function and the template
generator read this table; none keeps its own list of kinds. The table is checked complete and
consistent when the module is imported, so a kind without its row (or a row that contradicts
itself) fails at import, never at the moment a letter is marked sent.

A new letter kind: a `LetterKind` member and its row here, the context it needs
(`letters/content.py`), its template (`contactguard_local/letter_templates.py`, then
regenerate), and the command that calls for it (`lifecycle/`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from contactguard.domain.model import Role


class LetterKind(StrEnum):
    CONCERN = "concern"
    CONCERN_CLOSED = "concern-closed"
    RESTRICTIONS = "restrictions"
    IMMEDIATE_RESTRICTIONS = "immediate-restrictions"
    APPEAL_ACKNOWLEDGEMENT = "appeal-acknowledgement"
    LATE_APPEAL_DECLINED = "late-appeal-declined"
    APPEAL_REVIEW_DELAYED = "appeal-review-delayed"
    APPEAL_UPHELD = "appeal-upheld"
    APPEAL_DISMISSED = "appeal-dismissed"
    APPEAL_VARIED = "appeal-varied"
    REVIEW_EXTENDED = "review-extended"
    RESTRICTIONS_VARIED = "restrictions-varied"
    REVIEW_CLOSED = "review-closed"
    RESTRICTIONS_LAPSED = "restrictions-lapsed"
    CASE_CLOSED = "case-closed"
    REVIEW_PACK = "review-pack"  # internal, for the Head of Service; never "sent"


class Content(StrEnum):
    """A piece of text a letter must carry. The letters function refuses a letter whose data
    lacks one (`no-<content>`) or whose rendered document lost it (`template-lacks-<content>`):
    docs/letter-templates.md, "What a letter must contain"."""

    CUSTOMER_NAME = "customer-name"
    POSTAL_ADDRESS = "postal-address"
    LETTER_DATE = "letter-date"
    BEHAVIOURS = "behaviours"
    RESTRICTIONS = "restrictions"
    START_DATE = "start-date"
    END_DATE = "end-date"
    REVIEW_DATE = "review-date"
    PERMITTED_CHANNELS = "permitted-channels"  # each route of "How you can contact us now"
    EMERGENCY_LINE = "emergency-line"  # the line every restriction leaves open
    APPEAL_ROUTE = "appeal-route"
    APPEAL_ADDRESS = "appeal-address"  # where: the appeal postal address and email
    APPEAL_DEADLINE = "appeal-deadline"
    OMBUDSMAN = "ombudsman"  # which handles housing complaints: name, telephone, post
    ADJUSTMENTS_CONTACT = "adjustments-contact"  # telephone, Relay UK and email
    DECISION = "decision"  # what was decided, in one sentence (an appeal's outcome, ...)
    REASON = "reason"
    IMMEDIATE_REASON = "immediate-reason"
    APPEAL_RECEIVED_DATE = "appeal-received-date"
    REVIEW_DUE_DATE = "review-due-date"
    WINDOW = "window"  # the review pack's 12-month window
    MONTHS = "months"  # the review pack's month rows


C = Content
_EVERY_LETTER = frozenset({C.CUSTOMER_NAME, C.LETTER_DATE})
# A posted letter says how to ask for a reasonable adjustment.
_POSTED = _EVERY_LETTER | {C.POSTAL_ADDRESS, C.ADJUSTMENTS_CONTACT}
# How to contact us now, under the restrictions in force: each route still open and the
# emergency line.
_CONTACT_NOW = frozenset({C.PERMITTED_CHANNELS, C.EMERGENCY_LINE})
# Each restriction with its details, its dates and the channels still open (s.4 "written to
# highlighting the restrictions").
_STATES_RESTRICTIONS = (
    frozenset({C.RESTRICTIONS, C.START_DATE, C.END_DATE, C.REVIEW_DATE}) | _CONTACT_NOW
)
# s.5: appeal to the Customer Experience Team within 15 working days of the letter: where
# (post and email) as well as when.
_APPEAL_ROUTE = frozenset({C.APPEAL_ROUTE, C.APPEAL_DEADLINE, C.APPEAL_ADDRESS})
_APPEAL_OUTCOME = frozenset({C.APPEAL_RECEIVED_DATE, C.DECISION, C.REASON, C.OMBUDSMAN})
# The letters a decision on restrictions calls for (Step 2, immediate, a review extension).
_RESTRICTION_DECISION = (
    _POSTED | {C.BEHAVIOURS, C.REASON, C.OMBUDSMAN} | _STATES_RESTRICTIONS | _APPEAL_ROUTE
)

_HEAD_OR_MANAGER = frozenset({Role.HEAD_OF_SERVICE, Role.SERVICE_MANAGER})
_EXECUTIVE_OR_CX = frozenset({Role.EXECUTIVE, Role.CUSTOMER_EXPERIENCE})


@dataclass(frozen=True)
class LetterKindSpec:
    """What is true of every letter of one kind."""

    kind: LetterKind
    template: str  # the Word template's file name, in functions/letters/templates/
    # Who may mark it sent or have it redrafted: the manager who checks and sends it. Empty
    # for an internal document, which is never sent.
    senders: frozenset[Role]
    # The role whose title signs it (under the decision maker's name when one is recorded);
    # None for an internal document, which is not signed. A decision two sending roles may
    # make (a late appeal declined) is signed by whoever made it, in their own title.
    signed_as: Role | None
    must_contain: frozenset[Content]
    # An internal document, for this role only: never sent to the customer (no postal
    # address, never marked sent, no unsent-letter reminders).
    internal_for: Role | None = None
    # Its content is computed from its date (start and end of restrictions, the appeal
    # deadline): it must be sent on the date it carries, or redrafted for the day it goes.
    date_bound: bool = False
    # Sending it gives the customer a right of appeal (s.5, s.6 "right to appeal after the
    # 12 month review"); it states the appeal route and deadline.
    appealable: bool = False
    # The policy lets it go by email as well as by post (s.4 Step 1: "in writing or email";
    # s.5: the appeal's outcome by "letter or email"): an email version is drafted beside it
    # for a customer whose email is open. A restriction decision, a review's outcome and a
    # lapse go by post only.
    by_email: bool = False

    @property
    def internal(self) -> bool:
        return self.internal_for is not None

    @property
    def drafted_for(self) -> frozenset[Role]:
        """Whom a draft (or its failure) is announced to: those who send it, or the reader of
        an internal document."""
        if self.internal_for is not None:
            return frozenset({self.internal_for})
        return self.senders


K = LetterKind
# The table: one row per letter kind.
LETTER_KINDS: MappingProxyType[LetterKind, LetterKindSpec] = MappingProxyType(
    {
        K.CONCERN: LetterKindSpec(
            kind=K.CONCERN,
            by_email=True,
            template="concern.docx",
            senders=frozenset({Role.SERVICE_MANAGER}),
            signed_as=Role.SERVICE_MANAGER,
            must_contain=_POSTED | {C.BEHAVIOURS},
        ),
        # Step 1 ended without restrictions (the behaviour changed): the customer, who was
        # told of the concern, is told it is closed and that no restrictions follow.
        K.CONCERN_CLOSED: LetterKindSpec(
            kind=K.CONCERN_CLOSED,
            by_email=True,
            template="concern-closed.docx",
            senders=frozenset({Role.SERVICE_MANAGER}),
            signed_as=Role.SERVICE_MANAGER,
            must_contain=_POSTED | {C.DECISION},
        ),
        K.RESTRICTIONS: LetterKindSpec(
            kind=K.RESTRICTIONS,
            template="restrictions.docx",
            senders=_HEAD_OR_MANAGER,
            signed_as=Role.HEAD_OF_SERVICE,
            must_contain=_RESTRICTION_DECISION,
            date_bound=True,
            appealable=True,
        ),
        K.IMMEDIATE_RESTRICTIONS: LetterKindSpec(
            kind=K.IMMEDIATE_RESTRICTIONS,
            template="immediate-restrictions.docx",
            senders=_HEAD_OR_MANAGER,
            signed_as=Role.HEAD_OF_SERVICE,
            must_contain=_RESTRICTION_DECISION | {C.IMMEDIATE_REASON},
            date_bound=True,
            appealable=True,
        ),
        K.APPEAL_ACKNOWLEDGEMENT: LetterKindSpec(
            kind=K.APPEAL_ACKNOWLEDGEMENT,
            by_email=True,
            template="appeal-acknowledgement.docx",
            senders=frozenset({Role.CUSTOMER_EXPERIENCE}),
            signed_as=Role.CUSTOMER_EXPERIENCE,
            must_contain=_POSTED | {C.APPEAL_RECEIVED_DATE, C.REVIEW_DUE_DATE} | _CONTACT_NOW,
        ),
        # s.5: an appeal received after the window, not accepted: why, the restrictions that
        # stay, and the Ombudsman (the appeal route has ended). A Service Manager or the Head
        # of Service declines it: signed by whichever did (letters/content.py), the Service
        # Manager's title when no name is recorded.
        K.LATE_APPEAL_DECLINED: LetterKindSpec(
            kind=K.LATE_APPEAL_DECLINED,
            by_email=True,
            template="late-appeal-declined.docx",
            senders=_HEAD_OR_MANAGER,
            signed_as=Role.SERVICE_MANAGER,
            must_contain=_POSTED | _APPEAL_OUTCOME | _STATES_RESTRICTIONS,
        ),
        # s.5 and the Housing Ombudsman's code: the review needs longer than the date the
        # customer was given; the new date and why, while the restrictions stay in force. The
        # Executive Team (the reviewer) or the Customer Experience Team delays it: signed by
        # whichever did (letters/content.py).
        K.APPEAL_REVIEW_DELAYED: LetterKindSpec(
            kind=K.APPEAL_REVIEW_DELAYED,
            by_email=True,
            template="appeal-review-delayed.docx",
            senders=_EXECUTIVE_OR_CX,
            signed_as=Role.CUSTOMER_EXPERIENCE,
            must_contain=_POSTED
            | {C.APPEAL_RECEIVED_DATE, C.REVIEW_DUE_DATE, C.REASON}
            | _CONTACT_NOW,
        ),
        K.APPEAL_UPHELD: LetterKindSpec(
            kind=K.APPEAL_UPHELD,
            by_email=True,
            template="appeal-upheld.docx",
            senders=_EXECUTIVE_OR_CX,
            signed_as=Role.EXECUTIVE,
            must_contain=_POSTED | _APPEAL_OUTCOME,
        ),
        K.APPEAL_DISMISSED: LetterKindSpec(
            kind=K.APPEAL_DISMISSED,
            by_email=True,
            template="appeal-dismissed.docx",
            senders=_EXECUTIVE_OR_CX,
            signed_as=Role.EXECUTIVE,
            # The restrictions stay as decided: the letter reminds the customer of them.
            must_contain=_POSTED | _APPEAL_OUTCOME | _STATES_RESTRICTIONS,
        ),
        K.APPEAL_VARIED: LetterKindSpec(
            kind=K.APPEAL_VARIED,
            by_email=True,
            template="appeal-varied.docx",
            senders=_EXECUTIVE_OR_CX,
            signed_as=Role.EXECUTIVE,
            must_contain=_POSTED | _APPEAL_OUTCOME | _STATES_RESTRICTIONS | {C.BEHAVIOURS},
        ),
        K.REVIEW_EXTENDED: LetterKindSpec(
            kind=K.REVIEW_EXTENDED,
            template="review-extended.docx",
            senders=_HEAD_OR_MANAGER,
            signed_as=Role.HEAD_OF_SERVICE,
            must_contain=_RESTRICTION_DECISION,
            date_bound=True,
            appealable=True,
        ),
        # s.4 and s.5: the restrictions in force varied mid-term by the Head of Service: what
        # any decision on restrictions says (the behaviour, each restriction now in force,
        # why, the unchanged end and review dates, how to contact us now), and a new right of
        # appeal (from the date it carries, so date-bound).
        K.RESTRICTIONS_VARIED: LetterKindSpec(
            kind=K.RESTRICTIONS_VARIED,
            template="restrictions-varied.docx",
            senders=_HEAD_OR_MANAGER,
            signed_as=Role.HEAD_OF_SERVICE,
            must_contain=_RESTRICTION_DECISION,
            date_bound=True,
            appealable=True,
        ),
        K.REVIEW_CLOSED: LetterKindSpec(
            kind=K.REVIEW_CLOSED,
            template="review-closed.docx",
            senders=_HEAD_OR_MANAGER,
            signed_as=Role.HEAD_OF_SERVICE,
            must_contain=_POSTED | {C.REASON},
        ),
        K.RESTRICTIONS_LAPSED: LetterKindSpec(
            kind=K.RESTRICTIONS_LAPSED,
            template="restrictions-lapsed.docx",
            senders=_HEAD_OR_MANAGER,
            signed_as=Role.HEAD_OF_SERVICE,
            must_contain=_POSTED | {C.END_DATE},
        ),
        # s.6: a lapsed case closed by the Head of Service, with the reason.
        K.CASE_CLOSED: LetterKindSpec(
            kind=K.CASE_CLOSED,
            template="case-closed.docx",
            senders=_HEAD_OR_MANAGER,
            signed_as=Role.HEAD_OF_SERVICE,
            must_contain=_POSTED | {C.REASON, C.END_DATE},
        ),
        K.REVIEW_PACK: LetterKindSpec(
            kind=K.REVIEW_PACK,
            template="review-pack.docx",
            senders=frozenset(),
            signed_as=None,
            must_contain=_EVERY_LETTER | {C.END_DATE, C.WINDOW, C.MONTHS},
            internal_for=Role.HEAD_OF_SERVICE,  # for the 12-month review (s.6)
        ),
    }
)

# Views of the table, for readers that ask one question of every kind.
LETTER_SENDERS: MappingProxyType[LetterKind, frozenset[Role]] = MappingProxyType(
    {kind: spec.senders for kind, spec in LETTER_KINDS.items()}
)
DATE_BOUND_LETTERS = frozenset(k for k, spec in LETTER_KINDS.items() if spec.date_bound)
APPEALABLE_LETTERS = frozenset(k for k, spec in LETTER_KINDS.items() if spec.appealable)
INTERNAL_LETTERS = frozenset(k for k, spec in LETTER_KINDS.items() if spec.internal)


def letter_kind(kind: LetterKind) -> LetterKindSpec:
    return LETTER_KINDS[kind]


def _check_every_letter_kind_has_its_row() -> None:
    """Run at import, as lifecycle checks every command has its handler."""
    missing = set(LetterKind) - set(LETTER_KINDS)
    if missing:
        raise AssertionError(f"letter kinds without a row: {sorted(missing)}")
    problems: list[str] = []
    templates = [spec.template for spec in LETTER_KINDS.values()]
    if len(set(templates)) != len(templates):
        problems.append("two letter kinds share a template")
    for kind, spec in LETTER_KINDS.items():
        if spec.kind is not kind:
            problems.append(f"{kind}: its row is {spec.kind}'s")
        if not spec.template.endswith(".docx") or "/" in spec.template:
            problems.append(f"{kind}: the template must be a .docx file name")
        if not spec.drafted_for:
            problems.append(f"{kind}: nobody is told of its draft")
        if not spec.must_contain >= _EVERY_LETTER:
            problems.append(f"{kind}: every letter carries the customer's name and its date")
        if spec.internal:
            if spec.senders or spec.date_bound or spec.appealable or spec.signed_as:
                problems.append(f"{kind}: an internal document is never sent or signed")
            if C.POSTAL_ADDRESS in spec.must_contain:
                problems.append(f"{kind}: an internal document is never posted")
            continue
        if not spec.senders:
            problems.append(f"{kind}: a letter to the customer needs its senders")
        if spec.signed_as not in spec.senders:
            problems.append(f"{kind}: signed by a role that does not send it")
        if not spec.must_contain >= _POSTED:
            problems.append(
                f"{kind}: a letter to the customer carries the postal address and the "
                f"adjustments contact"
            )
        if spec.appealable and not (_APPEAL_ROUTE | {C.OMBUDSMAN}) <= spec.must_contain:
            problems.append(f"{kind}: an appealable letter states the appeal route")
        if not spec.appealable and _APPEAL_ROUTE & spec.must_contain:
            problems.append(f"{kind}: only an appealable letter states the appeal route")
    if problems:
        raise AssertionError("; ".join(problems))


_check_every_letter_kind_has_its_row()

__all__ = [
    "APPEALABLE_LETTERS",
    "DATE_BOUND_LETTERS",
    "INTERNAL_LETTERS",
    "LETTER_KINDS",
    "LETTER_SENDERS",
    "Content",
    "LetterKind",
    "LetterKindSpec",
    "letter_kind",
]
