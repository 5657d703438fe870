"""Operational counts as CloudWatch embedded metric format (Powertools Metrics).

Each function counts what operations will be asked about (emails by disposition,
quarantines, deliveries, letters, deadlines, failed stream records) into the namespace
POWERTOOLS_METRICS_NAMESPACE (the template sets contactguard-<stage>), dimension `service`.
The handler's `log_metrics` decorator flushes them as one JSON log line per invocation; the
template's dashboard and alarms read them by these names. Counts only: never personal data.
"""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

# Most stream batches count nothing (the records were not ours); Powertools warns each time.
warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)


DEFAULT_NAMESPACE = "contactguard"


def metrics_for(service: str) -> Metrics:
    """A function's Metrics. The template sets POWERTOOLS_METRICS_NAMESPACE (per stage);
    without it Powertools would fail the invocation when it flushes, so counting can never
    break the work it counts."""
    namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE
    return Metrics(service=service, namespace=namespace)


class MetricCounter:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def count(self, name: str, value: int = 1) -> None:
        self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
