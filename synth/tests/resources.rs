//! The `Properties` JSON and own checks of each typed resource.
#![allow(
    clippy::unwrap_used,
    reason = "helpers shared by the tests panic on failure, as the tests do"
)]

use std::collections::BTreeMap;

use serde_json::{Value, json};
use synth::policy::{ConditionOperator, PolicyDocument, Principal, Statement};
use synth::resources::Tag;
use synth::resources::api_gateway::{
    AccessLogSetting, Account, AuthorizationType, Deployment, EndpointConfiguration, EndpointType,
    GatewayResponse, GatewayResponseType, HttpMethod, Integration, LoggingLevel, Method,
    MethodSetting, Resource, RestApi, Stage,
};
use synth::resources::cloudwatch::{
    Alarm, ComparisonOperator, Dimension, Statistic, TreatMissingData,
};
use synth::resources::dynamodb::{PointInTimeRecoverySpecification, SseSpecification, Table};
use synth::resources::iam::{InlinePolicy, Role};
use synth::resources::lambda::{
    ApplicationLogLevel, Architecture, Code, Environment, Function, LogFormat, LoggingConfig,
    Permission, Runtime, SystemLogLevel, TracingConfig, TracingMode,
};
use synth::resources::logs::LogGroup;
use synth::resources::s3::{
    AbortIncompleteMultipartUpload, Bucket, BucketEncryption, BucketPolicy, LifecycleConfiguration,
    LifecycleRule, NoncurrentVersionExpiration, ObjectOwnership, OwnershipControls,
    OwnershipControlsRule, PublicAccessBlockConfiguration, RuleStatus,
    ServerSideEncryptionByDefault, ServerSideEncryptionRule, SseAlgorithm, VersioningConfiguration,
    VersioningStatus,
};
use synth::resources::secrets_manager::{GenerateSecretString, Secret};
use synth::resources::sns::{Protocol, Subscription, Topic};
use synth::{Error, Expr, Resource as _, Template};

/// Adds the resource to a fresh template and returns its entry's `Type` and `Properties`.
fn entry<R: synth::Resource>(resource: R) -> (String, Value) {
    let mut template = Template::new("test");
    template.add("Subject", resource).unwrap();
    let mut value = template.to_value().unwrap();
    let entry = value["Resources"]["Subject"].take();
    (
        entry["Type"].as_str().unwrap().to_owned(),
        entry.get("Properties").cloned().unwrap_or(json!({})),
    )
}

fn rejected<R: synth::Resource>(resource: R) -> Vec<String> {
    let mut template = Template::new("test");
    match template.add("Subject", resource) {
        Err(Error::InvalidResource { problems, .. }) => problems,
        other => panic!("expected an invalid resource, got {other:?}"),
    }
}

fn lambda_trust() -> PolicyDocument {
    PolicyDocument::new([Statement::allow()
        .principal(Principal::service("lambda.amazonaws.com"))
        .actions(["sts:AssumeRole"])])
}

fn function() -> Function {
    Function::new(
        Runtime::ProvidedAl2023,
        "bootstrap",
        Code {
            s3_bucket: "artifacts".into(),
            s3_key: "code.zip".into(),
        },
        "arn:aws:iam::123456789012:role/fn".into(),
    )
}

#[test]
fn dynamodb_table() {
    let mut table = Table::with_partition_key("username");
    table.table_name = Some("users".into());
    table.sse_specification = Some(SseSpecification {
        sse_enabled: true,
        kms_master_key_id: None,
        sse_type: None,
    });
    table.point_in_time_recovery_specification = Some(PointInTimeRecoverySpecification {
        point_in_time_recovery_enabled: true,
    });
    table.deletion_protection_enabled = Some(true);
    table.tags = Tag::list([("team", "identity")]);
    assert_eq!(
        entry(table),
        (
            "AWS::DynamoDB::Table".to_owned(),
            json!({
                "TableName": "users",
                "AttributeDefinitions": [{"AttributeName": "username", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "username", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
                "SSESpecification": {"SSEEnabled": true},
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true},
                "DeletionProtectionEnabled": true,
                "Tags": [{"Key": "team", "Value": "identity"}]
            })
        )
    );
}

#[test]
fn dynamodb_table_key_checks() {
    let mut table = Table::with_partition_key("username");
    table.attribute_definitions.clear();
    table.table_name = Some("ab".into());
    assert_eq!(
        rejected(table),
        [
            "TableName `ab` is 2 characters long; the minimum is 3",
            "key attribute `username` is missing from AttributeDefinitions",
        ]
    );
}

#[test]
fn iam_role() {
    let mut role = Role::new(lambda_trust());
    role.description = Some("runs the function".into());
    role.managed_policy_arns = vec![synth::arn::aws_managed_policy("ReadOnlyAccess")];
    role.policies = vec![InlinePolicy {
        policy_name: "Table".into(),
        policy_document: PolicyDocument::new([Statement::allow()
            .actions(["dynamodb:GetItem"])
            .resources(["arn:aws:dynamodb:us-east-1:123456789012:table/users".into()])]),
    }];
    let (resource_type, properties) = entry(role);
    assert_eq!(resource_type, "AWS::IAM::Role");
    assert_eq!(
        properties["AssumeRolePolicyDocument"],
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com"]},
                "Action": ["sts:AssumeRole"]
            }]
        })
    );
    assert_eq!(properties["Policies"][0]["PolicyName"], "Table");
    assert_eq!(
        properties["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"],
        json!(["dynamodb:GetItem"])
    );
    assert_eq!(
        properties["ManagedPolicyArns"],
        json!([{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"}])
    );
    assert_eq!(properties["Description"], "runs the function");
}

#[test]
fn lambda_function() {
    let mut function = function();
    function.function_name = Some("auth-dev".into());
    function.architectures = vec![Architecture::Arm64];
    function.memory_size = Some(512);
    function.timeout = Some(10);
    function.reserved_concurrent_executions = Some(5);
    function.environment = Some(Environment {
        variables: BTreeMap::from([("TABLE".to_owned(), Expr::from("users"))]),
    });
    function.logging_config = Some(LoggingConfig {
        log_format: LogFormat::Json,
        log_group: Some("/aws/lambda/auth-dev".into()),
        application_log_level: Some(ApplicationLogLevel::Info),
        system_log_level: Some(SystemLogLevel::Warn),
    });
    function.tracing_config = Some(TracingConfig {
        mode: TracingMode::Active,
    });
    assert_eq!(
        entry(function),
        (
            "AWS::Lambda::Function".to_owned(),
            json!({
                "FunctionName": "auth-dev",
                "Runtime": "provided.al2023",
                "Handler": "bootstrap",
                "Code": {"S3Bucket": "artifacts", "S3Key": "code.zip"},
                "Role": "arn:aws:iam::123456789012:role/fn",
                "Architectures": ["arm64"],
                "MemorySize": 512,
                "Timeout": 10,
                "ReservedConcurrentExecutions": 5,
                "Environment": {"Variables": {"TABLE": "users"}},
                "LoggingConfig": {
                    "LogFormat": "JSON",
                    "LogGroup": "/aws/lambda/auth-dev",
                    "ApplicationLogLevel": "INFO",
                    "SystemLogLevel": "WARN"
                },
                "TracingConfig": {"Mode": "Active"}
            })
        )
    );
}

#[test]
fn lambda_function_limits() {
    let mut function = function();
    function.memory_size = Some(64);
    function.timeout = Some(901);
    function.architectures = vec![Architecture::X86_64, Architecture::Arm64];
    function.environment = Some(Environment {
        variables: BTreeMap::from([
            ("AWS_REGION".to_owned(), Expr::from("us-east-1")),
            ("1BAD".to_owned(), Expr::from("x")),
            ("HUGE".to_owned(), Expr::from("x".repeat(5000))),
        ]),
    });
    assert_eq!(
        rejected(function),
        [
            "MemorySize 64 MB is outside 128 to 10240 MB",
            "Timeout 901 s is outside 1 to 900 s",
            "Architectures may name only one architecture",
            "environment variable name `1BAD` is invalid; start with a letter and use only ASCII \
             letters, digits and `_`",
            "environment variable `AWS_REGION` is reserved by Lambda and cannot be set",
            "environment variables take at least 5028 bytes; Lambda accepts at most 4096",
        ]
    );
}

#[test]
fn lambda_permission() {
    let permission = Permission {
        action: "lambda:InvokeFunction".into(),
        function_name: "auth".into(),
        principal: "apigateway.amazonaws.com".into(),
        source_arn: Some(synth::arn::execute_api("api".into(), "prod/*/*")),
        source_account: None,
    };
    let (resource_type, properties) = entry(permission.clone());
    assert_eq!(resource_type, "AWS::Lambda::Permission");
    assert_eq!(properties["Principal"], "apigateway.amazonaws.com");
    assert_eq!(properties["Action"], "lambda:InvokeFunction");
    assert!(properties["SourceArn"]["Fn::Sub"].is_array());

    let unscoped = Permission {
        source_arn: None,
        ..permission
    };
    assert_eq!(rejected(unscoped).len(), 1);
}

#[test]
fn log_group() {
    let mut log_group = LogGroup::named("/aws/lambda/auth", 14);
    log_group.tags = Tag::list([("env", "dev")]);
    assert_eq!(
        entry(log_group),
        (
            "AWS::Logs::LogGroup".to_owned(),
            json!({
                "LogGroupName": "/aws/lambda/auth",
                "RetentionInDays": 14,
                "Tags": [{"Key": "env", "Value": "dev"}]
            })
        )
    );
    assert_eq!(
        rejected(LogGroup::named("has space", 14)),
        [
            "LogGroupName `has space` contains ` `; it may contain only ASCII letters, digits and \
          `._-/#`"
        ]
    );
}

#[test]
fn secret_with_generated_value() {
    let secret = Secret {
        name: Some("auth/dev/signing-key".into()),
        description: Some("signing key".into()),
        generate_secret_string: Some(GenerateSecretString {
            password_length: Some(64),
            exclude_punctuation: true,
            ..GenerateSecretString::default()
        }),
        kms_key_id: None,
        tags: Vec::new(),
    };
    assert_eq!(
        entry(secret),
        (
            "AWS::SecretsManager::Secret".to_owned(),
            json!({
                "Name": "auth/dev/signing-key",
                "Description": "signing key",
                "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": true}
            })
        )
    );
}

#[test]
fn api_gateway_types() {
    let rest_api = RestApi {
        name: "auth".into(),
        description: None,
        endpoint_configuration: Some(EndpointConfiguration {
            types: vec![EndpointType::Regional],
        }),
        disable_execute_api_endpoint: false,
        tags: Vec::new(),
    };
    assert_eq!(
        entry(rest_api),
        (
            "AWS::ApiGateway::RestApi".to_owned(),
            json!({"Name": "auth", "EndpointConfiguration": {"Types": ["REGIONAL"]}})
        )
    );

    let resource = Resource {
        rest_api_id: "api".into(),
        parent_id: "root".into(),
        path_part: "{username}".into(),
    };
    assert_eq!(
        entry(resource).1,
        json!({"RestApiId": "api", "ParentId": "root", "PathPart": "{username}"})
    );

    let method = Method {
        rest_api_id: "api".into(),
        resource_id: "resource".into(),
        http_method: HttpMethod::Delete,
        authorization_type: AuthorizationType::None,
        request_parameters: BTreeMap::from([("method.request.path.username".into(), true)]),
        integration: Integration::lambda_proxy("arn:aws:lambda:us-east-1:1:function:f".into()),
        operation_name: Some("deleteUser".into()),
    };
    let (resource_type, properties) = entry(method);
    assert_eq!(resource_type, "AWS::ApiGateway::Method");
    assert_eq!(properties["HttpMethod"], "DELETE");
    assert_eq!(properties["AuthorizationType"], "NONE");
    assert_eq!(properties["Integration"]["Type"], "AWS_PROXY");
    assert_eq!(properties["Integration"]["IntegrationHttpMethod"], "POST");
    assert_eq!(
        properties["Integration"]["Uri"],
        json!({"Fn::Sub": [
            "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${FunctionArn}/invocations",
            {"FunctionArn": "arn:aws:lambda:us-east-1:1:function:f"}
        ]})
    );
    assert_eq!(
        properties["RequestParameters"],
        json!({"method.request.path.username": true})
    );

    let deployment = Deployment {
        rest_api_id: "api".into(),
        description: Some("v1".into()),
    };
    assert_eq!(
        entry(deployment),
        (
            "AWS::ApiGateway::Deployment".to_owned(),
            json!({"RestApiId": "api", "Description": "v1"})
        )
    );

    let account = Account {
        cloud_watch_role_arn: "arn:aws:iam::1:role/logs".into(),
    };
    assert_eq!(
        entry(account).1,
        json!({"CloudWatchRoleArn": "arn:aws:iam::1:role/logs"})
    );
}

#[test]
fn api_gateway_path_part_checks() {
    for path_part in [
        "users",
        ".well-known",
        "jwks.json",
        "{username}",
        "{proxy+}",
    ] {
        let resource = Resource {
            rest_api_id: "api".into(),
            parent_id: "root".into(),
            path_part: path_part.into(),
        };
        assert!(resource.problems().is_empty(), "{path_part}");
    }
    for path_part in ["", "a/b", "{}", "sp ace", "{bad-name}"] {
        let resource = Resource {
            rest_api_id: "api".into(),
            parent_id: "root".into(),
            path_part: path_part.into(),
        };
        assert_eq!(resource.problems().len(), 1, "{path_part}");
    }
}

#[test]
fn api_gateway_stage() {
    let stage = Stage {
        stage_name: "prod".into(),
        rest_api_id: "api".into(),
        deployment_id: "deployment".into(),
        description: None,
        tracing_enabled: true,
        method_settings: vec![MethodSetting {
            resource_path: "/*".into(),
            http_method: "*".into(),
            throttling_rate_limit: Some(50.0),
            throttling_burst_limit: Some(100),
            metrics_enabled: Some(true),
            logging_level: Some(LoggingLevel::Off),
            data_trace_enabled: Some(false),
        }],
        access_log_setting: Some(AccessLogSetting {
            destination_arn: "arn:aws:logs:us-east-1:1:log-group:access".into(),
            format: "$context.requestId".into(),
        }),
        tags: Vec::new(),
    };
    assert_eq!(
        entry(stage.clone()),
        (
            "AWS::ApiGateway::Stage".to_owned(),
            json!({
                "StageName": "prod",
                "RestApiId": "api",
                "DeploymentId": "deployment",
                "TracingEnabled": true,
                "MethodSettings": [{
                    "ResourcePath": "/*",
                    "HttpMethod": "*",
                    "ThrottlingRateLimit": 50.0,
                    "ThrottlingBurstLimit": 100,
                    "MetricsEnabled": true,
                    "LoggingLevel": "OFF",
                    "DataTraceEnabled": false
                }],
                "AccessLogSetting": {
                    "DestinationArn": "arn:aws:logs:us-east-1:1:log-group:access",
                    "Format": "$context.requestId"
                }
            })
        )
    );
    let bad = Stage {
        stage_name: "pr od".into(),
        ..stage
    };
    assert_eq!(rejected(bad).len(), 1);
}

#[test]
fn api_gateway_gateway_response() {
    let response = GatewayResponse {
        rest_api_id: "api".into(),
        response_type: GatewayResponseType::Default4xx,
        status_code: Some("404".into()),
        response_parameters: BTreeMap::from([(
            "gatewayresponse.header.Cache-Control".into(),
            "'no-store'".into(),
        )]),
        response_templates: BTreeMap::from([("application/json".into(), "{}".into())]),
    };
    assert_eq!(
        entry(response),
        (
            "AWS::ApiGateway::GatewayResponse".to_owned(),
            json!({
                "RestApiId": "api",
                "ResponseType": "DEFAULT_4XX",
                "StatusCode": "404",
                "ResponseParameters": {"gatewayresponse.header.Cache-Control": "'no-store'"},
                "ResponseTemplates": {"application/json": "{}"}
            })
        )
    );
}

#[test]
fn cloudwatch_alarm() {
    let alarm = Alarm {
        alarm_name: Some("auth-errors".into()),
        alarm_description: None,
        namespace: "AWS/Lambda".into(),
        metric_name: "Errors".into(),
        dimensions: vec![Dimension {
            name: "FunctionName".into(),
            value: "auth".into(),
        }],
        statistic: Statistic::Sum,
        period: 300,
        evaluation_periods: 1,
        threshold: 1.0,
        comparison_operator: ComparisonOperator::GreaterThanOrEqualToThreshold,
        treat_missing_data: Some(TreatMissingData::NotBreaching),
        alarm_actions: vec!["arn:aws:sns:us-east-1:1:topic".into()],
        ok_actions: vec!["arn:aws:sns:us-east-1:1:topic".into()],
        tags: Vec::new(),
    };
    assert_eq!(
        entry(alarm.clone()),
        (
            "AWS::CloudWatch::Alarm".to_owned(),
            json!({
                "AlarmName": "auth-errors",
                "Namespace": "AWS/Lambda",
                "MetricName": "Errors",
                "Dimensions": [{"Name": "FunctionName", "Value": "auth"}],
                "Statistic": "Sum",
                "Period": 300,
                "EvaluationPeriods": 1,
                "Threshold": 1.0,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                "AlarmActions": ["arn:aws:sns:us-east-1:1:topic"],
                "OKActions": ["arn:aws:sns:us-east-1:1:topic"]
            })
        )
    );
    let bad = Alarm {
        period: 45,
        evaluation_periods: 0,
        ..alarm
    };
    assert_eq!(
        rejected(bad),
        [
            "Period 45 s is invalid; use 10, 20, 30 or a multiple of 60",
            "EvaluationPeriods must be at least 1",
        ]
    );
}

#[test]
fn sns_topic_with_email() {
    let topic = Topic {
        display_name: Some("alarms".into()),
        subscription: vec![Subscription {
            endpoint: "oncall@example.com".into(),
            protocol: Protocol::Email,
        }],
        ..Topic::default()
    };
    assert_eq!(
        entry(topic),
        (
            "AWS::SNS::Topic".to_owned(),
            json!({
                "DisplayName": "alarms",
                "Subscription": [{"Endpoint": "oncall@example.com", "Protocol": "email"}]
            })
        )
    );
}

#[test]
fn s3_bucket_and_policy() {
    let bucket = Bucket {
        bucket_encryption: Some(BucketEncryption {
            server_side_encryption_configuration: vec![ServerSideEncryptionRule {
                server_side_encryption_by_default: ServerSideEncryptionByDefault {
                    sse_algorithm: SseAlgorithm::Aes256,
                    kms_master_key_id: None,
                },
                bucket_key_enabled: None,
            }],
        }),
        versioning_configuration: Some(VersioningConfiguration {
            status: VersioningStatus::Enabled,
        }),
        public_access_block_configuration: Some(PublicAccessBlockConfiguration::all_blocked()),
        lifecycle_configuration: Some(LifecycleConfiguration {
            rules: vec![LifecycleRule {
                id: "Old".into(),
                status: RuleStatus::Enabled,
                prefix: None,
                expiration_in_days: None,
                expired_object_delete_marker: None,
                noncurrent_version_expiration: Some(NoncurrentVersionExpiration {
                    noncurrent_days: 30,
                }),
                abort_incomplete_multipart_upload: Some(AbortIncompleteMultipartUpload {
                    days_after_initiation: 7,
                }),
            }],
        }),
        ownership_controls: Some(OwnershipControls {
            rules: vec![OwnershipControlsRule {
                object_ownership: ObjectOwnership::BucketOwnerEnforced,
            }],
        }),
        ..Bucket::default()
    };
    assert_eq!(
        entry(bucket),
        (
            "AWS::S3::Bucket".to_owned(),
            json!({
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]},
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": true,
                    "BlockPublicPolicy": true,
                    "IgnorePublicAcls": true,
                    "RestrictPublicBuckets": true
                },
                "LifecycleConfiguration": {"Rules": [{
                    "Id": "Old",
                    "Status": "Enabled",
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}
                }]},
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
            })
        )
    );

    let policy = BucketPolicy {
        bucket: "artifacts".into(),
        policy_document: PolicyDocument::new([Statement::deny()
            .principal(Principal::Everyone)
            .actions(["s3:*"])
            .resources(["arn:aws:s3:::artifacts".into()])
            .condition(
                ConditionOperator::Bool,
                "aws:SecureTransport",
                ["false".into()],
            )]),
    };
    let (resource_type, properties) = entry(policy);
    assert_eq!(resource_type, "AWS::S3::BucketPolicy");
    assert_eq!(
        properties["PolicyDocument"]["Statement"][0]["Condition"],
        json!({"Bool": {"aws:SecureTransport": ["false"]}})
    );
    assert_eq!(
        properties["PolicyDocument"]["Statement"][0]["Principal"],
        "*"
    );
}

#[test]
fn s3_bucket_name_checks() {
    for name in ["ab", "Upper-case", "-leading", "trailing-", &"a".repeat(64)] {
        let bucket = Bucket {
            bucket_name: Some(name.into()),
            ..Bucket::default()
        };
        assert_eq!(rejected(bucket).len(), 1, "{name}");
    }
    let bucket = Bucket {
        bucket_name: Some("auth-artifacts.example".into()),
        ..Bucket::default()
    };
    assert!(bucket.problems().is_empty());
}

#[test]
fn sns_display_name_limit() {
    let topic = Topic {
        display_name: Some("d".repeat(101)),
        ..Topic::default()
    };
    assert_eq!(
        rejected(topic),
        [format!(
            "DisplayName `{}` is 101 characters long; the maximum is 100",
            "d".repeat(101)
        )]
    );
}

#[test]
fn kms_key_and_alias() {
    use synth::resources::kms::{Alias, Key};
    let key = Key {
        description: Some("data".into()),
        enable_key_rotation: true,
        key_policy: PolicyDocument::new([Statement::allow()
            .sid("Root")
            .principal(Principal::Aws(vec![Expr::sub(
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:root",
            )]))
            .actions(["kms:*"])
            .resources(["*".into()])
            .allow_wildcard("the default key policy")]),
        pending_window_in_days: Some(30),
        tags: Vec::new(),
    };
    let mut template = Template::new("test");
    let handle = template.add("Key", key.clone()).unwrap();
    let value = template.to_value().unwrap();
    assert_eq!(value["Resources"]["Key"]["Type"], "AWS::KMS::Key");
    assert_eq!(
        value["Resources"]["Key"]["Properties"]["EnableKeyRotation"],
        true
    );
    assert_eq!(
        value["Resources"]["Key"]["Metadata"]["IamWildcardReasons"]["Root"],
        "the default key policy"
    );
    assert_eq!(
        serde_json::to_value(handle.arn()).unwrap(),
        json!({"Fn::GetAtt": ["Key", "Arn"]})
    );

    let short_window = Key {
        pending_window_in_days: Some(3),
        ..key
    };
    assert_eq!(
        rejected(short_window),
        ["PendingWindowInDays 3 is outside 7 to 30 days"]
    );

    for (name, valid) in [
        ("alias/auth-prod", true),
        ("auth-prod", false),
        ("alias/aws/x", false),
    ] {
        let alias = Alias {
            alias_name: name.into(),
            target_key_id: "key".into(),
        };
        assert_eq!(alias.problems().is_empty(), valid, "{name}");
    }
}
