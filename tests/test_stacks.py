"""Deploys the generated stacks with the real `aws` CLI against moto, then updates and deletes
them.

moto 5.2.5's CloudFormation skips some resource types, which each test collects from moto's log
and checks against KNOWN_SKIPPED: a type that moto newly skips fails the test. A reference to a
skipped resource resolves to nothing, so the function has no SIGNING_KEY_SECRET_ARN here and the
SigningKeySecretArn output is missing.

Other gaps of moto 5.2.5 that these tests work within, so that cfn-lint is the validator of
these parts:
- After `aws cloudformation deploy`, describe-stacks shows no outputs; create-stack does, which
  test_outputs_after_create_stack uses. The tests read the artifact bucket from
  list-stack-resources, because describe-stack-resources fails with HTTP 500 once a skipped
  resource is in the stack.
- It applies only BucketEncryption and Tags to an S3 bucket, so versioning, lifecycle rules and
  the public access block are checked in the template, not in moto. It ignores a DynamoDB
  table's PointInTimeRecoverySpecification and a function's Architectures and TracingConfig.
- It rejects an update without changes at CreateChangeSet, where AWS returns a FAILED change set
  that `--no-fail-on-empty-changeset` accepts, so no test deploys the same template twice.
- It accepts a deploy without the capabilities that the manifest lists.
"""

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from conftest import KNOWN_SKIPPED, ROOT, assert_only_known_skips

OUT = ROOT / "out"
ENVIRONMENTS = sorted(path.parent.name for path in OUT.glob("*/manifest.json"))


CODE_KEY = "service/placeholder.zip"
BOOTSTRAP_TEMPLATE = OUT / "bootstrap.template.json"


def load_json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def manifest(environment: str) -> dict:
    return load_json(OUT / environment / "manifest.json")


def deploy(aws, template: Path, stack_name: str, region: str, capabilities, parameters=None, tags=None):
    arguments = [
        "cloudformation",
        "deploy",
        "--template-file",
        str(template),
        "--stack-name",
        stack_name,
        "--region",
        region,
        "--no-fail-on-empty-changeset",
    ]
    if capabilities:
        arguments += ["--capabilities", *capabilities]
    if parameters:
        arguments += ["--parameter-overrides", *(f"{k}={v}" for k, v in parameters.items())]
    if tags:
        arguments += ["--tags", *(f"{k}={v}" for k, v in tags.items())]
    aws.run(*arguments)


def describe_stack(aws, stack_name: str, region: str) -> dict:
    stacks = aws.json("cloudformation", "describe-stacks", "--stack-name", stack_name, "--region", region)
    return stacks["Stacks"][0]


def stack_resources(aws, stack_name: str, region: str) -> dict:
    """Return physical IDs by logical ID. list-stack-resources is used because moto's
    describe-stack-resources fails with HTTP 500 once a skipped resource is in the stack."""
    summaries = aws.json(
        "cloudformation", "list-stack-resources", "--stack-name", stack_name, "--region", region
    )["StackResourceSummaries"]
    return {
        summary["LogicalResourceId"]: summary["PhysicalResourceId"]
        for summary in summaries
        if summary["LogicalResourceId"]
    }


def expected_resources(template: dict) -> set:
    """Return the logical IDs of the template's resources whose types moto creates."""
    return {
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] not in KNOWN_SKIPPED
    }


def referenced(value) -> set:
    """Return the logical IDs that a template value refers to with Ref, Fn::GetAtt or Fn::Sub."""
    found = set()
    if isinstance(value, list):
        for item in value:
            found |= referenced(item)
    elif isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref":
                found.add(argument)
            elif key == "Fn::GetAtt":
                found.add(argument[0] if isinstance(argument, list) else argument.split(".")[0])
            elif key == "Fn::Sub":
                text = argument if isinstance(argument, str) else argument[0]
                found |= {name.split(".")[0] for name in re.findall(r"\$\{([^!}][^}]*)\}", text)}
                if isinstance(argument, list):
                    found |= referenced(argument[1])
            else:
                found |= referenced(argument)
    return found


def placeholder_zip(path: Path) -> Path:
    """Write a zip with a `bootstrap` file, standing in for the function's code."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\necho placeholder\n")
    return path


def deploy_bootstrap(aws, settings: dict, tmp_path: Path) -> str:
    """Deploy the bootstrap stack that an environment's manifest names, upload the placeholder
    zip and return the bucket name."""
    region = settings["region"]
    stack_name = settings["bootstrap"]["stack_name"]
    deploy(aws, BOOTSTRAP_TEMPLATE, stack_name, region, settings["bootstrap"]["capabilities"])
    bucket = stack_resources(aws, stack_name, region)["ArtifactBucket"]
    aws.run(
        "s3", "cp", str(placeholder_zip(tmp_path / "placeholder.zip")),
        f"s3://{bucket}/{CODE_KEY}", "--region", region,
    )
    return bucket


def deploy_environment(aws, environment: str, bucket: str, out: Path = OUT) -> dict:
    """Deploy an environment's stack as its manifest describes, and return the manifest."""
    settings = load_json(out / environment / "manifest.json")
    values = {"bootstrap_artifact_bucket": bucket, "artifact_key": CODE_KEY}
    parameters = {
        name: values[parameter["source"]] for name, parameter in settings["parameters"].items()
    }
    deploy(
        aws,
        out / environment / settings["template"],
        settings["stack_name"],
        settings["region"],
        settings["capabilities"],
        parameters,
        settings["tags"],
    )
    return settings


def test_every_environment_has_a_manifest():
    assert ENVIRONMENTS, "out/ has no <env>/manifest.json; run `just synth`"
    for environment in ENVIRONMENTS:
        assert (OUT / environment / "auth.template.json").is_file()


def test_bootstrap_stack(aws, moto, tmp_path):
    since = moto.log_offset()
    settings = manifest(ENVIRONMENTS[0])
    region = settings["region"]
    stack_name = settings["bootstrap"]["stack_name"]
    bucket = deploy_bootstrap(aws, settings, tmp_path)

    stack = describe_stack(aws, stack_name, region)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    resources = stack_resources(aws, stack_name, region)
    assert expected_resources(load_json(BOOTSTRAP_TEMPLATE)) <= set(resources)

    encryption = aws.json("s3api", "get-bucket-encryption", "--bucket", bucket)
    rule = encryption["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    listed = aws.json("s3api", "list-objects-v2", "--bucket", bucket)
    assert [item["Key"] for item in listed["Contents"]] == [CODE_KEY]

    # moto ignores these bucket properties, so the template is what is checked.
    properties = load_json(BOOTSTRAP_TEMPLATE)["Resources"]["ArtifactBucket"]["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(properties["PublicAccessBlockConfiguration"].values())
    lifecycle = properties["LifecycleConfiguration"]["Rules"][0]
    assert lifecycle["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}

    role = aws.json("iam", "get-role", "--role-name", resources["ApiGatewayCloudWatchRole"])
    principal = role["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": ["apigateway.amazonaws.com"]}
    assert_only_known_skips(moto, since)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_environment_stack_deploys(aws, moto, tmp_path, environment):
    since = moto.log_offset()
    settings = manifest(environment)
    region = settings["region"]
    bucket = deploy_bootstrap(aws, settings, tmp_path)
    deploy_environment(aws, environment, bucket)
    template = load_json(OUT / environment / "auth.template.json")

    stack = describe_stack(aws, settings["stack_name"], region)
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    stack_tags = {tag["Key"]: tag["Value"] for tag in stack["Tags"]}
    assert stack_tags == settings["tags"]
    resources = stack_resources(aws, settings["stack_name"], region)
    missing = expected_resources(template) - set(resources)
    assert not missing, f"moto did not create {sorted(missing)}"

    table_properties = template["Resources"]["UsersTable"]["Properties"]
    table = aws.json(
        "dynamodb", "describe-table", "--table-name", resources["UsersTable"], "--region", region
    )["Table"]
    assert table["TableName"] == table_properties["TableName"]
    assert table["KeySchema"] == [{"AttributeName": "username", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "username", "AttributeType": "S"}]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["DeletionProtectionEnabled"] == table_properties["DeletionProtectionEnabled"]

    function_properties = template["Resources"]["Function"]["Properties"]
    configuration = aws.json(
        "lambda", "get-function-configuration", "--function-name", resources["Function"],
        "--region", region,
    )
    assert configuration["Runtime"] == "provided.al2023"
    assert configuration["Handler"] == "bootstrap"
    assert configuration["MemorySize"] == function_properties["MemorySize"]
    assert configuration["Timeout"] == function_properties["Timeout"]
    variables = configuration["Environment"]["Variables"]
    assert variables["USERS_TABLE_NAME"] == table["TableName"]
    literal_variables = {
        name: value
        for name, value in function_properties["Environment"]["Variables"].items()
        if isinstance(value, str)
    }
    for name, value in literal_variables.items():
        assert variables[name] == value, name
    api_id = resources["RestApi"]
    assert variables["TOKEN_ISSUER"] == (
        f"https://{api_id}.execute-api.{region}.amazonaws.com/{environment}"
    )

    paths = {
        resource["path"]: set(resource.get("resourceMethods", {}))
        for resource in aws.json("apigateway", "get-resources", "--rest-api-id", api_id, "--region", region)["items"]
    }
    assert paths["/users"] == {"POST", "ANY"}
    assert paths["/users/{username}"] == {"DELETE", "ANY"}
    assert paths["/tokens"] == {"POST", "ANY"}
    assert paths["/.well-known/jwks.json"] == {"GET", "ANY"}
    assert paths["/.well-known/openid-configuration"] == {"GET", "ANY"}

    log_groups = {
        group["logGroupName"]: group.get("retentionInDays")
        for group in aws.json("logs", "describe-log-groups", "--region", region)["logGroups"]
    }
    for logical_id in ["FunctionLogGroup", "ApiAccessLogGroup"]:
        properties = template["Resources"][logical_id]["Properties"]
        assert log_groups[properties["LogGroupName"]] == properties["RetentionInDays"]
    assert_only_known_skips(moto, since)


def synth_with(tmp_path: Path, environment: str, extra_settings: str) -> Path:
    """Synthesize one environment with extra TOML appended to its settings file, into a
    temporary output folder, and return that folder."""
    stacks = tmp_path / "stacks"
    shutil.copytree(ROOT / "stacks", stacks)
    with open(stacks / f"{environment}.toml", "a", encoding="utf-8") as settings:
        settings.write("\n" + extra_settings)
    out = tmp_path / "out"
    subprocess.run(
        ["cargo", "run", "--quiet", "--locked", "-p", "synth", "--",
         f"env={environment}", "--stacks", str(stacks), "--out", str(out)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return out


def test_update_applies_changed_setting(aws, moto, tmp_path):
    since = moto.log_offset()
    settings = manifest("dev")
    region = settings["region"]
    bucket = deploy_bootstrap(aws, settings, tmp_path)
    deploy_environment(aws, "dev", bucket)
    template = load_json(OUT / "dev" / "auth.template.json")
    function_name = template["Resources"]["Function"]["Properties"]["FunctionName"]
    before = aws.json(
        "lambda", "get-function-configuration", "--function-name", function_name,
        "--region", region,
    )

    topics_before = aws.json("sns", "list-topics", "--region", region)["Topics"]

    changed = synth_with(
        tmp_path, "dev", "[passwords]\npbkdf2_iterations = 700000\n[alarms]\nenabled = true\n"
    )
    template = load_json(changed / "dev" / "auth.template.json")
    assert "AlarmTopic" in template["Resources"]
    deploy_environment(aws, "dev", bucket, out=changed)

    stack = describe_stack(aws, settings["stack_name"], region)
    assert stack["StackStatus"] == "UPDATE_COMPLETE"
    after = aws.json(
        "lambda", "get-function-configuration", "--function-name", function_name,
        "--region", region,
    )
    assert before["Environment"]["Variables"]["PBKDF2_ITERATIONS"] == "600000"
    assert after["Environment"]["Variables"]["PBKDF2_ITERATIONS"] == "700000"
    resources = stack_resources(aws, settings["stack_name"], region)
    topics_after = aws.json("sns", "list-topics", "--region", region)["Topics"]
    assert topics_before == []
    assert [topic["TopicArn"] for topic in topics_after] == [resources["AlarmTopic"]]

    assert_only_known_skips(moto, since)


def wait_deleted(aws, stack_name: str, region: str) -> None:
    stack_id = describe_stack(aws, stack_name, region)["StackId"]
    aws.run("cloudformation", "delete-stack", "--stack-name", stack_name, "--region", region)
    aws.run("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack_id, "--region", region)
    assert describe_stack(aws, stack_id, region)["StackStatus"] == "DELETE_COMPLETE"
    listed = aws.json("cloudformation", "list-stacks", "--stack-status-filter", "CREATE_COMPLETE", "UPDATE_COMPLETE", "--region", region)
    assert stack_name not in {summary["StackName"] for summary in listed["StackSummaries"]}


def table_names(aws, region: str) -> set:
    return set(aws.json("dynamodb", "list-tables", "--region", region)["TableNames"])


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_delete_keeps_only_retained_data(aws, moto, tmp_path, environment):
    since = moto.log_offset()
    settings = manifest(environment)
    region = settings["region"]
    bucket = deploy_bootstrap(aws, settings, tmp_path)
    deploy_environment(aws, environment, bucket)
    template = load_json(OUT / environment / "auth.template.json")
    table = template["Resources"]["UsersTable"]
    assert table["Properties"]["TableName"] in table_names(aws, region)

    wait_deleted(aws, settings["stack_name"], region)
    retained = table.get("DeletionPolicy") == "Retain"
    assert (table["Properties"]["TableName"] in table_names(aws, region)) == retained
    function_names = {
        function["FunctionName"]
        for function in aws.json("lambda", "list-functions", "--region", region)["Functions"]
    }
    assert template["Resources"]["Function"]["Properties"]["FunctionName"] not in function_names

    wait_deleted(aws, settings["bootstrap"]["stack_name"], region)
    assert_only_known_skips(moto, since)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_outputs_after_create_stack(aws, moto, tmp_path, environment):
    since = moto.log_offset()
    settings = manifest(environment)
    region = settings["region"]
    bucket = deploy_bootstrap(aws, settings, tmp_path)
    template_path = OUT / environment / "auth.template.json"
    parameters = [
        f"ParameterKey=ServiceCodeBucket,ParameterValue={bucket}",
        f"ParameterKey=ServiceCodeKey,ParameterValue={CODE_KEY}",
    ]
    aws.run(
        "cloudformation", "create-stack", "--stack-name", settings["stack_name"],
        "--template-body", template_path.read_text(encoding="utf-8"),
        "--capabilities", *settings["capabilities"], "--parameters", *parameters,
        "--region", region,
    )
    aws.run("cloudformation", "wait", "stack-create-complete", "--stack-name", settings["stack_name"], "--region", region)

    stack = describe_stack(aws, settings["stack_name"], region)
    outputs = {output["OutputKey"]: output for output in stack.get("Outputs", [])}
    template = load_json(template_path)
    skipped = {
        logical_id
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in KNOWN_SKIPPED
    }
    # moto drops an output whose value refers to a resource that it skipped.
    expected = {
        name for name, output in template["Outputs"].items() if not referenced(output) & skipped
    }
    assert set(outputs) == expected
    assert "SigningKeySecretArn" in template["Outputs"]
    api_url = outputs["ApiUrl"]["OutputValue"]
    assert api_url.startswith("https://")
    assert api_url.endswith(f".execute-api.{region}.amazonaws.com/{environment}")
    assert outputs["JwksUrl"]["OutputValue"] == outputs["Issuer"]["OutputValue"] + "/.well-known/jwks.json"
    table_name = template["Resources"]["UsersTable"]["Properties"]["TableName"]
    assert outputs["TableName"]["OutputValue"] == table_name
    function_name = template["Resources"]["Function"]["Properties"]["FunctionName"]
    assert outputs["FunctionName"]["OutputValue"] == function_name
    # list-exports, because moto's describe-stacks can pair an output with another's ExportName.
    exports = aws.json("cloudformation", "list-exports", "--region", region)["Exports"]
    exported = {export["Name"]: export.get("Value") for export in exports}
    for name, output in outputs.items():
        assert exported[f"{settings['stack_name']}-{name}"] == output["OutputValue"]
    assert_only_known_skips(moto, since)
