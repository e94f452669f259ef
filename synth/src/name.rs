//! Validated names for the parts of a template that CloudFormation identifies by name.

use std::borrow::Borrow;
use std::fmt;

use serde::Serialize;

use crate::Error;

/// Maximum length of a logical ID, parameter, output or condition name.
pub const MAX_NAME_LENGTH: usize = 255;

/// Checks the rule that CloudFormation applies to every logical name: 1 to 255 ASCII letters and
/// digits.
fn validate(kind: &'static str, value: &str) -> Result<(), Error> {
    let reason = if value.is_empty() {
        Some("it is empty")
    } else if value.len() > MAX_NAME_LENGTH {
        Some("it is longer than 255 characters")
    } else if !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        Some("it may contain only ASCII letters and digits")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidName {
            kind,
            value: value.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

macro_rules! template_name {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            #[doc = concat!("Validates `value` as a ", $kind, ".")]
            pub fn new(value: impl Into<String>) -> Result<Self, Error> {
                let value = value.into();
                validate($kind, &value)?;
                Ok(Self(value))
            }

            /// Returns the name as CloudFormation spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str(&self.0)
            }
        }

        // The derived `Ord` orders like `str`, which `Borrow` requires.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;

            fn try_from(value: &str) -> Result<Self, Error> {
                Self::new(value)
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;

            fn try_from(value: String) -> Result<Self, Error> {
                Self::new(value)
            }
        }
    };
}

template_name!(
    /// The logical ID of a resource: its key in the template's `Resources` section.
    LogicalId,
    "logical ID"
);
template_name!(
    /// The name of a template parameter.
    ParameterName,
    "parameter name"
);
template_name!(
    /// The name of a template output.
    OutputName,
    "output name"
);
template_name!(
    /// The name of a condition in the template's `Conditions` section.
    ConditionName,
    "condition name"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_id_accepts_letters_and_digits() {
        let id = LogicalId::new("UsersTable2").unwrap();
        assert_eq!(id.as_str(), "UsersTable2");
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""UsersTable2""#);
    }

    #[test]
    fn logical_id_rejects_empty() {
        let error = LogicalId::new("").unwrap_err();
        assert_eq!(error.to_string(), "invalid logical ID ``: it is empty");
    }

    #[test]
    fn logical_id_rejects_punctuation() {
        let error = LogicalId::new("Users-Table").unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid logical ID `Users-Table`: it may contain only ASCII letters and digits"
        );
    }

    #[test]
    fn logical_id_rejects_non_ascii() {
        assert!(LogicalId::new("Tabelle\u{e4}").is_err());
    }

    #[test]
    fn names_accept_the_maximum_length() {
        let longest = "A".repeat(MAX_NAME_LENGTH);
        assert!(ParameterName::new(longest.clone()).is_ok());
        assert!(OutputName::new(longest.clone()).is_ok());
        assert!(ConditionName::new(longest).is_ok());
    }

    #[test]
    fn names_reject_over_maximum_length() {
        let too_long = "A".repeat(MAX_NAME_LENGTH + 1);
        let error = OutputName::new(too_long).unwrap_err();
        assert!(
            error
                .to_string()
                .ends_with("it is longer than 255 characters"),
            "{error}"
        );
    }
}
