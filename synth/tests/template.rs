//! Whole-template behaviour: validation errors, serialization and derived facts.
#![allow(
    clippy::unwrap_used,
    reason = "helpers shared by the tests panic on failure, as the tests do"
)]

use serde_json::{Value, json};
use synth::policy::{PolicyDocument, Principal, Statement};
use synth::resources::dynamodb::Table;
use synth::resources::iam::{InlinePolicy, Role};
use synth::resources::lambda::{Code, Function, Runtime};
use synth::resources::logs::LogGroup;
use synth::resources::raw::RawResource;
use synth::resources::sns::Topic;
use synth::{
    Capability, ConditionExpr, ConditionName, Error, Expr, LogicalId, Output, Parameter, Policy,
    Problem, ResourceAttributes, Target, Template,
};

fn lambda_trust() -> PolicyDocument {
    PolicyDocument::new([Statement::allow()
        .principal(Principal::service("lambda.amazonaws.com"))
        .actions(["sts:AssumeRole"])])
}

fn problems(template: &Template) -> Vec<Problem> {
    match template.validate() {
        Err(Error::Invalid(problems)) => problems,
        other => panic!("expected validation problems, got {other:?}"),
    }
}

fn ref_to(name: &str) -> Expr {
    Expr::Ref(Target::Resource(LogicalId::new(name).unwrap()))
}

fn raw(properties: Value) -> RawResource {
    RawResource::new("AWS::SNS::Topic", properties)
}

#[test]
fn ref_to_missing_resource() {
    let mut template = Template::new("test");
    template
        .add("Topic", raw(json!({"TopicName": ref_to("Missing")})))
        .unwrap();
    let problems = problems(&template);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].to_string(),
        "resource `Topic` has Ref `Missing`, but the template has no resource, parameter or \
         pseudo-parameter of that name"
    );
}

#[test]
fn ref_to_missing_parameter() {
    let mut template = Template::new("test");
    let name = synth::ParameterName::new("Stage").unwrap();
    template
        .add(
            "Topic",
            raw(json!({"TopicName": Expr::Ref(Target::Parameter(name))})),
        )
        .unwrap();
    assert_eq!(
        problems(&template),
        [Problem::MissingTarget {
            location: "resource `Topic`".into(),
            function: "Ref",
            target: "Stage".into(),
            expected: "resource, parameter or pseudo-parameter",
        }]
    );
}

#[test]
fn ref_to_parameter_resolves() {
    let mut template = Template::new("test");
    let stage = template
        .add_parameter("Stage", Parameter::string())
        .unwrap();
    template
        .add("Topic", raw(json!({"TopicName": stage.value()})))
        .unwrap();
    assert!(template.validate().is_ok());
}

#[test]
fn ref_to_unknown_pseudo_parameter() {
    let mut template = Template::new("test");
    template
        .add("Topic", raw(json!({"TopicName": {"Ref": "AWS::Nowhere"}})))
        .unwrap();
    let problems = problems(&template);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].to_string().contains("Ref `AWS::Nowhere`"));
}

#[test]
fn get_att_of_missing_resource() {
    let mut template = Template::new("test");
    template
        .add(
            "Topic",
            raw(json!({"TopicName": {"Fn::GetAtt": ["Ghost", "Arn"]}})),
        )
        .unwrap();
    assert_eq!(
        problems(&template)[0].to_string(),
        "resource `Topic` has Fn::GetAtt `Ghost`, but the template has no resource of that name"
    );
}

#[test]
fn get_att_of_parameter_is_rejected() {
    let mut template = Template::new("test");
    template
        .add_parameter("Stage", Parameter::string())
        .unwrap();
    template
        .add(
            "Topic",
            raw(json!({"TopicName": {"Fn::GetAtt": "Stage.Arn"}})),
        )
        .unwrap();
    assert_eq!(problems(&template).len(), 1);
}

#[test]
fn depends_on_missing_resource() {
    let mut template = Template::new("test");
    let attributes = ResourceAttributes::new().depends_on_id(LogicalId::new("Later").unwrap());
    template
        .add_with("Topic", Topic::default(), attributes)
        .unwrap();
    assert_eq!(
        problems(&template)[0].to_string(),
        "resource `Topic` has DependsOn `Later`, but the template has no resource of that name"
    );
}

#[test]
fn sub_variables_are_checked() {
    let mut template = Template::new("test");
    template
        .add(
            "Topic",
            raw(json!({
                "TopicName": Expr::sub("${Missing}-${Gone.Arn}-${AWS::Region}-${!Literal}"),
                "DisplayName": Expr::sub_with("${Local}", [("Local", Expr::from("x"))]),
            })),
        )
        .unwrap();
    let messages: Vec<String> = problems(&template)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        messages,
        [
            "resource `Topic` has Fn::Sub variable `Missing`, but the template has no resource, \
             parameter or pseudo-parameter of that name",
            "resource `Topic` has Fn::Sub variable `Gone`, but the template has no resource of \
             that name",
        ]
    );
}

#[test]
fn missing_condition_in_fn_if_and_attribute() {
    let mut template = Template::new("test");
    let absent = ConditionName::new("Absent").unwrap();
    template
        .add_with(
            "Topic",
            raw(json!({"TopicName": Expr::if_then_else(&absent, "a".into(), Expr::no_value())})),
            ResourceAttributes::new().condition(&absent),
        )
        .unwrap();
    let messages: Vec<String> = problems(&template)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        messages,
        [
            "resource `Topic` has Condition attribute `Absent`, but the template has no \
             condition of that name",
            "resource `Topic` has Fn::If `Absent`, but the template has no condition of that name",
        ]
    );
}

#[test]
fn condition_referring_to_missing_condition() {
    let mut template = Template::new("test");
    let missing = ConditionName::new("Missing").unwrap();
    template
        .add_condition(
            "Derived",
            ConditionExpr::Not(Box::new(ConditionExpr::Condition(missing))),
        )
        .unwrap();
    template.add("Topic", Topic::default()).unwrap();
    assert_eq!(
        problems(&template)[0].to_string(),
        "condition `Derived` has Condition `Missing`, but the template has no condition of that \
         name"
    );
}

#[test]
fn output_referring_to_missing_resource() {
    let mut template = Template::new("test");
    template.add("Topic", Topic::default()).unwrap();
    template
        .add_output("Name", Output::new(ref_to("Nothing")))
        .unwrap();
    template
        .add_output(
            "Exported",
            Output::new("x".into()).export(Expr::sub("${AWS::StackName}-${Nope}")),
        )
        .unwrap();
    let messages: Vec<String> = problems(&template)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(messages.len(), 2);
    assert!(messages[0].starts_with("output `Exported` has Fn::Sub variable `Nope`"));
    assert!(messages[1].starts_with("output `Name` has Ref `Nothing`"));
}

#[test]
fn two_resource_cycle() {
    let mut template = Template::new("test");
    template
        .add("Alpha", raw(json!({"TopicName": ref_to("Beta")})))
        .unwrap();
    template
        .add(
            "Beta",
            raw(json!({"TopicName": {"Fn::GetAtt": ["Alpha", "TopicName"]}})),
        )
        .unwrap();
    assert_eq!(
        problems(&template),
        [Problem::DependencyCycle(vec![
            LogicalId::new("Alpha").unwrap(),
            LogicalId::new("Beta").unwrap(),
            LogicalId::new("Alpha").unwrap(),
        ])]
    );
    assert_eq!(
        problems(&template)[0].to_string(),
        "dependency cycle: Alpha -> Beta -> Alpha"
    );
}

#[test]
fn cycle_through_depends_on_and_sub() {
    let mut template = Template::new("test");
    template
        .add("First", raw(json!({"TopicName": Expr::sub("${Second}")})))
        .unwrap();
    template
        .add("Second", raw(json!({"TopicName": ref_to("Third")})))
        .unwrap();
    template
        .add_with(
            "Third",
            Topic::default(),
            ResourceAttributes::new().depends_on_id(LogicalId::new("First").unwrap()),
        )
        .unwrap();
    assert_eq!(
        problems(&template)[0].to_string(),
        "dependency cycle: First -> Second -> Third -> First"
    );
}

#[test]
fn self_dependency_is_a_cycle() {
    let mut template = Template::new("test");
    template
        .add("Loop", raw(json!({"TopicName": ref_to("Loop")})))
        .unwrap();
    assert_eq!(
        problems(&template)[0].to_string(),
        "dependency cycle: Loop -> Loop"
    );
}

#[test]
fn chain_without_cycle_is_valid() {
    let mut template = Template::new("test");
    let first = template.add("First", Topic::default()).unwrap();
    template
        .add("Second", raw(json!({"TopicName": first.arn()})))
        .unwrap();
    assert!(template.validate().is_ok());
}

#[test]
fn duplicate_logical_id() {
    let mut template = Template::new("test");
    template.add("Topic", Topic::default()).unwrap();
    let error = template.add("Topic", Topic::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "duplicate logical ID `Topic`: the template already contains one with this name"
    );
}

#[test]
fn parameter_and_resource_share_names() {
    let mut template = Template::new("test");
    template
        .add_parameter("Shared", Parameter::string())
        .unwrap();
    let error = template.add("Shared", Topic::default()).unwrap_err();
    assert!(matches!(error, Error::Duplicate { .. }), "{error}");

    template.add("Other", Topic::default()).unwrap();
    let error = template
        .add_parameter("Other", Parameter::string())
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "duplicate parameter name `Other`: the template already contains one with this name"
    );
}

#[test]
fn duplicate_output_and_condition() {
    let mut template = Template::new("test");
    template.add_output("Out", Output::new("a".into())).unwrap();
    assert!(template.add_output("Out", Output::new("b".into())).is_err());
    let always = ConditionExpr::Equals("a".into(), "a".into());
    template.add_condition("Always", always.clone()).unwrap();
    let error = template.add_condition("Always", always).unwrap_err();
    assert_eq!(
        error.to_string(),
        "duplicate condition name `Always`: the template already contains one with this name"
    );
}

#[test]
fn invalid_logical_id_is_rejected() {
    let mut template = Template::new("test");
    let error = template.add("users-table", Topic::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid logical ID `users-table`: it may contain only ASCII letters and digits"
    );
}

#[test]
fn iam_wildcard_names_the_role() {
    let mut template = Template::new("test");
    let mut role = Role::new(lambda_trust());
    role.policies.push(InlinePolicy {
        policy_name: "Everything".into(),
        policy_document: PolicyDocument::new([Statement::allow()
            .actions(["dynamodb:*"])
            .resources(["*".into()])]),
    });
    let error = template.add("FunctionRole", role).unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid resource `FunctionRole` (AWS::IAM::Role): policy `Everything`: statement 1 \
         allows action `dynamodb:*`; name the exact actions, or call allow_wildcard with the \
         reason; policy `Everything`: statement 1 allows resource `*`; name the exact ARNs, or \
         call allow_wildcard with the reason"
    );
}

#[test]
fn iam_wildcard_reason_is_recorded_in_metadata() {
    let mut template = Template::new("test");
    let mut role = Role::new(lambda_trust());
    role.policies.push(InlinePolicy {
        policy_name: "Tracing".into(),
        policy_document: PolicyDocument::new([Statement::allow()
            .sid("Tracing")
            .actions(["xray:PutTraceSegments"])
            .resources(["*".into()])
            .allow_wildcard("X-Ray does not support resource-level permissions")]),
    });
    template.add("FunctionRole", role).unwrap();
    let value = template.to_value().unwrap();
    assert_eq!(
        value["Resources"]["FunctionRole"]["Metadata"],
        json!({"IamWildcardReasons": {
            "Tracing": "X-Ray does not support resource-level permissions"
        }})
    );
}

fn raw_managed_policy(statement: Value) -> RawResource {
    RawResource::new(
        "AWS::IAM::ManagedPolicy",
        json!({"PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}),
    )
}

#[test]
fn iam_wildcard_in_raw_resource_is_rejected() {
    let mut template = Template::new("test");
    let statement =
        json!({"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": {"Fn::Sub": "*"}});
    template
        .add("Policy", raw_managed_policy(statement))
        .unwrap();
    let messages: Vec<String> = problems(&template)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        messages,
        [
            "resource `Policy` has an Allow statement `All` with action `*`; name the exact \
             actions and ARNs, or record the reason under the statement's Sid in \
             Metadata.IamWildcardReasons",
            "resource `Policy` has an Allow statement `All` with resource `*`; name the exact \
             actions and ARNs, or record the reason under the statement's Sid in \
             Metadata.IamWildcardReasons",
        ]
    );
}

#[test]
fn iam_wildcard_in_raw_resource_with_reason() {
    let mut template = Template::new("test");
    let statement = json!({"Sid": "Trace", "Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": "*"});
    let attributes = ResourceAttributes::new().metadata(
        "IamWildcardReasons",
        json!({"Trace": "X-Ray does not support resource-level permissions"}),
    );
    template
        .add_with("Policy", raw_managed_policy(statement.clone()), attributes)
        .unwrap();
    assert!(template.validate().is_ok());

    let mut template = Template::new("test");
    let attributes =
        ResourceAttributes::new().metadata("IamWildcardReasons", json!({"Other": "a reason"}));
    template
        .add_with("Policy", raw_managed_policy(statement), attributes)
        .unwrap();
    assert_eq!(problems(&template).len(), 1);
}

fn function_named(name: &str) -> Function {
    let mut function = Function::new(
        Runtime::ProvidedAl2023,
        "bootstrap",
        Code {
            s3_bucket: "bucket".into(),
            s3_key: "key.zip".into(),
        },
        "arn:aws:iam::123456789012:role/r".into(),
    );
    function.function_name = Some(name.into());
    function
}

#[test]
fn function_name_over_64_characters() {
    let mut template = Template::new("test");
    assert!(template.add("Ok", function_named(&"f".repeat(64))).is_ok());
    let error = template
        .add("Function", function_named(&"f".repeat(65)))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "invalid resource `Function` (AWS::Lambda::Function): FunctionName `{}` is 65 \
             characters long; the maximum is 64",
            "f".repeat(65)
        )
    );
}

#[test]
fn role_name_over_64_characters() {
    let mut template = Template::new("test");
    let mut role = Role::new(lambda_trust());
    role.role_name = Some("r".repeat(65).into());
    let error = template.add("Role", role).unwrap_err();
    assert!(error.to_string().contains("RoleName `rrrr"), "{error}");
    assert!(
        error
            .to_string()
            .ends_with("is 65 characters long; the maximum is 64")
    );
}

#[test]
fn log_group_name_over_512_characters() {
    let mut template = Template::new("test");
    let error = template
        .add("Logs", LogGroup::named(format!("/{}", "l".repeat(512)), 30))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid resource `Logs` (AWS::Logs::LogGroup)")
    );
    assert!(
        error
            .to_string()
            .ends_with("is 513 characters long; the maximum is 512")
    );
}

#[test]
fn table_name_over_255_characters() {
    let mut template = Template::new("test");
    let mut table = Table::with_partition_key("username");
    table.table_name = Some("t".repeat(256).into());
    let error = template.add("UsersTable", table).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("invalid resource `UsersTable` (AWS::DynamoDB::Table)")
    );
    assert!(
        error
            .to_string()
            .ends_with("is 256 characters long; the maximum is 255")
    );
}

#[test]
fn computed_names_are_not_length_checked() {
    let mut template = Template::new("test");
    let mut function = function_named("unused");
    function.function_name = Some(Expr::sub("${AWS::StackName}-function"));
    assert!(template.add("Function", function).is_ok());
}

#[test]
fn log_retention_must_be_accepted_value() {
    let mut template = Template::new("test");
    let error = template
        .add("Logs", LogGroup::named("/logs", 31))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("RetentionInDays 31 is not a period")
    );
}

#[test]
fn empty_template_is_invalid() {
    let template = Template::new("test");
    assert_eq!(
        problems(&template)[0].to_string(),
        "the template has no resources; CloudFormation requires at least one"
    );
}

fn sample(order_reversed: bool) -> Template {
    let mut template = Template::new("sample");
    let names = if order_reversed {
        ["Zulu", "Alpha"]
    } else {
        ["Alpha", "Zulu"]
    };
    for name in names {
        template.add(name, Topic::default()).unwrap();
    }
    template
        .add_parameter("Code", Parameter::string().description("code"))
        .unwrap();
    template
}

#[test]
fn serialization_is_deterministic() {
    let first = sample(false).to_json().unwrap();
    let second = sample(false).to_json().unwrap();
    let reversed = sample(true).to_json().unwrap();
    assert_eq!(first, second);
    assert_eq!(first, reversed);
}

#[test]
fn serialization_format() {
    let text = sample(false).to_json().unwrap();
    assert!(text.ends_with("}\n"));
    assert!(!text.ends_with("\n\n"));
    assert!(text.starts_with("{\n  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n"));
    assert!(text.contains("\n    \"Alpha\": {\n      \"Type\": \"AWS::SNS::Topic\"\n    },"));
    assert!(text.find("\"Alpha\"").unwrap() < text.find("\"Zulu\"").unwrap());
}

#[test]
fn template_sections() {
    let mut template = Template::new("sections");
    let enabled = template
        .add_condition(
            "Enabled",
            ConditionExpr::Equals(Expr::region(), "us-east-1".into()),
        )
        .unwrap();
    let code = template
        .add_parameter(
            "CodeKey",
            Parameter::string()
                .description("The object key")
                .allowed_pattern("^[a-z]+$")
                .length(1, 64)
                .no_echo(),
        )
        .unwrap();
    template
        .add_parameter(
            "Mode",
            Parameter::string()
                .allowed_values(["a", "b"])
                .default_value("a")
                .constraint_description("a or b"),
        )
        .unwrap();
    let topic = template
        .add_with(
            "Topic",
            raw(json!({"DisplayName": code.value()})),
            ResourceAttributes::new()
                .condition(&enabled)
                .retention(Policy::Retain),
        )
        .unwrap();
    template.set_metadata("Owner", json!("identity"));
    template
        .add_output(
            "TopicArn",
            Output::new(topic.reference())
                .description("The topic")
                .export(Expr::sub("${AWS::StackName}-TopicArn"))
                .condition(&enabled),
        )
        .unwrap();

    assert_eq!(
        template.to_value().unwrap(),
        json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "sections",
            "Metadata": {"Owner": "identity"},
            "Parameters": {
                "CodeKey": {
                    "Type": "String",
                    "Description": "The object key",
                    "AllowedPattern": "^[a-z]+$",
                    "MinLength": 1,
                    "MaxLength": 64,
                    "NoEcho": true
                },
                "Mode": {
                    "Type": "String",
                    "AllowedValues": ["a", "b"],
                    "Default": "a",
                    "ConstraintDescription": "a or b"
                }
            },
            "Conditions": {
                "Enabled": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
            },
            "Resources": {
                "Topic": {
                    "Type": "AWS::SNS::Topic",
                    "Properties": {"DisplayName": {"Ref": "CodeKey"}},
                    "Condition": "Enabled",
                    "DeletionPolicy": "Retain",
                    "UpdateReplacePolicy": "Retain"
                }
            },
            "Outputs": {
                "TopicArn": {
                    "Value": {"Ref": "Topic"},
                    "Description": "The topic",
                    "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-TopicArn"}},
                    "Condition": "Enabled"
                }
            }
        })
    );
    assert!(!template.parameters()[&synth::ParameterName::new("Mode").unwrap()].is_required());
}

#[test]
fn capabilities_follow_iam_resources() {
    let mut template = Template::new("test");
    template.add("Topic", Topic::default()).unwrap();
    assert!(template.capabilities().is_empty());

    template.add("Role", Role::new(lambda_trust())).unwrap();
    assert_eq!(template.capabilities(), [Capability::Iam]);

    let mut named = Role::new(lambda_trust());
    named.role_name = Some("named-role".into());
    template.add("NamedRole", named).unwrap();
    assert_eq!(template.capabilities(), [Capability::NamedIam]);
    assert_eq!(Capability::NamedIam.as_str(), "CAPABILITY_NAMED_IAM");
}

#[test]
fn fingerprint_tracks_resource_changes() {
    let build = |display_name: &str| {
        let mut template = Template::new("test");
        let topic = template
            .add("Topic", raw(json!({"DisplayName": display_name})))
            .unwrap();
        template.add("Other", Topic::default()).unwrap();
        (template, topic)
    };
    let (first, topic) = build("one");
    let (again, _) = build("one");
    let (changed, _) = build("two");
    let ids = [topic.logical_id()];
    let fingerprint = first.fingerprint(ids).unwrap();
    assert_eq!(fingerprint.len(), 64);
    assert_eq!(fingerprint, again.fingerprint(ids).unwrap());
    assert_ne!(fingerprint, changed.fingerprint(ids).unwrap());

    let missing = LogicalId::new("Missing").unwrap();
    assert!(first.fingerprint([&missing]).is_err());

    let with_input = first
        .fingerprint_with(ids, &json!({"FunctionName": "a"}))
        .unwrap();
    let other_input = first
        .fingerprint_with(ids, &json!({"FunctionName": "b"}))
        .unwrap();
    assert_ne!(with_input, fingerprint);
    assert_ne!(with_input, other_input);
}

#[test]
fn raw_resource_type_must_be_well_formed() {
    let mut template = Template::new("test");
    let error = template
        .add("Thing", RawResource::new("Custom", json!([])))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid resource `Thing` (Custom): type `Custom` is not of the form \
         `Provider::Service::Resource`; properties must be a JSON object"
    );
}

#[test]
fn raw_resource_get_att() {
    let mut template = Template::new("test");
    let thing = template
        .add("Thing", RawResource::new("AWS::SQS::Queue", json!({})))
        .unwrap();
    template
        .add_output("QueueArn", Output::new(thing.get_att("Arn")))
        .unwrap();
    let value = template.to_value().unwrap();
    assert_eq!(
        value["Resources"]["Thing"],
        json!({"Type": "AWS::SQS::Queue"})
    );
    assert_eq!(
        value["Outputs"]["QueueArn"]["Value"],
        json!({"Fn::GetAtt": ["Thing", "Arn"]})
    );
}

#[test]
fn resource_counts_by_type() {
    let template = sample(false);
    let counts = template.resource_counts();
    assert_eq!(counts.get("AWS::SNS::Topic"), Some(&2));
    assert_eq!(counts.len(), 1);
}
