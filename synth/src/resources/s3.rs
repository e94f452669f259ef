//! `AWS::S3::Bucket` and `AWS::S3::BucketPolicy`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::expr::Expr;
use crate::policy::{PolicyDocument, wildcard_metadata};
use crate::resource::{Handle, Resource};
use crate::resources::Tag;

/// Server-side encryption algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SseAlgorithm {
    /// S3-managed keys (SSE-S3).
    #[serde(rename = "AES256")]
    Aes256,
    /// KMS keys (SSE-KMS).
    #[serde(rename = "aws:kms")]
    Kms,
}

/// The default encryption of new objects.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerSideEncryptionByDefault {
    /// The algorithm.
    #[serde(rename = "SSEAlgorithm")]
    pub sse_algorithm: SseAlgorithm,
    /// The KMS key, with `aws:kms`.
    #[serde(rename = "KMSMasterKeyID", skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Expr>,
}

/// One encryption rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerSideEncryptionRule {
    /// The default encryption.
    pub server_side_encryption_by_default: ServerSideEncryptionByDefault,
    /// Whether an S3 Bucket Key reduces KMS requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_key_enabled: Option<bool>,
}

/// The bucket's default encryption.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketEncryption {
    /// One rule.
    pub server_side_encryption_configuration: Vec<ServerSideEncryptionRule>,
}

/// Whether the bucket keeps object versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum VersioningStatus {
    /// Keeps every version.
    Enabled,
    /// Stops creating versions, keeping the existing ones.
    Suspended,
}

/// The versioning configuration.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VersioningConfiguration {
    /// The status.
    pub status: VersioningStatus,
}

/// The public access block: four switches that each stop a kind of public access.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PublicAccessBlockConfiguration {
    /// Rejects new public ACLs.
    pub block_public_acls: bool,
    /// Rejects bucket policies that grant public access.
    pub block_public_policy: bool,
    /// Ignores existing public ACLs.
    pub ignore_public_acls: bool,
    /// Limits a public policy to AWS services and the bucket owner's account.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlockConfiguration {
    /// Turns on every switch.
    pub fn all_blocked() -> Self {
        Self {
            block_public_acls: true,
            block_public_policy: true,
            ignore_public_acls: true,
            restrict_public_buckets: true,
        }
    }
}

/// Whether a lifecycle rule is in effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RuleStatus {
    /// In effect.
    Enabled,
    /// Not in effect.
    Disabled,
}

/// Expiry of noncurrent object versions.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NoncurrentVersionExpiration {
    /// Days after a version becomes noncurrent.
    pub noncurrent_days: u32,
}

/// Clean-up of multipart uploads that were never completed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AbortIncompleteMultipartUpload {
    /// Days after the upload started.
    pub days_after_initiation: u32,
}

/// One lifecycle rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleRule {
    /// The rule ID.
    pub id: String,
    /// Whether the rule is in effect.
    pub status: RuleStatus,
    /// The key prefix the rule applies to; absent applies it to every object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Days after creation when current versions expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_in_days: Option<u32>,
    /// Whether delete markers without versions behind them are removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_object_delete_marker: Option<bool>,
    /// Expiry of noncurrent versions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noncurrent_version_expiration: Option<NoncurrentVersionExpiration>,
    /// Clean-up of incomplete multipart uploads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub abort_incomplete_multipart_upload: Option<AbortIncompleteMultipartUpload>,
}

/// The lifecycle configuration.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleConfiguration {
    /// The rules.
    pub rules: Vec<LifecycleRule>,
}

/// The owner of uploaded objects, which also decides whether ACLs apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ObjectOwnership {
    /// The bucket owner owns every object and ACLs are disabled.
    BucketOwnerEnforced,
    /// The bucket owner owns objects uploaded with `bucket-owner-full-control`.
    BucketOwnerPreferred,
}

/// One ownership rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControlsRule {
    /// The object ownership setting.
    pub object_ownership: ObjectOwnership,
}

/// The ownership controls.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OwnershipControls {
    /// One rule.
    pub rules: Vec<OwnershipControlsRule>,
}

/// An `AWS::S3::Bucket`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Bucket {
    /// The bucket name, global to the partition; CloudFormation generates one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_name: Option<Expr>,
    /// Default encryption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_encryption: Option<BucketEncryption>,
    /// Versioning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versioning_configuration: Option<VersioningConfiguration>,
    /// The public access block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_access_block_configuration: Option<PublicAccessBlockConfiguration>,
    /// Lifecycle rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle_configuration: Option<LifecycleConfiguration>,
    /// Ownership controls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ownership_controls: Option<OwnershipControls>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Resource for Bucket {
    fn resource_type(&self) -> &str {
        "AWS::S3::Bucket"
    }

    fn problems(&self) -> Vec<String> {
        let Some(name) = self.bucket_name.as_ref().and_then(Expr::as_literal) else {
            return Vec::new();
        };
        let valid_characters = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        let valid_ends = name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name.ends_with(|c: char| c.is_ascii_alphanumeric());
        if (3..=63).contains(&name.len()) && valid_characters && valid_ends {
            Vec::new()
        } else {
            vec![format!(
                "BucketName `{name}` is invalid; use 3 to 63 lowercase letters, digits, `-` and \
                 `.`, starting and ending with a letter or digit"
            )]
        }
    }
}

impl Handle<Bucket> {
    /// `Ref`: the bucket name.
    pub fn name(&self) -> Expr {
        self.reference()
    }

    /// `Fn::GetAtt Arn`: the bucket ARN.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }
}

/// An `AWS::S3::BucketPolicy`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct BucketPolicy {
    /// The bucket name.
    pub bucket: Expr,
    /// The policy.
    pub policy_document: PolicyDocument,
}

impl Resource for BucketPolicy {
    fn resource_type(&self) -> &str {
        "AWS::S3::BucketPolicy"
    }

    fn problems(&self) -> Vec<String> {
        self.policy_document.problems()
    }

    fn metadata(&self) -> BTreeMap<String, Value> {
        wildcard_metadata([&self.policy_document])
    }
}
