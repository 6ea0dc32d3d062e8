"""What moto ignores, asserted from the templates: scaling, alarms, TLS, Fargate, IAM scope, S3 and ECR settings."""

from __future__ import annotations

import json
from typing import Any

import pytest

Template = dict[str, Any]


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    """Properties of every resource of one type, by logical id."""
    found = template["Resources"].items()
    return {name: r.get("Properties", {}) for name, r in found if r["Type"] == kind}


def one(template: Template, kind: str) -> dict[str, Any]:
    """The properties of the single resource of a type."""
    (props,) = resources(template, kind).values()
    return props


def test_parameters_and_defaults(root_template: Template) -> None:
    """The deploy parameters the issue lists, with their defaults."""
    params = root_template["Parameters"]
    assert params["SubnetIds"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    assert params["ScheduleExpression"]["Default"] == "cron(0 */6 * * ? *)"
    defaults = {name: params[name].get("Default") for name in params}
    assert defaults["DesiredCount"] == 1 and defaults["TaskCpu"] == 512
    assert defaults["TaskMemory"] == 1024 and defaults["CertificateArn"] == ""
    assert defaults["AlarmEmail"] == "" and defaults["FunctionTimeout"] == 60
    assert {"VpcId", "ImageTag", "MinCapacity", "MaxCapacity"} <= set(params)


def test_bucket_versioned_private_tls_only_with_lifecycle(root_template: Template) -> None:
    """Versioning, public access block, TLS-only policy, old versions expire."""
    bucket = one(root_template, "AWS::S3::Bucket")
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert any("NoncurrentVersionExpiration" in rule for rule in rules)
    statement = one(root_template, "AWS::S3::BucketPolicy")["PolicyDocument"]["Statement"][0]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_table_recovers_and_is_encrypted(root_template: Template) -> None:
    """Point-in-time recovery and encryption at rest on the on-demand table."""
    table = one(root_template, "AWS::DynamoDB::Table")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True


def test_secrets_are_generated(root_template: Template) -> None:
    """The cron, API key and JWT signing secrets are generated, never passed in."""
    secrets = resources(root_template, "AWS::SecretsManager::Secret")
    assert set(secrets) == {"CronSecret", "ApiKeySecret", "JwtSecret"}
    assert all(s["GenerateSecretString"]["PasswordLength"] >= 32 for s in secrets.values())


def test_function_settings(root_template: Template) -> None:
    """python3.11, 512 MB, reserved concurrency 1, the schedule, the URL and secret name in its env."""
    fn = one(root_template, "AWS::Serverless::Function")
    assert (fn["Runtime"], fn["Handler"], fn["MemorySize"]) == (
        "python3.11",
        "app.lambda_handler",
        512,
    )
    assert fn["ReservedConcurrentExecutions"] == 1 and fn["Tracing"] == "Active"
    assert fn["Timeout"] == {"Ref": "FunctionTimeout"}
    assert fn["Events"]["Schedule"]["Properties"]["Schedule"] == {"Ref": "ScheduleExpression"}
    env = fn["Environment"]["Variables"]
    assert env["SERVICE_URL"] == {"Fn::GetAtt": ["ServiceStack", "Outputs.ServiceUrl"]}
    assert {"CRON_SECRET_NAME", "POWERTOOLS_METRICS_NAMESPACE"} <= set(env)


def test_lambda_role_reaches_only_its_logs_and_secret(root_template: Template) -> None:
    """The function's role names its own log group and secret; X-Ray needs '*'."""
    role = root_template["Resources"]["RecrawlFunctionRole"]["Properties"]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    scope = {s["Sid"]: s["Resource"] for s in statements}
    assert scope["OwnLogs"] == {"Fn::Sub": "${RecrawlLogGroup.Arn}"}
    assert scope["OwnSecret"] == {"Ref": "CronSecret"}
    assert scope["Tracing"] == "*" and "ManagedPolicyArns" not in role


def test_nested_stack_is_wired_only_through_parameters(
    root_template: Template, service_template: Template
) -> None:
    """Every parameter the root passes is declared by the nested stack, and every required one is passed."""
    passed = set(root_template["Resources"]["ServiceStack"]["Properties"]["Parameters"])
    declared = service_template["Parameters"]
    assert passed <= set(declared)
    assert {name for name, p in declared.items() if "Default" not in p} <= passed
    outputs = set(service_template["Outputs"])
    assert {"ServiceUrl", "RepositoryUri", "ClusterName", "ServiceName"} <= outputs


def test_root_outputs(root_template: Template) -> None:
    """Service URL, bucket, table, ECR repository URI and log groups are outputs."""
    expected = {"ServiceUrl", "ArtifactsBucketName", "SitesTableName", "RepositoryUri"}
    assert expected | {"RecrawlLogGroupName", "ServiceLogGroupName"} <= set(
        root_template["Outputs"]
    )


def test_ecr_scans_on_push_and_keeps_the_last_images(service_template: Template) -> None:
    """Scan on push, mutable tags, a lifecycle rule that expires all but the newest images."""
    repo = one(service_template, "AWS::ECR::Repository")
    assert repo["ImageScanningConfiguration"]["ScanOnPush"] is True
    assert repo["ImageTagMutability"] == "MUTABLE"
    text = repo["LifecyclePolicy"]["LifecyclePolicyText"]["Fn::Sub"].replace(
        "${ImagesToKeep}", "10"
    )
    selection = json.loads(text)["rules"][0]["selection"]
    assert (selection["countType"], selection["countNumber"]) == ("imageCountMoreThan", 10)


def test_fargate_task_and_rolling_deployments(service_template: Template) -> None:
    """awsvpc Fargate task sized by parameters; circuit breaker with rollback; grace period; public IP."""
    task = one(service_template, "AWS::ECS::TaskDefinition")
    assert task["RequiresCompatibilities"] == ["FARGATE"] and task["NetworkMode"] == "awsvpc"
    assert (task["Cpu"], task["Memory"]) == ({"Ref": "TaskCpu"}, {"Ref": "TaskMemory"})
    service = one(service_template, "AWS::ECS::Service")
    assert service["LaunchType"] == "FARGATE"
    deployment = service["DeploymentConfiguration"]
    assert deployment["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    assert deployment["MinimumHealthyPercent"] == 100
    assert service["HealthCheckGracePeriodSeconds"] == {"Ref": "HealthCheckGracePeriod"}
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "ENABLED"
    assert service["LoadBalancers"][0]["ContainerPort"] == 8000
    cluster = one(service_template, "AWS::ECS::Cluster")
    assert {"Name": "containerInsights", "Value": "enabled"} in cluster["ClusterSettings"]


def test_alb_tls_and_idle_timeout(service_template: Template) -> None:
    """Idle timeout >= 120 s; HTTPS with a TLS 1.2+ policy; HTTP redirects when a certificate is given."""
    lb = one(service_template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    attrs = {a["Key"]: a["Value"] for a in lb["LoadBalancerAttributes"]}
    assert int(attrs["idle_timeout.timeout_seconds"]) >= 120
    assert lb["Scheme"] == "internet-facing"
    listeners = service_template["Resources"]
    https = listeners["HttpsListener"]
    assert https["Condition"] == "HasCertificate"
    assert https["Properties"]["SslPolicy"].startswith("ELBSecurityPolicy-TLS13-1-2")
    action = listeners["HttpListener"]["Properties"]["DefaultActions"][0]["Fn::If"]
    assert action[0] == "HasCertificate"
    assert action[1]["RedirectConfig"]["Protocol"] == "HTTPS" and action[2]["Type"] == "forward"


def test_alb_open_on_80_and_443_only(service_template: Template) -> None:
    """The ALB group lets in 80 and 443 from anywhere; its only egress is 8000 to the tasks."""
    group = service_template["Resources"]["LoadBalancerSecurityGroup"]["Properties"]
    assert sorted(r["FromPort"] for r in group["SecurityGroupIngress"]) == [80, 443]
    egress = one(service_template, "AWS::EC2::SecurityGroupEgress")
    assert egress["DestinationSecurityGroupId"] == {"Ref": "TaskSecurityGroup"}
    assert egress["FromPort"] == egress["ToPort"] == 8000


def test_task_role_is_scoped_to_its_bucket_table_and_secret(service_template: Template) -> None:
    """No wildcard resources in the task role; the execution role reads only the two secrets."""
    role = service_template["Resources"]["TaskRole"]["Properties"]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    flat = json.dumps([s["Resource"] for s in statements])
    assert '"*"' not in flat
    assert "${BucketName}" in flat and "${TableName}" in flat and "CronSecretArn" in flat
    execution = service_template["Resources"]["ExecutionRole"]["Properties"]
    assert execution["ManagedPolicyArns"][0]["Fn::Sub"].endswith("AmazonECSTaskExecutionRolePolicy")


def test_auto_scaling_tracks_cpu_and_memory(service_template: Template) -> None:
    """Target tracking on CPU and memory between the min/max parameters; optional off-hours zero."""
    target = one(service_template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (
        {"Ref": "MinCapacity"},
        {"Ref": "MaxCapacity"},
    )
    off_hours = target["ScheduledActions"]["Fn::If"]
    assert off_hours[0] == "ScaleToZero"
    assert off_hours[1][0]["ScalableTargetAction"] == {"MinCapacity": 0, "MaxCapacity": 0}
    policies = resources(service_template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    metrics = {
        p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
            "PredefinedMetricType"
        ]
        for p in policies
    }
    assert metrics == {"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"}


def alarm_metrics(template: Template) -> dict[str, dict[str, Any]]:
    """Alarm properties by the metric names they watch."""
    out = {}
    for props in resources(template, "AWS::CloudWatch::Alarm").values():
        names = [props.get("MetricName")] + [
            m["MetricStat"]["Metric"]["MetricName"]
            for m in props.get("Metrics", [])
            if "MetricStat" in m
        ]
        for name in filter(None, names):
            out[name] = props
    return out


@pytest.mark.parametrize(
    ("metric", "threshold", "operator"),
    [
        ("CPUUtilization", 80, "GreaterThanThreshold"),
        ("MemoryUtilization", 80, "GreaterThanThreshold"),
        ("TargetResponseTime", 1, "GreaterThanThreshold"),
        ("HealthyHostCount", {"Ref": "DesiredCount"}, "LessThanThreshold"),
        ("HTTPCode_Target_5XX_Count", 5, "GreaterThanOrEqualToThreshold"),
        ("HTTPCode_ELB_5XX_Count", 5, "GreaterThanOrEqualToThreshold"),
    ],
)
def test_service_alarms(
    service_template: Template, metric: str, threshold: Any, operator: str
) -> None:
    """Each service alarm watches its metric at its threshold and notifies the topic."""
    alarm = alarm_metrics(service_template)[metric]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (threshold, operator)
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]


def test_lambda_alarms(root_template: Template) -> None:
    """Errors >= 1, throttles >= 1, and duration above 80% of the timeout notify the topic."""
    alarms = alarm_metrics(root_template)
    assert alarms["Errors"]["Threshold"] == 1 and alarms["Throttles"]["Threshold"] == 1
    duration = alarms["Duration"]
    assert duration["Threshold"] == 0.8
    share = next(m for m in duration["Metrics"] if "Expression" in m)
    assert share["Expression"] == {"Fn::Sub": "duration / (${FunctionTimeout} * 1000)"}
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())


def test_log_groups_are_declared_with_retention(root_template: Template) -> None:
    """Both log groups live in the root stack with 14-day retention."""
    groups = resources(root_template, "AWS::Logs::LogGroup").values()
    assert {(g["LogGroupName"], g["RetentionInDays"]) for g in groups} == {
        ("/aws/lambda/llmstxt-auto-update", 14),
        ("/ecs/llmstxt-api", 14),
    }


def test_task_settings_are_ones_the_service_reads(service_template: Template) -> None:
    """Every LLMSTXT_ variable the task sets names a field of the service's Settings (extras are ignored silently)."""
    from llmstxt.service.settings import Settings

    container = one(service_template, "AWS::ECS::TaskDefinition")["ContainerDefinitions"][0]
    names = [item["Name"] for item in container["Environment"] + container["Secrets"]]
    settings = [
        name.removeprefix("LLMSTXT_").lower() for name in names if name.startswith("LLMSTXT_")
    ]
    assert set(settings) <= set(Settings.model_fields)
    assert {
        "store",
        "table",
        "bucket",
        "api_keys",
        "cron_secret",
        "jwt_secret",
        "public_url",
    } <= set(settings)
