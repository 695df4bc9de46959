"""The serial sensor board component: read the port, parse, store, drive the alert rules; survive unplugging.

pyserial is used here and nowhere else: its exceptions become SerialPortError at this boundary. The read
blocks for at most READ_TIMEOUT, so the thread wakes to check silence and stop requests without spinning;
a failed open is retried with exponential backoff (reconnect_min_seconds doubling to reconnect_max_seconds).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import serial
from prometheus_client import CollectorRegistry
from sqlite_utils import Database

from gateway.config import Settings
from gateway.db import StoreError
from gateway.sensors.alerts import AlertBook
from gateway.sensors.errors import SerialPortError
from gateway.sensors.gps import Fix
from gateway.sensors.nmea import Env, Hello
from gateway.sensors.rules import Action, BoardRules, restore
from gateway.sensors.store import SensorStore
from gateway.sensors.stream import Event, StreamParser

log = logging.getLogger(__name__)

READ_TIMEOUT = 0.25  # seconds a read may block: bounds stop latency, no busy loop
FLUSH_EVERY = 1.0  # seconds between database writes of parsed events
FIX_QUIET = 2.5  # seconds without a new GPS epoch before the one in progress is emitted
COMPACT_EVERY = 3600.0


class Port(Protocol):
    """The part of a serial port the source uses."""

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...

    @property
    def in_waiting(self) -> int: ...


def open_port(path: str, baud: int) -> Port:
    """Open the serial device (exclusively, so two gateways never share a board)."""
    try:
        port: Port = serial.Serial(path, baud, timeout=READ_TIMEOUT, exclusive=True)
        return port
    except (serial.SerialException, OSError, ValueError) as exc:
        raise SerialPortError(f"cannot open {path}: {exc}") from exc


def read_some(port: Port) -> bytes:
    """What is waiting (at least one byte, or b'' after READ_TIMEOUT); SerialPortError when unplugged."""
    try:
        return port.read(max(1, min(port.in_waiting, 4096)))
    except (serial.SerialException, OSError, TypeError) as exc:
        raise SerialPortError(f"read failed: {exc}") from exc


def default_board_id(port: str) -> str:
    """The provisional id of a board that has not said HELLO yet: the port's name."""
    return Path(port).name or "board"


class SerialSource:
    """One serial sensor board: a thread that reads, parses, stores and raises or clears alerts."""

    name = "sensors-serial"

    def __init__(
        self,
        settings: Settings,
        connect: Callable[[], Database],
        *,
        clock: Callable[[], float] = time.time,
        opener: Callable[[str, int], Port] = open_port,
        alerts: Callable[[Database], AlertBook] | None = None,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.settings = settings
        self.sensors = settings.sensors
        self.path = settings.sensors.serial.port
        self.connect = connect
        self.clock = clock
        self.opener = opener
        self.make_alerts = alerts or (lambda db: AlertBook(db, clock))
        self.parser = StreamParser()
        self.board_id = default_board_id(self.path)
        self.connected = False
        self.connects = 0
        self.last_line: float | None = None
        self.last_error: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._port: Port | None = None
        self._pending: list[Event] = []
        self._pending_lines = 0
        self._rules: BoardRules | None = None
        self._next_compact = time.monotonic() + 60.0
        if registry is not None:
            from gateway.sensors.metrics import register

            register(registry, self, connect)

    # ---- Component -----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the reader thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop reading, store what was parsed, close the port."""
        self._stop.set()
        self._thread.join(10)

    def health(self) -> dict[str, Any]:
        """Liveness, connection state and counters."""
        stats = self.parser.stats
        return {
            "alive": self._thread.is_alive(), "connected": self.connected, "port": self.path,
            "board_id": self.board_id, "last_line": self.last_line, "connects": self.connects,
            "lines": stats.lines, "bad_lines": stats.bad_total, "last_error": self.last_error,
        }

    # ---- the thread ----------------------------------------------------------------------------------

    def _run(self) -> None:
        db = self.connect()
        store = SensorStore(db, self.clock, self.sensors.gps_store_seconds)
        book = self.make_alerts(db)
        self.board_id = store.board_for_port(self.path) or self.board_id
        self._switch_board(self.board_id, book)
        serial_cfg = self.sensors.serial
        delay = serial_cfg.reconnect_min_seconds
        while not self._stop.is_set():
            try:
                port = self.opener(self.path, serial_cfg.baud)
            except SerialPortError as exc:
                self._note_error(str(exc))
                self._write(store, book)
                self._stop.wait(delay)
                delay = min(delay * 2, serial_cfg.reconnect_max_seconds)
                continue
            self.connected, self._port = True, port
            self.connects += 1
            if self.connects > 1:
                self._safe(lambda: store.note_reconnect(self.board_id, self.path))
            log.info("sensor board port open", extra={"port": self.path})
            try:
                got_line = self._read_until_gone(port, store, book)
            except SerialPortError as exc:
                self._note_error(str(exc))
                got_line = True
            finally:
                self.connected, self._port = False, None
                with contextlib.suppress(serial.SerialException, OSError):
                    port.close()
            self._pending += self.parser.flush()  # a line cut by the unplug is counted as truncated
            self._write(store, book)
            if got_line:
                delay = serial_cfg.reconnect_min_seconds  # it worked for a while: start the backoff over
            if not self._stop.is_set():
                self._stop.wait(delay)
                delay = min(delay * 2, serial_cfg.reconnect_max_seconds)
        self._write(store, book)

    def _read_until_gone(self, port: Port, store: SensorStore, book: AlertBook) -> bool:
        got_line = False
        last_write = last_fix = time.monotonic()
        while not self._stop.is_set():
            data = read_some(port)
            mono = time.monotonic()
            if data:
                lines_before = self.parser.stats.lines
                events = self.parser.feed(data)
                new_lines = self.parser.stats.lines - lines_before
                if new_lines:
                    got_line = True
                    self.last_line = self.clock()
                    self._pending_lines += new_lines
                if any(isinstance(e, Fix) for e in events):
                    last_fix = mono
                self._pending += events
            if mono - last_fix > FIX_QUIET:
                self._pending += self.parser.flush_fix()
                last_fix = mono
            if mono - last_write >= FLUSH_EVERY:
                self._write(store, book)
                last_write = mono
        return got_line

    def _write(self, store: SensorStore, book: AlertBook) -> None:
        """Store pending events board by board (a HELLO may switch boards mid-batch), then apply the rules."""
        events, lines = self._pending, self._pending_lines
        self._pending, self._pending_lines = [], 0
        now = self.clock()
        actions: list[Action] = []
        rules = self._rules
        batch: list[Event] = []
        for event in events:
            if isinstance(event, Hello) and event.board_id != self.board_id:
                if batch:
                    self._safe(functools.partial(store.record, self.board_id, self.path, batch, 0, now))
                batch = []
                self._switch_board(event.board_id, book)
                rules = self._rules
            batch.append(event)
            if rules is not None:
                if isinstance(event, Env):
                    actions += rules.env(event, now)
                elif isinstance(event, Fix):
                    actions += rules.fix(event, now)
        if batch or lines:
            self._safe(lambda: store.record(self.board_id, self.path, batch, lines, now))
        if rules is not None:
            if lines:
                actions = rules.line(now) + actions
            actions += rules.tick(now)
        self._apply(book, actions)
        if time.monotonic() >= self._next_compact:
            self._next_compact = time.monotonic() + COMPACT_EVERY
            self._safe(lambda: store.compact(self.sensors.retention_days, self.sensors.hourly_retention_days))

    def _switch_board(self, board_id: str, book: AlertBook) -> None:
        """Another board (or the first HELLO) on this port: the previous id's alerts no longer apply."""
        if self._rules is not None:
            self._apply(book, [Action("clear", r.key) for r in self._rules.rules() if r.raised])
        self.board_id = board_id
        now = self.clock()
        self._rules = BoardRules(board_id, self.sensors, now)
        try:
            open_keys = {a.key for a in book.open_alerts()}
        except (StoreError, sqlite3.Error) as exc:
            self._note_error(str(exc))
            open_keys = set()
        restore(self._rules.rules(), open_keys, now)

    def _apply(self, book: AlertBook, actions: list[Action]) -> None:
        for action in actions:
            if action.op == "raise":
                self._safe(functools.partial(book.raise_, action.key, action.kind, action.severity, action.message,
                                             action.detail))
            else:
                self._safe(functools.partial(book.clear, action.key))

    def _safe(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except (StoreError, sqlite3.Error) as exc:
            self._note_error(str(exc))
            log.error("sensor data not stored", extra={"error": str(exc)})

    def _note_error(self, message: str) -> None:
        if message != self.last_error:
            log.warning("sensor board: %s", message, extra={"port": self.path})
        self.last_error = message
