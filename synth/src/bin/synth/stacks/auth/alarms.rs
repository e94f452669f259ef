//! CloudWatch alarms on function errors, function throttles and API 5xx responses, with an SNS
//! topic that they notify.

use synth::resources::Tag;
use synth::resources::cloudwatch::{
    Alarm, ComparisonOperator, Dimension, Statistic, TreatMissingData,
};
use synth::resources::kms::Key;
use synth::resources::lambda::Function;
use synth::resources::sns::{Protocol, Subscription, Topic};
use synth::{Expr, Handle, ResourceAttributes, Template};

use super::checks;

use crate::settings::Settings;

/// The alarm period, in seconds.
const PERIOD_SECONDS: u32 = 300;

/// Adds the topic and the alarms when the environment enables them, and returns the topic.
pub fn add(
    template: &mut Template,
    settings: &Settings,
    tags: &[Tag],
    function: &Handle<Function>,
    key: Option<&Handle<Key>>,
) -> Result<Option<Handle<Topic>>, synth::Error> {
    if !settings.alarms.enabled {
        return Ok(None);
    }

    // Without the environment's own key the topic is unencrypted, because CloudWatch cannot
    // publish to a topic under the AWS managed key `alias/aws/sns`.
    let topic = Topic {
        display_name: Some(format!(
            "{} {} alarms",
            settings.service, settings.environment
        )),
        subscription: settings
            .alarms
            .email
            .iter()
            .map(|email| Subscription {
                endpoint: email.as_str().into(),
                protocol: Protocol::Email,
            })
            .collect(),
        kms_master_key_id: key.map(Handle::<Key>::arn),
        tags: tags.to_vec(),
        ..Topic::default()
    };
    let mut attributes = ResourceAttributes::new();
    if key.is_none() {
        attributes = checks::unencrypted_topic(attributes);
    }
    let topic = template.add_with("AlarmTopic", topic, attributes)?;

    let function_dimension = || {
        vec![Dimension {
            name: "FunctionName".to_owned(),
            value: function.name(),
        }]
    };
    let alarms = [
        (
            "FunctionErrorsAlarm",
            "errors",
            "The function returned errors or failed to run.",
            "AWS/Lambda",
            "Errors",
            function_dimension(),
        ),
        (
            "FunctionThrottlesAlarm",
            "throttles",
            "Lambda rejected invocations because the function reached its concurrency limit.",
            "AWS/Lambda",
            "Throttles",
            function_dimension(),
        ),
        (
            "Api5xxAlarm",
            "api-5xx",
            "The API answered requests with a 5xx status.",
            "AWS/ApiGateway",
            "5XXError",
            vec![
                Dimension {
                    name: "ApiName".to_owned(),
                    value: settings.api.name.as_str().into(),
                },
                Dimension {
                    name: "Stage".to_owned(),
                    value: settings.environment.as_str().into(),
                },
            ],
        ),
    ];
    for (logical_id, suffix, description, namespace, metric_name, dimensions) in alarms {
        let alarm = Alarm {
            alarm_name: Some(Expr::from(format!("{}-{suffix}", settings.stack_name))),
            alarm_description: Some(description.to_owned()),
            namespace: namespace.to_owned(),
            metric_name: metric_name.to_owned(),
            dimensions,
            statistic: Statistic::Sum,
            period: PERIOD_SECONDS,
            evaluation_periods: 1,
            threshold: 1.0,
            comparison_operator: ComparisonOperator::GreaterThanOrEqualToThreshold,
            treat_missing_data: Some(TreatMissingData::NotBreaching),
            alarm_actions: vec![topic.arn()],
            ok_actions: vec![topic.arn()],
            tags: tags.to_vec(),
        };
        template.add(logical_id, alarm)?;
    }
    Ok(Some(topic))
}
