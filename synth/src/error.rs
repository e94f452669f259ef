//! Errors from building and validating a template.

use std::fmt;

use crate::name::LogicalId;

/// An error from adding something to a template or from serializing it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    /// A logical ID, parameter, output or condition name breaks CloudFormation's naming rule.
    #[error("invalid {kind} `{value}`: {reason}")]
    InvalidName {
        /// What kind of name, such as `logical ID`.
        kind: &'static str,
        /// The rejected name.
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },

    /// A second entry with a name that the template already uses. Parameters and resources
    /// share one namespace.
    #[error("duplicate {kind} `{name}`: the template already contains one with this name")]
    Duplicate {
        /// What kind of name, such as `logical ID`.
        kind: &'static str,
        /// The repeated name.
        name: String,
    },

    /// A resource whose properties CloudFormation or the service would reject.
    #[error("invalid resource `{logical_id}` ({resource_type}): {}", problems.join("; "))]
    InvalidResource {
        /// The resource.
        logical_id: LogicalId,
        /// Its CloudFormation type.
        resource_type: String,
        /// One sentence per problem.
        problems: Vec<String>,
    },

    /// A resource whose properties failed to serialize to JSON.
    #[error("failed to serialize the properties of resource `{logical_id}`: {message}")]
    Serialize {
        /// The resource.
        logical_id: LogicalId,
        /// The serializer's message.
        message: String,
    },

    /// The template failed to serialize to JSON text.
    #[error("failed to serialize the template: {message}")]
    Json {
        /// The serializer's message.
        message: String,
    },

    /// Problems that only the whole template shows, found by [`crate::Template::validate`].
    #[error("invalid template: {}", Problems(.0))]
    Invalid(Vec<Problem>),
}

/// A problem found by validating the whole template.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// A `Ref`, `Fn::GetAtt`, `Fn::Sub` variable or `DependsOn` names nothing in the template.
    #[error(
        "{location} has {function} `{target}`, but the template has no {expected} of that name"
    )]
    MissingTarget {
        /// Where the reference is, such as ``resource `Function` ``.
        location: String,
        /// The function or attribute that refers, such as `Ref`.
        function: &'static str,
        /// The name it refers to.
        target: String,
        /// What it should name, such as `resource or parameter`.
        expected: &'static str,
    },

    /// An `Allow` statement with a wildcard action or resource, without a reason in the
    /// resource's `Metadata`.
    #[error(
        "resource `{logical_id}` has an Allow statement{} with {detail}; name the exact actions \
         and ARNs, or record the reason under the statement's Sid in Metadata.{}",
        sid.as_ref().map(|sid| format!(" `{sid}`")).unwrap_or_default(),
        crate::policy::WILDCARD_REASONS_KEY
    )]
    IamWildcard {
        /// The resource.
        logical_id: LogicalId,
        /// The statement's Sid, if it has one.
        sid: Option<String>,
        /// The wildcard, such as ``action `*` ``.
        detail: String,
    },

    /// Resources that depend on each other in a loop, which CloudFormation cannot order.
    #[error("dependency cycle: {}", cycle_path(.0))]
    DependencyCycle(Vec<LogicalId>),

    /// A limit of the template as a whole, such as the number of resources.
    #[error("{0}")]
    Limit(String),
}

fn cycle_path(cycle: &[LogicalId]) -> String {
    let names: Vec<&str> = cycle.iter().map(LogicalId::as_str).collect();
    names.join(" -> ")
}

/// Displays problems one per line after the first.
struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [single] => write!(formatter, "{single}"),
            problems => {
                write!(formatter, "{} problems", problems.len())?;
                for problem in problems {
                    write!(formatter, "\n  - {problem}")?;
                }
                Ok(())
            }
        }
    }
}
