"""Rate card validation: every error names the file and the key; the shipped card is valid and documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.quote.errors import RateCardError
from gateway.quote.ratecard import default_ratecard_path, load_ratecard, parse_ratecard


@pytest.mark.parametrize(("old", "new", "message"), [
    ("validity_days = 10", "validty_days = 10", "validty_days: unknown key"),
    ("fuel_surcharge_pct = 10", "fuel_surcharge_pct = -1", "sea.fuel_surcharge_pct: Input should be greater"),
    ("fcl = { 20GP = 500, 40HC = 900 }", "fcl = { 20GP = 500, 50GP = 900 }", "unknown container type(s) 50GP"),
    ("up_to_km = 5000", "up_to_km = 800", "sea.bands: Value error, bands must be listed with strictly increasing"),
    ('currency = "USD"', 'currency = "XYZ"', "currency: unknown currency code 'XYZ'"),
    ('currency = "USD"', 'currency = "usd"', "currency: String should match pattern"),
    ("per_kg = 2.35", 'per_kg = "cheap"', "air.bands.0.per_kg: Input should be a valid decimal"),
    ("per_km_tonne = 0.1", "", "road.per_km_tonne: Field required"),
    ('"위험물"', '"(unclosed"', "hazardous_patterns: Value error, pattern '(unclosed' is not a valid"),
])
def test_errors_name_the_key(card_text: str, old: str, new: str, message: str) -> None:
    assert old in card_text
    with pytest.raises(RateCardError) as err:
        parse_ratecard(card_text.replace(old, new, 1).encode(), "cards/test.toml")
    text = str(err.value).replace("Value error, ", "")
    assert text.startswith("cards/test.toml: invalid rate card")
    assert message.replace("Value error, ", "") in text


def test_a_card_must_price_something() -> None:
    with pytest.raises(RateCardError, match="prices no mode"):
        parse_ratecard(b'version = "x"\ncurrency = "USD"\nvalidity_days = 7\n')


def test_unreadable_and_not_toml(tmp_path: Path) -> None:
    with pytest.raises(RateCardError, match=r"cannot read rate card .*missing\.toml"):
        load_ratecard(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("version = ", encoding="utf-8")
    with pytest.raises(RateCardError, match=r"bad\.toml: not valid TOML"):
        load_ratecard(bad)


def test_hash_changes_with_any_byte(card_text: str) -> None:
    a = parse_ratecard(card_text.encode())
    b = parse_ratecard((card_text + "\n# comment\n").encode())
    assert a.sha256 != b.sha256 and len(a.sha256) == 64


def test_shipped_default_is_valid_and_commented() -> None:
    text = default_ratecard_path().read_text(encoding="utf-8")
    card = load_ratecard()
    assert card.version and card.currency == "USD" and card.air is not None
    assert card.air.volumetric_divisor == 6000
    assert text.count("#") > 20  # every section explains its keys
    assert card.is_hazardous("UN 1263 paint") and card.is_hazardous("危険物") and not card.is_hazardous("shoes")


def test_configured_card_is_relative_to_the_config(make_settings, card_text: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "rates.toml").write_text(card_text, encoding="utf-8")
    assert make_settings().quote.ratecard is None  # the template's [quote] has it commented out
    settings = make_settings(env={"BUSYBEE_QUOTE__RATECARD": '"rates.toml"'})
    assert settings.quote.ratecard == (tmp_path / "rates.toml").resolve()
    assert load_ratecard(settings.quote.ratecard).version == "test-1"
