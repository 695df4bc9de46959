"""Which required fields a shipment still lacks, by shipment type (FCL, LCL, air, road, rail) (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gateway.extract.fields import FIELDS, Shipment

ShipmentType = str  # "fcl" | "lcl" | "air" | "road" | "rail" | "unknown"


@dataclass(frozen=True)
class Requirements:
    """Required fields for every shipment and per type; "a|b" means either a or b will do."""

    common: tuple[str, ...] = ("origin", "destination", "ready_date")
    by_type: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: {
        "fcl": ("containers",),
        "lcl": ("volume_cbm|weight_kg",),
        "air": ("weight_kg",),
        "road": ("weight_kg",),
        "rail": ("containers|weight_kg",),
        "unknown": ("mode",),
    })

    def __post_init__(self) -> None:
        for group in (*self.common, *(g for groups in self.by_type.values() for g in groups)):
            for name in group.split("|"):
                if name not in FIELDS:
                    raise ValueError(f"unknown shipment field {name!r} in requirements")


def shipment_type(s: Shipment) -> ShipmentType:
    """FCL when containers are named (or sea without a volume/weight), LCL for sea by volume/weight, else the mode."""
    if s.mode == "sea" or (s.mode is None and s.containers):
        if s.containers or (s.volume_cbm is None and s.weight_kg is None):
            return "fcl"
        return "lcl"
    return s.mode or "unknown"


def missing_fields(shipment: Shipment, unsupported: Mapping[str, str] | None = None,
                   requirements: Requirements | None = None) -> list[str]:
    """Required fields with no value, in FIELDS order; every name of an unmet "a|b" group is listed.

    A field in `unsupported` (a place we cannot serve) is not "missing": the caller reports it as unsupported.
    """
    req = requirements or Requirements()
    unsupported = unsupported or {}
    groups: Sequence[str] = (*req.common, *req.by_type.get(shipment_type(shipment), ()))
    out: set[str] = set()
    for group in groups:
        names = group.split("|")
        if any(n in unsupported for n in names):
            continue
        if all(getattr(shipment, n) is None for n in names):
            out.update(names)
    return [f for f in FIELDS if f in out]
