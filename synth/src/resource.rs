//! The trait that typed resources implement, and the handle that adding one returns.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde_json::Value;

use crate::expr::{Expr, Target};
use crate::name::LogicalId;

/// A CloudFormation resource type whose `Properties` serialize from `Self`.
pub trait Resource: Serialize {
    /// Returns the CloudFormation type name, such as `AWS::DynamoDB::Table`.
    fn resource_type(&self) -> &str;

    /// Returns the problems that CloudFormation or the service would reject at deploy time and
    /// that can be seen from the properties alone, one sentence each.
    fn problems(&self) -> Vec<String> {
        Vec::new()
    }

    /// Returns `Metadata` entries that the resource records about itself, such as the reasons
    /// for IAM wildcards. The template merges them into the resource's attributes.
    fn metadata(&self) -> BTreeMap<String, Value> {
        BTreeMap::new()
    }
}

/// A resource that has been added to a template, typed by its resource type.
///
/// Attributes are methods on `Handle<T>` for the `T` that has them, so `table.arn()` compiles
/// and `bucket.root_resource_id()` does not:
///
/// ```compile_fail
/// use synth::resources::s3::Bucket;
///
/// let mut template = synth::Template::new("A bucket");
/// let bucket = template.add("Bucket", Bucket::default())?;
/// let root = bucket.root_resource_id(); // only `Handle<RestApi>` has this attribute
/// # Ok::<(), synth::Error>(())
/// ```
pub struct Handle<R> {
    logical_id: LogicalId,
    resource_type: PhantomData<fn() -> R>,
}

impl<R> Handle<R> {
    pub(crate) fn new(logical_id: LogicalId) -> Self {
        Self {
            logical_id,
            resource_type: PhantomData,
        }
    }

    /// Returns the resource's logical ID.
    pub fn logical_id(&self) -> &LogicalId {
        &self.logical_id
    }

    /// Builds a `Ref` to the resource. Typed resources also offer a method named after what the
    /// `Ref` returns for their type, such as `name()` or `arn()`.
    pub fn reference(&self) -> Expr {
        Expr::Ref(Target::Resource(self.logical_id.clone()))
    }

    /// Builds an `Fn::GetAtt` of this resource.
    pub(crate) fn attribute(&self, attribute: &str) -> Expr {
        Expr::GetAtt {
            logical_id: self.logical_id.clone(),
            attribute: attribute.to_owned(),
        }
    }
}

impl<R> Clone for Handle<R> {
    fn clone(&self) -> Self {
        Self::new(self.logical_id.clone())
    }
}

impl<R> fmt::Debug for Handle<R> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_tuple("Handle")
            .field(&self.logical_id)
            .finish()
    }
}

/// The length and characters that a service accepts in a physical name property, such as a
/// Lambda function's `FunctionName`.
#[derive(Clone, Copy, Debug)]
pub struct NameRule {
    /// The property name, such as `FunctionName`.
    pub property: &'static str,
    /// The minimum length, in characters.
    pub min_length: usize,
    /// The maximum length, in characters.
    pub max_length: usize,
    /// Whether a character is allowed.
    pub allowed: fn(char) -> bool,
    /// The allowed characters, for messages.
    pub allowed_description: &'static str,
}

impl NameRule {
    /// Returns the problems with `name`, one sentence each.
    pub fn problems(&self, name: &str) -> Vec<String> {
        let property = self.property;
        let mut problems = Vec::new();
        let length = name.chars().count();
        if length < self.min_length {
            problems.push(format!(
                "{property} `{name}` is {length} characters long; the minimum is {}",
                self.min_length
            ));
        } else if length > self.max_length {
            problems.push(format!(
                "{property} `{name}` is {length} characters long; the maximum is {}",
                self.max_length
            ));
        }
        if let Some(invalid) = name.chars().find(|c| !(self.allowed)(*c)) {
            problems.push(format!(
                "{property} `{name}` contains `{invalid}`; it may contain only {}",
                self.allowed_description
            ));
        }
        problems
    }

    /// Adds the problems with a name property when it is a literal. A computed name, such as
    /// one built with `Fn::Sub`, is known only at deploy time.
    pub(crate) fn check(&self, problems: &mut Vec<String>, value: Option<&Expr>) {
        if let Some(name) = value.and_then(Expr::as_literal) {
            problems.extend(self.problems(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Serialize)]
    struct Widget;

    #[test]
    fn handle_builds_ref_and_get_att() {
        let handle: Handle<Widget> = Handle::new(LogicalId::new("Widget").unwrap());
        assert_eq!(
            serde_json::to_value(handle.reference()).unwrap(),
            json!({"Ref": "Widget"})
        );
        assert_eq!(
            serde_json::to_value(handle.attribute("Arn")).unwrap(),
            json!({"Fn::GetAtt": ["Widget", "Arn"]})
        );
        assert_eq!(format!("{handle:?}"), r#"Handle(LogicalId("Widget"))"#);
    }

    const RULE: NameRule = NameRule {
        property: "Name",
        min_length: 1,
        max_length: 4,
        allowed: |c| c.is_ascii_alphanumeric(),
        allowed_description: "letters",
    };

    #[test]
    fn name_rule_length() {
        assert!(RULE.problems("abcd").is_empty());
        assert_eq!(
            RULE.problems("abcde"),
            ["Name `abcde` is 5 characters long; the maximum is 4"]
        );
        assert_eq!(
            RULE.problems(""),
            ["Name `` is 0 characters long; the minimum is 1"]
        );
    }

    #[test]
    fn name_rule_characters() {
        assert_eq!(
            RULE.problems("a b"),
            ["Name `a b` contains ` `; it may contain only letters"]
        );
    }

    #[test]
    fn name_rule_skips_computed_names() {
        let mut problems = Vec::new();
        RULE.check(&mut problems, Some(&Expr::stack_name()));
        RULE.check(&mut problems, None);
        assert!(problems.is_empty());
        RULE.check(&mut problems, Some(&Expr::from("toolong")));
        assert_eq!(problems.len(), 1);
    }
}
