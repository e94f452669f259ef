//! This service's stacks, built from settings with the typed model.

pub mod auth;
pub mod bootstrap;
pub mod routes;

use synth::Policy;
use synth::resources::Tag;

use crate::settings::Settings;

/// Builds the tags that every taggable resource of an environment's stack carries.
fn resource_tags(settings: &Settings) -> Vec<Tag> {
    Tag::list(
        settings
            .tags
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str())),
    )
}

/// Returns the `DeletionPolicy` and `UpdateReplacePolicy` of the stack's data: the table, the
/// signing-key secret and the log groups. Retained resources survive a stack delete and a
/// replacing update, so no deploy can lose the users, invalidate every issued token or drop the
/// logs. Other environments delete them with the stack.
fn retention_policy(settings: &Settings) -> Policy {
    if settings.table.retain {
        Policy::Retain
    } else {
        Policy::Delete
    }
}
