"""The restriction types (policy s.4, Step 2): one module each, and the union of them all.

Each type's module holds everything about it (`base.RestrictionType`): its details, its
effect and condition on each channel, what it does to email, how letters state it and any
rule its details must meet. A new type is one module here (and its tests) plus its line in
`Restriction` below; importing this package checks that every module's type is in the union
and that every type in the union says everything a type must.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, get_args

from pydantic import Field

from contactguard.domain.restrictions.appointment_only_visits import AppointmentOnlyVisits
from contactguard.domain.restrictions.base import (
    NO_EFFECT,
    ChannelEffect,
    EmailAction,
    EmailHandling,
    LetterWording,
    RestrictionType,
    join_words,
)
from contactguard.domain.restrictions.letters_only import LettersOnly
from contactguard.domain.restrictions.other import OtherRestriction
from contactguard.domain.restrictions.single_point_of_contact import SinglePointOfContact
from contactguard.domain.restrictions.social_media import SocialMediaRestriction
from contactguard.domain.restrictions.telephone_via_third_party import TelephoneViaThirdParty
from contactguard.domain.restrictions.witness_at_personal_contact import (
    WitnessAtPersonalContact,
)

Restriction = Annotated[
    TelephoneViaThirdParty
    | LettersOnly
    | AppointmentOnlyVisits
    | SinglePointOfContact
    | WitnessAtPersonalContact
    | SocialMediaRestriction
    | OtherRestriction,
    Field(discriminator="type"),
]

RESTRICTION_TYPES: tuple[type[RestrictionType], ...] = get_args(get_args(Restriction)[0])


def _every_subclass(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    for sub in tuple(found):
        found |= _every_subclass(sub)
    return found


def check_restriction_types() -> None:
    """Every type defined in this package is in the union, is complete and has its own tag."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    defined = {t for t in _every_subclass(RestrictionType) if t.__module__.startswith(__name__)}
    outside = sorted(t.__name__ for t in defined - set(RESTRICTION_TYPES))
    if outside:
        raise AssertionError(f"restriction types missing from the Restriction union: {outside}")
    for t in RESTRICTION_TYPES:
        if not issubclass(t, RestrictionType):
            raise AssertionError(f"{t.__name__} is not a RestrictionType")
        lacking = sorted(getattr(t, "__abstractmethods__", ()))
        if lacking:
            raise AssertionError(f"restriction type {t.__name__} lacks {lacking}")
    tags = [t.model_fields["type"].default for t in RESTRICTION_TYPES]
    if len(set(tags)) != len(tags) or not all(isinstance(tag, str) and tag for tag in tags):
        raise AssertionError(f"each restriction type needs its own `type` tag: {tags}")


check_restriction_types()

__all__ = [
    "NO_EFFECT",
    "RESTRICTION_TYPES",
    "AppointmentOnlyVisits",
    "ChannelEffect",
    "EmailAction",
    "EmailHandling",
    "LetterWording",
    "LettersOnly",
    "OtherRestriction",
    "Restriction",
    "RestrictionType",
    "SinglePointOfContact",
    "SocialMediaRestriction",
    "TelephoneViaThirdParty",
    "WitnessAtPersonalContact",
    "check_restriction_types",
    "join_words",
]
