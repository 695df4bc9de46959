"""The serial wire format, defined once: NMEA 0183 framing with the `*hh` XOR checksum for every line.

A line is `$<talker><type>,<field>,...*hh`. Talker `BB` is the sensor board's own:
`$BBHELLO,<fw>,<board-id>*hh` at boot, `$BBENV,<seq>,<temp °C>,<humidity %>,<OK|TIMEOUT|CHECKSUM>*hh`,
`$BBHB,<uptime s>*hh`. Every other talker is the GPS receiver's, decoded with pynmea2 into a
`GpsSentence` (the parts of one sentence that contribute to a fix). Everything here is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

import pynmea2

from gateway.sensors.errors import FrameError

MAX_SENTENCE = 120  # NMEA says 82 with CRLF; leave room for NMEA 4.x receivers, refuse anything longer
ENV_STATUSES = ("OK", "TIMEOUT", "CHECKSUM")
TEMP_RANGE = (-40.0, 85.0)  # what any hobby sensor can report; outside it the line is corrupt
BOARD_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,32}$")
FIRMWARE = re.compile(r"^[\x21-\x7e]{1,32}$")
GPS_TYPES = frozenset({"RMC", "GGA", "GLL", "GSA", "VTG", "ZDA", "GNS"})
_SENTENCE = re.compile(r"^\$([A-Z][A-Z0-9]{1,9}),?([\x20-\x7e]*)\*([0-9A-Fa-f]{2})$")


@dataclass(frozen=True)
class Sentence:
    """A framed line whose checksum verified: address (talker + type) and raw fields."""

    address: str
    fields: tuple[str, ...]
    text: str

    @property
    def talker(self) -> str:
        """`BB`, `GP`, `GN`, ... (`P` for proprietary sentences)."""
        return "P" if self.address.startswith("P") else self.address[:2]

    @property
    def kind(self) -> str:
        """The sentence type (`ENV`, `RMC`, ...)."""
        return self.address[1:] if self.address.startswith("P") else self.address[2:]


@dataclass(frozen=True)
class Hello:
    """The board booted: its firmware version and id."""

    firmware: str
    board_id: str


@dataclass(frozen=True)
class Env:
    """One temperature/humidity reading (values absent when the sensor read failed)."""

    seq: int
    temp_c: float | None
    humidity: float | None
    status: str


@dataclass(frozen=True)
class Heartbeat:
    """The board is alive; seconds since it booted."""

    uptime_s: int


@dataclass(frozen=True)
class Bad:
    """A line that was counted and dropped, and why (`noise`, `truncated`, `bad_checksum`, ...)."""

    line: str
    reason: str


@dataclass(frozen=True)
class GpsSentence:
    """What one GPS sentence says about the current fix; None where it says nothing."""

    kind: str
    time: time | None = None
    date: date | None = None
    valid: bool | None = None
    lat: float | None = None
    lon: float | None = None
    speed_kn: float | None = None
    course: float | None = None
    quality: int | None = None
    satellites: int | None = None
    hdop: float | None = None
    altitude_m: float | None = None
    mode: int | None = None


BoardEvent = Hello | Env | Heartbeat


def checksum(body: str) -> int:
    """XOR of every character between `$` and `*`."""
    value = 0
    for ch in body.encode("ascii"):
        value ^= ch
    return value


def frame(body: str) -> str:
    """`$body*HH` (no line ending): how the board frames a sentence."""
    return f"${body}*{checksum(body):02X}"


def encode_hello(firmware: str, board_id: str) -> str:
    """A framed `$BBHELLO` sentence."""
    return frame(f"BBHELLO,{firmware},{board_id}")


def encode_env(seq: int, temp_c: float | None, humidity: float | None, status: str = "OK") -> str:
    """A framed `$BBENV` sentence (empty value fields for a failed read)."""
    t = "" if temp_c is None else f"{temp_c:.1f}"
    h = "" if humidity is None else f"{humidity:.1f}"
    return frame(f"BBENV,{seq},{t},{h},{status}")


def encode_heartbeat(uptime_s: int) -> str:
    """A framed `$BBHB` sentence."""
    return frame(f"BBHB,{uptime_s}")


def parse_sentence(text: str) -> Sentence:
    """Check framing and checksum of one line (no line ending); FrameError says why it is bad."""
    if len(text) > MAX_SENTENCE:
        raise FrameError("too_long", f"{len(text)} characters (max {MAX_SENTENCE})")
    if not text.startswith("$"):
        raise FrameError("noise", "does not start with '$'")
    star = text.rfind("*")
    if star < 0 or len(text) - star != 3:
        raise FrameError("truncated", "no *hh checksum at the end")
    m = _SENTENCE.match(text)
    if m is None:
        raise FrameError("malformed", "not $ADDRESS,fields*hh in printable ASCII")
    address, body, given = m.group(1), m.group(2), int(m.group(3), 16)
    expected = checksum(text[1:star])
    if given != expected:
        raise FrameError("bad_checksum", f"checksum {given:02X}, computed {expected:02X}")
    return Sentence(address, tuple(body.split(",")) if body else (), text)


def decode_board(sentence: Sentence) -> BoardEvent:
    """A `$BB` sentence as a board event; FrameError("malformed"/"unknown") when it does not fit."""
    kind, f = sentence.kind, sentence.fields
    if kind == "HELLO":
        if len(f) != 2 or not FIRMWARE.match(f[0]) or not BOARD_ID.match(f[1]):
            raise FrameError("malformed", "BBHELLO needs <fw>,<board-id>")
        return Hello(f[0], f[1])
    if kind == "ENV":
        if len(f) != 4 or f[3] not in ENV_STATUSES or not f[0].isdigit():
            raise FrameError("malformed", "BBENV needs <seq>,<temp>,<humidity>,<OK|TIMEOUT|CHECKSUM>")
        temp = _measure(f[1], TEMP_RANGE, "temperature")
        hum = _measure(f[2], (0.0, 100.0), "humidity")
        if f[3] == "OK" and (temp is None or hum is None):
            raise FrameError("malformed", "BBENV with status OK needs both values")
        return Env(int(f[0]), temp, hum, f[3])
    if kind == "HB":
        if len(f) != 1 or not f[0].isdigit():
            raise FrameError("malformed", "BBHB needs <uptime s>")
        return Heartbeat(int(f[0]))
    raise FrameError("unknown", f"unknown board sentence BB{kind}")


def _measure(raw: str, bounds: tuple[float, float], what: str) -> float | None:
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise FrameError("malformed", f"{what} {raw!r} is not a number") from None
    if not bounds[0] <= value <= bounds[1]:
        raise FrameError("out_of_range", f"{what} {value} outside {bounds[0]}..{bounds[1]}")
    return value


def decode_gps(sentence: Sentence) -> GpsSentence | None:
    """A GPS sentence that contributes to a fix, via pynmea2; None for the ones a fix does not use."""
    if sentence.kind not in GPS_TYPES or sentence.talker in ("BB", "P"):
        return None
    try:
        msg = pynmea2.parse(sentence.text, check=False)
        return _GPS_DECODERS[sentence.kind](msg)
    except (pynmea2.ParseError, ValueError, TypeError, AttributeError, IndexError, ArithmeticError) as exc:
        raise FrameError("malformed", f"{sentence.address}: {exc}") from None


def _float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, float | int | Decimal):
        return float(value)
    return float(str(value))


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(str(value))


def _position(msg: Any) -> tuple[float | None, float | None]:
    if not msg.lat or not msg.lon or msg.lat_dir not in ("N", "S") or msg.lon_dir not in ("E", "W"):
        return None, None
    lat, lon = float(msg.latitude), float(msg.longitude)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"position {lat},{lon} out of range")
    return lat, lon


def _time(msg: Any) -> time | None:
    ts = msg.timestamp
    return ts.replace(tzinfo=None) if isinstance(ts, time) else None


def _rmc(msg: Any) -> GpsSentence:
    valid = msg.status == "A"
    lat, lon = _position(msg) if valid else (None, None)
    return GpsSentence(
        "RMC", time=_time(msg), date=msg.datestamp if msg.datestamp else None, valid=valid, lat=lat, lon=lon,
        speed_kn=_float(msg.spd_over_grnd) if valid else None, course=_float(msg.true_course) if valid else None,
    )


def _gga(msg: Any) -> GpsSentence:
    quality = _int(msg.gps_qual) or 0
    lat, lon = _position(msg) if quality > 0 else (None, None)
    return GpsSentence(
        "GGA", time=_time(msg), valid=quality > 0, lat=lat, lon=lon, quality=quality,
        satellites=_int(msg.num_sats), hdop=_float(msg.horizontal_dil),
        altitude_m=_float(msg.altitude) if quality > 0 else None,
    )


def _gll(msg: Any) -> GpsSentence:
    valid = msg.status == "A"
    lat, lon = _position(msg) if valid else (None, None)
    return GpsSentence("GLL", time=_time(msg), valid=valid, lat=lat, lon=lon)


def _gsa(msg: Any) -> GpsSentence:
    mode = _int(msg.mode_fix_type)
    return GpsSentence("GSA", mode=mode if mode in (1, 2, 3) else None, hdop=_float(msg.hdop))


def _vtg(msg: Any) -> GpsSentence:
    return GpsSentence("VTG", speed_kn=_float(msg.spd_over_grnd_kts), course=_float(msg.true_track))


def _zda(msg: Any) -> GpsSentence:
    day, month, year = _int(msg.day), _int(msg.month), _int(msg.year)
    when = date(year, month, day) if day and month and year else None
    return GpsSentence("ZDA", time=_time(msg), date=when)


def _gns(msg: Any) -> GpsSentence:
    modes = str(msg.mode_indicator or "")
    valid = any(c not in "N" for c in modes) if modes else False
    lat, lon = _position(msg) if valid else (None, None)
    return GpsSentence("GNS", time=_time(msg), valid=valid, lat=lat, lon=lon,
                       satellites=_int(msg.num_sats), hdop=_float(msg.hdop),
                       altitude_m=_float(msg.altitude) if valid else None)


_GPS_DECODERS = {"RMC": _rmc, "GGA": _gga, "GLL": _gll, "GSA": _gsa, "VTG": _vtg, "ZDA": _zda, "GNS": _gns}
