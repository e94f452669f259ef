//! The users table and the signing-key secret: the stack's data.

use synth::resources::Tag;
use synth::resources::dynamodb::{PointInTimeRecoverySpecification, SseSpecification, Table};
use synth::resources::kms::Key;
use synth::resources::secrets_manager::{GenerateSecretString, Secret};
use synth::{Handle, ResourceAttributes, Template};

use super::checks;
use crate::settings::Settings;
use crate::stacks::retention_policy;

/// The logical ID of the users table.
pub const TABLE_ID: &str = "UsersTable";
/// The logical ID of the signing-key secret.
pub const SECRET_ID: &str = "SigningKeySecret";
/// The table's partition key: the canonical username.
pub const PARTITION_KEY: &str = "username";
/// The length of the generated secret. The service derives Ed25519 keys from it with
/// HKDF-SHA256, and 64 alphanumeric characters carry about 380 bits of entropy.
const SECRET_LENGTH: u32 = 64;

/// Handles on the stack's stateful resources.
pub struct Storage {
    pub table: Handle<Table>,
    pub secret: Handle<Secret>,
}

/// Adds the users table and the signing-key secret.
pub fn add(
    template: &mut Template,
    settings: &Settings,
    tags: &[Tag],
    key: Option<&Handle<Key>>,
) -> Result<Storage, synth::Error> {
    let policy = retention_policy(settings);

    let mut table = Table::with_partition_key(PARTITION_KEY);
    table.table_name = Some(settings.table.name.as_str().into());
    table.sse_specification = Some(SseSpecification {
        sse_enabled: true,
        kms_master_key_id: key.map(Handle::<Key>::arn),
        sse_type: key.map(|_| "KMS".to_owned()),
    });
    table.point_in_time_recovery_specification = Some(PointInTimeRecoverySpecification {
        point_in_time_recovery_enabled: settings.table.point_in_time_recovery,
    });
    table.deletion_protection_enabled = Some(settings.table.deletion_protection);
    table.tags = tags.to_vec();
    let mut attributes = ResourceAttributes::new().retention(policy);
    if key.is_none() {
        attributes = checks::without_key(attributes, "CKV_AWS_119");
    }
    if !settings.table.point_in_time_recovery {
        attributes = checks::without_recovery(attributes);
    }
    let table = template.add_with(TABLE_ID, table, attributes)?;

    let secret = Secret {
        name: Some(settings.signing_key.secret_name.as_str().into()),
        description: Some(format!(
            "Key material for the {} environment's token signing keys. Changing the value \
             changes the keys; the previous version stays published until the next change.",
            settings.environment
        )),
        generate_secret_string: Some(GenerateSecretString {
            password_length: Some(SECRET_LENGTH),
            exclude_punctuation: true,
            ..GenerateSecretString::default()
        }),
        kms_key_id: key.map(Handle::<Key>::arn),
        tags: tags.to_vec(),
    };
    let mut attributes = ResourceAttributes::new().retention(policy);
    if key.is_none() {
        attributes = checks::without_key(attributes, "CKV_AWS_149");
    }
    let secret = template.add_with(SECRET_ID, secret, attributes)?;

    Ok(Storage { table, secret })
}
