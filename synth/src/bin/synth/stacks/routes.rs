//! The service's routes, from the contract that the service also serves them from.

use auth_contract::Method;
use synth::resources::api_gateway::HttpMethod;

pub use auth_contract::ROUTES;

/// Maps a route's method to the REST API's method type.
pub fn http_method(method: Method) -> HttpMethod {
    match method {
        Method::Get => HttpMethod::Get,
        Method::Post => HttpMethod::Post,
        Method::Delete => HttpMethod::Delete,
    }
}
