//! The reasons for the checkov checks that the auth stack does not meet by design, recorded in
//! each resource's `Metadata`, where reviewers of the template read them.

use synth::ResourceAttributes;

use crate::settings::Settings;

/// CKV_AWS_59: API Gateway methods without authorization.
pub const OPEN_API: (&str, &str) = (
    "CKV_AWS_59",
    "The API is public by design: signing up, logging in and reading the signing keys need no \
     credentials, and the function authorizes DELETE /users/{username} by verifying the bearer \
     token.",
);
/// CKV_AWS_116: a function without a dead-letter queue.
pub const DEAD_LETTER_QUEUE: (&str, &str) = (
    "CKV_AWS_116",
    "API Gateway invokes the function synchronously and returns its errors to the caller. A \
     dead-letter queue receives only failed asynchronous invocations, which this function never \
     has.",
);
/// CKV_AWS_117: a function outside a VPC.
pub const VPC: (&str, &str) = (
    "CKV_AWS_117",
    "The function calls only DynamoDB and Secrets Manager, over HTTPS with IAM authentication. A \
     VPC would add NAT or endpoint cost and cold-start latency without restricting anything that \
     IAM does not.",
);
/// CKV_AWS_173: environment variables without a customer managed key.
pub const ENVIRONMENT_ENCRYPTION: (&str, &str) = (
    "CKV_AWS_173",
    "Lambda encrypts environment variables at rest with an AWS managed key. They hold only names, \
     ARNs and numbers; the signing secret itself stays in Secrets Manager.",
);
/// CKV_AWS_120: a stage without an API Gateway cache.
pub const API_CACHE: (&str, &str) = (
    "CKV_AWS_120",
    "Token and user responses must not be cached, and the key set and discovery document tell \
     clients how long to cache them. A stage cache would serve old keys after a rotation and \
     costs by the hour.",
);

/// Builds the reason for using an AWS managed key instead of the environment's own.
fn managed_key_reason(what: &str) -> String {
    format!(
        "{what} This environment's settings choose AWS managed keys \
         (encryption.customer_managed_key = false)."
    )
}

/// Adds the suppressions that apply without a customer managed key: CKV_AWS_119 (table),
/// CKV_AWS_149 (secret) and CKV_AWS_158 (log groups).
pub fn without_key(attributes: ResourceAttributes, check: &str) -> ResourceAttributes {
    let what = match check {
        "CKV_AWS_119" => "DynamoDB encrypts the table at rest with the AWS managed key.",
        "CKV_AWS_149" => "Secrets Manager encrypts the secret with the AWS managed key.",
        _ => "CloudWatch Logs encrypts the log group at rest with a key that it manages.",
    };
    attributes.suppress_checkov(check, &managed_key_reason(what))
}

/// Adds CKV_AWS_26 for an alarm topic without a customer managed key.
pub fn unencrypted_topic(attributes: ResourceAttributes) -> ResourceAttributes {
    attributes.suppress_checkov(
        "CKV_AWS_26",
        &managed_key_reason(
            "CloudWatch cannot publish alarms to a topic encrypted with the AWS managed SNS key, \
             and the notifications name only the alarm.",
        ),
    )
}

/// Adds CKV_AWS_28 for a table without point-in-time recovery.
pub fn without_recovery(attributes: ResourceAttributes) -> ResourceAttributes {
    attributes.suppress_checkov(
        "CKV_AWS_28",
        "Point-in-time recovery is off by this environment's settings \
         (table.point_in_time_recovery = false), because its data is disposable.",
    )
}

/// Adds CKV_AWS_115 for a function without reserved concurrency.
pub fn without_reserved_concurrency(
    attributes: ResourceAttributes,
    settings: &Settings,
) -> ResourceAttributes {
    attributes.suppress_checkov(
        "CKV_AWS_115",
        &format!(
            "Reserved concurrency is off in this environment, because accounts with a low \
             concurrency quota reject any reservation. The stage's throttling ({} requests per \
             second, bursts of {}) bounds the load.",
            settings.api.throttling_rate_limit, settings.api.throttling_burst_limit
        ),
    )
}

/// Adds one of the reasons above.
pub fn suppress(
    attributes: ResourceAttributes,
    (check, reason): (&str, &str),
) -> ResourceAttributes {
    attributes.suppress_checkov(check, reason)
}
