//! The Lambda function, its execution role and its log group.

use std::collections::BTreeMap;

use synth::policy::{ConditionOperator, PolicyDocument, Principal, Statement};
use synth::resources::Tag;
use synth::resources::dynamodb::Table;
use synth::resources::iam::{InlinePolicy, Role};
use synth::resources::kms::Key;
use synth::resources::lambda::{
    ApplicationLogLevel, Architecture as LambdaArchitecture, Code, Environment, Function,
    LogFormat, LoggingConfig, Runtime, SystemLogLevel, TracingConfig, TracingMode,
};
use synth::resources::logs::LogGroup;
use synth::resources::secrets_manager::Secret;
use synth::{Expr, Handle, ResourceAttributes, Template};

use super::checks;
use crate::stacks::retention_policy;

use auth_contract::environment as variables;

use crate::settings::{Architecture, LogLevel, Settings};

/// The DynamoDB actions that the service calls on the users table.
const TABLE_ACTIONS: [&str; 4] = [
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];

/// The values and resources of the stack that the function uses.
pub struct Inputs<'a> {
    pub code_bucket: Expr,
    pub code_key: Expr,
    pub table: &'a Handle<Table>,
    pub secret: &'a Handle<Secret>,
    pub issuer: Expr,
    pub key: Option<&'a Handle<Key>>,
}

/// Handles on the function and the resources it owns.
pub struct FunctionResources {
    pub function: Handle<Function>,
    pub log_group: Handle<LogGroup>,
}

/// Builds the function's environment variables.
pub fn environment_variables(settings: &Settings, inputs: &Inputs<'_>) -> BTreeMap<String, Expr> {
    let entries = [
        (variables::TABLE_NAME, inputs.table.name()),
        (variables::SIGNING_KEY_SECRET_ARN, inputs.secret.arn()),
        (variables::TOKEN_ISSUER, inputs.issuer.clone()),
        (
            variables::TOKEN_AUDIENCE,
            settings.tokens.audience.as_str().into(),
        ),
        (
            variables::TOKEN_LIFETIME_SECONDS,
            settings.tokens.lifetime_seconds.to_string().into(),
        ),
        (
            variables::PBKDF2_ITERATIONS,
            settings.passwords.pbkdf2_iterations.to_string().into(),
        ),
        (
            variables::LOG_LEVEL,
            settings.function.log_level.as_str().into(),
        ),
        (variables::IGNORE_STAGE_IN_PATH, "true".into()),
    ];
    entries
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}

/// Adds the log group, the execution role and the function.
pub fn add(
    template: &mut Template,
    settings: &Settings,
    tags: &[Tag],
    inputs: &Inputs<'_>,
) -> Result<FunctionResources, synth::Error> {
    let mut log_group = LogGroup::named(
        format!("/aws/lambda/{}", settings.function.name),
        settings.function.log_retention_days,
    );
    log_group.tags = tags.to_vec();
    log_group.kms_key_id = inputs.key.map(Handle::<Key>::arn);
    let mut attributes = ResourceAttributes::new().retention(retention_policy(settings));
    if inputs.key.is_none() {
        attributes = checks::without_key(attributes, "CKV_AWS_158");
    }
    let log_group = template.add_with("FunctionLogGroup", log_group, attributes)?;

    let role = template.add("FunctionRole", role(settings, tags, inputs, &log_group))?;

    let mut function = Function::new(
        Runtime::ProvidedAl2023,
        "bootstrap",
        Code {
            s3_bucket: inputs.code_bucket.clone(),
            s3_key: inputs.code_key.clone(),
        },
        role.arn(),
    );
    function.function_name = Some(settings.function.name.as_str().into());
    function.description = Some(format!(
        "Users, passwords and tokens for the {} environment",
        settings.environment
    ));
    function.architectures = vec![match settings.function.architecture {
        Architecture::X86_64 => LambdaArchitecture::X86_64,
        Architecture::Arm64 => LambdaArchitecture::Arm64,
    }];
    function.memory_size = Some(settings.function.memory_mb);
    function.timeout = Some(settings.function.timeout_seconds);
    function.reserved_concurrent_executions = settings.function.reserved_concurrency;
    function.environment = Some(Environment {
        variables: environment_variables(settings, inputs),
    });
    function.logging_config = Some(LoggingConfig {
        log_format: LogFormat::Json,
        log_group: Some(log_group.name()),
        application_log_level: Some(application_log_level(settings.function.log_level)),
        system_log_level: Some(SystemLogLevel::Warn),
    });
    function.tracing_config = Some(TracingConfig {
        mode: TracingMode::Active,
    });
    function.tags = tags.to_vec();
    let mut attributes = [
        checks::DEAD_LETTER_QUEUE,
        checks::VPC,
        checks::ENVIRONMENT_ENCRYPTION,
    ]
    .into_iter()
    .fold(ResourceAttributes::new(), checks::suppress);
    if settings.function.reserved_concurrency.is_none() {
        attributes = checks::without_reserved_concurrency(attributes, settings);
    }
    let function = template.add_with("Function", function, attributes)?;

    Ok(FunctionResources {
        function,
        log_group,
    })
}

fn application_log_level(level: LogLevel) -> ApplicationLogLevel {
    match level {
        LogLevel::Trace => ApplicationLogLevel::Trace,
        LogLevel::Debug => ApplicationLogLevel::Debug,
        LogLevel::Info => ApplicationLogLevel::Info,
        LogLevel::Warn => ApplicationLogLevel::Warn,
        LogLevel::Error => ApplicationLogLevel::Error,
    }
}

/// Builds the execution role: exactly the actions the service calls, on this stack's table,
/// secret and log group.
fn role(
    settings: &Settings,
    tags: &[Tag],
    inputs: &Inputs<'_>,
    log_group: &Handle<LogGroup>,
) -> Role {
    let trust = PolicyDocument::new([Statement::allow()
        .principal(Principal::service("lambda.amazonaws.com"))
        .actions(["sts:AssumeRole"])]);
    let key_statement = inputs.key.map(|key| {
        // The table and the secret use the environment's key through their services, which
        // act with the caller's permissions.
        Statement::allow()
            .sid("EncryptionKey")
            .actions([
                "kms:Decrypt",
                "kms:DescribeKey",
                "kms:Encrypt",
                "kms:GenerateDataKey",
            ])
            .resources([key.arn()])
            .condition(
                ConditionOperator::StringEquals,
                "kms:ViaService",
                [
                    Expr::sub("dynamodb.${AWS::Region}.${AWS::URLSuffix}"),
                    Expr::sub("secretsmanager.${AWS::Region}.${AWS::URLSuffix}"),
                ],
            )
    });
    let permissions = PolicyDocument::new(
        [
            Statement::allow()
                .sid("UsersTable")
                .actions(TABLE_ACTIONS)
                .resources([inputs.table.arn()]),
            Statement::allow()
                .sid("SigningKeySecret")
                .actions(["secretsmanager:GetSecretValue"])
                .resources([inputs.secret.arn()]),
            // The log group's `Arn` attribute ends in `:*`, which covers its log streams.
            Statement::allow()
                .sid("FunctionLogs")
                .actions(["logs:CreateLogStream", "logs:PutLogEvents"])
                .resources([log_group.arn()]),
            Statement::allow()
                .sid("Tracing")
                .actions(["xray:PutTelemetryRecords", "xray:PutTraceSegments"])
                .resources(["*".into()])
                .allow_wildcard("X-Ray trace actions do not support resource-level permissions"),
        ]
        .into_iter()
        .chain(key_statement),
    );

    let mut role = Role::new(trust);
    role.description = Some(format!(
        "Execution role of the {} environment's auth function",
        settings.environment
    ));
    role.policies = vec![InlinePolicy {
        policy_name: "AuthFunction".to_owned(),
        policy_document: permissions,
    }];
    role.tags = tags.to_vec();
    role
}
