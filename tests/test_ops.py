"""The operations recipes end to end against moto: build, bootstrap, deploy, diff, logs and
destroy, run through `./just` as a user runs them.

moto skips the resource types in conftest.KNOWN_SKIPPED (among them the secret, the stage and
the gateway responses), which each deploying test checks and the run's summary lists.

moto 5.2.5's change sets list changed resources but no Replacement field, so `just diff` finds
replacements of stateful resources with synth's own rules (`cfn-replacements`); with
CloudFormation it shows CloudFormation's verdict too.
"""

import hashlib
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
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


def synthesize(stacks: Path, out: Path) -> None:
    subprocess.run(
        ["cargo", "run", "--quiet", "--locked", "--release", "-p", "synth", "--",
         "env=dev", "--stacks", str(stacks), "--out", str(out)],
        cwd=ROOT, check=True, capture_output=True,
    )


def copy_settings(tmp_path: Path, extra: str) -> tuple:
    """Copy stacks/ with TOML appended to dev.toml, synthesize dev into a temporary out/ and
    return both folders."""
    stacks = tmp_path / "stacks"
    shutil.copytree(ROOT / "stacks", stacks)
    with open(stacks / "dev.toml", "a", encoding="utf-8") as settings:
        settings.write("\n" + extra)
    out = tmp_path / "out"
    synthesize(stacks, out)
    return stacks, out


def edit_dev_section(stacks: Path, section: str, setting: str) -> None:
    """Add a setting to a section that dev.toml has already."""
    path = stacks / "dev.toml"
    text = path.read_text(encoding="utf-8")
    assert f"[{section}]\n" in text, f"dev.toml has no [{section}] section"
    path.write_text(text.replace(f"[{section}]\n", f"[{section}]\n{setting}\n"), encoding="utf-8")


def placeholder_zip(path: Path, command: str = "exit 0") -> Path:
    """Write a zip whose `bootstrap` is a shell script: enough for moto, which runs no code."""
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("bootstrap", f"#!/bin/sh\n{command}\n")
    return path


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

    # Changed code gets the key of its own SHA-256.
    other = placeholder_zip(tmp_path / "other.zip", "echo other")
    recoded = just(aws, "deploy", "env=dev", endpoint, f"stacks={stacks}", f"out={out}", f"zip={other}")
    assert "uploading other.zip" in recoded.stdout
    other_sha = hashlib.sha256(other.read_bytes()).hexdigest()
    assert stack_parameters(aws, "auth-dev")["ServiceCodeKey"] == f"functions/{other_sha}.zip"

    destroyed = just(aws, "destroy", "env=dev", endpoint)
    assert "deleted auth-dev" in destroyed.stdout
    remaining = aws.json("cloudformation", "list-stacks", "--stack-status-filter", "CREATE_COMPLETE", "UPDATE_COMPLETE")
    assert "auth-dev" not in {summary["StackName"] for summary in remaining["StackSummaries"]}
    assert_only_known_skips(moto, since)


def test_diff_lists_changes_and_flags_replacement(aws, moto, endpoint, tmp_path):
    since = moto.log_offset()
    archive = placeholder_zip(tmp_path / "placeholder.zip")
    just(aws, "bootstrap", "env=dev", endpoint)
    just(aws, "deploy", "env=dev", endpoint, f"zip={archive}")

    unchanged = just(aws, "diff", "env=dev", endpoint, f"zip={archive}")
    assert "auth-dev is up to date" in unchanged.stdout

    # New code alone shows as a changed code key.
    other = placeholder_zip(tmp_path / "other.zip", "echo other")
    recoded = just(aws, "diff", "env=dev", endpoint, f"zip={other}")
    old_key = f"functions/{hashlib.sha256(archive.read_bytes()).hexdigest()}.zip"
    new_key = f"functions/{hashlib.sha256(other.read_bytes()).hexdigest()}.zip"
    assert f"parameter ServiceCodeKey: {old_key} -> {new_key}" in recoded.stdout
    assert "is up to date" not in recoded.stdout
    assert recoded.returncode == 0

    stacks, out = copy_settings(tmp_path / "alarms", "[alarms]\nenabled = true\n")
    pending = just(aws, "diff", "env=dev", endpoint, f"stacks={stacks}", f"out={out}", f"zip={archive}")
    topic_row = next(line for line in pending.stdout.splitlines() if "AlarmTopic" in line)
    assert topic_row.startswith("Add")
    assert "UsersTable" not in pending.stdout
    assert pending.returncode == 0

    # diff rejects settings changed without a synth, as deploy does.
    edit_dev_section(stacks, "function", "memory_mb = 2048")
    stale = just(aws, "diff", "env=dev", endpoint, f"stacks={stacks}", f"out={out}", f"zip={archive}", check=False)
    assert stale.returncode != 0
    assert f"{out} is stale; run `./just synth env=dev --stacks {stacks} --out {out}`" in stale.stderr
    assert f"stale: {out / 'dev' / 'auth.template.json'}" in stale.stderr

    stacks, out = copy_settings(tmp_path / "renamed", "")
    edit_dev_section(stacks, "table", 'name = "auth-dev-people"')
    synthesize(stacks, out)
    replacing = just(aws, "diff", "env=dev", endpoint, f"stacks={stacks}", f"out={out}", f"zip={archive}", check=False)
    assert replacing.returncode == 2
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


def test_deploy_refuses_replacing_retained_table(aws, moto, endpoint, tmp_path):
    # Two synths in a row move past synth's guard, which compares with out/ only: the first
    # releases the table, the second renames it. The deploy compares with the deployed stack.
    since = moto.log_offset()
    archive = placeholder_zip(tmp_path / "placeholder.zip")
    stacks, out = copy_settings(tmp_path, "")
    edit_dev_section(stacks, "table", "retain = true")
    synthesize(stacks, out)
    just(aws, "bootstrap", "env=dev", endpoint)
    just(aws, "deploy", "env=dev", endpoint, f"stacks={stacks}", f"out={out}", f"zip={archive}")

    dev = (stacks / "dev.toml").read_text(encoding="utf-8")
    (stacks / "dev.toml").write_text(dev.replace("retain = true", "retain = false"), encoding="utf-8")
    synthesize(stacks, out)
    edit_dev_section(stacks, "table", 'name = "auth-dev-people"')
    synthesize(stacks, out)

    options = ("env=dev", endpoint, f"stacks={stacks}", f"out={out}", f"zip={archive}")
    rejected = just(aws, "deploy", *options, check=False)
    assert rejected.returncode != 0
    assert "the deploy would replace resources that auth-dev retains" in rejected.stderr
    assert "UsersTable (AWS::DynamoDB::Table): TableName" in rejected.stderr
    assert "allow-replacement=yes` deploys it anyway" in rejected.stderr
    assert aws.json("dynamodb", "describe-table", "--table-name", "auth-dev-users")["Table"]["TableStatus"] == "ACTIVE"

    allowed = just(aws, "deploy", *options, "allow-replacement=yes")
    assert "Successfully created/updated stack - auth-dev" in allowed.stdout
    assert stack_parameters(aws, "auth-dev")["ServiceCodeKey"].startswith("functions/")
    assert_only_known_skips(moto, since)


def test_destroy_of_retained_environment_needs_confirmation(aws, moto, endpoint, tmp_path):
    since = moto.log_offset()
    absent = just(aws, "destroy", "env=prod", endpoint)
    assert "auth-prod does not exist in us-east-1; nothing to delete" in absent.stdout

    archive = placeholder_zip(tmp_path / "placeholder.zip")
    just(aws, "bootstrap", "env=prod", endpoint)
    just(aws, "deploy", "env=prod", endpoint, f"zip={archive}")
    for confirmation in [(), ("confirm=yes",)]:
        rejected = just(aws, "destroy", "env=prod", endpoint, *confirmation, check=False)
        assert rejected.returncode != 0
        assert "auth-prod retains data, which stays behind when the stack is deleted" in rejected.stderr
        assert "UsersTable (AWS::DynamoDB::Table) auth-prod-users" in rejected.stderr
        for retained in ["SigningKeySecret", "FunctionLogGroup", "EncryptionKey"]:
            assert retained in rejected.stderr
        assert f"Run `./just destroy env=prod {endpoint} confirm=prod`" in rejected.stderr
    assert aws.json("cloudformation", "describe-stacks", "--stack-name", "auth-prod")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    destroyed = just(aws, "destroy", "env=prod", endpoint, "confirm=prod")
    assert "deleted auth-prod" in destroyed.stdout
    assert "UsersTable (AWS::DynamoDB::Table) auth-prod-users" in destroyed.stdout
    assert "deleted or imported" in destroyed.stdout
    remaining = aws.json("cloudformation", "list-stacks", "--stack-status-filter", "CREATE_COMPLETE", "UPDATE_COMPLETE")
    assert "auth-prod" not in {summary["StackName"] for summary in remaining["StackSummaries"]}
    assert aws.json("dynamodb", "describe-table", "--table-name", "auth-prod-users")["Table"]["TableStatus"] == "ACTIVE"
    assert_only_known_skips(moto, since)


def test_destroy_reads_deployed_retention(aws, endpoint, tmp_path):
    # dev deletes its data with the stack, even when a local out/ retains it.
    archive = placeholder_zip(tmp_path / "placeholder.zip")
    just(aws, "bootstrap", "env=dev", endpoint)
    just(aws, "deploy", "env=dev", endpoint, f"zip={archive}")
    stacks, out = copy_settings(tmp_path, "")
    edit_dev_section(stacks, "table", "retain = true")
    synthesize(stacks, out)
    destroyed = just(aws, "destroy", "env=dev", endpoint, f"stacks={stacks}", f"out={out}")
    assert "deleted auth-dev" in destroyed.stdout
    assert "retained" not in destroyed.stdout


def put_log_event(aws, stream: str, timestamp: int, message: str, tmp_path: Path) -> None:
    events = tmp_path / f"{message}.json"
    events.write_text(json.dumps([{"timestamp": timestamp, "message": message}]))
    aws.run("logs", "put-log-events", "--log-group-name", "/aws/lambda/auth-dev", "--log-stream-name", stream,
            "--log-events", f"file://{events}")


def test_logs_print_function_events(aws, endpoint, tmp_path):
    just(aws, "bootstrap", "env=dev", endpoint)
    just(aws, "deploy", "env=dev", endpoint, f"zip={placeholder_zip(tmp_path / 'placeholder.zip')}")
    for stream in ["first-instance", "second-instance"]:
        aws.run("logs", "create-log-stream", "--log-group-name", "/aws/lambda/auth-dev", "--log-stream-name", stream)
    now = int(time.time() * 1000)
    put_log_event(aws, "first-instance", now - 3000, "cold-start-complete", tmp_path)
    put_log_event(aws, "first-instance", now, "request-two", tmp_path)

    printed_logs = just(aws, "logs", "env=dev", endpoint, "follow=no")
    assert "reading /aws/lambda/auth-dev" in printed_logs.stdout
    assert printed_logs.stdout.index("cold-start-complete") < printed_logs.stdout.index("request-two")

    # Following: an event of another stream that turns up after a newer one is still printed,
    # once, and Ctrl-C ends the tail without a traceback.
    aws_settings = {name: value for name, value in aws.env.items() if name.startswith("AWS_")}
    tail = subprocess.Popen(
        [str(ROOT / "just"), "logs", "env=dev", endpoint], cwd=ROOT, env={**os.environ, **aws_settings},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in tail.stdout], daemon=True).start()

    def wait_for(message: str) -> list:
        read = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                read.append(lines.get(timeout=1))
            except queue.Empty:
                continue
            if message in read[-1]:
                return read
        raise AssertionError(f"`just logs` did not print {message}; it printed {read}")

    try:
        wait_for("request-two")
        put_log_event(aws, "second-instance", now - 1000, "late-request", tmp_path)
        wait_for("late-request")
        put_log_event(aws, "second-instance", now + 1000, "request-three", tmp_path)
        later = wait_for("request-three")
    finally:
        os.killpg(tail.pid, signal.SIGINT)
        _, stderr = tail.communicate(timeout=60)
    assert not any("cold-start-complete" in line or "late-request" in line for line in later)
    assert tail.returncode == 130
    assert "Traceback" not in stderr


def test_bad_options_are_explained(aws, endpoint, tmp_path):
    def error_output(*arguments: str) -> str:
        result = just(aws, *arguments, check=False)
        assert result.returncode != 0, result.stdout
        assert "Traceback" not in result.stderr
        return result.stderr

    assert "`colour` is not an option of `deploy`; the options are allow-replacement, endpoint, env, out, profile, region, stacks, zip" in error_output("deploy", "env=dev", "colour=blue")
    assert "`diff` needs an environment, such as env=dev" in error_output("diff", endpoint)
    assert "`env` is given twice, as prod and dev; give it once" in error_output("diff", "env=prod", "env=dev")
    for endpoint_value in ["127.0.0.1:5000", "http://[::1", "http://127.0.0.1:port"]:
        assert f"`endpoint={endpoint_value}` is not an HTTP URL" in error_output("diff", "env=dev", f"endpoint={endpoint_value}")
    assert "`follow=maybe` is neither yes nor no" in error_output("logs", "env=dev", "follow=maybe")

    unknown_environment = error_output("deploy", "env=qa")
    assert "no manifest at" in unknown_environment
    assert "the synthesized environments are dev, prod, staging" in unknown_environment
    assert f"To add the environment, create {ROOT / 'stacks' / 'qa.toml'} and run `./just synth env=qa`" in unknown_environment

    text = tmp_path / "notes.txt"
    text.write_text("not a zip\n")
    assert f"`zip={text}` is not a valid zip file" in error_output("deploy", "env=dev", endpoint, f"zip={text}")
    assert "`zip=/nonexistent.zip` does not exist" in error_output("deploy", "env=dev", endpoint, "zip=/nonexistent.zip")
    # A zip whose stored entry no longer matches its CRC-32.
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(damaged, "w", compression=zipfile.ZIP_STORED) as zipped:
        zipped.writestr("bootstrap", "#!/bin/sh\nexit 0\n")
    damaged.write_bytes(damaged.read_bytes().replace(b"exit 0", b"exit 1"))
    assert f"`zip={damaged}` is not a valid zip file" in error_output("deploy", "env=dev", endpoint, f"zip={damaged}")
    # An ELF header whose e_machine is 183, aarch64.
    arm = tmp_path / "arm.zip"
    with zipfile.ZipFile(arm, "w") as zipped:
        zipped.writestr("bootstrap", b"\x7fELF\x02\x01\x01" + bytes(11) + (183).to_bytes(2, "little") + bytes(44))
    assert "contains a binary for arm64, but dev runs on x86_64" in error_output("deploy", "env=dev", endpoint, f"zip={arm}")

    # The suggested fix repeats the endpoint and the Region.
    missing_bootstrap = error_output("deploy", "env=dev", endpoint, "region=us-west-2", f"zip={placeholder_zip(tmp_path / 'p.zip')}")
    assert f"run `./just bootstrap env=dev {endpoint} region=us-west-2` first" in missing_bootstrap

    out = tmp_path / "out"
    shutil.copytree(ROOT / "out", out)
    with open(out / "dev" / "auth.template.json", "a", encoding="utf-8") as template:
        template.write("<<<<<<< HEAD\n")
    assert f"run `./just synth env=dev --out {out}` to write it again" in error_output("logs", "env=dev", endpoint, f"out={out}", "follow=no")
    (out / "dev" / "manifest.json").write_text("{}\n")
    emptied = error_output("destroy", "env=dev", endpoint, f"out={out}")
    assert "manifest.json has no bootstrap, capabilities, environment" in emptied
