"""The SES receipt event (Lambda action, RequestResponse) and the decisions taken on it:
whose identity is authenticated, and which verdicts quarantine."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ingest.ses_event import (
    AuthMethod,
    BadSesEvent,
    SesReceipt,
    authentication,
    parse_ses_event,
    verdict_quarantine_reason,
)

SES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "ses"
SES_FILES = sorted(SES_DIR.glob("*.json"))

enforcement = pytest.mark.policy("design-email-enforcement")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SES_DIR / f"{name}.json").read_text("utf-8"))
    return data


def receipt_of(event: dict[str, Any]) -> dict[str, Any]:
    receipt: dict[str, Any] = event["Records"][0]["ses"]["receipt"]
    return receipt


def mail_of(event: dict[str, Any]) -> dict[str, Any]:
    mail: dict[str, Any] = event["Records"][0]["ses"]["mail"]
    return mail


def with_verdicts(name: str, **statuses: str | None) -> dict[str, Any]:
    """A fixture with verdicts replaced (None removes one); dmarcPolicy via dmarc_policy."""
    event = load(name)
    receipt = receipt_of(event)
    for key, status in statuses.items():
        if key == "dmarc_policy":
            if status is None:
                receipt.pop("dmarcPolicy", None)
            else:
                receipt["dmarcPolicy"] = status
            continue
        field = {"spam": "spamVerdict", "virus": "virusVerdict", "spf": "spfVerdict"}.get(key)
        field = field or {"dkim": "dkimVerdict", "dmarc": "dmarcVerdict"}[key]
        if status is None:
            receipt.pop(field, None)
        else:
            receipt[field] = {"status": status}
    return event


# --- the fixtures are what AWS sends ---------------------------------------------------------


def test_the_fixture_set() -> None:
    names = {path.stem for path in SES_FILES}
    assert names == {
        "all_pass",
        "dmarc_fail_spf_pass",
        "spam_fail",
        "virus_fail",
        "dmarc_gray_spf_pass",
        "headers_truncated_no_from",
    }


@pytest.mark.parametrize("path", SES_FILES, ids=[p.stem for p in SES_FILES])
def test_each_fixture_parses(path: Path) -> None:
    event = json.loads(path.read_text("utf-8"))
    receipt = parse_ses_event(event)
    assert isinstance(receipt, SesReceipt)
    assert receipt.event_source == "aws:ses"
    assert receipt.is_request_response
    assert receipt.receipt.action is not None
    assert receipt.receipt.action.type == "Lambda"
    assert receipt.receipt.action.function_arn == receipt_of(event)["action"]["functionArn"]
    assert receipt.ses_message_id == mail_of(event)["messageId"]
    assert receipt.received_at.tzinfo is not None
    assert receipt.mail.destination == ["housing@housing.example"]


@pytest.mark.parametrize("path", SES_FILES, ids=[p.stem for p in SES_FILES])
def test_powertools_parser_model_rejects_what_ses_sends_request_response(path: Path) -> None:
    """Why ingest has its own model: Powertools' SesModel wants invocationType "Event" (and a
    From header), so every RequestResponse event fails it."""
    from aws_lambda_powertools.utilities.parser.models import SesModel

    with pytest.raises(ValidationError) as raised:
        SesModel.model_validate(json.loads(path.read_text("utf-8")))
    assert any(e["loc"][-1] == "invocationType" for e in raised.value.errors())


def test_powertools_data_class_does_not_validate() -> None:
    """SESEvent is a dict wrapper: a missing From only surfaces as a KeyError when read."""
    from aws_lambda_powertools.utilities.data_classes import SESEvent

    wrapped = SESEvent(load("headers_truncated_no_from"))
    assert wrapped.mail.message_id == "t2uncated0headers0nofrom0001"
    with pytest.raises(KeyError):
        _ = wrapped.mail.common_headers.get_from


def test_the_fields_ingest_reads() -> None:
    receipt = parse_ses_event(load("all_pass"))
    assert receipt.mail.source == "alex.tenant@example.org"
    assert receipt.mail.common_headers.from_ == ["Alex Tenant <alex.tenant@example.org>"]
    assert receipt.mail.common_headers.subject == "Leaking tap in kitchen"
    assert receipt.mail.common_headers.message_id == "<20260302091458.1234@mail.example.org>"
    assert receipt.mail.headers_truncated is False
    assert receipt.mail.headers[0].name == "Return-Path"
    assert receipt.receipt.dmarc_policy == "reject"
    assert receipt.receipt.processing_time_millis == 412
    assert receipt.receipt.recipients == ["housing@housing.example"]
    assert receipt.received_at.isoformat() == "2026-03-02T09:15:00.512000+00:00"


def test_truncated_headers_and_no_from_are_tolerated() -> None:
    receipt = parse_ses_event(load("headers_truncated_no_from"))
    assert receipt.mail.headers_truncated is True
    assert receipt.mail.common_headers.from_ == []
    assert receipt.receipt.dmarc_policy is None


# --- tolerance -------------------------------------------------------------------------------


def test_extra_fields_are_ignored_and_optional_ones_optional() -> None:
    event = load("all_pass")
    event["Records"][0]["somethingNew"] = {"x": 1}
    mail = mail_of(event)
    mail["newField"] = True
    mail["commonHeaders"]["replyTo"] = ["desk@example.org"]
    del mail["commonHeaders"]["subject"]
    receipt = receipt_of(event)
    del receipt["processingTimeMillis"]
    receipt["action"]["topicArn"] = "arn:aws:sns:eu-west-2:123456789012:ses-copy"
    parsed = parse_ses_event(event)
    assert parsed.mail.common_headers.reply_to == ["desk@example.org"]
    assert parsed.mail.common_headers.subject is None
    assert parsed.receipt.processing_time_millis is None


def test_common_headers_may_be_missing_or_null() -> None:
    values: tuple[dict[str, Any] | None, ...] = (None, {})
    for value in values:
        event = load("all_pass")
        mail_of(event)["commonHeaders"] = value
        parsed = parse_ses_event(event)
        assert parsed.mail.common_headers.from_ == []
    event = load("all_pass")
    del mail_of(event)["commonHeaders"]
    assert parse_ses_event(event).mail.common_headers.to == []


def test_statuses_and_policy_are_normalised() -> None:
    event = with_verdicts("all_pass", dmarc="pass", spam="Fail", dmarc_policy="REJECT")
    parsed = parse_ses_event(event)
    assert parsed.receipt.dmarc_verdict is not None
    assert parsed.receipt.dmarc_verdict.status == "PASS"
    assert parsed.receipt.dmarc_policy == "reject"
    assert verdict_quarantine_reason(parsed) == "spam-verdict-fail"


def test_an_event_invocation_still_parses_but_says_so() -> None:
    event = load("all_pass")
    receipt_of(event)["action"]["invocationType"] = "Event"
    assert parse_ses_event(event).is_request_response is False


# --- malformed events ------------------------------------------------------------------------


def malformed_events() -> list[Any]:
    def changed(mutate: Any) -> dict[str, Any]:
        event = load("all_pass")
        mutate(event)
        return event

    two = load("all_pass")
    two["Records"].append(copy.deepcopy(two["Records"][0]))
    return [
        pytest.param([], id="not-an-object"),
        pytest.param({}, id="no-records"),
        pytest.param({"Records": []}, id="empty-records"),
        pytest.param({"Records": "x"}, id="records-not-a-list"),
        pytest.param({"Records": [1]}, id="record-not-an-object"),
        pytest.param(two, id="two-records"),
        pytest.param(changed(lambda e: e["Records"][0].pop("ses")), id="no-ses"),
        pytest.param(changed(lambda e: e["Records"][0].update(eventSource="aws:s3")), id="s3"),
        pytest.param(changed(lambda e: e["Records"][0]["ses"].pop("mail")), id="no-mail"),
        pytest.param(changed(lambda e: e["Records"][0]["ses"].pop("receipt")), id="no-receipt"),
        pytest.param(changed(lambda e: mail_of(e).pop("messageId")), id="no-message-id"),
        pytest.param(changed(lambda e: mail_of(e).update(messageId="../../etc")), id="traversal"),
        pytest.param(changed(lambda e: mail_of(e).update(messageId="")), id="empty-id"),
        pytest.param(changed(lambda e: mail_of(e).pop("timestamp")), id="no-timestamp"),
        pytest.param(
            changed(lambda e: mail_of(e).update(timestamp="2026-03-02T09:15:00")), id="naive-time"
        ),
        pytest.param(changed(lambda e: mail_of(e).update(headers="x")), id="headers-not-list"),
        pytest.param(
            changed(lambda e: receipt_of(e).update(spamVerdict="PASS")), id="verdict-not-object"
        ),
        pytest.param(
            changed(lambda e: receipt_of(e).update(processingTimeMillis=-1)), id="negative-time"
        ),
    ]


@pytest.mark.parametrize("event", malformed_events())
def test_malformed_events_raise_bad_ses_event(event: Any) -> None:
    with pytest.raises(BadSesEvent):
        parse_ses_event(event)


def test_bad_ses_event_carries_no_personal_data() -> None:
    event = load("all_pass")
    mail_of(event)["destination"] = {"secret": "alex.tenant@example.org"}
    mail_of(event)["commonHeaders"]["from"] = 42
    mail_of(event)["source"] = ["Alex Tenant <alex.tenant@example.org>"]
    with pytest.raises(BadSesEvent) as raised:
        parse_ses_event(event)
    error = raised.value
    assert "@" not in str(error)
    assert "Alex" not in str(error)
    assert error.__cause__ is None
    assert error.__suppress_context__
    locations = {location for location, _ in error.problems}
    assert "mail.source" in locations
    assert "mail.destination" in locations
    assert isinstance(error, ValueError)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def mangled_event(draw: st.DrawFn) -> Any:
    event: Any = load(draw(st.sampled_from([p.stem for p in SES_FILES])))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        node = event
        path: list[Any] = []
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(
                st.sampled_from(list(node.keys()) if isinstance(node, dict) else range(len(node)))
            )
            path.append(key)
            node = node[key]
        if not path:
            continue
        parent = event
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return event


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, mangled_event()))
def test_any_json_either_parses_or_raises_bad_ses_event(event: Any) -> None:
    try:
        receipt = parse_ses_event(event)
    except BadSesEvent:
        return
    result = authentication(receipt)
    assert result.reason
    assert verdict_quarantine_reason(receipt) in {None, "spam-verdict-fail", "virus-verdict-fail"}


# --- authentication --------------------------------------------------------------------------


@enforcement
@pytest.mark.parametrize(
    ("name", "authenticated", "method", "reason"),
    [
        ("all_pass", True, AuthMethod.DMARC, "dmarc-pass"),
        ("dmarc_fail_spf_pass", False, AuthMethod.NONE, "dmarc-fail"),
        ("spam_fail", True, AuthMethod.DMARC, "dmarc-pass"),
        ("virus_fail", True, AuthMethod.DMARC, "dmarc-pass"),
        ("dmarc_gray_spf_pass", True, AuthMethod.SPF, "no-dmarc-spf-aligned"),
        ("headers_truncated_no_from", False, AuthMethod.NONE, "no-dmarc-no-from-domain"),
    ],
)
def test_authentication_of_each_fixture(
    name: str, authenticated: bool, method: AuthMethod, reason: str
) -> None:
    result = authentication(parse_ses_event(load(name)))
    assert (result.authenticated, result.method, result.reason) == (authenticated, method, reason)
    assert bool(result) is authenticated


@enforcement
def test_dmarc_fail_is_never_authenticated_whatever_spf_and_dkim_say() -> None:
    for policy in ("none", "quarantine", "reject", None):
        event = with_verdicts(
            "all_pass", dmarc="FAIL", spf="PASS", dkim="PASS", dmarc_policy=policy
        )
        result = authentication(parse_ses_event(event))
        assert not result.authenticated
        assert result.reason == "dmarc-fail"


@enforcement
def test_a_published_policy_needs_dmarc_pass() -> None:
    event = with_verdicts("all_pass", dmarc="PROCESSING_FAILED", dmarc_policy="quarantine")
    result = authentication(parse_ses_event(event))
    assert (result.authenticated, result.reason) == (False, "dmarc-policy-not-passed")


@enforcement
def test_dmarc_pass_with_a_none_policy_still_authenticates() -> None:
    event = with_verdicts("all_pass", dmarc_policy="none")
    assert authentication(parse_ses_event(event)).authenticated


@enforcement
@pytest.mark.parametrize("dmarc", ["GRAY", "PROCESSING_FAILED", None])
def test_without_a_dmarc_policy_aligned_spf_pass_authenticates(dmarc: str | None) -> None:
    event = with_verdicts("dmarc_gray_spf_pass", dmarc=dmarc)
    result = authentication(parse_ses_event(event))
    assert (result.authenticated, result.method) == (True, AuthMethod.SPF)


@enforcement
def test_without_a_dmarc_policy_spf_for_another_domain_does_not_count() -> None:
    """SPF checks the envelope sender: an attacker passes it for their own domain while
    writing the customer's address into From."""
    event = load("dmarc_gray_spf_pass")
    mail_of(event)["source"] = "bulk@attacker.example.com"
    result = authentication(parse_ses_event(event))
    assert (result.authenticated, result.reason) == (False, "no-dmarc-not-aligned")


@enforcement
def test_spf_alignment_is_relaxed_to_subdomains() -> None:
    event = load("dmarc_gray_spf_pass")
    mail_of(event)["source"] = "bounce-123@mail.example.net"
    assert authentication(parse_ses_event(event)).authenticated
    mail_of(event)["source"] = "bounce-123@notexample.net"
    assert not authentication(parse_ses_event(event)).authenticated


@enforcement
def test_without_a_dmarc_policy_nothing_passing_is_unauthenticated() -> None:
    event = with_verdicts("dmarc_gray_spf_pass", spf="FAIL", dkim="GRAY")
    result = authentication(parse_ses_event(event))
    assert (result.authenticated, result.reason) == (False, "no-dmarc-spf-dkim-not-passed")
    event = with_verdicts("dmarc_gray_spf_pass", spf=None, dkim=None, dmarc=None)
    assert not authentication(parse_ses_event(event)).authenticated


def dkim_event(*signers: str) -> dict[str, Any]:
    event = with_verdicts("dmarc_gray_spf_pass", spf="FAIL", dkim="PASS")
    headers = mail_of(event)["headers"]
    for domain in signers:
        headers.append(
            {"name": "DKIM-Signature", "value": f"v=1; a=rsa-sha256; d={domain}; s=s1; b=x"}
        )
    return event


@enforcement
def test_without_a_dmarc_policy_aligned_dkim_pass_authenticates() -> None:
    result = authentication(parse_ses_event(dkim_event("example.net")))
    assert (result.authenticated, result.method, result.reason) == (
        True,
        AuthMethod.DKIM,
        "no-dmarc-dkim-aligned",
    )
    assert authentication(parse_ses_event(dkim_event("mail.example.net"))).authenticated


@enforcement
@pytest.mark.parametrize(
    "signers",
    [
        (),  # DKIM PASS but no signature visible (e.g. truncated headers)
        ("attacker.example.com",),
        ("example.net", "attacker.example.com"),  # which one passed is unknown
    ],
)
def test_dkim_pass_for_an_unaligned_or_unknown_signer_does_not_count(
    signers: tuple[str, ...],
) -> None:
    assert not authentication(parse_ses_event(dkim_event(*signers))).authenticated


@enforcement
def test_truncated_headers_authenticate_from_the_raw_message_from() -> None:
    receipt = parse_ses_event(load("headers_truncated_no_from"))
    assert not authentication(receipt).authenticated
    result = authentication(receipt, ["jo.occupier@example.net"])
    assert (result.authenticated, result.method) == (True, AuthMethod.SPF)
    assert not authentication(receipt, ["someone@example.org"]).authenticated


@enforcement
def test_a_from_header_naming_two_domains_is_not_authenticated() -> None:
    receipt = parse_ses_event(load("all_pass"))
    result = authentication(receipt, ["alex.tenant@example.org", "other@example.com"])
    assert (result.authenticated, result.reason) == (False, "multiple-from-domains")
    same_domain = authentication(receipt, ["alex.tenant@example.org", "b@EXAMPLE.org"])
    assert same_domain.authenticated
    event = load("all_pass")
    mail_of(event)["commonHeaders"]["from"] = ["a@example.org", "b <b@example.com>"]
    assert not authentication(parse_ses_event(event)).authenticated


# --- quarantine on verdicts ------------------------------------------------------------------


@enforcement
@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("all_pass", None),
        ("dmarc_fail_spf_pass", None),
        ("spam_fail", "spam-verdict-fail"),
        ("virus_fail", "virus-verdict-fail"),
        ("dmarc_gray_spf_pass", None),
        ("headers_truncated_no_from", None),
    ],
)
def test_quarantine_reason_of_each_fixture(name: str, reason: str | None) -> None:
    assert verdict_quarantine_reason(parse_ses_event(load(name))) == reason


@enforcement
def test_a_virus_outranks_spam() -> None:
    event = with_verdicts("all_pass", spam="FAIL", virus="FAIL")
    assert verdict_quarantine_reason(parse_ses_event(event)) == "virus-verdict-fail"


@enforcement
@pytest.mark.parametrize("status", ["GRAY", "PROCESSING_FAILED", "DISABLED", None])
def test_only_fail_quarantines(status: str | None) -> None:
    event = with_verdicts("all_pass", spam=status, virus=status)
    assert verdict_quarantine_reason(parse_ses_event(event)) is None


def test_quarantine_reasons_carry_no_personal_data() -> None:
    for name in ("spam_fail", "virus_fail"):
        reason = verdict_quarantine_reason(parse_ses_event(load(name)))
        assert reason is not None
        assert "@" not in reason
