//! `AWS::DynamoDB::Table`.

use serde::Serialize;

use crate::expr::Expr;
use crate::resource::{Handle, NameRule, Resource};
use crate::resources::Tag;

/// The maximum length of a table name.
pub const MAX_TABLE_NAME_LENGTH: usize = 255;
/// The minimum length of a table name.
pub const MIN_TABLE_NAME_LENGTH: usize = 3;

/// The rule for table names.
pub const TABLE_NAME: NameRule = NameRule {
    property: "TableName",
    min_length: MIN_TABLE_NAME_LENGTH,
    max_length: MAX_TABLE_NAME_LENGTH,
    allowed: |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'),
    allowed_description: "ASCII letters, digits, `_`, `-` and `.`",
};

/// The type of a key attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AttributeType {
    /// String.
    #[serde(rename = "S")]
    String,
    /// Number.
    #[serde(rename = "N")]
    Number,
    /// Binary.
    #[serde(rename = "B")]
    Binary,
}

/// The role of an attribute in the primary key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum KeyType {
    /// The partition key.
    #[serde(rename = "HASH")]
    Hash,
    /// The sort key.
    #[serde(rename = "RANGE")]
    Range,
}

/// The billing mode for reads and writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingMode {
    /// Capacity provisioned in advance.
    Provisioned,
    /// On-demand: billed per request, with no capacity to manage.
    PayPerRequest,
}

/// The storage class of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TableClass {
    /// The default class.
    Standard,
    /// Cheaper storage, dearer requests.
    StandardInfrequentAccess,
}

/// An attribute that a key uses, with its type.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    /// The attribute name.
    pub attribute_name: String,
    /// The attribute type.
    pub attribute_type: AttributeType,
}

/// One element of the primary key.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeySchemaElement {
    /// The attribute name.
    pub attribute_name: String,
    /// Partition or sort key.
    pub key_type: KeyType,
}

/// Encryption at rest.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SseSpecification {
    /// `true` uses a KMS key (the AWS managed `aws/dynamodb` key unless one is named); `false`
    /// uses a key that DynamoDB owns.
    #[serde(rename = "SSEEnabled")]
    pub sse_enabled: bool,
    /// The KMS key, when `sse_enabled` is true and the AWS managed key is not wanted.
    #[serde(rename = "KMSMasterKeyId", skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Expr>,
    /// `KMS` when a key is named.
    #[serde(rename = "SSEType", skip_serializing_if = "Option::is_none")]
    pub sse_type: Option<String>,
}

/// Point-in-time recovery: continuous backups to any second of the retention period.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PointInTimeRecoverySpecification {
    /// Whether continuous backups are on.
    pub point_in_time_recovery_enabled: bool,
}

/// An `AWS::DynamoDB::Table`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Table {
    /// The table name; CloudFormation generates one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_name: Option<Expr>,
    /// The attributes that the key schema uses.
    pub attribute_definitions: Vec<AttributeDefinition>,
    /// The primary key.
    pub key_schema: Vec<KeySchemaElement>,
    /// On-demand or provisioned.
    pub billing_mode: BillingMode,
    /// Encryption at rest.
    #[serde(rename = "SSESpecification", skip_serializing_if = "Option::is_none")]
    pub sse_specification: Option<SseSpecification>,
    /// Continuous backups.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point_in_time_recovery_specification: Option<PointInTimeRecoverySpecification>,
    /// Whether DynamoDB rejects every `DeleteTable` request for the table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_protection_enabled: Option<bool>,
    /// The storage class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_class: Option<TableClass>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Table {
    /// Builds an on-demand table with a string partition key.
    pub fn with_partition_key(attribute_name: &str) -> Self {
        Self {
            table_name: None,
            attribute_definitions: vec![AttributeDefinition {
                attribute_name: attribute_name.to_owned(),
                attribute_type: AttributeType::String,
            }],
            key_schema: vec![KeySchemaElement {
                attribute_name: attribute_name.to_owned(),
                key_type: KeyType::Hash,
            }],
            billing_mode: BillingMode::PayPerRequest,
            sse_specification: None,
            point_in_time_recovery_specification: None,
            deletion_protection_enabled: None,
            table_class: None,
            tags: Vec::new(),
        }
    }
}

impl Resource for Table {
    fn resource_type(&self) -> &str {
        "AWS::DynamoDB::Table"
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        TABLE_NAME.check(&mut problems, self.table_name.as_ref());
        for key in &self.key_schema {
            let defined = self
                .attribute_definitions
                .iter()
                .any(|definition| definition.attribute_name == key.attribute_name);
            if !defined {
                problems.push(format!(
                    "key attribute `{}` is missing from AttributeDefinitions",
                    key.attribute_name
                ));
            }
        }
        let hash_keys = self
            .key_schema
            .iter()
            .filter(|key| key.key_type == KeyType::Hash)
            .count();
        if hash_keys != 1 {
            problems.push(format!(
                "KeySchema has {hash_keys} partition (HASH) keys; it needs exactly one"
            ));
        }
        problems
    }
}

impl Handle<Table> {
    /// `Ref`: the table name.
    pub fn name(&self) -> Expr {
        self.reference()
    }

    /// `Fn::GetAtt Arn`: the table ARN.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }

    /// `Fn::GetAtt StreamArn`: the ARN of the table's stream, when it has one.
    pub fn stream_arn(&self) -> Expr {
        self.attribute("StreamArn")
    }
}
