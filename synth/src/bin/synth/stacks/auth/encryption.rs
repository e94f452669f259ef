//! The environment's own KMS key, when its settings ask for one.

use synth::policy::{ConditionOperator, PolicyDocument, Principal, Statement};
use synth::resources::kms::{Alias, Key};
use synth::{Expr, Handle, ResourceAttributes, Template};

use crate::settings::Settings;
use crate::stacks::retention_policy;

/// The reason that the key policy's statements name `*` as their resource.
const KEY_POLICY_RESOURCE: &str =
    "In a key policy, the resource `*` is the key that the policy is attached to";

/// Adds the key and its alias, or nothing when the environment uses AWS managed keys.
///
/// NOTE: cfn-lint, checkov and moto check this key policy's shape, but none of them evaluates
/// KMS permissions, so a deploy to an AWS account is its first full test.
pub fn add(
    template: &mut Template,
    settings: &Settings,
) -> Result<Option<Handle<Key>>, synth::Error> {
    if !settings.encryption.customer_managed_key {
        return Ok(None);
    }
    let account_root = Expr::sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root");
    let policy = PolicyDocument::new([
        // The default key policy's statement, which lets IAM policies of the account grant
        // the key's use, as the function's role does.
        Statement::allow()
            .sid("AccountAdministration")
            .principal(Principal::Aws(vec![account_root]))
            .actions(["kms:*"])
            .resources(["*".into()])
            .allow_wildcard(
                "The account statement of the default key policy: it delegates the key's use to \
                 IAM policies. In a key policy, the resource `*` is the key itself",
            ),
        Statement::allow()
            .sid("CloudWatchLogs")
            .principal(Principal::service(Expr::sub(
                "logs.${AWS::Region}.${AWS::URLSuffix}",
            )))
            .actions([
                "kms:Decrypt*",
                "kms:Describe*",
                "kms:Encrypt*",
                "kms:GenerateDataKey*",
                "kms:ReEncrypt*",
            ])
            .resources(["*".into()])
            .condition(
                ConditionOperator::ArnLike,
                "kms:EncryptionContext:aws:logs:arn",
                [Expr::sub(
                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*",
                )],
            )
            .allow_wildcard(KEY_POLICY_RESOURCE),
        // CloudWatch publishes alarms to the encrypted topic.
        Statement::allow()
            .sid("CloudWatchAlarms")
            .principal(Principal::service("cloudwatch.amazonaws.com"))
            .actions(["kms:Decrypt", "kms:GenerateDataKey*"])
            .resources(["*".into()])
            .allow_wildcard(KEY_POLICY_RESOURCE),
    ]);
    let key = Key {
        description: Some(format!(
            "Encryption at rest of the {} environment's users, signing key, logs and alarms",
            settings.environment
        )),
        enable_key_rotation: true,
        key_policy: policy,
        pending_window_in_days: Some(30),
        // NOTE: moto 5.2.5 fails on a key's CloudFormation Tags (it reads KMS's TagKey field),
        // so the key carries only the tags that `aws cloudformation deploy --tags` gives every
        // resource of the stack.
        tags: Vec::new(),
    };
    let key = template.add_with(
        "EncryptionKey",
        key,
        ResourceAttributes::new().retention(retention_policy(settings)),
    )?;
    template.add(
        "EncryptionKeyAlias",
        Alias {
            alias_name: format!("alias/{}", settings.stack_name),
            target_key_id: key.key_id(),
        },
    )?;
    Ok(Some(key))
}
