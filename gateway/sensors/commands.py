"""`busybee sensors replay|status|alerts|compact`: a thin click layer over the sensors package."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import IO, Any

import click

from gateway.cli import AppContext, emit_json, pass_app
from gateway.sensors.alerts import Alert, AlertBook
from gateway.sensors.store import SensorStore
from gateway.sensors.stream import Event, StreamParser, event_json

READ_LINE = 64 * 1024  # a capture line longer than this is read in pieces (the parser drops it as too long)


@click.group()
def sensors() -> None:
    """Warehouse sensor boards: replay a serial capture, board health, alerts."""


def replay_events(fh: IO[bytes], parser: StreamParser, skip_comments: bool = True) -> Iterator[Event]:
    """Every event the gateway would make of a capture, in order."""
    while True:
        line = fh.readline(READ_LINE)
        if not line:
            break
        if skip_comments and line.startswith(b"#"):
            continue
        yield from parser.feed(line)
    yield from parser.flush()


def _describe(obj: dict[str, Any]) -> str:
    kind = obj["kind"]
    if kind == "fix":
        if obj["lat"] is None:
            return f"fix   {obj['time'] or '(no date yet)'}  no fix  sats {obj['satellites']}"
        speed = "-" if obj["speed_kn"] is None else f"{obj['speed_kn']:.2f} kn"
        course = "-" if obj["course"] is None else f"{obj['course']:.1f}°"
        return (f"fix   {obj['time'] or '(no date yet)'}  {obj['lat']:.6f}, {obj['lon']:.6f}  {speed}  course {course}"
                f"  {obj['mode']}D q{obj['fix_quality']}  sats {obj['satellites']}  hdop {obj['hdop']}")
    if kind == "env":
        t = "-" if obj["temp_c"] is None else f"{obj['temp_c']:.1f} °C"
        h = "-" if obj["humidity"] is None else f"{obj['humidity']:.1f} %"
        return f"env   #{obj['seq']}  {t}  {h}  {obj['status']}"
    if kind == "hello":
        return f"hello board {obj['board_id']} firmware {obj['firmware']}"
    if kind == "heartbeat":
        return f"hb    uptime {obj['uptime_s']} s"
    return f"bad   {obj['reason']}: {obj['line']}"


@sensors.command()
@click.argument("capture", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event (fix, env, hello, heartbeat, bad).")
@click.option("--keep-comments", is_flag=True, help="Parse lines starting with '#' too (skipped by default: "
              "captures such as gpsd's logs annotate with them).")
def replay(capture: IO[bytes], as_json: bool, keep_comments: bool) -> None:
    """Parse a recorded serial CAPTURE (a file, or - for stdin) and print what the gateway understood."""
    parser = StreamParser()
    for event in replay_events(capture, parser, skip_comments=not keep_comments):
        obj = event_json(event)
        if as_json:
            emit_json(obj)
        else:
            click.echo(_describe(obj))
    if not as_json:
        stats = parser.stats
        bad = ", ".join(f"{k} {v}" for k, v in sorted(stats.bad.items())) or "none"
        click.echo(f"{stats.lines} lines: {stats.events['fix']} fixes, {stats.events['env']} readings, "
                   f"{stats.events['hello']} hello, {stats.events['heartbeat']} heartbeats, "
                   f"{stats.ignored} other GPS sentences; bad lines: {bad}")


def _ago(ts: float | None) -> str:
    if ts is None:
        return "never"
    return f"{time.time() - ts:.0f} s ago"


@sensors.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per board.")
@pass_app
def status(app: AppContext, as_json: bool) -> None:
    """Every sensor board: last seen, firmware, uptime, counters, latest reading and fix."""
    boards = SensorStore(app.db()).boards()
    for b in boards:
        if as_json:
            emit_json(b)
            continue
        uptime = "?" if b["uptime_s"] is None else b["uptime_s"]
        click.echo(f"{b['board_id']}  firmware {b['firmware'] or '?'}  port {b['port']}  "
                   f"last seen {_ago(b['last_seen'])}  uptime {uptime} s")
        click.echo(f"  lines {b['lines']}  bad {b['bad_lines']} (checksum {b['bad_checksum']})  readings "
                   f"{b['env_count']} (failed {b['sensor_errors']}, gaps {b['seq_gaps']})  fixes {b['fix_count']}"
                   f"  reconnects {b['reconnects']}  boots {b['boots']}")
        if b["reading"]:
            r = b["reading"]
            click.echo(f"  latest reading {r['temp_c']} °C {r['humidity']} % {r['status']} ({_ago(r['ts'])})")
        if b["fix"]:
            f = b["fix"]
            where = "no fix" if f["lat"] is None else f"{f['lat']:.6f}, {f['lon']:.6f}"
            click.echo(f"  latest fix {where} mode {f['mode']} sats {f['satellites']} ({_ago(f['ts'])})")
    if not boards and not as_json:
        click.echo("no sensor board seen yet")


def _alert_line(a: Alert) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(a.opened_at))
    closed = f" closed {time.strftime('%H:%M:%S', time.localtime(a.closed_at))}" if a.closed_at else ""
    return f"{a.id:>6} {a.state:6} {a.severity:8} {a.kind:14} {when}{closed}  {a.message}"


@sensors.command()
@click.option("--all", "show_all", is_flag=True, help="The history (open and closed), newest first.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100000))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per alert.")
@pass_app
def alerts(app: AppContext, show_all: bool, limit: int, as_json: bool) -> None:
    """Open alerts (sensors, GPS, cameras, disk), or the history with --all."""
    book = AlertBook(app.db())
    found = book.history(limit) if show_all else book.open_alerts()[:limit]
    for a in found:
        if as_json:
            emit_json(a.__dict__)
        else:
            click.echo(_alert_line(a))
    if not found and not as_json:
        click.echo("no alerts" if show_all else "no open alerts")


@sensors.command()
@pass_app
def compact(app: AppContext) -> None:
    """Apply the retention now: old raw readings become hourly min/avg/max, old fixes are thinned."""
    cfg = app.settings.sensors
    report = SensorStore(app.db()).compact(cfg.retention_days, cfg.hourly_retention_days)
    click.echo(f"summarised {report.readings_summarised} readings into {report.hours_written} hourly rows, "
               f"thinned {report.fixes_thinned} fixes, expired {report.hours_expired} hourly rows")
