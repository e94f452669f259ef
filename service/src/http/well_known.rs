//! `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`.

use std::sync::Arc;

use auth_contract::{JWKS_PATH, TOKENS_PATH};
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use crate::error::json_response;
use crate::key_store::REFRESH_INTERVAL;
use crate::state::AppState;

/// The `Cache-Control` of the public documents: as long as the service keeps its keys before
/// reading the secret again.
fn cacheable(mut response: Response) -> Response {
    let value = format!("public, max-age={}", REFRESH_INTERVAL.as_secs());
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

/// Publishes the current and previous public signing keys (RFC 7517).
pub async fn jwks(State(state): State<Arc<AppState>>) -> Response {
    let keys = state.keys.keys().await;
    cacheable(json_response(StatusCode::OK, &keys.jwks()))
}

/// Publishes the discovery document: the issuer, where its keys are, and how tokens are
/// signed. The service issues access tokens only; `id_token_signing_alg_values_supported`
/// names the algorithm for OpenID Connect client libraries, which read that field.
pub async fn openid_configuration(State(state): State<Arc<AppState>>) -> Response {
    let issuer = state.tokens.issuer();
    let document = json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}{JWKS_PATH}"),
        "token_endpoint": format!("{issuer}{TOKENS_PATH}"),
        "grant_types_supported": ["password"],
        "response_types_supported": ["token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "token_endpoint_auth_methods_supported": ["none"],
    });
    cacheable(json_response(StatusCode::OK, &document))
}
