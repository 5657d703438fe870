"""Every setting a handler requires is set on that function in infra/template.yaml."""

from __future__ import annotations

import importlib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from pydantic_settings import BaseSettings

import contactguard.settings as settings_module
from contactguard.domain.policy import PolicyTerms
from contactguard.settings import CoreSettings
from contactguard_local.template import load_template

SETTINGS_OF = {
    "ingest": ("ingest.settings", "IngestSettings"),
    "deadlines": ("deadlines.settings", "DeadlinesSettings"),
    "letters": ("letters.settings", "LettersSettings"),
    "signals": ("signals.settings", "SignalsSettings"),
    "api": ("api.settings", "ApiSettings"),
    "delivery": ("delivery.settings", "DeliverySettings"),
    "console": ("console.settings", "ConsoleSettings"),
    "retention": ("retention.settings", "PurgeSettings"),
    "exports": ("exports.settings", "ExportSettings"),
}


def functions() -> list[tuple[str, dict[str, Any]]]:
    resources = load_template()["Resources"]
    return [
        (name, r["Properties"])
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function"
    ]


@pytest.mark.parametrize(("logical_id", "props"), functions(), ids=lambda v: str(v)[:40])
def test_required_settings_are_in_the_functions_environment(
    logical_id: str, props: dict[str, Any]
) -> None:
    template = load_template()
    package = props["Handler"].split(".")[0]
    module_name, class_name = SETTINGS_OF[package]
    settings: type[BaseSettings] = getattr(importlib.import_module(module_name), class_name)
    prefix = settings.model_config.get("env_prefix", "")
    env = {
        **template["Globals"]["Function"]["Environment"]["Variables"],
        **props.get("Environment", {}).get("Variables", {}),
    }
    required = [
        f"{prefix}{name}".upper()
        for name, field in settings.model_fields.items()
        if field.is_required()
    ]
    missing = [name for name in required if name not in env]
    assert missing == [], f"{logical_id} lacks {missing}"


def test_every_function_runs_python_3_13_on_arm64() -> None:
    globals_ = load_template()["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13"
    assert globals_["Architectures"] == ["arm64"]


def test_the_local_resolver_decides_conditions_as_cloudformation_does() -> None:
    from contactguard_local.template import parameters, resolve

    template = {
        "Parameters": {"Mode": {"Type": "String", "Default": "forward"}},
        "Conditions": {
            "Workmail": {"Fn::Equals": [{"Ref": "Mode"}, "workmail"]},
            "Forward": {"Fn::Not": [{"Condition": "Workmail"}]},
        },
    }
    for mode, chosen in (("forward", "by-forwarding"), ("workmail", "by-workmail")):
        values = parameters(template, {"Mode": mode})
        either = {"Fn::If": ["Forward", "by-forwarding", "by-workmail"]}
        assert resolve(either, values, {}) == chosen


def test_organisation_domains_flow_from_the_template_to_every_function() -> None:
    """OrganisationDomains (issue 14): a template parameter, set on every function (Globals),
    read by the shared settings into the policy terms the domain checks officers against."""
    from contactguard.settings import CoreSettings

    template = load_template()
    parameter = template["Parameters"]["OrganisationDomains"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["CONTACTGUARD_ORGANISATION_DOMAINS"] == {"Ref": "OrganisationDomains"}
    settings = CoreSettings.model_validate(
        {"table_name": "t-table", "organisation_domains": parameter["Default"]}
    )
    assert settings.policy().terms.organisation_domains == ("example.org", "landlord.example")
    assert CoreSettings.model_fields["organisation_domains"].default == (
        settings.organisation_domains
    )


def _parameter(term: str) -> str:
    """A PolicyTerms field's template parameter: appeal_window_working_days ->
    AppealWindowWorkingDays."""
    return "".join(part.capitalize() for part in term.split("_"))


TERMS = [t.name for t in fields(PolicyTerms)]


@pytest.mark.parametrize("term", TERMS)
def test_every_policy_term_is_a_template_parameter_set_on_every_function(term: str) -> None:
    """Issue 15: each term is written once in code (PolicyTerms' default) and once in
    configuration (the template parameter, whose default must be the same); the settings take
    their defaults from PolicyTerms, and Globals hands the parameter to every function."""
    template = load_template()
    parameter = template["Parameters"][_parameter(term)]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables[f"CONTACTGUARD_{term.upper()}"] == {"Ref": _parameter(term)}
    default = getattr(PolicyTerms(), term)
    assert CoreSettings.model_fields[term].default == default
    from_template = CoreSettings.model_validate(
        {"table_name": "t-table", term: parameter["Default"]}
    )
    assert getattr(from_template.policy().terms, term) == default


@pytest.mark.parametrize("term", TERMS)
def test_an_operator_sets_a_policy_term_with_its_parameter_alone(
    term: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The value the template passes (CONTACTGUARD_<TERM>) is the value the domain uses."""
    default = getattr(PolicyTerms(), term)
    chosen: Any = default + 5 if isinstance(default, int) else ("housing.example",)
    raw = str(chosen) if isinstance(chosen, int) else ",".join(chosen)
    monkeypatch.setenv("CONTACTGUARD_TABLE_NAME", "t-table")
    monkeypatch.setenv(f"CONTACTGUARD_{term.upper()}", raw)
    assert getattr(CoreSettings().policy().terms, term) == chosen


def test_the_settings_take_every_policy_term_default_from_policy_terms() -> None:
    """No second copy of a term's default: each setting's default is PolicyTerms'."""
    source = "".join(Path(settings_module.__file__ or "").read_text(encoding="utf-8").split())
    for term in TERMS:
        assert term in CoreSettings.model_fields
        assert f"default=_TERMS.{term}," in source, term


# The console ---------------------------------------------------------------------------------


def console_environment(params: dict[str, Any] | None = None) -> dict[str, str]:
    """ConsoleFunction's environment as CloudFormation resolves it (locally: template.py)."""
    from contactguard_local.template import attributes, parameters, resolve, resource_names

    template = load_template()
    values = parameters(template, params)
    names = resource_names(template, values)
    refs, attrs = attributes(template, values, names)
    env = {
        **template["Globals"]["Function"]["Environment"]["Variables"],
        **template["Resources"]["ConsoleFunction"]["Properties"]["Environment"]["Variables"],
    }
    return {k: str(resolve(v, values, refs, attrs)) for k, v in env.items()}


def console_settings_of(env: dict[str, str]) -> Any:
    from console.settings import ConsoleSettings

    prefix = "CONTACTGUARD_"
    return ConsoleSettings.model_validate(
        {k.removeprefix(prefix).lower(): v for k, v in env.items() if k.startswith(prefix)}
    )


def test_the_console_s_settings_validate_from_the_template_with_and_without_a_console_url() -> None:
    unset = console_settings_of(console_environment())
    assert unset.console_url is None  # ConsoleUrl's default, "": from the request's address
    assert unset.client_id is None
    assert unset.organisation_name == "Housing services"
    custom = "https://staff.example.org/console"
    chosen = console_settings_of(console_environment({"ConsoleUrl": custom}))
    assert str(chosen.console_url) == custom


def test_the_console_reads_the_client_id_parameter_the_template_writes() -> None:
    """The id is not in the environment (a circular dependency): the function names the
    parameter, and the name it reads must be the one the template writes."""
    from contactguard_local.template import parameters, resolve

    template = load_template()
    values = parameters(template)
    parameter = template["Resources"]["ConsoleClientIdParameter"]["Properties"]
    assert parameter["Value"] == {"Ref": "ConsoleUserPoolClient"}
    env = console_environment()
    assert env["CONTACTGUARD_CLIENT_ID_PARAMETER"] == resolve(parameter["Name"], values, {})
    assert "CONTACTGUARD_CLIENT_ID" not in env


def test_the_console_signs_in_at_the_pool_s_managed_login_domain() -> None:
    from contactguard_local.template import parameters, resolve

    template = load_template()
    domain = template["Resources"]["StaffLoginDomain"]["Properties"]
    prefix = resolve(domain["Domain"], parameters(template), {})
    assert domain["UserPoolId"] == {"Ref": "StaffUserPool"}
    assert domain["ManagedLoginVersion"] == 2
    env = console_environment()
    assert env["CONTACTGUARD_LOGIN_DOMAIN"] == f"https://{prefix}.auth.eu-west-2.amazoncognito.com"


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({}, True),
        ({"client_id": "abc"}, False),
        ({"client_id_parameter": "/contactguard/dev/console/client-id"}, False),
        ({"client_id": "abc", "client_id_parameter": "/contactguard/dev/x"}, True),
        ({"client_id_parameter": "not-a-path"}, True),
    ],
)
def test_the_console_takes_its_client_id_one_way(fields: dict[str, str], refused: bool) -> None:
    from pydantic import ValidationError

    env = console_environment()
    env.pop("CONTACTGUARD_CLIENT_ID_PARAMETER")
    env.update({f"CONTACTGUARD_{k.upper()}": v for k, v in fields.items()})
    if refused:
        with pytest.raises(ValidationError):
            console_settings_of(env)
    else:
        console_settings_of(env)
