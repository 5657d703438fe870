"""'How you can contact us now': built from the restrictions in force, never typed by staff.

Each channel a restriction leaves open is offered with its route (the organisation's address,
number or email) and every condition the restrictions put on it, in the customer's words
(`RestrictionType.contact_terms`); a channel any restriction closes (`channel_effect`, the
same answer ingest and call handlers enforce) is named as closed and never offered; letters
are always open (policy s.4); the emergency and safeguarding line is always given, whatever
the restrictions say. A condition every open channel carries is said once, for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contactguard.domain.enforcement import permitted_channels
from contactguard.domain.model import Channel
from contactguard.domain.restrictions import Restriction, join_words
from contactguard.organisation import Organisation

# How a letter names each channel: as a route (open), and in a list of closed ones.
ROUTE_NAMES: dict[Channel, str] = {
    Channel.LETTER: "By letter",
    Channel.EMAIL: "By email",
    Channel.PHONE: "By telephone",
    Channel.VISIT: "In person",
    Channel.SOCIAL_MEDIA: "On social media",
}
CLOSED_NAMES: dict[Channel, str] = {
    Channel.LETTER: "letters",
    Channel.EMAIL: "emails",
    Channel.PHONE: "telephone calls",
    Channel.VISIT: "visits to our offices",
    Channel.SOCIAL_MEDIA: "messages on our social media sites",
}


def number(telephone: str) -> str:
    """A telephone number a line break never splits (no-break spaces): 0306 999 0999."""
    return telephone.replace(" ", "\u00a0")


def sentence(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def write_to(restrictions: Sequence[Restriction], org: Organisation) -> str:
    """Where the customer writes: a restriction's own address (letters only) or the
    organisation's point of contact address, which is its letterhead's unless configured."""
    for r in restrictions:
        handling = r.email_handling()
        if handling is not None and handling.write_to:
            return " ".join(handling.write_to.split())
    return org.write_to


def email_to(restrictions: Sequence[Restriction], org: Organisation) -> str:
    """Where the customer emails: the officer a restriction routes their email to, or the
    organisation's address."""
    for r in restrictions:
        handling = r.email_handling()
        if handling is not None and handling.officer_email:
            return handling.officer_email
    return org.email


def _route(channel: Channel, restrictions: Sequence[Restriction], org: Organisation) -> str:
    return {
        Channel.LETTER: f"Write to us at {write_to(restrictions, org)}.",
        Channel.EMAIL: f"Email us at {email_to(restrictions, org)}.",
        Channel.PHONE: f"Telephone us on {number(org.telephone)} ({org.telephone_hours}).",
        Channel.VISIT: "Visit one of our offices.",
        Channel.SOCIAL_MEDIA: "Message us on our social media sites.",
    }[channel]


def emergency_words(org: Organisation) -> str:
    """The emergency line as every letter and the auto-reply give it."""
    line = org.emergency
    return (
        f"If you need to tell us about {line.covers}, telephone our emergency line on "
        f"{number(line.telephone)} ({line.hours}). This line is always open to you, whatever any "
        f"restriction says. If someone is in immediate danger, dial 999."
    )


def contact_now(restrictions: Sequence[Restriction], org: Organisation) -> dict[str, Any]:
    """The section's context: `routes` (how, text), `everywhere`, `closed`, `emergency`."""
    # Letters always, any other channel unless a restriction closes it (what ingest and the
    # call handlers enforce).
    open_channels = list(permitted_channels(restrictions))
    terms = {
        c: list(dict.fromkeys(sentence(t) for r in restrictions if (t := r.contact_terms(c))))
        for c in open_channels
    }
    # A condition on every open channel (an "other" restriction, say) is said once, when
    # more than one is open.
    everywhere = [t for t in terms[Channel.LETTER] if all(t in terms[c] for c in open_channels)]
    if len(open_channels) == 1:
        everywhere = []
    routes = [
        {
            "how": ROUTE_NAMES[c],
            "text": " ".join(
                [_route(c, restrictions, org), *(t for t in terms[c] if t not in everywhere)]
            ),
        }
        for c in open_channels
    ]
    closed = [c for c in Channel if c not in open_channels]
    closed_text = ""
    if closed:
        words = join_words([CLOSED_NAMES[c] for c in closed]).replace(" and ", " or ")
        closed_text = (
            f"While the restrictions are in force, we will not accept {words} from you"
            + (", except calls to the emergency line below." if Channel.PHONE in closed else ".")
        )
    return {
        "routes": routes,
        "everywhere": " ".join(everywhere),
        "closed": closed_text,
        "emergency": emergency_words(org),
    }
