//! IAM policy documents, with the wildcard check that keeps permissions exact.
//!
//! Reference: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html>

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::expr::Expr;

/// The only policy language version with policy variables, and the one AWS recommends.
pub const POLICY_VERSION: &str = "2012-10-17";

/// Whether a statement grants or denies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// Grants the actions.
    Allow,
    /// Denies the actions, overriding any `Allow`.
    Deny,
}

/// The principal that a resource-based or trust policy statement applies to.
#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    /// AWS services, such as `lambda.amazonaws.com`.
    Service(Vec<String>),
    /// AWS accounts, users or roles, by ARN or account ID.
    Aws(Vec<Expr>),
    /// Everyone (`"*"`), including anonymous callers.
    Everyone,
}

impl Principal {
    /// Builds a principal for one AWS service.
    pub fn service(service: impl Into<String>) -> Self {
        Principal::Service(vec![service.into()])
    }
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Principal::Everyone => serializer.serialize_str("*"),
            Principal::Service(services) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("Service", services)?;
                map.end()
            }
            Principal::Aws(principals) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("AWS", principals)?;
                map.end()
            }
        }
    }
}

/// A condition operator of the `Condition` element.
///
/// Reference: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum ConditionOperator {
    /// Exact, case-sensitive string match.
    StringEquals,
    /// Negated `StringEquals`.
    StringNotEquals,
    /// Case-sensitive match with `*` and `?` wildcards.
    StringLike,
    /// Negated `StringLike`.
    StringNotLike,
    /// Exact ARN match.
    ArnEquals,
    /// ARN match with wildcards.
    ArnLike,
    /// Boolean match, such as on `aws:SecureTransport`.
    Bool,
    /// Number comparison: less than.
    NumericLessThan,
    /// Number comparison: greater than or equal.
    NumericGreaterThanEquals,
    /// Whether the key is absent (`true`) or present (`false`).
    Null,
}

/// One statement of a policy document.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    #[serde(skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    effect: Effect,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal: Option<Principal>,
    action: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resource: Vec<Expr>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    condition: BTreeMap<ConditionOperator, BTreeMap<String, Vec<Expr>>>,
    #[serde(skip)]
    wildcard_reason: Option<String>,
}

impl Statement {
    fn new(effect: Effect) -> Self {
        Self {
            sid: None,
            effect,
            principal: None,
            action: Vec::new(),
            resource: Vec::new(),
            condition: BTreeMap::new(),
            wildcard_reason: None,
        }
    }

    /// Builds an `Allow` statement.
    pub fn allow() -> Self {
        Self::new(Effect::Allow)
    }

    /// Builds a `Deny` statement.
    pub fn deny() -> Self {
        Self::new(Effect::Deny)
    }

    /// Sets `Sid`, the statement's identifier, which IAM limits to ASCII letters and digits.
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Sets `Principal`, for trust and resource-based policies.
    pub fn principal(mut self, principal: Principal) -> Self {
        self.principal = Some(principal);
        self
    }

    /// Adds actions, such as `dynamodb:GetItem`.
    pub fn actions<S: Into<String>>(mut self, actions: impl IntoIterator<Item = S>) -> Self {
        self.action.extend(actions.into_iter().map(Into::into));
        self
    }

    /// Adds resources, by ARN.
    pub fn resources(mut self, resources: impl IntoIterator<Item = Expr>) -> Self {
        self.resource.extend(resources);
        self
    }

    /// Adds one key to a `Condition` operator, such as `StringEquals` on `aws:SourceAccount`.
    pub fn condition(
        mut self,
        operator: ConditionOperator,
        key: impl Into<String>,
        values: impl IntoIterator<Item = Expr>,
    ) -> Self {
        self.condition
            .entry(operator)
            .or_default()
            .insert(key.into(), values.into_iter().collect());
        self
    }

    /// Permits `*` as an action or resource of this `Allow` statement, which the wildcard check
    /// would otherwise reject. The reason should state why no exact ARN or action fits, such as
    /// "X-Ray does not support resource-level permissions".
    pub fn allow_wildcard(mut self, reason: impl Into<String>) -> Self {
        self.wildcard_reason = Some(reason.into());
        self
    }

    fn label(&self, index: usize) -> String {
        match &self.sid {
            Some(sid) => format!("statement `{sid}`"),
            None => format!("statement {}", index + 1),
        }
    }

    fn problems(&self, index: usize) -> Vec<String> {
        let mut problems = Vec::new();
        let label = self.label(index);
        if let Some(sid) = &self.sid
            && (sid.is_empty() || !sid.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            problems.push(format!(
                "{label} has an invalid Sid; use ASCII letters and digits"
            ));
        }
        if self.action.is_empty() {
            problems.push(format!("{label} has no actions"));
        }

        // Deny statements may use wildcards, because a wider Deny only removes access.
        let unexplained_wildcard = self.effect == Effect::Allow && self.wildcard_reason.is_none();
        if unexplained_wildcard {
            for action in &self.action {
                if action == "*" || action.ends_with(":*") {
                    problems.push(format!(
                        "{label} allows every action (`{action}`); list the exact actions, or call \
                         allow_wildcard with the reason"
                    ));
                }
            }
            if self
                .resource
                .iter()
                .any(|resource| resource.as_literal() == Some("*"))
            {
                problems.push(format!(
                    "{label} allows resource `*`; name the exact ARNs, or call allow_wildcard with \
                     the reason"
                ));
            }
        }
        problems
    }
}

/// An IAM policy document.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Builds a document from statements.
    pub fn new(statements: impl IntoIterator<Item = Statement>) -> Self {
        Self {
            statements: statements.into_iter().collect(),
        }
    }

    /// Returns the problems with the document: statements without actions, invalid Sids, and
    /// `Allow` statements with `*` or `service:*` as an action, or `*` as a resource, that do not
    /// give a reason.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.statements.is_empty() {
            problems.push("the policy document has no statements".to_owned());
        }
        for (index, statement) in self.statements.iter().enumerate() {
            problems.extend(statement.problems(index));
        }
        problems
    }
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("Version", POLICY_VERSION)?;
        map.serialize_entry("Statement", &self.statements)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn document_json() {
        let document = PolicyDocument::new([Statement::allow()
            .sid("ReadUsers")
            .actions(["dynamodb:GetItem"])
            .resources([Expr::sub("arn:${AWS::Partition}:dynamodb:::table/users")])
            .condition(
                ConditionOperator::StringEquals,
                "aws:SourceAccount",
                [Expr::account_id()],
            )]);
        assert_eq!(
            serde_json::to_value(&document).unwrap(),
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "ReadUsers",
                    "Effect": "Allow",
                    "Action": ["dynamodb:GetItem"],
                    "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:dynamodb:::table/users"}],
                    "Condition": {"StringEquals": {"aws:SourceAccount": [{"Ref": "AWS::AccountId"}]}}
                }]
            })
        );
        assert!(document.problems().is_empty());
    }

    #[test]
    fn principals() {
        let service = Principal::service("lambda.amazonaws.com");
        assert_eq!(
            serde_json::to_value(&service).unwrap(),
            json!({"Service": ["lambda.amazonaws.com"]})
        );
        let account = Principal::Aws(vec![Expr::account_id()]);
        assert_eq!(
            serde_json::to_value(&account).unwrap(),
            json!({"AWS": [{"Ref": "AWS::AccountId"}]})
        );
        assert_eq!(
            serde_json::to_value(Principal::Everyone).unwrap(),
            json!("*")
        );
    }

    #[test]
    fn wildcard_action_is_rejected() {
        let document = PolicyDocument::new([Statement::allow()
            .actions(["s3:*"])
            .resources(["arn:aws:s3:::bucket".into()])]);
        assert_eq!(
            document.problems(),
            [
                "statement 1 allows every action (`s3:*`); list the exact actions, or call \
              allow_wildcard with the reason"
            ]
        );
    }

    #[test]
    fn star_action_is_rejected() {
        let document = PolicyDocument::new([Statement::allow()
            .sid("Everything")
            .actions(["*"])
            .resources(["arn:aws:s3:::bucket".into()])]);
        let problems = document.problems();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("statement `Everything` allows every action (`*`)"));
    }

    #[test]
    fn wildcard_resource_is_rejected() {
        let document = PolicyDocument::new([Statement::allow()
            .actions(["xray:PutTraceSegments"])
            .resources(["*".into()])]);
        assert_eq!(
            document.problems(),
            [
                "statement 1 allows resource `*`; name the exact ARNs, or call allow_wildcard with \
              the reason"
            ]
        );
    }

    #[test]
    fn wildcard_with_reason_is_accepted() {
        let document = PolicyDocument::new([Statement::allow()
            .actions(["xray:PutTraceSegments"])
            .resources(["*".into()])
            .allow_wildcard("X-Ray does not support resource-level permissions")]);
        assert!(document.problems().is_empty());
        let json = serde_json::to_value(&document).unwrap();
        assert_eq!(json["Statement"][0].get("WildcardReason"), None);
    }

    #[test]
    fn deny_may_use_wildcards() {
        let document = PolicyDocument::new([Statement::deny()
            .principal(Principal::Everyone)
            .actions(["s3:*"])
            .resources(["*".into()])]);
        assert!(document.problems().is_empty());
    }

    #[test]
    fn partial_wildcards_are_accepted() {
        let document = PolicyDocument::new([Statement::allow()
            .actions(["s3:GetObject*"])
            .resources(["arn:aws:s3:::bucket/*".into()])]);
        assert!(document.problems().is_empty());
    }

    #[test]
    fn empty_document_and_statement() {
        assert_eq!(
            PolicyDocument::new([]).problems(),
            ["the policy document has no statements"]
        );
        assert_eq!(
            PolicyDocument::new([Statement::allow().sid("Bad-Sid")]).problems(),
            [
                "statement `Bad-Sid` has an invalid Sid; use ASCII letters and digits",
                "statement `Bad-Sid` has no actions"
            ]
        );
    }
}
