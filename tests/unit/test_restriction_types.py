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
    EmailHandling,
    LettersOnly,
    LetterWording,
    OtherRestriction,
    Restriction,
    RestrictionType,
    SinglePointOfContact,
    SocialMediaRestriction,
    TelephoneViaThirdParty,
    WitnessAtPersonalContact,
    check_restriction_types,
    join_words,
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


SPOC_WHEN = "on Tuesday and Thursday between 10:00 and 12:00"
# What each example tells the customer, channel by channel, in the letters' "How you can
# contact us now" (letters.contact_now): exactly, since the customer reads these words.
CONTACT_TERMS: dict[str, dict[Channel, str]] = {
    "telephone-via-third-party": {
        Channel.PHONE: "Only Ann Lee (solicitor) may call us, on your behalf.",
    },
    "letters-only": {},
    "appointment-only-visits": {
        Channel.VISIT: "Visits are by appointment only, at Town Hall.",
    },
    "single-point-of-contact": {
        Channel.LETTER: "Mark your letter for the attention of Sam Officer.",
        Channel.EMAIL: f"Your emails go to Sam Officer only, who deals with them {SPOC_WHEN}.",
        Channel.PHONE: f"Ask for Sam Officer, who takes your calls {SPOC_WHEN} only.",
        Channel.VISIT: f"You will see Sam Officer, {SPOC_WHEN} only.",
    },
    "witness-at-personal-contact": {
        Channel.VISIT: "An appropriate witness will be present when you meet our staff.",
    },
    "social-media": {},
    "other": dict.fromkeys(Channel, "no parcels left at reception"),
}


@pytest.mark.parametrize("restriction", EXAMPLES, ids=lambda r: r.type)
def test_each_type_tells_the_customer_its_terms_on_each_channel(restriction: Restriction) -> None:
    expected = CONTACT_TERMS[restriction.type]
    assert {c: restriction.contact_terms(c) for c in Channel} == {
        c: expected.get(c) for c in Channel
    }


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
    with pytest.raises(AssertionError, match=r"Forgetful lacks \['contact_terms', 'email_han"):
        check_restriction_types()
    with pytest.raises(TypeError):
        Forgetful()  # type: ignore[abstract]


def test_two_types_with_one_tag_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(restrictions, "RESTRICTION_TYPES", (*RESTRICTION_TYPES, LettersOnly))
    with pytest.raises(AssertionError, match="its own `type` tag"):
        check_restriction_types()


# What a user of each type sees: the call handler's guidance on every channel, the email
# ruling, and the sentence a restriction letter carries. Exact words: a changed word is a
# changed instruction to staff or a changed letter to the customer.

OPEN = ChannelEffect(allowed=True, condition=None)


@pytest.mark.parametrize(
    ("restriction", "effects"),
    [
        (
            EXAMPLES[0],
            {Channel.PHONE: ChannelEffect(True, "telephone only through Ann Lee (solicitor)")},
        ),
        (
            EXAMPLES[1],
            {
                channel: ChannelEffect(False, "letters only: write to PO Box 1, Town, AB1 2CD")
                for channel in (Channel.EMAIL, Channel.PHONE)
            },
        ),
        (
            EXAMPLES[2],
            {Channel.VISIT: ChannelEffect(True, "visits by appointment only, at Town Hall")},
        ),
        (
            EXAMPLES[3],
            {
                channel: ChannelEffect(
                    True, "contact through Sam Officer only, Tuesday, Thursday 10:00-12:00"
                )
                for channel in (Channel.EMAIL, Channel.PHONE, Channel.VISIT)
            },
        ),
        (
            EXAMPLES[4],
            {
                Channel.VISIT: ChannelEffect(
                    True, "personal contact only with an appropriate witness present"
                )
            },
        ),
        (
            EXAMPLES[5],
            {Channel.SOCIAL_MEDIA: ChannelEffect(False, "social media restricted: Facebook and X")},
        ),
        (
            EXAMPLES[6],
            {channel: ChannelEffect(True, "no parcels left at reception") for channel in Channel},
        ),
    ],
    ids=lambda v: v.type if isinstance(v, RestrictionType) else "",
)
def test_each_type_tells_a_call_handler_exactly_this_on_each_channel(
    restriction: Restriction, effects: dict[Channel, ChannelEffect]
) -> None:
    for channel in Channel:
        effect = restriction.channel_effect(channel)
        assert effect == effects.get(channel, OPEN), channel
        assert effect.allowed is effects.get(channel, OPEN).allowed  # a bool, never None


def test_only_letters_only_and_a_single_point_of_contact_touch_email() -> None:
    rulings = {r.type: r.email_handling() for r in EXAMPLES}
    assert rulings == {
        "telephone-via-third-party": None,
        "letters-only": EmailHandling(
            action=EmailAction.FILE_AND_BLOCK,
            reason="letters-only restriction in force: email is not accepted",
            write_to="PO Box 1, Town, AB1 2CD",
        ),
        "appointment-only-visits": None,
        "single-point-of-contact": EmailHandling(
            action=EmailAction.ROUTE_TO_OFFICER,
            reason="single point of contact in force",
            officer_email="sam@example.org",
        ),
        "witness-at-personal-contact": None,
        "social-media": None,
        "other": None,
    }


@pytest.mark.parametrize(
    ("restriction", "wording"),
    [
        (
            EXAMPLES[0],
            LetterWording(
                title="Telephone contact only through a third party",
                details="We will take telephone calls about your enquiries only from Ann Lee "
                "(solicitor), acting on your behalf.",
            ),
        ),
        (
            EXAMPLES[1],
            LetterWording(
                title="Contact by letter only",
                details="We will not accept emails or telephone calls from you. Please write to "
                "us at: PO Box 1, Town, AB1 2CD. Emails you send will not be answered: they "
                "will be kept on your file and read by a named officer for any new information.",
            ),
        ),
        (
            EXAMPLES[2],
            LetterWording(
                title="Visits by appointment only",
                details="You may visit us by appointment only, at Town Hall.",
            ),
        ),
        (
            EXAMPLES[3],
            LetterWording(
                title="A single point of contact",
                details="Your contact with us will be through Sam Officer (sam@example.org) "
                "only, on Tuesday and Thursday between 10:00 and 12:00.",
            ),
        ),
        (
            EXAMPLES[4],
            LetterWording(
                title="A witness at personal contact",
                details="Any personal contact with our staff will take place with an "
                "appropriate witness present.",
            ),
        ),
        (EXAMPLES[5], LetterWording(title="Our social media sites", details="Facebook and X")),
        (EXAMPLES[6], LetterWording(title="Other", details="no parcels left at reception")),
    ],
    ids=lambda v: v.type if isinstance(v, RestrictionType) else "",
)
def test_each_type_is_stated_in_a_letter_in_exactly_these_words(
    restriction: Restriction, wording: LetterWording
) -> None:
    assert restriction.letter_wording() == wording


@pytest.mark.parametrize(
    ("days", "said"),
    [
        ((Weekday.WEDNESDAY,), "on Wednesday between"),
        ((Weekday.MONDAY, Weekday.FRIDAY), "on Monday and Friday between"),
        (
            (Weekday.MONDAY, Weekday.WEDNESDAY, Weekday.FRIDAY),
            "on Monday, Wednesday and Friday between",
        ),
        (tuple(Weekday), "on Monday, Tuesday, Wednesday, Thursday and Friday between"),
    ],
)
def test_a_single_point_of_contact_letter_lists_its_days_as_a_sentence(
    days: tuple[Weekday, ...], said: str
) -> None:
    officer = EXAMPLES[3]
    assert isinstance(officer, SinglePointOfContact)
    details = officer.model_copy(update={"days": days}).letter_wording().details
    assert f"(sam@example.org) only, {said} 10:00 and 12:00." in details


@pytest.mark.parametrize(
    ("words", "joined"),
    [
        ((), ""),
        (("email",), "email"),
        (("email", "letter"), "email and letter"),
        (("email", "letter", "visit"), "email, letter and visit"),
        (("a", "b", "c", "d"), "a, b, c and d"),
    ],
)
def test_words_are_listed_as_a_letter_lists_them(words: tuple[str, ...], joined: str) -> None:
    assert join_words(words) == joined


def test_the_refusal_of_an_officer_outside_the_organisation_says_why() -> None:
    with pytest.raises(RuleViolation) as refused:
        EXAMPLES[3].check_terms(PolicyTerms(organisation_domains=("housing.example",)))
    assert refused.value.message == (
        "a single point of contact's email address must be in one of the "
        "organisation's own domains (OrganisationDomains)"
    )
    EXAMPLES[3].check_terms(PolicyTerms(organisation_domains=("example.org",)))


def test_something_in_the_union_that_is_not_a_restriction_type_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Stranger:
        pass

    monkeypatch.setattr(restrictions, "RESTRICTION_TYPES", (*RESTRICTION_TYPES, Stranger))
    with pytest.raises(AssertionError, match=r"^Stranger is not a RestrictionType$"):
        check_restriction_types()


def test_a_type_with_an_empty_tag_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    class Untagged(RestrictionType):
        type: Literal[""] = ""

        def channel_effect(self, channel: Channel) -> ChannelEffect:
            return ChannelEffect(True)

        def email_handling(self) -> EmailHandling | None:
            return None

        def letter_wording(self) -> LetterWording:
            return LetterWording(title="t", details="d")

        def contact_terms(self, channel: Channel) -> str | None:
            return None

    monkeypatch.setattr(restrictions, "RESTRICTION_TYPES", (*RESTRICTION_TYPES, Untagged))
    with pytest.raises(AssertionError, match="its own `type` tag"):
        check_restriction_types()


def test_a_complete_type_without_a_record_of_abstract_methods_passes_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Every real type has the record (pydantic's metaclass is ABCMeta); the check reads a
    # missing one as "lacks nothing", it never fails on it.
    class Unrecorded(RestrictionType):
        type: Literal["unrecorded"] = "unrecorded"

        def channel_effect(self, channel: Channel) -> ChannelEffect:
            return ChannelEffect(True)

        def email_handling(self) -> EmailHandling | None:
            return None

        def letter_wording(self) -> LetterWording:
            return LetterWording(title="t", details="d")

    del Unrecorded.__abstractmethods__
    monkeypatch.setattr(restrictions, "RESTRICTION_TYPES", (*RESTRICTION_TYPES, Unrecorded))
    check_restriction_types()
