//! `AWS::CloudWatch::Alarm`.

use serde::Serialize;

use crate::expr::Expr;
use crate::resource::{Handle, NameRule, Resource};
use crate::resources::Tag;

/// The maximum length of an alarm name.
pub const MAX_ALARM_NAME_LENGTH: usize = 255;

/// The rule for alarm names.
pub const ALARM_NAME: NameRule = NameRule {
    property: "AlarmName",
    min_length: 1,
    max_length: MAX_ALARM_NAME_LENGTH,
    allowed: |c| !c.is_control(),
    allowed_description: "printable characters",
};

/// The comparison of the metric with the threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ComparisonOperator {
    /// metric >= threshold.
    GreaterThanOrEqualToThreshold,
    /// metric > threshold.
    GreaterThanThreshold,
    /// metric < threshold.
    LessThanThreshold,
    /// metric <= threshold.
    LessThanOrEqualToThreshold,
}

/// The statistic of the metric over each period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Statistic {
    /// The sum of the data points.
    Sum,
    /// The mean.
    Average,
    /// The maximum.
    Maximum,
    /// The minimum.
    Minimum,
    /// The number of data points.
    SampleCount,
}

/// The treatment of periods without data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TreatMissingData {
    /// As within the threshold, which suits error counts that are absent when nothing fails.
    NotBreaching,
    /// As breaching.
    Breaching,
    /// Keeps the current state.
    Ignore,
    /// As missing: the alarm goes to `INSUFFICIENT_DATA`.
    Missing,
}

/// A metric dimension.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Dimension {
    /// The dimension name, such as `FunctionName`.
    pub name: String,
    /// The dimension value.
    pub value: Expr,
}

/// An `AWS::CloudWatch::Alarm` on one metric.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Alarm {
    /// The alarm name; CloudFormation generates one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_name: Option<Expr>,
    /// A description, shown in notifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alarm_description: Option<String>,
    /// The metric namespace, such as `AWS/Lambda`.
    pub namespace: String,
    /// The metric name, such as `Errors`.
    pub metric_name: String,
    /// The metric dimensions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<Dimension>,
    /// The statistic.
    pub statistic: Statistic,
    /// The period, in seconds.
    pub period: u32,
    /// How many periods are compared.
    pub evaluation_periods: u32,
    /// The threshold.
    pub threshold: f64,
    /// The comparison.
    pub comparison_operator: ComparisonOperator,
    /// Periods without data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub treat_missing_data: Option<TreatMissingData>,
    /// Actions when the alarm fires, such as SNS topic ARNs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alarm_actions: Vec<Expr>,
    /// Actions when the alarm returns to OK.
    #[serde(rename = "OKActions", skip_serializing_if = "Vec::is_empty")]
    pub ok_actions: Vec<Expr>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

impl Resource for Alarm {
    fn resource_type(&self) -> &str {
        "AWS::CloudWatch::Alarm"
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        ALARM_NAME.check(&mut problems, self.alarm_name.as_ref());
        if self.period < 10 || (self.period > 30 && !self.period.is_multiple_of(60)) {
            problems.push(format!(
                "Period {} s is invalid; use 10, 20, 30 or a multiple of 60",
                self.period
            ));
        }
        if self.evaluation_periods == 0 {
            problems.push("EvaluationPeriods must be at least 1".to_owned());
        }
        problems
    }
}

impl Handle<Alarm> {
    /// `Fn::GetAtt Arn`: the alarm ARN.
    pub fn arn(&self) -> Expr {
        self.attribute("Arn")
    }
}
