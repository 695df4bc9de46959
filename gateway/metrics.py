"""Prometheus metrics of one gateway process (own registry; queue depth read at scrape time)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector


class _QueueDepth(Collector):
    def __init__(self, read: Callable[[], dict[str, dict[str, int]]]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("busybee_jobs", "Jobs in the queue by kind and state", labels=["kind", "state"])
        try:
            depth = self.read()
        except Exception:
            depth = {}
        for kind, states in sorted(depth.items()):
            for state, n in sorted(states.items()):
                family.add_metric([kind, state], n)
        yield family


class Metrics:
    """Counters the gateway's parts increment, rendered for /metrics."""

    def __init__(self, queue_depth: Callable[[], dict[str, dict[str, int]]] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.emails_ingested = Counter(
            "busybee_emails_ingested", "Emails stored (new, not duplicates) by source kind", ["source"],
            registry=self.registry,
        )
        self.emails_duplicate = Counter(
            "busybee_emails_duplicate", "Messages seen again and deduplicated", ["source"], registry=self.registry
        )
        self.parse_failures = Counter("busybee_parse_failures", "Emails that failed to parse", registry=self.registry)
        self.job_failures = Counter(
            "busybee_job_failures", "Job attempts that failed, by kind and outcome", ["kind", "outcome"],
            registry=self.registry,
        )
        self.jobs_done = Counter("busybee_jobs_done", "Jobs finished, by kind", ["kind"], registry=self.registry)
        self.source_errors = Counter(
            "busybee_mail_source_errors", "Mail source connection/poll errors", ["source"], registry=self.registry
        )
        if queue_depth is not None:
            self.registry.register(_QueueDepth(queue_depth))

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)
