"""What every restriction type says about itself, in one place per type.

A restriction type (policy s.4, Step 2) is one module in this package: its details (a frozen
model with a `type` literal, the union's discriminator), what it means on each contact channel
(`channel_effect`: allowed at all, and the condition a call handler or officer is given), what
it does to the customer's email (`email_handling`) and how a letter states it
(`letter_wording`). The methods are abstract, so a type missing one cannot be made (mypy says
so, and the package refuses to import: `contactguard.domain.restrictions`).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from contactguard.domain.model import Channel, Frozen
from contactguard.domain.policy import PolicyTerms


class ChannelEffect(NamedTuple):
    """One restriction on one channel: allowed at all, and the condition attached."""

    allowed: bool
    condition: str | None = None


NO_EFFECT = ChannelEffect(allowed=True)


class EmailAction(StrEnum):
    DELIVER = "deliver"  # CONTINUE: reaches the staff mailbox as usual
    ROUTE_TO_OFFICER = "route-to-officer"  # single point of contact
    FILE_AND_BLOCK = "file-and-block"  # STOP_RULE_SET; filed, read for new information


@dataclass(frozen=True)
class EmailHandling:
    """What one restriction does to the customer's email (ingest); the strictest one wins."""

    action: EmailAction
    reason: str
    officer_email: str | None = None
    write_to: str | None = None  # for the auto-reply: how to write instead


@dataclass(frozen=True)
class LetterWording:
    """One restriction as a letter states it: a short title and its details."""

    title: str
    details: str


def join_words(words: Sequence[str]) -> str:
    """Words as a letter lists them: "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


class RestrictionType(Frozen):
    """The base of every restriction type; it has no fields of its own."""

    @abstractmethod
    def channel_effect(self, channel: Channel) -> ChannelEffect:
        """What this restriction means for contact on `channel` (NO_EFFECT for none)."""

    @abstractmethod
    def email_handling(self) -> EmailHandling | None:
        """What happens to the customer's email under it (None: delivered as usual)."""

    @abstractmethod
    def letter_wording(self) -> LetterWording:
        """How the restriction letters state it (customer-facing, plain words)."""

    @abstractmethod
    def contact_terms(self, channel: Channel) -> str | None:
        """Its condition on `channel` as the customer is told it, one sentence, in the
        letters' "How you can contact us now" (None: none on that channel; a channel that
        `channel_effect` closes is never offered, whatever this says)."""

    def check_terms(self, terms: PolicyTerms) -> None:  # noqa: B027 (most types need none)
        """Raise a RuleViolation when the details break a rule the policy's terms set."""
