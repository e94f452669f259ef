//! The `bootstrap` binary's cold start without the stack's environment.

use std::process::Command;

#[test]
fn missing_variable_fails_cold_start_naming_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env_clear()
        .env("TOKEN_ISSUER", "https://auth.example.com")
        .output()
        .expect("the bootstrap binary runs");
    assert_eq!(output.status.code(), Some(1));
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(logs.contains("cold start failed"), "{logs}");
    assert!(
        logs.contains("environment variable TOKEN_LIFETIME_SECONDS is not set"),
        "{logs}"
    );
}

#[test]
fn invalid_variable_fails_cold_start_naming_it() {
    let output = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env_clear()
        .env("TOKEN_ISSUER", "auth.example.com")
        .output()
        .expect("the bootstrap binary runs");
    assert_eq!(output.status.code(), Some(1));
    let logs = String::from_utf8_lossy(&output.stdout);
    assert!(
        logs.contains("environment variable TOKEN_ISSUER is invalid: `auth.example.com`"),
        "{logs}"
    );
}

#[test]
fn mistyped_log_level_fails_cold_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env_clear()
        .env("RUST_LOG", "warning")
        .output()
        .expect("the bootstrap binary runs");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("environment variable RUST_LOG is invalid: `warning`"),
        "{stderr}"
    );
}
