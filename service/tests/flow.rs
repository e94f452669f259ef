//! The whole user and token flow against moto: creation, login, deletion, races, rehashing,
//! key rotation and what the logs contain.
#![allow(
    clippy::unwrap_used,
    reason = "helpers shared by the tests panic on failure, as the tests do"
)]

mod support;

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use axum::http::StatusCode;
use serde_json::json;
use support::*;

const ITERATIONS: u32 = 1_000;

/// Reads the stored password hash of a user straight from the table.
async fn stored_hash(environment: &TestEnvironment, username: &str) -> String {
    let item = aws_sdk_dynamodb::Client::new(&environment.sdk)
        .get_item()
        .table_name(&environment.table)
        .key("username", AttributeValue::S(username.to_owned()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    item["password_hash"].as_s().unwrap().clone()
}

#[tokio::test]
async fn whole_flow() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;

    let created = create_user(&state, "Alice", PASSWORD).await;
    assert_eq!(created.body["username"], "alice");

    let duplicate = send(
        &state,
        &with_body(
            fixture("create-user.json"),
            &json!({ "username": "alice", "password": PASSWORD }),
        ),
    )
    .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);

    let token = token(&state, "alice", PASSWORD).await;
    let wrong = request_token(&state, "alice", "wrong horse battery staple").await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong.body["error"], "authentication_failed");
    let unknown = request_token(&state, "mallory", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.body, wrong.body);

    let deleted = delete_user(&state, "alice", &token).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let again = delete_user(&state, "alice", &token).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.body["error"], "authentication_failed");
    let after = request_token(&state, "alice", PASSWORD).await;
    assert_eq!(after.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_have_one_winner() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let mut tasks = Vec::new();
    for index in 0..20 {
        let state = Arc::clone(&state);
        tasks.push(tokio::spawn(async move {
            let password = format!("{PASSWORD} {index}");
            let body = json!({ "username": "racer", "password": password });
            let answer = send(&state, &with_body(fixture("create-user.json"), &body)).await;
            (answer.status, password)
        }));
    }
    let mut winners = Vec::new();
    let mut conflicts = 0;
    for task in tasks {
        let (status, password) = task.await.unwrap();
        match status {
            StatusCode::CREATED => winners.push(password),
            StatusCode::CONFLICT => conflicts += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(conflicts, 19);
    // The stored password is the winner's, not a loser's.
    assert_eq!(
        request_token(&state, "racer", &winners[0]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn stored_hash_is_pbkdf2_sha256_phc() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(600_000).await;
    create_user(&state, "alice", PASSWORD).await;
    let stored = stored_hash(&environment, "alice").await;
    assert!(
        stored.starts_with("$pbkdf2-sha256$i=600000,l=32$"),
        "{stored}"
    );
    assert!(!stored.contains(PASSWORD));
}

#[tokio::test]
async fn login_rehashes_weaker_hash() {
    let environment = TestEnvironment::new().await;
    let old_policy = environment.state(ITERATIONS).await;
    create_user(&old_policy, "alice", PASSWORD).await;
    let before = stored_hash(&environment, "alice").await;
    assert!(before.starts_with("$pbkdf2-sha256$i=1000,"), "{before}");

    let new_policy = environment.state(ITERATIONS * 2).await;
    token(&new_policy, "alice", PASSWORD).await;
    let after = stored_hash(&environment, "alice").await;
    assert!(after.starts_with("$pbkdf2-sha256$i=2000,"), "{after}");
    assert_ne!(before, after);

    // The new hash verifies, and a login under the same policy does not rehash again.
    token(&new_policy, "alice", PASSWORD).await;
    assert_eq!(stored_hash(&environment, "alice").await, after);
    // A wrong password never rehashes.
    let wrong = request_token(&new_policy, "alice", "wrong horse battery staple").await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(stored_hash(&environment, "alice").await, after);
}

#[tokio::test]
async fn rehash_write_needs_the_old_hash() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    create_user(&state, "alice", PASSWORD).await;
    let stored = stored_hash(&environment, "alice").await;
    let alice = service::username::Username::parse("alice").unwrap();

    let stale = state
        .store
        .replace_password_hash(&alice, "not-the-hash", "new")
        .await;
    assert!(!stale.unwrap());
    assert_eq!(stored_hash(&environment, "alice").await, stored);

    let current = state
        .store
        .replace_password_hash(&alice, &stored, "replacement")
        .await;
    assert!(current.unwrap());
    assert_eq!(stored_hash(&environment, "alice").await, "replacement");
}

#[tokio::test]
async fn token_of_deleted_user_cannot_delete_successor() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    create_user(&state, "alice", PASSWORD).await;
    let first_token = token(&state, "alice", PASSWORD).await;
    let second_token = token(&state, "alice", PASSWORD).await;
    assert_eq!(
        delete_user(&state, "alice", &first_token).await.status,
        StatusCode::NO_CONTENT
    );

    create_user(&state, "alice", "another strong passphrase here").await;
    let refused = delete_user(&state, "alice", &second_token).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert_eq!(
        request_token(&state, "alice", "another strong passphrase here")
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn rotated_secret_keeps_old_tokens_valid() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    create_user(&state, "alice", PASSWORD).await;
    let old_token = token(&state, "alice", PASSWORD).await;
    let old_kid = state.keys.keys().await.current().kid().to_owned();

    aws_sdk_secretsmanager::Client::new(&environment.sdk)
        .put_secret_value()
        .secret_id(&environment.secret)
        .secret_string("N3w-S3cret-Value-That-Is-Long-Enough-For-HKDF-Derivation-0123456")
        .send()
        .await
        .unwrap();
    let keys = state.keys.refresh().await;
    assert_ne!(keys.current().kid(), old_kid);
    assert!(keys.find(&old_kid).is_some());

    let jwks = send(&state, &fixture("get-jwks.json")).await;
    let kids: Vec<&str> = jwks.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [keys.current().kid(), old_kid.as_str()]);

    let new_token = token(&state, "alice", PASSWORD).await;
    assert_ne!(new_token, old_token);
    assert_eq!(
        delete_user(&state, "alice", &old_token).await.status,
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn unreadable_secret_fails_the_cold_start() {
    let sdk = sdk_config();
    let result = service::key_store::KeyStore::load(
        aws_sdk_secretsmanager::Client::new(&sdk),
        unique("missing-secret"),
    )
    .await;
    let error = result.unwrap_err().to_string();
    assert!(
        error.starts_with("failed to read secret `missing-secret-"),
        "{error}"
    );
}
