"""The organisation's details, in one place: who writes the letters, where to write, which
numbers to ring, where to appeal, who helps with adjustments and which Ombudsman applies.

One JSON document, validated by `Organisation`. The packaged one (`data/organisation.json`,
the example landlord the demo and tests use) is the default; a deployment gives its own,
whole, in the `OrganisationDetails` template parameter, which reaches the letters and ingest
functions as `CONTACTGUARD_ORGANISATION` (README, Configuration). A document that breaks a
rule is refused when the function starts, naming the field, never half used.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints
from pydantic_settings import NoDecode

from contactguard.domain.model import EmailAddress, Frozen, PostalAddress, SingleLine

# A UK number as a letter prints it: digits and single spaces, an optional leading +
# (e.g. "0300 111 3000", "18001 0300 111 3000" for Relay UK).
Telephone = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]+( [0-9]+)*$", max_length=30)
]
Website = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9.-]+\.[a-z]{2,}(/\S*)?$")
]


class Appeals(Frozen):
    team: SingleLine = "Customer Experience Team"  # policy s.5: appeals are addressed to them
    address: PostalAddress | None = None  # None: the organisation's address
    email: EmailAddress


class EmergencyLine(Frozen):
    """The line every restriction leaves open: emergency repairs, safety and safeguarding."""

    telephone: Telephone
    hours: SingleLine
    covers: SingleLine  # what it is for, as a letter says it ("an emergency repair, or ...")


class AdjustmentsContact(Frozen):
    """Where a customer asks for a reasonable adjustment or help to contact us."""

    telephone: Telephone
    relay_uk: Telephone  # Relay UK: 18001 then the number, from a textphone or the app
    email: EmailAddress


class Ombudsman(Frozen):
    name: SingleLine
    handles: SingleLine  # what it deals with, as a letter says it
    telephone: Telephone
    address: PostalAddress
    website: Website


class Organisation(Frozen):
    version: Literal[1] = 1
    name: SingleLine
    address: PostalAddress  # the letterhead's
    telephone: Telephone  # customer services: the line a named point of contact is reached on
    telephone_hours: SingleLine
    email: EmailAddress  # customer services' address, where no restriction limits email
    # Where a customer writes to a point of contact or under a letters-only restriction; None:
    # the letterhead's address, so a letter never shows two addresses unless configured to.
    point_of_contact_address: PostalAddress | None = None
    appeals: Appeals
    emergency: EmergencyLine
    adjustments: AdjustmentsContact
    ombudsman: Ombudsman  # the one that handles this landlord's housing complaints
    other_ombudsmen: tuple[Ombudsman, ...] = Field(default=(), max_length=3)

    @property
    def contact_address(self) -> PostalAddress:
        return self.point_of_contact_address or self.address

    @property
    def appeal_address(self) -> PostalAddress:
        return self.appeals.address or self.address

    @property
    def write_to(self) -> str:
        """Where a customer writes, on one line: "Derby Homes, PO Box 1, Derby DE1 1AA"."""
        return f"{self.name}, {one_line_address(self.contact_address)}"


def one_line_address(address: PostalAddress) -> str:
    """An address on one line: "PO Box 1, Derby DE1 1AA"."""
    *rest, last = address.lines
    return ", ".join([*rest, f"{last} {address.postcode}"])


def address_lines(address: PostalAddress) -> list[str]:
    return [*address.lines, address.postcode]


@lru_cache(maxsize=1)
def shipped_organisation() -> Organisation:
    """The packaged example document (data/organisation.json)."""
    text = resources.files("contactguard").joinpath("data/organisation.json").read_text("utf-8")
    return Organisation.model_validate_json(text)


def _document(value: object) -> object:
    """The setting's value: empty means the packaged document; text must be a JSON object."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return shipped_organisation()
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"the organisation's details are not a JSON document: {error}"
            ) from None
    return value


# A settings field (CONTACTGUARD_ORGANISATION): a JSON document, or empty or unset for the
# packaged one (letters and ingest read it).
OrganisationSetting = Annotated[
    Organisation,
    NoDecode,
    BeforeValidator(_document),
    Field(default_factory=shipped_organisation),
]
