"""The shared shipment model: validation of untrusted values, merging that never loses a known value."""

from __future__ import annotations

import pytest

from gateway.extract.fields import FieldError, Shipment, shipment_from_dict, validate_field


def test_merge_keeps_known_values() -> None:
    first = Shipment(origin="Busan", destination="Los Angeles", containers="2x40HC")
    later = Shipment(origin=None, weight_kg=12000.0, containers="3x40HC")
    merged = first.merged(later)
    assert merged.origin == "Busan" and merged.weight_kg == 12000.0 and merged.containers == "3x40HC"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [("containers", "2x40hc", "2x40HC"), ("containers", "1X20GP, 2x40HC", "1x20GP,2x40HC"),
     ("incoterm", "fob", "FOB"), ("ready_date", "2026-03-20", "2026-03-20"), ("weight_kg", 2500, 2500.0),
     ("origin", "  Ho Chi  Minh City ", "Ho Chi Minh City")],
)
def test_valid_values_are_normalised(name: str, value: object, expected: object) -> None:
    assert validate_field(name, value) == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [("containers", "2x53HC"), ("containers", "0x40HC"), ("mode", "teleport"), ("weight_kg", -5),
     ("weight_kg", True), ("packages", 2.5), ("ready_date", "next friday"), ("incoterm", "XYZ"),
     ("origin", ""), ("origin", "x" * 500), ("nonsense", 1)],
)
def test_invalid_values_are_refused(name: str, value: object) -> None:
    with pytest.raises(FieldError):
        validate_field(name, value)


def test_untrusted_dict_keeps_good_values_and_reports_bad_ones() -> None:
    shipment, problems = shipment_from_dict({"origin": "Busan", "weight_kg": "lots", "containers": "2x40HC",
                                              "send_to": "attacker@evil.example"})
    assert shipment.origin == "Busan" and shipment.containers == "2x40HC" and shipment.weight_kg is None
    assert set(problems) == {"weight_kg"}
    assert shipment.container_list() == [(2, "40HC")]
