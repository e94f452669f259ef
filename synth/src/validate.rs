//! Whole-template checks: every reference resolves and no dependency cycle exists.
//!
//! The checks read the serialized JSON, so they cover typed resources, raw resources and
//! expressions built by hand alike.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::error::Problem;
use crate::expr::Pseudo;
use crate::name::LogicalId;
use crate::template::Template;

/// A name that a template value refers to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reference {
    /// `Ref` or an `Fn::Sub` variable without a dot: a resource, parameter or pseudo-parameter.
    Value {
        function: &'static str,
        name: String,
    },
    /// `Fn::GetAtt` or an `Fn::Sub` variable with a dot: an attribute of a resource.
    Attribute {
        function: &'static str,
        logical_id: String,
    },
    /// The condition of an `Fn::If` or of a `Condition` function.
    Condition {
        function: &'static str,
        name: String,
    },
}

/// Collects the references in a JSON value.
fn collect(value: &Value, found: &mut Vec<Reference>) {
    match value {
        Value::Array(values) => values.iter().for_each(|value| collect(value, found)),
        Value::Object(map) if map.len() == 1 => {
            let Some((key, argument)) = map.iter().next() else {
                return;
            };
            match (key.as_str(), argument) {
                ("Ref", Value::String(name)) => found.push(Reference::Value {
                    function: "Ref",
                    name: name.clone(),
                }),
                ("Fn::GetAtt", argument) => collect_get_att(argument, found),
                ("Fn::Sub", argument) => collect_sub(argument, found),
                ("Fn::If", Value::Array(arguments)) => {
                    if let Some(Value::String(name)) = arguments.first() {
                        found.push(Reference::Condition {
                            function: "Fn::If",
                            name: name.clone(),
                        });
                    }
                    arguments
                        .iter()
                        .skip(1)
                        .for_each(|value| collect(value, found));
                }
                ("Condition", Value::String(name)) => found.push(Reference::Condition {
                    function: "Condition",
                    name: name.clone(),
                }),
                (_, argument) => collect(argument, found),
            }
        }
        Value::Object(map) => map.values().for_each(|value| collect(value, found)),
        _ => {}
    }
}

fn collect_get_att(argument: &Value, found: &mut Vec<Reference>) {
    let logical_id = match argument {
        Value::Array(parts) => parts.first().and_then(Value::as_str).map(str::to_owned),
        Value::String(dotted) => dotted.split('.').next().map(str::to_owned),
        _ => None,
    };
    if let Some(logical_id) = logical_id {
        found.push(Reference::Attribute {
            function: "Fn::GetAtt",
            logical_id,
        });
    }
    if let Value::Array(parts) = argument {
        parts.iter().skip(1).for_each(|part| collect(part, found));
    }
}

fn collect_sub(argument: &Value, found: &mut Vec<Reference>) {
    let (template, variables) = match argument {
        Value::String(template) => (template.as_str(), None),
        Value::Array(parts) => match (parts.first(), parts.get(1)) {
            (Some(Value::String(template)), Some(Value::Object(variables))) => {
                (template.as_str(), Some(variables))
            }
            _ => return,
        },
        _ => return,
    };
    if let Some(variables) = variables {
        variables.values().for_each(|value| collect(value, found));
    }
    for variable in sub_variables(template) {
        if variables.is_some_and(|map| map.contains_key(variable)) {
            continue;
        }
        match variable.split_once('.') {
            Some((logical_id, _)) => found.push(Reference::Attribute {
                function: "Fn::Sub variable",
                logical_id: logical_id.to_owned(),
            }),
            None => found.push(Reference::Value {
                function: "Fn::Sub variable",
                name: variable.to_owned(),
            }),
        }
    }
}

/// Returns the variable names of an `Fn::Sub` string: `${Name}` and `${Name.Attribute}`, but not
/// the literal `${!Text}`.
fn sub_variables(template: &str) -> Vec<&str> {
    let mut variables = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            break;
        };
        let variable = after[..end].trim();
        if !variable.starts_with('!') {
            variables.push(variable);
        }
        rest = &after[end + 1..];
    }
    variables
}

/// Lists every reference to a resource, parameter, pseudo-parameter or condition that the
/// template does not contain.
pub(crate) fn references(template: &Template) -> Vec<Problem> {
    let resources: BTreeSet<&str> = template.resources.keys().map(LogicalId::as_str).collect();
    let parameters: BTreeSet<&str> = template.parameters().keys().map(|n| n.as_str()).collect();
    let conditions: BTreeSet<&str> = template.conditions.keys().map(|n| n.as_str()).collect();

    let mut problems = Vec::new();
    let mut report = |location: String, mut found: Vec<Reference>| {
        found.sort();
        found.dedup();
        for reference in found {
            let missing = match &reference {
                Reference::Value { function, name } => {
                    let known = if name.starts_with("AWS::") {
                        Pseudo::from_name(name).is_some()
                    } else {
                        resources.contains(name.as_str()) || parameters.contains(name.as_str())
                    };
                    (!known).then_some((*function, name, "resource, parameter or pseudo-parameter"))
                }
                Reference::Attribute {
                    function,
                    logical_id,
                } => (!resources.contains(logical_id.as_str()))
                    .then_some((*function, logical_id, "resource")),
                Reference::Condition { function, name } => {
                    (!conditions.contains(name.as_str())).then_some((*function, name, "condition"))
                }
            };
            if let Some((function, target, expected)) = missing {
                problems.push(Problem::MissingTarget {
                    location: location.clone(),
                    function,
                    target: target.clone(),
                    expected,
                });
            }
        }
    };

    for (id, entry) in &template.resources {
        let mut found = Vec::new();
        collect(&entry.properties, &mut found);
        found.extend(
            entry
                .attributes
                .dependencies()
                .map(|dependency| Reference::Attribute {
                    function: "DependsOn",
                    logical_id: dependency.to_string(),
                }),
        );
        if let Some(condition) = entry.attributes.condition_name() {
            found.push(Reference::Condition {
                function: "Condition attribute",
                name: condition.to_string(),
            });
        }
        report(format!("resource `{id}`"), found);
    }
    for (name, condition) in &template.conditions {
        let mut found = Vec::new();
        collect(&serde_json::json!(condition), &mut found);
        report(format!("condition `{name}`"), found);
    }
    for (name, output) in &template.outputs {
        let mut found = Vec::new();
        collect(&serde_json::json!(output.value), &mut found);
        if let Some(export) = &output.export {
            collect(&serde_json::json!(export.name), &mut found);
        }
        if let Some(condition) = &output.condition {
            found.push(Reference::Condition {
                function: "Condition attribute",
                name: condition.to_string(),
            });
        }
        report(format!("output `{name}`"), found);
    }
    problems
}

/// Lists the `Allow` statements with wildcards whose resources record no reason for them, in
/// typed and raw resources alike.
pub(crate) fn wildcards(template: &Template) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (id, entry) in &template.resources {
        let mut found = Vec::new();
        crate::policy::find_wildcards(&entry.properties, &mut found);
        let reasons = entry
            .attributes
            .metadata_entries()
            .get(crate::policy::WILDCARD_REASONS_KEY)
            .and_then(Value::as_object);
        for wildcard in found {
            let explained = wildcard.sid.as_ref().is_some_and(|sid| {
                reasons
                    .and_then(|reasons| reasons.get(sid))
                    .and_then(Value::as_str)
                    .is_some_and(|reason| !reason.trim().is_empty())
            });
            if !explained {
                problems.push(Problem::IamWildcard {
                    logical_id: id.clone(),
                    sid: wildcard.sid,
                    detail: wildcard.detail,
                });
            }
        }
    }
    problems
}

/// Builds the dependency graph: the resources that each resource depends on, through `Ref`, `Fn::GetAtt`, `Fn::Sub` or
/// `DependsOn`.
fn dependency_graph(template: &Template) -> BTreeMap<&LogicalId, BTreeSet<&LogicalId>> {
    let mut graph = BTreeMap::new();
    for (id, entry) in &template.resources {
        let mut found = Vec::new();
        collect(&entry.properties, &mut found);
        let mut dependencies: BTreeSet<&LogicalId> = entry.attributes.dependencies().collect();
        for reference in found {
            let name = match &reference {
                Reference::Value { name, .. } => name,
                Reference::Attribute { logical_id, .. } => logical_id,
                Reference::Condition { .. } => continue,
            };
            if let Some((target, _)) = template.resources.get_key_value(name.as_str()) {
                dependencies.insert(target);
            }
        }
        graph.insert(id, dependencies);
    }
    graph
}

/// Finds dependency cycles, reporting each cycle once as the path that closes it.
pub(crate) fn cycles(template: &Template) -> Vec<Problem> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Visiting,
        Done,
    }

    fn visit<'a>(
        node: &'a LogicalId,
        graph: &BTreeMap<&'a LogicalId, BTreeSet<&'a LogicalId>>,
        states: &mut BTreeMap<&'a LogicalId, State>,
        path: &mut Vec<&'a LogicalId>,
        problems: &mut Vec<Problem>,
    ) {
        states.insert(node, State::Visiting);
        path.push(node);
        for &next in graph.get(node).into_iter().flatten() {
            match states.get(next) {
                Some(State::Visiting) => {
                    let start = path.iter().position(|id| *id == next).unwrap_or(0);
                    let mut cycle: Vec<LogicalId> =
                        path[start..].iter().map(|id| (*id).clone()).collect();
                    cycle.push(next.clone());
                    problems.push(Problem::DependencyCycle(cycle));
                }
                Some(State::Done) => {}
                None => visit(next, graph, states, path, problems),
            }
        }
        path.pop();
        states.insert(node, State::Done);
    }

    let graph = dependency_graph(template);
    let mut states = BTreeMap::new();
    let mut problems = Vec::new();
    for &node in graph.keys() {
        if !states.contains_key(node) {
            visit(node, &graph, &mut states, &mut Vec::new(), &mut problems);
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_variables_skip_literals() {
        assert_eq!(
            sub_variables("${A}-${B.Arn}-${!Literal}-${ AWS::Region }"),
            ["A", "B.Arn", "AWS::Region"]
        );
        assert!(sub_variables("no variables, ${unterminated").is_empty());
    }
}
