//! The HTTP routes of the auth service, which the REST API exposes one method each.

use synth::resources::api_gateway::HttpMethod;

/// One route: an HTTP method on a path, with `{name}` for a path parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path, such as `/users/{username}`.
    pub path: &'static str,
    /// The operation name, for generated SDKs and the API documentation.
    pub operation: &'static str,
}

/// Every route that the service serves.
pub const ROUTES: [Route; 5] = [
    Route {
        method: HttpMethod::Post,
        path: "/users",
        operation: "createUser",
    },
    Route {
        method: HttpMethod::Delete,
        path: "/users/{username}",
        operation: "deleteUser",
    },
    Route {
        method: HttpMethod::Post,
        path: "/tokens",
        operation: "createToken",
    },
    Route {
        method: HttpMethod::Get,
        path: "/.well-known/jwks.json",
        operation: "getJwks",
    },
    Route {
        method: HttpMethod::Get,
        path: "/.well-known/openid-configuration",
        operation: "getOpenidConfiguration",
    },
];
