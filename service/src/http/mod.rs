//! The HTTP API: one router for every route of the contract, with the request rules that all
//! routes share.

mod body;
mod tokens;
mod users;
mod well_known;

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use auth_contract::{Method, Operation, ROUTES, Route};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::Uri;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use lambda_http::request::RequestContext;
use tower_http::catch_panic::CatchPanicLayer;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::StoreError;

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

fn method_filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Delete => MethodFilter::DELETE,
    }
}

/// Builds the handler of one route. The match is exhaustive, so a new operation in the
/// contract does not compile until it has a handler.
fn method_router(route: &Route) -> MethodRouter<Arc<AppState>> {
    let filter = method_filter(route.method);
    match route.operation {
        Operation::CreateUser => on(filter, users::create),
        Operation::DeleteUser => on(filter, users::delete),
        Operation::CreateToken => on(filter, tokens::create),
        Operation::GetJwks => on(filter, well_known::jwks),
        Operation::GetOpenidConfiguration => on(filter, well_known::openid_configuration),
    }
}

/// Builds the router: the contract's routes, JSON errors for unknown paths (404) and wrong
/// methods (405, with `Allow`), one log line per request, and a 500 for any panic.
pub fn router(state: Arc<AppState>) -> Router {
    let mut paths: BTreeMap<&str, MethodRouter<Arc<AppState>>> = BTreeMap::new();
    for route in &ROUTES {
        let methods = paths.remove(route.path).unwrap_or_default();
        paths.insert(route.path, methods.merge(method_router(route)));
    }
    let mut router = Router::new();
    for (path, methods) in paths {
        router = router.route(path, methods);
    }
    router
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        // The body arrives whole in the Lambda event, and the handlers reject more than
        // MAX_BODY_BYTES with a JSON 413, so axum's own 2 MB limit, which answers in plain
        // text, is off.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn(log_request))
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// Builds the service that Lambda runs: the router behind the removal of the stage prefix,
/// which has to happen before routing.
pub fn app(
    state: Arc<AppState>,
) -> impl tower::Service<
    lambda_http::Request,
    Response = Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
+ Send {
    let stage_removed = state.stage_removed_from_path;
    tower::ServiceBuilder::new()
        .map_request(move |request: lambda_http::Request| {
            strip_stage(request.map(axum::body::Body::new), stage_removed)
        })
        .service(router(state))
}

/// Removes the `/<stage>` prefix that lambda_http puts in front of REST API paths, unless
/// `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` already keeps it out.
fn strip_stage<B>(
    mut request: axum::http::Request<B>,
    stage_removed: bool,
) -> axum::http::Request<B> {
    if stage_removed {
        return request;
    }
    let stage = match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV1(context)) => context.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage else {
        return request;
    };
    let path = request.uri().path();
    let prefix = format!("/{stage}");
    let rest = match path.strip_prefix(&prefix) {
        Some("") => "/".to_owned(),
        Some(rest) if rest.starts_with('/') => rest.to_owned(),
        _ => return request,
    };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest,
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(path_and_query) = path_and_query.parse() {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// Logs one line per request with the route template, never the path, which can contain a
/// username.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        http.method = %method,
        http.route = route,
        http.status = response.status().as_u16(),
        duration_ms = started.elapsed().as_millis() as u64,
        "request completed"
    );
    response
}

fn panic_response(_panic: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    ApiError::Internal.into_response()
}

/// Maps an unexpected store or hashing failure to the API's response, logging it once.
fn internal(operation: &'static str, error: impl std::fmt::Display) -> ApiError {
    tracing::error!(operation, error = %error, "request failed");
    ApiError::Internal
}

/// Maps a store failure other than a failed condition to the API's response, logging it once.
fn store_failure(operation: &'static str, error: StoreError) -> ApiError {
    match error {
        StoreError::Throttled(detail) => {
            tracing::warn!(operation, error = %detail, "DynamoDB throttled the request");
            ApiError::TemporarilyUnavailable
        }
        other => internal(operation, other),
    }
}

/// Runs CPU-bound work, such as hashing, off the async runtime's thread.
async fn blocking<T: Send + 'static>(
    operation: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| internal(operation, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_becomes_503_and_other_failures_500() {
        assert_eq!(
            store_failure("test", StoreError::Throttled("slow down".into())),
            ApiError::TemporarilyUnavailable
        );
        assert_eq!(
            store_failure("test", StoreError::Service("broken".into())),
            ApiError::Internal
        );
    }

    #[test]
    fn stage_prefix_is_removed_once() {
        let mut context =
            lambda_http::aws_lambda_events::apigw::ApiGatewayProxyRequestContext::default();
        context.stage = Some("users".to_owned());
        let request = axum::http::Request::builder()
            .uri("/users/users/alice?x=1")
            .extension(RequestContext::ApiGatewayV1(context))
            .body(())
            .unwrap();
        let stripped = strip_stage(request, false);
        assert_eq!(stripped.uri().path(), "/users/alice");
        assert_eq!(stripped.uri().query(), Some("x=1"));
    }

    #[test]
    fn stage_prefix_stays_when_lambda_http_removed_it() {
        let mut context =
            lambda_http::aws_lambda_events::apigw::ApiGatewayProxyRequestContext::default();
        context.stage = Some("users".to_owned());
        let request = axum::http::Request::builder()
            .uri("/users/alice")
            .extension(RequestContext::ApiGatewayV1(context))
            .body(())
            .unwrap();
        assert_eq!(strip_stage(request, true).uri().path(), "/users/alice");
    }
}
