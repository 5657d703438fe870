"""Issue 14, findings 6 and 8: strict email addresses and single-line text, checked where
they enter (the domain's types), tolerant of data already held.

Each bad value is an attack or a mistake that used to be accepted; the error names the rule
and never repeats the value (errors may reach logs).
"""

from __future__ import annotations

from email.headerregistry import Address

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from contactguard.domain.model import (
    BIDI_CONTROLS,
    STORED,
    Contact,
    Customer,
    PostalAddress,
    in_domains,
    normalise_email,
    one_line,
)
from contactguard.domain.restrictions import (
    SinglePointOfContact,
)
from contactguard.settings import CoreSettings

LONG_LOCAL = "a" * 64
# 255 characters: 64 + 1 + 190 (a valid domain of 63-character labels).
TOO_LONG = f"{LONG_LOCAL}@{'b' * 63}.{'c' * 63}.{'d' * 58}.org"
assert len(TOO_LONG) == 255

BAD_ADDRESSES = [
    # (the address, what the error says)
    ("off@landlord.example,spy@evil.example", "no commas or semicolons"),
    ("off@landlord.example;spy@evil.example", "no commas or semicolons"),
    ("a@b.com\r\nBcc: x@y.com", "line breaks or control characters"),
    ("a@b.com\nBcc: x@y.com", "line breaks or control characters"),
    ("a@b.com\r", "line breaks or control characters"),
    ("a@b.com\x00", "line breaks or control characters"),
    ("a\u202e@b.com", "line breaks or control characters"),
    ("x@@example.com", "exactly one @"),
    ("x@y@example.com", "exactly one @"),
    ("example.com", "exactly one @"),
    ("@example.com", "local part"),
    (TOO_LONG, "at most 254 characters"),
    (f"{'a' * 65}@example.com", "at most 64 characters"),
    ('"Officer" <off@landlord.example>', "spaces"),
    ("Officer <off@landlord.example>", "spaces"),
    ("<off@landlord.example>", "no display name"),
    ("off(comment)@landlord.example", "comments"),
    ('"off"@landlord.example', "quotes"),
    ("off..icer@landlord.example", "doubled"),
    (".off@landlord.example", "not first"),
    ("off@localhost", "at least one dot"),
    ("off@landlord..example", "labels"),
    ("off@-landlord.example", "labels"),
    ("off@landlord-.example", "labels"),
    ("off@landlord.example.", "labels"),
    ("off@[192.0.2.1]", "labels"),
    ("off@192.0.2.1", "not a number"),
    ("off@under_score.example", "labels"),
    ("", "required"),
    ("   ", "required"),
]

GOOD_ADDRESSES = [
    ("off@landlord.example", "off@landlord.example"),
    ("Off.Icer@Landlord.Example", "off.icer@landlord.example"),
    ("off+contactguard@landlord.example", "off+contactguard@landlord.example"),
    ("j.officer@housing.mail.landlord.example", "j.officer@housing.mail.landlord.example"),
    ("first_last-2@sub-domain.example.co.uk", "first_last-2@sub-domain.example.co.uk"),
    ("  ada@example.org  ", "ada@example.org"),  # spaces around are trimmed
    (f"{LONG_LOCAL}@example.org", f"{LONG_LOCAL}@example.org"),
    ("o'brien@example.org", "o'brien@example.org"),
    ("a@münchen.example", "a@münchen.example"),  # an internationalised domain
]


@pytest.mark.parametrize(("address", "says"), BAD_ADDRESSES)
def test_a_bad_address_is_refused_naming_the_rule_never_the_value(address: str, says: str) -> None:
    with pytest.raises(ValueError, match="email address") as refused:
        normalise_email(address)
    message = str(refused.value)
    assert says in message
    for part in {address.strip(), *address.split("@")}:
        if len(part) >= 4:  # shorter pieces occur in any sentence
            assert part not in message


@pytest.mark.parametrize(("address", "expected"), GOOD_ADDRESSES)
def test_a_good_address_is_kept_lower_cased(address: str, expected: str) -> None:
    assert normalise_email(address) == expected


@pytest.mark.parametrize(("address", "says"), BAD_ADDRESSES)
def test_the_domain_types_refuse_a_bad_address_as_input(address: str, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Customer(customer_id="c1", name="Ada Tenant", emails=(address,))
    (problem,) = refused.value.errors()
    assert problem["loc"] == ("emails", 0)
    assert says in problem["msg"]


def test_an_officer_address_with_a_comma_is_refused() -> None:
    """The attack that worked: the officer copy went to both addresses."""
    with pytest.raises(ValidationError, match="no commas or semicolons"):
        SinglePointOfContact(
            officer_id="off-1",
            officer_name="J. Officer",
            officer_email="off@landlord.example,spy@evil.example",
            days=("tuesday",),
            from_time="10:00",
            to_time="12:00",
        )


@given(st.emails())
def test_whatever_passes_is_one_addr_spec_the_standard_library_reads_back(address: str) -> None:
    try:
        cleaned = normalise_email(address)
    except ValueError:
        return
    assert cleaned == cleaned.lower()
    assert cleaned.count("@") == 1
    assert len(cleaned) <= 254
    assert not any(c in cleaned for c in ',;<>"() \t\r\n')
    parsed = Address(addr_spec=cleaned)
    assert f"{parsed.username}@{parsed.domain}" == cleaned


def test_addresses_held_before_the_strict_check_still_load() -> None:
    """Stored items came through the old validator: they load (cleaned as before), never 500."""
    held = (
        '{"customer_id": "c1", "name": "Ada Tenant", '
        '"emails": ["off@landlord.example,spy@evil.example", "Ada@Example.org"]}'
    )
    customer = Customer.model_validate_json(held, context=STORED)
    assert customer.emails == ("off@landlord.example,spy@evil.example", "ada@example.org")
    with pytest.raises(ValidationError):
        Customer.model_validate_json(held)  # as input: refused


def test_ingests_addresses_round_trip_unchanged() -> None:
    """Ingest stores what email.headerregistry parsed: the strict check accepts it as it is."""
    for header in ("Ada Tenant <Ada.Tenant+repairs@Mail.Example.org>", "bob@example.net"):
        (address,) = Address(addr_spec=header.split("<")[-1].rstrip(">")).addr_spec.split()
        assert normalise_email(address) == address.lower()
        contact = Contact.model_validate_json(
            Contact(
                contact_id="e1",
                customer_id=None,
                channel="email",
                at="2026-12-01T10:00:00+00:00",
                source_address=address,
            ).model_dump_json(),
            context=STORED,
        )
        assert contact.source_address == address.lower()


# Organisation domains --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "inside"),
    [
        ("off@landlord.example", True),
        ("off@mail.landlord.example", True),  # a subdomain is the organisation's too
        ("off@evillandlord.example", False),  # not a subdomain: a different name
        ("off@landlord.example.evil.example", False),
        ("off@example.com", False),
    ],
)
def test_an_address_is_in_the_organisations_domains_or_a_subdomain(
    address: str, inside: bool
) -> None:
    assert in_domains(address, ("landlord.example",)) is inside


def test_organisation_domains_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTGUARD_TABLE_NAME", "t-table")
    monkeypatch.setenv("CONTACTGUARD_ORGANISATION_DOMAINS", " Landlord.Example , housing.example")
    settings = CoreSettings()  # type: ignore[call-arg]
    assert settings.organisation_domains == ("landlord.example", "housing.example")
    assert settings.policy().terms.organisation_domains == ("landlord.example", "housing.example")


@pytest.mark.parametrize(
    "value", ["", "landlord", "landlord.example,evil@x.example", "a b.example"]
)
def test_a_bad_organisation_domain_setting_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CONTACTGUARD_TABLE_NAME", "t-table")
    monkeypatch.setenv("CONTACTGUARD_ORGANISATION_DOMAINS", value)
    with pytest.raises(ValidationError, match="organisation_domains"):
        CoreSettings()  # type: ignore[call-arg]


# Single-line text ------------------------------------------------------------------------

BIDI = sorted(BIDI_CONTROLS)
assert len(BIDI) == 12
LINE_BREAKS = ["\n", "\r", "\r\n", "\v", "\f", "\x1c", "\x85", "\u2028", "\u2029", "\t", "\x00"]


@pytest.mark.parametrize("control", BIDI)
def test_a_name_with_a_bidi_control_is_refused(control: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Customer(customer_id="c1", name=f"Ada {control}tnaneT")
    (problem,) = refused.value.errors()
    assert problem["loc"] == ("name",)
    assert "rule single-line" in problem["msg"]
    assert "bidirectional" in problem["msg"]


@pytest.mark.parametrize("brk", LINE_BREAKS)
def test_a_name_or_address_line_over_two_lines_is_refused_not_joined(brk: str) -> None:
    with pytest.raises(ValidationError, match="rule single-line"):
        Customer(customer_id="c1", name=f"Ada{brk}Tenant")
    with pytest.raises(ValidationError, match="rule single-line") as refused:
        PostalAddress(lines=("1 High Street", f"Derby{brk}DE1 1AA"), postcode="DE1 1AA")
    assert refused.value.errors()[0]["loc"] == ("lines", 1)
    with pytest.raises(ValidationError, match="rule single-line"):
        PostalAddress(lines=("1 High Street",), postcode=f"DE1{brk}1AA")


def test_single_line_fields_of_restrictions_are_checked() -> None:
    with pytest.raises(ValidationError, match="rule single-line") as refused:
        SinglePointOfContact(
            officer_id="off-1",
            officer_name="J. Officer\u202eevil",
            officer_email="off@landlord.example",
            days=("tuesday",),
            from_time="10:00",
            to_time="12:00",
        )
    assert refused.value.errors()[0]["loc"] == ("officer_name",)


def test_surrounding_whitespace_is_trimmed_and_other_text_kept() -> None:
    customer = Customer(customer_id="c1", name="  Ada O'Brien-Tenant \n", emails=())
    assert customer.name == "Ada O'Brien-Tenant"
    arabic = Customer(customer_id="c2", name="أحمد الساكن")  # right-to-left script is fine
    assert arabic.name == "أحمد الساكن"


def test_a_clean_name_held_loads_exactly_as_stored() -> None:
    held = '{"customer_id": "c1", "name": "Ada  van  Tenant"}'
    assert Customer.model_validate_json(held, context=STORED).name == "Ada  van  Tenant"


def test_a_name_held_before_the_check_loads_as_one_clean_line() -> None:
    held = (
        '{"customer_id": "c1", "name": "Ada\\u202e Tenant\\r\\nBcc", '
        '"address": {"lines": ["1 High\\nStreet", "\\u2066Derby\\u2069"], "postcode": "DE1 1AA"}}'
    )
    customer = Customer.model_validate_json(held, context=STORED)
    assert customer.name == "Ada Tenant Bcc"
    assert customer.address is not None
    assert customer.address.lines == ("1 High Street", "Derby")


@given(st.text(max_size=40))
def test_one_line_leaves_no_break_or_bidi_control(text: str) -> None:
    cleaned = one_line(text)
    assert not any(c in BIDI_CONTROLS for c in cleaned)
    assert len(cleaned.splitlines()) <= 1
    assert one_line(cleaned) == cleaned
    if cleaned != text:  # only text that needed it changes
        assert cleaned == cleaned.strip()
