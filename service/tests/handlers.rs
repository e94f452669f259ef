//! Handler behaviour on API Gateway REST events, parsed by lambda_http's request parser and
//! served by the app against moto.
#![allow(
    clippy::unwrap_used,
    reason = "helpers shared by the tests panic on failure, as the tests do"
)]

mod support;

use axum::http::{StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use support::*;

const ITERATIONS: u32 = 1_000;

fn assert_error(answer: &Answer, status: StatusCode, code: &str) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert_eq!(answer.body["error"], code, "{answer:?}");
    assert!(
        answer.body["message"]
            .as_str()
            .is_some_and(|message| message.ends_with('.'))
    );
    assert_eq!(
        answer.headers[header::CONTENT_TYPE],
        "application/json; charset=utf-8"
    );
}

#[tokio::test]
async fn create_user_returns_canonical_name() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let answer = send(&state, &fixture("create-user.json")).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
    assert_eq!(answer.body["username"], "alice");
    let created_at = answer.body["created_at"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(created_at, &time::format_description::well_known::Rfc3339)
            .is_ok(),
        "{created_at}"
    );
    assert_eq!(answer.body.as_object().unwrap().len(), 2);
}

#[tokio::test]
async fn base64_body_with_lowercase_headers() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let event = fixture("create-user-base64.json");
    assert_eq!(event["isBase64Encoded"], true);
    let answer = send(&state, &event).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:?}");
    assert_eq!(answer.body["username"], "alice");
}

#[tokio::test]
async fn binary_body_that_is_not_utf8_is_400() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let mut event = fixture("create-user-base64.json");
    event["body"] = Value::String(STANDARD.encode([0xff, 0xfe, 0x00, 0x7b]));
    assert_error(
        &send(&state, &event).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
}

#[tokio::test]
async fn duplicate_user_is_409_in_any_spelling() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    create_user(&state, "alice", PASSWORD).await;
    for spelling in ["alice", "ALICE", "Ａｌｉｃｅ", " Alice "] {
        let body = json!({ "username": spelling, "password": PASSWORD });
        let answer = send(&state, &with_body(fixture("create-user.json"), &body)).await;
        assert_error(&answer, StatusCode::CONFLICT, "user_exists");
    }
}

#[tokio::test]
async fn invalid_create_requests_name_the_field() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let cases = [
        (json!({ "password": PASSWORD }), "`username` is missing."),
        (json!({ "username": "alice" }), "`password` is missing."),
        (
            json!({ "username": 7, "password": PASSWORD }),
            "`username` must be a string.",
        ),
        (
            json!({ "username": "alice", "password": ["x"] }),
            "`password` must be a string.",
        ),
        (
            json!({ "username": "al", "password": PASSWORD }),
            "Username must be at least 3 characters long.",
        ),
        (
            json!({ "username": "al ice", "password": PASSWORD }),
            "Username may contain only letters a to z, digits and the characters . _ - @ +; found ' '.",
        ),
        (
            json!({ "username": "alice", "password": "short" }),
            "Password must be at least 8 characters long.",
        ),
        (
            json!({ "username": "alice", "password": "x".repeat(1025) }),
            "Password must be at most 1024 characters long.",
        ),
        (
            json!({ "username": "alice", "password": PASSWORD, "admin": true }),
            "Unknown field `admin`; the fields are `username` and `password`.",
        ),
    ];
    for (body, message) in cases {
        let answer = send(&state, &with_body(fixture("create-user.json"), &body)).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_request");
        assert_eq!(answer.body["message"], message, "{body}");
    }
}

#[tokio::test]
async fn weak_password_says_why() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let body = json!({ "username": "alice", "password": "password123" });
    let answer = send(&state, &with_body(fixture("create-user.json"), &body)).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_request");
    let message = answer.body["message"].as_str().unwrap();
    assert!(
        message.starts_with("Password is too easy to guess: "),
        "{message}"
    );
}

#[tokio::test]
async fn malformed_json_is_400() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    for body in ["{", "[1, 2]", "not json", ""] {
        let mut event = fixture("create-user.json");
        event["body"] = Value::String(body.to_owned());
        let answer = send(&state, &event).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_request");
    }
}

#[tokio::test]
async fn other_content_types_are_415() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let form = send(&state, &fixture("create-user-form.json")).await;
    assert_error(
        &form,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    let missing = without_header(fixture("create-user.json"), "Content-Type");
    let answer = send(&state, &missing).await;
    assert_error(
        &answer,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    assert_eq!(
        answer.body["message"],
        "The request has no Content-Type; send the body as application/json."
    );

    let token = send(
        &state,
        &without_header(fixture("create-token.json"), "Content-Type"),
    )
    .await;
    assert_error(
        &token,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
}

#[tokio::test]
async fn body_above_16_kib_is_413() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let body = json!({ "username": "alice", "password": "p".repeat(16 * 1024) });
    let answer = send(&state, &with_body(fixture("create-user.json"), &body)).await;
    assert_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let token = send(&state, &with_body(fixture("create-token.json"), &body)).await;
    assert_error(&token, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn body_above_axum_limit_is_json_413() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let body = json!({ "username": "alice", "password": "p".repeat(3 * 1024 * 1024) });
    let answer = send(&state, &with_body(fixture("create-user.json"), &body)).await;
    assert_error(&answer, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
}

#[tokio::test]
async fn undecodable_username_path_is_404() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let event = for_user(fixture("delete-user.json"), "%FF", "\u{fffd}");
    let answer = send(&state, &event).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "authentication_failed");
}

#[tokio::test]
async fn wrong_method_is_405_with_allow() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let answer = send(&state, &fixture("get-users.json")).await;
    assert_error(
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    assert_eq!(answer.headers[header::ALLOW], "POST");

    let mut put_token = fixture("create-token.json");
    put_token["httpMethod"] = json!("PUT");
    let answer = send(&state, &put_token).await;
    assert_error(
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
}

#[tokio::test]
async fn unknown_path_is_404_not_found() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let answer = send(&state, &fixture("unknown-path.json")).await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn stage_prefix_is_ignored_either_way() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    // lambda_http puts the stage in front of the path unless told not to; a path that already
    // starts with it is routed the same.
    let mut event = fixture("get-jwks.json");
    event["path"] = json!("/prod/.well-known/jwks.json");
    assert_eq!(send(&state, &event).await.status, StatusCode::OK);
    assert_eq!(
        send(&state, &fixture("get-jwks.json")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn jwks_and_discovery_are_cacheable() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let jwks = send(&state, &fixture("get-jwks.json")).await;
    assert_eq!(jwks.status, StatusCode::OK);
    assert_eq!(jwks.headers[header::CACHE_CONTROL], "public, max-age=300");
    let keys = jwks.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "OKP");
    assert_eq!(keys[0]["crv"], "Ed25519");
    assert!(keys[0]["kid"].is_string());
    assert!(keys[0].get("d").is_none());

    let discovery = send(&state, &fixture("get-openid-configuration.json")).await;
    assert_eq!(discovery.status, StatusCode::OK);
    assert_eq!(
        discovery.headers[header::CACHE_CONTROL],
        "public, max-age=300"
    );
    assert_eq!(discovery.body["issuer"], ISSUER);
    assert_eq!(
        discovery.body["jwks_uri"],
        format!("{ISSUER}/.well-known/jwks.json")
    );
    assert_eq!(
        discovery.body["id_token_signing_alg_values_supported"],
        json!(["EdDSA"])
    );
}

#[tokio::test]
async fn token_response_shape() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    create_user(&state, "alice", PASSWORD).await;
    let answer = request_token(&state, "ALICE", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{answer:?}");
    assert_eq!(answer.body["token_type"], "Bearer");
    assert_eq!(answer.body["expires_in"], 900);
    assert!(
        answer.body["access_token"]
            .as_str()
            .unwrap()
            .split('.')
            .count()
            == 3
    );
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(answer.headers[header::PRAGMA], "no-cache");
}

#[tokio::test]
async fn authentication_failures_look_the_same() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    create_user(&state, "alice", PASSWORD).await;
    let failures = [
        request_token(&state, "alice", "wrong horse battery staple").await,
        request_token(&state, "nobody-here", PASSWORD).await,
        request_token(&state, "x", PASSWORD).await,
    ];
    for answer in &failures {
        assert_error(answer, StatusCode::NOT_FOUND, "authentication_failed");
        assert_eq!(answer.body, failures[0].body);
        assert_eq!(answer.headers, failures[0].headers);
    }
}

#[tokio::test]
async fn token_request_with_missing_field_is_400() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let body = json!({ "username": "alice" });
    let answer = send(&state, &with_body(fixture("create-token.json"), &body)).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_request");
}

#[tokio::test]
async fn delete_refusals_are_404() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    create_user(&state, "alice", PASSWORD).await;
    create_user(&state, "bob", PASSWORD).await;
    let bobs_token = token(&state, "bob", PASSWORD).await;

    let no_header = without_header(fixture("delete-user.json"), "Authorization");
    let basic = with_header(
        fixture("delete-user.json"),
        "Authorization",
        "Basic YWxpY2U6eA==",
    );
    let garbage = with_header(
        fixture("delete-user.json"),
        "Authorization",
        "Bearer not.a.token",
    );
    let foreign = with_header(
        fixture("delete-user.json"),
        "Authorization",
        &format!("Bearer {bobs_token}"),
    );
    for event in [no_header, basic, garbage, foreign] {
        let answer = send(&state, &event).await;
        assert_error(&answer, StatusCode::NOT_FOUND, "authentication_failed");
    }
    // Alice still exists after every refused attempt.
    assert_eq!(
        request_token(&state, "alice", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn delete_by_other_spelling_of_own_name() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    create_user(&state, "alice", PASSWORD).await;
    let token = token(&state, "alice", PASSWORD).await;
    let event = for_user(fixture("delete-user.json"), "ALICE", "ALICE");
    let event = with_header(event, "Authorization", &format!("bearer {token}"));
    let answer = send(&state, &event).await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{answer:?}");
    assert_eq!(answer.body, Value::Null);
}

/// Sends a request with no API Gateway context straight to the app.
async fn send_plain(
    state: &std::sync::Arc<service::state::AppState>,
    method: &str,
    path: &str,
) -> StatusCode {
    use tower::ServiceExt;
    let request = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .body(lambda_http::Body::Empty)
        .unwrap();
    service::http::app(std::sync::Arc::clone(state))
        .oneshot(request)
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn router_serves_exactly_the_contract_routes() {
    let environment = TestEnvironment::new().await;
    let state = environment.state(ITERATIONS).await;
    let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    for route in auth_contract::ROUTES {
        let path = route.path.replace("{username}", "alice");
        let served = send_plain(&state, route.method.as_str(), &path).await;
        assert_ne!(served, StatusCode::METHOD_NOT_ALLOWED, "{route:?}");
        let unmatched = send_plain(&state, route.method.as_str(), &format!("{path}/a/b")).await;
        assert_eq!(unmatched, StatusCode::NOT_FOUND, "{route:?}");

        let allowed: Vec<&str> = auth_contract::ROUTES
            .iter()
            .filter(|other| other.path == route.path)
            .map(|other| other.method.as_str())
            .collect();
        for method in methods.iter().filter(|method| !allowed.contains(method)) {
            let status = send_plain(&state, method, &path).await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        }
    }
}
