"""Errors are types: callers map them to HTTP codes and dispositions by type, never by text.

Every refusal names the rule that refused it (a policy rule id from policy/rules.yaml, or a
design rule id), so staff are told *why*, not just *no*.
"""

from __future__ import annotations


class PolicyError(Exception):
    """A command the policy refuses. `rule` names the rule; `message` says it in words."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"[{rule}] {message}")
        self.rule = rule
        self.message = message


class NotPermitted(PolicyError):
    """The actor's role may not take this decision (HTTP 403)."""


class IllegalTransition(PolicyError):
    """The case is not in a state where this command applies (HTTP 409)."""


class RuleViolation(PolicyError):
    """The command breaks a policy rule, e.g. restrictions without Step 1 (HTTP 422/409)."""


class NothingToDo(PolicyError):
    """A deadline or duplicate that the case has already moved past: a logged no-op."""


class VersionConflict(Exception):
    """Another writer changed the case first (optimistic locking, HTTP 409)."""

    def __init__(self, case_id: str, expected_version: int) -> None:
        super().__init__(f"case {case_id} changed since version {expected_version}; reload it")
        self.case_id = case_id
        self.expected_version = expected_version
