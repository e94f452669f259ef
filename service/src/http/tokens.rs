//! `POST /tokens`: a username and password for an access token.

use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::body::JsonObject;
use super::{blocking, internal, store_failure};
use crate::error::{ApiError, json_response};
use crate::password::{Password, Verification};
use crate::state::AppState;
use crate::store::UserRecord;
use crate::username::Username;

/// The fields of a token request.
const FIELDS: [&str; 2] = ["username", "password"];

/// Issues a token for a correct username and password: 200 with `access_token`,
/// `token_type` and `expires_in`. Any other outcome is 404 `authentication_failed`, after the
/// same amount of hashing work, so that neither the response nor its timing shows whether the
/// user exists.
pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request = JsonObject::parse(&headers, &body, &FIELDS)?;
    let raw_username = request.string("username")?;
    let password = Password::normalize(request.string("password")?);

    // A name that is not a valid username cannot belong to a user.
    let username = Username::parse(raw_username).ok();
    let record = match &username {
        Some(username) => state
            .store
            .get(username)
            .await
            .map_err(|error| store_failure("read user", error))?,
        None => None,
    };

    let hasher = state.hasher.clone();
    let stored_hash = record.as_ref().map(|record| record.password_hash.clone());
    let checked_password = password.clone();
    let verification = blocking("verify password", move || match stored_hash {
        Some(stored_hash) => hasher.verify(&checked_password, &stored_hash),
        None => hasher.verify_dummy(&checked_password),
    })
    .await?;

    let (record, needs_rehash) = match (record, verification) {
        (Some(record), Verification::Match { needs_rehash }) => (record, needs_rehash),
        (record, _) => {
            let reason = match (&username, &record) {
                (None, _) => "invalid_username",
                (Some(_), None) => "unknown_user",
                (Some(_), Some(_)) => "wrong_password",
            };
            tracing::info!(outcome = "failure", "authentication attempt");
            tracing::debug!(reason, "authentication failed");
            return Err(ApiError::AuthenticationFailed);
        }
    };
    if needs_rehash {
        rehash(&state, &record, password).await;
    }

    let keys = state.keys.keys().await;
    let issued = state
        .tokens
        .issue(
            &keys,
            record.username.as_str(),
            &record.user_id,
            SystemTime::now(),
        )
        .map_err(|error| internal("issue token", error))?;
    tracing::info!(outcome = "success", username = %record.username, "authentication attempt");

    let body = json!({
        "access_token": issued.token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
    });
    let mut response = json_response(StatusCode::OK, &body);
    // RFC 6749, section 5.1: responses with tokens must not be cached.
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

/// Replaces a hash made with weaker parameters than the current policy. The write is
/// conditional on the old hash, so it cannot undo a concurrent password change, and a failure
/// does not fail the login that triggered it.
async fn rehash(state: &AppState, record: &UserRecord, password: Password) {
    let hasher = state.hasher.clone();
    let iterations = hasher.iterations();
    let new_hash = match blocking("rehash password", move || hasher.hash(&password)).await {
        Ok(Ok(new_hash)) => new_hash,
        Ok(Err(error)) => {
            tracing::error!(error = %error, "failed to rehash a password");
            return;
        }
        Err(_) => return,
    };
    let result = state
        .store
        .replace_password_hash(&record.username, &record.password_hash, &new_hash)
        .await;
    match result {
        Ok(true) => {
            tracing::info!(username = %record.username, iterations, "password rehashed");
        }
        Ok(false) => tracing::info!(
            username = %record.username,
            "password not rehashed: the record changed meanwhile"
        ),
        Err(error) => tracing::error!(error = %error, "failed to store a rehashed password"),
    }
}
