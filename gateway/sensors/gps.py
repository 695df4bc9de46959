"""GPS fixes assembled per epoch: the RMC/GGA/GLL/GSA/VTG/ZDA sentences sharing one UTC time make one fix.

An epoch ends when a sentence with another time arrives (or at `flush()`); then its fix is emitted, with
mode 1 (no fix) when no sentence of the epoch carried a valid position. GSA and VTG carry no time: they
belong to the epoch in progress. The date is sticky (RMC and ZDA carry it) and rolls over at midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from gateway.sensors.nmea import GpsSentence


@dataclass(frozen=True)
class Fix:
    """One GPS epoch: when, where, how fast, how good (mode 1 = no fix, 2 = 2D, 3 = 3D)."""

    time: datetime | None
    lat: float | None
    lon: float | None
    speed_kn: float | None
    course: float | None
    fix_quality: int
    satellites: int | None
    hdop: float | None
    mode: int
    altitude_m: float | None = None

    @property
    def has_position(self) -> bool:
        """Whether the receiver knew where it was."""
        return self.lat is not None and self.lon is not None and self.mode >= 2


@dataclass
class _Epoch:
    time: time
    date: date | None = None
    rmc: GpsSentence | None = None
    gga: GpsSentence | None = None
    gll: GpsSentence | None = None
    gns: GpsSentence | None = None
    gsa: GpsSentence | None = None
    vtg: GpsSentence | None = None


class FixAssembler:
    """Feeds on decoded GPS sentences, returns a Fix each time an epoch completes."""

    def __init__(self) -> None:
        self._epoch: _Epoch | None = None
        self._date: date | None = None
        self._last_time: time | None = None
        self._last_mode = 1

    def feed(self, sentence: GpsSentence) -> Fix | None:
        """Add one sentence; returns the previous epoch's fix when this one starts a new epoch."""
        done: Fix | None = None
        if sentence.time is not None and (self._epoch is None or sentence.time != self._epoch.time):
            done = self.flush()
            self._epoch = _Epoch(sentence.time)
        epoch = self._epoch
        if epoch is None:
            return done  # GSA/VTG before any timed sentence: nothing to attach it to
        if sentence.date is not None:
            epoch.date = sentence.date
        slot = sentence.kind.lower()
        if slot in ("gsa", "vtg") and getattr(epoch, slot) is not None:
            return done  # multi-GNSS receivers send one GSA per constellation: the first one speaks for the fix
        setattr(epoch, slot, sentence)
        return done

    def flush(self) -> Fix | None:
        """Emit the epoch in progress, if any (end of input, or the receiver went quiet)."""
        epoch, self._epoch = self._epoch, None
        if epoch is None:
            return None
        return self._build(epoch)

    def _when(self, epoch: _Epoch) -> datetime | None:
        if epoch.date is not None:
            self._date = epoch.date
        elif self._date is not None and self._last_time and (self._last_time.hour, epoch.time.hour) == (23, 0):
            self._date = self._date + timedelta(days=1)  # midnight passed with no RMC/ZDA to say so
        self._last_time = epoch.time
        if self._date is None:
            return None
        return datetime.combine(self._date, epoch.time, tzinfo=UTC)

    def _build(self, epoch: _Epoch) -> Fix:
        when = self._when(epoch)
        positioned = [s for s in (epoch.rmc, epoch.gga, epoch.gns, epoch.gll) if s is not None and s.lat is not None]
        said_invalid = any(s is not None and s.valid is False for s in (epoch.rmc, epoch.gga, epoch.gns))
        gsa_mode = epoch.gsa.mode if epoch.gsa is not None else None
        if not positioned or said_invalid or gsa_mode == 1:
            quality = epoch.gga.quality if epoch.gga is not None and epoch.gga.quality is not None else 0
            sats = epoch.gga.satellites if epoch.gga is not None else None
            hdop = _first(_get(epoch.gga, "hdop"), _get(epoch.gsa, "hdop"))
            self._last_mode = 1
            return Fix(when, None, None, None, None, quality, sats, hdop, 1)
        src = positioned[0]
        speed = _first(_get(epoch.rmc, "speed_kn"), _get(epoch.vtg, "speed_kn"))
        course = _first(_get(epoch.rmc, "course"), _get(epoch.vtg, "course"))
        gga = epoch.gga or epoch.gns
        altitude = gga.altitude_m if gga is not None else None
        if altitude is not None:
            mode = 3  # like gpsd: an altitude makes it 3D even when GSA says 2D (the receiver holds altitude)
        elif gsa_mode in (2, 3):
            mode = gsa_mode
        elif gga is None:
            mode = max(self._last_mode, 2)  # an epoch cut short (RMC only) keeps the previous dimension
        else:
            mode = 2
        self._last_mode = mode
        quality = gga.quality if gga is not None and gga.quality is not None else 1
        return Fix(
            time=when, lat=src.lat, lon=src.lon, speed_kn=speed, course=course, fix_quality=quality,
            satellites=gga.satellites if gga is not None else None,
            hdop=_first(_get(gga, "hdop"), _get(epoch.gsa, "hdop")), mode=mode,
            altitude_m=altitude if mode == 3 else None,
        )


def _first(*values: float | None) -> float | None:
    for v in values:
        if v is not None:
            return v
    return None


def _get(sentence: GpsSentence | None, field: str) -> float | None:
    return None if sentence is None else getattr(sentence, field)
