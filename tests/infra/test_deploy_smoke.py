"""Deploy smoke test on moto: sam package, expand the SAM transform, create root and nested stacks."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from infratools import INFRA_BIN, ROOT, aws_env, run, tool

STACK = "llmstxt-smoke"
ARTIFACTS = "sam-artifacts"
MAX_PACKAGE = 5 * 1024 * 1024


@dataclass
class Deployed:
    """What the smoke deploy left on the emulator."""

    endpoint: str
    root: dict[str, Any]
    nested: dict[str, Any]
    bucket: str

    def client(self, name: str) -> Any:
        """A boto3 client for the emulator."""
        return boto3.client(  # type: ignore[call-overload]
            name,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def output(self, stack: dict[str, Any], key: str) -> str:
        """An output of one of the stacks."""
        return next(str(o["OutputValue"]) for o in stack["Outputs"] if o["OutputKey"] == key)

    def physical(self, stack: dict[str, Any], logical: str) -> str:
        """The physical id of a resource in one of the stacks."""
        cfn = self.client("cloudformation")
        # moto answers DescribeStackResource with a 500; ListStackResources works.
        summaries = cfn.list_stack_resources(StackName=stack["StackName"])
        ids = {
            r.get("LogicalResourceId"): r.get("PhysicalResourceId")
            for r in summaries["StackResourceSummaries"]
        }
        return str(ids[logical])


def for_moto(template: dict[str, Any], secrets: Any) -> dict[str, Any]:
    """Work around what moto's CloudFormation lacks, leaving everything else as deployed.

    moto cannot create AWS::SecretsManager::Secret from a template, so each secret is created
    through the API under the template's name and its Refs become the ARN; moto has no GetAtt on
    a nested stack's outputs, so those become placeholders (the nested outputs are checked on the
    nested stack itself).
    """
    arns: dict[str, str] = {}
    for logical, resource in list(template["Resources"].items()):
        if resource["Type"] == "AWS::SecretsManager::Secret":
            name = resource["Properties"]["Name"]["Fn::Sub"].replace("${AWS::StackName}", STACK)
            value = secrets.get_random_password(PasswordLength=48, ExcludePunctuation=True)
            arns[logical] = secrets.create_secret(Name=name, SecretString=value["RandomPassword"])[
                "ARN"
            ]
            del template["Resources"][logical]

    def swap(node: Any) -> Any:
        if isinstance(node, list):
            return [swap(item) for item in node]
        if not isinstance(node, dict):
            return node
        if node.keys() == {"Ref"} and node["Ref"] in arns:
            return arns[node["Ref"]]
        if node.keys() == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] == "ServiceStack":
            return f"nested:{node['Fn::GetAtt'][1]}"
        return {key: swap(value) for key, value in node.items()}

    swapped: dict[str, Any] = swap(template)
    return swapped


def wait_for(cfn: Any, stack: str) -> dict[str, Any]:
    """The stack once it is no longer in progress."""
    for _ in range(300):
        found: dict[str, Any] = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        if not found["StackStatus"].endswith("_IN_PROGRESS"):
            return found
        time.sleep(0.2)
    raise AssertionError(f"{stack} still in progress")


def package_and_expand(build: Path, work: Path, env: dict[str, str]) -> dict[str, Any]:
    """sam package the build to the emulator's bucket, then expand the SAM transform."""
    packaged = work / "packaged.yaml"
    template = str(build / "template.yaml")
    args = ["--template-file", template, "--s3-bucket", ARTIFACTS, "--output-template-file"]
    run([tool("sam"), "package", *args, str(packaged)], env=env)
    expand = [str(INFRA_BIN / "python"), str(ROOT / "tests/infra/sam_expand.py"), str(packaged)]
    expanded: dict[str, Any] = json.loads(run(expand, env=env).stdout)
    return expanded


def network(ec2: Any) -> list[dict[str, str]]:
    """Stack parameters naming the emulator's default VPC and two of its subnets."""
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])
    ids = ",".join(subnet["SubnetId"] for subnet in subnets["Subnets"][:2])
    return [
        {"ParameterKey": "VpcId", "ParameterValue": vpcs[0]["VpcId"]},
        {"ParameterKey": "SubnetIds", "ParameterValue": ids},
    ]


@pytest.fixture(scope="module")
def deployed(
    sam_build: Path, moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory
) -> Deployed:
    """The built app packaged to a bucket on moto and created there as root and nested stacks."""
    probe = Deployed(moto_endpoint, {}, {}, ARTIFACTS)
    probe.client("s3").create_bucket(Bucket=ARTIFACTS)
    expanded = package_and_expand(
        sam_build, tmp_path_factory.mktemp("smoke"), aws_env(moto_endpoint)
    )
    cfn = probe.client("cloudformation")
    cfn.create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(for_moto(expanded, probe.client("secretsmanager"))),
        Parameters=network(probe.client("ec2")),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    root = wait_for(cfn, STACK)
    nested = wait_for(cfn, probe.physical(root, "ServiceStack"))
    return Deployed(moto_endpoint, root, nested, ARTIFACTS)


def test_root_and_nested_stacks_are_created(deployed: Deployed) -> None:
    """Both stacks complete, and the nested one is the ServiceStack resource."""
    assert deployed.root["StackStatus"] == "CREATE_COMPLETE"
    assert deployed.nested["StackStatus"] == "CREATE_COMPLETE"
    assert deployed.nested["StackName"].startswith(f"{STACK}-ServiceStack-")


def test_sam_package_uploaded_a_small_function_and_the_nested_template(deployed: Deployed) -> None:
    """The package bucket holds the function zip (< 5 MB) and the nested template."""
    objects = deployed.client("s3").list_objects_v2(Bucket=ARTIFACTS)["Contents"]
    templates = [o for o in objects if o["Key"].endswith(".template")]
    code = [o for o in objects if not o["Key"].endswith(".template")]
    assert len(templates) == 1 and len(code) == 1
    assert 100_000 < code[0]["Size"] < MAX_PACKAGE
    function = deployed.client("lambda").get_function(FunctionName="llmstxt-auto-update")
    assert function["Configuration"]["CodeSize"] == code[0]["Size"]


def test_artifacts_bucket_is_encrypted(deployed: Deployed) -> None:
    """Default encryption is on (moto drops versioning and the access block: see test_template)."""
    s3 = deployed.client("s3")
    bucket = deployed.output(deployed.root, "ArtifactsBucketName")
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_sites_table_matches_the_store(deployed: Deployed) -> None:
    """The table is on-demand with the keys and the `due` index the AWS store queries."""
    from llmstxt.store.dynamo import table_spec

    name = deployed.output(deployed.root, "SitesTableName")
    table = deployed.client("dynamodb").describe_table(TableName=name)["Table"]
    spec = table_spec(name)
    assert table["BillingModeSummary"]["BillingMode"] == spec["BillingMode"]
    assert table["KeySchema"] == spec["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        spec["AttributeDefinitions"], key=str
    )
    index = table["GlobalSecondaryIndexes"][0]
    assert index["IndexName"] == spec["GlobalSecondaryIndexes"][0]["IndexName"]
    assert index["KeySchema"] == spec["GlobalSecondaryIndexes"][0]["KeySchema"]


def test_log_groups_keep_14_days(deployed: Deployed) -> None:
    """Both log groups exist under their fixed names with 14-day retention."""
    groups = deployed.client("logs").describe_log_groups()["logGroups"]
    retention = {group["logGroupName"]: group.get("retentionInDays") for group in groups}
    assert retention["/aws/lambda/llmstxt-auto-update"] == 14
    assert retention["/ecs/llmstxt-api"] == 14


def test_recrawl_function_is_configured(deployed: Deployed) -> None:
    """Runtime, handler, memory, timeout, tracing, environment and reserved concurrency."""
    lam = deployed.client("lambda")
    function = lam.get_function(FunctionName="llmstxt-auto-update")
    config = function["Configuration"]
    assert (config["Runtime"], config["Handler"]) == ("python3.11", "app.lambda_handler")
    assert (config["MemorySize"], config["Timeout"]) == (512, 60)
    variables = config["Environment"]["Variables"]
    assert variables["CRON_SECRET_NAME"] == f"{STACK}/cron-secret"
    assert variables["SERVICE_URL"] == "nested:Outputs.ServiceUrl"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "llmstxt"
    assert function["Concurrency"]["ReservedConcurrentExecutions"] == 1
    secret = deployed.client("secretsmanager").describe_secret(
        SecretId=variables["CRON_SECRET_NAME"]
    )
    assert secret["Name"] == f"{STACK}/cron-secret"


def test_schedule_targets_the_function(deployed: Deployed) -> None:
    """An EventBridge rule on the default schedule invokes the recrawl function."""
    events = deployed.client("events")
    rule = deployed.physical(deployed.root, "RecrawlFunctionSchedule")
    assert events.describe_rule(Name=rule)["ScheduleExpression"] == "cron(0 */6 * * ? *)"
    targets = events.list_targets_by_rule(Rule=rule)["Targets"]
    assert [t["Arn"].rsplit(":", 1)[-1] for t in targets] == ["llmstxt-auto-update"]


def test_ecr_repository_exists(deployed: Deployed) -> None:
    """The repository has its lowercase name, and the stack outputs its URI."""
    ecr = deployed.client("ecr")
    repo = ecr.describe_repositories(repositoryNames=["llmstxt"])["repositories"][0]
    assert deployed.output(deployed.nested, "RepositoryUri") == repo["repositoryUri"]


def test_ecs_service_runs_the_task_definition(deployed: Deployed) -> None:
    """The service runs one copy of the stack's task (moto drops Fargate and the ALB wiring: see test_template)."""
    ecs = deployed.client("ecs")
    cluster = deployed.output(deployed.nested, "ClusterName")
    assert ecs.describe_clusters(clusters=[cluster])["clusters"][0]["status"] == "ACTIVE"
    service_name = deployed.output(deployed.nested, "ServiceName")
    service = ecs.describe_services(cluster=cluster, services=[service_name])["services"][0]
    assert service["desiredCount"] == 1
    assert service["taskDefinition"] == deployed.physical(deployed.nested, "TaskDefinition")


def test_task_definition_is_locked_down(deployed: Deployed) -> None:
    """1 GB, non-root, read-only root with /tmp writable, settings and secrets from the stacks."""
    ecs = deployed.client("ecs")
    arn = deployed.physical(deployed.nested, "TaskDefinition")
    task = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    # moto keeps the container definitions and memory; awsvpc, CPU and Fargate are checked in the template.
    assert (task["family"], task["memory"]) == ("llmstxt-api", "1024")
    container = task["containerDefinitions"][0]
    assert container["user"] == "10001" and container["readonlyRootFilesystem"] is True
    assert container["mountPoints"][0]["containerPath"] == "/tmp"
    env = {item["name"]: item["value"] for item in container["environment"]}
    assert env["LLMSTXT_STORE"] == "aws"
    assert env["LLMSTXT_BUCKET"] == deployed.output(deployed.root, "ArtifactsBucketName")
    assert env["LLMSTXT_TABLE"] == deployed.output(deployed.root, "SitesTableName")
    assert env["LLMSTXT_ALLOW_PRIVATE_NETWORKS"] == "false"
    secrets = {item["name"]: item["valueFrom"] for item in container["secrets"]}
    assert set(secrets) == {"LLMSTXT_API_KEYS", "LLMSTXT_CRON_SECRET", "LLMSTXT_JWT_SECRET"}
    assert secrets["LLMSTXT_CRON_SECRET"].split(":secret:")[1].startswith(f"{STACK}/cron-secret")
    assert container["logConfiguration"]["options"]["awslogs-group"] == "/ecs/llmstxt-api"


def test_load_balancer_and_target_group(deployed: Deployed) -> None:
    """Internet-facing ALB; ip targets on 8000 checked at /health; HTTP 80 forwards without a certificate."""
    elb = deployed.client("elbv2")
    arn = deployed.physical(deployed.nested, "LoadBalancer")
    lb = elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    assert lb["Scheme"] == "internet-facing"
    assert deployed.output(deployed.nested, "ServiceUrl") == f"http://{lb['DNSName']}"
    group = elb.describe_target_groups(LoadBalancerArn=arn)["TargetGroups"][0]
    assert (group["TargetType"], group["Port"], group["HealthCheckPath"]) == ("ip", 8000, "/health")
    listeners = elb.describe_listeners(LoadBalancerArn=arn)["Listeners"]
    assert [(lis["Port"], lis["DefaultActions"][0]["Type"]) for lis in listeners] == [
        (80, "forward")
    ]


def test_tasks_accept_traffic_from_the_alb_only(deployed: Deployed) -> None:
    """The task group lets in port 8000 from the ALB group and nothing else."""
    ec2 = deployed.client("ec2")
    task_group = deployed.physical(deployed.nested, "TaskSecurityGroup")
    alb_group = deployed.physical(deployed.nested, "LoadBalancerSecurityGroup")
    rules = ec2.describe_security_groups(GroupIds=[task_group])["SecurityGroups"][0][
        "IpPermissions"
    ]
    assert len(rules) == 1
    assert (rules[0]["FromPort"], rules[0]["ToPort"]) == (8000, 8000)
    assert [pair["GroupId"] for pair in rules[0]["UserIdGroupPairs"]] == [alb_group]
    assert rules[0]["IpRanges"] == []
