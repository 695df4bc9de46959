"""Pricing invariants over generated shipments: lines add up, amounts are in the currency's unit, minimums hold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.extract.fields import CONTAINER_TYPES, Shipment
from gateway.quote.errors import PricingError
from gateway.quote.pricing import price
from gateway.quote.ratecard import load_ratecard

CARD = load_ratecard()
weights = st.one_of(st.none(), st.floats(min_value=0.1, max_value=500_000, allow_nan=False))
volumes = st.one_of(st.none(), st.floats(min_value=0.01, max_value=2_000, allow_nan=False))
containers = st.one_of(st.none(), st.lists(st.tuples(st.integers(1, 20), st.sampled_from(CONTAINER_TYPES)),
                                           min_size=1, max_size=3).map(
    lambda xs: ",".join(f"{n}x{t}" for n, t in xs)))
shipments = st.builds(Shipment, mode=st.sampled_from(["sea", "air", "road", "rail"]), weight_kg=weights,
                      volume_cbm=volumes, containers=containers,
                      commodity=st.sampled_from([None, "shoes", "UN1263 paint", "위험물"]))


@settings(max_examples=300, deadline=None)
@given(shipment=shipments, distance=st.floats(min_value=0, max_value=20_000, allow_nan=False))
def test_lines_add_up_and_respect_the_card(shipment: Shipment, distance: float) -> None:
    try:
        q = price(shipment, CARD, distance, today=date(2026, 11, 25))
    except PricingError:
        return
    rates = getattr(CARD, q.basis.mode)
    assert q.total == sum(li.amount for li in q.lines)
    assert all(li.amount == li.amount.quantize(Decimal("0.01")) and li.amount >= 0 for li in q.lines)
    freight = sum(li.amount for li in q.lines if li.code.startswith("freight") or li.code == "minimum")
    assert freight >= rates.minimum_charge
    assert q.total >= freight
    assert q.basis.hazardous == CARD.is_hazardous(shipment.commodity)


@settings(max_examples=100, deadline=None)
@given(kg=st.floats(min_value=1, max_value=10_000), extra=st.floats(min_value=0, max_value=1_000),
       cbm=st.floats(min_value=0, max_value=50))
def test_more_weight_never_costs_less(kg: float, extra: float, cbm: float) -> None:
    for mode in ("air", "road", "sea"):
        light = price(Shipment(mode=mode, weight_kg=kg, volume_cbm=cbm), CARD, 3000, today=date(2026, 11, 25))
        heavy = price(Shipment(mode=mode, weight_kg=kg + extra, volume_cbm=cbm), CARD, 3000,
                      today=date(2026, 11, 25))
        assert heavy.total >= light.total
