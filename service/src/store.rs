//! The users table in DynamoDB. Every write is conditional, so no request can overwrite or
//! delete a record that another request created or changed.

use std::collections::HashMap;
use std::fmt;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

use crate::username::Username;

/// The partition key: the canonical username.
pub const USERNAME: &str = "username";
/// The random ID of the record, which a new user of the same name does not share.
pub const USER_ID: &str = "user_id";
/// The PHC string of the password hash.
pub const PASSWORD_HASH: &str = "password_hash";
/// When the user was created, in RFC 3339.
pub const CREATED_AT: &str = "created_at";

/// Error codes with which DynamoDB tells the caller to slow down.
const THROTTLING_CODES: [&str; 3] = [
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ThrottlingException",
];

/// A stored user.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The canonical username.
    pub username: Username,
    /// The record's random ID.
    pub user_id: String,
    /// The PHC string of the password hash.
    pub password_hash: String,
    /// When the user was created, in RFC 3339.
    pub created_at: String,
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("UserRecord")
            .field("username", &self.username)
            .field("user_id", &self.user_id)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A failure of a table operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The write's condition failed: the record exists (on create), or is gone or changed (on
    /// delete and update).
    #[error("the condition of the write failed")]
    ConditionFailed,
    /// DynamoDB throttled the request after the SDK's retries.
    #[error("DynamoDB throttled the request: {0}")]
    Throttled(String),
    /// Any other failure, with the SDK's detail for the log.
    #[error("DynamoDB request failed: {0}")]
    Service(String),
}

fn classify<E, R>(error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let code = error
        .as_service_error()
        .and_then(ProvideErrorMetadata::code);
    match code {
        Some("ConditionalCheckFailedException") => StoreError::ConditionFailed,
        Some(code) if THROTTLING_CODES.contains(&code) => {
            StoreError::Throttled(DisplayErrorContext(&error).to_string())
        }
        _ => StoreError::Service(DisplayErrorContext(&error).to_string()),
    }
}

fn string(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

fn names<const N: usize>(attributes: [&str; N]) -> HashMap<String, String> {
    attributes
        .into_iter()
        .map(|attribute| (format!("#{attribute}"), attribute.to_owned()))
        .collect()
}

/// The users table.
#[derive(Clone, Debug)]
pub struct UserStore {
    client: Client,
    table: String,
}

impl UserStore {
    /// Builds a store on a table.
    pub fn new(client: Client, table: String) -> UserStore {
        UserStore { client, table }
    }

    /// Creates a user, unless one with the same username exists
    /// ([`StoreError::ConditionFailed`]).
    pub async fn create(&self, record: &UserRecord) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(USERNAME, string(record.username.as_str()))
            .item(USER_ID, string(&record.user_id))
            .item(PASSWORD_HASH, string(&record.password_hash))
            .item(CREATED_AT, string(&record.created_at))
            .condition_expression("attribute_not_exists(#username)")
            .set_expression_attribute_names(Some(names([USERNAME])))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Reads a user with a strongly consistent read.
    pub async fn get(&self, username: &Username) -> Result<Option<UserRecord>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(USERNAME, string(username.as_str()))
            .consistent_read(true)
            .projection_expression("#user_id, #password_hash, #created_at")
            .set_expression_attribute_names(Some(names([USER_ID, PASSWORD_HASH, CREATED_AT])))
            .send()
            .await
            .map_err(classify)?;
        let Some(item) = output.item else {
            return Ok(None);
        };
        let attribute = |name: &str| match item.get(name) {
            Some(AttributeValue::S(value)) => Ok(value.clone()),
            _ => Err(StoreError::Service(format!(
                "the record of user `{username}` has no string attribute `{name}`"
            ))),
        };
        Ok(Some(UserRecord {
            username: username.clone(),
            user_id: attribute(USER_ID)?,
            password_hash: attribute(PASSWORD_HASH)?,
            created_at: attribute(CREATED_AT)?,
        }))
    }

    /// Deletes a user if the record exists and still has the given ID, so a token of a
    /// deleted user cannot delete a new user of the same name. Otherwise fails with
    /// [`StoreError::ConditionFailed`].
    pub async fn delete(&self, username: &Username, user_id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(USERNAME, string(username.as_str()))
            .condition_expression("attribute_exists(#username) AND #user_id = :user_id")
            .set_expression_attribute_names(Some(names([USERNAME, USER_ID])))
            .expression_attribute_values(":user_id", string(user_id))
            .send()
            .await
            .map_err(classify)?;
        Ok(())
    }

    /// Replaces a password hash if the record still has the old one. Returns whether it did:
    /// `false` means another request changed or deleted the record first.
    pub async fn replace_password_hash(
        &self,
        username: &Username,
        old_hash: &str,
        new_hash: &str,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(USERNAME, string(username.as_str()))
            .update_expression("SET #password_hash = :new_hash")
            .condition_expression("#password_hash = :old_hash")
            .set_expression_attribute_names(Some(names([PASSWORD_HASH])))
            .expression_attribute_values(":new_hash", string(new_hash))
            .expression_attribute_values(":old_hash", string(old_hash))
            .send()
            .await;
        match result.map_err(classify) {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
    use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::retry::RetryConfig;

    use super::*;

    /// Builds DynamoDB's JSON error response of a given type.
    fn error_event(status: u16, error_type: &str) -> ReplayEvent {
        let request = http::Request::builder()
            .uri("https://dynamodb.us-east-1.amazonaws.com/")
            .body(SdkBody::empty())
            .unwrap();
        let body = format!(
            r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error_type}","message":"test"}}"#
        );
        let response = http::Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .body(SdkBody::from(body))
            .unwrap();
        ReplayEvent::new(request, response)
    }

    fn store(events: Vec<ReplayEvent>) -> UserStore {
        store_with(StaticReplayClient::new(events))
    }

    fn store_with(http: StaticReplayClient) -> UserStore {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::for_tests())
            .http_client(http)
            .retry_config(RetryConfig::disabled())
            .build();
        UserStore::new(Client::from_conf(config), "users".to_owned())
    }

    /// Returns the JSON bodies of the requests that the store sent.
    fn sent_bodies(http: &StaticReplayClient) -> Vec<serde_json::Value> {
        http.actual_requests()
            .map(|request| serde_json::from_slice(request.body().bytes().unwrap()).unwrap())
            .collect()
    }

    #[tokio::test]
    async fn reads_are_consistent() {
        let http = StaticReplayClient::new(vec![error_event(400, "ResourceNotFoundException")]);
        let _ = store_with(http.clone()).get(&alice()).await;
        let bodies = sent_bodies(&http);
        assert_eq!(bodies[0]["ConsistentRead"], true);
    }

    #[tokio::test]
    async fn writes_are_conditional() {
        let http = StaticReplayClient::new(vec![
            error_event(400, "ConditionalCheckFailedException"),
            error_event(400, "ConditionalCheckFailedException"),
            error_event(400, "ConditionalCheckFailedException"),
        ]);
        let store = store_with(http.clone());
        let record = UserRecord {
            username: alice(),
            user_id: "id".to_owned(),
            password_hash: "hash".to_owned(),
            created_at: "2026-12-04T00:00:00Z".to_owned(),
        };
        let _ = store.create(&record).await;
        let _ = store.delete(&alice(), "id").await;
        let _ = store.replace_password_hash(&alice(), "old", "new").await;
        let bodies = sent_bodies(&http);
        assert_eq!(
            bodies[0]["ConditionExpression"],
            "attribute_not_exists(#username)"
        );
        assert_eq!(
            bodies[1]["ConditionExpression"],
            "attribute_exists(#username) AND #user_id = :user_id"
        );
        assert_eq!(
            bodies[1]["ExpressionAttributeValues"][":user_id"]["S"],
            "id"
        );
        assert_eq!(
            bodies[2]["ConditionExpression"],
            "#password_hash = :old_hash"
        );
        assert_eq!(
            bodies[2]["ExpressionAttributeValues"][":old_hash"]["S"],
            "old"
        );
        for body in &bodies {
            assert!(body["ExpressionAttributeNames"].is_object(), "{body}");
        }
    }

    fn alice() -> Username {
        Username::parse("alice").unwrap()
    }

    #[tokio::test]
    async fn throttling_is_classified() {
        for error_type in THROTTLING_CODES {
            let store = store(vec![error_event(400, error_type)]);
            let result = store.get(&alice()).await;
            assert!(
                matches!(result, Err(StoreError::Throttled(_))),
                "{error_type}: {result:?}"
            );
        }
    }

    #[tokio::test]
    async fn failed_condition_is_classified() {
        let store = store(vec![error_event(400, "ConditionalCheckFailedException")]);
        let result = store.delete(&alice(), "id").await;
        assert!(
            matches!(result, Err(StoreError::ConditionFailed)),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn replace_with_failed_condition_is_false() {
        let store = store(vec![error_event(400, "ConditionalCheckFailedException")]);
        let result = store.replace_password_hash(&alice(), "old", "new").await;
        assert!(matches!(result, Ok(false)), "{result:?}");
    }

    #[tokio::test]
    async fn other_failures_keep_the_detail() {
        let store = store(vec![error_event(500, "InternalServerError")]);
        let Err(StoreError::Service(detail)) = store.get(&alice()).await else {
            panic!("expected a service error");
        };
        assert!(detail.contains("InternalServerError"), "{detail}");
    }
}
