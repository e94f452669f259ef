//! Resource attributes: the keys of a resource entry beside `Type` and `Properties`.
//!
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-product-attribute-reference.html>

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

use crate::name::{ConditionName, LogicalId};
use crate::resource::Handle;

/// The action that CloudFormation takes on a physical resource when its resource leaves the
/// stack (`DeletionPolicy`) or is replaced (`UpdateReplacePolicy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Policy {
    /// Deletes the physical resource.
    Delete,
    /// Keeps the physical resource outside the stack.
    Retain,
    /// Keeps it unless the whole stack is deleted, so a failed create rolls back cleanly.
    RetainExceptOnDelete,
    /// Takes a final snapshot, for resources that support snapshots.
    Snapshot,
}

/// The attributes of one resource entry. Every field is optional.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResourceAttributes {
    pub(crate) depends_on: BTreeSet<LogicalId>,
    pub(crate) deletion_policy: Option<Policy>,
    pub(crate) update_replace_policy: Option<Policy>,
    pub(crate) metadata: BTreeMap<String, Value>,
    pub(crate) condition: Option<ConditionName>,
}

impl ResourceAttributes {
    /// Builds an empty set of attributes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `DependsOn` on a resource. Use it only where no `Ref` or `Fn::GetAtt` already orders
    /// the two resources.
    pub fn depends_on<R>(mut self, resource: &Handle<R>) -> Self {
        self.depends_on.insert(resource.logical_id().clone());
        self
    }

    /// Adds `DependsOn` on a resource by logical ID, for resources without a typed handle.
    pub fn depends_on_id(mut self, logical_id: LogicalId) -> Self {
        self.depends_on.insert(logical_id);
        self
    }

    /// Sets `DeletionPolicy`.
    pub fn deletion_policy(mut self, policy: Policy) -> Self {
        self.deletion_policy = Some(policy);
        self
    }

    /// Sets `UpdateReplacePolicy`.
    pub fn update_replace_policy(mut self, policy: Policy) -> Self {
        self.update_replace_policy = Some(policy);
        self
    }

    /// Sets both `DeletionPolicy` and `UpdateReplacePolicy`, which protects the data whether the
    /// resource is deleted or replaced.
    pub fn retention(self, policy: Policy) -> Self {
        self.deletion_policy(policy).update_replace_policy(policy)
    }

    /// Sets one `Metadata` key.
    pub fn metadata(mut self, key: impl Into<String>, value: Value) -> Self {
        self.metadata.insert(key.into(), value);
        self
    }

    /// Sets one `Metadata` key, merging the two when both values are objects.
    pub(crate) fn merge_metadata(&mut self, key: String, value: Value) {
        match (self.metadata.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(added)) => {
                for (inner_key, inner_value) in added {
                    existing.entry(inner_key).or_insert(inner_value);
                }
            }
            (Some(_), _) => {}
            (None, value) => {
                self.metadata.insert(key, value);
            }
        }
    }

    /// Returns the `Metadata` entries.
    pub(crate) fn metadata_entries(&self) -> &BTreeMap<String, Value> {
        &self.metadata
    }

    /// Suppresses a cfn-lint rule for this resource, recording the reason beside it in
    /// `Metadata`, where cfn-lint reads `cfn-lint.config.ignore_checks`.
    pub fn suppress_lint_rule(mut self, rule: &str, reason: &str) -> Self {
        let entry = self
            .metadata
            .entry("cfn-lint".to_owned())
            .or_insert_with(|| json!({"config": {"ignore_checks": []}}));
        if let Some(rules) = entry["config"]["ignore_checks"].as_array_mut() {
            rules.push(Value::from(rule));
        }
        let reasons = self
            .metadata
            .entry("LintSuppressionReasons".to_owned())
            .or_insert_with(|| json!({}));
        if let Some(reasons) = reasons.as_object_mut() {
            reasons.insert(rule.to_owned(), Value::from(reason));
        }
        self
    }

    /// Suppresses a checkov check for this resource, recording the reason beside it in
    /// `Metadata`, where checkov reads `checkov.skip`.
    pub fn suppress_checkov(mut self, check: &str, reason: &str) -> Self {
        let entry = self
            .metadata
            .entry("checkov".to_owned())
            .or_insert_with(|| json!({"skip": []}));
        if let Some(skips) = entry["skip"].as_array_mut() {
            skips.push(json!({"id": check, "comment": reason}));
        }
        self
    }

    /// Sets `Condition`: the resource exists only when the condition is true.
    pub fn condition(mut self, condition: &ConditionName) -> Self {
        self.condition = Some(condition.clone());
        self
    }

    /// Returns the `DependsOn` targets.
    pub fn dependencies(&self) -> impl Iterator<Item = &LogicalId> {
        self.depends_on.iter()
    }

    /// Returns the condition that guards the resource, if any.
    pub fn condition_name(&self) -> Option<&ConditionName> {
        self.condition.as_ref()
    }

    /// Writes the attributes into a resource entry beside `Type` and `Properties`.
    pub(crate) fn write_into(&self, entry: &mut serde_json::Map<String, Value>) {
        if !self.depends_on.is_empty() {
            let ids = self.depends_on.iter().map(|id| Value::from(id.as_str()));
            entry.insert("DependsOn".into(), Value::Array(ids.collect()));
        }
        if let Some(policy) = self.deletion_policy {
            entry.insert("DeletionPolicy".into(), json!(policy));
        }
        if let Some(policy) = self.update_replace_policy {
            entry.insert("UpdateReplacePolicy".into(), json!(policy));
        }
        if !self.metadata.is_empty() {
            entry.insert("Metadata".into(), json!(self.metadata));
        }
        if let Some(condition) = &self.condition {
            entry.insert("Condition".into(), Value::from(condition.as_str()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(attributes: &ResourceAttributes) -> Value {
        let mut entry = serde_json::Map::new();
        attributes.write_into(&mut entry);
        Value::Object(entry)
    }

    #[test]
    fn empty_attributes_write_nothing() {
        assert_eq!(written(&ResourceAttributes::new()), json!({}));
    }

    #[test]
    fn depends_on_is_sorted_list() {
        let attributes = ResourceAttributes::new()
            .depends_on_id(LogicalId::new("Zeta").unwrap())
            .depends_on_id(LogicalId::new("Alpha").unwrap());
        assert_eq!(
            written(&attributes),
            json!({"DependsOn": ["Alpha", "Zeta"]})
        );
    }

    #[test]
    fn deletion_policy_values() {
        for (policy, name) in [
            (Policy::Delete, "Delete"),
            (Policy::Retain, "Retain"),
            (Policy::RetainExceptOnDelete, "RetainExceptOnDelete"),
            (Policy::Snapshot, "Snapshot"),
        ] {
            let attributes = ResourceAttributes::new().deletion_policy(policy);
            assert_eq!(written(&attributes), json!({"DeletionPolicy": name}));
        }
    }

    #[test]
    fn update_replace_policy() {
        let attributes = ResourceAttributes::new().update_replace_policy(Policy::Snapshot);
        assert_eq!(
            written(&attributes),
            json!({"UpdateReplacePolicy": "Snapshot"})
        );
    }

    #[test]
    fn retention_sets_both_policies() {
        let attributes = ResourceAttributes::new().retention(Policy::Retain);
        assert_eq!(
            written(&attributes),
            json!({"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
        );
    }

    #[test]
    fn metadata_key() {
        let attributes = ResourceAttributes::new().metadata("Owner", json!("identity"));
        assert_eq!(
            written(&attributes),
            json!({"Metadata": {"Owner": "identity"}})
        );
    }

    #[test]
    fn lint_suppression_records_rule_and_reason() {
        let attributes = ResourceAttributes::new()
            .suppress_lint_rule("W3005", "first reason")
            .suppress_lint_rule("W1001", "second reason");
        assert_eq!(
            written(&attributes),
            json!({"Metadata": {
                "cfn-lint": {"config": {"ignore_checks": ["W3005", "W1001"]}},
                "LintSuppressionReasons": {"W1001": "second reason", "W3005": "first reason"}
            }})
        );
    }

    #[test]
    fn checkov_suppression_records_check_and_reason() {
        let attributes = ResourceAttributes::new()
            .suppress_checkov("CKV_AWS_116", "synchronous only")
            .suppress_checkov("CKV_AWS_117", "no VPC needed");
        assert_eq!(
            written(&attributes),
            json!({"Metadata": {"checkov": {"skip": [
                {"id": "CKV_AWS_116", "comment": "synchronous only"},
                {"id": "CKV_AWS_117", "comment": "no VPC needed"}
            ]}}})
        );
    }

    #[test]
    fn condition_attribute() {
        let condition = ConditionName::new("AlarmsEnabled").unwrap();
        let attributes = ResourceAttributes::new().condition(&condition);
        assert_eq!(written(&attributes), json!({"Condition": "AlarmsEnabled"}));
        assert_eq!(attributes.condition_name(), Some(&condition));
    }
}
