//! JSON request bodies: media type, size and shape, checked before any handler logic.

use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::http::MAX_BODY_BYTES;

/// A request body's JSON object, with the field checks that name the offending field.
#[derive(Debug)]
pub struct JsonObject(Map<String, Value>);

/// Checks that the `Content-Type` is JSON: `application/json`, in any case, with an optional
/// `charset` parameter that must be UTF-8, which RFC 8259 requires of JSON.
fn check_media_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let expected = "send the body as application/json";
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the request has no Content-Type; {expected}"
        )));
    };
    let value = value.to_str().map_err(|_| {
        ApiError::UnsupportedMediaType(format!("the Content-Type is not readable; {expected}"))
    })?;
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the Content-Type is {media_type}; {expected}"
        )));
    }
    for parameter in parts {
        let Some((name, value)) = parameter.split_once('=') else {
            continue;
        };
        let charset = value.trim().trim_matches('"');
        if name.trim().eq_ignore_ascii_case("charset") && !charset.eq_ignore_ascii_case("utf-8") {
            return Err(ApiError::UnsupportedMediaType(format!(
                "the charset is {charset}; JSON bodies must be UTF-8"
            )));
        }
    }
    Ok(())
}

impl JsonObject {
    /// Parses a request body that must be a JSON object with only the `allowed` fields.
    pub fn parse(
        headers: &HeaderMap,
        body: &[u8],
        allowed: &[&str],
    ) -> Result<JsonObject, ApiError> {
        if body.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge(body.len()));
        }
        check_media_type(headers)?;
        let value: Value = serde_json::from_slice(body).map_err(|error| {
            ApiError::InvalidRequest(format!("the request body is not valid JSON: {error}"))
        })?;
        let Value::Object(object) = value else {
            return Err(ApiError::InvalidRequest(
                "the request body must be a JSON object".to_owned(),
            ));
        };
        if let Some(unknown) = object.keys().find(|key| !allowed.contains(&key.as_str())) {
            let expected: Vec<String> = allowed.iter().map(|name| format!("`{name}`")).collect();
            return Err(ApiError::InvalidRequest(format!(
                "unknown field `{unknown}`; the fields are {}",
                expected.join(" and ")
            )));
        }
        Ok(JsonObject(object))
    }

    /// Returns a required string field.
    pub fn string(&self, name: &str) -> Result<&str, ApiError> {
        match self.0.get(name) {
            Some(Value::String(value)) => Ok(value),
            Some(_) => Err(ApiError::InvalidRequest(format!(
                "`{name}` must be a string"
            ))),
            None => Err(ApiError::InvalidRequest(format!("`{name}` is missing"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(content_type: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    const FIELDS: [&str; 2] = ["username", "password"];

    fn parse(content_type: Option<&str>, body: &str) -> Result<JsonObject, ApiError> {
        JsonObject::parse(&headers(content_type), body.as_bytes(), &FIELDS)
    }

    #[test]
    fn json_with_and_without_charset() {
        for content_type in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON;charset=UTF-8",
            "application/json; charset=\"utf-8\"",
        ] {
            assert!(parse(Some(content_type), "{}").is_ok(), "{content_type}");
        }
    }

    #[test]
    fn other_media_types_are_415() {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("application/json-patch+json"),
            Some("application/json; charset=latin1"),
        ] {
            let error = parse(content_type, "{}").unwrap_err();
            assert!(
                matches!(error, ApiError::UnsupportedMediaType(_)),
                "{content_type:?}: {error:?}"
            );
        }
    }

    #[test]
    fn body_above_16_kib_is_413() {
        let body = format!("{{\"username\": \"{}\"}}", "a".repeat(MAX_BODY_BYTES));
        assert_eq!(
            parse(Some("application/json"), &body).unwrap_err(),
            ApiError::PayloadTooLarge(body.len())
        );
        let fits = " ".repeat(MAX_BODY_BYTES - 2) + "{}";
        assert!(parse(Some("application/json"), &fits).is_ok());
    }

    #[test]
    fn malformed_json_is_400() {
        for body in ["", "{", "[]", "\"text\"", "null", "{\"a\":}"] {
            let error = parse(Some("application/json"), body).unwrap_err();
            assert!(matches!(error, ApiError::InvalidRequest(_)), "{body}");
        }
    }

    #[test]
    fn fields_are_named_in_errors() {
        let object = parse(Some("application/json"), r#"{"username": 5}"#).unwrap();
        assert_eq!(
            object.string("username").unwrap_err(),
            ApiError::InvalidRequest("`username` must be a string".into())
        );
        assert_eq!(
            object.string("password").unwrap_err(),
            ApiError::InvalidRequest("`password` is missing".into())
        );
    }

    #[test]
    fn unknown_field_is_named() {
        let error = parse(Some("application/json"), r#"{"user": "a"}"#).unwrap_err();
        assert_eq!(
            error,
            ApiError::InvalidRequest(
                "unknown field `user`; the fields are `username` and `password`".into()
            )
        );
    }
}
