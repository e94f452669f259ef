//! `AWS::IAM::Role`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::expr::Expr;
use crate::policy::{PolicyDocument, wildcard_metadata};
use crate::resource::{Handle, NameRule, Resource};
use crate::resources::Tag;

/// The maximum length of a role name.
pub const MAX_ROLE_NAME_LENGTH: usize = 64;

/// The rule for role names.
pub const ROLE_NAME: NameRule = NameRule {
    property: "RoleName",
    min_length: 1,
    max_length: MAX_ROLE_NAME_LENGTH,
    allowed: |c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c),
    allowed_description: "ASCII letters, digits and `+=,.@_-`",
};

/// An inline policy embedded in a role.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    /// The policy name, unique within the role.
    pub policy_name: String,
    /// The permissions.
    pub policy_document: PolicyDocument,
}

/// An `AWS::IAM::Role`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    /// The role name. A named role needs `CAPABILITY_NAMED_IAM` and is global to the account,
    /// so leaving it unset, which lets CloudFormation generate one, is usually better.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_name: Option<Expr>,
    /// A description of the role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The trust policy: who may assume the role.
    pub assume_role_policy_document: PolicyDocument,
    /// Managed policies, by ARN.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub managed_policy_arns: Vec<Expr>,
    /// Inline policies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<InlinePolicy>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Role {
    /// Builds a role with a trust policy and nothing else.
    pub fn new(assume_role_policy_document: PolicyDocument) -> Self {
        Self {
            role_name: None,
            description: None,
            assume_role_policy_document,
            managed_policy_arns: Vec::new(),
            policies: Vec::new(),
            tags: Vec::new(),
        }
    }
}

impl Resource for Role {
    fn resource_type(&self) -> &str {
        "AWS::IAM::Role"
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        ROLE_NAME.check(&mut problems, self.role_name.as_ref());
        for problem in self.assume_role_policy_document.problems() {
            problems.push(format!("AssumeRolePolicyDocument: {problem}"));
        }
        for policy in &self.policies {
            for problem in policy.policy_document.problems() {
                problems.push(format!("policy `{}`: {problem}", policy.policy_name));
            }
        }
        problems
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        let documents = std::iter::once(&self.assume_role_policy_document)
            .chain(self.policies.iter().map(|policy| &policy.policy_document));
        wildcard_metadata(documents)
    }
}

impl Handle<Role> {
    /// `Ref`: the role name.
    pub fn name(&self) -> Expr {
        self.reference()
    }

    /// `Fn::GetAtt Arn`: the role ARN.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }

    /// `Fn::GetAtt RoleId`: the stable unique ID of the role.
    pub fn role_id(&self) -> Expr {
        self.attribute("RoleId")
    }
}
