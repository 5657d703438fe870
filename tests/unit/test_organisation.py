"""Issue 17: the organisation's details in one place (contactguard.organisation): the packaged
document, an operator's own through OrganisationDetails, refused with the field named when a
rule is broken, and every field documented for operations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_origin

import pytest
from pydantic import BaseModel, ValidationError

from contactguard.organisation import Organisation, one_line_address, shipped_organisation
from contactguard_local.template import load_template
from ingest.settings import IngestSettings
from letters.settings import LettersSettings

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "functions" / "contactguard" / "data" / "organisation.json"
ENV = {
    "CONTACTGUARD_TABLE_NAME": "contactguard-dev",
    "CONTACTGUARD_LETTERS_BUCKET": "letters-bucket",
    "CONTACTGUARD_ALERTS_TOPIC_ARN": "arn:aws:sns:eu-west-2:123456789012:alerts",
    "CONTACTGUARD_RAW_MAIL_BUCKET": "raw-mail",
    "CONTACTGUARD_AUTO_REPLY_SENDER": "no-reply@example.org",
}


def own_document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SHIPPED.read_text(encoding="utf-8"))
    document.update(changes)
    return document


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_the_packaged_document_is_valid_and_gives_one_address_unless_told_otherwise() -> None:
    org = shipped_organisation()
    assert org.contact_address == org.address == org.appeal_address
    assert one_line_address(org.address) == "PO Box 1, Derby DE1 1AA"
    assert org.ombudsman.name == "Housing Ombudsman"


@pytest.mark.parametrize("settings", [LettersSettings, IngestSettings])
@pytest.mark.parametrize("value", [None, "", "  "])
def test_unset_or_empty_means_the_packaged_document(
    env: pytest.MonkeyPatch, settings: type[BaseModel], value: str | None
) -> None:
    if value is None:
        env.delenv("CONTACTGUARD_ORGANISATION", raising=False)
    else:
        env.setenv("CONTACTGUARD_ORGANISATION", value)
    assert settings().organisation == shipped_organisation()  # type: ignore[attr-defined]


@pytest.mark.parametrize("settings", [LettersSettings, IngestSettings])
def test_an_operator_s_own_document_replaces_the_packaged_one(
    env: pytest.MonkeyPatch, settings: type[BaseModel]
) -> None:
    document = own_document(
        name="Example Homes",
        point_of_contact_address={
            "lines": ["Customer Services", "1 Main Street"],
            "postcode": "AB1 2CD",
        },
    )
    env.setenv("CONTACTGUARD_ORGANISATION", json.dumps(document))
    org: Organisation = settings().organisation  # type: ignore[attr-defined]
    assert org.name == "Example Homes"
    assert one_line_address(org.contact_address) == "Customer Services, 1 Main Street AB1 2CD"
    assert org.appeal_address == org.address  # the appeal address still the letterhead's


@pytest.mark.parametrize(
    ("document", "named"),
    [
        (
            own_document(emergency={"hours": "always", "covers": "emergencies"}),
            "emergency.telephone",
        ),
        (own_document(telephone="call us"), "telephone"),
        (own_document(appeals={"email": "not an address"}), "appeals.email"),
        ({"name": "Example Homes"}, "ombudsman"),
        (own_document(surprise="extra"), "surprise"),
    ],
)
def test_a_document_breaking_a_rule_is_refused_naming_the_field(
    env: pytest.MonkeyPatch, document: dict[str, Any], named: str
) -> None:
    env.setenv("CONTACTGUARD_ORGANISATION", json.dumps(document))
    with pytest.raises(ValidationError) as refused:
        LettersSettings()
    assert f"organisation.{named}" in str(refused.value)


def test_text_that_is_not_json_is_refused_in_plain_words(env: pytest.MonkeyPatch) -> None:
    env.setenv("CONTACTGUARD_ORGANISATION", "{name: Example Homes")
    with pytest.raises(ValidationError, match="not a JSON document"):
        IngestSettings()


def test_the_template_parameter_reaches_letters_and_ingest_and_fits_lambda_s_environment() -> None:
    template = load_template()
    parameter = template["Parameters"]["OrganisationDetails"]
    assert parameter["Default"] == ""
    for function in ("LettersFunction", "IngestFunction"):
        variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
        assert variables["CONTACTGUARD_ORGANISATION"] == {"Ref": "OrganisationDetails"}
    # Lambda allows 4 KB of environment in all: the packaged document, compact, fits the limit
    compact = json.dumps(json.loads(SHIPPED.read_text(encoding="utf-8")), separators=(",", ":"))
    assert len(compact) < parameter["MaxLength"] <= 2500
    for function in ("LettersFunction", "IngestFunction"):  # names, the document and 800 more
        variables = {
            **template["Globals"]["Function"]["Environment"]["Variables"],
            **template["Resources"][function]["Properties"]["Environment"]["Variables"],
        }
        assert sum(map(len, variables)) + parameter["MaxLength"] + 800 <= 4096, function


def _paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    found = []
    for name, info in model.model_fields.items():
        found.append(prefix + name)
        inner = info.annotation
        if get_origin(inner) is tuple:  # a list of models: documented as its item's model
            continue
        for candidate in getattr(inner, "__args__", (inner,)):
            model = isinstance(candidate, type) and issubclass(candidate, BaseModel)
            if model and candidate.__name__ != "PostalAddress":
                found += _paths(candidate, f"{prefix}{name}.")
    return found


def test_every_field_is_documented_in_the_readme_s_configuration() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    configuration = readme.split("## Configuration", 1)[1]
    missing = [path for path in _paths(Organisation) if f"`{path}`" not in configuration]
    assert missing == []
