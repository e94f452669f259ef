//! Configuration from the environment variables that the stack sets on the function.

use std::time::Duration;

use auth_contract::environment;

use crate::password::MIN_ITERATIONS;

/// The accepted token lifetimes, in seconds: one minute to one day.
pub const TOKEN_LIFETIME_SECONDS: std::ops::RangeInclusive<u64> = 60..=86_400;
/// The highest PBKDF2 iteration count accepted, to catch a mistyped value.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// The service's configuration, read once per cold start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The DynamoDB table of users.
    pub table_name: String,
    /// The Secrets Manager secret that the signing keys derive from, by ARN or name.
    pub signing_key_secret: String,
    /// The `iss` claim, and the base of the URLs in the discovery document.
    pub issuer: String,
    /// The `aud` claim.
    pub audience: String,
    /// How long issued tokens are valid.
    pub token_lifetime: Duration,
    /// The PBKDF2-HMAC-SHA256 iteration count for new hashes.
    pub pbkdf2_iterations: u32,
    /// Whether lambda_http already keeps the REST API stage out of request paths.
    pub stage_removed_from_path: bool,
}

/// A missing or invalid variable, which fails the cold start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is not set.
    #[error("environment variable {0} is not set; the stack sets it on the function")]
    Missing(&'static str),
    /// A variable has a value the service cannot use.
    #[error("environment variable {name} is invalid: `{value}`; expected {expected}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
        /// What it should be.
        expected: String,
    },
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through a lookup function, for tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .filter(|value| !value.trim().is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let invalid = |name: &'static str, value: &str, expected: &str| ConfigError::Invalid {
            name,
            value: value.to_owned(),
            expected: expected.to_owned(),
        };

        let issuer = required(environment::TOKEN_ISSUER)?;
        let is_url = issuer.starts_with("https://") || issuer.starts_with("http://");
        if !is_url || issuer.ends_with('/') {
            return Err(invalid(
                environment::TOKEN_ISSUER,
                &issuer,
                "an http or https URL without a trailing slash",
            ));
        }

        let lifetime = required(environment::TOKEN_LIFETIME_SECONDS)?;
        let lifetime_seconds = lifetime
            .parse::<u64>()
            .ok()
            .filter(|seconds| TOKEN_LIFETIME_SECONDS.contains(seconds))
            .ok_or_else(|| {
                invalid(
                    environment::TOKEN_LIFETIME_SECONDS,
                    &lifetime,
                    "a whole number of seconds from 60 to 86400",
                )
            })?;

        let iterations = required(environment::PBKDF2_ITERATIONS)?;
        let pbkdf2_iterations = iterations
            .parse::<u32>()
            .ok()
            .filter(|count| (MIN_ITERATIONS..=MAX_ITERATIONS).contains(count))
            .ok_or_else(|| {
                invalid(
                    environment::PBKDF2_ITERATIONS,
                    &iterations,
                    &format!("a whole number from {MIN_ITERATIONS} to {MAX_ITERATIONS}"),
                )
            })?;

        Ok(Config {
            table_name: required(environment::TABLE_NAME)?,
            signing_key_secret: required(environment::SIGNING_KEY_SECRET_ARN)?,
            issuer,
            audience: required(environment::TOKEN_AUDIENCE)?,
            token_lifetime: Duration::from_secs(lifetime_seconds),
            pbkdf2_iterations,
            stage_removed_from_path: lookup(environment::IGNORE_STAGE_IN_PATH).is_some(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn complete() -> HashMap<&'static str, String> {
        HashMap::from([
            (environment::TABLE_NAME, "users".to_owned()),
            (
                environment::SIGNING_KEY_SECRET_ARN,
                "arn:aws:secretsmanager:x".to_owned(),
            ),
            (
                environment::TOKEN_ISSUER,
                "https://auth.example.com".to_owned(),
            ),
            (environment::TOKEN_AUDIENCE, "auth-test".to_owned()),
            (environment::TOKEN_LIFETIME_SECONDS, "900".to_owned()),
            (environment::PBKDF2_ITERATIONS, "600000".to_owned()),
        ])
    }

    fn read(variables: &HashMap<&'static str, String>) -> Result<Config, ConfigError> {
        Config::from_lookup(|name| variables.get(name).cloned())
    }

    #[test]
    fn complete_environment_is_read() {
        let config = read(&complete()).unwrap();
        assert_eq!(config.table_name, "users");
        assert_eq!(config.token_lifetime, Duration::from_secs(900));
        assert_eq!(config.pbkdf2_iterations, 600_000);
        assert!(!config.stage_removed_from_path);
    }

    #[test]
    fn each_missing_variable_is_named() {
        for name in complete().keys() {
            let mut variables = complete();
            variables.remove(name);
            assert_eq!(read(&variables), Err(ConfigError::Missing(name)), "{name}");
        }
    }

    #[test]
    fn invalid_values_are_named() {
        for (name, value) in [
            (environment::PBKDF2_ITERATIONS, "lots"),
            (environment::PBKDF2_ITERATIONS, "999"),
            (environment::TOKEN_LIFETIME_SECONDS, "59"),
            (environment::TOKEN_LIFETIME_SECONDS, "-1"),
            (environment::TOKEN_ISSUER, "auth.example.com"),
            (environment::TOKEN_ISSUER, "https://auth.example.com/"),
        ] {
            let mut variables = complete();
            variables.insert(name, value.to_owned());
            let error = read(&variables).unwrap_err();
            assert!(
                matches!(&error, ConfigError::Invalid { name: invalid, .. } if *invalid == name),
                "{name}={value}: {error}"
            );
            assert!(error.to_string().contains(value), "{error}");
        }
    }

    #[test]
    fn stage_flag_follows_presence() {
        let mut variables = complete();
        variables.insert(environment::IGNORE_STAGE_IN_PATH, "true".to_owned());
        assert!(read(&variables).unwrap().stage_removed_from_path);
    }

    #[test]
    fn reads_every_variable_the_stack_sets() {
        // The stack sets exactly the contract's variables; the service reads all of them
        // except the log filter, which the tracing subscriber reads.
        let template = include_str!("../../out/prod/auth.template.json");
        let template: serde_json::Value = serde_json::from_str(template).unwrap();
        let variables = template["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
            .as_object()
            .unwrap();
        let mut set: Vec<&str> = variables.keys().map(String::as_str).collect();
        set.sort_unstable();
        let mut expected = environment::ALL.to_vec();
        expected.sort_unstable();
        assert_eq!(set, expected);

        let variables = complete();
        let looked_up = std::cell::RefCell::new(vec![environment::LOG_LEVEL.to_owned()]);
        Config::from_lookup(|name| {
            looked_up.borrow_mut().push(name.to_owned());
            variables.get(name).cloned()
        })
        .unwrap();
        let mut looked_up = looked_up.into_inner();
        looked_up.sort_unstable();
        looked_up.dedup();
        assert_eq!(looked_up, expected);
    }
}
