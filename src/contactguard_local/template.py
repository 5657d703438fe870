"""Read infra/template.yaml and build its DynamoDB tables on any client (moto locally).

The embedded stack and the adapter tests take their tables from the SAM template, so the
schema lives in one place and local runs cannot drift from what is deployed.

    template = load_template()                 # CloudFormation short-form tags understood
    names = table_names(template)              # {"CasesTable": "contactguard-dev"}
    create_tables(client, template)            # create_table + update_time_to_live

Local tooling: never shipped to Lambda.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"

PSEUDO_PARAMETERS: dict[str, str] = {
    "AWS::Region": "eu-west-2",
    "AWS::AccountId": "123456789012",  # moto's default account
    "AWS::StackName": "contactguard-local",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackId": (
        "arn:aws:cloudformation:eu-west-2:123456789012:stack/contactguard-local/local"
    ),
}

TABLE_TYPE = "AWS::DynamoDB::Table"


class UnsupportedIntrinsic(ValueError):
    """The template uses an intrinsic function (or reference) the local resolver cannot do."""


# Loading ----------------------------------------------------------------------------------

_FUNCTIONS = {
    "!Sub": "Fn::Sub",
    "!GetAtt": "Fn::GetAtt",
    "!Join": "Fn::Join",
    "!If": "Fn::If",
    "!Equals": "Fn::Equals",
    "!Select": "Fn::Select",
    "!Split": "Fn::Split",
    "!FindInMap": "Fn::FindInMap",
    "!ImportValue": "Fn::ImportValue",
    "!Not": "Fn::Not",
    "!And": "Fn::And",
    "!Or": "Fn::Or",
    "!Base64": "Fn::Base64",
    "!Cidr": "Fn::Cidr",
    "!GetAZs": "Fn::GetAZs",
    "!Ref": "Ref",
    "!Condition": "Condition",
}


class CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that reads CloudFormation short-form tags as their long-form dicts.

    Dates stay strings (CloudFormation does not parse them), e.g. "2010-09-09".
    """


CloudFormationLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node.tag}")


def _short_form(long_name: str) -> Any:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        value = _construct(loader, node)
        if long_name == "Fn::GetAtt" and isinstance(value, str):
            logical_id, _, attribute = value.partition(".")
            value = [logical_id, attribute]
        elif long_name == "Fn::GetAZs" and value is None:
            value = ""
        return {long_name: value}

    return construct


for _tag, _long_name in _FUNCTIONS.items():
    CloudFormationLoader.add_constructor(_tag, _short_form(_long_name))


def load_template(path: Path | str | None = None) -> dict[str, Any]:
    """The SAM template as a dict, short-form tags turned into long-form intrinsics."""
    source = Path(path) if path is not None else TEMPLATE_PATH
    # CloudFormationLoader is a SafeLoader: no arbitrary objects are constructed.
    loaded = yaml.load(source.read_text(encoding="utf-8"), Loader=CloudFormationLoader)
    if not isinstance(loaded, dict) or not isinstance(loaded.get("Resources"), dict):
        raise ValueError(f"{source} is not a CloudFormation template with Resources")
    return loaded


# Resolving --------------------------------------------------------------------------------

_NO_VALUE = object()  # Ref AWS::NoValue: the property is left out
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _fake_arn(logical_id: str, attribute: str, params: Mapping[str, Any], name: str) -> str:
    region = params.get("AWS::Region", PSEUDO_PARAMETERS["AWS::Region"])
    account = params.get("AWS::AccountId", PSEUDO_PARAMETERS["AWS::AccountId"])
    return f"arn:aws:local:{region}:{account}:{logical_id}/{name}/{attribute}"


def _ref(name: str, params: Mapping[str, Any], resources: Mapping[str, str]) -> Any:
    if name == "AWS::NoValue":
        return _NO_VALUE
    if name in params:
        return params[name]
    if name in resources:
        return resources[name]
    if name in PSEUDO_PARAMETERS:
        return PSEUDO_PARAMETERS[name]
    raise UnsupportedIntrinsic(f"Ref to unknown parameter or resource {name!r}")


def _get_att(
    target: Any,
    params: Mapping[str, Any],
    resources: Mapping[str, str],
    attributes: Mapping[str, str] | None = None,
) -> str:
    if isinstance(target, str):
        target = target.split(".", 1)
    if not isinstance(target, list) or len(target) != 2:
        raise UnsupportedIntrinsic(f"Fn::GetAtt needs [resource, attribute], not {target!r}")
    logical_id, attribute = (str(resolve(part, params, resources, attributes)) for part in target)
    if logical_id not in resources:
        raise UnsupportedIntrinsic(f"Fn::GetAtt of unknown resource {logical_id!r}")
    if attributes and f"{logical_id}.{attribute}" in attributes:
        return attributes[f"{logical_id}.{attribute}"]
    return _fake_arn(logical_id, attribute, params, resources[logical_id])


def _sub(
    value: Any,
    params: Mapping[str, Any],
    resources: Mapping[str, str],
    attributes: Mapping[str, str] | None = None,
) -> str:
    if isinstance(value, list):
        if len(value) != 2 or not isinstance(value[1], dict):
            raise UnsupportedIntrinsic("Fn::Sub takes a string or [string, {variables}]")
        text = value[0]
        variables = {
            name: resolve(v, params, resources, attributes) for name, v in value[1].items()
        }
    else:
        text, variables = value, {}
    if not isinstance(text, str):
        raise UnsupportedIntrinsic("Fn::Sub needs a string")

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("!"):  # ${!Literal} is written as ${Literal}
            return "${" + name[1:] + "}"
        if name in variables:
            return str(variables[name])
        if "." in name and not name.startswith("AWS::"):
            return _get_att(name, params, resources, attributes)
        return str(_ref(name, params, resources))

    return _SUB_VARIABLE.sub(replace, text)


CONDITION = "Condition::"  # how `parameters` keeps a decided condition among the values


def resolve(
    value: Any,
    params: Mapping[str, Any],
    resources: Mapping[str, str],
    attributes: Mapping[str, str] | None = None,
) -> Any:
    """Resolve the intrinsic functions in `value`.

    `params` maps parameter names (defaults included; see `parameters`) and pseudo-parameters
    to values; `resources` maps logical ids to physical names (see `resource_names`), which is
    what Ref gives (CloudFormation gives an ARN for a topic, a URL for a queue: put those in
    `resources` when they matter). Supports Ref, Fn::Sub (string
    and [string, variables]), Fn::Join, Fn::GetAtt (a fake ARN-like string), Fn::Select,
    Fn::Split, Fn::Base64, Fn::Equals, Fn::Not and Fn::If (on the template's Conditions,
    which `parameters` decides); anything else raises UnsupportedIntrinsic. `attributes` maps
    "LogicalId.Attribute" to what Fn::GetAtt gives (contactguard_local.iam gives real ARN
    shapes); without an entry it is a fake ARN-like string.
    """
    if isinstance(value, list):
        items = (resolve(item, params, resources, attributes) for item in value)
        return [item for item in items if item is not _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((name, argument),) = value.items()
        if name == "Ref":
            return _ref(str(argument), params, resources)
        if name == "Fn::Sub":
            return _sub(argument, params, resources, attributes)
        if name == "Fn::GetAtt":
            return _get_att(argument, params, resources, attributes)
        if name == "Fn::Join":
            delimiter, parts = resolve(argument, params, resources, attributes)
            return str(delimiter).join(str(part) for part in parts)
        if name == "Fn::Select":
            index, items = resolve(argument, params, resources, attributes)
            return items[int(index)]
        if name == "Fn::Split":
            delimiter, text = resolve(argument, params, resources, attributes)
            return str(text).split(str(delimiter))
        if name == "Condition" and f"{CONDITION}{argument}" in params:
            return params[f"{CONDITION}{argument}"]  # a condition named inside another
        if name == "Fn::Equals":
            left, right = resolve(argument, params, resources, attributes)
            return str(left) == str(right)
        if name == "Fn::Not":
            (condition,) = resolve(argument, params, resources, attributes)
            return not condition
        if name == "Fn::If":
            condition, when_true, when_false = argument
            if f"{CONDITION}{condition}" not in params:
                raise UnsupportedIntrinsic(f"Fn::If names an unknown condition {condition}")
            chosen = when_true if params[f"{CONDITION}{condition}"] else when_false
            return resolve(chosen, params, resources, attributes)
        if name == "Fn::Base64":
            text = str(resolve(argument, params, resources, attributes))
            return base64.b64encode(text.encode()).decode()
        if name.startswith("Fn::"):
            raise UnsupportedIntrinsic(f"{name} is not supported by the local resolver")
    resolved = {key: resolve(item, params, resources, attributes) for key, item in value.items()}
    return {key: item for key, item in resolved.items() if item is not _NO_VALUE}


def _is_list_type(spec: Any) -> bool:
    kind = str(spec.get("Type", "")) if isinstance(spec, dict) else ""
    return kind == "CommaDelimitedList" or kind.startswith("List<")


def parameters(
    template: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Pseudo-parameters, then the template's parameter defaults, then `overrides`.

    List parameters (CommaDelimitedList, List<...>) given as strings are split on commas,
    as CloudFormation does.
    """
    specs: dict[str, Any] = dict(template.get("Parameters") or {})
    values: dict[str, Any] = dict(PSEUDO_PARAMETERS)
    for name, spec in specs.items():
        if isinstance(spec, dict) and "Default" in spec:
            values[name] = spec["Default"]
    values.update(overrides or {})
    missing = [name for name in specs if name not in values]
    if missing:
        raise ValueError(f"parameters without a default need a value: {', '.join(missing)}")
    for name, spec in specs.items():
        if _is_list_type(spec) and isinstance(values[name], str):
            values[name] = [part.strip() for part in values[name].split(",")]
    # The template's Conditions, decided from these values, for Fn::If.
    for name, condition in (template.get("Conditions") or {}).items():
        values[f"{CONDITION}{name}"] = bool(resolve(condition, values, {}))
    return values


def _tables(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if isinstance(resource, dict) and resource.get("Type") == TABLE_TYPE
    }


# The property that holds a resource's physical name, by resource type.
NAME_PROPERTIES: dict[str, str] = {
    TABLE_TYPE: "TableName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::SES::ReceiptRuleSet": "RuleSetName",
    "AWS::Scheduler::ScheduleGroup": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SSM::Parameter": "Name",
    "AWS::Cognito::UserPoolDomain": "Domain",
}

# Secrets Manager ends a secret's ARN with its name, a hyphen and six random characters. Here
# every secret's six are these (`attributes`, and contactguard_local.iam for the secret a call
# names), so a grant on a secret's ARN and a call naming the secret meet on one ARN.
SECRET_SUFFIX = "local0"


def secret_arn(name: str, region: str, account: str, partition: str = "aws") -> str:
    """The ARN of the secret `name` (its random suffix is SECRET_SUFFIX locally)."""
    return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-{SECRET_SUFFIX}"


def resource_names(
    template: Mapping[str, Any], params: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """{logical id: physical name} for every resource, resolved with `parameters`.

    The name comes from the type's name property (NAME_PROPERTIES) when the template sets
    it, else "{AWS::StackName}-{logical id}" (CloudFormation adds a random suffix; locally
    it is deterministic). A name may refer to other resources' names.
    """
    values = parameters(template, params)
    stack = str(values.get("AWS::StackName", PSEUDO_PARAMETERS["AWS::StackName"]))
    pending: dict[str, Any] = {}
    names: dict[str, str] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        resource = resource if isinstance(resource, dict) else {}
        props = resource.get("Properties") or {}
        prop = NAME_PROPERTIES.get(str(resource.get("Type", "")))
        if prop and props.get(prop) is not None:
            pending[logical_id] = props[prop]
        else:
            names[logical_id] = f"{stack}-{logical_id}"
    while pending:  # names that refer to names resolve once those are known
        resolved: dict[str, str] = {}
        for logical_id, name in pending.items():
            try:
                resolved[logical_id] = str(resolve(name, values, names))
            except UnsupportedIntrinsic:
                continue
        if not resolved:
            raise UnsupportedIntrinsic(f"cannot resolve the names of {', '.join(pending)}")
        names.update(resolved)
        pending = {k: v for k, v in pending.items() if k not in resolved}
    return names


def attributes(
    template: Mapping[str, Any], values: Mapping[str, Any], names: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """({logical id: what Ref gives}, {"LogicalId.Attribute": what Fn::GetAtt gives}).

    In the shapes AWS gives them (a topic's Ref is its ARN, a queue's its URL, a secret's its
    ARN, a role's Arn is arn:aws:iam::<account>:role/<name>), for the resource types this
    project uses; `values` from `parameters`, `names` from `resource_names`. Other attributes
    stay unresolved here (`resolve` gives them a fake ARN-like string).
    """
    resources: Mapping[str, Any] = template.get("Resources") or {}
    partition = values.get("AWS::Partition", "aws")
    region = values["AWS::Region"]
    account = values["AWS::AccountId"]
    refs: dict[str, str] = dict(names)
    attrs: dict[str, str] = {}

    def arn(service: str, rest: str, *, regional: bool = True, account_id: bool = True) -> str:
        where = f"{region if regional else ''}:{account if account_id else ''}"
        return f"arn:{partition}:{service}:{where}:{rest}"

    for lid, resource in resources.items():
        name = names[lid]
        kind = resource.get("Type")
        if kind == "AWS::DynamoDB::Table":
            attrs[f"{lid}.Arn"] = arn("dynamodb", f"table/{name}")
            attrs[f"{lid}.StreamArn"] = arn("dynamodb", f"table/{name}/stream/2026-01-01T00:00")
        elif kind == "AWS::S3::Bucket":
            attrs[f"{lid}.Arn"] = arn("s3", name, regional=False, account_id=False)
        elif kind == "AWS::SNS::Topic":
            refs[lid] = attrs[f"{lid}.TopicArn"] = arn("sns", name)
            attrs[f"{lid}.TopicName"] = name
        elif kind == "AWS::SQS::Queue":
            refs[lid] = attrs[f"{lid}.QueueUrl"] = (
                f"https://sqs.{region}.amazonaws.com/{account}/{name}"
            )
            attrs[f"{lid}.Arn"] = arn("sqs", name)
            attrs[f"{lid}.QueueName"] = name
        elif kind == "AWS::IAM::Role":
            attrs[f"{lid}.Arn"] = arn("iam", f"role/{name}", regional=False)
        elif kind in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            attrs[f"{lid}.Arn"] = arn("lambda", f"function:{name}")
        elif kind == "AWS::Scheduler::ScheduleGroup":
            attrs[f"{lid}.Arn"] = arn("scheduler", f"schedule-group/{name}")
        elif kind == "AWS::Scheduler::Schedule":
            attrs[f"{lid}.Arn"] = arn("scheduler", f"schedule/default/{name}")
        elif kind == "AWS::Cognito::UserPool":
            refs[lid] = f"{region}_example"
            attrs[f"{lid}.Arn"] = arn("cognito-idp", f"userpool/{region}_example")
        elif kind == "AWS::Logs::LogGroup":
            attrs[f"{lid}.Arn"] = arn("logs", f"log-group:{name}:*")
        elif kind == "AWS::SecretsManager::Secret":
            refs[lid] = attrs[f"{lid}.Id"] = secret_arn(name, region, account, partition)
    return refs, attrs


def table_names(
    template: Mapping[str, Any] | None = None, params: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """{logical id: table name} for every AWS::DynamoDB::Table in the template."""
    template = template if template is not None else load_template()
    names = resource_names(template, params)
    return {logical_id: names[logical_id] for logical_id in _tables(template)}


# Dependencies -----------------------------------------------------------------------------


def _referenced(node: Any, logical_ids: Collection[str]) -> set[str]:
    """The resources `node` refers to (Ref, Fn::GetAtt, and ${...} in Fn::Sub)."""
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _referenced(item, logical_ids)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                found.add(str(value[0] if isinstance(value, list) else value.split(".")[0]))
            elif key == "Fn::Sub":
                text, variables = (value, {}) if isinstance(value, str) else value
                named = {m.split(".")[0] for m in _SUB_VARIABLE.findall(str(text))}
                found |= {n for n in named if not n.startswith("!")} - set(variables)
                found |= _referenced(variables, logical_ids)
            else:
                found |= _referenced(value, logical_ids)
    return found & set(logical_ids)


def dependency_cycle(template: Mapping[str, Any]) -> list[str] | None:
    """A circular dependency between the template's resources (["A", "B", "A"]: A needs B,
    which needs A), or None. CloudFormation refuses such a template; run it on the template SAM
    expands (contactguard_local.iam.expand), where the API's integrations name functions."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    needs: dict[str, set[str]] = {}
    for lid, resource in resources.items():
        after = resource.get("DependsOn") or []
        needs[lid] = _referenced(resource.get("Properties") or {}, resources) | set(
            [after] if isinstance(after, str) else after
        )
    done: set[str] = set()

    def visit(lid: str, path: list[str]) -> list[str] | None:
        if lid in path:
            return path[path.index(lid) :] + [lid]
        if lid in done:
            return None
        for needed in sorted(needs.get(lid, ())):
            cycle = visit(needed, [*path, lid])
            if cycle:
                return cycle
        done.add(lid)
        return None

    for lid in sorted(needs):
        cycle = visit(lid, [])
        if cycle:
            return cycle
    return None


# Creating ---------------------------------------------------------------------------------


def _throughput(spec: Mapping[str, Any]) -> dict[str, int]:
    return {
        "ReadCapacityUnits": int(spec["ReadCapacityUnits"]),
        "WriteCapacityUnits": int(spec["WriteCapacityUnits"]),
    }


def _index(spec: Mapping[str, Any], provisioned: bool) -> dict[str, Any]:
    index: dict[str, Any] = {
        "IndexName": spec["IndexName"],
        "KeySchema": spec["KeySchema"],
        "Projection": spec["Projection"],
    }
    if provisioned and "ProvisionedThroughput" in spec:
        index["ProvisionedThroughput"] = _throughput(spec["ProvisionedThroughput"])
    return index


def _create_table_request(name: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation table properties -> a CreateTable request."""
    billing = props.get("BillingMode", "PROVISIONED")
    provisioned = billing == "PROVISIONED"
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": billing,
    }
    if provisioned:
        request["ProvisionedThroughput"] = _throughput(props["ProvisionedThroughput"])
    if props.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = [
            _index(spec, provisioned) for spec in props["GlobalSecondaryIndexes"]
        ]
    if props.get("LocalSecondaryIndexes"):
        request["LocalSecondaryIndexes"] = [
            _index(spec, provisioned=False) for spec in props["LocalSecondaryIndexes"]
        ]
    stream = props.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": stream["StreamViewType"],
        }
    sse = props.get("SSESpecification")
    if sse is not None:
        api_sse: dict[str, Any] = {"Enabled": bool(sse.get("SSEEnabled", False))}
        if sse.get("SSEType"):
            api_sse["SSEType"] = sse["SSEType"]
        if sse.get("KMSMasterKeyId"):
            api_sse["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
        request["SSESpecification"] = api_sse
    if props.get("DeletionProtectionEnabled") in (True, "true", "True"):
        request["DeletionProtectionEnabled"] = True
    if props.get("TableClass"):
        request["TableClass"] = props["TableClass"]
    if props.get("Tags"):
        request["Tags"] = [{"Key": t["Key"], "Value": str(t["Value"])} for t in props["Tags"]]
    return request


def create_tables(
    client: DynamoDBClient,
    template: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Create every AWS::DynamoDB::Table of the template; returns {logical id: table name}.

    AWS::Region defaults to the client's region. Time to live and point-in-time recovery
    are switched on after creation when the template enables them.
    """
    template = template if template is not None else load_template()
    overrides = dict(params or {})
    region = getattr(client.meta, "region_name", None)
    if region and "AWS::Region" not in overrides:
        overrides["AWS::Region"] = region
    values = parameters(template, overrides)
    names = resource_names(template, values)
    created: dict[str, str] = {}
    for logical_id, resource in _tables(template).items():
        props = resolve(resource.get("Properties") or {}, values, names)
        name = names[logical_id]
        client.create_table(**_create_table_request(name, props))
        client.get_waiter("table_exists").wait(
            TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30}
        )
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled") in (True, "true", "True"):
            client.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
            )
        pitr = props.get("PointInTimeRecoverySpecification")
        if pitr and pitr.get("PointInTimeRecoveryEnabled") in (True, "true", "True"):
            client.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        created[logical_id] = name
    return created
