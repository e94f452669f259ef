//! Replacements of stateful resources between two versions of a template: the changes after
//! which CloudFormation creates a new table, secret or bucket and deletes or orphans the old
//! one with its data.
//!
//! Reference: the "Update requires: Replacement" notes of each property in the resource
//! reference, <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-template-resource-type-ref.html>

use serde::Serialize;
use serde_json::Value;

/// The stateful resource types, and the properties whose change replaces the resource. A
/// table's key schema counts as changed when the key attributes or their types change.
pub const REPLACING_PROPERTIES: [(&str, &[&str]); 3] = [
    (
        "AWS::DynamoDB::Table",
        &["TableName", "KeySchema", "LocalSecondaryIndexes"],
    ),
    ("AWS::SecretsManager::Secret", &["Name"]),
    ("AWS::S3::Bucket", &["BucketName"]),
];

/// The reason a stateful resource would be replaced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// A property whose change requires replacement changes.
    Property {
        /// The property name.
        name: String,
        /// The old value, as JSON.
        old: String,
        /// The new value, as JSON.
        new: String,
    },
    /// The logical ID is gone from the new template, so CloudFormation deletes the resource, or
    /// orphans it under a `Retain` policy. A renamed logical ID is a new resource.
    Removed,
    /// The resource type changes, which is a new resource under the same logical ID.
    TypeChanged {
        /// The new type.
        new_type: String,
    },
}

/// A stateful resource that the new template replaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Replacement {
    /// The logical ID in the old template.
    pub logical_id: String,
    /// The old resource type.
    pub resource_type: String,
    /// The reason.
    pub cause: Cause,
}

impl std::fmt::Display for Replacement {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let resource = format!("`{}` ({})", self.logical_id, self.resource_type);
        match &self.cause {
            Cause::Property { name, old, new } => write!(
                formatter,
                "{resource} would be replaced: {name} changes from {old} to {new}"
            ),
            Cause::Removed => write!(
                formatter,
                "{resource} would be replaced: its logical ID is gone from the new template"
            ),
            Cause::TypeChanged { new_type } => write!(
                formatter,
                "{resource} would be replaced: its type changes to {new_type}"
            ),
        }
    }
}

fn replacing_properties(resource_type: &str) -> Option<&'static [&'static str]> {
    REPLACING_PROPERTIES
        .iter()
        .find(|(stateful, _)| *stateful == resource_type)
        .map(|(_, properties)| *properties)
}

/// Returns a table's key as the names, key types and attribute types of its key attributes.
fn table_key(properties: &Value) -> Value {
    let definitions = properties["AttributeDefinitions"].as_array();
    let key: Vec<Value> = properties["KeySchema"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|element| {
            let name = &element["AttributeName"];
            let attribute_type = definitions
                .into_iter()
                .flatten()
                .find(|definition| definition["AttributeName"] == *name)
                .map(|definition| definition["AttributeType"].clone())
                .unwrap_or(Value::Null);
            serde_json::json!([name, element["KeyType"], attribute_type])
        })
        .collect();
    Value::Array(key)
}

fn property_value(resource_type: &str, properties: &Value, name: &str) -> Value {
    if resource_type == "AWS::DynamoDB::Table" && name == "KeySchema" {
        table_key(properties)
    } else {
        properties.get(name).cloned().unwrap_or(Value::Null)
    }
}

/// Lists the stateful resources of `old` that `new` would replace, in logical ID order.
pub fn find(old: &Value, new: &Value) -> Vec<Replacement> {
    let mut found = Vec::new();
    let Some(old_resources) = old["Resources"].as_object() else {
        return found;
    };
    let mut logical_ids: Vec<&String> = old_resources.keys().collect();
    logical_ids.sort();
    for logical_id in logical_ids {
        let old_resource = &old_resources[logical_id];
        let resource_type = old_resource["Type"].as_str().unwrap_or_default();
        let Some(properties) = replacing_properties(resource_type) else {
            continue;
        };
        let replacement = |cause| Replacement {
            logical_id: logical_id.clone(),
            resource_type: resource_type.to_owned(),
            cause,
        };
        let new_resource = &new["Resources"][logical_id.as_str()];
        if new_resource.is_null() {
            found.push(replacement(Cause::Removed));
            continue;
        }
        let new_type = new_resource["Type"].as_str().unwrap_or_default();
        if new_type != resource_type {
            found.push(replacement(Cause::TypeChanged {
                new_type: new_type.to_owned(),
            }));
            continue;
        }
        for name in properties {
            let before = property_value(resource_type, &old_resource["Properties"], name);
            let after = property_value(resource_type, &new_resource["Properties"], name);
            if before != after {
                found.push(replacement(Cause::Property {
                    name: (*name).to_owned(),
                    old: before.to_string(),
                    new: after.to_string(),
                }));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn template(resources: Value) -> Value {
        json!({ "Resources": resources })
    }

    fn table(name: &str, key: &str, key_type: &str) -> Value {
        json!({
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": name,
                "AttributeDefinitions": [{"AttributeName": key, "AttributeType": key_type}],
                "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST"
            }
        })
    }

    #[test]
    fn unchanged_and_in_place_changes_replace_nothing() {
        let old = template(json!({ "Users": table("users", "username", "S") }));
        assert!(find(&old, &old).is_empty());
        let mut new = old.clone();
        new["Resources"]["Users"]["Properties"]["BillingMode"] = json!("PROVISIONED");
        assert!(find(&old, &new).is_empty());
    }

    #[test]
    fn table_name_change_is_named() {
        let old = template(json!({ "Users": table("users", "username", "S") }));
        let new = template(json!({ "Users": table("people", "username", "S") }));
        let found = find(&old, &new);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].to_string(),
            "`Users` (AWS::DynamoDB::Table) would be replaced: TableName changes from \"users\" \
             to \"people\""
        );
    }

    #[test]
    fn key_attribute_or_type_change_replaces_table() {
        let old = template(json!({ "Users": table("users", "username", "S") }));
        for new_table in [
            table("users", "email", "S"),
            table("users", "username", "N"),
        ] {
            let new = template(json!({ "Users": new_table }));
            let found = find(&old, &new);
            assert_eq!(found.len(), 1);
            assert!(matches!(&found[0].cause, Cause::Property { name, .. } if name == "KeySchema"));
        }
    }

    #[test]
    fn renamed_logical_id_is_a_replacement() {
        let old = template(json!({ "Users": table("users", "username", "S") }));
        let new = template(json!({ "UserTable": table("users", "username", "S") }));
        let found = find(&old, &new);
        assert_eq!(found[0].cause, Cause::Removed);
        assert!(
            found[0]
                .to_string()
                .ends_with("its logical ID is gone from the new template")
        );
    }

    #[test]
    fn secret_and_bucket_names() {
        let old = template(json!({
            "Key": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": "a"}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "b"}},
        }));
        let new = template(json!({
            "Key": {"Type": "AWS::SecretsManager::Secret", "Properties": {"Name": "c"}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        }));
        let found: Vec<String> = find(&old, &new)
            .into_iter()
            .map(|replacement| replacement.logical_id)
            .collect();
        assert_eq!(found, ["Bucket", "Key"]);
    }

    #[test]
    fn stateless_resources_are_ignored() {
        let old = template(
            json!({ "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "a"}} }),
        );
        let new = template(json!({}));
        assert!(find(&old, &new).is_empty());
    }

    #[test]
    fn type_change_is_a_replacement() {
        let old = template(json!({ "Thing": {"Type": "AWS::S3::Bucket"} }));
        let new = template(json!({ "Thing": {"Type": "AWS::SNS::Topic"} }));
        assert_eq!(
            find(&old, &new)[0].cause,
            Cause::TypeChanged {
                new_type: "AWS::SNS::Topic".to_owned()
            }
        );
    }
}
