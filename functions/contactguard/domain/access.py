"""Who may do what outside the case lifecycle: the staff roles of every operation, in one table.

The case lifecycle's decisions have their own, finer rule (`lifecycle.PERMITTED_ROLES`, by
command; `LETTER_SENDERS`, by letter). This table is the gate in front of everything staff can
reach: each API route and CLI command names one `Operation`, and a role outside the
operation's set is refused with the operation's rule before anything is read or written.
`Operation.READ_FILED_EMAIL` guards a part of a reply rather than a route: the words of
filed email and the designated officer's notes on it. `Operation.READ_REVIEW_PACK` guards one
kind of letter: the 12-month review pack, which lists filed email by subject.

Pure: no AWS, no environment, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from contactguard.domain.errors import NotPermitted
from contactguard.domain.lifecycle import PERMITTED_ROLES
from contactguard.domain.model import Role

__all__ = ["GRANTS", "STAFF_ROLES", "Grant", "Operation", "may", "require"]


class Operation(StrEnum):
    REGISTER_CUSTOMER = "register-customer"
    READ_CUSTOMER = "read-customer"
    LINK_EMAIL = "link-email"
    SET_LETTER_FORMAT = "set-letter-format"
    LOG_CONTACT = "log-contact"
    READ_CONTACTS = "read-contacts"
    READ_FILED_EMAIL = "read-filed-email"
    OPEN_CASE = "open-case"
    READ_CASE = "read-case"
    DECIDE = "decide"
    READ_LETTER = "read-letter"
    READ_REVIEW_PACK = "read-review-pack"
    LOOKUP = "lookup"
    READ_QUEUE = "read-queue"
    MARK_READ = "mark-read"
    SUBJECT_ACCESS_EXPORT = "subject-access-export"
    RELEASE_SUBJECT_ACCESS_EXPORT = "release-subject-access-export"
    READ_AUDIT = "read-audit"
    CONSIDER_SIGNAL = "consider-signal"
    RECTIFY_CUSTOMER = "rectify-customer"
    ERASE_PERSONAL_DATA = "erase-personal-data"


@dataclass(frozen=True)
class Grant:
    roles: frozenset[Role]
    rule: str  # named in every refusal
    what: str  # the operation in words, for refusals and the role-by-route table


R = Role
# People act in these roles; `system` is the deadlines and letters functions, never a person.
STAFF_ROLES = frozenset(Role) - {R.SYSTEM}
# Whoever takes at least one decision of the case lifecycle (the lifecycle decides which).
_DECIDERS = frozenset(r for roles in PERMITTED_ROLES.values() for r in roles) - {R.SYSTEM}
# The designated officer: reads filed email (policy s.4, "filtered, never ignored").
_DESIGNATED_OFFICERS = frozenset({R.SAFEGUARDING_LEAD, R.SERVICE_MANAGER})
_FRONT_LINE = frozenset({R.CALL_HANDLER, R.CUSTOMER_EXPERIENCE, R.SERVICE_MANAGER})

GRANTS: dict[Operation, Grant] = {
    Operation.REGISTER_CUSTOMER: Grant(
        _FRONT_LINE | {R.HEAD_OF_SERVICE}, "customer-registrars", "registering a customer"
    ),
    Operation.READ_CUSTOMER: Grant(STAFF_ROLES, "staff-role-required", "reading a customer"),
    # An address decides whose record each email lands on, and whether it is delivered.
    Operation.LINK_EMAIL: Grant(
        frozenset({R.SERVICE_MANAGER, R.HEAD_OF_SERVICE}),
        "link-email-managers",
        "linking an email address to a customer",
    ),
    # Large print is a reasonable adjustment whoever the customer asks for it.
    Operation.SET_LETTER_FORMAT: Grant(
        _FRONT_LINE | {R.HEAD_OF_SERVICE},
        "customer-registrars",
        "recording how letters to a customer are printed",
    ),
    Operation.LOG_CONTACT: Grant(
        _FRONT_LINE | {R.HEAD_OF_SERVICE, R.SAFEGUARDING_LEAD},
        "contact-loggers",
        "logging a contact",
    ),
    Operation.READ_CONTACTS: Grant(
        STAFF_ROLES - {R.DATA_PROTECTION_OFFICER},
        "contact-readers",
        "reading a customer's contacts",
    ),
    Operation.READ_FILED_EMAIL: Grant(
        _DESIGNATED_OFFICERS,
        "filed-email-readers",
        "reading filed email and the designated officer's notes",
    ),
    Operation.OPEN_CASE: Grant(_DECIDERS, "case-deciders", "opening a case"),
    Operation.READ_CASE: Grant(
        _DECIDERS | {R.SAFEGUARDING_LEAD}, "case-readers", "reading a case and its timeline"
    ),
    Operation.DECIDE: Grant(_DECIDERS, "case-deciders", "recording a decision on a case"),
    # Those who check and send letters (LETTER_SENDERS), the reviewers of appeals, and the
    # data protection officer (a subject access export holds the letters sent).
    Operation.READ_LETTER: Grant(
        _DECIDERS | {R.DATA_PROTECTION_OFFICER}, "letter-handlers", "reading a letter"
    ),
    # The pack is for the Head of Service's review, and it lists filed email by subject.
    Operation.READ_REVIEW_PACK: Grant(
        _DESIGNATED_OFFICERS | {R.HEAD_OF_SERVICE, R.DATA_PROTECTION_OFFICER},
        "review-pack-readers",
        "reading a review pack (it lists filed email)",
    ),
    Operation.LOOKUP: Grant(
        STAFF_ROLES - {R.DATA_PROTECTION_OFFICER},
        "lookup-staff",
        "looking up what applies to a caller",
    ),
    Operation.READ_QUEUE: Grant(_DESIGNATED_OFFICERS, "read-queue-readers", "the read queue"),
    Operation.MARK_READ: Grant(
        _DESIGNATED_OFFICERS, "read-queue-readers", "recording the read of filed email"
    ),
    Operation.SUBJECT_ACCESS_EXPORT: Grant(
        frozenset({R.DATA_PROTECTION_OFFICER}),
        "data-protection-officer",
        "a subject access export",
    ),
    # A draft export is released only after the officer's redaction review (UK GDPR Art. 15(4):
    # disclosing it must not adversely affect the rights of others).
    Operation.RELEASE_SUBJECT_ACCESS_EXPORT: Grant(
        frozenset({R.DATA_PROTECTION_OFFICER}),
        "data-protection-officer",
        "releasing a subject access export",
    ),
    Operation.READ_AUDIT: Grant(
        frozenset({R.DATA_PROTECTION_OFFICER}), "data-protection-officer", "the audit trail"
    ),
    # Signals inform the managers who judge (policy s.2: judgement decides, not the system).
    Operation.CONSIDER_SIGNAL: Grant(
        frozenset({R.SERVICE_MANAGER, R.HEAD_OF_SERVICE}),
        "signal-judges",
        "considering signals raised for judgement",
    ),
    # UK GDPR Art. 16: a correction rewrites what the customer's mail is matched by and what
    # their letters say: a manager's call, or the data protection officer's on a request.
    Operation.RECTIFY_CUSTOMER: Grant(
        frozenset({R.SERVICE_MANAGER, R.HEAD_OF_SERVICE, R.DATA_PROTECTION_OFFICER}),
        "rectification-deciders",
        "correcting a customer's name, address or email address",
    ),
    # UK GDPR Art. 17: whether a lawful reason to keep the data remains is decided by the
    # data protection officer (the case rule refuses while a case needs it).
    Operation.ERASE_PERSONAL_DATA: Grant(
        frozenset({R.DATA_PROTECTION_OFFICER}),
        "data-protection-officer",
        "erasing a customer's or a sender's data",
    ),
}

_missing = set(Operation) - set(GRANTS)
if _missing:  # pragma: no cover - a new operation without its roles fails at import
    raise RuntimeError(f"operations without a grant: {sorted(_missing)}")
if any(R.SYSTEM in grant.roles or not grant.roles for grant in GRANTS.values()):
    raise RuntimeError("a grant names no role, or the system role")  # pragma: no cover


def may(role: Role, operation: Operation) -> bool:
    return role in GRANTS[operation].roles


def require(role: Role, operation: Operation) -> None:
    """Raise NotPermitted, naming the operation's rule, unless the role may do it."""
    grant = GRANTS[operation]
    if role not in grant.roles:
        raise NotPermitted(
            grant.rule, f"{grant.what} needs the role: " + ", ".join(sorted(grant.roles))
        )
