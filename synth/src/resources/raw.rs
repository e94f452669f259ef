//! Any resource type without a typed struct: a type name and its properties as JSON.

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::expr::Expr;
use crate::resource::{Handle, Resource};

/// A resource given as a type name and JSON properties. Intrinsic functions inside the
/// properties are ordinary JSON, such as `serde_json::to_value(expr)`, and the template's
/// reference and cycle checks still read them.
#[derive(Clone, Debug, PartialEq)]
pub struct RawResource {
    resource_type: String,
    properties: Value,
}

impl RawResource {
    /// Builds a raw resource. `properties` should be a JSON object.
    pub fn new(resource_type: impl Into<String>, properties: Value) -> Self {
        Self {
            resource_type: resource_type.into(),
            properties,
        }
    }
}

impl Serialize for RawResource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.properties.serialize(serializer)
    }
}

impl Resource for RawResource {
    fn resource_type(&self) -> &str {
        &self.resource_type
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let parts: Vec<&str> = self.resource_type.split("::").collect();
        let well_formed = parts.len() == 3 && parts.iter().all(|part| !part.is_empty());
        if !well_formed {
            problems.push(format!(
                "type `{}` is not of the form `Provider::Service::Resource`",
                self.resource_type
            ));
        }
        if !self.properties.is_object() {
            problems.push("properties must be a JSON object".to_owned());
        }
        problems
    }
}

impl Handle<RawResource> {
    /// `Fn::GetAtt`: any attribute by name, unchecked, because the type is not modelled.
    pub fn get_att(&self, attribute: &str) -> Expr {
        self.attribute(attribute)
    }
}
