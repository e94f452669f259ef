"""The operations recipes end to end against moto: build, bootstrap, deploy, diff, logs and
destroy, run through `./just` as a user runs them.

moto skips the resource types in conftest.KNOWN_SKIPPED (among them the secret, the stage and
the gateway responses), which each deploying test checks and the run's summary lists.

moto 5.2.5's change sets list changed resources but no Replacement field, so `just diff` finds
replacements of stateful resources with synth's own rules (`cfn-replacements`); with
CloudFormation it shows CloudFormation's verdict too.
"""

import json
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, assert_only_known_skips

TARGET = "x86_64-unknown-linux-gnu"


def just(aws, *arguments: str, check: bool = True, timeout: int = 3600) -> subprocess.CompletedProcess:
    # The user's own environment, for cargo and rustup, with the test's AWS settings.
    aws_settings = {name: value for name, value in aws.env.items() if name.startswith("AWS_")}
    result = subprocess.run(
        [str(ROOT / "just"), *arguments], cwd=ROOT, env={**os.environ, **aws_settings},
        capture_output=True, text=True, timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"`just {' '.join(arguments)}` failed with {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def stack_parameters(aws, stack_name: str) -> dict:
    stack = aws.json("cloudformation", "describe-stacks", "--stack-name", stack_name)["Stacks"][0]
    return {parameter["ParameterKey"]: parameter["ParameterValue"] for parameter in stack["Parameters"]}


def copy_settings(tmp_path: Path, extra: str) -> tuple:
    """Copy stacks/ with TOML appended to dev.toml, synthesize dev into a temporary out/ and
    return both folders."""
    stacks = tmp_path / "stacks"
    shutil.copytree(ROOT / "stacks", stacks)
    with open(stacks / "dev.toml", "a", encoding="utf-8") as settings:
        settings.write("\n" + extra)
    out = tmp_path / "out"
    subprocess.run(
        ["cargo", "run", "--quiet", "--locked", "--release", "-p", "synth", "--",
         "env=dev", "--stacks", str(stacks), "--out", str(out)],
        cwd=ROOT, check=True, capture_output=True,
    )
    return stacks, out


def printed(output: str, label: str) -> str:
    return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith(f"{label}: "))


@pytest.fixture
def endpoint(moto):
    return f"endpoint={moto.endpoint}"


def test_build_is_reproducible():
    first = subprocess.run([str(ROOT / "just"), "build"], cwd=ROOT, capture_output=True, text=True, check=True)
    archive = Path(printed(first.stdout, "zip"))
    first_bytes = archive.read_bytes()
    # Rebuild the service crate from scratch, so the comparison covers compiling and linking.
    subprocess.run(["cargo", "clean", "--quiet", "--release", "-p", "service", "--target", TARGET],
                   cwd=ROOT, check=True)
    second = subprocess.run([str(ROOT / "just"), "build"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert printed(second.stdout, "sha256") == printed(first.stdout, "sha256")
    assert archive.read_bytes() == first_bytes
    assert int(printed(first.stdout, "size").split()[0]) == len(first_bytes)

    with zipfile.ZipFile(archive) as zipped:
        [entry] = zipped.infolist()
    assert entry.filename == "bootstrap"
    assert entry.date_time == (1980, 1, 1, 0, 0, 0)
    assert (entry.external_attr >> 16) & 0o777 == 0o755
    print(f"zip {archive}: {len(first_bytes)} bytes, sha256 {printed(first.stdout, 'sha256')}")


def test_arm64_without_target_is_explained():
    installed = subprocess.run(["rustup", "target", "list", "--installed"], capture_output=True, text=True)
    if "aarch64-unknown-linux-gnu" in installed.stdout.split():
        pytest.skip("the aarch64 target is installed here, so the build would run")
    result = subprocess.run([str(ROOT / "just"), "build", "arch=arm64"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0
    assert "the Rust target aarch64-unknown-linux-gnu, which arm64 functions need, is not installed" in result.stderr
    assert "rustup target add aarch64-unknown-linux-gnu" in result.stderr


def test_bootstrap_deploy_update_and_destroy(aws, moto, endpoint, tmp_path):
    since = moto.log_offset()
    bootstrapped = just(aws, "bootstrap", "env=dev", endpoint)
    assert "Successfully created/updated stack - auth-bootstrap" in bootstrapped.stdout

    started = time.monotonic()
    deployed = just(aws, "deploy", "env=dev", endpoint)
    print(f"`just deploy env=dev` against moto took {time.monotonic() - started:.1f} s")
    sha = printed(deployed.stdout, "sha256")
    assert f"functions/{sha}.zip" in deployed.stdout
    stack = aws.json("cloudformation", "describe-stacks", "--stack-name", "auth-dev")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    parameters = stack_parameters(aws, "auth-dev")
    assert parameters["ServiceCodeKey"] == f"functions/{sha}.zip"
    bucket = parameters["ServiceCodeBucket"]
    aws.run("s3api", "head-object", "--bucket", bucket, "--key", f"functions/{sha}.zip")

    # A changed setting updates the stack, and the unchanged code keeps its key and upload.
    stacks, out = copy_settings(tmp_path, "[passwords]\npbkdf2_iterations = 700000\n")
    updated = just(aws, "deploy", "env=dev", endpoint, f"stacks={stacks}", f"out={out}")
    assert "exists; skipping the upload" in updated.stdout
    assert aws.json("cloudformation", "describe-stacks", "--stack-name", "auth-dev")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"
    assert stack_parameters(aws, "auth-dev")["ServiceCodeKey"] == f"functions/{sha}.zip"
    configuration = aws.json("lambda", "get-function-configuration", "--function-name", "auth-dev")
    assert configuration["Environment"]["Variables"]["PBKDF2_ITERATIONS"] == "700000"

    # Changed code gets a new key.
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zipped:
        zipped.writestr("bootstrap", "#!/bin/sh\necho other\n")
    recoded = just(aws, "deploy", "env=dev", endpoint, f"stacks={stacks}", f"out={out}", f"zip={other}")
    assert "uploading other.zip" in recoded.stdout
    new_key = stack_parameters(aws, "auth-dev")["ServiceCodeKey"]
    assert new_key != f"functions/{sha}.zip"
    assert new_key.startswith("functions/")

    destroyed = just(aws, "destroy", "env=dev", endpoint)
    assert "deleted auth-dev" in destroyed.stdout
    remaining = aws.json("cloudformation", "list-stacks", "--stack-status-filter", "CREATE_COMPLETE", "UPDATE_COMPLETE")
    assert "auth-dev" not in {summary["StackName"] for summary in remaining["StackSummaries"]}
    assert_only_known_skips(moto, since)


def test_diff_lists_changes_and_flags_replacement(aws, moto, endpoint, tmp_path):
    since = moto.log_offset()
    archive = tmp_path / "placeholder.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("bootstrap", "#!/bin/sh\n")
    just(aws, "bootstrap", "env=dev", endpoint)
    just(aws, "deploy", "env=dev", endpoint, f"zip={archive}")

    unchanged = just(aws, "diff", "env=dev", endpoint)
    assert "auth-dev is up to date" in unchanged.stdout

    stacks, out = copy_settings(tmp_path / "alarms", "[alarms]\nenabled = true\n")
    pending = just(aws, "diff", "env=dev", endpoint, f"stacks={stacks}", f"out={out}")
    topic_row = next(line for line in pending.stdout.splitlines() if "AlarmTopic" in line)
    assert topic_row.startswith("Add")
    assert "UsersTable" not in pending.stdout
    assert pending.returncode == 0

    renamed_stacks = tmp_path / "renamed"
    stacks, out = copy_settings(renamed_stacks, "")
    dev = (stacks / "dev.toml").read_text(encoding="utf-8")
    (stacks / "dev.toml").write_text(dev.replace("[table]\n", "[table]\nname = \"auth-dev-people\"\n"), encoding="utf-8")
    subprocess.run(
        ["cargo", "run", "--quiet", "--locked", "--release", "-p", "synth", "--",
         "env=dev", "--stacks", str(stacks), "--out", str(out)],
        cwd=ROOT, check=True, capture_output=True,
    )
    replacing = just(aws, "diff", "env=dev", endpoint, f"stacks={stacks}", f"out={out}", check=False)
    assert replacing.returncode != 0
    row = next(line for line in replacing.stdout.splitlines() if "UsersTable" in line)
    assert "AWS::DynamoDB::Table" in row
    assert "True (TableName)" in row
    assert "would replace stateful resources: UsersTable" in replacing.stderr
    # The diff's change set is deleted afterwards; `deploy` leaves its executed ones.
    change_sets = aws.json("cloudformation", "list-change-sets", "--stack-name", "auth-dev")["Summaries"]
    assert [summary for summary in change_sets if summary["ChangeSetName"].startswith("diff-")] == []
    assert_only_known_skips(moto, since)


def test_guard_refuses_replacing_synth(tmp_path):
    stacks = tmp_path / "stacks"
    shutil.copytree(ROOT / "stacks", stacks)
    out = tmp_path / "out"
    shutil.copytree(ROOT / "out", out)
    prod = (stacks / "prod.toml").read_text(encoding="utf-8")
    (stacks / "prod.toml").write_text(prod.replace("retain = true\n", "retain = true\nname = \"auth-prod-v2\"\n"), encoding="utf-8")
    result = subprocess.run(
        [str(ROOT / "just"), "synth", "env=prod", "--stacks", str(stacks), "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert result.returncode != 0
    assert "`UsersTable` (AWS::DynamoDB::Table) would be replaced: TableName" in result.stderr
    assert json.loads((out / "prod" / "auth.template.json").read_text())["Resources"]["UsersTable"]["Properties"]["TableName"] == "auth-prod-users"


def test_destroy_keeps_retained_environment_without_confirmation(aws, endpoint):
    refused = just(aws, "destroy", "env=prod", endpoint, check=False)
    assert refused.returncode != 0
    assert "environment prod retains data, which stays behind when its stack is deleted" in refused.stderr
    for retained in ["UsersTable", "SigningKeySecret", "FunctionLogGroup"]:
        assert retained in refused.stderr
    assert "confirm=prod" in refused.stderr

    absent = just(aws, "destroy", "env=prod", endpoint, "confirm=prod")
    assert "auth-prod does not exist in us-east-1; nothing to delete" in absent.stdout


def test_logs_print_function_events(aws, endpoint, tmp_path):
    archive = tmp_path / "placeholder.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("bootstrap", "#!/bin/sh\n")
    just(aws, "bootstrap", "env=dev", endpoint)
    just(aws, "deploy", "env=dev", endpoint, f"zip={archive}")
    aws.run("logs", "create-log-stream", "--log-group-name", "/aws/lambda/auth-dev", "--log-stream-name", "test")
    events = tmp_path / "events.json"
    events.write_text(json.dumps([{"timestamp": int(time.time() * 1000), "message": "cold start complete"}]))
    aws.run("logs", "put-log-events", "--log-group-name", "/aws/lambda/auth-dev", "--log-stream-name", "test",
            "--log-events", f"file://{events}")
    printed_logs = just(aws, "logs", "env=dev", endpoint, "follow=no")
    assert "reading /aws/lambda/auth-dev" in printed_logs.stdout
    assert "cold start complete" in printed_logs.stdout


def test_bad_options_are_explained(aws, endpoint):
    unknown = just(aws, "deploy", "env=dev", "colour=blue", check=False)
    assert unknown.returncode != 0
    assert "`colour` is not an option of `deploy`; the options are endpoint, env, out, profile, region, stacks, zip" in unknown.stderr
    missing = just(aws, "diff", endpoint, check=False)
    assert "`diff` needs an environment, such as env=dev" in missing.stderr
    unknown_environment = just(aws, "deploy", "env=qa", check=False)
    assert "no manifest at" in unknown_environment.stderr
    assert "the synthesized environments are dev, prod, staging" in unknown_environment.stderr
