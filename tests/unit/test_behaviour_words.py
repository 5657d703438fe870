"""What a letter says the customer did: only what staff saw of a policy example (item 5 of
the letters issue), checked on every behaviour and every choice of its alternatives."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from tests.unit.builders import concern_raised, impose, raise_concern

from contactguard.domain.case import CaseEventType, ImposeRestrictions, RaiseConcern
from contactguard.domain.model import (
    ASPECTS,
    BEHAVIOUR_WORDS,
    Aspect,
    Behaviour,
    describe_behaviour,
)

WITH_ASPECTS = sorted(ASPECTS)


@st.composite
def behaviour_and_aspects(draw: st.DrawFn) -> tuple[Behaviour, tuple[Aspect, ...]]:
    behaviour = draw(st.sampled_from(WITH_ASPECTS))
    allowed = ASPECTS[behaviour][0]
    seen = draw(st.lists(st.sampled_from(allowed), min_size=1, unique=True))
    return behaviour, tuple(seen)


@given(behaviour_and_aspects())
def test_a_letter_names_each_aspect_seen_and_no_other(
    case: tuple[Behaviour, tuple[Aspect, ...]],
) -> None:
    behaviour, seen = case
    words = describe_behaviour(behaviour, seen)
    assert " or " not in f" {words} "  # never the policy's list of alternatives
    for aspect in ASPECTS[behaviour][0]:
        assert (aspect.value in re.findall(r"[a-z]+", words)) is (aspect in seen), (aspect, words)


def test_the_wording_for_many_emails_and_for_threatening_ones() -> None:
    emails = Behaviour.EXCESSIVE_EMAILS
    assert (
        describe_behaviour(emails, (Aspect.EXCESSIVE,)) == "sending an excessive number of emails"
    )
    assert describe_behaviour(emails, (Aspect.OFFENSIVE, Aspect.THREATENING)) == (
        "sending multiple threatening and offensive emails"  # the policy's order
    )
    assert describe_behaviour(Behaviour.HISTORIC_DECISION, (Aspect.IRREVERSIBLE,)) == (
        "persistently challenging an irreversible decision"
    )
    assert describe_behaviour(Behaviour.HISTORIC_DECISION, (Aspect.HISTORIC,)) == (
        "persistently challenging a historic decision"
    )
    assert describe_behaviour(Behaviour.TRIVIAL_NEW_INFORMATION, (Aspect.TRIVIAL,)) == (
        "introducing trivial new information while a complaint is investigated"
    )
    assert describe_behaviour(emails, (Aspect.OFFENSIVE, Aspect.EXCESSIVE, Aspect.THREATENING)) == (
        "sending an excessive number of threatening and offensive emails"
    )
    language = (Aspect.THREATENING, Aspect.OFFENSIVE, Aspect.FOUL)
    assert describe_behaviour(Behaviour.THREATENING_LANGUAGE, language) == (
        "repeatedly using threatening, offensive and foul language when speaking to our staff"
    )


@pytest.mark.parametrize("behaviour", list(Behaviour))
def test_with_nothing_recorded_a_behaviour_keeps_the_policy_words(behaviour: Behaviour) -> None:
    assert describe_behaviour(behaviour) == BEHAVIOUR_WORDS[behaviour]


@pytest.mark.parametrize(
    ("aspects", "refusal"),
    [
        (
            {Behaviour.SCATTERGUN: (Aspect.NEW,)},
            "aspects are given for scattergun-approach, which is not chosen",
        ),
        (
            {Behaviour.EXCESSIVE_EMAILS: (Aspect.FOUL, Aspect.NEW)},
            "multiple-threatening-or-excessive-emails may be threatening, offensive, excessive; "
            "not foul, new",
        ),
        (
            {Behaviour.EXCESSIVE_EMAILS: ()},
            "choose each aspect of multiple-threatening-or-excessive-emails once, at least one",
        ),
        ({Behaviour.EXCESSIVE_EMAILS: (Aspect.EXCESSIVE, Aspect.EXCESSIVE)}, "once, at least one"),
    ],
)
def test_aspects_that_do_not_fit_the_behaviours_are_refused_in_plain_words(
    aspects: dict[Behaviour, tuple[Aspect, ...]], refusal: str
) -> None:
    with pytest.raises(ValidationError, match=refusal):
        RaiseConcern.model_validate(raise_concern().model_dump() | {"aspects": aspects})


def test_a_behaviour_without_alternatives_takes_no_aspects() -> None:
    wrong = {"behaviours": [Behaviour.SCATTERGUN], "aspects": {Behaviour.SCATTERGUN: [Aspect.NEW]}}
    with pytest.raises(ValidationError, match="scattergun-approach has no aspects to choose from"):
        RaiseConcern.model_validate(raise_concern().model_dump() | wrong)
    with pytest.raises(ValidationError, match="has no aspects to choose from"):
        ImposeRestrictions.model_validate(impose().model_dump() | wrong)


def test_the_events_record_what_staff_saw() -> None:
    story = concern_raised()
    raised = next(e for e in story.events if e.type is CaseEventType.CONCERN_RAISED)
    assert raised.data["aspects"] == {
        "multiple-threatening-or-excessive-emails": ["excessive", "threatening"]
    }
    assert story.current.concern is not None
    assert story.current.concern.aspects == {
        Behaviour.EXCESSIVE_EMAILS: (Aspect.EXCESSIVE, Aspect.THREATENING)
    }
