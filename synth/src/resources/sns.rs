//! `AWS::SNS::Topic`.

use serde::Serialize;

use crate::expr::Expr;
use crate::resource::{Handle, Resource};
use crate::resources::Tag;

/// The protocol of a topic subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// E-mail, which the recipient must confirm.
    Email,
    /// HTTPS POST to an endpoint.
    Https,
    /// An SQS queue.
    Sqs,
    /// A Lambda function.
    Lambda,
}

/// A subscription created with the topic.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subscription {
    /// The address, URL or ARN that receives messages.
    pub endpoint: Expr,
    /// The delivery protocol.
    pub protocol: Protocol,
}

/// An `AWS::SNS::Topic`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Topic {
    /// The topic name; CloudFormation generates one when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_name: Option<Expr>,
    /// The display name, used as the sender of e-mail notifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The KMS key for encryption at rest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kms_master_key_id: Option<Expr>,
    /// Subscriptions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subscription: Vec<Subscription>,
    /// Tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// The maximum length of a topic's display name.
pub const MAX_DISPLAY_NAME_LENGTH: usize = 100;

impl Resource for Topic {
    fn resource_type(&self) -> &str {
        "AWS::SNS::Topic"
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(name) = &self.display_name
            && name.chars().count() > MAX_DISPLAY_NAME_LENGTH
        {
            problems.push(format!(
                "DisplayName `{name}` is {} characters long; the maximum is \
                 {MAX_DISPLAY_NAME_LENGTH}",
                name.chars().count()
            ));
        }
        problems
    }
}

impl Handle<Topic> {
    /// `Ref`: the topic ARN.
    pub fn arn(&self) -> Expr {
        self.reference()
    }

    /// `Fn::GetAtt TopicName`: the topic name.
    pub fn topic_name(&self) -> Expr {
        self.attribute("TopicName")
    }
}
