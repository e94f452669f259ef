//! `AWS::SecretsManager::Secret`.

use serde::Serialize;

use crate::expr::Expr;
use crate::resource::{Handle, NameRule, Resource};
use crate::resources::{Tag, is_false};

/// The maximum length of a secret name.
pub const MAX_SECRET_NAME_LENGTH: usize = 512;

/// The rule for secret names.
pub const SECRET_NAME: NameRule = NameRule {
    property: "Name",
    min_length: 1,
    max_length: MAX_SECRET_NAME_LENGTH,
    allowed: |c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c),
    allowed_description: "ASCII letters, digits and `/_+=.@-`",
};

/// The generator of the secret value that Secrets Manager runs when the stack creates the secret.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GenerateSecretString {
    /// The length of the generated string; Secrets Manager defaults to 32.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_length: Option<u32>,
    /// Leaves out punctuation characters.
    #[serde(skip_serializing_if = "is_false")]
    pub exclude_punctuation: bool,
    /// Characters to leave out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude_characters: Option<String>,
    /// Requires at least one character of each included type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_each_included_type: Option<bool>,
    /// A JSON object to put the generated string into.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_string_template: Option<String>,
    /// The key of the generated string in `secret_string_template`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_string_key: Option<String>,
}

/// An `AWS::SecretsManager::Secret`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Secret {
    /// The secret name; CloudFormation generates one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Expr>,
    /// A description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How to generate the initial value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_secret_string: Option<GenerateSecretString>,
    /// The KMS key; absent uses the AWS managed `aws/secretsmanager` key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<Expr>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Resource for Secret {
    fn resource_type(&self) -> &str {
        "AWS::SecretsManager::Secret"
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        SECRET_NAME.check(&mut problems, self.name.as_ref());
        problems
    }
}

impl Handle<Secret> {
    /// `Ref`: the secret ARN.
    pub fn arn(&self) -> Expr {
        self.reference()
    }
}
