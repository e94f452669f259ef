//! The API's errors and the one place that turns them into HTTP responses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The media type of every body the service sends.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// An error that the API returns as `{"error": "<code>", "message": "<sentence>"}`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed: the message names the field and the rule.
    #[error("{0}")]
    InvalidRequest(String),
    /// The request body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The request body is larger than the service accepts.
    #[error("the request body is {0} bytes; the maximum is {max} bytes", max = crate::http::MAX_BODY_BYTES)]
    PayloadTooLarge(usize),
    /// A user with this name exists.
    #[error("a user with this username already exists")]
    UserExists,
    /// Any failure to authenticate: unknown user, wrong password, or a missing, malformed,
    /// expired or foreign token. The response never says which.
    #[error("authentication failed")]
    AuthenticationFailed,
    /// No route has this path.
    #[error("no resource exists at this path")]
    NotFound,
    /// The path exists, but not with this method.
    #[error("this method is not allowed on this path")]
    MethodNotAllowed,
    /// A dependency is throttling the service; the client may retry.
    #[error("the service is busy; retry after a short pause")]
    TemporarilyUnavailable,
    /// A fault of the service. The detail is logged where it is caught, never sent.
    #[error("the service failed to process the request")]
    Internal,
}

impl ApiError {
    /// Returns the HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UserExists => StatusCode::CONFLICT,
            ApiError::AuthenticationFailed | ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Returns the error code of the body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UserExists => "user_exists",
            ApiError::AuthenticationFailed => "authentication_failed",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::TemporarilyUnavailable => "temporarily_unavailable",
            ApiError::Internal => "internal_error",
        }
    }

    /// Returns the message of the body: the error's text as a sentence.
    pub fn message(&self) -> String {
        let text = self.to_string();
        let mut characters = text.chars();
        let capitalized: String = match characters.next() {
            Some(first) => first.to_uppercase().chain(characters).collect(),
            None => String::new(),
        };
        if capitalized.ends_with('.') {
            capitalized
        } else {
            format!("{capitalized}.")
        }
    }
}

/// Builds a JSON response with the headers that every response of the service carries.
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.code(), "message": self.message() });
        let mut response = json_response(self.status(), &body);
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self == ApiError::TemporarilyUnavailable {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_code_of_each_error() {
        let cases = [
            (ApiError::InvalidRequest("x".into()), 400, "invalid_request"),
            (
                ApiError::UnsupportedMediaType("x".into()),
                415,
                "unsupported_media_type",
            ),
            (ApiError::PayloadTooLarge(20_000), 413, "payload_too_large"),
            (ApiError::UserExists, 409, "user_exists"),
            (ApiError::AuthenticationFailed, 404, "authentication_failed"),
            (ApiError::NotFound, 404, "not_found"),
            (ApiError::MethodNotAllowed, 405, "method_not_allowed"),
            (
                ApiError::TemporarilyUnavailable,
                503,
                "temporarily_unavailable",
            ),
            (ApiError::Internal, 500, "internal_error"),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status().as_u16(), status, "{error:?}");
            assert_eq!(error.code(), code);
        }
    }

    #[test]
    fn messages_are_sentences() {
        assert_eq!(
            ApiError::AuthenticationFailed.message(),
            "Authentication failed."
        );
        assert_eq!(
            ApiError::InvalidRequest("`username` is missing".into()).message(),
            "`username` is missing."
        );
        assert_eq!(
            ApiError::PayloadTooLarge(20_000).message(),
            "The request body is 20000 bytes; the maximum is 16384 bytes."
        );
    }

    #[test]
    fn response_has_json_body_and_no_store() {
        let response = ApiError::UserExists.into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers()[header::CONTENT_TYPE], JSON_CONTENT_TYPE);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    }

    #[test]
    fn throttling_asks_to_retry() {
        let response = ApiError::TemporarilyUnavailable.into_response();
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}
