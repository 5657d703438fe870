"""Security properties of infra/template.yaml, so a later change cannot quietly drop one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contactguard_local.template import load_template

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]


def of_type(type_: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == type_}


def statements(node: Any) -> list[dict[str, Any]]:
    """Every IAM statement anywhere below `node`."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "Effect" in node and "Action" in node:
            found.append(node)
        for value in node.values():
            found += statements(value)
    elif isinstance(node, list):
        for value in node:
            found += statements(value)
    return found


def test_the_table_keeps_its_data() -> None:
    table = RESOURCES["CasesTable"]
    props = table["Properties"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    assert props["DeletionProtectionEnabled"] is True  # not even a stack update can drop it
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


@pytest.mark.parametrize("logical_id", sorted(of_type("AWS::S3::Bucket")))
def test_buckets_are_private_owned_and_encrypted(logical_id: str) -> None:
    props = RESOURCES[logical_id]["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]


@pytest.mark.parametrize("logical_id", sorted(of_type("AWS::S3::Bucket")))
def test_buckets_refuse_plain_http(logical_id: str) -> None:
    policies = [
        p
        for p in of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    assert policies, f"{logical_id} has no bucket policy"
    denies = [
        s
        for s in statements(policies[0])
        if s["Effect"] == "Deny"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert denies


def test_the_receipt_rule_stores_first_then_asks_ingest_synchronously() -> None:
    rule = RESOURCES["InboundRule"]
    spec = rule["Properties"]["Rule"]
    assert spec["Enabled"] is True
    assert spec["ScanEnabled"] is True
    assert spec["TlsPolicy"] == "Require"
    first, second, third = spec["Actions"]
    assert "S3Action" in first
    assert "KmsKeyArn" not in first["S3Action"]  # client-side encryption boto3 cannot read
    assert first["S3Action"]["ObjectKeyPrefix"]
    assert second["LambdaAction"]["InvocationType"] == "RequestResponse"
    assert set(rule["DependsOn"]) >= {"RawMailBucketPolicy", "IngestInvokePermission"}
    # Last, only with DeliveryMode workmail, and reached only when ingest says CONTINUE: a
    # filed or quarantined message (STOP_RULE_SET) never gets to WorkMail.
    condition, workmail, otherwise = third["Fn::If"]
    assert condition == "DeliverWithWorkMail"
    assert workmail["WorkmailAction"]["OrganizationArn"] == {"Ref": "WorkMailOrganizationArn"}
    assert otherwise == {"Ref": "AWS::NoValue"}


def test_accepted_mail_reaches_staff_in_aws_by_the_delivery_function() -> None:
    """Without it, CONTINUE and STOP_RULE_SET end alike in AWS: stored, seen by nobody."""
    props = RESOURCES["DeliveryFunction"]["Properties"]
    (events,) = props["Events"].values()
    (pattern,) = events["Properties"]["FilterCriteria"]["Filters"]
    image = json.loads(pattern["Pattern"])["dynamodb"]["NewImage"]
    assert image["kind"] == {"S": ["contact"]}
    assert image["channel"] == {"S": ["email"]}
    assert sorted(image["disposition"]["S"]) == ["accepted", "routed-to-officer", "unmatched"]
    assert events["Properties"]["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    env = props["Environment"]["Variables"]
    assert env["CONTACTGUARD_STAFF_MAILBOX"] == {"Ref": "StaffMailbox"}
    (send,) = [
        statement
        for policy in props["Policies"]
        for statement in policy.get("Statement", [])
        if statement["Action"] == "ses:SendRawEmail"
    ]
    # It may send only as our forwarding sender, never as anyone else.
    assert send["Condition"]["StringEquals"]["ses:FromAddress"] == {"Ref": "ForwardingSender"}


def test_only_ses_of_this_account_and_rule_may_invoke_ingest() -> None:
    props = RESOURCES["IngestInvokePermission"]["Properties"]
    assert props["Principal"] == "ses.amazonaws.com"
    assert props["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert "receipt-rule" in str(props["SourceArn"])


def test_the_scheduler_role_is_scoped_to_our_group_and_function() -> None:
    role = RESOURCES["SchedulerExecutionRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert "schedule/contactguard-" in str(trust["Condition"]["ArnLike"]["aws:SourceArn"])
    actions = sorted(
        a
        for s in statements(role["Policies"])
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    )
    assert actions == ["lambda:InvokeFunction", "sqs:SendMessage"]


def test_no_statement_grants_every_action() -> None:
    for logical_id, resource in RESOURCES.items():
        for statement in statements(resource):
            actions = statement["Action"]
            actions = [actions] if isinstance(actions, str) else actions
            for action in actions:
                assert (
                    action != "*" and not action.endswith(":*") or statement["Effect"] == ("Deny")
                ), f"{logical_id} allows {action}"


def test_pass_role_is_only_to_the_scheduler() -> None:
    passing = [
        s
        for r in RESOURCES.values()
        for s in statements(r)
        if "iam:PassRole" in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert passing
    for statement in passing:
        assert statement["Condition"]["StringEquals"]["iam:PassedToService"] == (
            "scheduler.amazonaws.com"
        )


def test_stream_consumers_report_partial_failures_and_keep_what_fails() -> None:
    consumers = [
        event["Properties"]
        for function in of_type("AWS::Serverless::Function").values()
        for event in (function["Properties"].get("Events") or {}).values()
        if event["Type"] == "DynamoDB"
    ]
    assert consumers
    for props in consumers:
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert props["BisectBatchOnFunctionError"] is True
        assert 0 < props["MaximumRetryAttempts"] <= 10
        assert props["MaximumRecordAgeInSeconds"] > 0
        assert props["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
        assert props["FilterCriteria"]["Filters"]


def test_every_queue_is_encrypted() -> None:
    for props in (q["Properties"] for q in of_type("AWS::SQS::Queue").values()):
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props


def test_one_cognito_group_per_staff_role_and_none_for_the_system() -> None:
    from contactguard.domain.model import Role

    groups = {g["Properties"]["GroupName"] for g in of_type("AWS::Cognito::UserPoolGroup").values()}
    assert groups == {r.value for r in Role} - {Role.SYSTEM.value}
    pool = RESOURCES["StaffUserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["MfaConfiguration"] == "ON"
    api = RESOURCES["StaffApi"]["Properties"]
    assert api["Auth"]["DefaultAuthorizer"] == "StaffPool"


# Staff identity (issue 14, finding 7) ---------------------------------------------------------

# Standard attributes that say who a member of staff is, or how they sign in: only an
# administrator may set them. `name` signs letters and is recorded on every case event.
IDENTITY_ATTRIBUTES = {
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "email",
    "phone_number",
    "profile",
    "picture",
    "website",
}


CLIENTS = sorted(of_type("AWS::Cognito::UserPoolClient"))


@pytest.mark.parametrize("logical_id", CLIENTS)
def test_staff_cannot_rename_themselves(logical_id: str) -> None:
    client = RESOURCES[logical_id]["Properties"]
    # Left out, Cognito lets the client write every standard attribute: it must be listed.
    assert "WriteAttributes" in client
    writable = set(client["WriteAttributes"])
    assert not writable & IDENTITY_ATTRIBUTES, writable
    assert not any(a.startswith("custom:") for a in writable)
    assert writable <= {"locale", "zoneinfo"}  # harmless preferences at most
    assert {"name", "email"} <= set(client["ReadAttributes"])  # the API reads `name`


@pytest.mark.parametrize("logical_id", CLIENTS)
def test_a_staff_session_lasts_a_working_day_and_tokens_an_hour(logical_id: str) -> None:
    client = RESOURCES[logical_id]["Properties"]
    assert client["UserPoolId"] == {"Ref": "StaffUserPool"}
    assert client["GenerateSecret"] is False  # public clients: the CLI, the console (PKCE)
    units = client["TokenValidityUnits"]
    assert (client["RefreshTokenValidity"], units["RefreshToken"]) == (12, "hours")
    assert (client["AccessTokenValidity"], units["AccessToken"]) == (60, "minutes")
    assert (client["IdTokenValidity"], units["IdToken"]) == (60, "minutes")
    assert client["EnableTokenRevocation"] is True
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def test_the_console_s_client_signs_in_by_code_only_back_to_the_console() -> None:
    from contactguard_local.template import parameters, resolve

    client = RESOURCES["ConsoleUserPoolClient"]["Properties"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["AllowedOAuthFlows"] == ["code"]  # no implicit grant, no client credentials
    assert client["AllowedOAuthScopes"] == ["openid", "email", "profile"]
    assert client["SupportedIdentityProviders"] == ["COGNITO"]
    names = {"StaffApi": "api-id"}
    stage = "https://api-id.execute-api.eu-west-2.amazonaws.com/dev/console"
    unset = parameters(TEMPLATE)
    assert resolve(client["CallbackURLs"], unset, names) == [f"{stage}/auth/callback"]
    assert resolve(client["LogoutURLs"], unset, names) == [f"{stage}/signed-out"]
    custom = parameters(TEMPLATE, {"ConsoleUrl": "https://staff.example.org/console"})
    assert resolve(client["CallbackURLs"], custom, names) == [
        f"{stage}/auth/callback",
        "https://staff.example.org/console/auth/callback",
    ]
    assert resolve(client["LogoutURLs"], custom, names)[1] == (
        "https://staff.example.org/console/signed-out"
    )


def test_a_console_url_is_https_without_a_trailing_slash() -> None:
    import re

    pattern = re.compile(TEMPLATE["Parameters"]["ConsoleUrl"]["AllowedPattern"])
    for good in ("", "https://staff.example.org", "https://staff.example.org/console"):
        assert pattern.fullmatch(good), good
    for bad in (
        "http://staff.example.org/console",
        "https://staff.example.org/console/",
        "https://staff.example.org/console?x=1",
        "https://Staff.example.org/console",
        "staff.example.org",
    ):
        assert not pattern.fullmatch(bad), bad


def test_only_the_console_s_routes_skip_the_api_s_cognito_authorizer() -> None:
    """A browser cannot send a Cognito token: the console authenticates itself (its session
    cookie). Every other route keeps the API's default authorizer."""
    assert RESOURCES["StaffApi"]["Properties"]["Auth"]["DefaultAuthorizer"] == "StaffPool"
    open_routes = set()
    for lid, function in of_type("AWS::Serverless::Function").items():
        for event in (function["Properties"].get("Events") or {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            assert props["RestApiId"] == {"Ref": "StaffApi"}, lid
            if "Auth" in props:
                assert props["Auth"] == {"Authorizer": "NONE"}, lid
                open_routes.add((lid, props["Path"], props["Method"]))
    assert open_routes == {
        ("ConsoleFunction", "/console", "ANY"),
        ("ConsoleFunction", "/console/{proxy+}", "ANY"),
    }


def test_the_console_s_signing_secret_is_generated_long_and_its_own() -> None:
    secret = RESOURCES["ConsoleSigningSecret"]["Properties"]
    assert "SecretString" not in secret  # generated by Secrets Manager, never in the template
    assert secret["GenerateSecretString"] == {"PasswordLength": 64, "ExcludePunctuation": True}


def test_no_circular_dependency_once_sam_has_expanded_the_template() -> None:
    """cfn-lint (make lint-infra) does not see a cycle through the API's integrations; this
    does. The one the console would have: its client id in its environment."""
    from contactguard_local.iam import expand
    from contactguard_local.template import dependency_cycle, parameters

    assert dependency_cycle(expand(TEMPLATE, parameters(TEMPLATE))) is None
    cyclic = json.loads(json.dumps(TEMPLATE))
    env = cyclic["Resources"]["ConsoleFunction"]["Properties"]["Environment"]["Variables"]
    env["CONTACTGUARD_CLIENT_ID"] = {"Ref": "ConsoleUserPoolClient"}
    cycle = dependency_cycle(expand(cyclic, parameters(cyclic)))
    assert cycle is not None
    assert set(cycle) == {"ConsoleFunction", "ConsoleUserPoolClient", "StaffApi"}


def test_the_staff_pool_is_protected_and_invite_only() -> None:
    pool = RESOURCES["StaffUserPool"]
    props = pool["Properties"]
    assert props["DeletionProtection"] == "ACTIVE"
    assert pool["DeletionPolicy"] == "Retain"
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["MfaConfiguration"] == "ON"


def test_threat_protection_is_enforced_by_default_on_the_plan_that_has_it() -> None:
    parameter = TEMPLATE["Parameters"]["StaffThreatProtection"]
    assert parameter["Default"] == "ENFORCED"
    props = RESOURCES["StaffUserPool"]["Properties"]
    assert props["UserPoolAddOns"] == {"AdvancedSecurityMode": {"Ref": "StaffThreatProtection"}}
    # Threat protection needs the Plus plan; off, the pool stays on Essentials.
    assert props["UserPoolTier"] == {"Fn::If": ["StaffThreatProtectionOn", "PLUS", "ESSENTIALS"]}
    assert TEMPLATE["Conditions"]["StaffThreatProtectionOn"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "StaffThreatProtection"}, "OFF"]}]
    }


def test_every_checkov_suppression_sits_in_metadata_with_its_reason() -> None:
    skips = [
        (lid, skip)
        for lid, resource in RESOURCES.items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips, "no suppressions at all: then this test should go"
    for lid, skip in skips:
        assert str(skip["id"]).startswith("CKV_"), (lid, skip)
        assert len(skip.get("comment", "").split()) >= 8, f"{lid}: {skip['id']} needs a reason"


def test_scheduled_invocations_are_never_dropped_silently() -> None:
    for lid, function in of_type("AWS::Serverless::Function").items():
        for event in (function["Properties"].get("Events") or {}).values():
            if event["Type"] not in ("ScheduleV2", "Schedule"):
                continue
            props = event["Properties"]
            assert event["Type"] == "ScheduleV2", lid
            assert props["DeadLetterConfig"]["Arn"] == {
                "Fn::GetAtt": ["DeadlinesDeadLetterQueue", "Arn"]
            }, lid
            # Two stages in one account must not share a schedule name.
            assert "${Stage}" in props["Name"]["Fn::Sub"], lid


def test_the_staff_api_is_traced_and_throttled() -> None:
    api = RESOURCES["StaffApi"]["Properties"]
    assert api["TracingEnabled"] is True
    assert all(s["ThrottlingRateLimit"] > 0 for s in api["MethodSettings"])


def _alarmed(metric: str, dimension: str) -> set[str]:
    """Logical ids of what the alarms on `metric` watch (by the dimension's !Ref or !GetAtt)."""
    watched: set[str] = set()
    for alarm in of_type("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props.get("MetricName") != metric:
            continue
        assert props["AlarmActions"], "an alarm nobody hears"
        for dim in props.get("Dimensions", []):
            if dim["Name"] == dimension:
                value = dim["Value"]
                watched.add(value.get("Ref") or value["Fn::GetAtt"][0])
    return watched


def test_every_function_has_error_and_throttle_alarms_and_a_log_group_with_retention() -> None:
    functions = set(of_type("AWS::Serverless::Function"))
    assert _alarmed("Errors", "FunctionName") >= functions
    assert _alarmed("Throttles", "FunctionName") >= functions
    groups = {
        g["Properties"]["LogGroupName"]["Fn::Sub"]: g["Properties"]
        for g in of_type("AWS::Logs::LogGroup").values()
    }
    for lid in functions:
        props = groups[f"/aws/lambda/${{{lid}}}"]
        assert props["RetentionInDays"] == {"Ref": "LogRetentionDays"}, lid


def test_every_queue_that_keeps_failures_has_a_depth_alarm() -> None:
    assert _alarmed("ApproximateNumberOfMessagesVisible", "QueueName") == set(
        of_type("AWS::SQS::Queue")
    )


def test_missed_reviews_raise_an_alarm() -> None:
    filters = of_type("AWS::Logs::MetricFilter").values()
    metrics = {
        t["MetricName"]
        for f in filters
        if "missed_review" in f["Properties"]["FilterPattern"]
        for t in f["Properties"]["MetricTransformations"]
    }
    assert metrics == {"MissedReviews"}
    alarms = [
        a
        for a in of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "MissedReviews"
    ]
    assert alarms
    assert all(a["Properties"]["AlarmActions"] for a in alarms)


def _our_metrics() -> set[str]:
    """Metric names in our own namespace that the dashboard and alarms read."""
    names = set()
    for resource in RESOURCES.values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::CloudWatch::Alarm" and "contactguard-${Stage}" in str(
            props.get("Namespace")
        ):
            names.add(props["MetricName"])
        if resource["Type"] == "AWS::CloudWatch::Dashboard":
            body = json.loads(props["DashboardBody"]["Fn::Sub"])
            for widget in body["widgets"]:
                for spec in widget.get("properties", {}).get("metrics", []):
                    if spec[0] == "contactguard-${Stage}":
                        names.add(spec[1])
    return names


def test_every_metric_operations_watch_is_one_the_code_counts() -> None:
    """A renamed metric would leave a dashboard line flat and an alarm deaf."""
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (Path(__file__).resolve().parents[2] / "functions").rglob("*.py")
    )
    watched = _our_metrics()
    assert {"DeliveryFailures", "EmailsQuarantined", "Deliveries", "LettersDrafted"} <= watched
    assert sorted(name for name in watched if f'"{name}"' not in code) == []
