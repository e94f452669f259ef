//! Range and format checks on decoded settings, each reported with its dotted key.

use synth::NameRule;
use synth::resources::{dynamodb, lambda, logs, secrets_manager};

use super::{MIN_PRODUCTION_ITERATIONS, Settings};

/// The highest PBKDF2 iteration count accepted, to catch a mistyped value: ten million
/// iterations cost about 17 times the 600,000 default on every login.
pub const MAX_ITERATIONS: u32 = 10_000_000;
/// The lowest PBKDF2 iteration count in any environment: the service's hashing library, the
/// `pbkdf2` crate, rejects fewer than 1,000 in a PHC string.
pub const MIN_ITERATIONS: u32 = 1_000;
/// The accepted token lifetimes, in seconds: one minute to one day.
pub const TOKEN_LIFETIME_SECONDS: std::ops::RangeInclusive<u32> = 60..=86_400;
/// The maximum number of tags on one resource, which most AWS services accept.
pub const MAX_TAGS: usize = 50;
/// The function timeouts that matter, in seconds: API Gateway stops waiting for a Lambda
/// integration after 29 seconds by default, so a longer timeout only bills for work whose
/// response no client receives.
pub const TIMEOUT_SECONDS: std::ops::RangeInclusive<u32> = 1..=29;
/// API Gateway's default account-level throttle in a Region: 10,000 requests per second with
/// a burst of 5,000. A stage limit above the account's has no effect.
pub const MAX_RATE_LIMIT: f64 = 10_000.0;
/// The default account-level burst limit, in requests.
pub const MAX_BURST_LIMIT: u32 = 5_000;
/// An upper bound on reserved concurrency that catches a mistyped value. Lambda's default
/// concurrency quota is 1,000 per Region, and any reservation must leave 100 unreserved.
pub const MAX_RESERVED_CONCURRENCY: u32 = 100_000;

/// The rule for CloudFormation stack names.
const STACK_NAME: NameRule = NameRule {
    property: "stack name",
    min_length: 1,
    max_length: 128,
    allowed: |c| c.is_ascii_alphanumeric() || c == '-',
    allowed_description: "ASCII letters, digits and `-`",
};

/// The rule for the service name, which starts most resource names.
const SERVICE_NAME: NameRule = NameRule {
    property: "service name",
    min_length: 1,
    max_length: 32,
    allowed: |c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-',
    allowed_description: "lowercase ASCII letters, digits and `-`",
};

/// Collects problems as `(key, message)` pairs.
#[derive(Default)]
struct Report {
    problems: Vec<(String, String)>,
}

impl Report {
    fn push(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push((key.to_owned(), message.into()));
    }

    fn name(&mut self, key: &str, rule: &NameRule, value: &str) {
        for problem in rule.problems(value) {
            self.push(key, problem);
        }
    }

    fn range(&mut self, key: &str, value: u32, range: std::ops::RangeInclusive<u32>, unit: &str) {
        if !range.contains(&value) {
            self.push(
                key,
                format!(
                    "{value} is out of range; expected {} to {} {unit}",
                    range.start(),
                    range.end()
                ),
            );
        }
    }

    fn retention(&mut self, key: &str, days: u32) {
        if !logs::RETENTION_DAYS.contains(&days) {
            self.push(
                key,
                format!(
                    "{days} is not a retention period that CloudWatch Logs accepts; expected one \
                     of {:?}",
                    logs::RETENTION_DAYS
                ),
            );
        }
    }
}

/// Returns every problem with the settings.
pub fn problems(settings: &Settings) -> Vec<(String, String)> {
    let mut report = Report::default();
    check_identity(settings, &mut report);
    check_function(settings, &mut report);
    check_data(settings, &mut report);
    check_api(settings, &mut report);
    check_tokens(settings, &mut report);
    check_alarms_and_tags(settings, &mut report);
    report.problems
}

fn check_identity(settings: &Settings, report: &mut Report) {
    let starts_with_letter = |value: &str| value.starts_with(|c: char| c.is_ascii_alphabetic());
    report.name("service", &SERVICE_NAME, &settings.service);
    if !starts_with_letter(&settings.service) {
        report.push("service", "must start with a letter");
    }
    if !is_region(&settings.region) {
        report.push(
            "region",
            format!(
                "`{}` is not an AWS Region name; expected a name such as `us-east-1`",
                settings.region
            ),
        );
    }
    for (key, value) in [
        ("stack_name", &settings.stack_name),
        ("bootstrap_stack_name", &settings.bootstrap_stack_name),
    ] {
        report.name(key, &STACK_NAME, value);
        if !starts_with_letter(value) {
            report.push(key, format!("`{value}` must start with a letter"));
        }
    }
    if settings.stack_name == settings.bootstrap_stack_name {
        report.push(
            "stack_name",
            format!(
                "`{}` is also the bootstrap_stack_name; the two stacks are deployed separately, \
                 so they need different names",
                settings.stack_name
            ),
        );
    }
}

/// Checks the shape of a Region name, such as `us-east-1` or `us-gov-west-1`.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    let lowercase = |part: &&str| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase());
    words.len() >= 2
        && words[0].len() == 2
        && words.iter().all(lowercase)
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

fn check_function(settings: &Settings, report: &mut Report) {
    let function = &settings.function;
    report.name("function.name", &lambda::FUNCTION_NAME, &function.name);
    report.range(
        "function.memory_mb",
        function.memory_mb,
        lambda::MEMORY_MB,
        "MB",
    );
    if !TIMEOUT_SECONDS.contains(&function.timeout_seconds) {
        report.push(
            "function.timeout_seconds",
            format!(
                "{} is out of range; expected 1 to 29 seconds, because API Gateway stops waiting \
                 for the function after 29 seconds",
                function.timeout_seconds
            ),
        );
    }
    match function.reserved_concurrency {
        Some(0) => report.push(
            "function.reserved_concurrency",
            "0 stops every invocation; remove the setting for no reservation, or set 1 or more",
        ),
        Some(count) if count > MAX_RESERVED_CONCURRENCY => report.push(
            "function.reserved_concurrency",
            format!(
                "{count} is above the maximum of {MAX_RESERVED_CONCURRENCY}; Lambda's default \
                 quota is 1,000 concurrent executions per Region"
            ),
        ),
        _ => {}
    }
    report.retention("function.log_retention_days", function.log_retention_days);
}

fn check_data(settings: &Settings, report: &mut Report) {
    report.name("table.name", &dynamodb::TABLE_NAME, &settings.table.name);
    report.name(
        "signing_key.secret_name",
        &secrets_manager::SECRET_NAME,
        &settings.signing_key.secret_name,
    );

    let iterations = settings.passwords.pbkdf2_iterations;
    let min = if settings.production {
        MIN_PRODUCTION_ITERATIONS
    } else {
        MIN_ITERATIONS
    };
    if iterations > MAX_ITERATIONS {
        report.push(
            "passwords.pbkdf2_iterations",
            format!("{iterations} is above the maximum of {MAX_ITERATIONS}"),
        );
    } else if iterations < min {
        let reason = if settings.production {
            "; production environments need at least 600,000 for PBKDF2-HMAC-SHA256"
        } else {
            ""
        };
        report.push(
            "passwords.pbkdf2_iterations",
            format!("{iterations} is below the minimum of {min}{reason}"),
        );
    }
}

fn check_api(settings: &Settings, report: &mut Report) {
    let api = &settings.api;
    // The access log group is named after the API, so the name must suit both.
    report.name(
        "api.name",
        &logs::LOG_GROUP_NAME,
        &access_log_group_name(&api.name),
    );
    let rate = api.throttling_rate_limit;
    if !(rate.is_finite() && rate > 0.0 && rate <= MAX_RATE_LIMIT) {
        report.push(
            "api.throttling_rate_limit",
            format!(
                "{rate} is out of range; expected more than 0 and at most 10000 requests per \
                 second, API Gateway's default account limit"
            ),
        );
    }
    if !(1..=MAX_BURST_LIMIT).contains(&api.throttling_burst_limit) {
        report.push(
            "api.throttling_burst_limit",
            format!(
                "{} is out of range; expected 1 to 5000 requests, API Gateway's default account \
                 burst limit",
                api.throttling_burst_limit
            ),
        );
    }
    report.retention(
        "api.access_log_retention_days",
        api.access_log_retention_days,
    );
}

fn check_tokens(settings: &Settings, report: &mut Report) {
    let tokens = &settings.tokens;
    if let Some(issuer) = &tokens.issuer {
        let host = issuer.strip_prefix("https://").unwrap_or_default();
        let valid = !host.is_empty()
            && !issuer.ends_with('/')
            && !issuer.contains(|c: char| c.is_whitespace() || c == '?' || c == '#');
        if !valid {
            report.push(
                "tokens.issuer",
                format!(
                    "`{issuer}` is invalid; expected an https URL without a trailing slash, query \
                     or fragment, such as `https://auth.example.com`"
                ),
            );
        }
    }
    if tokens.audience.is_empty() || tokens.audience.contains(char::is_whitespace) {
        report.push(
            "tokens.audience",
            format!(
                "`{}` is invalid; expected a non-empty value without spaces",
                tokens.audience
            ),
        );
    }
    report.range(
        "tokens.lifetime_seconds",
        tokens.lifetime_seconds,
        TOKEN_LIFETIME_SECONDS,
        "seconds",
    );
}

fn check_alarms_and_tags(settings: &Settings, report: &mut Report) {
    if let Some(email) = &settings.alarms.email {
        if !settings.alarms.enabled {
            report.push(
                "alarms.email",
                "is set but alarms are off; set `alarms.enabled = true` or remove the address",
            );
        }
        if !is_email(email) {
            report.push(
                "alarms.email",
                format!(
                    "`{email}` is not an e-mail address; expected one such as `oncall@example.com`"
                ),
            );
        }
    }

    if settings.tags.len() > MAX_TAGS {
        report.push(
            "tags",
            format!(
                "{} tags are more than the {MAX_TAGS} that AWS resources accept",
                settings.tags.len()
            ),
        );
    }
    for (key, value) in &settings.tags {
        let path = format!("tags.{key}");
        if key.is_empty() || key.chars().count() > 128 {
            report.push(&path, "tag keys must be 1 to 128 characters long");
        }
        if key.to_ascii_lowercase().starts_with("aws:") {
            report.push(&path, "tag keys starting with `aws:` are reserved for AWS");
        }
        if value.chars().count() > 256 {
            report.push(&path, "tag values must be at most 256 characters long");
        }
        for (part, text) in [("key", key), ("value", value)] {
            if let Some(invalid) = text.chars().find(|c| !is_tag_character(*c)) {
                report.push(
                    &path,
                    format!(
                        "the tag {part} `{text}` contains `{invalid}`; tags may contain letters, \
                         digits, spaces and `_.:/=+-@`"
                    ),
                );
            }
        }
    }
}

/// Reports whether a character may appear in a tag key or value. AWS accepts the pattern
/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]`. Here `char::is_alphanumeric` approximates letters and numbers,
/// and whitespace other than control characters approximates separators.
fn is_tag_character(character: char) -> bool {
    character.is_alphanumeric()
        || (character.is_whitespace() && !character.is_control())
        || "_.:/=+-@".contains(character)
}

/// Returns the name of the API's access log group.
pub fn access_log_group_name(api_name: &str) -> String {
    format!("/aws/apigateway/{api_name}/access")
}

/// Checks the shape of an e-mail address: one `@` with text on both sides, a dot in the
/// domain, and no spaces. SNS verifies the address itself when the subscription is confirmed.
fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !address.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for region in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(is_region(region), "{region}");
        }
        for region in ["us-east", "useast1", "US-EAST-1", "u-east-1", "us--1", ""] {
            assert!(!is_region(region), "{region}");
        }
    }

    #[test]
    fn tag_characters() {
        for text in ["team", "cost center", "a.b:c/d=e+f-g@h_i", "Äpfel", "三"] {
            assert!(text.chars().all(is_tag_character), "{text}");
        }
        for character in ['*', '#', '\t', '!', '<'] {
            assert!(!is_tag_character(character), "{character}");
        }
    }

    #[test]
    fn email_addresses() {
        assert!(is_email("oncall@example.com"));
        for address in [
            "oncall",
            "@example.com",
            "a@b",
            "a@.com",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(!is_email(address), "{address}");
        }
    }
}
