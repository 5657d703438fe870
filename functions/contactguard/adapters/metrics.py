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
    """A function's Metrics; its namespace is read when something is counted (below)."""
    return Metrics(service=service)


class MetricCounter:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def count(self, name: str, value: int = 1) -> None:
        # The template sets POWERTOOLS_METRICS_NAMESPACE (per stage). Read at the count, not
        # at import, and never missing: Powertools would fail the invocation at its flush.
        namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE
        self.metrics.namespace = namespace
        self.metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
