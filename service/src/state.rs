//! What every request shares, built once per cold start.

use crate::key_store::KeyStore;
use crate::password::PasswordHasher;
use crate::store::UserStore;
use crate::tokens::TokenIssuer;

/// The clients, keys and policies that the handlers use.
#[derive(Debug)]
pub struct AppState {
    /// The users table.
    pub store: UserStore,
    /// The signing keys.
    pub keys: KeyStore,
    /// The password hashing policy, with its dummy hash for unknown users.
    pub hasher: PasswordHasher,
    /// The token issuer and audience.
    pub tokens: TokenIssuer,
    /// Whether lambda_http already keeps the REST API stage out of request paths.
    pub stage_removed_from_path: bool,
}
