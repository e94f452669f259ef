//! What the logs contain over a whole flow. This test has its own binary, because a
//! thread-local subscriber can miss events whose callsites other test threads registered first.
#![allow(
    clippy::unwrap_used,
    reason = "helpers shared by the tests panic on failure, as the tests do"
)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use support::*;

const ITERATIONS: u32 = 1_000;

/// A log sink that tests can read back.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn logs_never_contain_secrets() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_env_filter(service::logging::filter(Some("trace"), None).unwrap())
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    create_user(&state, "alice", PASSWORD).await;
    let token = token(&state, "alice", PASSWORD).await;
    request_token(&state, "alice", "wrong horse battery staple").await;
    request_token(&state, "mallory", PASSWORD).await;
    delete_user(&state, "alice", "forged.token.value").await;
    delete_user(&state, "alice", &token).await;
    let hash_prefix = "$pbkdf2-sha256$";

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.is_empty());
    for secret in [
        PASSWORD,
        "wrong horse",
        token.as_str(),
        SECRET_VALUE,
        hash_prefix,
    ] {
        assert!(!logs.contains(secret), "the logs contain {secret:?}");
    }
    let token_signature = token.rsplit('.').next().unwrap();
    assert!(!logs.contains(token_signature));

    let attempts: Vec<serde_json::Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .filter(|line: &serde_json::Value| line["fields"]["message"] == "authentication attempt")
        .collect();
    let outcomes: Vec<&str> = attempts
        .iter()
        .map(|line| line["fields"]["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["success", "failure", "failure"]);
    // A wrong password and an unknown user log the same line at INFO; only the DEBUG line
    // that follows gives the reason.
    assert_eq!(attempts[1]["fields"], attempts[2]["fields"]);
    assert!(logs.contains(r#""reason":"wrong_password""#));
    assert!(logs.contains(r#""reason":"unknown_user""#));
}
