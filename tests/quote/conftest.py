"""Fixtures of the quote tests: a small rate card whose totals are computed by hand in the tests."""

from __future__ import annotations

import pytest

from gateway.quote.ratecard import RateCard, parse_ratecard

CARD = """
version = "test-1"
currency = "USD"
validity_days = 10
hazardous_patterns = ["(?i)\\\\bUN ?\\\\d{4}\\\\b", "위험물"]

[sea]
fuel_surcharge_pct = 10
hazardous_surcharge_pct = 50
minimum_charge = 100

[[sea.bands]]
up_to_km = 1000
lcl_per_wm = 30
fcl = { 20GP = 500, 40HC = 900 }

[[sea.bands]]
up_to_km = 5000
lcl_per_wm = 40.5
fcl = { 20GP = 800, 40HC = 1400 }

[air]
fuel_surcharge_pct = 20
minimum_charge = 50

[[air.bands]]
up_to_km = 3000
per_kg = 2.35

[road]
per_km_tonne = 0.1
kg_per_cbm = 333
per_container_km = { 40HC = 1.5 }
distance_factor = 1.2
minimum_charge = 80
"""


@pytest.fixture
def card_text() -> str:
    """The test rate card as TOML."""
    return CARD


@pytest.fixture
def card() -> RateCard:
    """The test rate card, validated."""
    return parse_ratecard(CARD.encode(), "test card")
