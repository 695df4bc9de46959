"""Missing fields by shipment type, alternatives, unsupported places, settings."""

from __future__ import annotations

import pytest

from gateway.config import ExtractSettings
from gateway.extract.fields import Shipment
from gateway.extract.missing import Requirements, missing_fields, shipment_type
from gateway.extract.service import requirements_from

BASE = {"origin": "Busan", "destination": "Los Angeles", "ready_date": "2026-03-20"}


def test_fcl_needs_containers() -> None:
    s = Shipment(mode="sea", **BASE)
    assert shipment_type(s) == "fcl"
    assert missing_fields(s) == ["containers"]
    assert missing_fields(Shipment(mode="sea", containers="2x40HC", **BASE)) == []


def test_lcl_needs_volume_or_weight() -> None:
    assert shipment_type(Shipment(mode="sea", volume_cbm=3.0, **BASE)) == "lcl"
    assert missing_fields(Shipment(mode="sea", volume_cbm=3.0, **BASE)) == []
    assert missing_fields(Shipment(mode="sea", weight_kg=800.0, **BASE)) == []


def test_air_needs_weight_and_everyone_needs_route_and_date() -> None:
    assert missing_fields(Shipment(mode="air", volume_cbm=1.0)) == ["origin", "destination", "weight_kg",
                                                                     "ready_date"]
    assert missing_fields(Shipment(mode="air", weight_kg=45.0, **BASE)) == []


def test_unknown_mode_is_asked_for() -> None:
    assert missing_fields(Shipment(**BASE)) == ["mode"]
    assert shipment_type(Shipment(containers="1x20GP", **BASE)) == "fcl"


def test_unsupported_place_is_not_missing() -> None:
    s = Shipment(mode="air", weight_kg=10.0, destination="Tokyo", ready_date="2026-03-20")
    assert missing_fields(s) == ["origin"]
    assert missing_fields(s, {"origin": "Xyzzyville"}) == []


def test_requirements_come_from_settings() -> None:
    req = requirements_from(ExtractSettings(required=["origin"], air=["weight_kg", "packages"]))
    assert missing_fields(Shipment(mode="air", origin="Incheon", weight_kg=5.0), None, req) == ["packages"]
    with pytest.raises(ValueError, match="unknown shipment field"):
        Requirements(common=("colour",))
    with pytest.raises(ValueError, match="unknown shipment field"):
        ExtractSettings(fcl=["colour"])
