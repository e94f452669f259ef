"""Build, publish and operate the auth service's stacks with the real `aws` CLI.

Every subcommand takes `key=value` arguments, the form that `just` passes on:

    build      [env=NAME] [arch=x86_64|arm64]
    bootstrap  env=NAME
    deploy     env=NAME [zip=PATH] [allow-replacement=yes]
    diff       env=NAME [zip=PATH]
    logs       env=NAME [follow=yes|no]
    destroy    env=NAME [confirm=NAME]

and, for the AWS commands, `endpoint=URL` (such as http://127.0.0.1:5000 for moto),
`profile=NAME` and `region=NAME`, which override the manifest's Region. `stacks=DIR` and
`out=DIR` select other settings and output folders than `stacks/` and `out/`.
"""

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
# glibc 2.34 is Amazon Linux 2023's, so the binary uses no newer symbol than provided.al2023 has.
TARGETS = {
    "x86_64": "x86_64-unknown-linux-gnu",
    "arm64": "aarch64-unknown-linux-gnu",
}
GLIBC = "2.34"
# A fixed time and mode for the zip's entry, so that the same binary gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_MODE = 0o755
# The object key prefix of function zips in the artifact bucket.
ARTIFACT_PREFIX = "functions"
# The deletion policies that leave a resource behind when the stack deletes it.
RETAIN_POLICIES = ("Retain", "RetainExceptOnDelete")
# The stateful resource types whose replacement `diff` refuses.
STATEFUL_TYPES = {"AWS::DynamoDB::Table", "AWS::SecretsManager::Secret", "AWS::S3::Bucket"}
# How far back `logs` starts, and how often it polls for new events, in seconds.
LOG_LOOKBACK_SECONDS = 600
LOG_POLL_SECONDS = 2
# How far behind the newest event each poll starts again, in seconds: concurrent instances
# write to separate streams, and an event may become visible after a later one of another
# stream. Events seen already are skipped by their ID.
LOG_OVERLAP_SECONDS = 120
# The message with which CloudFormation, or moto, reports a deploy without changes.
NO_CHANGES = ("No updates are to be performed", "didn't contain changes")
# The stack states in which a stack takes updates, and the one of a stack that was never
# created, which has only change sets.
UPDATABLE_STATES = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
                    "IMPORT_ROLLBACK_COMPLETE"}
REVIEW_STATE = "REVIEW_IN_PROGRESS"
# The ELF machine numbers of the two architectures (the e_machine field of the header).
ELF_MACHINES = {62: "x86_64", 183: "arm64"}
# Options that select where the AWS commands run, which every suggested command repeats.
TARGET_KEYS = ("endpoint", "profile", "region", "stacks", "out")

COMMON_KEYS = {"env", *TARGET_KEYS}
KEYS = {
    "build": {"env", "arch", "stacks", "out"},
    "bootstrap": COMMON_KEYS,
    "deploy": COMMON_KEYS | {"zip", "allow-replacement"},
    "diff": COMMON_KEYS | {"zip"},
    "logs": COMMON_KEYS | {"follow"},
    "destroy": COMMON_KEYS | {"confirm"},
}


class OpsError(Exception):
    """A failure whose message states what to do next."""


def parse_arguments(command: str, arguments: list) -> dict:
    options = {}
    for argument in arguments:
        key, separator, value = argument.partition("=")
        if not separator or not value:
            raise OpsError(f"`{argument}` is not of the form key=value, such as env=dev")
        if key not in KEYS[command]:
            valid = ", ".join(sorted(KEYS[command]))
            raise OpsError(f"`{key}` is not an option of `{command}`; the options are {valid}")
        if key in options:
            raise OpsError(f"`{key}` is given twice, as {options[key]} and {value}; give it once")
        options[key] = value
    if command != "build" and "env" not in options:
        raise OpsError(f"`{command}` needs an environment, such as env=dev")
    if "endpoint" in options:
        try:
            endpoint = urllib.parse.urlsplit(options["endpoint"])
            valid = endpoint.scheme in ("http", "https") and bool(endpoint.hostname)
            endpoint.port  # Raises ValueError for a port that is not a number from 0 to 65535.
        except ValueError:
            valid = False
        if not valid:
            raise OpsError(
                f"`endpoint={options['endpoint']}` is not an HTTP URL; give the scheme and host, "
                "such as endpoint=http://127.0.0.1:5000"
            )
    for key in ("follow", "allow-replacement"):
        if options.get(key, "yes") not in ("yes", "no"):
            raise OpsError(f"`{key}={options[key]}` is neither yes nor no")
    return options


def suggest(command: str, options: dict, *extra: str) -> str:
    """Return the `./just` command line that repeats this run's environment and target."""
    repeated = [key for key in TARGET_KEYS if key in options and key in KEYS[command]]
    arguments = [f"env={options['env']}", *(f"{key}={options[key]}" for key in repeated)]
    return " ".join(["./just", command, *arguments, *extra])


def suggest_synth(options: dict) -> str:
    """Return the `./just synth` command line for this run's environment and folders."""
    folders_given = "".join(f" --{key} {options[key]}" for key in ("stacks", "out") if key in options)
    return f"./just synth env={options['env']}{folders_given}"


def folders(options: dict) -> tuple:
    stacks = Path(options.get("stacks", ROOT / "stacks"))
    out = Path(options.get("out", ROOT / "out"))
    return stacks, out


# The keys of manifest.json that the recipes read.
MANIFEST_KEYS = {"environment", "stack_name", "region", "template", "capabilities", "parameters", "tags", "bootstrap"}


def read_json(path: Path, options: dict, required: set):
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise OpsError(f"cannot read {path}: {error}; run `{suggest_synth(options)}` to write it again")
    missing = required - set(document) if isinstance(document, dict) else required
    if missing:
        raise OpsError(
            f"{path} has no {', '.join(sorted(missing))}, so synth did not write it; run "
            f"`{suggest_synth(options)}` to write it again"
        )
    return document


def load_manifest(options: dict) -> dict:
    stacks, out = folders(options)
    environment = options["env"]
    path = out / environment / "manifest.json"
    if not path.is_file():
        known = sorted(manifest.parent.name for manifest in out.glob("*/manifest.json"))
        settings = stacks / f"{environment}.toml"
        fix = (f"Run `./just synth env={environment}` first" if settings.is_file()
               else f"To add the environment, create {settings} and run `./just synth env={environment}`")
        raise OpsError(
            f"no manifest at {path}; the synthesized environments are {', '.join(known) or 'none'}. {fix}"
        )
    manifest = read_json(path, options, MANIFEST_KEYS)
    manifest["directory"] = path.parent
    return manifest


def load_template(manifest: dict, options: dict) -> dict:
    return read_json(manifest["directory"] / manifest["template"], options, {"Resources"})


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def capability_arguments(capabilities: list) -> list:
    return ["--capabilities", *capabilities] if capabilities else []


class Aws:
    """The `aws` CLI from the project's venv, with the endpoint, profile and Region given."""

    def __init__(self, options: dict, region: str):
        self.region = options.get("region", region)
        self.profile = options.get("profile")
        self.env = dict(os.environ)
        if "endpoint" in options:
            self.env["AWS_ENDPOINT_URL"] = options["endpoint"]
        self.env.setdefault("AWS_PAGER", "")

    def command(self, *arguments: str) -> list:
        command = [str(VENV_BIN / "aws"), *arguments, "--region", self.region]
        if self.profile:
            command += ["--profile", self.profile]
        return command

    def run(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(self.command(*arguments), env=self.env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise OpsError(f"`aws {' '.join(arguments[:2])}` failed: {result.stderr.strip()}")
        return result

    def json(self, *arguments: str):
        output = self.run(*arguments, "--output", "json").stdout
        return json.loads(output) if output.strip() else None

    def stack(self, name: str):
        """Return the stack description, or None when no such stack exists."""
        result = self.run("cloudformation", "describe-stacks", "--stack-name", name,
                          "--output", "json", check=False)
        if result.returncode != 0:
            if "does not exist" in result.stderr:
                return None
            raise OpsError(f"`aws cloudformation describe-stacks` failed: {result.stderr.strip()}")
        stacks = json.loads(result.stdout)["Stacks"]
        return stacks[0] if stacks and stacks[0]["StackStatus"] != "DELETE_COMPLETE" else None


# Build


def installed_targets() -> set:
    result = subprocess.run(["rustup", "target", "list", "--installed"], capture_output=True, text=True)
    return set(result.stdout.split()) if result.returncode == 0 else set()


def architecture(options: dict) -> str:
    """Return the architecture to build: `arch=`, else the environment's function setting."""
    if "arch" in options:
        arch = options["arch"]
    elif "env" in options:
        template = load_template(load_manifest(options), options)
        arch = template["Resources"]["Function"]["Properties"]["Architectures"][0]
    else:
        arch = "x86_64"
    if arch not in TARGETS:
        raise OpsError(f"`arch={arch}` is not an architecture of Lambda; use x86_64 or arm64")
    return arch


def build(options: dict) -> Path:
    """Build the function's zip for one architecture and return its path."""
    arch = architecture(options)
    target = TARGETS[arch]
    if target not in installed_targets():
        raise OpsError(
            f"the Rust target {target}, which {arch} functions need, is not installed; run "
            f"`rustup target add {target}`, or set function.architecture = \"x86_64\" in the "
            "environment's settings"
        )
    step(f"building the function for {arch} ({target}.{GLIBC}) with cargo lambda")
    environment = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}"}
    command = [
        str(VENV_BIN / "cargo-lambda"), "lambda", "build", "--release", "--locked",
        "--output-format", "zip", "--target", f"{target}.{GLIBC}",
        "--package", "service", "--bin", "bootstrap",
    ]
    subprocess.run(command, cwd=ROOT, env=environment, check=True)
    built = ROOT / "target" / "lambda" / "bootstrap" / "bootstrap.zip"
    return normalize(built, ROOT / "target" / "artifacts" / arch / "bootstrap.zip")


def normalize(built: Path, archive: Path) -> Path:
    """Rewrite cargo lambda's zip, whose entry carries the build time, with a fixed time and
    mode, so that the same binary always gives the same bytes. Report its path, size and
    SHA-256."""
    with zipfile.ZipFile(built) as source:
        names = source.namelist()
        if names != ["bootstrap"]:
            raise OpsError(f"{built} contains {names}; expected only `bootstrap`")
        binary = source.read("bootstrap")
    archive.parent.mkdir(parents=True, exist_ok=True)
    entry = zipfile.ZipInfo("bootstrap", date_time=ZIP_TIME)
    entry.external_attr = (0o100000 | ZIP_MODE) << 16
    entry.create_system = 3
    entry.compress_type = zipfile.ZIP_DEFLATED
    with tempfile.NamedTemporaryFile(dir=archive.parent, delete=False) as temporary:
        with zipfile.ZipFile(temporary, "w") as zipped:
            zipped.writestr(entry, binary, compresslevel=9)
    os.replace(temporary.name, archive)
    print(f"zip: {archive}")
    print(f"size: {archive.stat().st_size} bytes")
    print(f"sha256: {sha256(archive)}")
    return archive


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Bootstrap and deploy


def bootstrap(options: dict) -> None:
    manifest = load_manifest(options)
    settings = manifest["bootstrap"]
    aws = Aws(options, manifest["region"])
    template = manifest["directory"] / settings["template"]
    step(f"deploying {settings['stack_name']} in {aws.region}")
    deploy_template(aws, template, settings["stack_name"], settings["capabilities"], {}, {})
    print_outputs(aws, settings["stack_name"])


def deploy_template(aws: Aws, template: Path, stack_name: str, capabilities: list,
                    parameters: dict, tags: dict) -> bool:
    """Deploy a template and return whether anything changed."""
    # NOTE: the template goes inline, which CloudFormation accepts up to 51,200 bytes. synth
    # warns above that size, and the largest template here, prod's, is about 41,000 bytes.
    arguments = [
        "cloudformation", "deploy", "--template-file", str(template), "--stack-name", stack_name,
        "--no-fail-on-empty-changeset",
    ]
    arguments += capability_arguments(capabilities)
    if parameters:
        arguments += ["--parameter-overrides", *(f"{key}={value}" for key, value in parameters.items())]
    if tags:
        arguments += ["--tags", *(f"{key}={value}" for key, value in tags.items())]
    result = aws.run(*arguments, check=False)
    if result.returncode == 0:
        print(result.stdout.strip())
        return True
    # moto 5.2 rejects an update without changes at CreateChangeSet, where CloudFormation
    # returns a failed change set that --no-fail-on-empty-changeset accepts.
    if any(marker in result.stderr for marker in NO_CHANGES):
        print(f"no changes to deploy to {stack_name}")
        return False
    raise OpsError(f"failed to deploy {stack_name}: {result.stderr.strip()}")


def artifact_bucket(aws: Aws, manifest: dict, options: dict) -> str:
    """Return the artifact bucket: the bootstrap stack's output, or the physical ID of its
    bucket when the endpoint shows no outputs (moto after `deploy`)."""
    settings = manifest["bootstrap"]
    stack = aws.stack(settings["stack_name"])
    if stack is None:
        raise OpsError(
            f"the bootstrap stack {settings['stack_name']} does not exist in {aws.region}; run "
            f"`{suggest('bootstrap', options)}` first"
        )
    for output in stack.get("Outputs", []):
        if output["OutputKey"] == settings["artifact_bucket_output"]:
            return output["OutputValue"]
    resources = aws.json("cloudformation", "list-stack-resources", "--stack-name", settings["stack_name"])
    for summary in resources["StackResourceSummaries"]:
        if summary["LogicalResourceId"] == "ArtifactBucket":
            return summary["PhysicalResourceId"]
    raise OpsError(f"the bootstrap stack {settings['stack_name']} has no artifact bucket")


def artifact_key(archive: Path) -> str:
    return f"{ARTIFACT_PREFIX}/{sha256(archive)}.zip"


def upload(aws: Aws, bucket: str, archive: Path) -> str:
    """Upload the zip under a key derived from its SHA-256, unless that key exists, and
    return the key."""
    key = artifact_key(archive)
    exists = aws.run("s3api", "head-object", "--bucket", bucket, "--key", key, check=False)
    if exists.returncode == 0:
        print(f"s3://{bucket}/{key} exists; skipping the upload")
    else:
        step(f"uploading {archive.name} to s3://{bucket}/{key}")
        aws.run("s3api", "put-object", "--bucket", bucket, "--key", key, "--body", str(archive))
    return key


def check_synth(options: dict) -> None:
    stacks, out = folders(options)
    step(f"checking that {out} matches a fresh synth of {options['env']}")
    command = ["cargo", "run", "--quiet", "--locked", "--release", "-p", "synth", "--",
               f"env={options['env']}", "--check", "--stacks", str(stacks), "--out", str(out)]
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        raise OpsError(f"{out} is stale; run `{suggest_synth(options)}` and commit it")


def function_archive(options: dict) -> Path:
    """Return the zip to deploy: `zip=PATH`, checked, or a fresh build."""
    if "zip" not in options:
        return build(options)
    archive = Path(options["zip"])
    if not archive.is_file():
        raise OpsError(f"`zip={archive}` does not exist; give the zip that `./just build` prints")
    try:
        with zipfile.ZipFile(archive) as zipped:
            if "bootstrap" not in zipped.namelist():
                raise OpsError(f"`zip={archive}` has no `bootstrap` entry, which the provided.al2023 runtime runs")
            header = zipped.read("bootstrap")[:20]
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, OSError) as error:
        raise OpsError(f"`zip={archive}` is not a valid zip file ({error}); give the zip that `./just build` prints")
    # An ELF binary records its machine in bytes 18 and 19. A shell script runs on either
    # architecture, so only binaries are checked.
    if header[:4] == b"\x7fELF":
        machine = ELF_MACHINES.get(int.from_bytes(header[18:20], "little"), "another machine")
        expected = architecture(options)
        if machine != expected:
            raise OpsError(
                f"`zip={archive}` contains a binary for {machine}, but {options['env']} runs on {expected}; "
                f"build it with `{suggest('build', options)}`"
            )
    return archive


def code_parameters(manifest: dict, archive: Path, bucket: str) -> dict:
    """Return the stack parameters that locate the function's code."""
    values = {"bootstrap_artifact_bucket": bucket, "artifact_key": artifact_key(archive)}
    return {name: values[spec["source"]] for name, spec in manifest["parameters"].items()}


def deployed_template(aws: Aws, stack_name: str) -> dict:
    template = aws.json("cloudformation", "get-template", "--stack-name", stack_name)["TemplateBody"]
    return json.loads(template) if isinstance(template, str) else template


def retained_ids(template: dict) -> list:
    """Return the sorted logical IDs of the resources that a stack delete leaves behind."""
    resources = template.get("Resources", {})
    return sorted(logical_id for logical_id, resource in resources.items()
                  if resource.get("DeletionPolicy") in RETAIN_POLICIES)


def reject_retained_replacement(aws: Aws, manifest: dict, options: dict) -> None:
    """Raise when the deploy would replace a table, secret or bucket that the deployed stack
    retains. synth's guard compares with out/, which two synths in a row can move past, so
    this compares with what is deployed."""
    stack_name = manifest["stack_name"]
    stack = aws.stack(stack_name)
    if stack is None or stack["StackStatus"] == REVIEW_STATE or options.get("allow-replacement") == "yes":
        return
    current = deployed_template(aws, stack_name)
    retained = set(retained_ids(current))
    findings = [finding for finding in replacements(current, manifest["directory"] / manifest["template"])
                if finding["logical_id"] in retained]
    if findings:
        listed = "\n".join(
            f"  {finding['logical_id']} ({finding['resource_type']}): "
            f"{finding['cause'].get('name', finding['cause']['kind'])}"
            for finding in findings
        )
        raise OpsError(
            f"the deploy would replace resources that {stack_name} retains, and the replacements "
            f"would start empty:\n{listed}\n`{suggest('diff', options)}` shows the whole change; "
            f"`{suggest('deploy', options, 'allow-replacement=yes')}` deploys it anyway"
        )


def deploy(options: dict) -> None:
    manifest = load_manifest(options)
    check_synth(options)
    archive = function_archive(options)
    aws = Aws(options, manifest["region"])
    reject_retained_replacement(aws, manifest, options)
    bucket = artifact_bucket(aws, manifest, options)
    upload(aws, bucket, archive)
    parameters = code_parameters(manifest, archive, bucket)
    step(f"deploying {manifest['stack_name']} in {aws.region}")
    deploy_template(aws, manifest["directory"] / manifest["template"], manifest["stack_name"],
                    manifest["capabilities"], parameters, manifest["tags"])
    print_outputs(aws, manifest["stack_name"])


def print_outputs(aws: Aws, stack_name: str) -> None:
    stack = aws.stack(stack_name)
    outputs = (stack or {}).get("Outputs", [])
    if not outputs:
        print(f"{stack_name} reports no outputs")
        return
    width = max(len(output["OutputKey"]) for output in outputs)
    for output in sorted(outputs, key=lambda output: output["OutputKey"]):
        print(f"{output['OutputKey']:<{width}}  {output.get('OutputValue', '')}")


# Diff


def parameters_text(parameters: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in parameters.items())


def replacements(old_template: dict, new_template: Path) -> list:
    """Return synth's replacement findings for two templates."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as old:
        json.dump(old_template, old)
    try:
        command = ["cargo", "run", "--quiet", "--locked", "--release", "-p", "synth",
                   "--bin", "cfn-replacements", "--", old.name, str(new_template)]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            raise OpsError(f"failed to compare the templates: {result.stderr.strip()}")
        return json.loads(result.stdout)
    finally:
        os.unlink(old.name)


def diff(options: dict) -> int:
    """Print what a deploy of the environment would change, code included, and return 2 when
    it would replace a stateful resource."""
    manifest = load_manifest(options)
    check_synth(options)
    aws = Aws(options, manifest["region"])
    stack_name = manifest["stack_name"]
    template_path = manifest["directory"] / manifest["template"]
    stack = aws.stack(stack_name)
    if stack is None or stack["StackStatus"] == REVIEW_STATE:
        resources = load_template(manifest, options)["Resources"]
        print(f"{stack_name} does not exist in {aws.region}; a deploy creates its {len(resources)} resources")
        return 0
    if stack["StackStatus"] not in UPDATABLE_STATES:
        raise OpsError(
            f"{stack_name} is in state {stack['StackStatus']}, in which CloudFormation takes no "
            f"update; wait for it to finish, or delete it with `{suggest('destroy', options)}`"
        )
    archive = function_archive(options)
    bucket = artifact_bucket(aws, manifest, options)
    parameters = code_parameters(manifest, archive, bucket)
    step(f"comparing {stack_name} with {template_path} and {archive.name} ({parameters_text(parameters)})")
    deployed = {parameter["ParameterKey"]: parameter.get("ParameterValue", "") for parameter in stack.get("Parameters", [])}
    # New code changes only a parameter. CloudFormation lists the function as modified then,
    # but moto 5.2 compares templates alone, so the parameters are compared here too.
    changed_parameters = [(key, deployed.get(key, ""), value) for key, value in parameters.items()
                          if deployed.get(key) != value]
    for key, old, new in changed_parameters:
        print(f"parameter {key}: {old or '(none)'} -> {new}")
    up_to_date = (f"{stack_name} is up to date: a deploy would change nothing" if not changed_parameters
                  else f"the template of {stack_name} is unchanged; a deploy changes only the parameters above")

    name = f"diff-{os.getpid()}"
    created = aws.run(
        "cloudformation", "create-change-set", "--stack-name", stack_name, "--change-set-name", name,
        "--change-set-type", "UPDATE", "--template-body", template_path.read_text(encoding="utf-8"),
        "--parameters", *(f"ParameterKey={key},ParameterValue={value}" for key, value in parameters.items()),
        *capability_arguments(manifest["capabilities"]), check=False,
    )
    if created.returncode != 0:
        if any(marker in created.stderr for marker in NO_CHANGES):
            print(up_to_date)
            return 0
        raise OpsError(f"failed to create a change set: {created.stderr.strip()}")
    try:
        aws.run("cloudformation", "wait", "change-set-create-complete", "--stack-name", stack_name,
                "--change-set-name", name, check=False)
        described = aws.json("cloudformation", "describe-change-set", "--stack-name", stack_name,
                             "--change-set-name", name)
        current = deployed_template(aws, stack_name)
    finally:
        aws.run("cloudformation", "delete-change-set", "--stack-name", stack_name,
                "--change-set-name", name, check=False)
    if described.get("Status") == "FAILED":
        reason = described.get("StatusReason", "")
        if any(marker in reason for marker in NO_CHANGES):
            print(up_to_date)
            return 0
        raise OpsError(f"CloudFormation could not create the change set of {stack_name}: {reason or 'no reason given'}")

    derived = {}
    for finding in replacements(current, template_path):
        derived.setdefault(finding["logical_id"], []).append(finding["cause"].get("name", finding["cause"]["kind"]))
    rows = []
    stateful_replaced = []
    for change in described.get("Changes", []):
        resource = change.get("ResourceChange", {})
        logical_id = resource.get("LogicalResourceId", "")
        resource_type = resource.get("ResourceType", "")
        replacement = resource.get("Replacement") or ("True" if logical_id in derived else "-")
        if logical_id in derived:
            replacement += f" ({', '.join(derived[logical_id])})"
        if resource_type in STATEFUL_TYPES and (replacement.startswith(("True", "Conditional"))
                                                or resource.get("Action") == "Remove"):
            stateful_replaced.append(logical_id)
        rows.append((resource.get("Action", ""), logical_id, resource_type, replacement))
    # A retained resource that leaves the template is orphaned, which a change set may not list.
    for logical_id, causes in derived.items():
        if logical_id not in {row[1] for row in rows}:
            rows.append(("Remove", logical_id, "", f"True ({', '.join(causes)})"))
            stateful_replaced.append(logical_id)

    if not rows:
        print(up_to_date)
        return 0
    header = ("Action", "Logical ID", "Type", "Replacement")
    widths = [max(len(str(row[column])) for row in [header, *rows]) for column in range(4)]
    for row in [header, *sorted(rows, key=lambda row: row[1])]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    if stateful_replaced:
        print(f"error: the deploy would replace stateful resources: {', '.join(sorted(set(stateful_replaced)))}",
              file=sys.stderr)
        return 2
    return 0


# Logs and destroy


def logs(options: dict) -> None:
    """Print the function's log events of the last 10 minutes and, unless follow=no, keep
    printing new ones. The pinned AWS CLI is version 1, which has no `aws logs tail`, so this
    polls `filter-log-events`."""
    manifest = load_manifest(options)
    template = load_template(manifest, options)
    group = template["Resources"]["FunctionLogGroup"]["Properties"]["LogGroupName"]
    aws = Aws(options, manifest["region"])
    follow = options.get("follow", "yes") == "yes"
    start = int((time.time() - LOG_LOOKBACK_SECONDS) * 1000)
    newest = start
    # The IDs of the printed events, mapped to their timestamps, so that the overlap of the
    # polls prints nothing twice and the map keeps only the overlap's events.
    seen = {}
    step(f"{'tailing' if follow else 'reading'} {group} in {aws.region}")

    while True:
        events = []
        token = None
        while True:
            arguments = ["logs", "filter-log-events", "--log-group-name", group,
                         "--start-time", str(start)]
            if token:
                arguments += ["--next-token", token]
            page = aws.json(*arguments)
            events += page.get("events", [])
            token = page.get("nextToken")
            if not token:
                break

        for event in sorted(events, key=lambda event: (event["timestamp"], event["eventId"])):
            if event["eventId"] in seen:
                continue
            seen[event["eventId"]] = event["timestamp"]
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(event["timestamp"] / 1000))
            print(f"{stamp}Z {event['message'].rstrip()}", flush=True)
            newest = max(newest, event["timestamp"])
        if not follow:
            return
        start = max(start, newest - LOG_OVERLAP_SECONDS * 1000)
        seen = {event_id: stamp for event_id, stamp in seen.items() if stamp >= start}
        time.sleep(LOG_POLL_SECONDS)


def retained_resources(aws: Aws, stack_name: str) -> list:
    """Return the (logical ID, type, physical ID) of the deployed stack's resources that a
    stack delete leaves behind."""
    template = deployed_template(aws, stack_name)
    logical_ids = retained_ids(template)
    if not logical_ids:
        return []
    summaries = aws.json("cloudformation", "list-stack-resources", "--stack-name", stack_name)
    physical = {summary["LogicalResourceId"]: summary.get("PhysicalResourceId", "")
                for summary in summaries["StackResourceSummaries"]}
    return [(logical_id, template["Resources"][logical_id]["Type"], physical.get(logical_id, ""))
            for logical_id in logical_ids]


def destroy(options: dict) -> None:
    manifest = load_manifest(options)
    environment = manifest["environment"]
    aws = Aws(options, manifest["region"])
    stack_name = manifest["stack_name"]
    stack = aws.stack(stack_name)
    if stack is None:
        print(f"{stack_name} does not exist in {aws.region}; nothing to delete")
        return
    # The deployed template, not out/, lists what stays behind.
    retained = [] if stack["StackStatus"] == REVIEW_STATE else retained_resources(aws, stack_name)
    listed = "\n".join(f"  {logical_id} ({kind}) {name}".rstrip() for logical_id, kind, name in retained)
    if retained and options.get("confirm") != environment:
        raise OpsError(
            f"{stack_name} retains data, which stays behind when the stack is deleted:\n{listed}\n"
            f"Run `{suggest('destroy', options, f'confirm={environment}')}` to delete the stack anyway"
        )
    step(f"deleting {stack_name} in {aws.region}")
    aws.run("cloudformation", "delete-stack", "--stack-name", stack_name)
    aws.run("cloudformation", "wait", "stack-delete-complete", "--stack-name", stack["StackId"])
    print(f"deleted {stack_name}")
    if retained:
        print(f"retained:\n{listed}")
        print(
            "Retained resources with fixed names (the table, secret and log groups) make a new "
            "deploy of this environment fail until each one is deleted or imported into the "
            "stack (`aws cloudformation create-change-set --change-set-type IMPORT`)."
        )


COMMANDS = {
    "build": build,
    "bootstrap": bootstrap,
    "deploy": deploy,
    "diff": diff,
    "logs": logs,
    "destroy": destroy,
}


def main(arguments: list) -> int:
    if not arguments or arguments[0] not in COMMANDS:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = arguments[0], arguments[1:]
    try:
        options = parse_arguments(command, rest)
        result = COMMANDS[command](options)
        return result if isinstance(result, int) else 0
    except OpsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except subprocess.CalledProcessError as error:
        print(f"error: `{' '.join(map(str, error.cmd[:3]))}` failed with exit code {error.returncode}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
