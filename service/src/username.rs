//! Usernames: normalized once at the boundary, so that every spelling of a name is one user.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// The minimum length of a username, in characters after normalization.
pub const MIN_LENGTH: usize = 3;
/// The maximum length of a username, in characters after normalization.
pub const MAX_LENGTH: usize = 64;
/// The punctuation that a username may contain besides ASCII letters and digits.
pub const PUNCTUATION: &str = "._-@+";

/// A canonical username: trimmed, NFKC-normalized and lowercased, then checked. It is the
/// DynamoDB key and the `sub` claim of tokens.
///
/// Only ASCII letters and digits are accepted after normalization, so no two users can have
/// names that look alike but differ, such as a Latin `a` and a Cyrillic `а`. NFKC still maps
/// full-width and other compatibility forms onto ASCII, so `Ａｌｉｃｅ` is `alice`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Username(String);

/// Why a username was rejected, as a sentence for the API's error message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUsername {
    /// Shorter than the minimum after normalization.
    #[error("username must be at least {MIN_LENGTH} characters long")]
    TooShort,
    /// Longer than the maximum after normalization.
    #[error("username must be at most {MAX_LENGTH} characters long")]
    TooLong,
    /// Consists of punctuation only.
    #[error("username must contain a letter or a digit")]
    NoLetterOrDigit,
    /// Contains a character outside the allowed set.
    #[error(
        "username may contain only letters a to z, digits and the characters . _ - @ +; found {0:?}"
    )]
    InvalidCharacter(char),
}

impl Username {
    /// Normalizes and checks a username as a client sent it.
    pub fn parse(raw: &str) -> Result<Username, InvalidUsername> {
        let normalized: String = raw.trim().nfkc().collect::<String>().to_lowercase();
        // Lowercasing can produce characters that NFKC would change again, such as the
        // Kelvin sign, so normalize once more.
        let normalized: String = normalized.nfkc().collect();

        let length = normalized.chars().count();
        if length < MIN_LENGTH {
            return Err(InvalidUsername::TooShort);
        }
        if length > MAX_LENGTH {
            return Err(InvalidUsername::TooLong);
        }
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || PUNCTUATION.contains(c);
        if let Some(invalid) = normalized.chars().find(|c| !allowed(*c)) {
            return Err(InvalidUsername::InvalidCharacter(invalid));
        }
        if !normalized.chars().any(|c| c.is_ascii_alphanumeric()) {
            return Err(InvalidUsername::NoLetterOrDigit);
        }
        Ok(Username(normalized))
    }

    /// Returns the canonical form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(raw: &str) -> String {
        Username::parse(raw).unwrap().as_str().to_owned()
    }

    #[test]
    fn case_and_width_are_folded() {
        assert_eq!(canonical("alice"), "alice");
        assert_eq!(canonical("Alice"), "alice");
        assert_eq!(canonical("ALICE"), "alice");
        assert_eq!(canonical("Ａｌｉｃｅ"), "alice");
    }

    #[test]
    fn whitespace_is_trimmed() {
        assert_eq!(canonical("  bob\t"), "bob");
    }

    #[test]
    fn punctuation_is_allowed() {
        assert_eq!(canonical("a.b_c-d@e+f"), "a.b_c-d@e+f");
        assert_eq!(canonical("user@example.com"), "user@example.com");
    }

    #[test]
    fn kelvin_sign_becomes_k() {
        assert_eq!(canonical("\u{212A}im"), "kim");
    }

    #[test]
    fn length_limits_apply_after_normalization() {
        assert_eq!(Username::parse("ab"), Err(InvalidUsername::TooShort));
        assert_eq!(Username::parse("   ab   "), Err(InvalidUsername::TooShort));
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"a".repeat(MAX_LENGTH)).is_ok());
        assert_eq!(
            Username::parse(&"a".repeat(MAX_LENGTH + 1)),
            Err(InvalidUsername::TooLong)
        );
        // Each full-width letter is one character after NFKC, as before it.
        assert!(Username::parse(&"Ａ".repeat(MAX_LENGTH)).is_ok());
    }

    #[test]
    fn look_alike_letters_are_rejected() {
        assert_eq!(
            Username::parse("\u{0430}lice"),
            Err(InvalidUsername::InvalidCharacter('\u{0430}'))
        );
    }

    #[test]
    fn spaces_and_symbols_are_rejected() {
        assert_eq!(
            Username::parse("al ice"),
            Err(InvalidUsername::InvalidCharacter(' '))
        );
        assert_eq!(
            Username::parse("alice!"),
            Err(InvalidUsername::InvalidCharacter('!'))
        );
        assert!(Username::parse("ali\u{0}ce").is_err());
        assert!(Username::parse("a/../b").is_err());
    }

    #[test]
    fn punctuation_only_is_rejected() {
        for raw in ["...", "@@@", "\u{2026}", "-_-"] {
            assert_eq!(
                Username::parse(raw),
                Err(InvalidUsername::NoLetterOrDigit),
                "{raw}"
            );
        }
        assert!(Username::parse("._a").is_ok());
    }

    #[test]
    fn error_messages_explain_the_rule() {
        assert_eq!(
            InvalidUsername::InvalidCharacter('!').to_string(),
            "username may contain only letters a to z, digits and the characters . _ - @ +; found '!'"
        );
        assert_eq!(
            InvalidUsername::TooShort.to_string(),
            "username must be at least 3 characters long"
        );
    }
}
