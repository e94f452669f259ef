//! `AWS::KMS::Key` and `AWS::KMS::Alias`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::expr::Expr;
use crate::policy::{PolicyDocument, wildcard_metadata};
use crate::resource::{Handle, Resource};
use crate::resources::Tag;

/// The waiting periods before KMS deletes a key, in days.
pub const PENDING_WINDOW_DAYS: std::ops::RangeInclusive<u32> = 7..=30;

/// An `AWS::KMS::Key`: a symmetric encryption key, unless a key spec says otherwise.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Key {
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether KMS rotates the key material every year.
    pub enable_key_rotation: bool,
    /// The key policy: who may use and manage the key.
    pub key_policy: PolicyDocument,
    /// Days that KMS waits before deleting the key after the stack deletes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_window_in_days: Option<u32>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Resource for Key {
    fn resource_type(&self) -> &str {
        "AWS::KMS::Key"
    }

    fn problems(&self) -> Vec<String> {
        let mut problems: Vec<String> = self
            .key_policy
            .problems()
            .into_iter()
            .map(|problem| format!("KeyPolicy: {problem}"))
            .collect();
        if let Some(days) = self.pending_window_in_days
            && !PENDING_WINDOW_DAYS.contains(&days)
        {
            problems.push(format!(
                "PendingWindowInDays {days} is outside {} to {} days",
                PENDING_WINDOW_DAYS.start(),
                PENDING_WINDOW_DAYS.end()
            ));
        }
        problems
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        wildcard_metadata([&self.key_policy])
    }
}

impl Handle<Key> {
    /// `Ref`: the key ID.
    pub fn key_id(&self) -> Expr {
        self.reference()
    }

    /// `Fn::GetAtt Arn`: the key ARN.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }
}

/// An `AWS::KMS::Alias`: a name for a key.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alias {
    /// The alias, which starts with `alias/`.
    pub alias_name: String,
    /// The key, by ID or ARN.
    pub target_key_id: Expr,
}

impl Resource for Alias {
    fn resource_type(&self) -> &str {
        "AWS::KMS::Alias"
    }

    fn problems(&self) -> Vec<String> {
        let name = self.alias_name.as_str();
        let valid = name.strip_prefix("alias/").is_some_and(|rest| {
            !rest.is_empty()
                && !rest.starts_with("aws/")
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/_-".contains(c))
        }) && name.len() <= 256;
        if valid {
            Vec::new()
        } else {
            vec![format!(
                "AliasName `{name}` is invalid; use `alias/` and then ASCII letters, digits and \
                 `/_-`, not `alias/aws/`, at most 256 characters"
            )]
        }
    }
}
