"""Issue 14, finding 6: a single point of contact's address must be the organisation's.

The domain is pure: the organisation's domains reach it in the policy terms (from the
OrganisationDomains setting), and `decide` refuses a decision that would route a customer's
mail to an address outside them, naming the rule `officer-address-in-organisation`.
"""

from __future__ import annotations

import pytest
from builders import (
    EXECUTIVE,
    HEAD,
    POLICY,
    Story,
    at,
    concern_letter_sent,
    impose,
    letters_only,
    single_point_of_contact,
    under_appeal,
)

from contactguard.domain.case import AppealOutcome, CaseStatus, DecideAppeal
from contactguard.domain.errors import RuleViolation
from contactguard.domain.lifecycle import Policy, PolicyTerms
from contactguard.domain.restrictions import (
    SinglePointOfContact,
)

OURS = Policy(terms=PolicyTerms(organisation_domains=("landlord.example",)))


def officer_at(address: str) -> SinglePointOfContact:
    return single_point_of_contact().model_copy(update={"officer_email": address})


@pytest.mark.policy("s4-restriction-types")
@pytest.mark.parametrize(
    "address",
    ["spy@evil.example", "off@landlord.example.evil.example", "off@notlandlord.example"],
)
def test_restrictions_naming_an_officer_outside_the_organisation_are_refused(address: str) -> None:
    story = concern_letter_sent()
    story.policy = OURS
    with pytest.raises(RuleViolation) as refused:
        story.try_(impose(letters_only(), officer_at(address)), HEAD, at("2027-03-01"))
    assert refused.value.rule == "officer-address-in-organisation"
    assert address not in refused.value.message
    assert "OrganisationDomains" in refused.value.message


@pytest.mark.policy("s4-restriction-types")
@pytest.mark.parametrize("address", ["off@landlord.example", "off@housing.landlord.example"])
def test_an_officer_in_the_organisation_or_a_subdomain_is_accepted(address: str) -> None:
    story = concern_letter_sent()
    story.policy = OURS
    story.do(impose(officer_at(address)), HEAD, at("2027-03-01"))
    assert story.current.status is CaseStatus.RESTRICTIONS_DECIDED


def test_an_immediate_decision_is_checked_too() -> None:
    story = Story(policy=OURS)
    command = impose(
        officer_at("spy@evil.example"),
        immediate=True,
        immediate_reason="threatened a housing officer",
        case_id="case-x",
        customer_id="cust-x",
    )
    with pytest.raises(RuleViolation, match="officer-address-in-organisation"):
        story.try_(command, HEAD, at("2027-03-01"))


@pytest.mark.policy("s5-appeal-outcomes")
def test_a_varied_appeal_cannot_move_the_customers_mail_outside_the_organisation() -> None:
    story = under_appeal()
    story.policy = OURS
    vary = DecideAppeal(
        outcome=AppealOutcome.VARIED,
        reason="a named officer instead of letters only",
        varied_restrictions=(officer_at("spy@evil.example"),),
    )
    with pytest.raises(RuleViolation) as refused:
        story.try_(vary, EXECUTIVE, at("2027-02-01"))
    assert refused.value.rule == "officer-address-in-organisation"
    inside = vary.model_copy(update={"varied_restrictions": (officer_at("off@landlord.example"),)})
    story.do(inside, EXECUTIVE, at("2027-02-01"))
    assert story.current.status is CaseStatus.RESTRICTED


def test_the_default_terms_are_the_repositorys_example_landlord_domains() -> None:
    assert POLICY.terms.organisation_domains == ("example.org", "landlord.example")
