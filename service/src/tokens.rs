//! Access tokens: EdDSA-signed JWTs with the `at+jwt` type of RFC 9068.

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::keys::KeySet;

/// The `typ` header of access tokens (RFC 9068, section 2.1).
pub const TOKEN_TYPE: &str = "at+jwt";
/// The full media type form of [`TOKEN_TYPE`], which RFC 9068, section 4, also accepts.
pub const TOKEN_MEDIA_TYPE: &str = "application/at+jwt";
/// The clock skew allowed when checking `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECONDS: u64 = 5;

/// The claims of an access token. Every field is required when verifying.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The issuer.
    pub iss: String,
    /// The subject: the canonical username.
    pub sub: String,
    /// The audience.
    pub aud: String,
    /// Issued at, in seconds since the Unix epoch.
    pub iat: u64,
    /// Not valid before, in seconds since the Unix epoch.
    pub nbf: u64,
    /// Expires at, in seconds since the Unix epoch.
    pub exp: u64,
    /// A unique token ID.
    pub jti: String,
    /// The ID of the user record, which a user created again under the same name does not
    /// share, so a token of a deleted user cannot act on its successor.
    pub uid: String,
}

/// Why a token was rejected. Callers see only "authentication failed"; the reason is for
/// debug logs.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The header is not `typ: at+jwt` with a known `kid`, or does not parse.
    #[error("the token header is invalid: {0}")]
    Header(String),
    /// The signature, algorithm, claims or times did not verify.
    #[error("the token did not verify: {0}")]
    Invalid(String),
    /// The clock is before the Unix epoch or the token times overflow.
    #[error("the token times are out of range")]
    Time,
}

/// Issues and verifies access tokens for one issuer and audience.
#[derive(Clone, Debug)]
pub struct TokenIssuer {
    issuer: String,
    audience: String,
    lifetime: Duration,
}

/// A newly issued token.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// The compact JWS.
    pub token: String,
    /// The lifetime, in seconds.
    pub expires_in: u64,
}

fn unix_seconds(time: SystemTime) -> Result<u64, TokenError> {
    time.duration_since(UNIX_EPOCH)
        .map(|duration| duration.as_secs())
        .map_err(|_| TokenError::Time)
}

impl TokenIssuer {
    /// Builds an issuer.
    pub fn new(issuer: String, audience: String, lifetime: Duration) -> TokenIssuer {
        TokenIssuer {
            issuer,
            audience,
            lifetime,
        }
    }

    /// Returns the issuer, the `iss` claim.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Signs a token for a user with the current key, valid from `now` for the lifetime.
    pub fn issue(
        &self,
        keys: &KeySet,
        subject: &str,
        user_id: &str,
        now: SystemTime,
    ) -> Result<IssuedToken, TokenError> {
        let issued_at = unix_seconds(now)?;
        let lifetime = self.lifetime.as_secs();
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: subject.to_owned(),
            aud: self.audience.clone(),
            iat: issued_at,
            nbf: issued_at,
            exp: issued_at.checked_add(lifetime).ok_or(TokenError::Time)?,
            jti: uuid::Uuid::new_v4().to_string(),
            uid: user_id.to_owned(),
        };
        let key = keys.current();
        let header = Header {
            typ: Some(TOKEN_TYPE.to_owned()),
            kid: Some(key.kid().to_owned()),
            ..Header::new(Algorithm::EdDSA)
        };
        let token = jsonwebtoken::encode(&header, &claims, key.encoding())
            .map_err(|error| TokenError::Invalid(error.to_string()))?;
        Ok(IssuedToken {
            token,
            expires_in: lifetime,
        })
    }

    /// Verifies a token: the algorithm is pinned to EdDSA, the header must be `at+jwt` with
    /// the ID of a current or previous key, every claim must be present, `iss` and `aud` must
    /// match, and `exp`, `nbf` and `iat` are checked against the clock with 5 seconds of
    /// leeway.
    pub fn verify(&self, keys: &KeySet, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| TokenError::Header("not a decodable JWT header".to_owned()))?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Header(format!("algorithm {:?}", header.alg)));
        }
        let typ = header.typ.as_deref().map(str::to_ascii_lowercase);
        if typ.as_deref() != Some(TOKEN_TYPE) && typ.as_deref() != Some(TOKEN_MEDIA_TYPE) {
            return Err(TokenError::Header(format!("type {:?}", header.typ)));
        }
        let kid = header
            .kid
            .ok_or_else(|| TokenError::Header("no kid".to_owned()))?;
        let key = keys
            .find(&kid)
            .ok_or_else(|| TokenError::Header("unknown kid".to_owned()))?;

        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.required_spec_claims = ["exp", "nbf", "iss", "sub", "aud"]
            .into_iter()
            .map(str::to_owned)
            .collect::<HashSet<_>>();
        let claims = jsonwebtoken::decode::<Claims>(token, key.decoding(), &validation)
            .map_err(|error| TokenError::Invalid(describe(error.kind())))?
            .claims;

        let now = unix_seconds(SystemTime::now())?;
        if claims.iat > now.saturating_add(LEEWAY_SECONDS) {
            return Err(TokenError::Invalid("issued in the future".to_owned()));
        }
        Ok(claims)
    }
}

/// Describes a verification failure without any part of the token, which the error's own
/// message can quote.
fn describe(kind: &ErrorKind) -> String {
    let text = match kind {
        ErrorKind::ExpiredSignature => "expired",
        ErrorKind::ImmatureSignature => "not yet valid",
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::InvalidAlgorithm => "wrong algorithm",
        ErrorKind::MissingRequiredClaim(claim) => return format!("missing claim {claim}"),
        _ => "malformed",
    };
    text.to_owned()
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::{Value, json};

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01";
    const OTHER: &[u8] = b"ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjihgfedcba9876543210ZY";
    const ISSUER: &str = "https://auth.example.com";

    fn issuer() -> TokenIssuer {
        TokenIssuer::new(
            ISSUER.to_owned(),
            "auth-test".to_owned(),
            Duration::from_secs(900),
        )
    }

    fn keys() -> KeySet {
        KeySet::derive(SECRET, None).unwrap()
    }

    fn issue_at(now: SystemTime) -> String {
        issuer()
            .issue(&keys(), "alice", "uid-1", now)
            .unwrap()
            .token
    }

    fn part(token: &str, index: usize) -> Value {
        let segment = token.split('.').nth(index).unwrap();
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
    }

    /// Builds a token with arbitrary header and claims, signed with the test key.
    fn forge(header: Header, claims: &Value, secret: &[u8]) -> String {
        let keys = KeySet::derive(secret, None).unwrap();
        jsonwebtoken::encode(&header, claims, keys.current().encoding()).unwrap()
    }

    fn good_header() -> Header {
        Header {
            typ: Some(TOKEN_TYPE.to_owned()),
            kid: Some(keys().current().kid().to_owned()),
            ..Header::new(Algorithm::EdDSA)
        }
    }

    fn good_claims() -> Value {
        let now = unix_seconds(SystemTime::now()).unwrap();
        json!({
            "iss": ISSUER, "sub": "alice", "aud": "auth-test", "iat": now, "nbf": now,
            "exp": now + 60, "jti": "j", "uid": "u"
        })
    }

    #[test]
    fn issued_token_has_header_and_claims() {
        let token = issue_at(SystemTime::now());
        let header = part(&token, 0);
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["typ"], "at+jwt");
        assert_eq!(header["kid"], keys().current().kid());
        let claims = part(&token, 1);
        for claim in ["iss", "sub", "aud", "iat", "nbf", "exp", "jti", "uid"] {
            assert!(claims.get(claim).is_some(), "missing {claim}");
        }
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            900
        );
    }

    #[test]
    fn issued_token_verifies() {
        let token = issue_at(SystemTime::now());
        let claims = issuer().verify(&keys(), &token).unwrap();
        assert_eq!(claims.sub, "alice");
        assert_eq!(claims.uid, "uid-1");
        assert_eq!(claims.iss, ISSUER);
    }

    #[test]
    fn token_ids_are_unique() {
        let now = SystemTime::now();
        assert_ne!(
            part(&issue_at(now), 1)["jti"],
            part(&issue_at(now), 1)["jti"]
        );
    }

    #[test]
    fn expired_token_is_rejected() {
        let past = SystemTime::now() - Duration::from_secs(900 + LEEWAY_SECONDS + 2);
        assert!(issuer().verify(&keys(), &issue_at(past)).is_err());
    }

    #[test]
    fn expiry_within_leeway_is_accepted() {
        let past = SystemTime::now() - Duration::from_secs(900 + 2);
        assert!(issuer().verify(&keys(), &issue_at(past)).is_ok());
    }

    #[test]
    fn future_token_is_rejected() {
        let future = SystemTime::now() + Duration::from_secs(60);
        assert!(issuer().verify(&keys(), &issue_at(future)).is_err());
    }

    #[test]
    fn future_iat_alone_is_rejected() {
        let mut claims = good_claims();
        let now = claims["nbf"].as_u64().unwrap();
        claims["iat"] = json!(now + 60);
        let token = forge(good_header(), &claims, SECRET);
        assert!(issuer().verify(&keys(), &token).is_err());
    }

    #[test]
    fn future_nbf_alone_is_rejected() {
        let mut claims = good_claims();
        let now = claims["iat"].as_u64().unwrap();
        claims["nbf"] = json!(now + 60);
        let token = forge(good_header(), &claims, SECRET);
        assert!(issuer().verify(&keys(), &token).is_err());
    }

    #[test]
    fn wrong_signature_is_rejected() {
        let forged = forge(good_header(), &good_claims(), OTHER);
        assert!(matches!(
            issuer().verify(&keys(), &forged),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn previous_key_still_verifies() {
        let old_keys = KeySet::derive(OTHER, None).unwrap();
        let token = issuer()
            .issue(&old_keys, "alice", "uid-1", SystemTime::now())
            .unwrap()
            .token;
        let rotated = KeySet::derive(SECRET, Some(OTHER)).unwrap();
        assert!(issuer().verify(&rotated, &token).is_ok());
        assert!(issuer().verify(&keys(), &token).is_err());
    }

    #[test]
    fn wrong_issuer_or_audience_is_rejected() {
        for (claim, value) in [("iss", "https://evil.example"), ("aud", "other-app")] {
            let mut claims = good_claims();
            claims[claim] = json!(value);
            let token = forge(good_header(), &claims, SECRET);
            assert!(issuer().verify(&keys(), &token).is_err(), "{claim}");
        }
    }

    #[test]
    fn every_claim_is_required() {
        for claim in ["iss", "sub", "aud", "iat", "nbf", "exp", "jti", "uid"] {
            let mut claims = good_claims();
            claims.as_object_mut().unwrap().remove(claim);
            let token = forge(good_header(), &claims, SECRET);
            assert!(issuer().verify(&keys(), &token).is_err(), "{claim}");
        }
        let token = forge(good_header(), &good_claims(), SECRET);
        assert!(issuer().verify(&keys(), &token).is_ok());
    }

    #[test]
    fn header_must_be_at_jwt_with_known_kid() {
        let without_type = Header {
            typ: Some("JWT".to_owned()),
            ..good_header()
        };
        let unknown_kid = Header {
            kid: Some("other".to_owned()),
            ..good_header()
        };
        let no_kid = Header {
            kid: None,
            ..good_header()
        };
        for header in [without_type, unknown_kid, no_kid] {
            let token = forge(header, &good_claims(), SECRET);
            assert!(matches!(
                issuer().verify(&keys(), &token),
                Err(TokenError::Header(_))
            ));
        }
    }

    #[test]
    fn media_type_form_of_typ_is_accepted() {
        for typ in ["application/at+jwt", "AT+JWT"] {
            let header = Header {
                typ: Some(typ.to_owned()),
                ..good_header()
            };
            let token = forge(header, &good_claims(), SECRET);
            assert!(issuer().verify(&keys(), &token).is_ok(), "{typ}");
        }
    }

    #[test]
    fn unsigned_and_other_algorithms_are_rejected() {
        let claims = URL_SAFE_NO_PAD.encode(good_claims().to_string());
        for header in [
            json!({"alg": "none", "typ": "at+jwt", "kid": keys().current().kid()}),
            json!({"alg": "HS256", "typ": "at+jwt", "kid": keys().current().kid()}),
        ] {
            let header = URL_SAFE_NO_PAD.encode(header.to_string());
            let token = format!("{header}.{claims}.");
            assert!(issuer().verify(&keys(), &token).is_err());
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for token in ["", "a", "a.b", "a.b.c", "....", "eyJ.eyJ.sig"] {
            assert!(issuer().verify(&keys(), token).is_err(), "{token}");
        }
    }
}
