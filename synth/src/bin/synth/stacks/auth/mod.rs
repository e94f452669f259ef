//! The auth stack of one environment: users table, signing-key secret, function, REST API,
//! alarms and outputs.

mod alarms;
mod api;
mod checks;
mod encryption;
mod function;
mod storage;

use synth::resources::api_gateway::RestApi;
use synth::{Expr, Handle, Output, Parameter, ParameterHandle, Template};

use crate::settings::Settings;
use crate::stacks::resource_tags;

/// The parameter that names the artifact bucket holding the function's zip.
pub const CODE_BUCKET_PARAMETER: &str = "ServiceCodeBucket";
/// The parameter that names the function zip's object key.
pub const CODE_KEY_PARAMETER: &str = "ServiceCodeKey";

/// The code location, which a deploy passes as parameters.
struct CodeParameters {
    bucket: ParameterHandle,
    key: ParameterHandle,
}

/// Builds the auth stack's template for one environment.
pub fn build(settings: &Settings) -> Result<Template, synth::Error> {
    let mut template = Template::new(format!(
        "Authentication service `{}` ({} environment): users in DynamoDB, tokens signed by \
         Lambda, served by API Gateway",
        settings.service, settings.environment
    ));
    let tags = resource_tags(settings);
    let code = add_code_parameters(&mut template)?;

    let key = encryption::add(&mut template, settings)?;
    let storage = storage::add(&mut template, settings, &tags, key.as_ref())?;
    let rest_api = api::add_rest_api(&mut template, settings, &tags)?;
    let issuer = issuer(settings, &rest_api);
    let function = function::add(
        &mut template,
        settings,
        &tags,
        &function::Inputs {
            code_bucket: code.bucket.value(),
            code_key: code.key.value(),
            table: &storage.table,
            secret: &storage.secret,
            issuer: issuer.clone(),
            key: key.as_ref(),
        },
    )?;
    api::add_routes(
        &mut template,
        settings,
        &tags,
        &rest_api,
        &function.function,
        key.as_ref(),
    )?;
    let topic = alarms::add(
        &mut template,
        settings,
        &tags,
        &function.function,
        key.as_ref(),
    )?;

    add_outputs(
        &mut template,
        settings,
        &Outputs {
            rest_api: &rest_api,
            issuer,
            storage: &storage,
            function: &function,
            topic: topic.as_ref(),
        },
    )?;
    Ok(template)
}

fn add_code_parameters(template: &mut Template) -> Result<CodeParameters, synth::Error> {
    let bucket = template.add_parameter(
        CODE_BUCKET_PARAMETER,
        Parameter::string()
            .description(
                "The S3 bucket that holds the function's zip: the bootstrap stack's \
                 ArtifactBucketName output",
            )
            .allowed_pattern("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
            .constraint_description(
                "an S3 bucket name: 3 to 63 lowercase letters, digits, . and -",
            ),
    )?;
    let key = template.add_parameter(
        CODE_KEY_PARAMETER,
        Parameter::string()
            .description("The object key of the function's zip in the bucket")
            .allowed_pattern("^[A-Za-z0-9!_.*'()/-]+\\.zip$")
            .constraint_description("an S3 object key that ends in .zip"),
    )?;
    Ok(CodeParameters { bucket, key })
}

/// Builds the stage URL: `https://<api-id>.execute-api.<region>.<suffix>/<stage>`.
fn stage_url(settings: &Settings, rest_api: &Handle<RestApi>) -> Expr {
    Expr::sub_with(
        format!(
            "https://${{RestApiId}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{}",
            settings.environment
        ),
        [("RestApiId", rest_api.id())],
    )
}

/// Builds the `iss` claim: the configured issuer, or else the stage URL.
fn issuer(settings: &Settings, rest_api: &Handle<RestApi>) -> Expr {
    match &settings.tokens.issuer {
        Some(issuer) => Expr::from(issuer.as_str()),
        None => stage_url(settings, rest_api),
    }
}

struct Outputs<'a> {
    rest_api: &'a Handle<RestApi>,
    issuer: Expr,
    storage: &'a storage::Storage,
    function: &'a function::FunctionResources,
    topic: Option<&'a Handle<synth::resources::sns::Topic>>,
}

fn add_outputs(
    template: &mut Template,
    settings: &Settings,
    outputs: &Outputs<'_>,
) -> Result<(), synth::Error> {
    let export = |name: &str| Expr::sub(format!("${{AWS::StackName}}-{name}"));
    let jwks_url = Expr::sub_with(
        "${Issuer}/.well-known/jwks.json",
        [("Issuer", outputs.issuer.clone())],
    );
    let entries = [
        (
            "ApiUrl",
            stage_url(settings, outputs.rest_api),
            "The base URL of the API stage",
        ),
        (
            "Issuer",
            outputs.issuer.clone(),
            "The `iss` claim of the tokens that the service issues",
        ),
        (
            "JwksUrl",
            jwks_url,
            "The URL of the JSON Web Key Set that verifies the tokens",
        ),
        (
            "TableName",
            outputs.storage.table.name(),
            "The DynamoDB table of users",
        ),
        (
            "SigningKeySecretArn",
            outputs.storage.secret.arn(),
            "The Secrets Manager secret that the signing keys derive from",
        ),
        (
            "FunctionName",
            outputs.function.function.name(),
            "The Lambda function",
        ),
        (
            "FunctionLogGroupName",
            outputs.function.log_group.name(),
            "The function's log group",
        ),
    ];
    for (name, value, description) in entries {
        template.add_output(
            name,
            Output::new(value)
                .description(description)
                .export(export(name)),
        )?;
    }
    if let Some(topic) = outputs.topic {
        template.add_output(
            "AlarmTopicArn",
            Output::new(topic.arn())
                .description("The SNS topic that the alarms notify")
                .export(export("AlarmTopicArn")),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::settings::StacksDir;

    fn dev_settings() -> Settings {
        let stacks = StacksDir::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("../stacks"));
        stacks.load("dev").unwrap()
    }

    fn deployment_id(settings: &Settings) -> String {
        let template = build(settings).unwrap().to_value().unwrap();
        let resources = template["Resources"].as_object().unwrap();
        let mut ids = resources
            .keys()
            .filter(|id| id.starts_with(api::DEPLOYMENT_ID_PREFIX));
        let id = ids.next().unwrap().clone();
        assert!(ids.next().is_none(), "more than one deployment");
        id
    }

    #[test]
    fn function_sets_every_contract_variable() {
        let template = build(&dev_settings()).unwrap().to_value().unwrap();
        let variables = template["Resources"]["Function"]["Properties"]["Environment"]["Variables"]
            .as_object()
            .unwrap();
        let mut names: Vec<&str> = variables.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut expected = auth_contract::environment::ALL.to_vec();
        expected.sort_unstable();
        assert_eq!(names, expected);
    }

    fn stack(settings: &Settings) -> serde_json::Value {
        build(settings).unwrap().to_value().unwrap()
    }

    #[test]
    fn customer_managed_key_encrypts_the_data() {
        let mut settings = dev_settings();
        settings.encryption.customer_managed_key = true;
        settings.alarms.enabled = true;
        let template = stack(&settings);
        let resources = &template["Resources"];
        let key_arn = serde_json::json!({"Fn::GetAtt": ["EncryptionKey", "Arn"]});
        assert_eq!(resources["EncryptionKey"]["Type"], "AWS::KMS::Key");
        assert_eq!(
            resources["EncryptionKey"]["Properties"]["EnableKeyRotation"],
            true
        );
        let table = &resources["UsersTable"]["Properties"]["SSESpecification"];
        assert_eq!(table["SSEType"], "KMS");
        assert_eq!(table["KMSMasterKeyId"], key_arn);
        assert_eq!(
            resources["SigningKeySecret"]["Properties"]["KmsKeyId"],
            key_arn
        );
        for log_group in ["FunctionLogGroup", "ApiAccessLogGroup"] {
            assert_eq!(
                resources[log_group]["Properties"]["KmsKeyId"], key_arn,
                "{log_group}"
            );
        }
        assert_eq!(
            resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"],
            key_arn
        );
        let statements =
            resources["FunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
                .as_array()
                .unwrap();
        let key_statement = statements
            .iter()
            .find(|statement| statement["Sid"] == "EncryptionKey")
            .unwrap();
        assert_eq!(key_statement["Resource"], serde_json::json!([key_arn]));
    }

    #[test]
    fn managed_keys_record_checkov_reasons() {
        let mut settings = dev_settings();
        settings.alarms.enabled = true;
        let template = stack(&settings);
        let resources = &template["Resources"];
        assert!(resources.get("EncryptionKey").is_none());
        let skipped = |logical_id: &str| -> Vec<String> {
            resources[logical_id]["Metadata"]["checkov"]["skip"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|skip| skip["id"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(skipped("UsersTable"), ["CKV_AWS_119", "CKV_AWS_28"]);
        assert_eq!(skipped("SigningKeySecret"), ["CKV_AWS_149"]);
        assert_eq!(skipped("FunctionLogGroup"), ["CKV_AWS_158"]);
        assert_eq!(skipped("AlarmTopic"), ["CKV_AWS_26"]);
        assert_eq!(
            skipped("Function"),
            ["CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173", "CKV_AWS_115"]
        );
        for skip in resources["Function"]["Metadata"]["checkov"]["skip"]
            .as_array()
            .unwrap()
        {
            assert!(skip["comment"].as_str().unwrap().len() > 40, "{skip}");
        }
    }

    #[test]
    fn renamed_function_gets_new_deployment() {
        let mut settings = dev_settings();
        let before = deployment_id(&settings);
        settings.function.name = "auth-dev-renamed".to_owned();
        assert_ne!(deployment_id(&settings), before);
    }

    #[test]
    fn function_memory_keeps_deployment() {
        let mut settings = dev_settings();
        let before = deployment_id(&settings);
        settings.function.memory_mb = 2048;
        assert_eq!(deployment_id(&settings), before);
    }

    #[test]
    fn api_throttling_keeps_deployment() {
        let mut settings = dev_settings();
        let before = deployment_id(&settings);
        settings.api.throttling_rate_limit = 99.0;
        assert_eq!(deployment_id(&settings), before);
    }
}
