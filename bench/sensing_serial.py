"""Serial benchmark: lines parsed per second, pure and through a real pseudo-terminal, beside the 9600-baud need.

    .venv/bin/python bench/sensing_serial.py [--repeat 30]

The corpus is the six real u-blox logs in ../shared/data/nmea (gpsd's header comments removed) with the board's
`$BBENV` / `$BBHB` sentences mixed in (one reading every 7 GPS lines), repeated. Measured side by side:
  - pynmea2 alone: `pynmea2.parse(line, check=True)` on every GPS line (what a naive reader costs; no framing of
    the board's sentences, no epochs);
  - our parser: `StreamParser.feed()` over the bytes in 4 KiB chunks (framing, checksum, $BB sentences, pynmea2
    decoding, GPS epoch assembly, counters);
  - through a pty: a writer thread pushes the bytes into a pty master as fast as the kernel takes them; pyserial
    reads the slave and the parser consumes it;
  - the gateway: the real SerialSource component on the pty (parse, SQLite writes with synchronous = full,
    alert rules), timed until every reading is in the database.
The two pure figures are the best of 3 runs. `bench/sensing.py` imports `run_serial_bench()` and prints these
figures beside the camera figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import tty
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NMEA_DIR = ROOT.parent / "shared" / "data" / "nmea"
LOGS = ("neo-m8n", "ublox-8", "ublox-lea-4h", "ublox-lea-5h", "ublox-lea-5q", "ublox-neo-m9n-nmea")
BAUD = 9600


def corpus(repeat: int) -> tuple[bytes, int, int]:
    """(bytes, lines, readings): the real logs with board sentences mixed in, `repeat` times."""
    from gateway.sensors.nmea import encode_env, encode_heartbeat

    gps: list[bytes] = []
    for name in LOGS:
        for line in (NMEA_DIR / f"{name}.log").read_bytes().splitlines():
            if line and not line.startswith(b"#"):
                gps.append(line + b"\r\n")
    out: list[bytes] = []
    seq = readings = 0
    for _ in range(repeat):
        for i, line in enumerate(gps):
            if i % 7 == 3:
                out.append(encode_env(seq % 65536, 4.0 + (seq % 30) / 10, 55.0).encode() + b"\r\n")
                seq += 1
                readings += 1
            if i % 97 == 5:
                out.append(encode_heartbeat(seq).encode() + b"\r\n")
            out.append(line)
    return b"".join(out), len(out), readings


def bench_pynmea2(data: bytes) -> dict[str, float]:
    """pynmea2.parse on every GPS line (the board's lines skipped: pynmea2 does not know them)."""
    import pynmea2

    lines = [ln.decode("ascii", "replace") for ln in data.splitlines() if ln and not ln.startswith(b"$BB")]
    t0 = time.perf_counter()
    ok = 0
    for ln in lines:
        try:
            pynmea2.parse(ln, check=True)
            ok += 1
        except (pynmea2.ParseError, ValueError, AttributeError, TypeError):
            pass
    dt = time.perf_counter() - t0
    return {"lines": len(lines), "seconds": dt, "lines_per_s": len(lines) / dt}


def bench_parser(data: bytes) -> dict[str, float]:
    """Our StreamParser over the bytes in 4 KiB chunks."""
    from gateway.sensors.stream import StreamParser

    parser = StreamParser()
    t0 = time.perf_counter()
    for i in range(0, len(data), 4096):
        parser.feed(data[i : i + 4096])
    parser.flush()
    dt = time.perf_counter() - t0
    return {"lines": parser.stats.lines, "seconds": dt, "lines_per_s": parser.stats.lines / dt,
            "fixes": parser.stats.events["fix"], "bad": parser.stats.bad_total}


class _Pty:
    def __init__(self, directory: Path) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.link = directory / "busybee-uno"
        self.link.symlink_to(os.ttyname(self.slave))

    def writer(self, data: bytes) -> threading.Thread:
        def run() -> None:
            view = memoryview(data)
            while view:
                view = view[os.write(self.master, view[:4096]):]

        t = threading.Thread(target=run, daemon=True)
        return t

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


def bench_pty_parser(data: bytes, lines: int) -> dict[str, float]:
    """pyserial reading a pty that a thread fills as fast as it can; the parser consumes every byte."""
    from gateway.sensors.serial_source import open_port, read_some
    from gateway.sensors.stream import StreamParser

    with tempfile.TemporaryDirectory() as d:
        pty = _Pty(Path(d))
        port = open_port(str(pty.link), BAUD)
        parser = StreamParser()
        writer = pty.writer(data)
        t0 = time.perf_counter()
        writer.start()
        deadline = time.monotonic() + 120
        while parser.stats.lines < lines and time.monotonic() < deadline:
            parser.feed(read_some(port))
        dt = time.perf_counter() - t0
        port.close()
        pty.close()
    return {"lines": parser.stats.lines, "seconds": dt, "lines_per_s": parser.stats.lines / dt}


def bench_gateway(data: bytes, readings: int) -> dict[str, float]:
    """The SerialSource component on a pty, until every reading is stored."""
    from gateway.config import load_settings
    from gateway.initialize import config_template
    from gateway.sensors.serial_source import SerialSource
    from gateway.store import open_db

    with tempfile.TemporaryDirectory() as d:
        pty = _Pty(Path(d))
        cfg = Path(d) / "busybee.toml"
        cfg.write_text(config_template().replace("[web]\nenabled = true", "[web]\nenabled = false"), encoding="utf-8")
        env = {"BUSYBEE_SENSORS__SERIAL__ENABLED": "true", "BUSYBEE_SENSORS__SERIAL__PORT": f'"{pty.link}"'}
        settings = load_settings(cfg, env=env)
        db = open_db(settings)
        source = SerialSource(settings, lambda: open_db(settings, migrate_schema=False))
        source.start()
        deadline = time.monotonic() + 15
        while not source.connected and time.monotonic() < deadline:
            time.sleep(0.01)
        writer = pty.writer(data)
        t0 = time.perf_counter()
        writer.start()
        deadline = time.monotonic() + 300
        stored = 0
        while stored < readings and time.monotonic() < deadline:
            time.sleep(0.05)
            stored = db.execute("SELECT COUNT(*) FROM sensor_readings").fetchone()[0]
        dt = time.perf_counter() - t0
        lines = source.parser.stats.lines
        fixes_stored = db.execute("SELECT COUNT(*) FROM gps_fixes").fetchone()[0]
        source.stop()
        pty.close()
    return {"lines": lines, "seconds": dt, "lines_per_s": lines / dt, "readings_stored": stored,
            "fixes_stored": fixes_stored}


def run_serial_bench(seconds: float = 0.0, repeat: int = 30) -> dict[str, Any]:
    """Every serial figure, flat, for `bench/sensing.py` (`seconds` is the camera run's length: not used here)."""
    data, lines, readings = corpus(repeat)
    need = BAUD / 10 / (len(data) / lines)  # 8N1: 10 bits a byte; lines a second a saturated 9600-baud link carries
    py = min((bench_pynmea2(data) for _ in range(3)), key=lambda r: r["seconds"])  # best of 3: a busy box is noisy
    ours = min((bench_parser(data) for _ in range(3)), key=lambda r: r["seconds"])
    pty = bench_pty_parser(data, lines)
    gw = bench_gateway(data, readings)
    return {
        "corpus lines (6 u-blox logs + $BB, repeated)": lines,
        "mean line bytes": round(len(data) / lines, 1),
        "9600 baud needs lines/s": round(need, 1),
        "pynmea2.parse alone (lazy: split + checksum, no field conversion), GPS lines/s": round(py["lines_per_s"]),
        "StreamParser (pure), lines/s": round(ours["lines_per_s"]),
        "StreamParser µs/line": round(1e6 / ours["lines_per_s"], 1),
        "pty + pyserial + parser, lines/s": round(pty["lines_per_s"]),
        "pty + SerialSource (parse, SQLite, rules), lines/s": round(gw["lines_per_s"]),
        "gateway headroom over 9600 baud": f"{gw['lines_per_s'] / need:,.0f}x",
        "readings stored / sent": f"{gw['readings_stored']}/{readings}",
        "fixes parsed (pure) / stored (one per 10 s + every mode change)": f"{ours['fixes']}/{gw['fixes_stored']}",
        "bad lines in corpus (pure parser)": ours["bad"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="how many times the logs are replayed (default 30)")
    args = parser.parse_args()
    result = run_serial_bench(repeat=args.repeat)
    print(f"\n## serial benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores)\n")
    print("| serial | value |\n| --- | ---: |")
    for k, v in result.items():
        print(f"| {k} | {v:,} |" if isinstance(v, int | float) else f"| {k} | {v} |")


if __name__ == "__main__":
    main()
