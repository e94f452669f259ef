//! ARNs built from `AWS::Partition`, `AWS::Region` and `AWS::AccountId`, so templates never
//! contain a literal partition or account number.
//!
//! Reference: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>

use crate::expr::Expr;

/// Builds `arn:<partition>:<service>:<region>:<account>:<resource>` for the stack's own Region
/// and account. `resource` may contain `${Name}` variables from `variables`.
pub fn regional<'a>(
    service: &str,
    resource: &str,
    variables: impl IntoIterator<Item = (&'a str, Expr)>,
) -> Expr {
    Expr::sub_with(
        format!(
            "arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}"
        ),
        variables,
    )
}

/// Builds the ARN of a CloudWatch Logs log group by name, without the `:*` suffix that
/// `Fn::GetAtt Arn` adds.
pub fn log_group(name: Expr) -> Expr {
    regional(
        "logs",
        "log-group:${LogGroupName}",
        [("LogGroupName", name)],
    )
}

/// Builds the `execute-api` ARN of a REST API's methods: `<api>/<stage>/<method>/<path>`, where
/// `route` is the part after the API ID, such as `prod/*/*`.
pub fn execute_api(rest_api_id: Expr, route: &str) -> Expr {
    regional(
        "execute-api",
        &format!("${{RestApiId}}/{route}"),
        [("RestApiId", rest_api_id)],
    )
}

/// Builds the ARN of an AWS managed IAM policy, such as
/// `service-role/AmazonAPIGatewayPushToCloudWatchLogs`.
pub fn aws_managed_policy(path_and_name: &str) -> Expr {
    Expr::sub(format!(
        "arn:${{AWS::Partition}}:iam::aws:policy/{path_and_name}"
    ))
}

/// Builds the ARN of every object in an S3 bucket: `arn:<partition>:s3:::<bucket>/*`.
pub fn s3_objects(bucket_name: Expr) -> Expr {
    Expr::sub_with(
        "arn:${AWS::Partition}:s3:::${BucketName}/*",
        [("BucketName", bucket_name)],
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn regional_arn() {
        let arn = regional("dynamodb", "table/${Table}", [("Table", "users".into())]);
        assert_eq!(
            serde_json::to_value(arn).unwrap(),
            json!({"Fn::Sub": [
                "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Table}",
                {"Table": "users"}
            ]})
        );
    }

    #[test]
    fn log_group_arn() {
        assert_eq!(
            serde_json::to_value(log_group("/aws/lambda/auth".into())).unwrap(),
            json!({"Fn::Sub": [
                "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${LogGroupName}",
                {"LogGroupName": "/aws/lambda/auth"}
            ]})
        );
    }

    #[test]
    fn execute_api_arn() {
        assert_eq!(
            serde_json::to_value(execute_api("abc123".into(), "prod/*/*")).unwrap(),
            json!({"Fn::Sub": [
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${RestApiId}/prod/*/*",
                {"RestApiId": "abc123"}
            ]})
        );
    }

    #[test]
    fn managed_policy_and_objects() {
        assert_eq!(
            serde_json::to_value(aws_managed_policy("ReadOnlyAccess")).unwrap(),
            json!({"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess"})
        );
        assert_eq!(
            serde_json::to_value(s3_objects("artifacts".into())).unwrap(),
            json!({"Fn::Sub": ["arn:${AWS::Partition}:s3:::${BucketName}/*", {"BucketName": "artifacts"}]})
        );
    }
}
