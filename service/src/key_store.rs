//! The signing keys, loaded from the current and previous versions of the Secrets Manager
//! secret and refreshed periodically, so a rotation takes effect without a redeploy.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use tokio::sync::{Mutex, RwLock};

use crate::keys::{KeyError, KeySet};

/// How long keys are used before the secret is read again.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(300);
/// The staging label of the secret's current version.
const CURRENT: &str = "AWSCURRENT";
/// The staging label of the version before the last rotation.
const PREVIOUS: &str = "AWSPREVIOUS";

/// A failure to load the keys.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// Secrets Manager failed, with the SDK's detail.
    #[error("failed to read secret `{secret}` ({stage}): {detail}")]
    Read {
        /// The secret.
        secret: String,
        /// The staging label read.
        stage: &'static str,
        /// The SDK's message.
        detail: String,
    },
    /// The secret version holds no value.
    #[error("secret `{secret}` ({stage}) has neither a string nor a binary value")]
    Empty {
        /// The secret.
        secret: String,
        /// The staging label read.
        stage: &'static str,
    },
    /// The value cannot become a key.
    #[error("secret `{secret}`: {source}")]
    Key {
        /// The secret.
        secret: String,
        /// Why.
        source: KeyError,
    },
}

struct Cached {
    keys: Arc<KeySet>,
    checked_at: Instant,
}

/// The signing keys and where they come from.
pub struct KeyStore {
    client: Client,
    secret: String,
    cached: RwLock<Cached>,
    refreshing: Mutex<()>,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("KeyStore")
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

impl KeyStore {
    /// Loads the keys, failing when the current version cannot be read.
    pub async fn load(client: Client, secret: String) -> Result<KeyStore, KeyStoreError> {
        let keys = fetch(&client, &secret).await?;
        Ok(KeyStore {
            client,
            secret,
            cached: RwLock::new(Cached {
                keys: Arc::new(keys),
                checked_at: Instant::now(),
            }),
            refreshing: Mutex::new(()),
        })
    }

    /// Returns the keys, reading the secret again when the last read is older than
    /// [`REFRESH_INTERVAL`]. When that read fails, the keys in use stay and the failure is
    /// logged; the next attempt waits for another interval.
    pub async fn keys(&self) -> Arc<KeySet> {
        {
            let cached = self.cached.read().await;
            if cached.checked_at.elapsed() < REFRESH_INTERVAL {
                return Arc::clone(&cached.keys);
            }
        }
        self.refresh().await
    }

    /// Reads the secret now, whatever the age of the keys in use.
    pub async fn refresh(&self) -> Arc<KeySet> {
        let _only_one = self.refreshing.lock().await;
        let result = fetch(&self.client, &self.secret).await;
        let mut cached = self.cached.write().await;
        cached.checked_at = Instant::now();
        match result {
            Ok(keys) => {
                if keys.current().kid() != cached.keys.current().kid() {
                    tracing::info!(kid = keys.current().kid(), "signing key changed");
                }
                cached.keys = Arc::new(keys);
            }
            Err(error) => {
                tracing::warn!(error = %error, "failed to refresh the signing keys; keeping the current ones");
            }
        }
        Arc::clone(&cached.keys)
    }
}

async fn fetch(client: &Client, secret: &str) -> Result<KeySet, KeyStoreError> {
    let current = read_version(client, secret, CURRENT)
        .await?
        .ok_or_else(|| KeyStoreError::Read {
            secret: secret.to_owned(),
            stage: CURRENT,
            detail: "the secret has no current version".to_owned(),
        })?;
    let previous = read_version(client, secret, PREVIOUS).await?;
    KeySet::derive(&current, previous.as_deref()).map_err(|source| KeyStoreError::Key {
        secret: secret.to_owned(),
        source,
    })
}

/// Reads one version of the secret by staging label, or `None` when no version has it.
async fn read_version(
    client: &Client,
    secret: &str,
    stage: &'static str,
) -> Result<Option<Vec<u8>>, KeyStoreError> {
    let result = client
        .get_secret_value()
        .secret_id(secret)
        .version_stage(stage)
        .send()
        .await;
    let output = match result {
        Ok(output) => output,
        Err(error) => {
            let code = error
                .as_service_error()
                .and_then(ProvideErrorMetadata::code);
            if code == Some("ResourceNotFoundException") && stage == PREVIOUS {
                return Ok(None);
            }
            return Err(KeyStoreError::Read {
                secret: secret.to_owned(),
                stage,
                detail: DisplayErrorContext(&error).to_string(),
            });
        }
    };
    if let Some(text) = output.secret_string() {
        return Ok(Some(text.as_bytes().to_vec()));
    }
    if let Some(binary) = output.secret_binary() {
        return Ok(Some(binary.as_ref().to_vec()));
    }
    Err(KeyStoreError::Empty {
        secret: secret.to_owned(),
        stage,
    })
}
