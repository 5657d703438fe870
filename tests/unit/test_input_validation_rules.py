"""Issue 14's input rules at their edges: the exact sentence each refusal shows a person, the
internationalised-domain label rules at their boundaries, the organisation-domain test on
spellings held data may have, and how addresses held before the strict check are read back.

test_input_validation.py shows each attack is refused; these pin what the person is told and
where each limit falls (they are also what the mutation check runs against model.py).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from contactguard.domain.model import STORED, Customer, in_domains, normalise_email

LABELS = (
    "the domain of an email address needs at least one dot and labels of letters, digits and "
    "inner hyphens"
)
ADDR_SPEC = "not an email address (addr-spec)"


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("", "an email address is required"),
        (
            "ada@example.org\r\nBcc: x@y.com",
            ("an email address cannot contain spaces, line breaks or control characters"),
        ),
        ("ada@example.org,spy@evil.example", "one email address only: no commas or semicolons"),
        ("ada@@example.org", "an email address has exactly one @"),
        ("@example.org", "an email address needs a local part before the @"),
        ("ada@localhost", LABELS),
        ("ada@192.0.2.1", "the domain of an email address must be a name, not a number"),
        # An RFC 2047 encoded word as the local part: mail software would decode it into a
        # different mailbox, so the standard library refuses to read it back.
        ("=?us-ascii?q?evil?=@example.org", ADDR_SPEC),
        ("=?utf-8?q?=ff?=@example.org", ADDR_SPEC),
    ],
    ids=["empty", "line-break", "comma", "two-at", "no-local", "no-dot", "number", "ew", "ew-8bit"],
)
def test_each_refusal_tells_the_person_exactly_which_rule(address: str, message: str) -> None:
    with pytest.raises(ValueError, match="email address") as refused:
        normalise_email(address)
    assert str(refused.value) == message
    with pytest.raises(ValidationError) as as_input:
        Customer(customer_id="c1", name="Ada Tenant", emails=(address,))
    assert as_input.value.errors()[0]["msg"] == f"Value error, {message}"


# Internationalised domains (U-labels) ---------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "ada@ü.example",  # a one-letter label
        f"ada@{'ü' * 63}.example",  # the longest label DNS allows
        "ada@mü-nchen.example",  # an inner hyphen
        "ada@bücher2.example",  # digits among letters
    ],
    ids=["one-letter", "63-letters", "inner-hyphen", "digits"],
)
def test_an_internationalised_domain_within_the_label_rules_is_accepted(address: str) -> None:
    assert normalise_email(address) == address


@pytest.mark.parametrize(
    "address",
    [
        f"ada@{'ü' * 64}.example",  # one letter over a DNS label
        "ada@-münchen.example",  # a leading hyphen
        "ada@münchen-.example",  # a trailing hyphen
        "ada@-münchen-.example",
        "ada@mü_nchen.example",  # not a letter, digit or hyphen
        "ada@mü!nchen.example",
    ],
    ids=["64-letters", "leading-hyphen", "trailing-hyphen", "both-hyphens", "underscore", "bang"],
)
def test_an_internationalised_label_breaking_a_rule_is_refused(address: str) -> None:
    with pytest.raises(ValueError, match="email address") as refused:
        normalise_email(address)
    assert str(refused.value) == LABELS


@pytest.mark.parametrize(
    "address", ["tenant@365.example", "tenant@mail.365.example", "tenant@1.2.example.org"]
)
def test_numeric_labels_are_fine_when_the_top_level_one_is_a_name(address: str) -> None:
    assert normalise_email(address) == address


# Organisation domains -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("off@landlord.example.", True),  # the fully-qualified spelling, trailing dot
        ("off@mail.landlord.example.", True),
        ('"off@home"@landlord.example', True),  # an @ quoted in the local part
        ('"off@landlord.example"@evil.example', False),
        ("off@LANDLORD.Example", True),
        ("off@landlord.example.evil.example.", False),
    ],
)
def test_the_organisation_domain_is_read_from_the_last_at_whatever_the_spelling(
    address: str, inside: bool
) -> None:
    """Held addresses came through looser checks: their domain is still what decides."""
    assert in_domains(address, ("landlord.example",)) is inside


# Addresses held before the strict check -------------------------------------------------------


def test_a_held_address_in_angle_brackets_loads_as_the_bare_address() -> None:
    held = '{"customer_id": "c1", "name": "Xavier Tenant", "emails": [" <Xavier@Example.org> "]}'
    assert Customer.model_validate_json(held, context=STORED).emails == ("xavier@example.org",)


# Single-line text -----------------------------------------------------------------------------


def test_the_single_line_refusals_say_what_is_wrong() -> None:
    with pytest.raises(ValidationError) as two_lines:
        Customer(customer_id="c1", name="Ada\nTenant")
    assert two_lines.value.errors()[0]["msg"] == (
        "Value error, must be a single line: no line breaks, tabs or control characters "
        "(rule single-line)"
    )
    with pytest.raises(ValidationError) as reordered:
        Customer(customer_id="c1", name="Ada \u202etnaneT")
    assert reordered.value.errors()[0]["msg"] == (
        "Value error, must not contain bidirectional control characters (they change how text "
        "is displayed) (rule single-line)"
    )
