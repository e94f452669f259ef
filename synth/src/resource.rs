//! The trait that typed resources implement, and the handle that adding one returns.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;

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

/// Checks a physical name property, when it is a literal, against the length and characters that
/// the owning service accepts.
pub(crate) fn check_physical_name(
    problems: &mut Vec<String>,
    property: &str,
    value: Option<&Expr>,
    max_length: usize,
    allowed: impl Fn(char) -> bool,
    allowed_description: &str,
) {
    let Some(name) = value.and_then(Expr::as_literal) else {
        return;
    };
    let length = name.chars().count();
    if length == 0 {
        problems.push(format!("{property} is empty"));
    } else if length > max_length {
        problems.push(format!(
            "{property} `{name}` is {length} characters long; the maximum is {max_length}"
        ));
    }
    if let Some(invalid) = name.chars().find(|c| !allowed(*c)) {
        problems.push(format!(
            "{property} `{name}` contains `{invalid}`; it may contain only {allowed_description}"
        ));
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

    #[test]
    fn physical_name_checks() {
        let alphanumeric = |c: char| c.is_ascii_alphanumeric();
        let mut problems = Vec::new();
        let long = Expr::from("a".repeat(65));
        check_physical_name(
            &mut problems,
            "Name",
            Some(&long),
            64,
            alphanumeric,
            "letters",
        );
        assert_eq!(
            problems,
            [format!(
                "Name `{}` is 65 characters long; the maximum is 64",
                "a".repeat(65)
            )]
        );

        let mut problems = Vec::new();
        let bad = Expr::from("a b");
        check_physical_name(
            &mut problems,
            "Name",
            Some(&bad),
            64,
            alphanumeric,
            "letters",
        );
        assert_eq!(
            problems,
            ["Name `a b` contains ` `; it may contain only letters"]
        );

        let mut problems = Vec::new();
        let computed = Expr::stack_name();
        check_physical_name(
            &mut problems,
            "Name",
            Some(&computed),
            1,
            alphanumeric,
            "letters",
        );
        check_physical_name(&mut problems, "Name", None, 1, alphanumeric, "letters");
        assert!(problems.is_empty());
    }
}
