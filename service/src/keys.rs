//! Token signing keys: Ed25519 keys derived with HKDF-SHA256 from the versions of a secret,
//! and the JSON Web Key Set (RFC 7517) that publishes their public halves.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use hkdf::Hkdf;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The HKDF salt, which separates these keys from any other use of the same secret.
const HKDF_SALT: &[u8] = b"auth-service/token-signing";
/// The HKDF info, which names what the output becomes.
const HKDF_INFO: &[u8] = b"Ed25519 private key v1";
/// The minimum length of the secret material, in bytes. The stack generates 64 characters.
pub const MIN_SECRET_BYTES: usize = 32;

/// A failure to derive a key from secret material.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The secret is too short to derive a key from safely.
    #[error("the signing-key secret has {0} bytes; at least {MIN_SECRET_BYTES} are needed")]
    TooShort(usize),
    /// The key could not be encoded for the signing library.
    #[error("failed to encode the signing key: {0}")]
    Encoding(String),
}

/// One Ed25519 key pair, with the forms that signing, verification and the JWKS need.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    x: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Derives the key pair from secret material: HKDF-SHA256 turns it into the 32-byte
    /// Ed25519 seed.
    pub fn derive(secret: &[u8]) -> Result<SigningKey, KeyError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(KeyError::TooShort(secret.len()));
        }
        let mut seed = [0u8; 32];
        Hkdf::<Sha256>::new(Some(HKDF_SALT), secret)
            .expand(HKDF_INFO, &mut seed)
            .map_err(|error| KeyError::Encoding(error.to_string()))?;
        let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
        let public = signing.verifying_key().to_bytes();
        let der = signing
            .to_pkcs8_der()
            .map_err(|error| KeyError::Encoding(error.to_string()))?;

        let x = URL_SAFE_NO_PAD.encode(public);
        Ok(SigningKey {
            kid: thumbprint(&x),
            x,
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding: DecodingKey::from_ed_der(&public),
        })
    }

    /// Returns the key ID: the RFC 7638 JWK thumbprint of the public key.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub(crate) fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    pub(crate) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Builds the public key as a JWK (RFC 8037 for the `OKP` key type).
    pub fn jwk(&self) -> Value {
        json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": self.x,
            "kid": self.kid,
            "use": "sig",
            "alg": "EdDSA",
        })
    }
}

/// Computes the RFC 7638 thumbprint of an Ed25519 JWK: SHA-256 of its required members in
/// lexicographic order, without whitespace, base64url-encoded.
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// The keys in use: the current key signs, and both it and the previous key verify, so that
/// a rotation does not invalidate tokens already issued.
#[derive(Clone, Debug)]
pub struct KeySet {
    current: SigningKey,
    previous: Option<SigningKey>,
}

impl KeySet {
    /// Derives the key set from the current and, if there is one, the previous secret value.
    pub fn derive(current: &[u8], previous: Option<&[u8]>) -> Result<KeySet, KeyError> {
        let current = SigningKey::derive(current)?;
        let previous = previous
            .map(SigningKey::derive)
            .transpose()?
            .filter(|previous| previous.kid != current.kid);
        Ok(KeySet { current, previous })
    }

    /// Returns the key that signs new tokens.
    pub fn current(&self) -> &SigningKey {
        &self.current
    }

    /// Finds a key by its key ID.
    pub fn find(&self, kid: &str) -> Option<&SigningKey> {
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .find(|key| key.kid == kid)
    }

    /// Builds the JSON Web Key Set: the current key first, then the previous one.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .map(SigningKey::jwk)
            .collect();
        json!({ "keys": keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01";
    const OTHER: &[u8] = b"ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba9876543210ZY";

    #[test]
    fn derivation_is_deterministic() {
        let first = SigningKey::derive(SECRET).unwrap();
        let second = SigningKey::derive(SECRET).unwrap();
        assert_eq!(first.kid(), second.kid());
        assert_eq!(first.jwk(), second.jwk());
        assert_ne!(first.kid(), SigningKey::derive(OTHER).unwrap().kid());
    }

    #[test]
    fn short_secret_is_rejected() {
        assert!(matches!(
            SigningKey::derive(b"short"),
            Err(KeyError::TooShort(5))
        ));
    }

    #[test]
    fn jwk_has_okp_fields() {
        let jwk = SigningKey::derive(SECRET).unwrap().jwk();
        assert_eq!(jwk["kty"], "OKP");
        assert_eq!(jwk["crv"], "Ed25519");
        assert_eq!(jwk["alg"], "EdDSA");
        assert_eq!(jwk["use"], "sig");
        let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
        assert_eq!(x.len(), 32);
        assert!(
            jwk.get("d").is_none(),
            "the private key must not be published"
        );
    }

    #[test]
    fn kid_is_rfc7638_thumbprint() {
        // The thumbprint of the RFC 8037 appendix A.3 example key.
        assert_eq!(
            thumbprint("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn key_set_publishes_current_then_previous() {
        let keys = KeySet::derive(SECRET, Some(OTHER)).unwrap();
        let jwks = keys.jwks();
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| key["kid"].as_str().unwrap())
            .collect();
        let current = SigningKey::derive(SECRET).unwrap();
        let previous = SigningKey::derive(OTHER).unwrap();
        assert_eq!(kids, [current.kid(), previous.kid()]);
        assert!(keys.find(previous.kid()).is_some());
        assert!(keys.find("unknown").is_none());
    }

    #[test]
    fn same_previous_version_is_not_repeated() {
        let keys = KeySet::derive(SECRET, Some(SECRET)).unwrap();
        assert_eq!(keys.jwks()["keys"].as_array().unwrap().len(), 1);
    }
}
