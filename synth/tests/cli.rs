//! The `synth` binary, run as a user runs it.
#![allow(
    clippy::unwrap_used,
    reason = "helpers shared by the tests panic on failure, as the tests do"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Returns the repository root, which contains `stacks/` and `out/`.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn synth(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synth"))
        .args(arguments)
        .current_dir(root())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Copies the committed settings into a temporary folder.
fn copy_stacks(into: &Path) -> PathBuf {
    let stacks = into.join("stacks");
    std::fs::create_dir_all(&stacks).unwrap();
    for entry in std::fs::read_dir(root().join("stacks")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), stacks.join(entry.file_name())).unwrap();
    }
    stacks
}

fn path_argument(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn committed_out_is_current() {
    let output = synth(&["--check"]);
    assert!(
        output.status.success(),
        "out/ is stale; run `./just synth` and commit:\n{}",
        text(&output.stderr)
    );
    assert!(text(&output.stdout).starts_with("out matches a fresh synth"));
}

#[test]
fn env_all_writes_every_environment() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("out");
    let output = synth(&["env=all", "--out", path_argument(&out)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    for environment in ["dev", "staging", "prod"] {
        assert!(out.join(environment).join("auth.template.json").is_file());
        assert!(out.join(environment).join("manifest.json").is_file());
    }
    assert!(out.join("bootstrap.template.json").is_file());

    let stdout = text(&output.stdout);
    assert!(stdout.contains("prod: 37 resources"), "{stdout}");
    assert!(
        stdout.contains("  outputs: AlarmTopicArn, ApiUrl"),
        "{stdout}"
    );
    assert!(stdout.contains("AWS::Lambda::Function"), "{stdout}");
}

#[test]
fn two_runs_give_identical_bytes() {
    let temp = tempfile::tempdir().unwrap();
    let first = temp.path().join("first");
    let second = temp.path().join("second");
    assert!(synth(&["--out", path_argument(&first)]).status.success());
    assert!(synth(&["--out", path_argument(&second)]).status.success());
    for file in [
        "bootstrap.template.json",
        "dev/auth.template.json",
        "dev/manifest.json",
        "prod/auth.template.json",
        "prod/manifest.json",
    ] {
        let first_bytes = std::fs::read(first.join(file)).unwrap();
        let second_bytes = std::fs::read(second.join(file)).unwrap();
        assert_eq!(first_bytes, second_bytes, "{file}");
        let contents = text(&first_bytes);
        assert!(
            !contents.contains(path_argument(temp.path())),
            "{file} has a path"
        );
        assert!(!contents.contains("/root/"), "{file} has a home path");
        assert!(contents.ends_with("}\n"), "{file}");
    }

    let again = synth(&["--out", path_argument(&first)]);
    assert!(text(&again.stdout).ends_with("is up to date\n"));
}

#[test]
fn just_form_and_plain_form_agree() {
    let temp = tempfile::tempdir().unwrap();
    let just_form = temp.path().join("a");
    let plain_form = temp.path().join("b");
    assert!(
        synth(&["env=prod", "--out", path_argument(&just_form)])
            .status
            .success()
    );
    assert!(
        synth(&["prod", "--out", path_argument(&plain_form)])
            .status
            .success()
    );
    let read = |folder: &Path| std::fs::read(folder.join("prod/auth.template.json")).unwrap();
    assert_eq!(read(&just_form), read(&plain_form));
    assert!(!just_form.join("dev").exists());
}

#[test]
fn check_names_changed_and_missing_files() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("out");
    assert!(synth(&["--out", path_argument(&out)]).status.success());
    std::fs::write(out.join("prod/auth.template.json"), "{}\n").unwrap();
    std::fs::remove_file(out.join("dev/manifest.json")).unwrap();

    let output = synth(&["--check", "--out", path_argument(&out)]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("prod/auth.template.json is out of date"),
        "{stderr}"
    );
    assert!(stderr.contains("dev/manifest.json is missing"), "{stderr}");
    assert!(stderr.contains("run `./just synth env=all`"), "{stderr}");
    assert!(!stderr.contains("staging"), "{stderr}");
}

#[test]
fn check_one_environment() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("out");
    assert!(
        synth(&["env=dev", "--out", path_argument(&out)])
            .status
            .success()
    );
    assert!(
        synth(&["env=dev", "--check", "--out", path_argument(&out)])
            .status
            .success()
    );

    let output = synth(&["env=prod", "--check", "--out", path_argument(&out)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("run `./just synth env=prod`"));
}

#[test]
fn orphaned_environment_is_stale_and_removed() {
    let temp = tempfile::tempdir().unwrap();
    let stacks = copy_stacks(temp.path());
    let out = temp.path().join("out");
    std::fs::write(stacks.join("qa.toml"), "").unwrap();
    let stacks_argument = path_argument(&stacks);
    assert!(
        synth(&["--stacks", stacks_argument, "--out", path_argument(&out)])
            .status
            .success()
    );
    assert!(out.join("qa/auth.template.json").is_file());

    std::fs::remove_file(stacks.join("qa.toml")).unwrap();
    let output = synth(&[
        "--check",
        "--stacks",
        stacks_argument,
        "--out",
        path_argument(&out),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr
            .contains("qa/auth.template.json belongs to an environment that has no settings file"),
        "{stderr}"
    );

    let output = synth(&["--stacks", stacks_argument, "--out", path_argument(&out)]);
    assert!(output.status.success());
    assert!(text(&output.stdout).contains("removed"));
    assert!(!out.join("qa").exists());
}

#[test]
fn new_settings_file_adds_environment() {
    let temp = tempfile::tempdir().unwrap();
    let stacks = copy_stacks(temp.path());
    std::fs::write(
        stacks.join("qa.toml"),
        "region = \"eu-west-1\"\n[function]\nmemory_mb = 256\n",
    )
    .unwrap();
    let out = temp.path().join("out");
    let output = synth(&[
        "env=qa",
        "--stacks",
        path_argument(&stacks),
        "--out",
        path_argument(&out),
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));

    let template = std::fs::read_to_string(out.join("qa/auth.template.json")).unwrap();
    let template: serde_json::Value = serde_json::from_str(&template).unwrap();
    let function = &template["Resources"]["Function"]["Properties"];
    assert_eq!(function["FunctionName"], "auth-qa");
    assert_eq!(function["MemorySize"], 256);
    assert_eq!(
        template["Resources"]["RestApiStage"]["Properties"]["StageName"],
        "qa"
    );

    let manifest = std::fs::read_to_string(out.join("qa/manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(manifest["stack_name"], "auth-qa");
    assert_eq!(manifest["region"], "eu-west-1");
    assert_eq!(
        manifest["capabilities"],
        serde_json::json!(["CAPABILITY_IAM"])
    );
    assert_eq!(
        manifest["parameters"]["ServiceCodeBucket"]["source"],
        "bootstrap_artifact_bucket"
    );
    assert_eq!(
        manifest["parameters"]["ServiceCodeKey"]["source"],
        "artifact_key"
    );
    assert_eq!(manifest["bootstrap"]["stack_name"], "auth-bootstrap");
}

#[test]
fn unknown_environment_lists_known_ones() {
    let output = synth(&["env=qa", "--out", "/nonexistent"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(
            "error: unknown environment `qa`; the known environments are dev, prod, staging. \
             To add it, create `stacks/qa.toml`"
        ),
        "{stderr}"
    );
}

#[test]
fn bad_setting_names_file_key_and_expected_value() {
    let temp = tempfile::tempdir().unwrap();
    let stacks = copy_stacks(temp.path());
    std::fs::write(stacks.join("qa.toml"), "[function]\nmemory_mb = 100000\n").unwrap();
    let output = synth(&[
        "env=qa",
        "--stacks",
        path_argument(&stacks),
        "--out",
        "/nonexistent",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    let expected = format!(
        "error: {}: `function.memory_mb`: 100000 is out of range; expected 128 to 10240 MB",
        stacks.join("qa.toml").display()
    );
    assert!(stderr.starts_with(&expected), "{stderr}");
}

#[test]
fn unknown_setting_lists_valid_keys() {
    let temp = tempfile::tempdir().unwrap();
    let stacks = copy_stacks(temp.path());
    std::fs::write(
        stacks.join("qa.toml"),
        "[alarms]\nemails = \"a@example.com\"\n",
    )
    .unwrap();
    let output = synth(&[
        "env=qa",
        "--stacks",
        path_argument(&stacks),
        "--out",
        "/nonexistent",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("`alarms.emails`: unknown field `emails`, expected `enabled` or `email`"),
        "{stderr}"
    );
}

#[test]
fn missing_settings_folder() {
    let output = synth(&["--stacks", "/nonexistent/stacks"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("settings directory `/nonexistent/stacks` not found"));
}

#[test]
fn unrelated_folders_in_out_are_left_alone() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("out");
    let other = out.join("webapp");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("manifest.json"), "{}\n").unwrap();
    std::fs::write(other.join("auth.template.json"), "{}\n").unwrap();

    let output = synth(&["--out", path_argument(&out)]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(!text(&output.stdout).contains("removed"));
    assert!(other.join("manifest.json").is_file());
    assert!(other.join("auth.template.json").is_file());
    assert!(
        synth(&["--check", "--out", path_argument(&out)])
            .status
            .success()
    );
}

#[test]
fn check_flags_files_synth_does_not_write() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("out");
    assert!(synth(&["--out", path_argument(&out)]).status.success());
    std::fs::write(out.join("prod/extra.json"), "{}\n").unwrap();

    let output = synth(&["--check", "--out", path_argument(&out)]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("prod/extra.json is not a file that synth writes; remove it"),
        "{stderr}"
    );
    assert!(stderr.contains("error: 1 file in"), "{stderr}");
    assert!(stderr.contains("differs from a fresh synth"), "{stderr}");
}

#[test]
fn retained_table_replacement_is_refused() {
    let temp = tempfile::tempdir().unwrap();
    let stacks = copy_stacks(temp.path());
    let out = temp.path().join("out");
    let arguments = [
        "--stacks",
        path_argument(&stacks),
        "--out",
        path_argument(&out),
    ];
    assert!(synth(&arguments).status.success());

    let mut prod = std::fs::read_to_string(stacks.join("prod.toml")).unwrap();
    prod.push_str("\n[signing_key]\nsecret_name = \"auth/prod/signing-key-2\"\n");
    let table = "[table]\ndeletion_protection = true\nretain = true\n";
    let renamed = prod.replace(table, &format!("{table}name = \"auth-prod-people\"\n"));
    assert_ne!(
        renamed, prod,
        "the prod settings have no [table] section to extend"
    );
    std::fs::write(stacks.join("prod.toml"), renamed).unwrap();

    let output = synth(&[&arguments[..], &["env=prod"]].concat());
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("environment `prod` retains its data, but this change replaces it"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "`SigningKeySecret` (AWS::SecretsManager::Secret) would be replaced: Name changes \
             from \"auth/prod/signing-key\" to \"auth/prod/signing-key-2\""
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("`UsersTable` (AWS::DynamoDB::Table) would be replaced: TableName"),
        "{stderr}"
    );
    assert!(stderr.contains("--allow-replacement"), "{stderr}");
    let unchanged = std::fs::read_to_string(out.join("prod/auth.template.json")).unwrap();
    assert!(unchanged.contains("\"auth-prod-users\""));

    let allowed = synth(&[&arguments[..], &["env=prod", "--allow-replacement"]].concat());
    assert!(allowed.status.success(), "{}", text(&allowed.stderr));
    let written = std::fs::read_to_string(out.join("prod/auth.template.json")).unwrap();
    assert!(written.contains("\"auth-prod-people\""));
}

#[test]
fn retain_off_keeps_the_guard() {
    let temp = tempfile::tempdir().unwrap();
    let stacks = copy_stacks(temp.path());
    let out = temp.path().join("out");
    let arguments = [
        "--stacks",
        path_argument(&stacks),
        "--out",
        path_argument(&out),
        "env=prod",
    ];
    assert!(synth(&arguments).status.success());

    let prod = std::fs::read_to_string(stacks.join("prod.toml")).unwrap();
    let table = "[table]\ndeletion_protection = true\nretain = true\n";
    let released = prod.replace(
        table,
        "[table]\ndeletion_protection = false\nretain = false\nname = \"auth-prod-people\"\n",
    );
    assert_ne!(
        released, prod,
        "the prod settings have no [table] section to change"
    );
    std::fs::write(stacks.join("prod.toml"), released).unwrap();

    let output = synth(&arguments);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("`UsersTable` (AWS::DynamoDB::Table) would be replaced: TableName"),
        "{stderr}"
    );
    assert!(
        stderr.contains("environment `prod` retains its data in its current template"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Turning `table.retain` off does not lift this guard"),
        "{stderr}"
    );
    let unchanged = std::fs::read_to_string(out.join("prod/auth.template.json")).unwrap();
    assert!(unchanged.contains("\"auth-prod-users\""));

    // Releasing the data first, on its own, lets a later synth replace the table.
    std::fs::write(
        stacks.join("prod.toml"),
        prod.replace(
            table,
            "[table]\ndeletion_protection = false\nretain = false\n",
        ),
    )
    .unwrap();
    assert!(synth(&arguments).status.success());
    std::fs::write(
        stacks.join("prod.toml"),
        prod.replace(
            table,
            "[table]\ndeletion_protection = false\nretain = false\nname = \"auth-prod-people\"\n",
        ),
    )
    .unwrap();
    let replaced = synth(&arguments);
    assert!(replaced.status.success(), "{}", text(&replaced.stderr));
}

#[test]
fn unretained_table_may_be_replaced() {
    let temp = tempfile::tempdir().unwrap();
    let stacks = copy_stacks(temp.path());
    let out = temp.path().join("out");
    let arguments = [
        "--stacks",
        path_argument(&stacks),
        "--out",
        path_argument(&out),
    ];
    assert!(
        synth(&[&arguments[..], &["env=dev"]].concat())
            .status
            .success()
    );
    let mut dev = std::fs::read_to_string(stacks.join("dev.toml")).unwrap();
    dev = dev.replace("[table]\n", "[table]\nname = \"auth-dev-people\"\n");
    std::fs::write(stacks.join("dev.toml"), dev).unwrap();
    let output = synth(&[&arguments[..], &["env=dev"]].concat());
    assert!(output.status.success(), "{}", text(&output.stderr));
}

#[test]
fn replacements_tool_prints_json() {
    let temp = tempfile::tempdir().unwrap();
    let old = temp.path().join("old.json");
    let new = temp.path().join("new.json");
    std::fs::write(
        &old,
        r#"{"Resources": {"Key": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": "a"}}}}"#,
    )
    .unwrap();
    std::fs::write(&new, r#"{"Resources": {}}"#).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_cfn-replacements"))
        .args([path_argument(&old), path_argument(&new)])
        .output()
        .unwrap();
    assert!(output.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        printed,
        serde_json::json!([{
            "logical_id": "Key",
            "resource_type": "AWS::SecretsManager::Secret",
            "cause": {"kind": "removed"}
        }])
    );

    let usage = Command::new(env!("CARGO_BIN_EXE_cfn-replacements"))
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
}
