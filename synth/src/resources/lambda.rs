//! `AWS::Lambda::Function` and `AWS::Lambda::Permission`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::expr::Expr;
use crate::resource::{Handle, NameRule, Resource};
use crate::resources::Tag;

/// The maximum length of a function name.
pub const MAX_FUNCTION_NAME_LENGTH: usize = 64;
/// The memory range of a function, in MB.
pub const MEMORY_MB: std::ops::RangeInclusive<u32> = 128..=10_240;
/// The timeout range of a function, in seconds.
pub const TIMEOUT_SECONDS: std::ops::RangeInclusive<u32> = 1..=900;
/// The maximum total size of a function's environment variables, in bytes.
pub const MAX_ENVIRONMENT_BYTES: usize = 4096;

/// The rule for function names.
pub const FUNCTION_NAME: NameRule = NameRule {
    property: "FunctionName",
    min_length: 1,
    max_length: MAX_FUNCTION_NAME_LENGTH,
    allowed: |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
    allowed_description: "ASCII letters, digits, `-` and `_`",
};

/// Environment variables that Lambda sets itself and rejects in a function's configuration.
///
/// Reference: <https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html>
pub const RESERVED_ENVIRONMENT_VARIABLES: [&str; 16] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
];

/// A Lambda runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Runtime {
    /// The OS-only runtime on Amazon Linux 2023, for compiled binaries named `bootstrap`.
    #[serde(rename = "provided.al2023")]
    ProvidedAl2023,
    /// The OS-only runtime on Amazon Linux 2.
    #[serde(rename = "provided.al2")]
    ProvidedAl2,
    /// Python 3.13.
    #[serde(rename = "python3.13")]
    Python313,
    /// Node.js 22.
    #[serde(rename = "nodejs22.x")]
    Nodejs22,
}

/// The instruction set of a function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Architecture {
    /// 64-bit x86.
    #[serde(rename = "x86_64")]
    X86_64,
    /// 64-bit ARM (Graviton).
    #[serde(rename = "arm64")]
    Arm64,
}

/// The format of the function's logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum LogFormat {
    /// One JSON object per line, which lets Lambda filter by level.
    #[serde(rename = "JSON")]
    Json,
    /// Plain text.
    Text,
}

/// The minimum level of application logs that Lambda keeps, with the JSON log format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ApplicationLogLevel {
    /// Everything.
    Trace,
    /// Debugging detail and above.
    Debug,
    /// Informational messages and above.
    Info,
    /// Warnings and above.
    Warn,
    /// Errors and above.
    Error,
    /// Fatal errors only.
    Fatal,
}

/// The minimum level of the logs that the Lambda platform itself writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SystemLogLevel {
    /// Every platform event.
    Debug,
    /// The start, end and report lines of each invocation, and above.
    Info,
    /// Warnings only.
    Warn,
}

/// The X-Ray tracing mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum TracingMode {
    /// Samples and traces requests.
    Active,
    /// Traces only requests that arrive with a sampled trace header.
    PassThrough,
}

/// The location of the function's deployment package.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Code {
    /// The bucket.
    #[serde(rename = "S3Bucket")]
    pub s3_bucket: Expr,
    /// The object key.
    #[serde(rename = "S3Key")]
    pub s3_key: Expr,
}

/// Environment variables of the function.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Environment {
    /// Variables by name.
    pub variables: BTreeMap<String, Expr>,
}

/// The function's log format, log group and levels.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    /// The log format.
    pub log_format: LogFormat,
    /// The log group; absent uses `/aws/lambda/<function name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group: Option<Expr>,
    /// The minimum application log level, with the JSON format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_log_level: Option<ApplicationLogLevel>,
    /// The minimum platform log level, with the JSON format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_log_level: Option<SystemLogLevel>,
}

/// X-Ray tracing of the function.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TracingConfig {
    /// The tracing mode.
    pub mode: TracingMode,
}

/// An `AWS::Lambda::Function`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Function {
    /// The function name; CloudFormation generates one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_name: Option<Expr>,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The runtime.
    pub runtime: Runtime,
    /// The handler; Lambda passes it to the runtime, and OS-only runtimes ignore it.
    pub handler: String,
    /// The deployment package.
    pub code: Code,
    /// The execution role's ARN.
    pub role: Expr,
    /// The instruction set; Lambda defaults to x86_64.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub architectures: Vec<Architecture>,
    /// Memory, in MB, which also sets the CPU share.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_size: Option<u32>,
    /// The maximum duration of an invocation, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// Concurrency reserved for this function, which is also its maximum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reserved_concurrent_executions: Option<u32>,
    /// Environment variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<Environment>,
    /// Log format, log group and levels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_config: Option<LoggingConfig>,
    /// X-Ray tracing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracing_config: Option<TracingConfig>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Function {
    /// Builds a function with only the required properties set.
    pub fn new(runtime: Runtime, handler: impl Into<String>, code: Code, role: Expr) -> Self {
        Self {
            function_name: None,
            description: None,
            runtime,
            handler: handler.into(),
            code,
            role,
            architectures: Vec::new(),
            memory_size: None,
            timeout: None,
            reserved_concurrent_executions: None,
            environment: None,
            logging_config: None,
            tracing_config: None,
            tags: Vec::new(),
        }
    }

    fn environment_problems(&self, problems: &mut Vec<String>) {
        let Some(environment) = &self.environment else {
            return;
        };
        let mut literal_bytes = 0;
        for (name, value) in &environment.variables {
            let valid_name = name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid_name {
                problems.push(format!(
                    "environment variable name `{name}` is invalid; start with a letter and use \
                     only ASCII letters, digits and `_`"
                ));
            }
            if RESERVED_ENVIRONMENT_VARIABLES.contains(&name.as_str()) {
                problems.push(format!(
                    "environment variable `{name}` is reserved by Lambda and cannot be set"
                ));
            }
            literal_bytes += name.len() + value.as_literal().map_or(0, str::len);
        }
        if literal_bytes > MAX_ENVIRONMENT_BYTES {
            problems.push(format!(
                "environment variables take at least {literal_bytes} bytes; Lambda accepts at \
                 most {MAX_ENVIRONMENT_BYTES}"
            ));
        }
    }
}

impl Resource for Function {
    fn resource_type(&self) -> &str {
        "AWS::Lambda::Function"
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        FUNCTION_NAME.check(&mut problems, self.function_name.as_ref());
        if let Some(memory) = self.memory_size
            && !MEMORY_MB.contains(&memory)
        {
            problems.push(format!(
                "MemorySize {memory} MB is outside {} to {} MB",
                MEMORY_MB.start(),
                MEMORY_MB.end()
            ));
        }
        if let Some(timeout) = self.timeout
            && !TIMEOUT_SECONDS.contains(&timeout)
        {
            problems.push(format!(
                "Timeout {timeout} s is outside {} to {} s",
                TIMEOUT_SECONDS.start(),
                TIMEOUT_SECONDS.end()
            ));
        }
        if self.architectures.len() > 1 {
            problems.push("Architectures may name only one architecture".to_owned());
        }
        self.environment_problems(&mut problems);
        problems
    }
}

impl Handle<Function> {
    /// `Ref`: the function name.
    pub fn name(&self) -> Expr {
        self.reference()
    }

    /// `Fn::GetAtt Arn`: the function ARN.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }
}

/// An `AWS::Lambda::Permission`: a resource-based policy statement that lets a service or
/// account invoke a function.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Permission {
    /// The action, usually `lambda:InvokeFunction`.
    pub action: String,
    /// The function, by name or ARN.
    pub function_name: Expr,
    /// The service or account that gets the permission, such as `apigateway.amazonaws.com`.
    pub principal: String,
    /// The ARN of the resource that may invoke, which scopes a service principal to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<Expr>,
    /// The account that owns `source_arn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_account: Option<Expr>,
}

impl Resource for Permission {
    fn resource_type(&self) -> &str {
        "AWS::Lambda::Permission"
    }

    fn problems(&self) -> Vec<String> {
        let is_service = self.principal.ends_with(".amazonaws.com");
        if is_service && self.source_arn.is_none() && self.source_account.is_none() {
            vec![format!(
                "a permission for service principal `{}` needs SourceArn or SourceAccount, or any \
                 account's resources of that service could invoke the function",
                self.principal
            )]
        } else {
            Vec::new()
        }
    }
}
