//! The bootstrap stack, deployed once per account and Region: the artifact bucket that deploys
//! upload the function's zip to, and the account's API Gateway CloudWatch role, without which a
//! stage with access logging fails to deploy.

use synth::policy::{ConditionOperator, PolicyDocument, Principal, Statement};
use synth::resources::api_gateway::Account;
use synth::resources::iam::Role;
use synth::resources::s3::{
    AbortIncompleteMultipartUpload, Bucket, BucketEncryption, BucketPolicy, LifecycleConfiguration,
    LifecycleRule, NoncurrentVersionExpiration, ObjectOwnership, OwnershipControls,
    OwnershipControlsRule, PublicAccessBlockConfiguration, RuleStatus,
    ServerSideEncryptionByDefault, ServerSideEncryptionRule, SseAlgorithm, VersioningConfiguration,
    VersioningStatus,
};
use synth::{Expr, Output, Policy, ResourceAttributes, Template, arn};

/// The output that names the artifact bucket.
pub const ARTIFACT_BUCKET_OUTPUT: &str = "ArtifactBucketName";
/// Days that an overwritten or deleted artifact version is kept.
const NONCURRENT_VERSION_DAYS: u32 = 30;
/// Days after which an unfinished multipart upload is removed.
const INCOMPLETE_UPLOAD_DAYS: u32 = 7;

/// Builds the bootstrap template.
pub fn build() -> Result<Template, synth::Error> {
    let mut template = Template::new(
        "Auth service bootstrap, once per account and Region: the artifact bucket for function \
         code and API Gateway's CloudWatch Logs role",
    );

    // Artifact keys are content hashes, so a current artifact is never replaced and the stacks
    // that use it can always roll back to it. Only noncurrent versions expire.
    let bucket = Bucket {
        bucket_encryption: Some(BucketEncryption {
            server_side_encryption_configuration: vec![ServerSideEncryptionRule {
                server_side_encryption_by_default: ServerSideEncryptionByDefault {
                    sse_algorithm: SseAlgorithm::Aes256,
                    kms_master_key_id: None,
                },
                bucket_key_enabled: None,
            }],
        }),
        versioning_configuration: Some(VersioningConfiguration {
            status: VersioningStatus::Enabled,
        }),
        public_access_block_configuration: Some(PublicAccessBlockConfiguration::all_blocked()),
        lifecycle_configuration: Some(LifecycleConfiguration {
            rules: vec![LifecycleRule {
                id: "ExpireOldArtifactVersions".to_owned(),
                status: RuleStatus::Enabled,
                prefix: None,
                expiration_in_days: None,
                expired_object_delete_marker: Some(true),
                noncurrent_version_expiration: Some(NoncurrentVersionExpiration {
                    noncurrent_days: NONCURRENT_VERSION_DAYS,
                }),
                abort_incomplete_multipart_upload: Some(AbortIncompleteMultipartUpload {
                    days_after_initiation: INCOMPLETE_UPLOAD_DAYS,
                }),
            }],
        }),
        ownership_controls: Some(OwnershipControls {
            rules: vec![OwnershipControlsRule {
                object_ownership: ObjectOwnership::BucketOwnerEnforced,
            }],
        }),
        ..Bucket::default()
    };
    // Deployed stacks need their artifacts to roll back, so the bucket outlives the stack.
    let attributes = ResourceAttributes::new()
        .retention(Policy::Retain)
        .suppress_checkov(
            "CKV_AWS_18",
            "The bucket holds only function zips that deploys write. CloudTrail records its API \
             calls, and a bucket for its access logs would need the same exemption.",
        );
    let bucket = template.add_with("ArtifactBucket", bucket, attributes)?;

    let tls_only = PolicyDocument::new([Statement::deny()
        .sid("DenyInsecureTransport")
        .principal(Principal::Everyone)
        .actions(["s3:*"])
        .resources([bucket.arn(), arn::s3_objects(bucket.name())])
        .condition(
            ConditionOperator::Bool,
            "aws:SecureTransport",
            [Expr::from("false")],
        )]);
    template.add(
        "ArtifactBucketPolicy",
        BucketPolicy {
            bucket: bucket.name(),
            policy_document: tls_only,
        },
    )?;

    let trust = PolicyDocument::new([Statement::allow()
        .principal(Principal::service("apigateway.amazonaws.com"))
        .actions(["sts:AssumeRole"])]);
    let mut role = Role::new(trust);
    role.description =
        Some("Lets API Gateway write access and execution logs to CloudWatch Logs".to_owned());
    role.managed_policy_arns = vec![arn::aws_managed_policy(
        "service-role/AmazonAPIGatewayPushToCloudWatchLogs",
    )];
    let role = template.add("ApiGatewayCloudWatchRole", role)?;
    template.add(
        "ApiGatewayAccount",
        Account {
            cloud_watch_role_arn: role.arn(),
        },
    )?;

    let export = |name: &str| Expr::sub(format!("${{AWS::StackName}}-{name}"));
    template.add_output(
        ARTIFACT_BUCKET_OUTPUT,
        Output::new(bucket.name())
            .description("The bucket that deploys upload the function's zip to")
            .export(export(ARTIFACT_BUCKET_OUTPUT)),
    )?;
    template.add_output(
        "ApiGatewayCloudWatchRoleArn",
        Output::new(role.arn())
            .description("The role that API Gateway writes CloudWatch logs with")
            .export(export("ApiGatewayCloudWatchRoleArn")),
    )?;
    Ok(template)
}
