"""A case: who it is about, its status, the restrictions and until when, its appeals, its
letters and its timeline, with the decisions the signed-in role may take on it now as the
lifecycle answers them (`use_cases.cases.choices`). The forms are in routes.case_decisions and
routes.case_letters (imported here, which registers them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console import web
from console.pages import Visit, page
from console.routes import case_decisions, case_letters  # noqa: F401 - registers their pages
from console.routes.case_words import (
    APPEAL_STATUS,
    DEADLINE,
    DECISION_KIND,
    EVENT,
    LETTER_KIND,
    STATUS,
    behaviour_words,
    event_details,
    letter_status,
    period_words,
    restriction_view,
    sentence,
    uk_date,
    uk_datetime,
    who,
)
from contactguard.domain.access import Operation
from contactguard.domain.calendar import end_of_day
from contactguard.domain.case import Case, LetterKind, final_document_name
from contactguard.usecases.cases import Choices, TimelineEntry
from contactguard.usecases.errors import UnknownCustomer


@page("/console/cases/<case_id>", operation=Operation.READ_CASE)
def case_page(visit: Visit, case_id: str) -> web.Reply:
    use_cases = visit.wiring.use_cases
    case, entries = use_cases.cases.timeline(visit.request, case_id)
    choices = use_cases.cases.choices(visit.request, case)
    return visit.render(
        "case.html",
        title=f"Case {case.case_id}",
        case=summary(visit, case),
        restrictions=restrictions(visit, case),
        appeals=appeals(case, visit.now),
        letters=letters(visit, case, choices),
        decisions=decisions(visit, case, choices),
        timeline=[timeline_row(case, entry) for entry in entries],
    )


def customer_name(visit: Visit, customer_id: str) -> str | None:
    try:
        customer, _ = visit.wiring.use_cases.customers.view(visit.request, customer_id)
    except UnknownCustomer:  # a case outlives no customer, but show the case if it did
        return None
    return customer.name


def case_href(case_id: str) -> str:
    return f"/console/cases/{case_id}"


def summary(visit: Visit, case: Case) -> dict[str, Any]:
    concern = case.concern
    return {
        "case_id": case.case_id,
        "href": visit.site.url(case_href(case.case_id)),
        "customer_id": case.customer_id,
        "customer_name": customer_name(visit, case.customer_id),
        "customer_href": visit.site.url(f"/console/customers/{case.customer_id}"),
        "status": STATUS[case.status],
        "opened": uk_datetime(case.opened_at),
        "closed": uk_datetime(case.closed_at) if case.closed_at else None,
        "closure_reason": case.closure_reason,
        "concern": None
        if concern is None
        else {
            "raised": uk_datetime(concern.raised_at),
            "by": who(concern.raised_by),
            "behaviours": behaviour_words(concern.behaviours, concern.aspects),
            "note": concern.note,
            "letter_sent": uk_date(concern.letter_sent_on) if concern.letter_sent_on else None,
            "follow_up": uk_date(concern.follow_up_due_on) if concern.follow_up_due_on else None,
        },
    }


def restrictions(visit: Visit, case: Case) -> dict[str, Any] | None:
    decision = case.decision
    if decision is None:
        return None
    if case.period is not None:
        when = period_words(case.period, visit.now)
    else:
        when = "Not in force yet: they start when the customer is told (the letter is marked sent)."
    equality = decision.equality
    return {
        "when": when,
        "kind": DECISION_KIND[decision.kind],
        "decided": uk_datetime(decision.decided_at),
        "by": who(decision.decided_by),
        "reason": decision.reason,
        "behaviours": behaviour_words(decision.behaviours, decision.aspects),
        "immediate_reason": decision.immediate_reason,
        "police_or_legal_action": decision.police_or_legal_action,
        "equality": None
        if equality is None
        else {
            "considered": equality.complete,
            "notes": equality.notes,
            "adjustments": list(equality.adjustments_agreed),
        },
        "items": [restriction_view(r) for r in decision.restrictions],
    }


def appeals(case: Case, now: datetime) -> dict[str, Any] | None:
    window = case.appeal_window
    if window is None and not case.appeals:
        return None
    if window is None:
        window_words = None
    elif window.closed or now > end_of_day(window.closes_on):
        window_words = f"The appeal window closed at the end of {uk_date(window.closes_on)}."
    else:
        window_words = f"The customer may appeal up to and including {uk_date(window.closes_on)}."
    return {
        "window": window_words,
        "items": [
            {
                "received": uk_date(a.received_on),
                "status": APPEAL_STATUS[a.status],
                "grounds": a.grounds,
                "logged_by": who(a.logged_by),
                "late": a.late,
                "late_reason": a.late_decision_reason,
                "review_due": uk_date(a.review_due_on) if a.review_due_on else None,
                "decided_by": who(a.decided_by) if a.decided_by else None,
                "outcome_reason": a.outcome_reason,
            }
            for a in case.appeals
        ],
    }


def letters(visit: Visit, case: Case, choices: Choices) -> list[dict[str, Any]]:
    rows = []
    for letter in case.letters:
        readable = visit.may(Operation.READ_LETTER) and (
            letter.kind is not LetterKind.REVIEW_PACK or visit.may(Operation.READ_REVIEW_PACK)
        )
        base = f"{case_href(case.case_id)}/letters/{letter.letter_id}"
        rows.append(
            {
                "id": letter.letter_id,
                "kind": LETTER_KIND[letter.kind],
                "dated": uk_date(letter.dated_on) if letter.dated_on else None,
                "drafted": uk_date(letter.drafted_on) if letter.drafted_on else None,
                "version": letter.version or None,
                "status": letter_status(letter),
                "problems": list(letter.problems),
                "download": visit.site.url(base) if readable and letter.s3_key else None,
                # The version its sender posted, when they changed the draft (README "Letters").
                "final": visit.site.url(f"{base}/final") if readable and letter.sent_key else None,
                "final_name": final_document_name(letter.sent_key) if letter.sent_key else None,
                "send": visit.site.url(f"{base}/sent")
                if letter.letter_id in choices.letters_to_send
                else None,
                "redraft": visit.site.url(f"{base}/redraft")
                if letter.letter_id in choices.letters_to_redraft
                else None,
            }
        )
    return rows


def decisions(visit: Visit, case: Case, choices: Choices) -> dict[str, Any]:
    """Links to the decision forms open to this role now, and why others it takes are not."""
    open_now = [
        {"href": visit.site.url(f"{case_href(case.case_id)}/{d.slug}"), "text": d.link}
        for d in case_decisions.DECISIONS
        if ({d.kind} | d.also) & choices.decisions
    ]
    blocked = [
        f"{d.link}: {sentence(choices.refused[d.kind].message)}"
        for d in case_decisions.DECISIONS
        if d.kind in choices.blocked
    ]
    return {"open": open_now, "blocked": blocked}


def timeline_row(case: Case, entry: TimelineEntry) -> dict[str, Any]:
    when = uk_datetime(entry.at)
    if entry.event is not None:
        event = entry.event
        return {
            "when": when,
            "what": EVENT[event.type],
            "details": event_details(event),
            "who": who(event.actor),
            "why": event.reason or "",
        }
    if entry.letter is not None:
        letter = entry.letter
        status = letter_status(letter)
        return {
            "when": when,
            "what": f"Letter needed: {LETTER_KIND[letter.kind]}",
            "details": [f"Status now: {status[:1].lower()}{status[1:]}"],
            "who": "",
            "why": "",
        }
    deadline = entry.deadline
    if deadline is None:
        raise AssertionError("a timeline entry holds an event, a letter or a deadline")
    unsent = case.letter(deadline.letter_id) if deadline.letter_id else None
    return {
        "when": when,
        "what": DEADLINE[deadline.kind],
        "details": [LETTER_KIND[unsent.kind]] if unsent else [],
        "who": "Scheduled",
        "why": "",
        "due": True,
    }
