"""Letters: the context each letter kind needs and the content it must carry.

`prepare(inputs)` builds a letter's context from the case, the customer, the event that calls
for the letter and the policy, and refuses (MissingContent, with problem codes) a letter that
would lack its required content: DESIGN.md, "a letter that lacks its required content ... is
not issued". What each kind must contain, who signs it and its template are the kind's row in
`contactguard.domain.letter_kinds.LETTER_KINDS`; the builder of each kind's context is in
`CONTENT` below, checked at import to have one builder per kind. `draft_letter(inputs)`
prepares the letter and renders it strictly (`letters.docx_render`), which checks the
document still carries that content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from contactguard.domain.calendar import london_date
from contactguard.domain.case import (
    Appeal,
    Case,
    CaseEvent,
    LetterKind,
    LetterStatus,
    RestrictionDecision,
)
from contactguard.domain.enforcement import permitted_channels
from contactguard.domain.letter_kinds import LETTER_KINDS, Content, LetterKindSpec
from contactguard.domain.model import (
    ASPECTS,
    BEHAVIOUR_WORDS,
    Actor,
    Behaviour,
    BehaviourAspects,
    Channel,
    Contact,
    Customer,
    LetterFormat,
    Role,
    describe_behaviour,
    describe_date,
)
from contactguard.domain.policy import Policy
from contactguard.domain.restrictions import Restriction, join_words
from contactguard.organisation import (
    Ombudsman,
    Organisation,
    address_lines,
    one_line_address,
    shipped_organisation,
)
from letters.contact_now import contact_now, number
from letters.docx_render import MissingContent, PreparedLetter, line, plain, render
from letters.review_pack import chart_png, review_figures

CHANNEL_WORDS: dict[Channel, str] = {
    Channel.LETTER: "letter",
    Channel.EMAIL: "email",
    Channel.PHONE: "telephone",
    Channel.VISIT: "visiting our offices",
    Channel.SOCIAL_MEDIA: "our social media sites",
}
ROLE_TITLES: dict[Role, str] = {
    Role.SERVICE_MANAGER: "Service Manager",
    Role.HEAD_OF_SERVICE: "Head of Service",
    Role.CUSTOMER_EXPERIENCE: "Customer Experience Team",
    Role.EXECUTIVE: "Executive Team",
    Role.CALL_HANDLER: "Customer Services",
    Role.SAFEGUARDING_LEAD: "Safeguarding Lead",
    Role.DATA_PROTECTION_OFFICER: "Data Protection Officer",
    Role.SYSTEM: "Customer Services",
}


@dataclass(frozen=True)
class LetterInputs:
    case: Case
    customer: Customer
    event: CaseEvent
    policy: Policy
    contacts: Sequence[Contact] = ()  # the review pack's: two years before the end date
    evidence: Sequence[Contact] = ()  # the concern's: the contacts staff chose as evidence
    dated: date | None = None  # a redraft's date; otherwise the event's day
    # Who writes, where to write, which numbers to ring (contactguard.organisation).
    organisation: Organisation = field(default_factory=shipped_organisation)


def letter_date(event: CaseEvent) -> date:
    """The day (Europe/London) of the event that called for a letter."""
    return london_date(event.at)


def issue_date(event: CaseEvent, dated: date | None, policy: Policy) -> date:
    """The date a draft carries: the day asked for (a redraft) or of the decision, moved on to
    the next working day when that is a weekend, bank holiday or closure day, so a letter
    never states dates from a day it could not have been posted."""
    return policy.letter_dated(dated or letter_date(event))


def _dated(inputs: LetterInputs) -> date:
    return issue_date(inputs.event, inputs.dated, inputs.policy)


# The context of each letter ----------------------------------------------------------------


@dataclass
class _Draft:
    """Collects a letter's context, what it must contain, and what is missing."""

    spec: LetterKindSpec
    context: dict[str, Any] = field(default_factory=dict)
    required: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    chart: bytes | None = None  # the review pack's contacts-per-month chart

    @property
    def signer(self) -> Role:
        """The role whose title signs the letter (LetterKindSpec.signed_as)."""
        if self.spec.signed_as is None:
            raise AssertionError(f"a {self.spec.kind.value} is not signed")
        return self.spec.signed_as

    def need(self, item: str, value: str | None) -> str:
        """A required piece of text: recorded to check, or a `no-<item>` problem."""
        if value is None or not value.strip():
            self.problems.append(f"no-{item}")
            return ""
        self.required.append((item, value))
        return value

    def need_all(self, item: str, values: Sequence[str]) -> list[str]:
        if not values:
            self.problems.append(f"no-{item}")
        for value in values:
            self.need(item, value)
        return list(values)


def behaviour_words(
    behaviours: Iterable[Behaviour], aspects: BehaviourAspects | None = None
) -> list[str]:
    """The behaviours staff recorded, in plain words: of a policy example that lists
    alternatives ("threatening, offensive or excessive"), only the aspects staff saw; where
    none were recorded, the example is quoted as the policy's words, not put to the customer
    as what they did. `other` is explained by the note."""
    aspects = aspects or {}
    words = []
    for b in behaviours:
        if b is Behaviour.OTHER:
            text = "other behaviour, described below"
        elif b in ASPECTS and not aspects.get(b):
            text = f"behaviour our policy describes as \u201c{BEHAVIOUR_WORDS[b]}\u201d"
        else:
            text = describe_behaviour(b, aspects.get(b, ()))
        words.append(text[0].upper() + text[1:])
    return words


def describe_restriction(r: Restriction) -> dict[str, str]:
    """One restriction as the letter states it: a short title and its details (each type's
    own wording, contactguard.domain.restrictions)."""
    wording = r.letter_wording()
    return {"title": wording.title, "details": wording.details}


def _of_role(actor: Actor | None, role: Role) -> Actor | None:
    """`actor` when they act in `role` (a letter is signed by a named person of the role
    that sends it, never by someone of another role), else None."""
    return actor if actor is not None and actor.role is role else None


def _signature(actor: Actor | None, role: Role) -> list[str]:
    name = line(actor.name) if actor is not None and actor.name else ""
    lines = [name] if name else []
    return [*lines, ROLE_TITLES[role]]


def _ombudsman_context(ombudsman: Ombudsman) -> dict[str, str]:
    return {
        "name": ombudsman.name,
        "handles": ombudsman.handles,
        "telephone": number(ombudsman.telephone),
        "address": one_line_address(ombudsman.address),
        "website": ombudsman.website,
    }


def organisation_context(org: Organisation) -> dict[str, Any]:
    """The organisation's details as every template reads them (`org.*`)."""
    return {
        "name": org.name,
        "address_lines": address_lines(org.address),
        "telephone": number(org.telephone),
        "telephone_hours": org.telephone_hours,
        "contact_address": one_line_address(org.contact_address),
        "appeal_team": org.appeals.team,
        "appeal_address": one_line_address(org.appeal_address),
        "appeal_email": org.appeals.email,
        "emergency_telephone": number(org.emergency.telephone),
        "emergency_hours": org.emergency.hours,
        "emergency_covers": org.emergency.covers,
        "adjustments_telephone": number(org.adjustments.telephone),
        "relay_uk": number(org.adjustments.relay_uk),
        "adjustments_email": org.adjustments.email,
        "ombudsman": _ombudsman_context(org.ombudsman),
        "other_ombudsmen": [_ombudsman_context(o) for o in org.other_ombudsmen],
    }


def _common(draft: _Draft, inputs: LetterInputs) -> None:
    customer, day = inputs.customer, _dated(inputs)
    draft.context.update(
        org=organisation_context(inputs.organisation),
        reference=inputs.case.case_id,
        letter_date=draft.need("letter-date", describe_date(day)),
        customer_name=draft.need("customer-name", line(customer.name)),
        restriction_months=str(inputs.policy.terms.restriction_months),
        # What the shared blocks ask of the letter including them: an internal document has
        # no customer's address; a letter written while restrictions are in force (it says
        # how to contact us now) says the adjustments team stays open; an appealable one,
        # that they help with an appeal.
        internal=draft.spec.internal,
        restrictions_in_force=Content.PERMITTED_CHANNELS in draft.spec.must_contain,
        appealable=draft.spec.appealable,
    )
    address = customer.address
    if draft.spec.internal:  # never posted: it needs no address
        draft.context.update(address_lines=[], postcode="")
        return
    if address is None:
        draft.problems.append("no-postal-address")
        draft.context.update(address_lines=[], postcode="")
        return
    draft.context.update(
        address_lines=[cleaned for cleaned in map(line, address.lines) if cleaned],
        postcode=draft.need("postal-address", line(address.postcode)),
    )


def _decision_for(draft: _Draft, case: Case, letter_id: str) -> RestrictionDecision | None:
    decision = case.decision
    if decision is None or decision.letter_id != letter_id:
        draft.problems.append("decision-superseded" if decision else "no-decision")
        return None
    return decision


def _appeal_for(draft: _Draft, inputs: LetterInputs) -> Appeal | None:
    appeal_id = inputs.event.data.get("appeal_id")
    appeal = next((a for a in inputs.case.appeals if a.appeal_id == appeal_id), None)
    if appeal is None:
        draft.problems.append("no-appeal")
    return appeal


def _behaviours(draft: _Draft, case: Case, decision: RestrictionDecision | None) -> None:
    behaviours = decision.behaviours if decision and decision.behaviours else ()
    aspects = decision.aspects if decision and decision.behaviours else {}
    if not behaviours and case.concern is not None:
        behaviours = case.concern.behaviours  # the behaviour the Step 1 letter described
        aspects = case.concern.aspects
    words = behaviour_words(behaviours, aspects)
    draft.context["behaviours"] = draft.need_all("behaviours", words)


def _last_day(ends_on: date | None) -> str | None:
    """The last day restrictions ending at the start of `ends_on` apply, in words."""
    return describe_date(ends_on - timedelta(days=1)) if ends_on else None


def _restrictions(
    draft: _Draft,
    inputs: LetterInputs,
    restrictions: Sequence[Restriction],
    starts_on: date | None,
    ends_on: date | None,
    review_on: date | None,
) -> None:
    """Each restriction with its details, its dates and the channels still open (s.4)."""
    described = [describe_restriction(r) for r in restrictions]
    if not described:
        draft.problems.append("no-restrictions")
    for d in described:
        d["details"] = plain(d["details"])
        draft.need("restrictions", d["details"])
    channels = [CHANNEL_WORDS[c] for c in permitted_channels(restrictions)]
    _contact_now(draft, inputs, restrictions)
    draft.context.update(
        restrictions=described,
        starts_on=draft.need("start-date", describe_date(starts_on) if starts_on else None),
        ends_on=describe_date(ends_on) if ends_on else "",
        # In force until the start of `ends_on`: the last day they apply is the day before
        # ("up to and including", never the ambiguous "until").
        last_day=draft.need("end-date", _last_day(ends_on)),
        review_on=draft.need("review-date", describe_date(review_on) if review_on else None),
        channels=channels,
        channels_text=join_words(channels),
    )


def _contact_now(draft: _Draft, inputs: LetterInputs, restrictions: Sequence[Restriction]) -> None:
    """'How you can contact us now', from the restrictions in force (letters.contact_now): each
    open route and the emergency line must be in the letter."""
    contact = contact_now(restrictions, inputs.organisation)
    for route in contact["routes"]:
        draft.need("permitted-channels", route["text"])
    draft.need("emergency-line", inputs.organisation.emergency.telephone)
    draft.context["contact"] = contact


def _appeal_route(draft: _Draft, inputs: LetterInputs) -> None:
    """s.5: appeal to the Customer Experience Team within 15 working days of the letter. A
    draft's deadline depends on when it is sent: it states the rule, and the date it gives
    assumes the letter goes on the date it carries."""
    terms = inputs.policy.terms
    deadline = inputs.policy.appeal_window_closes(_dated(inputs))
    rule = f"within {terms.appeal_window_working_days} working days of the date of this letter"
    org = inputs.organisation
    appeals_to = f"{org.appeals.team}, {org.name}, {one_line_address(org.appeal_address)}"
    draft.context["appeal_to"] = [
        {"how": "By post", "text": draft.need("appeal-address", appeals_to)},
        {"how": "By email", "text": draft.need("appeal-address", org.appeals.email)},
    ]
    draft.context.update(
        appeal_route=draft.need("appeal-route", org.appeals.team),
        appeal_rule=draft.need("appeal-deadline", rule),
        appeal_working_days=str(terms.appeal_window_working_days),
        review_working_days=str(terms.appeal_review_working_days),
        appeal_deadline=draft.need("appeal-deadline", describe_date(deadline)),
    )


def _ombudsman(draft: _Draft, org: Organisation) -> None:
    """s.5: the Ombudsman that handles this landlord's housing complaints (and any other the
    organisation names, e.g. the Local Government and Social Care Ombudsman), reachable."""
    for ombudsman in (org.ombudsman, *org.other_ombudsmen):
        draft.need("ombudsman", ombudsman.name)
        draft.need("ombudsman", ombudsman.telephone)
    draft.context["ombudsman_routes"] = [
        {"how": "Telephone", "text": number(org.ombudsman.telephone)},
        {"how": "Post", "text": draft.need("ombudsman", one_line_address(org.ombudsman.address))},
        {"how": "Online", "text": org.ombudsman.website},
    ]


def _adjustments_contact(draft: _Draft, org: Organisation) -> None:
    """Every posted letter says how to ask for an adjustment: telephone, Relay UK, email."""
    adjustments = org.adjustments
    for value in (adjustments.telephone, adjustments.relay_uk, adjustments.email):
        draft.need("adjustments-contact", value)


def _reason(draft: _Draft, text: str | None) -> None:
    draft.context["reason"] = draft.need("reason", plain(text) if text else None)


def _adjustments(draft: _Draft, decision: RestrictionDecision | None) -> None:
    """What the decision-maker considered before restricting contact (Ombudsman guidance;
    the lifecycle refuses a decision without it), said to the customer; and the adjustments
    agreed, listed only when there are any."""
    equality = decision.equality if decision else None
    agreed = equality.adjustments_agreed if equality else ()
    considered = [
        words
        for done, words in (
            (equality and equality.reasonable_adjustments_considered,
             "whether you may need reasonable adjustments"),
            (equality and equality.vulnerability_considered, "whether you may be vulnerable"),
            (equality and equality.equality_act_duties_considered,
             "our duties to you under the Equality Act 2010"),
        )
        if done
    ]  # fmt: skip
    draft.context["equality_considered"] = (
        f"Before making this decision we considered {join_words(considered)}." if considered else ""
    )
    draft.context["adjustments"] = [plain(a) for a in agreed]


def _event_date(inputs: LetterInputs, key: str) -> date | None:
    value = inputs.event.data.get(key)
    return date.fromisoformat(value) if isinstance(value, str) else None


def _concern(draft: _Draft, inputs: LetterInputs) -> None:
    concern = inputs.case.concern
    if concern is None or concern.letter_id != draft.context["letter_id"]:
        draft.problems.append("no-concern")
        return
    draft.context.update(
        behaviours=draft.need_all(
            "behaviours", behaviour_words(concern.behaviours, concern.aspects)
        ),
        note=plain(concern.note),
        incidents=incidents(inputs.evidence),
        signature=_signature(concern.raised_by, draft.signer),
    )


INCIDENT_WAYS: dict[Channel, str] = {
    Channel.EMAIL: "you emailed us",
    Channel.PHONE: "you telephoned us",
    Channel.LETTER: "you wrote to us",
    Channel.VISIT: "you visited our offices",
    Channel.SOCIAL_MEDIA: "you contacted us on social media",
}


def incidents(evidence: Sequence[Contact]) -> list[str]:
    """The dated contacts staff chose as evidence, oldest first, as the customer reads them:
    "On 3 November 2026 you telephoned us: about the repair" (what they are asked to change
    named, not only the policy's general words)."""
    lines = []
    for contact in sorted(evidence, key=lambda c: c.at):
        said = plain(contact.summary).strip()
        when = f"On {describe_date(london_date(contact.at))} {INCIDENT_WAYS[contact.channel]}"
        lines.append(f"{when}: {said}" if said else when)
    return lines


def _concern_letter_date(case: Case) -> str:
    """The concern letter by the date it carries (what the customer holds), not the day it
    was posted: "We wrote to you on 2 November" beside a letter dated 2 November. Empty when
    it was never sent."""
    concern = case.concern
    written = case.letter(concern.letter_id) if concern and concern.letter_sent_on else None
    return describe_date(written.letter_date) if written is not None else ""


def _concern_closed(draft: _Draft, inputs: LetterInputs) -> None:
    """Step 1 closed: the behaviour changed after the concern letter, no restrictions follow.
    Signed by the Service Manager who closed it."""
    draft.context.update(
        concern_sent_on=_concern_letter_date(inputs.case),
        decision=draft.need(
            "decision", "We have closed our concern and will not restrict how you contact us."
        ),
        signature=_signature(_of_role(inputs.event.actor, draft.signer), draft.signer),
    )


def _step2(draft: _Draft, inputs: LetterInputs) -> None:
    case, policy = inputs.case, inputs.policy
    decision = _decision_for(draft, case, draft.context["letter_id"])
    _behaviours(draft, case, decision)
    _reason(draft, decision.reason if decision else None)
    _adjustments(draft, decision)
    # s.4: the restrictions take effect when the customer has been told, i.e. when this
    # letter is sent; the draft gives the dates that follow if it is sent on its own date.
    dates = policy.restriction_dates(_dated(inputs))
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        dates.first_day,
        dates.ends_on,
        dates.review_pack_due_on,
    )
    draft.context.update(
        concern_sent_on=_concern_letter_date(case),
        signature=_signature(decision.decided_by if decision else None, draft.signer),
    )


def _immediate(draft: _Draft, inputs: LetterInputs) -> None:
    case = inputs.case
    decision = _decision_for(draft, case, draft.context["letter_id"])
    _behaviours(draft, case, decision)
    _reason(draft, decision.reason if decision else None)
    _adjustments(draft, decision)
    period = case.period
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        london_date(period.starts_at) if period else None,
        period.ends_on if period else None,
        period.review_pack_due_on if period else None,
    )
    draft.context.update(
        immediate_reason=draft.need(
            "immediate-reason",
            plain(decision.immediate_reason) if decision and decision.immediate_reason else None,
        ),
        police_or_legal_action=plain(decision.police_or_legal_action or "") if decision else "",
        signature=_signature(decision.decided_by if decision else None, draft.signer),
    )


def _extended(draft: _Draft, inputs: LetterInputs) -> None:
    case = inputs.case
    decision = _decision_for(draft, case, draft.context["letter_id"])
    _behaviours(draft, case, decision)
    _reason(draft, inputs.event.reason)
    _adjustments(draft, decision)
    previous_ends_on = _event_date(inputs, "previous_ends_on")
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        previous_ends_on,  # s.6: a new 12-month period from the old end date
        _event_date(inputs, "ends_on"),
        _event_date(inputs, "review_pack_due_on"),
    )
    draft.context.update(
        previous_ends_on=describe_date(previous_ends_on) if previous_ends_on else "",
        signature=_signature(inputs.event.actor, draft.signer),
    )


def _restrictions_varied(draft: _Draft, inputs: LetterInputs) -> None:
    """s.4 and s.5: the restrictions in force varied mid-term. Each restriction now in force
    with its details, from the day of the decision (they apply from then: the lifecycle
    replaces the set at once, as an appeal's varied outcome does), the reason, the end and
    review dates of the period (unchanged), and the letter they replace. The appeal route
    (a new right of appeal) is added by `prepare`, as for every appealable letter."""
    case, period = inputs.case, inputs.case.period
    decision = _decision_for(draft, case, draft.context["letter_id"])
    _behaviours(draft, case, decision)
    _reason(draft, inputs.event.reason)
    _adjustments(draft, decision)
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        letter_date(inputs.event),  # in force from the decision, whatever date the draft has
        _event_date(inputs, "ends_on") or (period.ends_on if period else None),
        _event_date(inputs, "review_pack_due_on")
        or (period.review_pack_due_on if period else None),
    )
    previous_id = inputs.event.data.get("previous_letter_id")
    previous = case.letter(previous_id) if isinstance(previous_id, str) else None
    draft.context.update(
        previous_letter_on=(
            describe_date(previous.letter_date)
            if previous is not None and previous.status is LetterStatus.SENT
            else ""
        ),
        signature=_signature(inputs.event.actor, draft.signer),
    )


def _appeal_received(draft: _Draft, appeal: Appeal | None) -> None:
    draft.context["appeal_received_on"] = draft.need(
        "appeal-received-date", describe_date(appeal.received_on) if appeal else None
    )


def _acknowledgement(draft: _Draft, inputs: LetterInputs) -> None:
    appeal = _appeal_for(draft, inputs)
    _appeal_received(draft, appeal)
    due = appeal.review_due_on if appeal else None
    decision = inputs.case.decision
    _contact_now(draft, inputs, decision.restrictions if decision else ())  # still in force
    draft.context.update(
        late=bool(appeal and appeal.late),
        review_working_days=str(inputs.policy.terms.appeal_review_working_days),
        review_due_on=draft.need("review-due-date", describe_date(due) if due else None),
        # Named: the member of the team who logged the appeal, whom the customer can ask for.
        signature=_signature(_of_role(inputs.event.actor, draft.signer), draft.signer),
    )


def _review_delayed(draft: _Draft, inputs: LetterInputs) -> None:
    """s.5 and the Housing Ombudsman's code: the review needs longer. When the appeal was
    received, why the review needs more time, the new date by which we will write with the
    outcome (the event's: a redraft of an earlier delay keeps the date that delay gave), and
    how to contact us under the restrictions that stay in force."""
    appeal = _appeal_for(draft, inputs)
    _appeal_received(draft, appeal)
    _reason(draft, inputs.event.reason)
    due = _event_date(inputs, "review_due_on")
    decision = inputs.case.decision
    _contact_now(draft, inputs, decision.restrictions if decision else ())  # still in force
    draft.context.update(
        review_due_on=draft.need("review-due-date", describe_date(due) if due else None),
        signature=_signed_by_decider(draft, inputs.event.actor),
    )


def _outcome(draft: _Draft, inputs: LetterInputs, decision_words: str) -> Appeal | None:
    appeal = _appeal_for(draft, inputs)
    _appeal_received(draft, appeal)
    _reason(draft, inputs.event.reason)
    draft.context["decision"] = draft.need("decision", decision_words)
    draft.context["signature"] = _signature(inputs.event.actor, draft.signer)
    return appeal


def _upheld(draft: _Draft, inputs: LetterInputs) -> None:
    _outcome(draft, inputs, "Your appeal is upheld: the restrictions are lifted.")


def _dismissed(draft: _Draft, inputs: LetterInputs) -> None:
    _outcome(draft, inputs, "Your appeal is not upheld: the restrictions stay in place.")
    _adjustments(draft, inputs.case.decision)
    _in_force(draft, inputs)


def _in_force(draft: _Draft, inputs: LetterInputs) -> None:
    """The restrictions as decided, which stay: the letter reminds the customer of them."""
    period, decision = inputs.case.period, inputs.case.decision
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        london_date(period.starts_at) if period else None,
        period.ends_on if period else None,
        period.review_pack_due_on if period else None,
    )


def _signed_by_decider(draft: _Draft, actor: Actor) -> list[str]:
    """The named person who decided, in their own title when their role sends this kind (a
    late appeal is declined by a Service Manager or the Head of Service); otherwise the
    kind's title alone (LetterKindSpec.signed_as)."""
    if actor.role in draft.spec.senders:
        return _signature(actor, actor.role)
    return _signature(None, draft.signer)


def _late_declined(draft: _Draft, inputs: LetterInputs) -> None:
    """s.5: a late appeal not accepted: when it had to arrive, the reason recorded, the
    restrictions that stay, and the Ombudsman (the appeal route has ended)."""
    appeal = _appeal_for(draft, inputs)
    _appeal_received(draft, appeal)
    _reason(draft, inputs.event.reason)
    draft.context["decision"] = draft.need(
        "decision", "We have not accepted your appeal: the restrictions stay in place."
    )
    # The letter the appeal was against, by the date it carries, and when its window closed
    # (none when the restrictions were extended since: a new decision, a new window).
    case, window = inputs.case, inputs.case.appeal_window
    appealed = (
        case.letter(window.letter_id)
        if window is not None and appeal is not None and window.decision_id == appeal.decision_id
        else None
    )
    draft.context.update(
        appeal_working_days=str(inputs.policy.terms.appeal_window_working_days),
        decision_letter_on=describe_date(appealed.letter_date) if appealed else "",
        window_closed_on=describe_date(window.closes_on) if appealed and window else "",
        signature=_signed_by_decider(draft, inputs.event.actor),
    )
    _adjustments(draft, case.decision)
    # What was considered before restricting is said in the letters of that decision; here
    # "this decision" would read as the refusal of the appeal.
    draft.context["equality_considered"] = ""
    _in_force(draft, inputs)


def _varied(draft: _Draft, inputs: LetterInputs) -> None:
    appeal = _outcome(
        draft, inputs, "Your appeal is upheld in part: the restrictions have been changed."
    )
    case, period, decision = inputs.case, inputs.case.period, inputs.case.decision
    if decision is None or appeal is None or decision.decision_id != appeal.decision_id:
        draft.problems.append("decision-superseded")
        decision = None
    _behaviours(draft, case, decision)
    _adjustments(draft, decision)
    # The changed restrictions apply from the appeal decision; the end date is unchanged (s.5).
    _restrictions(
        draft,
        inputs,
        decision.restrictions if decision else (),
        _dated(inputs),
        period.ends_on if period else None,
        period.review_pack_due_on if period else None,
    )


def _review_closed(draft: _Draft, inputs: LetterInputs) -> None:
    _reason(draft, inputs.event.reason)
    draft.context["signature"] = _signature(inputs.event.actor, draft.signer)


def _lapsed(draft: _Draft, inputs: LetterInputs) -> None:
    ends_on = _event_date(inputs, "ends_on")
    draft.context.update(
        ends_on=describe_date(ends_on) if ends_on else "",
        last_day=draft.need("end-date", _last_day(ends_on)),
        # Named: the Head of Service who decided the restrictions (the lapse is the system's).
        signature=_signature(
            _of_role(
                decision.decided_by if (decision := inputs.case.decision) else None, draft.signer
            ),
            draft.signer,
        ),
    )


def _case_closed(draft: _Draft, inputs: LetterInputs) -> None:
    """s.6: a lapsed case closed, with the reason. The customer told by the lapse letter
    that the restrictions ended reads that the file is closed; one not yet told reads that
    they ended too."""
    case = inputs.case
    ends_on = case.period.ends_on if case.period else None
    lapse = [x for x in case.letters if x.kind is LetterKind.RESTRICTIONS_LAPSED]
    told = lapse[-1] if lapse and lapse[-1].status is LetterStatus.SENT else None
    _reason(draft, inputs.event.reason)
    draft.context.update(
        ends_on=describe_date(ends_on) if ends_on else "",
        last_day=draft.need("end-date", _last_day(ends_on)),
        lapse_letter_on=describe_date(told.letter_date) if told else "",
        signature=_signature(_of_role(inputs.event.actor, draft.signer), draft.signer),
    )


def _review_pack(draft: _Draft, inputs: LetterInputs) -> None:
    case, period, decision = inputs.case, inputs.case.period, inputs.case.decision
    ends_on = _event_date(inputs, "ends_on") or (period.ends_on if period else None)
    if period is None or ends_on is None:
        draft.problems.append("no-restriction-period")
        return
    # Counted to the day the pack is produced, never days still to come.
    figures = review_figures(inputs.contacts, case.customer_id, ends_on, _dated(inputs))
    equality = decision.equality if decision else None
    draft.context.update(
        incomplete=not figures.complete,
        days_not_counted=str(figures.days_not_counted),
        # What the restrictions were for and what was weighed: the review judges them again.
        reason=plain(decision.reason) if decision else "",
        immediate_reason=plain(decision.immediate_reason or "") if decision else "",
        behaviours=behaviour_words(decision.behaviours, decision.aspects) if decision else [],
        equality_notes=plain(equality.notes) if equality else "",
        adjustments=[plain(a) for a in equality.adjustments_agreed] if equality else [],
        starts_on=describe_date(london_date(period.starts_at)),
        ends_on=describe_date(ends_on),
        last_day=draft.need("end-date", _last_day(ends_on)),
        status=case.status.value,
        restrictions=[describe_restriction(r) for r in (decision.restrictions if decision else ())],
        window_from=draft.need("window", describe_date(figures.window_from)),
        window_to=describe_date(figures.window_to),
        previous_from=describe_date(figures.previous_from),
        previous_to=describe_date(figures.previous_to),
        months=[
            {
                "label": m.label,
                "counts": [str(m.by_channel[c]) for c in Channel],
                "total": str(m.total),
                "previous": str(m.previous_total),
            }
            for m in figures.months
        ],
        summary=[{"measure": k, "now": str(a), "before": str(b)} for k, a, b in figures.summary],
        flags=[{"flag": k, "now": str(a), "before": str(b)} for k, a, b in figures.flags],
        filed=[
            {"received": f.received, "subject": line(f.subject), "flags": f.flags}
            for f in figures.filed
        ],
        filed_not_listed=str(figures.filed_not_listed) if figures.filed_not_listed else "",
        appeals=[
            {
                "received_on": describe_date(a.received_on),
                "status": a.status.value,
                "reason": plain(a.outcome_reason or ""),
            }
            for a in case.appeals
        ],
    )
    for m in figures.months:
        draft.need("months", m.label)
    draft.chart = chart_png(figures)


# The builder of each kind's context: one per letter kind, checked at import.
CONTENT: dict[LetterKind, Callable[[_Draft, LetterInputs], None]] = {
    LetterKind.CONCERN: _concern,
    LetterKind.CONCERN_CLOSED: _concern_closed,
    LetterKind.RESTRICTIONS: _step2,
    LetterKind.IMMEDIATE_RESTRICTIONS: _immediate,
    LetterKind.REVIEW_EXTENDED: _extended,
    LetterKind.RESTRICTIONS_VARIED: _restrictions_varied,
    LetterKind.APPEAL_ACKNOWLEDGEMENT: _acknowledgement,
    LetterKind.LATE_APPEAL_DECLINED: _late_declined,
    LetterKind.APPEAL_REVIEW_DELAYED: _review_delayed,
    LetterKind.APPEAL_UPHELD: _upheld,
    LetterKind.APPEAL_DISMISSED: _dismissed,
    LetterKind.APPEAL_VARIED: _varied,
    LetterKind.REVIEW_CLOSED: _review_closed,
    LetterKind.RESTRICTIONS_LAPSED: _lapsed,
    LetterKind.CASE_CLOSED: _case_closed,
    LetterKind.REVIEW_PACK: _review_pack,
}


def prepare(inputs: LetterInputs) -> PreparedLetter:
    """The letter's context and required content; MissingContent when it cannot be issued."""
    ref = inputs.event.letter
    if ref is None:
        raise ValueError("this event calls for no letter")
    spec = LETTER_KINDS[ref.kind]
    draft = _Draft(spec=spec)
    draft.context["letter_id"] = ref.letter_id
    _common(draft, inputs)
    CONTENT[ref.kind](draft, inputs)
    if spec.appealable:
        _appeal_route(draft, inputs)
    if Content.OMBUDSMAN in spec.must_contain:
        _ombudsman(draft, inputs.organisation)
    if Content.ADJUSTMENTS_CONTACT in spec.must_contain:
        _adjustments_contact(draft, inputs.organisation)
    if draft.problems:
        raise MissingContent(draft.problems)
    # What the kind must contain (its row) and what its builder gave must agree: a builder that
    # gave less is a letter lacking content, never issued.
    supplied = {item for item, _ in draft.required}
    lacking = sorted(c.value for c in spec.must_contain if c.value not in supplied)
    if lacking:
        raise MissingContent(f"no-{item}" for item in lacking)
    return PreparedLetter(
        letter_id=ref.letter_id,
        template_name=spec.template,
        context=draft.context,
        required=tuple(dict.fromkeys(draft.required)),
        chart_png=draft.chart,
        # a reasonable adjustment on the customer's record; the review pack is internal
        large_print=not spec.internal and inputs.customer.letter_format is LetterFormat.LARGE_PRINT,
    )


def draft_letter(inputs: LetterInputs) -> bytes:
    return render(prepare(inputs))


def _check_every_letter_kind_has_its_content() -> None:
    missing = set(LetterKind) - set(CONTENT)
    if missing:
        raise AssertionError(f"letter kinds without a content builder: {sorted(missing)}")


_check_every_letter_kind_has_its_content()
