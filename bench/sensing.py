"""Sensing benchmark: MQTT camera frames through a real gateway process, side by side with the serial figures.

    .venv/bin/python bench/sensing.py [--seconds 60] [--cameras 20] [--fps 5] [--frame-bytes 30000]

Starts mosquitto with the gateway's GENERATED config/ACL, then `busybee run` (real Runtime, web app on) as a
child process, and one paho-mqtt client per camera (its own broker user) publishing valid JPEG frames at QoS 1
on a fixed schedule. Reports frames ingested per second, frames dropped by the gateway (PUBACKed by the broker
but never counted by the gateway), the gateway's RSS over the run, the frame store's size against its disk
budget (sampled every second), and the p50/p95 time from publish to the frame being served by
`GET /cameras/<cam>/latest.jpg` (one camera polled continuously with If-None-Match). The serial figures come
from `bench/sensing_serial.py` (`run_serial_bench()`), run in the same invocation.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

GATEWAY_PASSWORD = "bench-gateway-pw"
WEB_PASSWORD = "bench web password"


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def _du(path: Path) -> int:
    """Bytes of frame files that all existed at one instant (the start of the second pass).

    A plain walk is not atomic: it can count a frame evicted during the walk together with its replacement.
    Here every file is listed first, then stat'ed; a file listed before the second pass and still there when
    stat'ed existed at the moment that pass began, so the sum is a true lower bound of the usage at that
    moment and can never exceed the budget unless the store does.
    """
    names = [os.path.join(d, n) for d, _dirs, files in os.walk(path) for n in files]
    total = 0
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            total += os.stat(name).st_size
    return total


class Publisher(threading.Thread):
    """One camera: its own broker user, `fps` frames a second at QoS 1 for `seconds`."""

    def __init__(self, port: int, gw: str, cam: str, password: str, frame: bytes, fps: float, seconds: float,
                 start_at: float) -> None:
        super().__init__(name=f"pub-{cam}", daemon=True)
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

        self.topic = f"busybee/{gw}/cam/{cam}/frame"
        self.frame = bytearray(frame)
        self.marker = self.frame.index(b"xxxxxxxx")  # inside the padding comment: makes every frame unique
        self.fps, self.seconds, self.start_at = fps, seconds, start_at
        self.sent_at: dict[int, float] = {}
        self.infos: list[Any] = []
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{cam}",
                                  protocol=MQTTProtocolVersion.MQTTv5)
        self.client.username_pw_set(cam, password)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()

    def run(self) -> None:
        n = int(self.seconds * self.fps)
        for i in range(1, n + 1):
            due = self.start_at + (i - 1) / self.fps
            delay = due - time.time()
            if delay > 0:
                time.sleep(delay)
            self.frame[self.marker:self.marker + 8] = f"{i:08d}".encode()
            self.sent_at[i] = time.time()
            self.infos.append(self.client.publish(self.topic, bytes(self.frame), qos=1))

    def acked(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        for info in self.infos:
            info.wait_for_publish(max(0.01, deadline - time.monotonic()))
        return sum(1 for info in self.infos if info.is_published())

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _metric_sum(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def run_camera_bench(seconds: float, cameras: int, fps: float, frame_bytes: int) -> dict[str, Any]:
    """Run the camera half and return its figures."""
    import httpx
    import psutil

    from gateway.cameras.broker import plan_for
    from gateway.cameras.registry import add_camera, list_cameras
    from gateway.config import load_settings
    from gateway.initialize import config_template
    from gateway.store import open_db
    from gateway.web.users import add_user
    from tests.conftest import require_binary  # noqa: F401  (same lookup rules as the tests)
    from tests.sensors.camera_fixtures import jpeg_of_size
    from tests.services.dovecot import free_port
    from tests.services.mosquitto import Mosquitto

    work = Path(tempfile.mkdtemp(prefix="busybee-bench-sensing.", dir="/tmp"))
    work.chmod(0o711)
    broker = Mosquitto(work / "broker")
    (work / "broker").mkdir()
    web_port = free_port()
    total_bytes = seconds * cameras * fps * frame_bytes
    budget = int(max(4 * 1024 * 1024, total_bytes / 3))  # small enough that eviction runs during the bench
    env = {**os.environ, "BUSYBEE_CONFIG": str(work / "busybee.toml"), "BUSYBEE_WEB__ENABLED": "true",
           "BUSYBEE_WEB__PORT": str(web_port), "BUSYBEE_MQTT__ENABLED": "true",
           "BUSYBEE_MQTT__PORT": str(broker.port), "BUSYBEE_MQTT__PASSWORD": GATEWAY_PASSWORD,
           "BUSYBEE_CAMERAS__DISK_BUDGET_BYTES": str(budget), "BUSYBEE_MAIL__SPOOL__ENABLED": "false",
           "BUSYBEE_JOBS__WORKERS": "0", "BUSYBEE_LOG__LEVEL": "warning"}
    (work / "busybee.toml").write_text(config_template(), encoding="utf-8")
    settings = load_settings(work / "busybee.toml", env=env)
    db = open_db(settings)
    add_user(db, "bench", WEB_PASSWORD, admin=True)
    names = [f"cam{i:02d}" for i in range(cameras)]
    passwords = {cam: add_camera(db, cam).password for cam in names}
    broker.configure(plan_for(settings, [(c.cam_id, c.password_hash) for c in list_cameras(db)]))
    db.close()
    broker.start()
    with open(work / "gateway.log", "wb") as log:
        gateway = subprocess.Popen([sys.executable, "-m", "gateway", "run"], env=env, cwd=work, stdout=log,
                                   stderr=subprocess.STDOUT)
    proc = psutil.Process(gateway.pid)
    base = f"http://127.0.0.1:{web_port}"
    web = httpx.Client(base_url=base, timeout=10)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                health = web.get("/healthz").json()
                if health.get("components", {}).get("cameras", {}).get("connected"):
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline or gateway.poll() is not None:
                raise RuntimeError(f"gateway did not come up:\n{(work / 'gateway.log').read_text()[-3000:]}")
            time.sleep(0.1)
        page = web.get("/login")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        web.post("/login", data={"username": "bench", "password": WEB_PASSWORD, "csrf": csrf})
        frame = jpeg_of_size(frame_bytes)
        start_at = time.time() + 1.0
        # cameras are not synchronised: each starts at its own offset within the first frame interval
        pubs = [Publisher(broker.port, settings.gateway.id, cam, passwords[cam], frame, fps, seconds,
                          start_at + i / (fps * cameras)) for i, cam in enumerate(names)]
        rss: list[int] = []
        du_max = 0
        store_max = 0.0
        latencies: list[float] = []
        stop = threading.Event()
        frames_dir = settings.data_dir / settings.cameras.frames_dir

        def sample() -> None:
            nonlocal du_max, store_max
            sampler = httpx.Client(base_url=base, timeout=10)
            while not stop.wait(1.0):
                rss.append(proc.memory_info().rss)
                du_max = max(du_max, _du(frames_dir))
                store_max = max(store_max, _metric_sum(sampler.get("/metrics").text, "busybee_camera_store_bytes"))

        def probe() -> None:  # publish -> visible in GET /cameras/<cam>/latest.jpg, for the first camera
            client = httpx.Client(base_url=base, cookies=web.cookies, timeout=10)
            etag = None
            while not stop.is_set():
                r = client.get(f"/cameras/{names[0]}/latest.jpg", headers={"If-None-Match": etag} if etag else {})
                now = time.time()
                if r.status_code == 200:
                    etag = r.headers["etag"]
                    seq = int(r.headers["x-frame-seq"])
                    sent = pubs[0].sent_at.get(seq)
                    if sent is not None:
                        latencies.append(now - sent)
                time.sleep(0.001)

        threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=probe, daemon=True)]
        for t in threads:
            t.start()
        for p in pubs:
            p.start()
        for p in pubs:
            p.join()
        published = sum(len(p.infos) for p in pubs)
        acked = sum(p.acked(30) for p in pubs)
        deadline = time.monotonic() + 30
        ingested = 0.0
        while time.monotonic() < deadline:
            metrics = web.get("/metrics").text
            ingested = _metric_sum(metrics, "busybee_camera_frames_total")
            if ingested >= acked:
                break
            time.sleep(0.2)
        elapsed = time.time() - start_at
        stop.set()
        for t in threads:
            t.join(5)
        metrics = web.get("/metrics").text
        for p in pubs:
            p.close()
        warm = rss[3:] or rss
        result = {
            "cameras": cameras, "fps": fps, "frame_bytes": frame_bytes, "seconds": seconds,
            "published": published, "acked": acked, "ingested": int(ingested),
            "dropped": int(acked - ingested), "rejected": int(_metric_sum(metrics, "busybee_camera_rejected_total")),
            "frames_per_s": ingested / elapsed, "p50_ms": _percentile(latencies, 50) * 1000,
            "p95_ms": _percentile(latencies, 95) * 1000, "latency_samples": len(latencies),
            "rss_start_mb": warm[0] / 2**20 if warm else float("nan"),
            "rss_end_mb": warm[-1] / 2**20 if warm else float("nan"),
            "rss_mid_mb": warm[len(warm) // 2] / 2**20 if warm else float("nan"),
            "rss_max_mb": max(warm) / 2**20 if warm else float("nan"),
            "budget_mb": budget / 2**20, "store_max_mb": store_max / 2**20, "walk_max_mb": du_max / 2**20,
            "within_budget": store_max <= budget and du_max <= budget,
            "evicted": int(_metric_sum(metrics, "busybee_camera_store_evicted")),
        }
    finally:
        gateway.terminate()
        try:
            gateway.wait(20)
        except subprocess.TimeoutExpired:
            gateway.kill()
        broker.stop()
        web.close()
    shutil.rmtree(work, ignore_errors=True)  # kept when the run failed, for its logs
    return result


def run_serial(seconds: float) -> dict[str, Any] | None:
    """The serial engineer's figures, if bench/sensing_serial.py is there."""
    try:
        from sensing_serial import run_serial_bench  # type: ignore[import-not-found]
    except ImportError:
        return None
    params = inspect.signature(run_serial_bench).parameters
    result = run_serial_bench(seconds=seconds) if "seconds" in params else run_serial_bench()
    return dict(result) if isinstance(result, dict) else {"result": result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the cameras publish (default 60)")
    parser.add_argument("--cameras", type=int, default=20)
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--frame-bytes", type=int, default=30_000)
    parser.add_argument("--no-serial", action="store_true", help="skip bench/sensing_serial.py")
    args = parser.parse_args()
    serial = None if args.no_serial else run_serial(args.seconds)
    cam = run_camera_bench(args.seconds, args.cameras, args.fps, args.frame_bytes)
    print(f"\n## sensing benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores)\n")
    if serial is None:
        print("serial: bench/sensing_serial.py not available\n")
    else:
        print("| serial | value |\n| --- | ---: |")
        for k, v in serial.items():
            print(f"| {k} | {v:,.1f} |" if isinstance(v, float) else f"| {k} | {v} |")
        print()
    print("| cameras | fps each | frame bytes | seconds | frames published (PUBACKed) | ingested | dropped by gateway |"
          " rejected | frames/s | p50 ms publish→latest.jpg | p95 ms | RSS MB start→mid→end (max) |"
          " frame store max MB (walk) / budget MB | evicted |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |")
    print(f"| {cam['cameras']} | {cam['fps']:g} | {cam['frame_bytes']:,} | {cam['seconds']:g} | "
          f"{cam['published']:,} ({cam['acked']:,}) | {cam['ingested']:,} | {cam['dropped']} | {cam['rejected']} | "
          f"{cam['frames_per_s']:.1f} | {cam['p50_ms']:.1f} | {cam['p95_ms']:.1f} | "
          f"{cam['rss_start_mb']:.0f}→{cam['rss_mid_mb']:.0f}→{cam['rss_end_mb']:.0f} ({cam['rss_max_mb']:.0f}) | "
          f"{cam['store_max_mb']:.2f} ({cam['walk_max_mb']:.2f}) / {cam['budget_mb']:.2f} "
          f"({'within' if cam['within_budget'] else 'OVER'}) | "
          f"{cam['evicted']:,} |")
    print(f"\nlatency samples: {cam['latency_samples']}; frame store: the store's own accounting sampled each second, "
          "in brackets the frame files that existed at one instant, also sampled each second")


if __name__ == "__main__":
    main()
