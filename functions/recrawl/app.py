"""Cron trigger: asks the llmstxt service to recrawl the sites that are due."""

import json
import os
from typing import Any

import urllib3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()

# One retry on connection errors and 5xx; POST is safe to repeat because the service claims sites atomically.
RETRY = urllib3.Retry(
    total=1,
    backoff_factor=0.5,
    status_forcelist=(500, 502, 503, 504),
    allowed_methods=None,
    raise_on_status=False,
)
TIMEOUT = urllib3.Timeout(connect=5.0, read=float(os.environ.get("REQUEST_TIMEOUT", "20")))
http = urllib3.PoolManager(retries=RETRY, timeout=TIMEOUT)


class RecrawlError(RuntimeError):
    """The service did not accept the recrawl trigger."""


@tracer.capture_method
def trigger_recrawl(service_url: str, secret: str) -> dict[str, Any]:
    """POST the recrawl trigger to the service and return its JSON answer."""
    response = http.request(
        "POST",
        f"{service_url.rstrip('/')}/internal/cron/recrawl",
        headers={"X-Cron-Secret": secret, "Accept": "application/json"},
    )
    if response.status != 202:
        raise RecrawlError(f"service answered {response.status}: {response.data[:200]!r}")
    body: dict[str, Any] = json.loads(response.data)
    return body


@logger.inject_lambda_context(correlation_id_path=correlation_paths.EVENT_BRIDGE)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    """Trigger one recrawl round; raise so the invocation counts as an error when it fails."""
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    try:
        secret = str(parameters.get_secret(os.environ["CRON_SECRET_NAME"], max_age=300))
        result = trigger_recrawl(os.environ["SERVICE_URL"], secret)
    except Exception:
        metrics.add_metric(name="Failures", unit=MetricUnit.Count, value=1)
        logger.exception("recrawl trigger failed", extra={"scheduled_time": event.time})
        raise
    metrics.add_metric(
        name="SitesClaimed", unit=MetricUnit.Count, value=int(result.get("claimed", 0))
    )
    logger.info(
        "recrawl triggered", extra={"claimed": result.get("claimed"), "due": result.get("due")}
    )
    return result
