//! IAM policy documents, with the wildcard check that keeps permissions exact.
//!
//! Reference: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html>

use std::collections::BTreeMap;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

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
    Service(Vec<Expr>),
    /// AWS accounts, users or roles, by ARN or account ID.
    Aws(Vec<Expr>),
    /// Everyone (`"*"`), including anonymous callers.
    Everyone,
}

impl Principal {
    /// Builds a principal for one AWS service.
    pub fn service(service: impl Into<Expr>) -> Self {
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

    /// Permits `*` or `service:*` as an action, or `*` as a resource, of this `Allow`
    /// statement, which the wildcard check would otherwise reject. The statement needs a Sid:
    /// the reason is written to the resource's `Metadata` under [`WILDCARD_REASONS_KEY`] and
    /// that Sid, where reviewers of the template see it. The reason should state why no exact
    /// ARN or action fits, such as "X-Ray does not support resource-level permissions".
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
        if self.wildcard_reason.is_some() && self.sid.is_none() {
            problems.push(format!(
                "{label} calls allow_wildcard but has no Sid; set one, so that Metadata can record \
                 the reason under it"
            ));
        }
        problems
    }
}

/// The `Metadata` key of a resource's reasons for IAM wildcards: an object from statement Sid
/// to reason. [`crate::Template::validate`] rejects an `Allow` statement with a wildcard unless
/// its resource records a reason for the statement's Sid here.
pub const WILDCARD_REASONS_KEY: &str = "IamWildcardReasons";

/// Builds the `Metadata` entry that records the wildcard reasons of policy documents, or
/// nothing when they give none.
pub(crate) fn wildcard_metadata<'a>(
    documents: impl IntoIterator<Item = &'a PolicyDocument>,
) -> BTreeMap<String, Value> {
    let reasons: BTreeMap<String, String> = documents
        .into_iter()
        .flat_map(PolicyDocument::wildcard_reasons)
        .collect();
    if reasons.is_empty() {
        BTreeMap::new()
    } else {
        BTreeMap::from([(WILDCARD_REASONS_KEY.to_owned(), serde_json::json!(reasons))])
    }
}

/// An `Allow` statement found in template JSON whose action or resource is a wildcard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Wildcard {
    /// The statement's Sid, if it has one.
    pub(crate) sid: Option<String>,
    /// The wildcard, such as ``action `s3:*` `` or ``resource `*` ``.
    pub(crate) detail: String,
}

/// Reports whether an action grants every action, or every action of one service.
fn is_wildcard_action(action: &Value) -> bool {
    action
        .as_str()
        .is_some_and(|action| action == "*" || action.ends_with(":*"))
}

/// Reports whether a resource is `*`, literally or as an `Fn::Sub` or `Fn::Join` of it.
fn is_wildcard_resource(resource: &Value) -> bool {
    match resource {
        Value::String(text) => text == "*",
        Value::Object(map) if map.len() == 1 => match map.iter().next() {
            Some((key, Value::String(text))) if key == "Fn::Sub" => text == "*",
            Some((key, Value::Array(parts))) if key == "Fn::Sub" => {
                parts.first().and_then(Value::as_str) == Some("*")
            }
            Some((key, Value::Array(parts))) if key == "Fn::Join" => {
                let values = parts.get(1).and_then(Value::as_array);
                values.is_some_and(|values| {
                    values.len() == 1 && values.first().is_some_and(is_wildcard_resource)
                })
            }
            _ => false,
        },
        _ => false,
    }
}

fn one_or_many(value: Option<&Value>) -> Vec<&Value> {
    match value {
        Some(Value::Array(values)) => values.iter().collect(),
        Some(value) => vec![value],
        None => Vec::new(),
    }
}

/// Finds the `Allow` statements with wildcards anywhere in a resource's JSON, such as in an
/// inline policy of a role or in a raw `AWS::IAM::ManagedPolicy`. Deny statements may use
/// wildcards, because a wider Deny only removes access.
pub(crate) fn find_wildcards(value: &Value, found: &mut Vec<Wildcard>) {
    match value {
        Value::Array(values) => values.iter().for_each(|value| find_wildcards(value, found)),
        Value::Object(map) => {
            let is_allow = map.get("Effect").and_then(Value::as_str) == Some("Allow");
            if is_allow {
                let sid = map.get("Sid").and_then(Value::as_str).map(str::to_owned);
                for action in one_or_many(map.get("Action")) {
                    if is_wildcard_action(action) {
                        found.push(Wildcard {
                            sid: sid.clone(),
                            detail: format!("action `{}`", action.as_str().unwrap_or_default()),
                        });
                    }
                }
                if one_or_many(map.get("Resource"))
                    .into_iter()
                    .any(is_wildcard_resource)
                {
                    found.push(Wildcard {
                        sid: sid.clone(),
                        detail: "resource `*`".to_owned(),
                    });
                }
            }
            map.values().for_each(|value| find_wildcards(value, found));
        }
        _ => {}
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

    /// Returns the problems with the document: no statements, statements without actions,
    /// invalid Sids, and `Allow` statements with `*` or `service:*` as an action, or `*` as a
    /// resource, that give no reason with [`Statement::allow_wildcard`].
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.statements.is_empty() {
            problems.push("the policy document has no statements".to_owned());
        }
        for (index, statement) in self.statements.iter().enumerate() {
            problems.extend(statement.problems(index));
            if statement.wildcard_reason.is_some() {
                continue;
            }
            let mut wildcards = Vec::new();
            find_wildcards(&serde_json::json!(statement), &mut wildcards);
            for wildcard in wildcards {
                problems.push(format!(
                    "{} allows {}; name the exact {}, or call allow_wildcard with the reason",
                    statement.label(index),
                    wildcard.detail,
                    if wildcard.detail.starts_with("action") {
                        "actions"
                    } else {
                        "ARNs"
                    }
                ));
            }
        }
        problems
    }

    /// Returns the reasons given for wildcards, by statement Sid.
    pub fn wildcard_reasons(&self) -> BTreeMap<String, String> {
        self.statements
            .iter()
            .filter_map(|statement| {
                let sid = statement.sid.clone()?;
                let reason = statement.wildcard_reason.clone()?;
                Some((sid, reason))
            })
            .collect()
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
                "statement 1 allows action `s3:*`; name the exact actions, or call allow_wildcard \
              with the reason"
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
        assert!(problems[0].starts_with("statement `Everything` allows action `*`"));
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
            .sid("Tracing")
            .actions(["xray:PutTraceSegments"])
            .resources(["*".into()])
            .allow_wildcard("X-Ray does not support resource-level permissions")]);
        assert!(document.problems().is_empty());
        assert_eq!(
            document.wildcard_reasons(),
            BTreeMap::from([(
                "Tracing".to_owned(),
                "X-Ray does not support resource-level permissions".to_owned()
            )])
        );
        let json = serde_json::to_value(&document).unwrap();
        assert_eq!(json["Statement"][0].get("WildcardReason"), None);
    }

    #[test]
    fn wildcard_reason_needs_sid() {
        let document = PolicyDocument::new([Statement::allow()
            .actions(["xray:PutTraceSegments"])
            .resources(["*".into()])
            .allow_wildcard("X-Ray does not support resource-level permissions")]);
        assert_eq!(
            document.problems(),
            [
                "statement 1 calls allow_wildcard but has no Sid; set one, so that Metadata can \
              record the reason under it"
            ]
        );
    }

    #[test]
    fn computed_wildcard_resource_is_rejected() {
        for resource in [
            Expr::sub("*"),
            Expr::sub_with("*", [("Unused", Expr::from("x"))]),
            Expr::join("", [Expr::from("*")]),
        ] {
            let document = PolicyDocument::new([Statement::allow()
                .actions(["s3:GetObject"])
                .resources([resource])]);
            assert_eq!(document.problems().len(), 1);
        }
    }

    #[test]
    fn wildcards_found_in_raw_json() {
        let raw = json!({"PolicyDocument": {"Statement": [
            {"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}
        ]}});
        let mut found = Vec::new();
        find_wildcards(&raw, &mut found);
        assert_eq!(
            found,
            [
                Wildcard {
                    sid: Some("All".into()),
                    detail: "action `*`".into()
                },
                Wildcard {
                    sid: Some("All".into()),
                    detail: "resource `*`".into()
                },
            ]
        );
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
