"""Pricing per mode against totals computed by hand from the test rate card (tests/quote/conftest.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gateway.extract.fields import Shipment
from gateway.quote.errors import PricingError
from gateway.quote.pricing import air_chargeable_kg, price, revenue_tons
from gateway.quote.ratecard import RateCard, load_ratecard, parse_ratecard

TODAY = date(2026, 11, 25)


def lines(q) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(li.code, str(li.amount)) for li in q.lines]


def test_fcl_containers_by_band_with_fuel(card: RateCard) -> None:
    q = price(Shipment(mode="sea", containers="2x40HC,1x20GP"), card, 999.6, today=TODAY)
    # 999.6 km rounds to 1000 km: the first band (inclusive). 2 × 900 + 500 = 2300, fuel 10 % = 230.
    assert lines(q) == [("freight_fcl", "1800.00"), ("freight_fcl", "500.00"), ("fuel", "230.00")]
    assert q.total == Decimal("2530.00") and q.basis.band_up_to_km == 1000
    assert q.valid_until == date(2026, 12, 5) and q.currency == "USD" and q.ratecard_version == "test-1"


def test_one_km_further_is_the_next_band(card: RateCard) -> None:
    q = price(Shipment(mode="sea", containers="2x40HC,1x20GP"), card, 1000.6, today=TODAY)
    assert q.basis.band_up_to_km == 5000
    assert q.total == Decimal("3960.00")  # 2 × 1400 + 800 = 3600, + 360 fuel


def test_lcl_weight_or_measure(card: RateCard) -> None:
    heavy = price(Shipment(mode="sea", weight_kg=2500, volume_cbm=1.8), card, 2000, today=TODAY)
    # W/M = max(1.8 CBM, 2.5 t) = 2.5; 2.5 × 40.5 = 101.25; fuel 10.125 rounds half up to 10.13.
    assert heavy.basis.revenue_tons == Decimal("2.5")
    assert lines(heavy) == [("freight_lcl", "101.25"), ("fuel", "10.13")] and heavy.total == Decimal("111.38")
    light = price(Shipment(mode="sea", weight_kg=800, volume_cbm=3.2), card, 2000, today=TODAY)
    assert light.basis.revenue_tons == Decimal("3.2") and light.total == Decimal("142.56")  # 129.60 + 12.96


def test_minimum_charge_then_surcharge(card: RateCard) -> None:
    q = price(Shipment(mode="sea", weight_kg=100, volume_cbm=0.5), card, 500, today=TODAY)
    # 0.5 W/M × 30 = 15, raised to the 100 minimum by an 85 line; fuel is 10 % of the 100.
    assert lines(q) == [("freight_lcl", "15.00"), ("minimum", "85.00"), ("fuel", "10.00")]
    assert q.total == Decimal("110.00")


def test_air_volumetric_one_to_6000(card: RateCard) -> None:
    bulky = price(Shipment(mode="air", weight_kg=100, volume_cbm=0.9), card, 2500, today=TODAY)
    # 0.9 CBM = 900,000 cm³ / 6000 = 150 kg > 100 kg actual; 150 × 2.35 = 352.50; fuel 20 % = 70.50.
    assert bulky.basis.chargeable_kg == 150 and bulky.total == Decimal("423.00")
    dense = price(Shipment(mode="air", weight_kg=200, volume_cbm=0.6), card, 2500, today=TODAY)
    assert dense.basis.chargeable_kg == 200 and dense.total == Decimal("564.00")  # 470 + 94


def test_air_rounds_up_to_half_kg_and_money_half_up(card: RateCard) -> None:
    q = price(Shipment(mode="air", weight_kg=100.2), card, 100, today=TODAY)
    # 100.2 kg → 100.5 chargeable; 100.5 × 2.35 = 236.175 → 236.18; fuel 47.236 → 47.24.
    assert lines(q) == [("freight_air", "236.18"), ("fuel", "47.24")] and q.total == Decimal("283.42")


def test_hazardous_surcharge_from_commodity_or_override(card: RateCard) -> None:
    q = price(Shipment(mode="sea", containers="1x20GP", commodity="Lithium batteries UN3480"), card, 800, today=TODAY)
    assert lines(q) == [("freight_fcl", "500.00"), ("fuel", "50.00"), ("hazardous", "250.00")]
    assert q.basis.hazardous and q.total == Decimal("800.00")
    korean = price(Shipment(mode="sea", containers="1x20GP", commodity="위험물 (도료)"), card, 800, today=TODAY)
    assert korean.total == Decimal("800.00")
    plain = price(Shipment(mode="sea", containers="1x20GP", commodity="shoes"), card, 800, today=TODAY)
    assert plain.total == Decimal("550.00")
    forced = price(Shipment(mode="sea", containers="1x20GP", commodity="shoes"), card, 800, today=TODAY,
                   hazardous=True)
    assert forced.total == Decimal("800.00")


def test_road_per_km_tonne_with_distance_factor_and_volume(card: RateCard) -> None:
    q = price(Shipment(mode="road", weight_kg=5000), card, 1000, today=TODAY)
    # 1000 km × 1.2 = 1200 km; 1200 × 5 t = 6000 km·t × 0.10 = 600.00.
    assert q.basis.rated_km == 1200 and lines(q) == [("freight_road", "600.00")]
    light = price(Shipment(mode="road", weight_kg=1000, volume_cbm=6), card, 1000, today=TODAY)
    # 6 CBM × 333 = 1998 kg > 1000 kg: 1.998 t × 1200 km = 2397.6 km·t × 0.10 = 239.76.
    assert light.total == Decimal("239.76")
    small = price(Shipment(mode="road", weight_kg=2000), card, 250, today=TODAY)
    assert lines(small) == [("freight_road", "60.00"), ("minimum", "20.00")] and small.total == Decimal("80.00")


def test_road_containers_per_container_km(card: RateCard) -> None:
    q = price(Shipment(mode="road", containers="2x40HC"), card, 1000, today=TODAY)
    # 1000 km × 1.2 = 1200 km × 1.50 = 1800.00 per container, × 2.
    assert [(li.detail, str(li.quantity), str(li.unit_price), str(li.amount)) for li in q.lines] == [
        ("40HC", "2", "1800.00", "3600.00")]
    assert q.total == Decimal("3600.00")
    with pytest.raises(PricingError, match="no 20GP rate per container·km"):
        price(Shipment(mode="road", containers="1x20GP"), card, 1000, today=TODAY)


def test_zero_decimal_currency_rounds_to_whole_units(card_text: str) -> None:
    krw = parse_ratecard(card_text.replace('"USD"', '"KRW"').replace("lcl_per_wm = 30", "lcl_per_wm = 33333")
                         .encode())
    q = price(Shipment(mode="sea", volume_cbm=1.234), krw, 500, today=TODAY)
    # 1.234 × 33,333 = 41,132.922 → 41,133 won; fuel 4,113.3 → 4,113.
    assert lines(q) == [("freight_lcl", "41133"), ("fuel", "4113")] and q.total == Decimal("45246")


def test_mode_inferred_from_containers(card: RateCard) -> None:
    assert price(Shipment(containers="1x40HC"), card, 500, today=TODAY).basis.mode == "sea"


@pytest.mark.parametrize(("shipment", "distance", "message"), [
    (Shipment(mode="rail", weight_kg=1000), 500, "no rail rates"),
    (Shipment(mode="sea", containers="1x20GP"), 5001, "beyond the rate card's last band"),
    (Shipment(mode="sea", containers="1x45HC"), 500, "no 45HC rate"),
    (Shipment(mode="air", volume_cbm=2), 500, "needs the weight"),
    (Shipment(mode="sea"), 500, "weight or the volume"),
    (Shipment(mode="road"), 500, "weight or the volume"),
    (Shipment(weight_kg=100), 500, "mode is missing"),
    (Shipment(mode="sea", containers="1x20GP"), -3, "not a distance"),
])
def test_unpriceable_shipments_say_why(card: RateCard, shipment: Shipment, distance: float, message: str) -> None:
    with pytest.raises(PricingError, match=message):
        price(shipment, card, distance, today=TODAY)


def test_helpers() -> None:
    assert revenue_tons(1500, None) == Decimal("1.5") and revenue_tons(None, 0.0004) == Decimal("0.001")
    assert air_chargeable_kg(10, 0.1) == Decimal("17.0")  # 100,000 cm³ / 6000 = 16.67 → 17.0


def test_default_card_prices_every_mode() -> None:
    card = load_ratecard()
    assert card.modes() == ["sea", "air", "road", "rail"]
    for s in (Shipment(mode="sea", containers="1x40HC"), Shipment(mode="sea", volume_cbm=3),
              Shipment(mode="air", weight_kg=300), Shipment(mode="road", weight_kg=8000),
              Shipment(mode="rail", weight_kg=20000), Shipment(mode="rail", containers="2x40HC"),
              Shipment(mode="road", containers="1x20GP")):
        q = price(s, card, 2700, today=TODAY)
        assert q.total > 0 and sum(li.amount for li in q.lines) == q.total
        assert q.ratecard_sha256 == card.sha256 and len(card.sha256) == 64
