//! Per-environment settings: `stacks/defaults.toml` overlaid with `stacks/<env>.toml`.

mod load;
mod render;
mod validate;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use load::{ALL_ENVIRONMENTS, StacksDir};
pub use validate::access_log_group_name;

/// The lowest PBKDF2-HMAC-SHA256 iteration count allowed in a production environment: OWASP's
/// Password Storage Cheat Sheet recommends 600,000 for this hash.
pub const MIN_PRODUCTION_ITERATIONS: u32 = 600_000;

/// The instruction set of the Lambda function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Architecture {
    /// 64-bit x86.
    #[serde(rename = "x86_64")]
    X86_64,
    /// 64-bit ARM (Graviton).
    #[serde(rename = "arm64")]
    Arm64,
}

/// The minimum level of the service's logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Everything the service logs. The Lambda runtime and the SDK stay at INFO, because
    /// their debug output contains request bodies.
    Trace,
    /// Debugging detail, such as why an authentication failed.
    Debug,
    /// One line per request and above.
    Info,
    /// Warnings and errors.
    Warn,
    /// Errors only.
    Error,
}

impl LogLevel {
    /// Returns the level as `RUST_LOG` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// The settings of one environment, after placeholders are rendered.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The environment name: the settings file's stem, such as `prod`.
    #[serde(skip)]
    pub environment: String,
    /// The service name, the `{{service}}` placeholder.
    pub service: String,
    /// The AWS Region to deploy to, the `{{region}}` placeholder.
    pub region: String,
    /// The CloudFormation stack name.
    pub stack_name: String,
    /// The name of the stack that contains the artifact bucket, one per account and Region.
    pub bootstrap_stack_name: String,
    /// Whether production rules apply, such as the PBKDF2 iteration floor.
    pub production: bool,
    /// The Lambda function.
    pub function: FunctionSettings,
    /// The DynamoDB table of users.
    pub table: TableSettings,
    /// The Secrets Manager secret that the signing keys derive from.
    pub signing_key: SigningKeySettings,
    /// The API Gateway REST API and its stage.
    pub api: ApiSettings,
    /// The access tokens.
    pub tokens: TokenSettings,
    /// Password hashing.
    pub passwords: PasswordSettings,
    /// CloudWatch alarms.
    pub alarms: AlarmSettings,
    /// Encryption at rest.
    pub encryption: EncryptionSettings,
    /// Tags for the stack's resources and the stack itself.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// The Lambda function.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSettings {
    /// The function name.
    pub name: String,
    /// Memory, in MB.
    pub memory_mb: u32,
    /// The maximum duration of an invocation, in seconds.
    pub timeout_seconds: u32,
    /// The instruction set.
    pub architecture: Architecture,
    /// Reserved concurrency. Unset by default, because accounts with a low concurrency quota
    /// (new accounts start at 10) reject any reservation.
    #[serde(default)]
    pub reserved_concurrency: Option<u32>,
    /// The minimum log level.
    pub log_level: LogLevel,
    /// Days to keep the function's logs.
    pub log_retention_days: u32,
}

/// The DynamoDB table of users.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSettings {
    /// The table name.
    pub name: String,
    /// Whether point-in-time recovery is on.
    pub point_in_time_recovery: bool,
    /// Whether DynamoDB rejects deleting the table.
    pub deletion_protection: bool,
    /// Whether the table, the signing-key secret and the log groups stay behind when the stack
    /// deletes or replaces them.
    pub retain: bool,
}

/// The signing-key secret.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKeySettings {
    /// The secret name.
    pub secret_name: String,
}

/// The REST API and its stage.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSettings {
    /// The REST API name.
    pub name: String,
    /// The steady-state request rate limit of the stage, in requests per second.
    pub throttling_rate_limit: f64,
    /// The burst limit of the stage, in requests.
    pub throttling_burst_limit: u32,
    /// Days to keep the stage's access logs.
    pub access_log_retention_days: u32,
    /// Whether the stage publishes CloudWatch metrics per method, which CloudWatch bills as
    /// custom metrics. The stage-wide metrics that the alarms use are free and always on.
    pub detailed_metrics: bool,
}

/// The access tokens.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenSettings {
    /// The `iss` claim. Unset, it is the stage URL.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The `aud` claim.
    pub audience: String,
    /// The token lifetime, in seconds.
    pub lifetime_seconds: u32,
}

/// Password hashing.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordSettings {
    /// The PBKDF2-HMAC-SHA256 iteration count for new hashes.
    pub pbkdf2_iterations: u32,
}

/// CloudWatch alarms.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmSettings {
    /// Whether the stack has alarms on function errors, throttles and API 5xx responses.
    pub enabled: bool,
    /// An e-mail address that the alarm topic notifies. The recipient must confirm the
    /// subscription.
    #[serde(default)]
    pub email: Option<String>,
}

/// Encryption at rest.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptionSettings {
    /// Whether the stack creates its own KMS key for the table, the signing-key secret, the
    /// log groups and the alarm topic. Without one, each uses its service's AWS managed key,
    /// and the alarm topic is unencrypted, because CloudWatch cannot publish to a topic under
    /// the AWS managed SNS key.
    pub customer_managed_key: bool,
}
