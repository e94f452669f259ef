//! API Gateway REST API resource types: `RestApi`, `Resource`, `Method`, `Deployment`, `Stage`,
//! `GatewayResponse` and `Account`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::expr::Expr;
use crate::resource::{Handle, NameRule, Resource as ResourceType};
use crate::resources::{Tag, is_false};

/// The maximum length of a stage name.
pub const MAX_STAGE_NAME_LENGTH: usize = 128;

/// The rule for stage names.
pub const STAGE_NAME: NameRule = NameRule {
    property: "StageName",
    min_length: 1,
    max_length: MAX_STAGE_NAME_LENGTH,
    allowed: |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
    allowed_description: "ASCII letters, digits, `-` and `_`",
};

/// The kind of endpoint that serves the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EndpointType {
    /// In the API's Region.
    Regional,
    /// Behind a CloudFront distribution that API Gateway manages.
    Edge,
    /// Reachable only from VPC endpoints.
    Private,
}

/// The endpoint types of a REST API.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EndpointConfiguration {
    /// One endpoint type.
    pub types: Vec<EndpointType>,
}

/// An `AWS::ApiGateway::RestApi`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestApi {
    /// The API name.
    pub name: Expr,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The endpoint type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_configuration: Option<EndpointConfiguration>,
    /// Disables the default `execute-api` URL, for APIs served only on a custom domain.
    #[serde(skip_serializing_if = "is_false")]
    pub disable_execute_api_endpoint: bool,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl ResourceType for RestApi {
    fn resource_type(&self) -> &str {
        "AWS::ApiGateway::RestApi"
    }
}

impl Handle<RestApi> {
    /// `Ref`: the API ID, as in `<id>.execute-api.<region>.amazonaws.com`.
    pub fn id(&self) -> Expr {
        self.reference()
    }

    /// `Fn::GetAtt RootResourceId`: the ID of the `/` resource.
    pub fn root_resource_id(&self) -> Expr {
        self.attribute("RootResourceId")
    }
}

/// An `AWS::ApiGateway::Resource`: one path segment under a parent resource.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    /// The API.
    pub rest_api_id: Expr,
    /// The parent resource's ID.
    pub parent_id: Expr,
    /// The path segment, such as `users` or `{username}`.
    pub path_part: String,
}

impl ResourceType for Resource {
    fn resource_type(&self) -> &str {
        "AWS::ApiGateway::Resource"
    }

    fn problems(&self) -> Vec<String> {
        let part = self.path_part.as_str();
        let parameter = part
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
            .map(|name| name.strip_suffix('+').unwrap_or(name));
        let valid = match parameter {
            Some(name) => {
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            }
            None => {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "._-:".contains(c))
            }
        };
        if valid {
            Vec::new()
        } else {
            vec![format!(
                "PathPart `{part}` is invalid; use ASCII letters, digits and `._-:`, or a \
                 parameter such as `{{name}}`"
            )]
        }
    }
}

impl Handle<Resource> {
    /// `Ref`: the resource ID.
    pub fn id(&self) -> Expr {
        self.reference()
    }
}

/// An HTTP method (RFC 9110), or `ANY` for every method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// GET.
    Get,
    /// HEAD.
    Head,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
    /// OPTIONS.
    Options,
    /// Every method.
    Any,
}

impl HttpMethod {
    /// Returns the method name as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Head => "HEAD",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Any => "ANY",
        }
    }
}

/// The authorization that API Gateway applies to callers of a method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationType {
    /// No authorization by API Gateway; the integration authorizes, if needed.
    None,
    /// SigV4-signed requests, checked against IAM.
    AwsIam,
    /// A Lambda authorizer.
    Custom,
    /// A Cognito user pool authorizer.
    CognitoUserPools,
}

/// The type of backend integration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntegrationType {
    /// Lambda proxy: the whole request goes to the function as an event.
    AwsProxy,
    /// An AWS service action with mapping templates.
    Aws,
    /// HTTP proxy to a URL.
    HttpProxy,
    /// HTTP with mapping templates.
    Http,
    /// A response from API Gateway itself.
    Mock,
}

/// The backend of a method.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Integration {
    /// The integration type.
    #[serde(rename = "Type")]
    pub integration_type: IntegrationType,
    /// The method of the request to the backend; Lambda integrations require POST.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integration_http_method: Option<HttpMethod>,
    /// The backend URI, such as a Lambda function's invocation ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<Expr>,
    /// The integration timeout, 50 to 29,000 ms by default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_in_millis: Option<u32>,
}

impl Integration {
    /// Builds a Lambda proxy integration with the function's invocation URI.
    pub fn lambda_proxy(function_arn: Expr) -> Self {
        Self {
            integration_type: IntegrationType::AwsProxy,
            integration_http_method: Some(HttpMethod::Post),
            uri: Some(lambda_invocation_uri(function_arn)),
            timeout_in_millis: None,
        }
    }
}

/// Builds the URI that API Gateway calls to invoke a Lambda function.
pub fn lambda_invocation_uri(function_arn: Expr) -> Expr {
    Expr::sub_with(
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${FunctionArn}/invocations",
        [("FunctionArn", function_arn)],
    )
}

/// An `AWS::ApiGateway::Method`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Method {
    /// The API.
    pub rest_api_id: Expr,
    /// The resource that the method belongs to.
    pub resource_id: Expr,
    /// The HTTP method.
    pub http_method: HttpMethod,
    /// The authorization of callers.
    pub authorization_type: AuthorizationType,
    /// Request parameters, such as `method.request.path.username`, and whether each is
    /// required.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, bool>,
    /// The backend.
    pub integration: Integration,
    /// A name for the method in generated SDKs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
}

impl ResourceType for Method {
    fn resource_type(&self) -> &str {
        "AWS::ApiGateway::Method"
    }
}

/// An `AWS::ApiGateway::Deployment`: a snapshot of the API that a stage serves.
///
/// CloudFormation creates a new deployment only when the logical ID changes, so a logical ID
/// derived from the API definition ([`crate::Template::fingerprint`]) makes changes go live.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Deployment {
    /// The API.
    pub rest_api_id: Expr,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ResourceType for Deployment {
    fn resource_type(&self) -> &str {
        "AWS::ApiGateway::Deployment"
    }
}

impl Handle<Deployment> {
    /// `Ref`: the deployment ID.
    pub fn id(&self) -> Expr {
        self.reference()
    }
}

/// The level of execution logs that API Gateway writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LoggingLevel {
    /// No execution logs.
    Off,
    /// Errors only.
    Error,
    /// Every request.
    Info,
}

/// Settings for methods of a stage, selected by resource path and HTTP method.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MethodSetting {
    /// The resource path, such as `/*` for every path.
    pub resource_path: String,
    /// The HTTP method, or `*` for every method.
    pub http_method: String,
    /// The steady-state request rate limit, in requests per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttling_rate_limit: Option<f64>,
    /// The burst limit, in requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<u32>,
    /// Whether CloudWatch metrics per method are enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_enabled: Option<bool>,
    /// The execution log level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<LoggingLevel>,
    /// Whether execution logs include full requests and responses. They would contain
    /// passwords and tokens, so leave this off for an auth service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_trace_enabled: Option<bool>,
}

/// The destination and line format of a stage's access logs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessLogSetting {
    /// The log group ARN, without the `:*` suffix that `Fn::GetAtt Arn` of a log group has.
    pub destination_arn: Expr,
    /// The line format, with `$context` variables.
    pub format: String,
}

/// An `AWS::ApiGateway::Stage`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stage {
    /// The stage name, the first path segment of the stage URL.
    pub stage_name: String,
    /// The API.
    pub rest_api_id: Expr,
    /// The deployment that the stage serves.
    pub deployment_id: Expr,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether X-Ray tracing is enabled.
    #[serde(skip_serializing_if = "is_false")]
    pub tracing_enabled: bool,
    /// Method settings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub method_settings: Vec<MethodSetting>,
    /// Access logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_log_setting: Option<AccessLogSetting>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl ResourceType for Stage {
    fn resource_type(&self) -> &str {
        "AWS::ApiGateway::Stage"
    }

    fn problems(&self) -> Vec<String> {
        STAGE_NAME.problems(&self.stage_name)
    }
}

impl Handle<Stage> {
    /// `Ref`: the stage name.
    pub fn name(&self) -> Expr {
        self.reference()
    }
}

/// A response that API Gateway generates itself, without reaching the integration.
///
/// Reference: <https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GatewayResponseType {
    /// Any 4xx response without a more specific type.
    #[serde(rename = "DEFAULT_4XX")]
    Default4xx,
    /// Any 5xx response without a more specific type.
    #[serde(rename = "DEFAULT_5XX")]
    Default5xx,
    /// A path or method that the API does not define (403 by default).
    MissingAuthenticationToken,
    /// The request exceeded a throttling limit (429).
    Throttled,
    /// The request body exceeded API Gateway's payload limit (413).
    RequestTooLarge,
    /// The integration failed (504 by default).
    IntegrationFailure,
    /// The integration timed out (504).
    IntegrationTimeout,
    /// The request failed an IAM or authorizer check (403).
    AccessDenied,
}

/// An `AWS::ApiGateway::GatewayResponse`: the status, headers and body of one type of
/// response that API Gateway generates.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GatewayResponse {
    /// The API.
    pub rest_api_id: Expr,
    /// The response type.
    pub response_type: GatewayResponseType,
    /// The HTTP status code, replacing the type's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    /// Response headers, such as `gatewayresponse.header.Content-Type`, with quoted static
    /// values.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: BTreeMap<String, String>,
    /// Body templates by content type.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub response_templates: BTreeMap<String, String>,
}

impl ResourceType for GatewayResponse {
    fn resource_type(&self) -> &str {
        "AWS::ApiGateway::GatewayResponse"
    }
}

/// An `AWS::ApiGateway::Account`: the API Gateway settings of the account in one Region,
/// notably the role that writes logs to CloudWatch.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    /// The ARN of the role that API Gateway assumes to write CloudWatch logs.
    pub cloud_watch_role_arn: Expr,
}

impl ResourceType for Account {
    fn resource_type(&self) -> &str {
        "AWS::ApiGateway::Account"
    }
}
