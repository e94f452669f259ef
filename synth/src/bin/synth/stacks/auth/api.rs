//! The REST API: one resource per path segment, one Lambda proxy method per route, JSON error
//! bodies for the responses API Gateway generates, and a deployment, stage and permission.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use synth::resources::Tag;
use synth::resources::api_gateway::{
    AccessLogSetting, AuthorizationType, Deployment, EndpointConfiguration, EndpointType,
    GatewayResponse, GatewayResponseType, HttpMethod, Integration, LoggingLevel, Method,
    MethodSetting, Resource, RestApi, Stage,
};
use synth::resources::kms::Key;
use synth::resources::lambda::{Function, Permission};
use synth::resources::logs::LogGroup;
use synth::{Handle, LogicalId, ResourceAttributes, Template, arn};

use super::checks;
use crate::settings::{Settings, access_log_group_name};
use crate::stacks::retention_policy;
use crate::stacks::routes::{ROUTES, http_method};

/// The logical ID of the REST API.
pub const REST_API_ID: &str = "RestApi";
/// The start of the deployment's logical ID; a fingerprint of the API definition follows.
///
/// NOTE: moto 5.2 creates the new resources of a change set in template order, following `Ref`
/// and `Fn::GetAtt` but not `DependsOn`. The deployment and stage IDs start with `RestApi` so
/// that they sort after every `Api...` method, or moto fails the deployment for lack of methods.
pub const DEPLOYMENT_ID_PREFIX: &str = "RestApiDeployment";
/// The logical ID of the stage.
pub const STAGE_ID: &str = "RestApiStage";
/// How many hex digits of the fingerprint the deployment's logical ID carries.
const FINGERPRINT_DIGITS: usize = 16;

/// Adds the REST API itself, which the function's issuer URL refers to.
pub fn add_rest_api(
    template: &mut Template,
    settings: &Settings,
    tags: &[Tag],
) -> Result<Handle<RestApi>, synth::Error> {
    let rest_api = RestApi {
        name: settings.api.name.as_str().into(),
        description: Some(format!(
            "Users and tokens of the {} environment",
            settings.environment
        )),
        endpoint_configuration: Some(EndpointConfiguration {
            types: vec![EndpointType::Regional],
        }),
        disable_execute_api_endpoint: false,
        tags: tags.to_vec(),
    };
    template.add(REST_API_ID, rest_api)
}

/// Builds a logical ID part from a path: `/.well-known/jwks.json` becomes `WellKnownJwksJson`.
fn pascal_case(path: &str) -> String {
    path.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut characters = word.chars();
            let first = characters.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(characters).collect::<String>()
        })
        .collect()
}

fn method_id(path: &str, method: HttpMethod) -> String {
    format!(
        "Api{}{}Method",
        pascal_case(path),
        pascal_case(&method.as_str().to_ascii_lowercase())
    )
}

/// Adds the resources, methods, gateway responses, deployment, stage, access log group and
/// invoke permission.
pub fn add_routes(
    template: &mut Template,
    settings: &Settings,
    tags: &[Tag],
    rest_api: &Handle<RestApi>,
    function: &Handle<Function>,
    key: Option<&Handle<Key>>,
) -> Result<(), synth::Error> {
    let mut definition: Vec<LogicalId> = vec![rest_api.logical_id().clone()];

    // One resource per path prefix, parents first, keyed by path.
    let mut resources: BTreeMap<String, Handle<Resource>> = BTreeMap::new();
    for route in ROUTES {
        let mut path = String::new();
        let mut parent = rest_api.root_resource_id();
        for segment in route.path.trim_start_matches('/').split('/') {
            path.push('/');
            path.push_str(segment);
            if !resources.contains_key(&path) {
                let resource = Resource {
                    rest_api_id: rest_api.id(),
                    parent_id: parent.clone(),
                    path_part: segment.to_owned(),
                };
                let handle =
                    template.add(&format!("Api{}Resource", pascal_case(&path)), resource)?;
                definition.push(handle.logical_id().clone());
                resources.insert(path.clone(), handle);
            }
            parent = resources[&path].id();
        }
    }

    // Each route's method, plus an ANY method on each routed path so that a wrong method reaches
    // the service, which returns 405 with an Allow header instead of API Gateway's 403.
    let mut methods = Vec::new();
    let routed_paths: BTreeSet<&str> = ROUTES.iter().map(|route| route.path).collect();
    let all_methods = ROUTES
        .iter()
        .map(|route| {
            let method = http_method(route.method);
            (route.path, method, Some(route.operation.operation_id()))
        })
        .chain(
            routed_paths
                .iter()
                .map(|path| (*path, HttpMethod::Any, None)),
        );
    for (path, http_method, operation) in all_methods {
        let request_parameters = path_parameters(path);
        let method = Method {
            rest_api_id: rest_api.id(),
            resource_id: resources[path].id(),
            http_method,
            authorization_type: AuthorizationType::None,
            request_parameters,
            integration: Integration::lambda_proxy(function.arn()),
            operation_name: operation.map(str::to_owned),
        };
        let attributes = checks::suppress(ResourceAttributes::new(), checks::OPEN_API);
        let handle = template.add_with(&method_id(path, http_method), method, attributes)?;
        definition.push(handle.logical_id().clone());
        methods.push(handle);
    }

    for (logical_id, response) in gateway_responses(rest_api) {
        let handle = template.add(logical_id, response)?;
        definition.push(handle.logical_id().clone());
    }

    // CloudFormation creates a new deployment only when the logical ID changes, so the ID
    // carries a fingerprint of everything that defines the API. The methods name the function by
    // `Fn::GetAtt`, whose value changes with the function name, so that name is an input too:
    // renaming the function replaces it, and the stage must then call the new one.
    let inputs = json!({ "FunctionName": settings.function.name });
    let fingerprint = template.fingerprint_with(&definition, &inputs)?;
    let mut attributes = ResourceAttributes::new();
    for logical_id in &definition[1..] {
        attributes = attributes.depends_on_id(logical_id.clone());
    }
    let deployment = template.add_with(
        &format!(
            "{DEPLOYMENT_ID_PREFIX}{}",
            &fingerprint[..FINGERPRINT_DIGITS]
        ),
        Deployment {
            rest_api_id: rest_api.id(),
            description: Some(format!(
                "API definition {}",
                &fingerprint[..FINGERPRINT_DIGITS]
            )),
        },
        attributes,
    )?;

    let access_logs = add_access_log_group(template, settings, tags, key)?;
    add_stage(
        template,
        settings,
        tags,
        rest_api,
        &deployment,
        &access_logs,
    )?;

    template.add(
        "ApiInvokePermission",
        Permission {
            action: "lambda:InvokeFunction".to_owned(),
            function_name: function.arn(),
            principal: "apigateway.amazonaws.com".to_owned(),
            source_arn: Some(arn::execute_api(
                rest_api.id(),
                &format!("{}/*/*", settings.environment),
            )),
            source_account: None,
        },
    )?;
    Ok(())
}

/// Builds the request parameters of a path's `{name}` segments, each required.
fn path_parameters(path: &str) -> BTreeMap<String, bool> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| (format!("method.request.path.{name}"), true))
        .collect()
}

/// Builds the responses that API Gateway generates itself, in the service's JSON error shape
/// `{"error": "<code>", "message": "<sentence>"}`.
fn gateway_responses(rest_api: &Handle<RestApi>) -> Vec<(&'static str, GatewayResponse)> {
    let response = |response_type, status: Option<&str>, code: &str, message: &str| {
        // `$context.error.messageString` is API Gateway's message, already quoted for JSON.
        let message = if message.is_empty() {
            "$context.error.messageString".to_owned()
        } else {
            json!(message).to_string()
        };
        GatewayResponse {
            rest_api_id: rest_api.id(),
            response_type,
            status_code: status.map(str::to_owned),
            response_parameters: BTreeMap::from([(
                "gatewayresponse.header.Cache-Control".to_owned(),
                "'no-store'".to_owned(),
            )]),
            response_templates: BTreeMap::from([(
                "application/json".to_owned(),
                format!("{{\"error\": \"{code}\", \"message\": {message}}}"),
            )]),
        }
    };
    vec![
        (
            "ApiNotFoundResponse",
            response(
                GatewayResponseType::MissingAuthenticationToken,
                Some("404"),
                "not_found",
                "No resource exists at this path.",
            ),
        ),
        (
            "ApiThrottledResponse",
            response(
                GatewayResponseType::Throttled,
                None,
                "too_many_requests",
                "Too many requests; retry after a pause.",
            ),
        ),
        (
            "ApiRequestTooLargeResponse",
            response(
                GatewayResponseType::RequestTooLarge,
                None,
                "payload_too_large",
                "The request body is too large.",
            ),
        ),
        (
            "ApiDefault4xxResponse",
            response(GatewayResponseType::Default4xx, None, "invalid_request", ""),
        ),
        (
            "ApiDefault5xxResponse",
            response(
                GatewayResponseType::Default5xx,
                None,
                "internal_error",
                "The service failed to process the request.",
            ),
        ),
    ]
}

fn add_access_log_group(
    template: &mut Template,
    settings: &Settings,
    tags: &[Tag],
    key: Option<&Handle<Key>>,
) -> Result<Handle<LogGroup>, synth::Error> {
    let mut log_group = LogGroup::named(
        access_log_group_name(&settings.api.name),
        settings.api.access_log_retention_days,
    );
    log_group.tags = tags.to_vec();
    log_group.kms_key_id = key.map(Handle::<Key>::arn);
    let mut attributes = ResourceAttributes::new().retention(retention_policy(settings));
    if key.is_none() {
        attributes = checks::without_key(attributes, "CKV_AWS_158");
    }
    template.add_with("ApiAccessLogGroup", log_group, attributes)
}

/// Builds the access log line: one JSON object with the request's identity, route, status and
/// latencies. It records the route template, not the path, so usernames stay out of the logs.
///
/// The object is written field by field, because a `serde_json::Map` keeps insertion order
/// when another crate of the build enables serde_json's `preserve_order` feature, and the
/// template must not depend on that.
fn access_log_format() -> String {
    let fields = [
        ("requestId", "$context.requestId"),
        ("extendedRequestId", "$context.extendedRequestId"),
        ("requestTime", "$context.requestTime"),
        ("sourceIp", "$context.identity.sourceIp"),
        ("userAgent", "$context.identity.userAgent"),
        ("httpMethod", "$context.httpMethod"),
        ("resourcePath", "$context.resourcePath"),
        ("protocol", "$context.protocol"),
        ("status", "$context.status"),
        ("responseLength", "$context.responseLength"),
        ("responseLatency", "$context.responseLatency"),
        ("integrationLatency", "$context.integrationLatency"),
        ("errorType", "$context.error.responseType"),
        ("xrayTraceId", "$context.xrayTraceId"),
    ];
    let members: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{}:{}", json!(name), json!(value)))
        .collect();
    format!("{{{}}}", members.join(","))
}

fn add_stage(
    template: &mut Template,
    settings: &Settings,
    tags: &[Tag],
    rest_api: &Handle<RestApi>,
    deployment: &Handle<Deployment>,
    access_logs: &Handle<LogGroup>,
) -> Result<Handle<Stage>, synth::Error> {
    let stage = Stage {
        stage_name: settings.environment.clone(),
        rest_api_id: rest_api.id(),
        deployment_id: deployment.id(),
        description: Some(format!("The {} environment", settings.environment)),
        tracing_enabled: true,
        method_settings: vec![MethodSetting {
            resource_path: "/*".to_owned(),
            http_method: "*".to_owned(),
            throttling_rate_limit: Some(settings.api.throttling_rate_limit),
            throttling_burst_limit: Some(settings.api.throttling_burst_limit),
            metrics_enabled: Some(settings.api.detailed_metrics),
            // Execution logs would go to a log group without retention, and data traces would
            // contain passwords and tokens, so only access logs are on.
            logging_level: Some(LoggingLevel::Off),
            data_trace_enabled: Some(false),
        }],
        access_log_setting: Some(AccessLogSetting {
            destination_arn: arn::log_group(access_logs.name()),
            format: access_log_format(),
        }),
        tags: tags.to_vec(),
    };
    let attributes = checks::suppress(ResourceAttributes::new(), checks::API_CACHE);
    template.add_with(STAGE_ID, stage, attributes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pascal_case_of_paths() {
        assert_eq!(pascal_case("/users"), "Users");
        assert_eq!(pascal_case("/users/{username}"), "UsersUsername");
        assert_eq!(pascal_case("/.well-known/jwks.json"), "WellKnownJwksJson");
        assert_eq!(
            method_id("/tokens", HttpMethod::Post),
            "ApiTokensPostMethod"
        );
    }

    #[test]
    fn access_log_format_is_json_in_fixed_order() {
        let format = access_log_format();
        assert!(
            format.starts_with(r#"{"requestId":"$context.requestId","#),
            "{format}"
        );
        let parsed: serde_json::Value = serde_json::from_str(&format).unwrap();
        assert_eq!(parsed.as_object().unwrap().len(), 14);
        assert_eq!(parsed["resourcePath"], "$context.resourcePath");
    }

    #[test]
    fn path_parameters_are_required() {
        assert!(path_parameters("/users").is_empty());
        assert_eq!(
            path_parameters("/users/{username}"),
            BTreeMap::from([("method.request.path.username".to_owned(), true)])
        );
    }
}
