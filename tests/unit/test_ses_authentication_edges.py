"""Edges of the quarantine decision on SES's verdicts that the mutation check found untested:
which From and signing domains align with which, and how a refusal is reported."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from contactguard.domain.calendar import LONDON
from contactguard_local.ses import ses_receipt_event
from ingest.ses_event import (
    Authentication,
    AuthMethod,
    BadSesEvent,
    authentication,
    parse_ses_event,
)

AT = datetime(2026, 12, 2, 10, tzinfo=LONDON)
NO_DMARC = {"dmarc": "GRAY"}


def receipt(
    source: str = "bounce@example.org",
    verdicts: dict[str, str] | None = None,
    dkim: list[str] | None = None,
) -> Any:
    event = ses_receipt_event("m1", source, "s", AT, verdicts={**NO_DMARC, **(verdicts or {})})
    mail = event["Records"][0]["ses"]["mail"]
    mail["headers"] += [{"name": "DKIM-Signature", "value": v} for v in dkim or []]
    return parse_ses_event(event)


def spf_only(source: str, sender: str) -> Authentication:
    return authentication(receipt(source, {"dkim": "FAIL"}), [sender])


def dkim_only(signature: str, sender: str) -> Authentication:
    return authentication(receipt("b@unrelated.example", {"spf": "FAIL"}, [signature]), [sender])


@pytest.mark.policy("design-email-enforcement")
def test_spf_aligns_a_subdomain_from_with_its_parent_envelope() -> None:
    assert spf_only("bounce@example.org", "tenant@mail.example.org").authenticated
    assert spf_only("bounce@mail.example.org", "tenant@example.org").authenticated


@pytest.mark.policy("design-email-enforcement")
def test_from_addresses_are_compared_trimmed_and_case_blind() -> None:
    assert spf_only("bounce@landlord.tax", "<Tenant@LANDLORD.TAX>").authenticated
    assert spf_only("bounce@example.org", "tenant@example.org.").authenticated
    assert spf_only("bounce@example.org", '"a@b"@example.org').authenticated


@pytest.mark.policy("design-email-enforcement")
def test_a_from_domain_without_a_dot_is_no_domain() -> None:
    assert spf_only("bounce@localhost", "tenant@localhost") == Authentication(
        False, AuthMethod.NONE, "no-dmarc-no-from-domain"
    )


@pytest.mark.policy("design-email-enforcement")
def test_dkim_signing_domains_are_trimmed_and_case_blind_and_must_be_named() -> None:
    sender = "tenant@landlord.tax"
    assert dkim_only("v=1; d=LANDLORD.TAX.; s=sel", sender) == Authentication(
        True, AuthMethod.DKIM, "no-dmarc-dkim-aligned"
    )
    assert not dkim_only("v=1; s=sel", sender).authenticated


@pytest.mark.policy("design-email-enforcement")
@pytest.mark.parametrize(
    ("verdicts", "senders", "reason"),
    [
        ({}, ["a@example.org", "b@other.example"], "multiple-from-domains"),
        ({"spf": "FAIL", "dkim": "FAIL"}, ["tenant@example.org"], "no-dmarc-spf-dkim-not-passed"),
        ({"dkim": "FAIL"}, ["tenant@elsewhere.example"], "no-dmarc-not-aligned"),
    ],
)
def test_every_refusal_is_by_no_method(
    verdicts: dict[str, str], senders: list[str], reason: str
) -> None:
    assert authentication(receipt(verdicts=verdicts), senders) == Authentication(
        False, AuthMethod.NONE, reason
    )


@pytest.mark.policy("design-email-enforcement")
def test_a_published_dmarc_policy_without_a_pass_is_refused_by_no_method() -> None:
    event = ses_receipt_event("m1", "b@example.org", "s", AT, verdicts=NO_DMARC)
    event["Records"][0]["ses"]["receipt"]["dmarcPolicy"] = "reject"
    assert authentication(parse_ses_event(event)) == Authentication(
        False, AuthMethod.NONE, "dmarc-policy-not-passed"
    )


@pytest.mark.parametrize(
    ("event", "message", "problems"),
    [
        ([], "SES event is not an object", ()),
        ({"Records": []}, "SES event must hold exactly one record", ()),
        ({"Records": ["x"]}, "SES record is not an object", ()),
        (
            {"Records": [{"eventSource": "aws:ses"}]},
            "SES record has no ses object",
            (("ses", "missing"),),
        ),
    ],
    ids=["not-an-object", "no-record", "record-not-an-object", "no-ses"],
)
def test_a_malformed_event_says_what_is_wrong_in_words(
    event: Any, message: str, problems: tuple[tuple[str, str], ...]
) -> None:
    with pytest.raises(BadSesEvent) as caught:
        parse_ses_event(event)
    assert str(caught.value) == message
    assert caught.value.problems == problems


def test_a_malformed_record_lists_its_first_ten_problems_by_place_and_kind() -> None:
    mail = dict.fromkeys(["timestamp", "messageId", "source", "destination", "headers"], 1)
    receipt = dict.fromkeys(["recipients", "spamVerdict", "virusVerdict", "spfVerdict"], 1)
    receipt |= dict.fromkeys(["dkimVerdict", "dmarcVerdict", "action", "timestamp"], 1)
    event = {"Records": [{"eventSource": "aws:ses", "ses": {"mail": mail, "receipt": receipt}}]}
    with pytest.raises(BadSesEvent) as caught:
        parse_ses_event(event)
    problems = caught.value.problems
    assert len(problems) > 10
    listed = "; ".join(f"{place}: {kind}" for place, kind in problems[:10])
    assert str(caught.value) == f"malformed SES event ({listed})"
