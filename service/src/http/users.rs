//! `POST /users` and `DELETE /users/{username}`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::body::JsonObject;
use super::{blocking, internal, store_failure};
use crate::error::{ApiError, json_response};
use crate::password::Password;
use crate::state::AppState;
use crate::store::{StoreError, UserRecord};
use crate::username::Username;

/// The fields of a create-user request.
const FIELDS: [&str; 2] = ["username", "password"];

/// Creates a user: 201 with the canonical username and the creation time.
pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request = JsonObject::parse(&headers, &body, &FIELDS)?;
    let raw_username = request.string("username")?;
    let raw_password = request.string("password")?;
    let username = Username::parse(raw_username)
        .map_err(|error| ApiError::InvalidRequest(error.to_string()))?;

    // Both the strength estimate, which takes up to a few hundred milliseconds for some
    // passwords, and the hash run off the async runtime's thread.
    let hasher = state.hasher.clone();
    let raw_password = raw_password.to_owned();
    let canonical = username.as_str().to_owned();
    let password_hash = blocking("hash password", move || {
        let password = Password::new_for_user(&raw_password, &canonical)
            .map_err(|error| ApiError::InvalidRequest(error.to_string()))?;
        hasher
            .hash(&password)
            .map_err(|error| internal("hash password", error))
    })
    .await??;
    let created_at = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .map_err(|error| internal("format creation time", error))?
        .format(&Rfc3339)
        .map_err(|error| internal("format creation time", error))?;
    let record = UserRecord {
        username,
        user_id: uuid::Uuid::new_v4().to_string(),
        password_hash,
        created_at,
    };

    match state.store.create(&record).await {
        Ok(()) => {
            tracing::info!(username = %record.username, "user created");
            let body = json!({
                "username": record.username.as_str(),
                "created_at": record.created_at,
            });
            let mut response = json_response(StatusCode::CREATED, &body);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(response)
        }
        Err(StoreError::ConditionFailed) => {
            tracing::info!(username = %record.username, "user not created: the username is taken");
            Err(ApiError::UserExists)
        }
        Err(error) => Err(store_failure("create user", error)),
    }
}

/// Why a delete was refused, for debug logs only: the response is the same for every reason.
#[derive(Debug)]
enum Refusal {
    MissingToken,
    MalformedAuthorization,
    InvalidToken(String),
    InvalidUsername,
    SubjectMismatch,
    UserNotFound,
}

impl Refusal {
    fn as_str(&self) -> &'static str {
        match self {
            Refusal::MissingToken => "missing_token",
            Refusal::MalformedAuthorization => "malformed_authorization",
            Refusal::InvalidToken(_) => "invalid_token",
            Refusal::InvalidUsername => "invalid_username",
            Refusal::SubjectMismatch => "subject_mismatch",
            Refusal::UserNotFound => "user_not_found",
        }
    }
}

/// Returns the token of an `Authorization: Bearer <token>` header (RFC 6750). The scheme is
/// case-insensitive.
fn bearer_token(headers: &HeaderMap) -> Result<&str, Refusal> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(Refusal::MissingToken)?
        .to_str()
        .map_err(|_| Refusal::MalformedAuthorization)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(Refusal::MalformedAuthorization)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.contains(' ') {
        return Err(Refusal::MalformedAuthorization);
    }
    Ok(token)
}

/// Deletes a user, authorized by a token whose subject is that user: 204. Every refusal is
/// 404 `authentication_failed`.
pub async fn delete(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // A path that does not decode, such as invalid UTF-8, names no user.
    let Ok(Path(raw_username)) = path else {
        return Err(refuse(Refusal::InvalidUsername));
    };
    let authorized = async {
        let token = bearer_token(&headers)?;
        let keys = state.keys.keys().await;
        let claims = state
            .tokens
            .verify(&keys, token)
            .map_err(|error| Refusal::InvalidToken(error.to_string()))?;
        let username = Username::parse(&raw_username).map_err(|_| Refusal::InvalidUsername)?;
        if claims.sub != username.as_str() {
            return Err(Refusal::SubjectMismatch);
        }
        Ok((username, claims.uid))
    };
    let (username, user_id) = match authorized.await {
        Ok(authorized) => authorized,
        Err(refusal) => return Err(refuse(refusal)),
    };

    match state.store.delete(&username, &user_id).await {
        Ok(()) => {
            tracing::info!(outcome = "success", username = %username, "user deletion");
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Err(StoreError::ConditionFailed) => Err(refuse(Refusal::UserNotFound)),
        Err(error) => Err(store_failure("delete user", error)),
    }
}

fn refuse(refusal: Refusal) -> ApiError {
    tracing::info!(outcome = "failure", "user deletion");
    match &refusal {
        Refusal::InvalidToken(detail) => {
            tracing::debug!(reason = refusal.as_str(), detail = %detail, "user deletion refused");
        }
        _ => tracing::debug!(reason = refusal.as_str(), "user deletion refused"),
    }
    ApiError::AuthenticationFailed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_authorization(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        for value in ["Bearer abc", "bearer abc", "BEARER  abc ", " Bearer abc"] {
            assert_eq!(
                bearer_token(&with_authorization(value)).unwrap(),
                "abc",
                "{value}"
            );
        }
    }

    #[test]
    fn other_authorizations_are_refused() {
        assert!(matches!(
            bearer_token(&HeaderMap::new()),
            Err(Refusal::MissingToken)
        ));
        for value in [
            "Basic YWxpY2U6cHc=",
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Token abc",
        ] {
            assert!(
                matches!(
                    bearer_token(&with_authorization(value)),
                    Err(Refusal::MalformedAuthorization)
                ),
                "{value}"
            );
        }
    }
}
