use std::path::Path;

use super::*;
use crate::settings::{Architecture, LogLevel};

/// Opens the settings committed in the repository's `stacks/` folder.
fn committed() -> StacksDir {
    StacksDir::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../stacks"))
}

/// Copies the committed defaults into a temporary folder and adds environment files.
fn folder(files: &[(&str, &str)]) -> (tempfile::TempDir, StacksDir) {
    let dir = tempfile::tempdir().unwrap();
    let defaults = committed().path.join(DEFAULTS_FILE);
    std::fs::copy(defaults, dir.path().join(DEFAULTS_FILE)).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let stacks = StacksDir::new(dir.path());
    (dir, stacks)
}

fn single_problem(error: SettingsError) -> SettingProblem {
    match error {
        SettingsError::Invalid(mut problems) if problems.len() == 1 => problems.remove(0),
        other => panic!("expected one invalid setting, got {other:?}"),
    }
}

#[test]
fn committed_environments_load() {
    let stacks = committed();
    assert_eq!(stacks.environments().unwrap(), ["dev", "prod", "staging"]);
    for environment in ["dev", "staging", "prod"] {
        let settings = stacks.load(environment).unwrap();
        assert_eq!(settings.environment, environment);
        assert_eq!(settings.stack_name, format!("auth-{environment}"));
    }
}

#[test]
fn environment_overrides_defaults() {
    let prod = committed().load("prod").unwrap();
    assert!(prod.production);
    assert_eq!(prod.function.memory_mb, 1024);
    assert_eq!(prod.function.timeout_seconds, 10);
    assert_eq!(prod.function.architecture, Architecture::X86_64);
    assert_eq!(prod.function.reserved_concurrency, Some(20));
    assert!(prod.table.retain);
    assert_eq!(prod.passwords.pbkdf2_iterations, 600_000);
    assert!(prod.encryption.customer_managed_key);

    let dev = committed().load("dev").unwrap();
    assert!(!dev.production);
    assert_eq!(dev.function.log_level, LogLevel::Debug);
    assert_eq!(dev.function.reserved_concurrency, None);
    assert!(!dev.table.retain);
    assert!(!dev.alarms.enabled);
    assert!(!dev.encryption.customer_managed_key);
}

#[test]
fn placeholders_are_rendered() {
    let settings = committed().load("staging").unwrap();
    assert_eq!(settings.table.name, "auth-staging-users");
    assert_eq!(settings.signing_key.secret_name, "auth/staging/signing-key");
    assert_eq!(settings.bootstrap_stack_name, "auth-bootstrap");
    assert_eq!(settings.tags["environment"], "staging");
    assert_eq!(settings.tags["service"], "auth");
}

#[test]
fn new_file_adds_environment() {
    let (_dir, stacks) = folder(&[("qa.toml", "region = \"eu-west-1\"\n")]);
    assert_eq!(stacks.environments().unwrap(), ["qa"]);
    let settings = stacks.load("qa").unwrap();
    assert_eq!(settings.stack_name, "auth-qa");
    assert_eq!(settings.region, "eu-west-1");
}

#[test]
fn region_placeholder() {
    let text = "region = \"eu-north-1\"\n[table]\nname = \"users-{{region}}\"\n";
    let (_dir, stacks) = folder(&[("qa.toml", text)]);
    assert_eq!(stacks.load("qa").unwrap().table.name, "users-eu-north-1");
}

#[test]
fn unknown_key_names_file_key_and_valid_keys() {
    let (dir, stacks) = folder(&[("qa.toml", "[function]\nmemroy_mb = 256\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.file, dir.path().join("qa.toml"));
    assert_eq!(problem.key, "function.memroy_mb");
    assert!(
        problem
            .message
            .starts_with("unknown field `memroy_mb`, expected one of `name`"),
        "{}",
        problem.message
    );
    assert!(
        problem.message.contains("`memory_mb`"),
        "{}",
        problem.message
    );
}

#[test]
fn unknown_top_level_key() {
    let (_dir, stacks) = folder(&[("qa.toml", "colour = \"blue\"\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "colour");
    assert!(
        problem.message.contains("`stack_name`"),
        "{}",
        problem.message
    );
}

#[test]
fn unknown_key_in_defaults_names_defaults() {
    let (dir, stacks) = folder(&[("qa.toml", "")]);
    let defaults = dir.path().join(DEFAULTS_FILE);
    let mut text = std::fs::read_to_string(&defaults).unwrap();
    text.push_str("\n[extra]\nkey = 1\n");
    std::fs::write(&defaults, text).unwrap();
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.file, defaults);
    assert_eq!(problem.key, "extra");
}

#[test]
fn wrong_type_names_file_and_key() {
    let (dir, stacks) = folder(&[("qa.toml", "[function]\nmemory_mb = \"lots\"\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.file, dir.path().join("qa.toml"));
    assert_eq!(problem.key, "function.memory_mb");
    assert_eq!(
        problem.message,
        "invalid type: string \"lots\", expected a whole number from 0 to 4294967295"
    );
}

#[test]
fn unknown_variant_lists_expected_values() {
    let (_dir, stacks) = folder(&[("qa.toml", "[function]\narchitecture = \"arm\"\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "function.architecture");
    assert_eq!(
        problem.message,
        "unknown variant `arm`, expected `x86_64` or `arm64`"
    );
}

#[test]
fn out_of_range_value_names_expected_range() {
    let (dir, stacks) = folder(&[("qa.toml", "[function]\nmemory_mb = 64\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.file, dir.path().join("qa.toml"));
    assert_eq!(problem.key, "function.memory_mb");
    assert_eq!(
        problem.message,
        "64 is out of range; expected 128 to 10240 MB"
    );
    assert_eq!(
        problem.to_string(),
        format!(
            "{}: `function.memory_mb`: 64 is out of range; expected 128 to 10240 MB",
            dir.path().join("qa.toml").display()
        )
    );
}

#[test]
fn problem_in_default_value_names_defaults() {
    let (dir, stacks) = folder(&[("qa.toml", "production = true\n[passwords]\n")]);
    let defaults = dir.path().join(DEFAULTS_FILE);
    let text = std::fs::read_to_string(&defaults).unwrap();
    std::fs::write(
        &defaults,
        text.replace("pbkdf2_iterations = 600000", "pbkdf2_iterations = 1000"),
    )
    .unwrap();
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.file, defaults);
    assert_eq!(problem.key, "passwords.pbkdf2_iterations");
}

#[test]
fn production_iterations_floor() {
    let text = "production = true\n[passwords]\npbkdf2_iterations = 599999\n";
    let (_dir, stacks) = folder(&[("qa.toml", text)]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "passwords.pbkdf2_iterations");
    assert_eq!(
        problem.message,
        "599999 is below the minimum of 600000; production environments need at least 600,000 \
         for PBKDF2-HMAC-SHA256"
    );
}

#[test]
fn non_production_may_use_fewer_iterations() {
    let text = "[passwords]\npbkdf2_iterations = 1000\n";
    let (_dir, stacks) = folder(&[("qa.toml", text)]);
    assert_eq!(stacks.load("qa").unwrap().passwords.pbkdf2_iterations, 1000);
}

#[test]
fn several_problems_are_reported_together() {
    let text = "[function]\nmemory_mb = 1\ntimeout_seconds = 0\nlog_retention_days = 2\n";
    let (_dir, stacks) = folder(&[("qa.toml", text)]);
    let SettingsError::Invalid(problems) = stacks.load("qa").unwrap_err() else {
        panic!("expected invalid settings");
    };
    let keys: Vec<&str> = problems
        .iter()
        .map(|problem| problem.key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "function.memory_mb",
            "function.timeout_seconds",
            "function.log_retention_days"
        ]
    );
}

#[test]
fn missing_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("solo.toml"),
        "service = \"auth\"\nregion = \"us-east-1\"\n",
    )
    .unwrap();
    let problem = single_problem(StacksDir::new(dir.path()).load("solo").unwrap_err());
    assert_eq!(problem.key, "stack_name");
    assert!(
        problem.message.starts_with("missing; set it in"),
        "{}",
        problem.message
    );
}

#[test]
fn missing_nested_key_is_named() {
    let (dir, stacks) = folder(&[("qa.toml", "")]);
    let defaults = dir.path().join(DEFAULTS_FILE);
    let text = std::fs::read_to_string(&defaults).unwrap();
    std::fs::write(&defaults, text.replace("memory_mb = 512", "")).unwrap();
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "function.memory_mb");
}

#[test]
fn unknown_placeholder_names_file_key_and_placeholder() {
    let (dir, stacks) = folder(&[("qa.toml", "[table]\nname = \"{{stage}}-users\"\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.file, dir.path().join("qa.toml"));
    assert_eq!(problem.key, "table.name");
    assert!(
        problem
            .message
            .starts_with("unknown placeholder `{{stage}}`"),
        "{}",
        problem.message
    );
}

#[test]
fn unknown_environment_lists_known() {
    let error = committed().load("qa").unwrap_err();
    let message = error.to_string();
    assert!(
        message
            .starts_with("unknown environment `qa`; the known environments are dev, prod, staging"),
        "{message}"
    );
    assert!(message.ends_with("qa.toml`"), "{message}");
}

#[test]
fn invalid_environment_names() {
    for name in [
        "all",
        "defaults",
        "Prod",
        "1st",
        "has_underscore",
        "",
        &"a".repeat(33),
    ] {
        let error = committed().load(name).unwrap_err();
        assert!(
            matches!(error, SettingsError::InvalidEnvironmentName { .. }),
            "{name}: {error}"
        );
    }
}

#[test]
fn syntax_error_names_file_and_line() {
    let (dir, stacks) = folder(&[("qa.toml", "[function\nmemory_mb = 1\n")]);
    let error = stacks.load("qa").unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "{}: invalid TOML:",
            dir.path().join("qa.toml").display()
        )),
        "{message}"
    );
    assert!(message.contains("line 1"), "{message}");
}

#[test]
fn missing_folder_is_reported() {
    let error = StacksDir::new("/nonexistent/stacks")
        .environments()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "settings directory `/nonexistent/stacks` not found; run synth from the repository root \
         or pass --stacks DIR"
    );
}

#[test]
fn alarm_email_requires_alarms() {
    let text = "[alarms]\nenabled = false\nemail = \"oncall@example.com\"\n";
    let (_dir, stacks) = folder(&[("qa.toml", text)]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "alarms.email");
}

#[test]
fn invalid_issuer_is_rejected() {
    let text = "[tokens]\nissuer = \"http://auth.example.com/\"\n";
    let (_dir, stacks) = folder(&[("qa.toml", text)]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "tokens.issuer");
}

#[test]
fn long_function_name_is_rejected() {
    let text = format!("[function]\nname = \"{}\"\n", "f".repeat(65));
    let (_dir, stacks) = folder(&[("qa.toml", &text)]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "function.name");
    assert!(
        problem.message.ends_with("the maximum is 64"),
        "{}",
        problem.message
    );
}

#[test]
fn reserved_tag_prefix_is_rejected() {
    let (_dir, stacks) = folder(&[("qa.toml", "[tags]\n\"aws:owner\" = \"me\"\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "tags.aws:owner");
}

#[test]
fn hidden_files_are_not_environments() {
    let (_dir, stacks) = folder(&[("qa.toml", ""), (".qa.toml", "")]);
    assert_eq!(stacks.environments().unwrap(), ["qa"]);
}

#[test]
fn table_given_a_value_is_explained() {
    let (_dir, stacks) = folder(&[("qa.toml", "function = 5\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "function");
    assert_eq!(
        problem.message,
        "invalid type: integer `5`, expected a table of settings"
    );
}

#[test]
fn timeout_beyond_api_gateway_is_rejected() {
    let (_dir, stacks) = folder(&[("qa.toml", "[function]\ntimeout_seconds = 30\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "function.timeout_seconds");
    assert!(
        problem.message.contains("after 29 seconds"),
        "{}",
        problem.message
    );
}

#[test]
fn throttling_beyond_account_limits_is_rejected() {
    let text = "[api]\nthrottling_rate_limit = 1e300\nthrottling_burst_limit = 4000000000\n";
    let (_dir, stacks) = folder(&[("qa.toml", text)]);
    let SettingsError::Invalid(problems) = stacks.load("qa").unwrap_err() else {
        panic!("expected invalid settings");
    };
    let keys: Vec<&str> = problems
        .iter()
        .map(|problem| problem.key.as_str())
        .collect();
    assert_eq!(
        keys,
        ["api.throttling_rate_limit", "api.throttling_burst_limit"]
    );
}

#[test]
fn huge_reserved_concurrency_is_rejected() {
    let (_dir, stacks) = folder(&[("qa.toml", "[function]\nreserved_concurrency = 4000000000\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "function.reserved_concurrency");
}

#[test]
fn api_name_must_suit_its_log_group() {
    let (dir, stacks) = folder(&[("qa.toml", "[api]\nname = \"{{service}} {{env}} api\"\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.file, dir.path().join("qa.toml"));
    assert_eq!(problem.key, "api.name");
    assert!(
        problem.message.contains("contains ` `"),
        "{}",
        problem.message
    );
}

#[test]
fn stack_name_clash_blames_setting_file() {
    let (dir, stacks) = folder(&[("qa.toml", "stack_name = \"auth-bootstrap\"\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.file, dir.path().join("qa.toml"));
    assert_eq!(problem.key, "stack_name");
}

#[test]
fn tag_characters_are_checked() {
    let (_dir, stacks) = folder(&[("qa.toml", "[tags]\n\"a*b\" = \"c#d\"\n")]);
    let SettingsError::Invalid(problems) = stacks.load("qa").unwrap_err() else {
        panic!("expected invalid settings");
    };
    assert_eq!(problems.len(), 2);
    assert!(problems[0].message.contains("tag key `a*b` contains `*`"));
    assert!(problems[1].message.contains("tag value `c#d` contains `#`"));
}

#[test]
fn tag_key_placeholders_are_rendered() {
    let (_dir, stacks) = folder(&[("qa.toml", "[tags]\n\"{{env}}-owner\" = \"me\"\n")]);
    let settings = stacks.load("qa").unwrap();
    assert_eq!(settings.tags["qa-owner"], "me");
}

#[test]
fn iterations_below_library_minimum_are_rejected() {
    let (_dir, stacks) = folder(&[("qa.toml", "[passwords]\npbkdf2_iterations = 999\n")]);
    let problem = single_problem(stacks.load("qa").unwrap_err());
    assert_eq!(problem.key, "passwords.pbkdf2_iterations");
    assert_eq!(problem.message, "999 is below the minimum of 1000");
}
