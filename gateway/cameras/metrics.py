"""Prometheus metrics of the cameras, registered into the gateway's own registry."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from gateway.cameras.framestore import StoreStats


class _StoreCollector(Collector):
    def __init__(self, read: Callable[[], StoreStats]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        s = self.read()
        for name, doc, value in (
            ("busybee_camera_store_bytes", "Bytes of stored frames", s.bytes),
            ("busybee_camera_store_files", "Stored frame files", s.files),
            ("busybee_camera_store_budget_bytes", "The frame store's disk budget", s.budget_bytes),
            ("busybee_camera_store_evicted", "Frames deleted to stay within the budget or free-space floor", s.evicted),
            ("busybee_camera_store_refused", "Frames not stored because the free-space floor could not be kept",
             s.refused),
        ):
            yield GaugeMetricFamily(name, doc, value=value)


class CameraMetrics:
    """Counters the MQTT camera source increments."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.frames = Counter("busybee_camera_frames", "Valid frames received, by camera", ["camera"],
                              registry=registry)
        self.frame_bytes = Counter("busybee_camera_frame_bytes", "Bytes of valid frames received", registry=registry)
        self.rejected = Counter("busybee_camera_rejected", "MQTT payloads rejected, by reason", ["reason"],
                                registry=registry)
        self.connects = Counter("busybee_mqtt_connects", "MQTT connection attempts answered, by outcome",
                                ["outcome"], registry=registry)
        self.disconnects = Counter("busybee_mqtt_disconnects", "MQTT connections lost", registry=registry)
        self.commands = Counter("busybee_camera_commands", "Commands sent to cameras, by command", ["cmd"],
                                registry=registry)

    def watch_store(self, read: Callable[[], StoreStats]) -> None:
        """Expose the frame store's occupancy at scrape time."""
        self.registry.register(_StoreCollector(read))
