//! Logs in Lambda's format, with the levels that Lambda's logging configuration sets.

use auth_contract::environment;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

/// The variable that Lambda sets from the function's application log level.
pub const LAMBDA_LOG_LEVEL: &str = "AWS_LAMBDA_LOG_LEVEL";

/// Crates whose debug and trace output contains request and response bodies: the Lambda
/// runtime logs each raw event, with its passwords and tokens, and the SDK logs each DynamoDB
/// item, with its password hash. They log at INFO at most, whatever the level.
const BODY_LOGGING_CRATES: [&str; 10] = [
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
    "aws_lambda_events",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_sdk_dynamodb",
    "aws_sdk_secretsmanager",
    "hyper",
];

/// The level names that a log setting may use on its own.
const LEVELS: [&str; 6] = ["trace", "debug", "info", "warn", "error", "off"];

/// A log level setting that the service cannot use, which fails the cold start instead of
/// silencing the logs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "environment variable {name} is invalid: `{value}`; expected a level (trace, debug, info, \
     warn or error) or tracing directives such as `info,service=debug`"
)]
pub struct InvalidLogLevel {
    /// The variable.
    pub name: &'static str,
    /// Its value.
    pub value: String,
}

/// Checks the directives of a log setting. A bare word must be a level: tracing would read
/// `warning` as a target name and log nothing else.
fn check_directives(name: &'static str, value: &str) -> Result<(), InvalidLogLevel> {
    let invalid = || InvalidLogLevel {
        name,
        value: value.to_owned(),
    };
    let directives: Vec<&str> = value.split(',').map(str::trim).collect();
    for directive in &directives {
        let is_level = LEVELS.contains(&directive.to_ascii_lowercase().as_str());
        let is_targeted = directive.contains('=') || directive.contains('[');
        if directive.is_empty() || !(is_level || is_targeted) {
            return Err(invalid());
        }
    }
    Ok(())
}

/// Builds the log filter: `AWS_LAMBDA_LOG_LEVEL` if set, else `RUST_LOG`, else INFO, with
/// [`BODY_LOGGING_CRATES`] capped at INFO. Lambda's FATAL level, which tracing lacks, becomes
/// ERROR.
pub fn filter(
    lambda_level: Option<&str>,
    rust_log: Option<&str>,
) -> Result<EnvFilter, InvalidLogLevel> {
    let (name, value) = match (lambda_level, rust_log) {
        (Some(level), _) => (LAMBDA_LOG_LEVEL, level),
        (None, Some(directives)) => (environment::LOG_LEVEL, directives),
        (None, None) => (environment::LOG_LEVEL, "info"),
    };
    let value = if value.trim().eq_ignore_ascii_case("fatal") {
        "error"
    } else {
        value
    };
    check_directives(name, value)?;
    let mut filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .parse(value.to_ascii_lowercase())
        .map_err(|_| InvalidLogLevel {
            name,
            value: value.to_owned(),
        })?;
    // A cap only lowers a more verbose level: at WARN, the crates stay at WARN.
    if filter
        .max_level_hint()
        .is_some_and(|level| level > LevelFilter::INFO)
    {
        for target in BODY_LOGGING_CRATES {
            if let Ok(directive) = format!("{target}=info").parse() {
                filter = filter.add_directive(directive);
            }
        }
    }
    Ok(filter)
}

/// Installs the subscriber: JSON lines when `AWS_LAMBDA_LOG_FORMAT` is `JSON`, as the stack
/// configures, and text otherwise. Lambda's runtime adds the span with the request ID.
pub fn init() -> Result<(), InvalidLogLevel> {
    let lambda_level = std::env::var(LAMBDA_LOG_LEVEL).ok();
    let rust_log = std::env::var(environment::LOG_LEVEL).ok();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT")
        .is_ok_and(|format| format.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter(lambda_level.as_deref(), rust_log.as_deref())?);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_level_wins() {
        let filter = filter(Some("DEBUG"), Some("error")).unwrap();
        assert_eq!(filter.max_level_hint(), Some(LevelFilter::DEBUG));
    }

    #[test]
    fn body_logging_crates_are_capped_at_info() {
        let text = filter(Some("TRACE"), None).unwrap().to_string();
        for target in BODY_LOGGING_CRATES {
            assert!(text.contains(&format!("{target}=info")), "{text}");
        }
    }

    #[test]
    fn default_is_info() {
        let filter = filter(None, None).unwrap();
        assert_eq!(filter.max_level_hint(), Some(LevelFilter::INFO));
    }

    #[test]
    fn fatal_becomes_error() {
        let filter = filter(Some("FATAL"), None).unwrap();
        assert_eq!(filter.max_level_hint(), Some(LevelFilter::ERROR));
    }

    #[test]
    fn directives_are_accepted() {
        assert!(filter(None, Some("info,service=debug")).is_ok());
        assert!(filter(None, Some("warn")).is_ok());
    }

    #[test]
    fn unknown_words_are_rejected_with_the_variable() {
        for value in ["LOUD", "warning", "", "info,,debug"] {
            let error = filter(None, Some(value)).unwrap_err();
            assert_eq!(error.name, "RUST_LOG", "{value}");
        }
        let error = filter(Some("verbose"), None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "environment variable AWS_LAMBDA_LOG_LEVEL is invalid: `verbose`; expected a level \
             (trace, debug, info, warn or error) or tracing directives such as \
             `info,service=debug`"
        );
    }
}
