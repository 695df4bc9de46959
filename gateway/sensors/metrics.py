"""Prometheus metrics of the serial sensor board and of open alerts, read at scrape time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlite_utils import Database

if TYPE_CHECKING:
    from gateway.sensors.serial_source import SerialSource


class SensorCollector(Collector):
    """Line counters and connection state of the serial source; open alerts by kind and severity."""

    def __init__(self, source: SerialSource, connect: Callable[[], Database]) -> None:
        self.source = source
        self.connect = connect
        self._db: Database | None = None

    def collect(self) -> Iterator[Metric]:
        stats = self.source.parser.stats
        yield GaugeMetricFamily("busybee_serial_connected", "Whether the sensor board's serial port is open",
                                value=1.0 if self.source.connected else 0.0)
        yield CounterMetricFamily("busybee_serial_connects", "Times the serial port was opened",
                                  value=self.source.connects)
        yield CounterMetricFamily("busybee_serial_lines", "Serial lines received", value=stats.lines)
        bad = CounterMetricFamily("busybee_serial_bad_lines", "Serial lines (or parts) dropped, by reason",
                                  labels=["reason"])
        for reason, n in sorted(stats.bad.items()):
            bad.add_metric([reason], n)
        yield bad
        events = CounterMetricFamily("busybee_serial_events", "Events parsed from the serial line, by kind",
                                     labels=["kind"])
        for kind, n in sorted(stats.events.items()):
            events.add_metric([kind], n)
        yield events
        if self._db is None:
            self._db = self.connect()
        alerts = GaugeMetricFamily("busybee_alerts_open", "Open alerts, by kind and severity",
                                   labels=["kind", "severity"])
        for kind, severity, n in self._db.execute(
            "SELECT kind, severity, COUNT(*) FROM alerts WHERE state = 'open' GROUP BY kind, severity"
        ):
            alerts.add_metric([kind, severity], n)
        yield alerts


def register(registry: CollectorRegistry, source: SerialSource, connect: Callable[[], Database]) -> None:
    """Expose the source's figures in the gateway's registry."""
    registry.register(SensorCollector(source, connect))
