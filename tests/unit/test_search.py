"""Finding a caller: postcodes and names in the one form the index holds and a search compares,
and what the one search box reads a call handler's words as."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactguard.domain.search import (
    ENTER_FULL_POSTCODE,
    MAX_NAME_TOKENS,
    CallerSearch,
    SearchBy,
    looks_like_postcode,
    name_key,
    name_matches,
    name_tokens,
    normalise_postcode,
    postcode_or_none,
    read_caller_search,
    search_word,
)

# Postcodes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("DE1 1AA", "DE1 1AA"),
        ("de11aa", "DE1 1AA"),
        ("  De1   1aA ", "DE1 1AA"),
        ("sw1a 2aa", "SW1A 2AA"),
        ("M1 1AE", "M1 1AE"),
        ("B338TH", "B33 8TH"),
        ("cr2 6xh", "CR2 6XH"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A1BB", "EC1A 1BB"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_a_full_postcode_is_written_in_capitals_with_one_space_before_the_inward_code(
    typed: str, written: str
) -> None:
    assert normalise_postcode(typed) == written


@pytest.mark.parametrize(
    "typed", ["", "DE1", "DE1 1A", "DE1 1AAA", "1DE 1AA", "DE 1AA", "GIR 1AA", "DE1-1AA", "Smith"]
)
def test_anything_but_a_full_postcode_is_refused_with_what_to_enter(typed: str) -> None:
    with pytest.raises(ValueError, match=f"^{ENTER_FULL_POSTCODE}$"):
        normalise_postcode(typed)
    assert postcode_or_none(typed) is None


OUTWARD = st.from_regex(r"[A-Z]{1,2}[0-9][A-Z0-9]?", fullmatch=True)
INWARD = st.from_regex(r"[0-9][A-Z]{2}", fullmatch=True)


@given(OUTWARD, INWARD, st.sampled_from(["", " ", "  "]), st.booleans())
def test_any_full_postcode_reads_the_same_however_it_is_spaced_or_cased(
    outward: str, inward: str, space: str, lower: bool
) -> None:
    typed = f"{outward}{space}{inward}"
    written = normalise_postcode(typed.lower() if lower else typed)
    assert written == f"{outward} {inward}"
    assert normalise_postcode(written) == written  # idempotent
    assert looks_like_postcode(typed)


@given(st.text(max_size=12))
def test_any_text_is_refused_or_a_postcode_in_its_written_form(text: str) -> None:
    written = postcode_or_none(text)
    if written is None:
        with pytest.raises(ValueError, match=f"^{ENTER_FULL_POSTCODE}$"):
            normalise_postcode(text)
        return
    outward, inward = written.split(" ")
    assert written.upper() == written
    assert len(inward) == 3
    assert 2 <= len(outward) <= 4


# Names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Mrs Jane Smith", ("jane", "smith")),
        ("JANE  smith", ("jane", "smith")),
        ("Zoë O'Brien", ("zoe", "obrien")),
        ("Zoe O\u2019Brien", ("zoe", "obrien")),
        ("Anne-Marie Smith-Jones", ("anne", "marie", "smith", "jones")),
        ("Dr. A. Tenant", ("a", "tenant")),
        ("Lord", ("lord",)),  # a title only when a name follows it
        ("John Lord", ("john", "lord")),
        ("Straße", ("strasse",)),
        ("Smith Smith", ("smith",)),
        ("  ", ()),
    ],
)
def test_a_name_is_compared_by_its_case_folded_words(name: str, words: tuple[str, ...]) -> None:
    assert name_tokens(name) == words


def test_a_long_name_is_indexed_by_its_first_words_only() -> None:
    many = " ".join(f"name{chr(97 + n)}" for n in range(12))
    assert len(name_tokens(many)) == MAX_NAME_TOKENS
    assert name_key("Mrs Jane Smith") == "jane smith"


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("smith", True),
        ("jane smith", True),
        ("SMITH JANE", True),
        ("Mrs Smith", True),
        ("J Smith", True),
        ("j. smith", True),
        ("k smith", False),
        ("john smith", False),
        ("smit", False),
        ("", False),
    ],
)
def test_a_search_matches_when_every_word_is_in_the_name(search: str, found: bool) -> None:
    assert name_matches(name_tokens(search), name_tokens("Mrs Jane Smith")) is found


@given(st.lists(st.from_regex(r"[a-z]{2,8}", fullmatch=True), min_size=1, max_size=5))
def test_a_name_is_found_by_any_of_its_words_and_by_all_of_them(words: list[str]) -> None:
    held = name_tokens(" ".join(words).title())
    for word in held:
        assert name_matches((word,), held)
    assert name_matches(tuple(reversed(held)), held)
    assert search_word(held) in held


def test_a_search_needs_a_whole_word() -> None:
    assert search_word(("j", "smith", "jo")) == "smith"
    with pytest.raises(ValueError, match="not only initials"):
        search_word(("j", "s"))
    with pytest.raises(ValueError, match="Enter a name"):
        search_word(())


# The one search box -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        (" Ada@Example.org ", CallerSearch(SearchBy.EMAIL, "ada@example.org")),
        ("de1 1aa", CallerSearch(SearchBy.POSTCODE, "DE1 1AA")),
        ("DE11AA", CallerSearch(SearchBy.POSTCODE, "DE1 1AA")),
        ("cust-0001", CallerSearch(SearchBy.REFERENCE, "cust-0001")),
        ("cust-abcdef", CallerSearch(SearchBy.REFERENCE, "cust-abcdef")),
        ("T012345", CallerSearch(SearchBy.REFERENCE, "T012345")),
        ("DE1", CallerSearch(SearchBy.REFERENCE, "DE1")),
        ("smith", CallerSearch(SearchBy.NAME, "smith")),
        (" Mrs Jane Smith-Jones ", CallerSearch(SearchBy.NAME, "Mrs Jane Smith-Jones")),
        ("Zoë O'Brien", CallerSearch(SearchBy.NAME, "Zoë O'Brien")),
    ],
)
def test_the_search_box_is_read_by_the_shape_of_what_was_typed(
    typed: str, read: CallerSearch
) -> None:
    assert read_caller_search(typed) == read


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("  ", "Enter the caller's name, email address, postcode or customer reference"),
        ("DE1 1A", ENTER_FULL_POSTCODE),
        ("de1 1aaa", ENTER_FULL_POSTCODE),
        ("a@b@example.org", "exactly one @"),
        ("Flat 2 Smith", "without numbers"),
        ("J S", "not only initials"),
        ("x" * 65 + "1", "at most 64 characters"),
    ],
)
def test_what_the_search_box_cannot_read_says_what_to_enter(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_caller_search(typed)


@given(st.text(max_size=40))
def test_any_text_in_the_search_box_is_read_one_way_or_refused(text: str) -> None:
    try:
        read = read_caller_search(text)
    except ValueError:
        return
    assert read.value == read.value.strip()
    if read.by is SearchBy.POSTCODE:
        assert normalise_postcode(read.value) == read.value
    if read.by is SearchBy.NAME:
        assert search_word(name_tokens(read.value))
    if read.by is SearchBy.REFERENCE:
        assert not any(c.isspace() for c in read.value)
