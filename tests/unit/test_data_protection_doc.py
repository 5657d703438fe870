"""docs/data-protection.md is generated from the retention schedule, the template and the role
grants: the committed file is current, and no store goes undescribed."""

from __future__ import annotations

import copy

import pytest

from contactguard.domain.retention import RULES
from contactguard_local.data_protection import DOCUMENT, document, main
from contactguard_local.template import load_template


@pytest.mark.policy("design-data-protection")
def test_the_committed_data_protection_document_is_current() -> None:
    assert main(["--check"]) == 0, "run: python -m contactguard_local.data_protection"
    text = DOCUMENT.read_text(encoding="utf-8")
    for kind, rule in RULES.items():
        assert f"| `{kind.value}` | {rule.default.words()} |" in text


def test_a_store_the_template_gains_must_be_described_first() -> None:
    template = copy.deepcopy(load_template())
    template["Resources"]["SomeNewBucket"] = {"Type": "AWS::S3::Bucket", "Properties": {}}
    with pytest.raises(RuntimeError, match="SomeNewBucket"):
        document(template)


def test_a_lifecycle_period_is_read_from_the_template() -> None:
    template = copy.deepcopy(load_template())
    rules = template["Resources"]["LettersBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    (previews,) = [r for r in rules if r["Id"] == "expire-previews"]
    previews["ExpirationInDays"] = 7
    assert "7 days (lifecycle rule `expire-previews`)" in document(template)
