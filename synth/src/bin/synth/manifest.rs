//! The deploy manifest written beside each environment's template: what `aws cloudformation
//! deploy` needs besides the template itself.

use std::collections::BTreeMap;

use serde::Serialize;
use synth::{Capability, Template};

use crate::settings::Settings;
use crate::stacks::auth::{CODE_BUCKET_PARAMETER, CODE_KEY_PARAMETER};
use crate::stacks::bootstrap::ARTIFACT_BUCKET_OUTPUT;

/// The template's file name inside `out/<env>/`.
pub const TEMPLATE_FILE: &str = "auth.template.json";
/// The manifest's file name inside `out/<env>/`.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The bootstrap template's file name inside `out/`.
pub const BOOTSTRAP_TEMPLATE_FILE: &str = "bootstrap.template.json";

/// The source of a parameter's value in a deploy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParameterSource {
    /// The bootstrap stack's `ArtifactBucketName` output.
    BootstrapArtifactBucket,
    /// The object key that the deploy uploaded the function's zip under.
    ArtifactKey,
}

/// A parameter that every deploy must pass.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ManifestParameter {
    /// The parameter's description from the template.
    pub description: String,
    /// The source of the value.
    pub source: ParameterSource,
}

/// The stack that contains the artifact bucket.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BootstrapStack {
    /// The stack name.
    pub stack_name: String,
    /// The template, relative to the manifest.
    pub template: String,
    /// The capabilities that deploying it must acknowledge.
    pub capabilities: Vec<Capability>,
    /// The output that names the artifact bucket.
    pub artifact_bucket_output: String,
}

/// The deploy manifest of one environment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Manifest {
    /// The environment name.
    pub environment: String,
    /// The CloudFormation stack name.
    pub stack_name: String,
    /// The Region to deploy to.
    pub region: String,
    /// The template, relative to the manifest.
    pub template: String,
    /// The capabilities that the deploy must acknowledge.
    pub capabilities: Vec<Capability>,
    /// The parameters without defaults, by name.
    pub parameters: BTreeMap<String, ManifestParameter>,
    /// Tags for the stack, which CloudFormation also applies to every resource it can tag.
    pub tags: BTreeMap<String, String>,
    /// The bootstrap stack that the deploy reads the artifact bucket from.
    pub bootstrap: BootstrapStack,
}

impl Manifest {
    /// Builds the manifest of an environment's stack.
    pub fn new(settings: &Settings, template: &Template, bootstrap: &Template) -> Self {
        let parameters = template
            .parameters()
            .iter()
            .filter(|(_, parameter)| parameter.is_required())
            .filter_map(|(name, parameter)| {
                let source = match name.as_str() {
                    CODE_BUCKET_PARAMETER => ParameterSource::BootstrapArtifactBucket,
                    CODE_KEY_PARAMETER => ParameterSource::ArtifactKey,
                    _ => return None,
                };
                let entry = ManifestParameter {
                    description: parameter.description_text().unwrap_or_default().to_owned(),
                    source,
                };
                Some((name.to_string(), entry))
            })
            .collect();
        Self {
            environment: settings.environment.clone(),
            stack_name: settings.stack_name.clone(),
            region: settings.region.clone(),
            template: TEMPLATE_FILE.to_owned(),
            capabilities: template.capabilities(),
            parameters,
            tags: settings.tags.clone(),
            bootstrap: BootstrapStack {
                stack_name: settings.bootstrap_stack_name.clone(),
                template: format!("../{BOOTSTRAP_TEMPLATE_FILE}"),
                capabilities: bootstrap.capabilities(),
                artifact_bucket_output: ARTIFACT_BUCKET_OUTPUT.to_owned(),
            },
        }
    }

    /// Serializes the manifest like the templates: two-space indent and a trailing newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }
}
