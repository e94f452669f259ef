//! Passwords: the policy that new passwords must meet, and PBKDF2-HMAC-SHA256 hashing in the
//! PHC string format.

use std::fmt;

use pbkdf2::password_hash::phc::PasswordHash;
use pbkdf2::password_hash::{CustomizedPasswordHasher, PasswordVerifier};
use pbkdf2::{Params, Pbkdf2};
use unicode_normalization::UnicodeNormalization;
use zxcvbn::Score;

/// The minimum length of a password, in characters after NFKC normalization.
pub const MIN_LENGTH: usize = 8;
/// The maximum length of a password, in characters after NFKC normalization. It bounds the
/// work of hashing, since HMAC hashes a key longer than 64 bytes once more.
pub const MAX_LENGTH: usize = 1024;
/// The lowest zxcvbn score accepted. zxcvbn 3.1 gives score 3 to passwords that it estimates
/// need 10^8 to 10^10 guesses, and score 4 to harder ones.
pub const MIN_SCORE: Score = Score::Three;
/// The salt length, in bytes.
pub const SALT_BYTES: usize = 16;
/// The hash output length, in bytes.
pub const OUTPUT_BYTES: usize = 32;
/// The PHC identifier of PBKDF2-HMAC-SHA256.
pub const ALGORITHM_ID: &str = "pbkdf2-sha256";
/// The lowest iteration count that the `pbkdf2` crate accepts in a PHC string.
pub const MIN_ITERATIONS: u32 = Params::MIN_ROUNDS;

/// A password as the service handles it: NFKC-normalized, never trimmed, truncated or
/// case-changed. `Debug` does not show it.
#[derive(Clone)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Password(<redacted>)")
    }
}

/// Why a new password was rejected, as a sentence for the API's error message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    /// Shorter than the minimum.
    #[error("password must be at least {MIN_LENGTH} characters long")]
    TooShort,
    /// Longer than the maximum.
    #[error("password must be at most {MAX_LENGTH} characters long")]
    TooLong,
    /// Too easy to guess, with zxcvbn's explanation.
    #[error("password is too easy to guess: {0}")]
    Guessable(String),
}

impl Password {
    /// Normalizes a password for verification, without the policy checks that only new
    /// passwords must pass.
    pub fn normalize(raw: &str) -> Password {
        Password(raw.nfkc().collect())
    }

    /// Normalizes a new password and checks it against the policy: length, and a zxcvbn
    /// estimate of how guessable it is, given the username.
    pub fn new_for_user(raw: &str, username: &str) -> Result<Password, WeakPassword> {
        let password = Password::normalize(raw);
        let length = password.0.chars().count();
        if length < MIN_LENGTH {
            return Err(WeakPassword::TooShort);
        }
        if length > MAX_LENGTH {
            return Err(WeakPassword::TooLong);
        }

        let entropy = zxcvbn::zxcvbn(&password.0, &[username]);
        if entropy.score() < MIN_SCORE {
            let feedback = entropy.feedback();
            let reason = feedback
                .and_then(|feedback| feedback.warning())
                .map(|warning| warning.to_string())
                .or_else(|| {
                    let suggestion = feedback?.suggestions().first()?;
                    Some(suggestion.to_string())
                })
                .unwrap_or_else(|| "add more words or characters.".to_owned());
            return Err(WeakPassword::Guessable(lowercase_first(&reason)));
        }
        Ok(password)
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

fn lowercase_first(sentence: &str) -> String {
    let mut characters = sentence.chars();
    match characters.next() {
        Some(first) => first.to_lowercase().chain(characters).collect(),
        None => String::new(),
    }
}

/// A failure to hash, which is a fault of the service, not of the input.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The OS random number generator failed.
    #[error("failed to generate a salt: {0}")]
    Random(String),
    /// The hashing library rejected the parameters.
    #[error("failed to hash the password: {0}")]
    Hash(String),
}

/// The result of checking a password against a stored hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verification {
    /// The password matches. `needs_rehash` is set when the stored hash is weaker than the
    /// current policy.
    Match {
        /// Whether the hash should be recomputed with the current parameters.
        needs_rehash: bool,
    },
    /// The password does not match, or the stored hash is not one this service can check.
    Mismatch,
}

/// Hashes and verifies passwords with the current PBKDF2-HMAC-SHA256 policy.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    dummy_hash: PasswordHash,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PasswordHasher")
            .field("iterations", &self.params.rounds())
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// Builds a hasher with the given iteration count, and the dummy hash that logins of
    /// unknown users are verified against, so that they take as long as any other login.
    pub fn new(iterations: u32) -> Result<PasswordHasher, HashError> {
        let mut dummy_password = [0u8; 32];
        getrandom(&mut dummy_password)?;
        PasswordHasher::with_dummy_password(iterations, &dummy_password)
    }

    fn with_dummy_password(
        iterations: u32,
        dummy_password: &[u8],
    ) -> Result<PasswordHasher, HashError> {
        let params = Params::new_with_output_len(iterations, OUTPUT_BYTES)
            .map_err(|error| HashError::Hash(format!("{error} ({iterations} iterations)")))?;
        let dummy_hash = hash_with(params, dummy_password)?;
        Ok(PasswordHasher { params, dummy_hash })
    }

    /// Returns the iteration count of new hashes.
    pub fn iterations(&self) -> u32 {
        self.params.rounds()
    }

    /// Hashes a password with a fresh 16-byte salt from the OS random number generator and
    /// returns the PHC string, such as `$pbkdf2-sha256$i=600000,l=32$<salt>$<hash>`.
    pub fn hash(&self, password: &Password) -> Result<String, HashError> {
        Ok(hash_with(self.params, password.as_bytes())?.to_string())
    }

    /// Checks a password against a stored PHC string in constant time. A stored string that
    /// does not parse is a mismatch, so a corrupt record cannot be logged into.
    pub fn verify(&self, password: &Password, stored: &str) -> Verification {
        let Ok(hash) = PasswordHash::new(stored) else {
            return Verification::Mismatch;
        };
        // `Output`'s equality, which verify_password uses, compares in constant time.
        match Pbkdf2::default().verify_password(password.as_bytes(), &hash) {
            Ok(()) => Verification::Match {
                needs_rehash: self.is_weaker(&hash),
            },
            Err(_) => Verification::Mismatch,
        }
    }

    /// Verifies a password against the dummy hash, which never matches, at the cost of a real
    /// verification.
    pub fn verify_dummy(&self, password: &Password) -> Verification {
        // The result is discarded: the work is the point.
        let _ = self.matches_dummy(password.as_bytes());
        Verification::Mismatch
    }

    /// Runs the real verification against the dummy hash; only a test that knows the dummy
    /// password can make it match.
    fn matches_dummy(&self, password: &[u8]) -> bool {
        Pbkdf2::default()
            .verify_password(password, &self.dummy_hash)
            .is_ok()
    }

    /// Reports whether a hash was made with weaker parameters than the current policy.
    fn is_weaker(&self, hash: &PasswordHash) -> bool {
        let Ok(params) = Params::try_from(hash) else {
            return true;
        };
        hash.algorithm.as_str() != ALGORITHM_ID
            || params.rounds() < self.params.rounds()
            || params.output_len() != OUTPUT_BYTES
            || hash
                .salt
                .as_ref()
                .is_none_or(|salt| salt.len() < SALT_BYTES)
    }
}

fn getrandom(buffer: &mut [u8]) -> Result<(), HashError> {
    getrandom::fill(buffer).map_err(|error| HashError::Random(error.to_string()))
}

fn hash_with(params: Params, password: &[u8]) -> Result<PasswordHash, HashError> {
    let mut salt = [0u8; SALT_BYTES];
    getrandom(&mut salt)?;
    Pbkdf2::default()
        .hash_password_customized(password, &salt, Some(ALGORITHM_ID), None, params)
        .map_err(|error| HashError::Hash(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRONG: &str = "correct horse battery staple";

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(MIN_ITERATIONS).unwrap()
    }

    #[test]
    fn stored_string_names_algorithm_and_iterations() {
        let hasher = PasswordHasher::new(600_000).unwrap();
        let stored = hasher.hash(&Password::normalize(STRONG)).unwrap();
        let parts: Vec<&str> = stored.split('$').collect();
        assert_eq!(parts.len(), 5, "{stored}");
        assert_eq!(parts[0], "");
        assert_eq!(parts[1], "pbkdf2-sha256");
        assert_eq!(parts[2], "i=600000,l=32");

        let hash = PasswordHash::new(&stored).unwrap();
        assert_eq!(hash.salt.unwrap().len(), SALT_BYTES);
        assert_eq!(hash.hash.unwrap().len(), OUTPUT_BYTES);
    }

    #[test]
    fn salts_differ_between_hashes() {
        let hasher = hasher();
        let password = Password::normalize(STRONG);
        assert_ne!(
            hasher.hash(&password).unwrap(),
            hasher.hash(&password).unwrap()
        );
    }

    #[test]
    fn correct_password_matches() {
        let hasher = hasher();
        let stored = hasher.hash(&Password::normalize(STRONG)).unwrap();
        assert_eq!(
            hasher.verify(&Password::normalize(STRONG), &stored),
            Verification::Match {
                needs_rehash: false
            }
        );
    }

    #[test]
    fn wrong_password_does_not_match() {
        let hasher = hasher();
        let stored = hasher.hash(&Password::normalize(STRONG)).unwrap();
        let wrong = Password::normalize("correct horse battery stapler");
        assert_eq!(hasher.verify(&wrong, &stored), Verification::Mismatch);
        let case_changed = Password::normalize("Correct horse battery staple");
        assert_eq!(
            hasher.verify(&case_changed, &stored),
            Verification::Mismatch
        );
    }

    #[test]
    fn weaker_hash_needs_rehash() {
        let old = PasswordHasher::new(MIN_ITERATIONS).unwrap();
        let stored = old.hash(&Password::normalize(STRONG)).unwrap();
        let current = PasswordHasher::new(MIN_ITERATIONS * 2).unwrap();
        assert_eq!(
            current.verify(&Password::normalize(STRONG), &stored),
            Verification::Match { needs_rehash: true }
        );
    }

    #[test]
    fn stronger_hash_is_kept() {
        let newer = PasswordHasher::new(MIN_ITERATIONS * 2).unwrap();
        let stored = newer.hash(&Password::normalize(STRONG)).unwrap();
        assert_eq!(
            hasher().verify(&Password::normalize(STRONG), &stored),
            Verification::Match {
                needs_rehash: false
            }
        );
    }

    #[test]
    fn corrupt_hash_is_a_mismatch() {
        let password = Password::normalize(STRONG);
        for stored in [
            "",
            "plain",
            "$pbkdf2-sha256$i=1,l=32$c2FsdA$aGFzaA",
            "$argon2id$v=19$x",
        ] {
            assert_eq!(
                hasher().verify(&password, stored),
                Verification::Mismatch,
                "{stored}"
            );
        }
    }

    #[test]
    fn dummy_verification_hashes_with_current_policy() {
        let hasher = PasswordHasher::with_dummy_password(MIN_ITERATIONS * 3, b"known").unwrap();
        // Only a real PBKDF2 verification can match the known dummy password.
        assert!(hasher.matches_dummy(b"known"));
        assert!(!hasher.matches_dummy(b"other"));
        let params = Params::try_from(&hasher.dummy_hash).unwrap();
        assert_eq!(params.rounds(), MIN_ITERATIONS * 3);
        assert_eq!(params.output_len(), OUTPUT_BYTES);
    }

    #[test]
    fn dummy_never_matches() {
        assert_eq!(
            hasher().verify_dummy(&Password::normalize(STRONG)),
            Verification::Mismatch
        );
    }

    #[test]
    fn normalization_is_nfkc_only() {
        let full_width = Password::normalize("ｐａｓｓｗｏｒｄ");
        let ascii = Password::normalize("password");
        assert_eq!(full_width.0, ascii.0);
        assert_eq!(Password::normalize("  Pass  ").0, "  Pass  ");
    }

    #[test]
    fn too_few_iterations_are_rejected() {
        assert!(PasswordHasher::new(MIN_ITERATIONS - 1).is_err());
    }

    #[test]
    fn policy_length_limits() {
        assert_eq!(
            Password::new_for_user("short", "alice").unwrap_err(),
            WeakPassword::TooShort
        );
        let long = "x".repeat(MAX_LENGTH + 1);
        assert_eq!(
            Password::new_for_user(&long, "alice").unwrap_err(),
            WeakPassword::TooLong
        );
        let longest: String = (0..MAX_LENGTH)
            .map(|index| char::from(b'a' + (index * 7 % 26) as u8))
            .collect();
        assert!(Password::new_for_user(&longest, "alice").is_ok());
    }

    #[test]
    fn common_password_is_rejected_with_reason() {
        let error = Password::new_for_user("password1", "alice").unwrap_err();
        let WeakPassword::Guessable(reason) = &error else {
            panic!("expected a guessable password, got {error:?}");
        };
        assert!(!reason.is_empty());
        assert!(
            error
                .to_string()
                .starts_with("password is too easy to guess: "),
            "{error}"
        );
    }

    #[test]
    fn username_based_password_is_rejected() {
        assert!(matches!(
            Password::new_for_user("alicealice", "alicealice"),
            Err(WeakPassword::Guessable(_))
        ));
    }

    #[test]
    fn strong_password_is_accepted() {
        assert!(Password::new_for_user(STRONG, "alice").is_ok());
    }

    #[test]
    fn debug_hides_the_password() {
        assert_eq!(
            format!("{:?}", Password::normalize(STRONG)),
            "Password(<redacted>)"
        );
    }
}
