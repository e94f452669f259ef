//! The facts that the `service` crate and the `synth` binary must agree on: the HTTP routes
//! that the REST API exposes and the service serves, and the environment variables that the
//! stack sets and the service reads.
//!
//! This crate has no dependencies, so depending on it costs `synth` nothing.

/// The environment variables that the stack sets on the function and the service reads at cold
/// start.
pub mod environment {
    /// The DynamoDB table of users.
    pub const TABLE_NAME: &str = "USERS_TABLE_NAME";
    /// The ARN of the Secrets Manager secret that the signing keys derive from.
    pub const SIGNING_KEY_SECRET_ARN: &str = "SIGNING_KEY_SECRET_ARN";
    /// The `iss` claim of issued tokens.
    pub const TOKEN_ISSUER: &str = "TOKEN_ISSUER";
    /// The `aud` claim of issued tokens.
    pub const TOKEN_AUDIENCE: &str = "TOKEN_AUDIENCE";
    /// The lifetime of issued tokens, in seconds.
    pub const TOKEN_LIFETIME_SECONDS: &str = "TOKEN_LIFETIME_SECONDS";
    /// The PBKDF2-HMAC-SHA256 iteration count for new password hashes.
    pub const PBKDF2_ITERATIONS: &str = "PBKDF2_ITERATIONS";
    /// The `tracing` filter, such as `info`. Lambda's `AWS_LAMBDA_LOG_LEVEL`, which the
    /// function's logging configuration sets, takes precedence.
    pub const LOG_LEVEL: &str = "RUST_LOG";
    /// Makes lambda_http keep the REST API stage out of the request path. lambda_http checks
    /// only that the variable is set, whatever its value.
    pub const IGNORE_STAGE_IN_PATH: &str = "AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH";

    /// Every variable that the stack sets, in the order above.
    pub const ALL: [&str; 8] = [
        TABLE_NAME,
        SIGNING_KEY_SECRET_ARN,
        TOKEN_ISSUER,
        TOKEN_AUDIENCE,
        TOKEN_LIFETIME_SECONDS,
        PBKDF2_ITERATIONS,
        LOG_LEVEL,
        IGNORE_STAGE_IN_PATH,
    ];
}

/// An HTTP method that a route uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// DELETE.
    Delete,
}

impl Method {
    /// Returns the method name as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// What a route does; the service maps each one to its handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// Creates a user with a password.
    CreateUser,
    /// Deletes a user, authorized by a token whose subject is that user.
    DeleteUser,
    /// Exchanges a username and password for an access token.
    CreateToken,
    /// Publishes the public signing keys as a JSON Web Key Set (RFC 7517).
    GetJwks,
    /// Publishes the discovery document that names the issuer and the key set.
    GetOpenidConfiguration,
}

impl Operation {
    /// Returns the operation's name in the API documentation and generated SDKs.
    pub fn operation_id(self) -> &'static str {
        match self {
            Operation::CreateUser => "createUser",
            Operation::DeleteUser => "deleteUser",
            Operation::CreateToken => "createToken",
            Operation::GetJwks => "getJwks",
            Operation::GetOpenidConfiguration => "getOpenidConfiguration",
        }
    }
}

/// One route: an HTTP method on a path, with `{name}` for a path parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path, such as `/users/{username}`.
    pub path: &'static str,
    /// What the route does.
    pub operation: Operation,
}

/// The path of the JSON Web Key Set.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";
/// The path of the discovery document.
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";
/// The path of the token endpoint.
pub const TOKENS_PATH: &str = "/tokens";

/// Every route of the service.
pub const ROUTES: [Route; 5] = [
    Route {
        method: Method::Post,
        path: "/users",
        operation: Operation::CreateUser,
    },
    Route {
        method: Method::Delete,
        path: "/users/{username}",
        operation: Operation::DeleteUser,
    },
    Route {
        method: Method::Post,
        path: TOKENS_PATH,
        operation: Operation::CreateToken,
    },
    Route {
        method: Method::Get,
        path: JWKS_PATH,
        operation: Operation::GetJwks,
    },
    Route {
        method: Method::Get,
        path: OPENID_CONFIGURATION_PATH,
        operation: Operation::GetOpenidConfiguration,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_unique() {
        for (index, route) in ROUTES.iter().enumerate() {
            for other in &ROUTES[index + 1..] {
                assert!(
                    (route.method, route.path) != (other.method, other.path),
                    "{route:?} repeats"
                );
                assert_ne!(route.operation, other.operation);
            }
        }
    }

    #[test]
    fn paths_are_absolute() {
        for route in ROUTES {
            assert!(route.path.starts_with('/'), "{}", route.path);
            assert!(!route.path.ends_with('/'), "{}", route.path);
        }
    }

    #[test]
    fn environment_names_are_unique() {
        let mut names = environment::ALL.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), environment::ALL.len());
    }
}
