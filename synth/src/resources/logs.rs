//! `AWS::Logs::LogGroup`.

use serde::Serialize;

use crate::expr::Expr;
use crate::resource::{Handle, NameRule, Resource};
use crate::resources::Tag;

/// The maximum length of a log group name.
pub const MAX_LOG_GROUP_NAME_LENGTH: usize = 512;

/// The rule for log group names.
pub const LOG_GROUP_NAME: NameRule = NameRule {
    property: "LogGroupName",
    min_length: 1,
    max_length: MAX_LOG_GROUP_NAME_LENGTH,
    allowed: |c| c.is_ascii_alphanumeric() || "._-/#".contains(c),
    allowed_description: "ASCII letters, digits and `._-/#`",
};

/// The retention periods, in days, that CloudWatch Logs accepts.
pub const RETENTION_DAYS: [u32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// An `AWS::Logs::LogGroup`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogGroup {
    /// The log group name; CloudFormation generates one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<Expr>,
    /// Days to keep events; absent keeps them forever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_in_days: Option<u32>,
    /// The KMS key that encrypts the events; absent uses CloudWatch Logs' own encryption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<Expr>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl LogGroup {
    /// Builds a named log group with a retention period.
    pub fn named(name: impl Into<Expr>, retention_in_days: u32) -> Self {
        Self {
            log_group_name: Some(name.into()),
            retention_in_days: Some(retention_in_days),
            kms_key_id: None,
            tags: Vec::new(),
        }
    }
}

impl Resource for LogGroup {
    fn resource_type(&self) -> &str {
        "AWS::Logs::LogGroup"
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        LOG_GROUP_NAME.check(&mut problems, self.log_group_name.as_ref());
        if let Some(days) = self.retention_in_days
            && !RETENTION_DAYS.contains(&days)
        {
            problems.push(format!(
                "RetentionInDays {days} is not a period CloudWatch Logs accepts; use one of \
                 {RETENTION_DAYS:?}"
            ));
        }
        problems
    }
}

impl Handle<LogGroup> {
    /// `Ref`: the log group name.
    pub fn name(&self) -> Expr {
        self.reference()
    }

    /// `Fn::GetAtt Arn`: the log group ARN, which ends in `:*` and so also covers its log
    /// streams.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }
}
