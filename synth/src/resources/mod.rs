//! Typed resource types, one module per AWS service.
//!
//! Each type serializes to the resource's `Properties`, with the property names of the
//! CloudFormation resource reference:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-template-resource-type-ref.html>

pub mod api_gateway;
pub mod cloudwatch;
pub mod dynamodb;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod raw;
pub mod s3;
pub mod secrets_manager;
pub mod sns;

use serde::Serialize;

use crate::expr::Expr;

/// A resource tag, in the list form that most resource types take.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// The tag key.
    pub key: String,
    /// The tag value.
    pub value: Expr,
}

impl Tag {
    /// Builds a tag.
    pub fn new(key: impl Into<String>, value: impl Into<Expr>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }

    /// Builds tags from key and value pairs, in the order given.
    pub fn list<K: Into<String>, V: Into<Expr>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Vec<Tag> {
        pairs
            .into_iter()
            .map(|(key, value)| Tag::new(key, value))
            .collect()
    }
}

/// Serde's `skip_serializing_if` for `bool` fields that are omitted when false.
pub(crate) fn is_false(value: &bool) -> bool {
    !value
}
