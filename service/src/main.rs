//! The Lambda function: reads its configuration, builds the clients, keys and dummy hash
//! once per cold start, and serves API Gateway events.

use std::process::ExitCode;
use std::sync::Arc;

use service::config::Config;
use service::key_store::KeyStore;
use service::password::PasswordHasher;
use service::state::AppState;
use service::store::UserStore;
use service::tokens::TokenIssuer;
use service::{http, logging};

async fn start() -> Result<AppState, String> {
    let config = Config::from_env().map_err(|error| error.to_string())?;
    // Region, credentials and AWS_ENDPOINT_URL come from the environment, as in any SDK.
    let sdk = aws_config::load_from_env().await;
    let keys = KeyStore::load(
        aws_sdk_secretsmanager::Client::new(&sdk),
        config.signing_key_secret.clone(),
    )
    .await
    .map_err(|error| format!("failed to load the signing keys: {error}"))?;
    let iterations = config.pbkdf2_iterations;
    let hasher = tokio::task::spawn_blocking(move || PasswordHasher::new(iterations))
        .await
        .map_err(|error| format!("failed to build the password hasher: {error}"))?
        .map_err(|error| format!("failed to build the password hasher: {error}"))?;
    Ok(AppState {
        store: UserStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table_name),
        keys,
        hasher,
        tokens: TokenIssuer::new(config.issuer, config.audience, config.token_lifetime),
        stage_removed_from_path: config.stage_removed_from_path,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    if let Err(error) = logging::init() {
        // Without a valid filter there is no subscriber, so the error goes to stderr, which
        // Lambda also sends to the function's log group.
        eprintln!("cold start failed: {error}");
        return ExitCode::FAILURE;
    }
    let state = match start().await {
        Ok(state) => Arc::new(state),
        Err(message) => {
            tracing::error!(error = %message, "cold start failed");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        iterations = state.hasher.iterations(),
        kid = state.keys.keys().await.current().kid(),
        "cold start complete"
    );
    match lambda_http::run(http::app(state)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(error = %error, "the Lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}
