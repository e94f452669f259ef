//! The auth service: users with PBKDF2-hashed passwords in DynamoDB, and EdDSA access tokens
//! signed with keys derived from a Secrets Manager secret, served over API Gateway from Lambda.

pub mod config;
pub mod error;
pub mod http;
pub mod key_store;
pub mod keys;
pub mod logging;
pub mod password;
pub mod state;
pub mod store;
pub mod tokens;
pub mod username;
