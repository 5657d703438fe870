"""Finding a caller by name or postcode, over in-memory ports: a short list in name order, each
with whether restrictions apply now; more than the list holds said, never hidden; every search
audited, one record per customer listed, nothing of what was searched for in the record."""

from __future__ import annotations

import pytest
from builders import CALL_HANDLER, CUSTOMER_ID, MANAGER, at, restricted

from contactguard.domain.access import Operation
from contactguard.domain.errors import NotPermitted
from contactguard.domain.model import Actor, Role
from contactguard.domain.search import SearchBy
from contactguard.usecases import Request
from contactguard.usecases.errors import InvalidInput
from contactguard.usecases.lookup import MAX_MATCHES
from fakes import Fakes, FixedClock, fake_use_cases


def by(actor: Actor) -> Request:
    return Request(actor=actor, request_id="req-1")


def register(fx: Fakes, customer_id: str, name: str, postcode: str | None = None) -> None:
    fields: dict[str, object] = {"name": name}
    if postcode is not None:
        fields["address"] = {"lines": ["1 High Street"], "postcode": postcode}
    fx.use_cases.customers.register(by(MANAGER), fields, customer_id)


@pytest.fixture
def fx() -> Fakes:
    fakes = fake_use_cases(FixedClock(at("2027-01-05")))
    register(fakes, CUSTOMER_ID, "Mrs Jane Smith", "de1 1aa")
    register(fakes, "cust-0002", "John Smith", "DE1 1AB")
    register(fakes, "cust-0003", "Ada Tenant", "DE1 1AA")
    story = restricted()  # cust-0001's letters-only restrictions, in force on 5 January 2027
    assert story.case is not None
    fakes.store.cases_by_id[story.case.case_id] = story.case
    return fakes


def test_a_name_finds_every_customer_with_all_its_words_in_name_order(fx: Fakes) -> None:
    found = fx.use_cases.lookup.find(by(CALL_HANDLER), name="smith")

    assert found.by is SearchBy.NAME
    assert [(m.customer.customer_id, m.restricted) for m in found.matches] == [
        (CUSTOMER_ID, True),  # "jane smith" before "john smith"
        ("cust-0002", False),
    ]
    assert not found.more
    jane = fx.use_cases.lookup.find(by(CALL_HANDLER), name="Jane SMITH")
    assert [m.customer.name for m in jane.matches] == ["Mrs Jane Smith"]
    assert fx.use_cases.lookup.find(by(CALL_HANDLER), name="j smith").matches[1].customer.name == (
        "John Smith"
    )


def test_a_postcode_finds_the_customers_at_it_however_it_was_written(fx: Fakes) -> None:
    found = fx.use_cases.lookup.find(by(CALL_HANDLER), postcode=" De11Aa ")

    assert found.searched == "DE1 1AA"
    assert [m.customer.customer_id for m in found.matches] == ["cust-0003", CUSTOMER_ID]


def test_each_customer_listed_is_audited_with_how_they_were_searched_for_not_what(
    fx: Fakes,
) -> None:
    before = len(fx.store.audit)
    fx.use_cases.lookup.find(by(CALL_HANDLER), name="smith")

    records = fx.store.audit[before:]
    assert [(r.operation, r.customer_id, r.detail) for r in records] == [
        (Operation.LOOKUP, CUSTOMER_ID, "by=name found=2"),
        (Operation.LOOKUP, "cust-0002", "by=name found=2"),
    ]
    assert all(r.actor_id == CALL_HANDLER.actor_id for r in records)


def test_nobody_found_is_an_empty_list_and_still_audited(fx: Fakes) -> None:
    found = fx.use_cases.lookup.find(by(CALL_HANDLER), postcode="NG1 1AA")

    assert found.matches == []
    assert not found.more
    record = fx.store.audit[-1]
    assert (record.customer_id, record.detail) == (None, "by=postcode found=0")


def test_more_matches_than_a_list_holds_are_said_not_silently_dropped(fx: Fakes) -> None:
    for n in range(MAX_MATCHES + 3):
        register(fx, f"cust-1{n:03d}", f"Sam Jones {n:02d}x", "DE2 2BB")

    found = fx.use_cases.lookup.find(by(CALL_HANDLER), postcode="DE2 2BB")

    assert len(found.matches) == found.limit == MAX_MATCHES
    assert found.more
    assert fx.store.audit[-1].detail == f"by=postcode found={MAX_MATCHES}+"
    exactly = fx.use_cases.lookup.find(by(CALL_HANDLER), name="Sam Jones 00x")
    assert [m.customer.customer_id for m in exactly.matches] == ["cust-1000"]


def test_a_search_must_be_a_full_postcode_or_a_name_of_whole_words(fx: Fakes) -> None:
    lookup = fx.use_cases.lookup
    before = len(fx.store.audit)
    with pytest.raises(InvalidInput) as bad_postcode:
        lookup.find(by(CALL_HANDLER), postcode="DE1")
    assert bad_postcode.value.problems == [("postcode", "Enter a full postcode, like DE1 1AA")]
    with pytest.raises(InvalidInput) as initials:
        lookup.find(by(CALL_HANDLER), name="J S")
    assert initials.value.problems == [("name", "Enter a name, not only initials")]
    with pytest.raises(InvalidInput):
        lookup.find(by(CALL_HANDLER), name="smith", postcode="DE1 1AA")
    with pytest.raises(InvalidInput):
        lookup.find(by(CALL_HANDLER))
    assert len(fx.store.audit) == before  # nothing was searched


def test_a_rename_or_a_move_is_found_by_the_new_name_and_postcode_only(fx: Fakes) -> None:
    moved = fx.store.customers_by_id["cust-0002"].model_copy(
        update={"name": "John Brown", "address": None}
    )
    fx.store.put_customer(moved)

    lookup = fx.use_cases.lookup
    assert [
        m.customer.customer_id for m in lookup.find(by(CALL_HANDLER), name="smith").matches
    ] == [CUSTOMER_ID]
    assert lookup.find(by(CALL_HANDLER), name="brown").matches[0].customer.name == "John Brown"
    assert lookup.find(by(CALL_HANDLER), postcode="DE1 1AB").matches == []


def test_only_the_roles_that_look_callers_up_may_search() -> None:
    fx = fake_use_cases()
    dpo = Actor(actor_id="dee", role=Role.DATA_PROTECTION_OFFICER)
    with pytest.raises(NotPermitted):
        fx.use_cases.lookup.find(by(dpo), name="smith")
    assert fx.store.audit == []
