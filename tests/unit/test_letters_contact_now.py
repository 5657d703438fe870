"""Issue 17: "How you can contact us now" is built from the restrictions in force. It never
offers a channel a restriction closes (the same answer ingest and call handlers enforce),
always offers letters and the emergency line, and gives a named point of contact's telephone
and postal address; the auto-reply gives the same emergency line."""

from __future__ import annotations

from itertools import combinations

import pytest
from builders import restrictions_decided, under_appeal
from test_letters_render import squashed, text_of
from test_restriction_types import EXAMPLES

from contactguard.domain.case import LetterKind
from contactguard.domain.enforcement import channel_guidance, restrictions_in_force
from contactguard.domain.model import Channel
from contactguard.domain.restrictions import Restriction, SinglePointOfContact
from contactguard.organisation import shipped_organisation
from letters.contact_now import ROUTE_NAMES, contact_now

ORG = shipped_organisation()
SETS = [combo for n in (1, 2, 3) for combo in combinations(EXAMPLES, n)]


def section(text: str) -> str:
    """The letter's "How you can contact us now" section, up to the next heading."""
    after = text.split("How you can contact us now\n", 1)[1]
    return after.split("\nIf you need this letter", 1)[0].split("\nYour right to appeal", 1)[0]


def closed_by(restrictions: tuple[Restriction, ...]) -> set[Channel]:
    return {c for c in Channel for r in restrictions if not r.channel_effect(c).allowed}


@pytest.mark.parametrize("restrictions", SETS, ids=lambda rs: "+".join(r.type for r in rs))
def test_no_channel_a_restriction_closes_is_offered_and_the_emergency_line_always_is(
    restrictions: tuple[Restriction, ...],
) -> None:
    contact = contact_now(restrictions, ORG)
    offered = {route["how"] for route in contact["routes"]}
    emergency = squashed(contact["emergency"])  # numbers hold no-break spaces
    closed = closed_by(restrictions)
    assert offered == {ROUTE_NAMES[c] for c in Channel if c not in closed or c is Channel.LETTER}
    assert ROUTE_NAMES[Channel.LETTER] in offered  # letters are always open (policy s.4)
    assert f"emergency line on {ORG.emergency.telephone} ({ORG.emergency.hours})" in emergency
    assert ("emergency line" in contact["closed"]) is (Channel.PHONE in closed)


@pytest.mark.parametrize("restriction", EXAMPLES, ids=lambda r: r.type)
def test_each_restriction_letter_s_section_matches_its_enforcement(
    restriction: Restriction,
) -> None:
    story = under_appeal(restriction)
    case, at = story.current, story.events[-1].at
    assert restrictions_in_force(case, at) == (restriction,)
    for kind in (LetterKind.RESTRICTIONS, LetterKind.APPEAL_ACKNOWLEDGEMENT):
        text = squashed(section(text_of(story, kind)))
        for channel in Channel:
            guidance = channel_guidance([case], channel, at)  # what a call handler is told
            offered = f"{ROUTE_NAMES[channel]}:" in text
            assert offered is (guidance.allowed or channel is Channel.LETTER), (kind, channel)
        assert f"emergency line on {ORG.emergency.telephone}" in text


def test_a_named_point_of_contact_is_reached_by_telephone_post_and_email() -> None:
    officer = next(r for r in EXAMPLES if isinstance(r, SinglePointOfContact))
    text = " ".join(
        section(text_of(restrictions_decided(officer), LetterKind.RESTRICTIONS)).split()
    )
    assert f"Telephone us on {ORG.telephone}" in text
    assert f"Ask for {officer.officer_name}, who takes your calls on Tuesday and Thursday" in text
    assert f"Write to us at {ORG.write_to}. Mark your letter for the attention of" in text
    assert f"Email us at {officer.officer_email}." in text


def test_letters_go_to_the_organisation_s_address_unless_the_restriction_names_another() -> None:
    letters_only = next(r for r in EXAMPLES if r.type == "letters-only")
    assert contact_now((letters_only,), ORG)["routes"][0]["text"] == (
        "Write to us at PO Box 1, Town, AB1 2CD."
    )
    assert f"Write to us at {ORG.write_to}." in contact_now((), ORG)["routes"][-3]["text"]


def test_a_condition_on_every_channel_is_said_once() -> None:
    other = next(r for r in EXAMPLES if r.type == "other")
    contact = contact_now((other,), ORG)
    assert contact["everywhere"] == "No parcels left at reception."
    assert all("parcels" not in route["text"] for route in contact["routes"])
