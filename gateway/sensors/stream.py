"""Bytes from the serial line in, events out: line splitting, resync on `$`, counters, GPS epochs. Pure."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gateway.sensors.errors import FrameError
from gateway.sensors.gps import Fix, FixAssembler
from gateway.sensors.nmea import Bad, Env, Heartbeat, Hello, decode_board, decode_gps, parse_sentence

Event = Hello | Env | Heartbeat | Fix | Bad
MAX_LINE = 512  # bytes without a newline before the buffer is thrown away as one bad line
SHOWN = 160  # characters of a bad line kept for the operator


@dataclass
class ParserStats:
    """What the parser has seen since it started."""

    lines: int = 0
    sentences: int = 0
    ignored: int = 0
    bad: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)

    @property
    def bad_total(self) -> int:
        """Every line (or part of one) counted and dropped."""
        return sum(self.bad.values())


class StreamParser:
    """Turns a serial byte stream into board events, GPS fixes and bad-line reports."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self.stats = ParserStats()
        self._buf = bytearray()
        self._skipping = False
        self._fixes = FixAssembler()

    def feed(self, data: bytes) -> list[Event]:
        """Add bytes as they arrive; returns the events of every line completed by them."""
        out: list[Event] = []
        self._buf += data
        while True:
            nl = self._buf.find(b"\n")
            if nl < 0:
                break
            line = bytes(self._buf[:nl])
            del self._buf[: nl + 1]
            if self._skipping:  # the tail of an over-long line
                self._skipping = False
                continue
            out.extend(self.feed_line(line))
        if len(self._buf) > self.max_line:
            out.append(self._bad(bytes(self._buf), "too_long"))
            self._buf.clear()
            self._skipping = True
        return out

    def feed_line(self, raw: bytes) -> list[Event]:
        """Events from one complete line (line ending optional)."""
        raw = raw.rstrip(b"\r\n")
        if not raw.strip(b" \t\r\x00"):
            return []
        self.stats.lines += 1
        head, *sentences = raw.split(b"$")
        out: list[Event] = []
        if head.strip(b" \t\r\x00"):
            out.append(self._bad(head, "noise"))
        for part in sentences:
            event = self._sentence(b"$" + part)
            if event is not None:
                out.append(event)
        return out

    def flush(self) -> list[Event]:
        """End of input: a partial line is a truncated one; the GPS epoch in progress is emitted."""
        out: list[Event] = self.flush_fix()  # the epoch in progress ended before the cut-off line began
        if self._buf.strip(b" \t\r\n\x00") and not self._skipping:
            self.stats.lines += 1
            out.append(self._bad(bytes(self._buf), "truncated"))
        self._buf.clear()
        self._skipping = False
        return out

    def flush_fix(self) -> list[Event]:
        """Emit the GPS epoch in progress (the receiver went quiet)."""
        fix = self._fixes.flush()
        if fix is None:
            return []
        self.stats.events["fix"] += 1
        return [fix]

    def _sentence(self, raw: bytes) -> Event | None:
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            return self._bad(raw, "noise")
        try:
            sentence = parse_sentence(text)
        except FrameError as exc:
            return self._bad(raw, exc.reason)
        try:
            if sentence.talker == "BB":
                event: Event | None = decode_board(sentence)
            else:
                gps = decode_gps(sentence)
                event = self._fixes.feed(gps) if gps is not None else None
                if gps is None:
                    self.stats.ignored += 1
        except FrameError as exc:
            return self._bad(raw, exc.reason)
        self.stats.sentences += 1
        if event is not None:
            self.stats.events[event_kind(event)] += 1
        return event

    def _bad(self, raw: bytes, reason: str) -> Bad:
        self.stats.bad[reason] += 1
        return Bad(printable(raw[:SHOWN]), reason)


def printable(raw: bytes) -> str:
    """Bytes as printable ASCII, everything else escaped as \\xNN (safe for a terminal or a page)."""
    return "".join(chr(b) if 0x20 <= b < 0x7F and b != 0x5C else f"\\x{b:02x}" for b in raw)


def event_kind(event: Event) -> str:
    """`hello`, `env`, `heartbeat`, `fix` or `bad`."""
    return _KINDS[type(event)]


_KINDS: dict[type, str] = {Hello: "hello", Env: "env", Heartbeat: "heartbeat", Fix: "fix", Bad: "bad"}


def event_json(event: Event) -> dict[str, Any]:
    """The JSON object `busybee sensors replay --json` prints for one event."""
    if isinstance(event, Fix):
        return {
            "kind": "fix",
            "time": event.time.isoformat(timespec="milliseconds").replace("+00:00", "Z") if event.time else None,
            "lat": event.lat, "lon": event.lon, "speed_kn": event.speed_kn, "course": event.course,
            "fix_quality": event.fix_quality, "satellites": event.satellites, "hdop": event.hdop,
            "mode": event.mode, "altitude_m": event.altitude_m,
        }
    if isinstance(event, Env):
        return {"kind": "env", "seq": event.seq, "temp_c": event.temp_c, "humidity": event.humidity,
                "status": event.status}
    if isinstance(event, Hello):
        return {"kind": "hello", "firmware": event.firmware, "board_id": event.board_id}
    if isinstance(event, Heartbeat):
        return {"kind": "heartbeat", "uptime_s": event.uptime_s}
    return {"kind": "bad", "line": event.line, "reason": event.reason}
