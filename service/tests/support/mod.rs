//! Shared setup for tests against moto's server: clients, a fresh table and secret per test,
//! the app, and API Gateway event fixtures.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    dead_code,
    reason = "test helpers panic on failure, and not every test binary uses every helper"
)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use service::key_store::KeyStore;
use service::password::PasswordHasher;
use service::state::AppState;
use service::store::{USERNAME, UserStore};
use service::tokens::TokenIssuer;
use tower::ServiceExt;

/// The issuer of test tokens.
pub const ISSUER: &str = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod";
/// The audience of test tokens.
pub const AUDIENCE: &str = "auth-test";
/// A password that the policy accepts.
pub const PASSWORD: &str = "correct horse battery staple";
/// The secret value that test keys derive from.
pub const SECRET_VALUE: &str = "k8Jq2vX9mN4pR7tW1zC6bF3hL5sD0gA8eY2uI9oP4aS7dF1gH6jK3lZ5xC8vB0nM";

/// Returns the endpoint of the moto server that `scripts/with-moto.sh` started.
pub fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT").expect(
        "MOTO_ENDPOINT is not set: these tests need moto's server; run them with \
         `./just test` or `scripts/with-moto.sh cargo test -p service`",
    )
}

/// Builds an SDK configuration for moto: its endpoint, a fixed Region and test credentials.
pub fn sdk_config() -> SdkConfig {
    let credentials =
        aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "tests");
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .credentials_provider(aws_sdk_dynamodb::config::SharedCredentialsProvider::new(
            credentials,
        ))
        .build()
}

/// Returns a name that no other test uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Creates a users table with the key that the stack defines.
pub async fn create_table(sdk: &SdkConfig) -> String {
    let name = unique("users");
    aws_sdk_dynamodb::Client::new(sdk)
        .create_table()
        .table_name(&name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(USERNAME)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(USERNAME)
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    name
}

/// Creates a secret and returns its ARN.
pub async fn create_secret(sdk: &SdkConfig, value: &str) -> String {
    aws_sdk_secretsmanager::Client::new(sdk)
        .create_secret()
        .name(unique("signing-key"))
        .secret_string(value)
        .send()
        .await
        .unwrap()
        .arn
        .unwrap()
}

/// The resources of one test.
pub struct TestEnvironment {
    pub sdk: SdkConfig,
    pub table: String,
    pub secret: String,
}

impl TestEnvironment {
    /// Creates a fresh table and secret.
    pub async fn new() -> TestEnvironment {
        let sdk = sdk_config();
        let table = create_table(&sdk).await;
        let secret = create_secret(&sdk, SECRET_VALUE).await;
        TestEnvironment { sdk, table, secret }
    }

    /// Builds the app's state with the given PBKDF2 iteration count.
    pub async fn state(&self, iterations: u32) -> Arc<AppState> {
        let keys = KeyStore::load(
            aws_sdk_secretsmanager::Client::new(&self.sdk),
            self.secret.clone(),
        )
        .await
        .unwrap();
        Arc::new(AppState {
            store: UserStore::new(aws_sdk_dynamodb::Client::new(&self.sdk), self.table.clone()),
            keys,
            hasher: PasswordHasher::new(iterations).unwrap(),
            tokens: TokenIssuer::new(
                ISSUER.to_owned(),
                AUDIENCE.to_owned(),
                Duration::from_secs(900),
            ),
            stage_removed_from_path: false,
        })
    }
}

/// Reads an event fixture from `tests/fixtures`.
pub fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Replaces the body of a fixture with JSON text.
pub fn with_body(mut event: Value, body: &Value) -> Value {
    event["body"] = Value::String(body.to_string());
    event["isBase64Encoded"] = Value::Bool(false);
    event
}

/// Sets a header in both header maps of a fixture, as API Gateway sends it.
pub fn with_header(mut event: Value, name: &str, value: &str) -> Value {
    event["headers"][name] = Value::String(value.to_owned());
    event["multiValueHeaders"][name] = serde_json::json!([value]);
    event
}

/// Removes a header from both header maps of a fixture.
pub fn without_header(mut event: Value, name: &str) -> Value {
    for map in ["headers", "multiValueHeaders"] {
        if let Some(headers) = event[map].as_object_mut() {
            headers.retain(|key, _| !key.eq_ignore_ascii_case(name));
        }
    }
    event
}

/// Sets the path of a DELETE fixture to a username, URL-encoded as API Gateway receives it.
pub fn for_user(mut event: Value, encoded_username: &str, decoded_username: &str) -> Value {
    event["path"] = Value::String(format!("/users/{encoded_username}"));
    event["requestContext"]["path"] = Value::String(format!("/prod/users/{encoded_username}"));
    event["pathParameters"]["username"] = Value::String(decoded_username.to_owned());
    event
}

/// A response, with its body parsed as JSON when it has one.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

/// Parses an event with lambda_http's own parser and sends it through the app.
pub async fn send(state: &Arc<AppState>, event: &Value) -> Answer {
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let response = service::http::app(Arc::clone(state))
        .oneshot(request)
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(Body::new(body), 1 << 20)
        .await
        .unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// Creates a user through the API and checks that it succeeded.
pub async fn create_user(state: &Arc<AppState>, username: &str, password: &str) -> Answer {
    let body = serde_json::json!({ "username": username, "password": password });
    let answer = send(state, &with_body(fixture("create-user.json"), &body)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
    answer
}

/// Requests a token through the API.
pub async fn request_token(state: &Arc<AppState>, username: &str, password: &str) -> Answer {
    let body = serde_json::json!({ "username": username, "password": password });
    send(state, &with_body(fixture("create-token.json"), &body)).await
}

/// Requests a token and returns it, checking that the request succeeded.
pub async fn token(state: &Arc<AppState>, username: &str, password: &str) -> String {
    let answer = request_token(state, username, password).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    answer.body["access_token"].as_str().unwrap().to_owned()
}

/// Deletes a user through the API with a token.
pub async fn delete_user(state: &Arc<AppState>, username: &str, token: &str) -> Answer {
    let event = for_user(fixture("delete-user.json"), username, username);
    let event = with_header(event, "Authorization", &format!("Bearer {token}"));
    send(state, &event).await
}
