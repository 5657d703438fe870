"""Issue 15: each restriction type says everything about itself in one module
(contactguard.domain.restrictions), and the package refuses an incomplete or unlisted type."""

from __future__ import annotations

from datetime import time
from typing import Literal

import pytest

from contactguard.domain import restrictions
from contactguard.domain.errors import RuleViolation
from contactguard.domain.model import Channel, Weekday
from contactguard.domain.policy import PolicyTerms
from contactguard.domain.restrictions import (
    RESTRICTION_TYPES,
    AppointmentOnlyVisits,
    ChannelEffect,
    EmailAction,
    LettersOnly,
    OtherRestriction,
    Restriction,
    RestrictionType,
    SinglePointOfContact,
    SocialMediaRestriction,
    TelephoneViaThirdParty,
    WitnessAtPersonalContact,
    check_restriction_types,
)

# One example of each type: a new type adds its example here (the first test insists).
EXAMPLES: tuple[Restriction, ...] = (
    TelephoneViaThirdParty(third_party="Ann Lee", relationship="solicitor"),
    LettersOnly(write_to="PO Box 1, Town, AB1 2CD"),
    AppointmentOnlyVisits(office="Town Hall"),
    SinglePointOfContact(
        officer_id="o-1",
        officer_name="Sam Officer",
        officer_email="sam@example.org",
        days=(Weekday.TUESDAY, Weekday.THURSDAY),
        from_time=time(10),
        to_time=time(12),
    ),
    WitnessAtPersonalContact(),
    SocialMediaRestriction(details="Facebook and X"),
    OtherRestriction(details="no parcels left at reception"),
)


def test_every_type_has_an_example_here() -> None:
    assert {type(r) for r in EXAMPLES} == set(RESTRICTION_TYPES)


@pytest.mark.parametrize("restriction", EXAMPLES, ids=lambda r: r.type)
def test_each_type_states_its_effect_on_every_channel_its_email_and_its_wording(
    restriction: Restriction,
) -> None:
    for channel in Channel:
        effect = restriction.channel_effect(channel)
        assert isinstance(effect, ChannelEffect)
        assert effect.allowed or effect.condition  # a refusal always says why
    assert restriction.channel_effect(Channel.LETTER).allowed  # letters always stay open
    handling = restriction.email_handling()
    assert handling is None or handling.action is not EmailAction.DELIVER
    wording = restriction.letter_wording()
    assert wording.title.strip()
    assert wording.details.strip()
    restriction.check_terms(PolicyTerms())


def test_a_single_point_of_contact_outside_the_organisation_breaks_a_term() -> None:
    officer = EXAMPLES[3]
    assert isinstance(officer, SinglePointOfContact)
    with pytest.raises(RuleViolation) as refused:
        officer.check_terms(PolicyTerms(organisation_domains=("housing.example",)))
    assert refused.value.rule == "officer-address-in-organisation"


def test_the_package_checks_its_types_on_import() -> None:
    check_restriction_types()  # the real package passes


def test_a_type_left_out_of_the_union_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(restrictions, "RESTRICTION_TYPES", RESTRICTION_TYPES[:-1])
    with pytest.raises(AssertionError, match="missing from the Restriction union"):
        check_restriction_types()


def test_a_type_that_does_not_say_everything_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Forgetful(RestrictionType):  # no email handling, no letter wording
        type: Literal["forgetful"] = "forgetful"

        def channel_effect(self, channel: Channel) -> ChannelEffect:
            return ChannelEffect(True)

    monkeypatch.setattr(restrictions, "RESTRICTION_TYPES", (*RESTRICTION_TYPES, Forgetful))
    with pytest.raises(AssertionError, match=r"Forgetful lacks \['email_handling', 'letter_w"):
        check_restriction_types()
    with pytest.raises(TypeError):
        Forgetful()  # type: ignore[abstract]


def test_two_types_with_one_tag_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(restrictions, "RESTRICTION_TYPES", (*RESTRICTION_TYPES, LettersOnly))
    with pytest.raises(AssertionError, match="its own `type` tag"):
        check_restriction_types()
