"""The shipment fields of a quote request or order: one definition shared by extraction, chat, pricing, bookings."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

FIELDS = (
    "origin", "destination", "mode", "weight_kg", "volume_cbm", "containers",
    "packages", "commodity", "ready_date", "incoterm",
)
MODES = ("sea", "air", "road", "rail")
CONTAINER_TYPES = ("20GP", "40GP", "40HC", "45HC", "20RF", "40RF")
INCOTERMS = ("EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
_CONTAINERS = re.compile(r"^[1-9]\d{0,2}x(" + "|".join(CONTAINER_TYPES) + r")$")

Mode = Literal["sea", "air", "road", "rail"]


class FieldError(ValueError):
    """A value that does not fit its field (wrong type, out of range, unknown code)."""


@dataclass(frozen=True)
class Shipment:
    """What we know about one shipment; None means not (yet) known."""

    origin: str | None = None
    destination: str | None = None
    mode: str | None = None
    weight_kg: float | None = None
    volume_cbm: float | None = None
    containers: str | None = None  # "2x40HC" or "1x20GP,2x40HC"
    packages: int | None = None
    commodity: str | None = None
    ready_date: str | None = None  # ISO date
    incoterm: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Every field, None when absent (the `busybee extract --json` shape)."""
        return {f: getattr(self, f) for f in FIELDS}

    def merged(self, newer: Shipment) -> Shipment:
        """Newer values win; a known value is never overwritten by an empty one."""
        updates = {f: getattr(newer, f) for f in FIELDS if getattr(newer, f) is not None}
        return dataclasses.replace(self, **updates)

    def known(self) -> list[str]:
        """Names of the fields that have a value."""
        return [f for f in FIELDS if getattr(self, f) is not None]

    def container_list(self) -> list[tuple[int, str]]:
        """The containers as (count, type) pairs."""
        if not self.containers:
            return []
        return [(int(n), t) for n, t in (part.split("x") for part in self.containers.split(","))]


def validate_field(name: str, value: Any) -> Any:
    """Check and normalise one value (from rules, an LLM or a customer); FieldError when it does not fit."""
    if value is None:
        return None
    if name in ("origin", "destination", "commodity"):
        if not isinstance(value, str) or not value.strip() or len(value) > 120:
            raise FieldError(f"{name} must be a short non-empty text")
        return " ".join(value.split())
    if name == "mode":
        if value not in MODES:
            raise FieldError(f"mode must be one of {', '.join(MODES)}")
        return value
    if name in ("weight_kg", "volume_cbm"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < float(value) < 10_000_000:
            raise FieldError(f"{name} must be a positive number")
        return round(float(value), 3)
    if name == "packages":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 1_000_000:
            raise FieldError("packages must be a positive whole number")
        return value
    if name == "containers":
        parts = [p.strip().upper().replace("X", "x") for p in str(value).split(",")]
        if not parts or not all(_CONTAINERS.match(p) for p in parts):
            raise FieldError(f"containers must look like 2x40HC with a type in {', '.join(CONTAINER_TYPES)}")
        return ",".join(parts)
    if name == "ready_date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise FieldError("ready_date must be an ISO date (YYYY-MM-DD)") from exc
    if name == "incoterm":
        if str(value).upper() not in INCOTERMS:
            raise FieldError(f"incoterm must be one of {', '.join(INCOTERMS)}")
        return str(value).upper()
    raise FieldError(f"unknown field {name!r}")


def shipment_from_dict(data: dict[str, Any]) -> tuple[Shipment, dict[str, str]]:
    """Build a Shipment from untrusted data, dropping bad values; returns it and {field: why dropped}."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name in FIELDS:
        try:
            values[name] = validate_field(name, data.get(name))
        except FieldError as exc:
            problems[name] = str(exc)
    return Shipment(**values), problems
