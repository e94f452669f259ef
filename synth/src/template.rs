//! The template: parameters, conditions, resources and outputs, serialized deterministically.
//!
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html>

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::attributes::ResourceAttributes;
use crate::error::{Error, Problem};
use crate::expr::{ConditionExpr, Expr, Target};
use crate::name::{ConditionName, LogicalId, OutputName, ParameterName};
use crate::resource::{Handle, Resource};
use crate::validate;

/// The maximum number of resources, parameters and outputs in one template.
///
/// Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html>
pub const MAX_RESOURCES: usize = 500;
/// The maximum number of parameters in one template.
pub const MAX_PARAMETERS: usize = 200;
/// The maximum number of outputs in one template.
pub const MAX_OUTPUTS: usize = 200;
/// The maximum length of the template description, in bytes.
pub const MAX_DESCRIPTION_BYTES: usize = 1024;
/// The maximum size of a template that CloudFormation reads from S3, in bytes.
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;
/// The maximum size of a template passed inline with `--template-body`, in bytes. The
/// `aws cloudformation deploy` command uploads larger templates to the bucket named by
/// `--s3-bucket`.
pub const MAX_INLINE_TEMPLATE_BYTES: usize = 51_200;

/// The type of a template parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ParameterType {
    /// A string.
    String,
    /// An integer or float, which CloudFormation validates and passes as a string.
    Number,
    /// A list of strings separated by commas.
    CommaDelimitedList,
    /// A list of numbers separated by commas.
    #[serde(rename = "List<Number>")]
    NumberList,
    /// The name of a Systems Manager parameter whose string value is used.
    #[serde(rename = "AWS::SSM::Parameter::Value<String>")]
    SsmString,
}

/// A template parameter: a value that the deployer passes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    #[serde(rename = "Type")]
    parameter_type: ParameterType,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_pattern: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    allowed_values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    constraint_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_length: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_length: Option<u32>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    no_echo: bool,
}

impl Parameter {
    /// Builds a parameter of the given type with no constraints.
    pub fn new(parameter_type: ParameterType) -> Self {
        Self {
            parameter_type,
            description: None,
            default: None,
            allowed_pattern: None,
            allowed_values: Vec::new(),
            constraint_description: None,
            min_length: None,
            max_length: None,
            no_echo: false,
        }
    }

    /// Builds a `String` parameter.
    pub fn string() -> Self {
        Self::new(ParameterType::String)
    }

    /// Sets `Description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets `Default`, which makes the parameter optional for the deployer.
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// Sets `AllowedPattern`, a Java regular expression that the whole value must match.
    pub fn allowed_pattern(mut self, pattern: impl Into<String>) -> Self {
        self.allowed_pattern = Some(pattern.into());
        self
    }

    /// Sets `AllowedValues`.
    pub fn allowed_values<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
        self.allowed_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `ConstraintDescription`, the message CloudFormation shows when a constraint fails.
    pub fn constraint_description(mut self, description: impl Into<String>) -> Self {
        self.constraint_description = Some(description.into());
        self
    }

    /// Sets `MinLength` and `MaxLength`, in characters.
    pub fn length(mut self, min: u32, max: u32) -> Self {
        self.min_length = Some(min);
        self.max_length = Some(max);
        self
    }

    /// Sets `NoEcho`, which masks the value in the console and in API responses.
    pub fn no_echo(mut self) -> Self {
        self.no_echo = true;
        self
    }

    /// Returns the description, if set.
    pub fn description_text(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Reports whether the deployer must pass a value, because the parameter has no default.
    pub fn is_required(&self) -> bool {
        self.default.is_none()
    }
}

/// A parameter that has been added to a template.
#[derive(Clone, Debug)]
pub struct ParameterHandle {
    name: ParameterName,
}

impl ParameterHandle {
    /// Returns the parameter's name.
    pub fn name(&self) -> &ParameterName {
        &self.name
    }

    /// Builds a `Ref` to the parameter's value.
    pub fn value(&self) -> Expr {
        Expr::Ref(Target::Parameter(self.name.clone()))
    }
}

/// A template output: a value that `describe-stacks` shows and other stacks may import.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Output {
    pub(crate) value: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) export: Option<Export>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) condition: Option<ConditionName>,
}

/// The export of an output, by name, for `Fn::ImportValue` in other stacks of the Region.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Export {
    pub(crate) name: Expr,
}

impl Output {
    /// Builds an output of the given value.
    pub fn new(value: Expr) -> Self {
        Self {
            value,
            description: None,
            export: None,
            condition: None,
        }
    }

    /// Sets `Description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Exports the output under a name, which must be unique in the account and Region.
    pub fn export(mut self, name: Expr) -> Self {
        self.export = Some(Export { name });
        self
    }

    /// Sets `Condition`: the output exists only when the condition is true.
    pub fn condition(mut self, condition: &ConditionName) -> Self {
        self.condition = Some(condition.clone());
        self
    }
}

/// CloudFormation's acknowledgement that a template creates IAM resources.
///
/// Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Capability {
    /// The template creates IAM resources with generated names.
    #[serde(rename = "CAPABILITY_IAM")]
    Iam,
    /// The template creates IAM resources with names of its own.
    #[serde(rename = "CAPABILITY_NAMED_IAM")]
    NamedIam,
}

impl Capability {
    /// Returns the name that `--capabilities` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::Iam => "CAPABILITY_IAM",
            Capability::NamedIam => "CAPABILITY_NAMED_IAM",
        }
    }
}

/// The properties of IAM resource types that give the resource a name of its own.
const IAM_NAME_PROPERTIES: [&str; 5] = [
    "GroupName",
    "InstanceProfileName",
    "ManagedPolicyName",
    "RoleName",
    "UserName",
];

/// One entry of the `Resources` section.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ResourceEntry {
    pub(crate) resource_type: String,
    pub(crate) properties: Value,
    pub(crate) attributes: ResourceAttributes,
}

impl ResourceEntry {
    fn to_value(&self) -> Value {
        let mut entry = Map::new();
        entry.insert("Type".into(), Value::from(self.resource_type.as_str()));
        let has_properties = self
            .properties
            .as_object()
            .is_none_or(|map| !map.is_empty());
        if has_properties {
            entry.insert("Properties".into(), self.properties.clone());
        }
        self.attributes.write_into(&mut entry);
        Value::Object(entry)
    }
}

/// A CloudFormation template under construction.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Template {
    description: Option<String>,
    metadata: BTreeMap<String, Value>,
    parameters: BTreeMap<ParameterName, Parameter>,
    pub(crate) conditions: BTreeMap<ConditionName, ConditionExpr>,
    pub(crate) resources: BTreeMap<LogicalId, ResourceEntry>,
    pub(crate) outputs: BTreeMap<OutputName, Output>,
}

impl Template {
    /// Builds an empty template with a description.
    pub fn new(description: impl Into<String>) -> Self {
        Self {
            description: Some(description.into()),
            ..Self::default()
        }
    }

    /// Adds a resource with no attributes.
    pub fn add<R: Resource>(&mut self, logical_id: &str, resource: R) -> Result<Handle<R>, Error> {
        self.add_with(logical_id, resource, ResourceAttributes::new())
    }

    /// Adds a resource with attributes such as `DependsOn` or `DeletionPolicy`.
    ///
    /// Fails when the logical ID is invalid or taken, or when the resource's own checks find a
    /// problem, such as a function name longer than Lambda accepts.
    pub fn add_with<R: Resource>(
        &mut self,
        logical_id: &str,
        resource: R,
        attributes: ResourceAttributes,
    ) -> Result<Handle<R>, Error> {
        let logical_id = LogicalId::new(logical_id)?;
        let is_parameter = self.parameters.contains_key(logical_id.as_str());
        if self.resources.contains_key(&logical_id) || is_parameter {
            return Err(Error::Duplicate {
                kind: "logical ID",
                name: logical_id.to_string(),
            });
        }

        let problems = resource.problems();
        if !problems.is_empty() {
            return Err(Error::InvalidResource {
                logical_id,
                resource_type: resource.resource_type().to_owned(),
                problems,
            });
        }

        let properties = serde_json::to_value(&resource).map_err(|error| Error::Serialize {
            logical_id: logical_id.clone(),
            message: error.to_string(),
        })?;
        let mut attributes = attributes;
        for (key, value) in resource.metadata() {
            attributes.merge_metadata(key, value);
        }
        let entry = ResourceEntry {
            resource_type: resource.resource_type().to_owned(),
            properties,
            attributes,
        };
        self.resources.insert(logical_id.clone(), entry);
        Ok(Handle::new(logical_id))
    }

    /// Adds a parameter.
    pub fn add_parameter(
        &mut self,
        name: &str,
        parameter: Parameter,
    ) -> Result<ParameterHandle, Error> {
        let name = ParameterName::new(name)?;
        if self.parameters.contains_key(&name) || self.resources.contains_key(name.as_str()) {
            return Err(Error::Duplicate {
                kind: "parameter name",
                name: name.to_string(),
            });
        }
        self.parameters.insert(name.clone(), parameter);
        Ok(ParameterHandle { name })
    }

    /// Adds a condition to the `Conditions` section and returns its name for `Fn::If` and the
    /// `Condition` attribute.
    pub fn add_condition(
        &mut self,
        name: &str,
        condition: ConditionExpr,
    ) -> Result<ConditionName, Error> {
        let name = ConditionName::new(name)?;
        if self.conditions.contains_key(&name) {
            return Err(Error::Duplicate {
                kind: "condition name",
                name: name.to_string(),
            });
        }
        self.conditions.insert(name.clone(), condition);
        Ok(name)
    }

    /// Adds an output.
    pub fn add_output(&mut self, name: &str, output: Output) -> Result<(), Error> {
        let name = OutputName::new(name)?;
        if self.outputs.contains_key(&name) {
            return Err(Error::Duplicate {
                kind: "output name",
                name: name.to_string(),
            });
        }
        self.outputs.insert(name, output);
        Ok(())
    }

    /// Sets one key of the template's `Metadata` section.
    pub fn set_metadata(&mut self, key: impl Into<String>, value: Value) {
        self.metadata.insert(key.into(), value);
    }

    /// Returns the parameters by name.
    pub fn parameters(&self) -> &BTreeMap<ParameterName, Parameter> {
        &self.parameters
    }

    /// Returns the output names.
    pub fn output_names(&self) -> impl Iterator<Item = &OutputName> {
        self.outputs.keys()
    }

    /// Counts the resources of each type.
    pub fn resource_counts(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for entry in self.resources.values() {
            *counts.entry(entry.resource_type.as_str()).or_default() += 1;
        }
        counts
    }

    /// Returns the capabilities that a deploy of this template must acknowledge.
    pub fn capabilities(&self) -> Vec<Capability> {
        let iam_resources = self
            .resources
            .values()
            .filter(|entry| entry.resource_type.starts_with("AWS::IAM::"));
        let mut capability = None;
        for entry in iam_resources {
            let named = IAM_NAME_PROPERTIES
                .iter()
                .any(|property| entry.properties.get(property).is_some());
            if named {
                capability = Some(Capability::NamedIam);
            } else {
                capability.get_or_insert(Capability::Iam);
            }
        }
        capability.into_iter().collect()
    }

    /// Returns the hex SHA-256 of the given resources' canonical JSON, for logical IDs that must
    /// change whenever those resources change, such as an API Gateway deployment's.
    ///
    /// Fails when one of the resources is not in the template.
    pub fn fingerprint<'a>(
        &self,
        logical_ids: impl IntoIterator<Item = &'a LogicalId>,
    ) -> Result<String, Error> {
        self.fingerprint_with(logical_ids, &Value::Null)
    }

    /// Returns the hex SHA-256 of the given resources' canonical JSON and of `inputs`: values
    /// that the resources depend on but that their JSON does not show, such as the name behind
    /// an `Fn::GetAtt` of a function's ARN.
    ///
    /// Fails when one of the resources is not in the template.
    pub fn fingerprint_with<'a>(
        &self,
        logical_ids: impl IntoIterator<Item = &'a LogicalId>,
        inputs: &Value,
    ) -> Result<String, Error> {
        let mut selected = Map::new();
        for logical_id in logical_ids {
            let entry = self.resources.get(logical_id).ok_or_else(|| {
                Error::Invalid(vec![Problem::MissingTarget {
                    location: "the fingerprint".to_owned(),
                    function: "resource",
                    target: logical_id.to_string(),
                    expected: "resource",
                }])
            })?;
            selected.insert(logical_id.to_string(), entry.to_value());
        }
        let canonical = sorted(json!({"Inputs": inputs, "Resources": selected})).to_string();
        let digest = Sha256::digest(canonical.as_bytes());
        Ok(digest.iter().map(|byte| format!("{byte:02x}")).collect())
    }

    /// Checks what no single resource shows: every reference resolves, no dependency cycle
    /// exists, every IAM wildcard has a recorded reason (raw resources included), and the
    /// template is within CloudFormation's limits.
    pub fn validate(&self) -> Result<(), Error> {
        let mut problems = validate::references(self);
        problems.extend(validate::cycles(self));
        problems.extend(validate::wildcards(self));
        problems.extend(self.limit_problems());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(problems))
        }
    }

    fn limit_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut check = |section: &str, count: usize, max: usize| {
            if count > max {
                problems.push(Problem::Limit(format!(
                    "the template has {count} {section}; CloudFormation accepts at most {max}"
                )));
            }
        };
        check("resources", self.resources.len(), MAX_RESOURCES);
        check("parameters", self.parameters.len(), MAX_PARAMETERS);
        check("outputs", self.outputs.len(), MAX_OUTPUTS);
        if self.resources.is_empty() {
            problems.push(Problem::Limit(
                "the template has no resources; CloudFormation requires at least one".to_owned(),
            ));
        }
        let description_bytes = self.description.as_deref().map_or(0, str::len);
        if description_bytes > MAX_DESCRIPTION_BYTES {
            problems.push(Problem::Limit(format!(
                "the description is {description_bytes} bytes long; the maximum is {MAX_DESCRIPTION_BYTES}"
            )));
        }
        problems
    }

    /// Validates the template and returns its JSON value with every object's keys sorted.
    pub fn to_value(&self) -> Result<Value, Error> {
        self.validate()?;

        let mut template = Map::new();
        template.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        if let Some(description) = &self.description {
            template.insert("Description".into(), json!(description));
        }
        if !self.metadata.is_empty() {
            template.insert("Metadata".into(), json!(self.metadata));
        }
        if !self.parameters.is_empty() {
            template.insert("Parameters".into(), json!(self.parameters));
        }
        if !self.conditions.is_empty() {
            template.insert("Conditions".into(), json!(self.conditions));
        }
        let resources: Map<String, Value> = self
            .resources
            .iter()
            .map(|(id, entry)| (id.to_string(), entry.to_value()))
            .collect();
        template.insert("Resources".into(), Value::Object(resources));
        if !self.outputs.is_empty() {
            template.insert("Outputs".into(), json!(self.outputs));
        }
        Ok(sorted(Value::Object(template)))
    }

    /// Validates the template and serializes it: sorted keys, two-space indent and a trailing
    /// newline, so the same template always gives the same bytes.
    pub fn to_json(&self) -> Result<String, Error> {
        let value = self.to_value()?;
        let mut text = serde_json::to_string_pretty(&value).map_err(|error| Error::Json {
            message: error.to_string(),
        })?;
        text.push('\n');
        if text.len() > MAX_TEMPLATE_BYTES {
            return Err(Error::Invalid(vec![Problem::Limit(format!(
                "the template is {} bytes long; CloudFormation accepts at most {MAX_TEMPLATE_BYTES}",
                text.len()
            ))]));
        }
        Ok(text)
    }
}

/// Rebuilds every object with its keys in sorted order, so the output does not depend on whether
/// serde_json's `preserve_order` feature is enabled somewhere in the build.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|(left, _), (right, _)| left.cmp(right));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, sorted(value)))
                    .collect(),
            )
        }
        Value::Array(values) => Value::Array(values.into_iter().map(sorted).collect()),
        other => other,
    }
}
