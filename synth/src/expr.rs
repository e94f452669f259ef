//! Values of a template that CloudFormation may compute at deploy time: literals, intrinsic
//! functions and pseudo-parameters.
//!
//! Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html>

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::name::{ConditionName, LogicalId, ParameterName};

/// A pseudo-parameter that CloudFormation defines in every stack.
///
/// Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pseudo {
    /// `AWS::AccountId`: the ID of the account that the stack is in.
    AccountId,
    /// `AWS::NoValue`: removes the property that it is the value of.
    NoValue,
    /// `AWS::NotificationARNs`: the SNS topics that receive the stack's events.
    NotificationArns,
    /// `AWS::Partition`: `aws`, `aws-cn` or `aws-us-gov`.
    Partition,
    /// `AWS::Region`: the Region that the stack is in.
    Region,
    /// `AWS::StackId`: the ARN of the stack.
    StackId,
    /// `AWS::StackName`: the name of the stack.
    StackName,
    /// `AWS::URLSuffix`: the domain suffix, usually `amazonaws.com`.
    UrlSuffix,
}

impl Pseudo {
    /// Every pseudo-parameter, for lookups by name.
    pub const ALL: [Pseudo; 8] = [
        Pseudo::AccountId,
        Pseudo::NoValue,
        Pseudo::NotificationArns,
        Pseudo::Partition,
        Pseudo::Region,
        Pseudo::StackId,
        Pseudo::StackName,
        Pseudo::UrlSuffix,
    ];

    /// Returns the name that `Ref` and `Fn::Sub` use, such as `AWS::Region`.
    pub fn as_str(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::NoValue => "AWS::NoValue",
            Pseudo::NotificationArns => "AWS::NotificationARNs",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::Region => "AWS::Region",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
        }
    }

    /// Looks up a pseudo-parameter by its `AWS::` name.
    pub fn from_name(name: &str) -> Option<Pseudo> {
        Pseudo::ALL
            .into_iter()
            .find(|pseudo| pseudo.as_str() == name)
    }
}

/// The target of a `Ref`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// A resource of the template, by logical ID.
    Resource(LogicalId),
    /// A parameter of the template.
    Parameter(ParameterName),
    /// A pseudo-parameter.
    Pseudo(Pseudo),
}

impl Target {
    /// Returns the name that the `Ref` serializes to.
    pub fn name(&self) -> &str {
        match self {
            Target::Resource(id) => id.as_str(),
            Target::Parameter(name) => name.as_str(),
            Target::Pseudo(pseudo) => pseudo.as_str(),
        }
    }
}

/// A template value: a literal or an intrinsic function.
///
/// Values built from typed handles ([`crate::Handle`], [`crate::ParameterHandle`]) point at names
/// that exist; [`crate::Template::to_json`] still checks every reference, because an `Expr` can
/// be built from a name by hand.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A literal string.
    String(String),
    /// A literal list, such as the list that `Fn::Select` picks from.
    List(Vec<Expr>),
    /// [`Ref`](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-ref.html):
    /// the value that a resource, parameter or pseudo-parameter stands for.
    Ref(Target),
    /// [`Fn::GetAtt`](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getatt.html):
    /// an attribute of a resource.
    GetAtt {
        /// The resource.
        logical_id: LogicalId,
        /// The attribute name, such as `Arn`.
        attribute: String,
    },
    /// [`Fn::Sub`](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-sub.html):
    /// a string with `${Name}` variables.
    Sub {
        /// The string with `${Name}` placeholders.
        template: String,
        /// Values for placeholders that are not resources, parameters or pseudo-parameters.
        variables: BTreeMap<String, Expr>,
    },
    /// [`Fn::Join`](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-join.html):
    /// values joined with a delimiter.
    Join {
        /// The delimiter placed between values.
        delimiter: String,
        /// The values.
        values: Vec<Expr>,
    },
    /// [`Fn::Select`](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-select.html):
    /// one element of a list, by zero-based index.
    Select {
        /// The zero-based index.
        index: usize,
        /// The list.
        list: Box<Expr>,
    },
    /// [`Fn::Split`](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-split.html):
    /// a string split into a list.
    Split {
        /// The delimiter to split at.
        delimiter: String,
        /// The string to split.
        source: Box<Expr>,
    },
    /// [`Fn::If`](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html#intrinsic-function-reference-conditions-if):
    /// one of two values, chosen by a condition of the template.
    If {
        /// The condition.
        condition: ConditionName,
        /// The value when the condition is true.
        then: Box<Expr>,
        /// The value when the condition is false.
        otherwise: Box<Expr>,
    },
}

impl Expr {
    /// Builds a literal string.
    pub fn string(value: impl Into<String>) -> Expr {
        Expr::String(value.into())
    }

    /// Builds a `Ref` to a pseudo-parameter.
    pub fn pseudo(pseudo: Pseudo) -> Expr {
        Expr::Ref(Target::Pseudo(pseudo))
    }

    /// Builds `Ref: AWS::Partition`.
    pub fn partition() -> Expr {
        Expr::pseudo(Pseudo::Partition)
    }

    /// Builds `Ref: AWS::Region`.
    pub fn region() -> Expr {
        Expr::pseudo(Pseudo::Region)
    }

    /// Builds `Ref: AWS::AccountId`.
    pub fn account_id() -> Expr {
        Expr::pseudo(Pseudo::AccountId)
    }

    /// Builds `Ref: AWS::StackName`.
    pub fn stack_name() -> Expr {
        Expr::pseudo(Pseudo::StackName)
    }

    /// Builds `Ref: AWS::URLSuffix`.
    pub fn url_suffix() -> Expr {
        Expr::pseudo(Pseudo::UrlSuffix)
    }

    /// Builds `Ref: AWS::NoValue`, which removes the property it is assigned to.
    pub fn no_value() -> Expr {
        Expr::pseudo(Pseudo::NoValue)
    }

    /// Builds an `Fn::Sub` whose placeholders name only resources, parameters and
    /// pseudo-parameters.
    pub fn sub(template: impl Into<String>) -> Expr {
        Expr::Sub {
            template: template.into(),
            variables: BTreeMap::new(),
        }
    }

    /// Builds an `Fn::Sub` with a variable map.
    pub fn sub_with<'a>(
        template: impl Into<String>,
        variables: impl IntoIterator<Item = (&'a str, Expr)>,
    ) -> Expr {
        Expr::Sub {
            template: template.into(),
            variables: variables
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        }
    }

    /// Builds an `Fn::Join`.
    pub fn join(delimiter: impl Into<String>, values: impl IntoIterator<Item = Expr>) -> Expr {
        Expr::Join {
            delimiter: delimiter.into(),
            values: values.into_iter().collect(),
        }
    }

    /// Builds an `Fn::Select`.
    pub fn select(index: usize, list: Expr) -> Expr {
        Expr::Select {
            index,
            list: Box::new(list),
        }
    }

    /// Builds an `Fn::Split`.
    pub fn split(delimiter: impl Into<String>, source: Expr) -> Expr {
        Expr::Split {
            delimiter: delimiter.into(),
            source: Box::new(source),
        }
    }

    /// Builds an `Fn::If`.
    pub fn if_then_else(condition: &ConditionName, then: Expr, otherwise: Expr) -> Expr {
        Expr::If {
            condition: condition.clone(),
            then: Box::new(then),
            otherwise: Box::new(otherwise),
        }
    }

    /// Returns the string if this is a literal, so its length can be checked at synth time.
    pub fn as_literal(&self) -> Option<&str> {
        match self {
            Expr::String(value) => Some(value),
            _ => None,
        }
    }
}

impl From<&str> for Expr {
    fn from(value: &str) -> Expr {
        Expr::string(value)
    }
}

impl From<String> for Expr {
    fn from(value: String) -> Expr {
        Expr::String(value)
    }
}

impl From<Pseudo> for Expr {
    fn from(pseudo: Pseudo) -> Expr {
        Expr::pseudo(pseudo)
    }
}

/// Serializes `{ key: value }`, the shape of every intrinsic function.
fn single_entry<S: Serializer>(
    serializer: S,
    key: &str,
    value: &(impl Serialize + ?Sized),
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(key, value)?;
    map.end()
}

/// The two-element argument list `[first, second]` that several functions take.
struct Pair<'a, A: ?Sized, B: ?Sized>(&'a A, &'a B);

impl<A: Serialize + ?Sized, B: Serialize + ?Sized> Serialize for Pair<'_, A, B> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(2))?;
        seq.serialize_element(self.0)?;
        seq.serialize_element(self.1)?;
        seq.end()
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Expr::String(value) => serializer.serialize_str(value),
            Expr::List(values) => values.serialize(serializer),
            Expr::Ref(target) => single_entry(serializer, "Ref", target.name()),
            Expr::GetAtt {
                logical_id,
                attribute,
            } => single_entry(
                serializer,
                "Fn::GetAtt",
                &Pair(logical_id.as_str(), attribute.as_str()),
            ),
            Expr::Sub {
                template,
                variables,
            } if variables.is_empty() => single_entry(serializer, "Fn::Sub", template),
            Expr::Sub {
                template,
                variables,
            } => single_entry(serializer, "Fn::Sub", &Pair(template, variables)),
            Expr::Join { delimiter, values } => {
                single_entry(serializer, "Fn::Join", &Pair(delimiter, values))
            }
            Expr::Select { index, list } => {
                single_entry(serializer, "Fn::Select", &Pair(index, list.as_ref()))
            }
            Expr::Split { delimiter, source } => {
                single_entry(serializer, "Fn::Split", &Pair(delimiter, source.as_ref()))
            }
            Expr::If {
                condition,
                then,
                otherwise,
            } => single_entry(
                serializer,
                "Fn::If",
                &(condition.as_str(), then.as_ref(), otherwise.as_ref()),
            ),
        }
    }
}

/// A condition function, the value of an entry in the template's `Conditions` section.
///
/// Reference: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html>
#[derive(Clone, Debug, PartialEq)]
pub enum ConditionExpr {
    /// `Fn::Equals`: true when both values are equal.
    Equals(Expr, Expr),
    /// `Fn::Not`: negates a condition.
    Not(Box<ConditionExpr>),
    /// `Fn::And`: true when every condition is true.
    And(Vec<ConditionExpr>),
    /// `Fn::Or`: true when any condition is true.
    Or(Vec<ConditionExpr>),
    /// `Condition`: another condition of the template, by name.
    Condition(ConditionName),
}

impl Serialize for ConditionExpr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ConditionExpr::Equals(left, right) => {
                single_entry(serializer, "Fn::Equals", &Pair(left, right))
            }
            ConditionExpr::Not(condition) => {
                single_entry(serializer, "Fn::Not", &[condition.as_ref()])
            }
            ConditionExpr::And(conditions) => single_entry(serializer, "Fn::And", conditions),
            ConditionExpr::Or(conditions) => single_entry(serializer, "Fn::Or", conditions),
            ConditionExpr::Condition(name) => single_entry(serializer, "Condition", name),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn to_json(value: &impl Serialize) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }

    fn logical_id(value: &str) -> LogicalId {
        LogicalId::new(value).unwrap()
    }

    #[test]
    fn string_is_plain_json_string() {
        assert_eq!(to_json(&Expr::from("auth")), json!("auth"));
    }

    #[test]
    fn list_is_json_array() {
        let list = Expr::List(vec!["a".into(), Expr::region()]);
        assert_eq!(to_json(&list), json!(["a", {"Ref": "AWS::Region"}]));
    }

    #[test]
    fn ref_to_resource() {
        let expr = Expr::Ref(Target::Resource(logical_id("UsersTable")));
        assert_eq!(to_json(&expr), json!({"Ref": "UsersTable"}));
    }

    #[test]
    fn ref_to_parameter() {
        let name = ParameterName::new("ServiceCodeBucket").unwrap();
        let expr = Expr::Ref(Target::Parameter(name));
        assert_eq!(to_json(&expr), json!({"Ref": "ServiceCodeBucket"}));
    }

    #[test]
    fn ref_to_each_pseudo_parameter() {
        let expected = [
            (Pseudo::AccountId, "AWS::AccountId"),
            (Pseudo::NoValue, "AWS::NoValue"),
            (Pseudo::NotificationArns, "AWS::NotificationARNs"),
            (Pseudo::Partition, "AWS::Partition"),
            (Pseudo::Region, "AWS::Region"),
            (Pseudo::StackId, "AWS::StackId"),
            (Pseudo::StackName, "AWS::StackName"),
            (Pseudo::UrlSuffix, "AWS::URLSuffix"),
        ];
        for (pseudo, name) in expected {
            assert_eq!(to_json(&Expr::from(pseudo)), json!({"Ref": name}));
            assert_eq!(Pseudo::from_name(name), Some(pseudo));
        }
        assert_eq!(Pseudo::from_name("AWS::Nothing"), None);
    }

    #[test]
    fn pseudo_shortcuts() {
        assert_eq!(
            to_json(&Expr::partition()),
            json!({"Ref": "AWS::Partition"})
        );
        assert_eq!(
            to_json(&Expr::account_id()),
            json!({"Ref": "AWS::AccountId"})
        );
        assert_eq!(
            to_json(&Expr::stack_name()),
            json!({"Ref": "AWS::StackName"})
        );
        assert_eq!(
            to_json(&Expr::url_suffix()),
            json!({"Ref": "AWS::URLSuffix"})
        );
        assert_eq!(to_json(&Expr::no_value()), json!({"Ref": "AWS::NoValue"}));
    }

    #[test]
    fn get_att_is_two_element_list() {
        let expr = Expr::GetAtt {
            logical_id: logical_id("Function"),
            attribute: "Arn".into(),
        };
        assert_eq!(to_json(&expr), json!({"Fn::GetAtt": ["Function", "Arn"]}));
    }

    #[test]
    fn sub_without_variables_is_a_string() {
        let expr = Expr::sub("arn:${AWS::Partition}:s3:::bucket");
        assert_eq!(
            to_json(&expr),
            json!({"Fn::Sub": "arn:${AWS::Partition}:s3:::bucket"})
        );
    }

    #[test]
    fn sub_with_variables_is_string_and_map() {
        let expr = Expr::sub_with(
            "${Api}.execute-api.${AWS::Region}",
            [("Api", Expr::Ref(Target::Resource(logical_id("RestApi"))))],
        );
        assert_eq!(
            to_json(&expr),
            json!({"Fn::Sub": ["${Api}.execute-api.${AWS::Region}", {"Api": {"Ref": "RestApi"}}]})
        );
    }

    #[test]
    fn join_is_delimiter_and_list() {
        let expr = Expr::join("-", ["auth".into(), Expr::region()]);
        assert_eq!(
            to_json(&expr),
            json!({"Fn::Join": ["-", ["auth", {"Ref": "AWS::Region"}]]})
        );
    }

    #[test]
    fn select_is_index_and_list() {
        let expr = Expr::select(1, Expr::List(vec!["a".into(), "b".into()]));
        assert_eq!(to_json(&expr), json!({"Fn::Select": [1, ["a", "b"]]}));
    }

    #[test]
    fn split_is_delimiter_and_source() {
        let expr = Expr::split(":", Expr::account_id());
        assert_eq!(
            to_json(&expr),
            json!({"Fn::Split": [":", {"Ref": "AWS::AccountId"}]})
        );
    }

    #[test]
    fn select_of_split() {
        let expr = Expr::select(0, Expr::split("/", Expr::stack_name()));
        assert_eq!(
            to_json(&expr),
            json!({"Fn::Select": [0, {"Fn::Split": ["/", {"Ref": "AWS::StackName"}]}]})
        );
    }

    #[test]
    fn if_is_condition_and_two_values() {
        let condition = ConditionName::new("HasEmail").unwrap();
        let expr = Expr::if_then_else(&condition, "yes".into(), Expr::no_value());
        assert_eq!(
            to_json(&expr),
            json!({"Fn::If": ["HasEmail", "yes", {"Ref": "AWS::NoValue"}]})
        );
    }

    #[test]
    fn condition_functions() {
        let equals = ConditionExpr::Equals(Expr::region(), "us-east-1".into());
        assert_eq!(
            to_json(&equals),
            json!({"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]})
        );

        let not = ConditionExpr::Not(Box::new(equals.clone()));
        assert_eq!(
            to_json(&not),
            json!({"Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}]})
        );

        let named = ConditionExpr::Condition(ConditionName::new("IsProd").unwrap());
        assert_eq!(to_json(&named), json!({"Condition": "IsProd"}));

        let and = ConditionExpr::And(vec![named.clone(), not.clone()]);
        assert_eq!(to_json(&and)["Fn::And"].as_array().unwrap().len(), 2);

        let or = ConditionExpr::Or(vec![named, equals]);
        assert_eq!(to_json(&or)["Fn::Or"][0], json!({"Condition": "IsProd"}));
    }

    #[test]
    fn literal_is_visible_for_checks() {
        assert_eq!(Expr::from("name").as_literal(), Some("name"));
        assert_eq!(Expr::stack_name().as_literal(), None);
    }
}
