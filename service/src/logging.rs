//! Logs in Lambda's format, with the levels that Lambda's logging configuration sets.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// Crates whose debug and trace output contains request and response bodies, such as a
/// DynamoDB item with its password hash. They log at INFO at most, whatever the level.
const BODY_LOGGING_CRATES: [&str; 6] = [
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_sdk_dynamodb",
    "aws_sdk_secretsmanager",
    "hyper",
];

/// Builds the log filter: `AWS_LAMBDA_LOG_LEVEL` if set, else `RUST_LOG`, else INFO, with
/// [`BODY_LOGGING_CRATES`] capped at INFO.
pub fn filter(lambda_level: Option<&str>, rust_log: Option<&str>) -> EnvFilter {
    let directives = lambda_level.or(rust_log).unwrap_or("info");
    let mut filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .parse_lossy(directives);
    for target in BODY_LOGGING_CRATES {
        if let Ok(directive) = format!("{target}=info").parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// Installs the subscriber: JSON lines when `AWS_LAMBDA_LOG_FORMAT` is `JSON`, as the stack
/// configures, and text otherwise. Lambda's runtime adds the span with the request ID.
pub fn init() {
    let lambda_level = std::env::var("AWS_LAMBDA_LOG_LEVEL").ok();
    let rust_log = std::env::var(auth_contract::environment::LOG_LEVEL).ok();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter(lambda_level.as_deref(), rust_log.as_deref()));
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_level_wins() {
        let filter = filter(Some("debug"), Some("error"));
        assert_eq!(filter.max_level_hint(), Some(LevelFilter::DEBUG));
    }

    #[test]
    fn sdk_crates_are_capped_at_info() {
        let text = filter(Some("trace"), None).to_string();
        for target in BODY_LOGGING_CRATES {
            assert!(text.contains(&format!("{target}=info")), "{text}");
        }
    }

    #[test]
    fn default_is_info() {
        assert_eq!(filter(None, None).max_level_hint(), Some(LevelFilter::INFO));
    }
}
