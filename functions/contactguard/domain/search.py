"""Finding a customer by what a caller says: a UK postcode, a name, an email address or a
customer reference, each in the one form that the store indexes and a search compares.

Pure functions: no AWS, no environment. Errors are for the person typing (they name what to
enter, never repeat the value: messages may reach logs).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from contactguard.domain.model import Customer, normalise_email

# Postcodes ----------------------------------------------------------------------------------

ENTER_FULL_POSTCODE: Final = "Enter a full postcode, like DE1 1AA"
# A UK postcode: the outward code (area, district: DE1, SW1A, M1) and the inward code (sector
# digit and unit letters: 1AA). GIR 0AA (Girobank) is the one that breaks the pattern.
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_INWARD = r"[0-9][A-Z]{2}"
_POSTCODE: Final = re.compile(rf"({_OUTWARD}|GIR)({_INWARD})")
# What a postcode being typed looks like: letters, then a digit, letters and digits and
# spaces after it (a partial one, "DE1", or one with a typo, "DE1 1A").
_POSTCODE_SHAPED: Final = re.compile(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9 ]*")


def normalise_postcode(text: str) -> str:
    """A full UK postcode in its one written form: upper case, one space before the inward
    code ("de11aa", " De1  1aa " -> "DE1 1AA"). Anything else raises ValueError."""
    compact = "".join(text.split()).upper()
    found = _POSTCODE.fullmatch(compact)
    if found is None or (found.group(1) == "GIR" and found.group(2) != "0AA"):
        raise ValueError(ENTER_FULL_POSTCODE)
    return f"{found.group(1)} {found.group(2)}"


def postcode_or_none(text: str | None) -> str | None:
    """A held postcode in its normal form; None when it is not a full UK postcode (free text
    held from before, or an address abroad): such a customer is not found by postcode."""
    if not text:
        return None
    try:
        return normalise_postcode(text)
    except ValueError:
        return None


def postcode_of(customer: Customer) -> str | None:
    """The postcode a customer is found by, if their address has a full UK one."""
    return postcode_or_none(customer.address.postcode) if customer.address else None


def looks_like_postcode(text: str) -> bool:
    """Whether the text is shaped like a postcode, full or not: a name has no digits, and a
    reference no spaces, so "DE1 1A" is a postcode typed wrongly, not a name or a reference."""
    stripped = text.strip()
    if postcode_or_none(stripped) is not None:
        return True
    return " " in stripped and _POSTCODE_SHAPED.fullmatch(stripped) is not None


# Names --------------------------------------------------------------------------------------

MAX_NAME_TOKENS: Final = 8  # a name is indexed (and searched) by at most this many words
# Titles said before a name, left out of its words: "Mrs Smith" finds "Jane Smith".
TITLES: Final = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "revd", "sir", "dame", "lady", "lord"}
)
_APOSTROPHES: Final = frozenset("'\u2019\u02bc`")
_WORD: Final = re.compile(r"[^\W_]+")  # letters and digits: hyphens, dots, spaces divide


def name_tokens(name: str) -> tuple[str, ...]:
    """A name's words as a search compares them: case-folded, accents dropped ("Zoë" is
    "zoe"), apostrophes closed up ("O'Brien" is "obrien"), split at spaces, hyphens and
    other punctuation, titles before the name left out, each word once, at most
    MAX_NAME_TOKENS of them. "Mrs Jane Smith-Jones" -> ("jane", "smith", "jones")."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c) and c not in _APOSTROPHES)
    words = _WORD.findall(plain)
    while len(words) > 1 and words[0] in TITLES:
        words = words[1:]
    return tuple(dict.fromkeys(words))[:MAX_NAME_TOKENS]


def name_key(name: str) -> str:
    """A name's words as one string: the order customers found are listed in."""
    return " ".join(name_tokens(name))


def listing_key(name: str, customer_id: str) -> str:
    """Where a customer comes in a list of those found (the index's sort key): by name's
    words, then by reference. The words hold no "#", so the key splits back at the first."""
    return f"{name_key(name)}#{customer_id}"


def name_matches(query: tuple[str, ...], held: tuple[str, ...]) -> bool:
    """Whether every word searched for is a word of the held name, in any order; a single
    letter is an initial, matching a word that starts with it ("J Smith" finds "Jane Smith").
    An empty search matches nothing."""
    return bool(query) and all(
        word in held or (len(word) == 1 and any(h.startswith(word) for h in held)) for word in query
    )


def search_word(query: tuple[str, ...]) -> str:
    """The word a name search is looked up by: the longest that is not an initial (the most
    telling, usually the fewest customers); the others are checked against each one found.
    ValueError when there is none."""
    words = [word for word in query if len(word) > 1]
    if not query:
        raise ValueError("Enter a name in letters")
    if not words:
        raise ValueError("Enter a name, not only initials")
    return max(words, key=len)


# One box: what was entered ------------------------------------------------------------------


class SearchBy(StrEnum):
    EMAIL = "email"
    POSTCODE = "postcode"
    REFERENCE = "reference"
    NAME = "name"


@dataclass(frozen=True)
class CallerSearch:
    by: SearchBy
    value: str  # normalised: the email address, the postcode, the reference, or the name


MAX_REFERENCE_LENGTH: Final = 64  # Customer.customer_id


def read_caller_search(text: str) -> CallerSearch:
    """What a call handler typed in the one search box, by its shape: an "@" is an email
    address; a postcode shape ("DE1 1AA", "de11aa", or a partial one with a space, which is
    refused) a postcode; a word with a digit or starting "cust-" and no spaces a customer
    reference; anything else a name. ValueError (the message for the person) otherwise."""
    value = text.strip()
    if not value:
        raise ValueError("Enter the caller's name, email address, postcode or customer reference")
    if "@" in value:
        return CallerSearch(SearchBy.EMAIL, normalise_email(value))
    if looks_like_postcode(value):
        return CallerSearch(SearchBy.POSTCODE, normalise_postcode(value))
    if not any(c.isspace() for c in value) and (
        any(c.isdigit() for c in value) or value.lower().startswith("cust-")
    ):
        if len(value) > MAX_REFERENCE_LENGTH:
            raise ValueError(f"A customer reference is at most {MAX_REFERENCE_LENGTH} characters")
        return CallerSearch(SearchBy.REFERENCE, value)
    if any(c.isdigit() for c in value):
        raise ValueError(
            "Enter a name without numbers, a full postcode like DE1 1AA, or a customer "
            "reference without spaces"
        )
    search_word(name_tokens(value))  # a name with at least one whole word
    return CallerSearch(SearchBy.NAME, value)
