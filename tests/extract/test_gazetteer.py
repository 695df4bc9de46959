"""The gazetteer: names in four languages, UN/LOCODEs, IATA codes, every hand-kept row, distances."""

from __future__ import annotations

import pytest

from gateway.extract.gazetteer import Gazetteer, distance_km
from gateway.extract.ports import AIRPORT_NAMES, CITY_NAMES, PORTS


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


@pytest.mark.parametrize(("text", "name", "country"), [
    ("부산", "Busan", "KR"), ("釜山", "Busan", "KR"), ("ปูซาน", "Busan", "KR"), ("Busan", "Busan", "KR"),
    ("KRPUS", "Busan", "KR"), ("THLCH", "Laem Chabang", "TH"), ("JPTYO", "Tokyo", "JP"),
    ("USLAX", "Los Angeles", "US"), ("ICN", "Incheon", "KR"), ("NRT", "Narita", "JP"), ("BKK", "Bangkok", "TH"),
    ("LAX", "Los Angeles", "US"), ("แหลมฉบัง", "Laem Chabang", "TH"), ("ホーチミン", "Ho Chi Minh City", "VN"),
    ("東京港", "Tokyo", "JP"), ("인천공항", "Incheon", "KR"), ("ロッテルダム", "Rotterdam", "NL"),
    ("ハンブルク", "Hamburg", "DE"), ("로스앤젤레스", "Los Angeles", "US"), ("กรุงเทพฯ", "Bangkok", "TH"),
    ("Frankfurt", "Frankfurt", "DE"), ("FRA", "Frankfurt", "DE"), ("横浜", "Yokohama", "JP"),
])
def test_lookup_four_languages_and_codes(gaz: Gazetteer, text: str, name: str, country: str) -> None:
    place = gaz.lookup(text)
    assert place is not None, text
    assert (place.name, place.country) == (name, country)


def test_kinds_and_codes(gaz: Gazetteer) -> None:
    assert gaz.lookup("KRPUS").kind == "port"  # type: ignore[union-attr]
    icn = gaz.lookup("ICN")
    assert icn is not None and icn.kind == "airport" and icn.codes == ("ICN",)
    assert gaz.lookup("Xyzzyville") is None
    assert gaz.lookup("QQQQQ") is None


def test_every_hand_kept_port_resolves_by_name_code_and_alias(gaz: Gazetteer) -> None:
    for name, country, _lat, _lon, codes, aliases in PORTS:
        for text in (name, *codes, *aliases):
            place = gaz.lookup(text)
            assert place is not None and place.name == name and place.country == country, (text, place)


def test_every_hand_kept_city_name_and_airport_resolves(gaz: Gazetteer) -> None:
    for alias, english in CITY_NAMES:
        place = gaz.lookup(alias)
        assert place is not None and place.name == english, (alias, place)
    for code, english in AIRPORT_NAMES.items():
        place = gaz.lookup(code)
        assert place is not None and place.name == english, (code, place)


def test_scan_finds_places_in_running_text(gaz: Gazetteer) -> None:
    names = [m.place.name for m in gaz.scan("POL: 부산 (KRPUS)\n- POD: Los Angeles (USLAX)")]
    assert names == ["Busan", "Busan", "Los Angeles", "Los Angeles"]
    assert [m.place.name for m in gaz.scan("釜山→博多 20GP 2本")] == ["Busan", "Hakata"]
    assert [m.place.name for m in gaz.scan("ขอราคาส่ง LCL 3 คิว กทม ไป สิงคโปร์")] == ["Bangkok", "Singapore"]
    # freight words that are also IATA codes or town names are not places
    assert gaz.scan("FOB, CBM, ETA and ETD please. Best regards") == []


def test_distance_km(gaz: Gazetteer) -> None:
    busan, lax = gaz.lookup("KRPUS"), gaz.lookup("USLAX")
    assert busan is not None and lax is not None
    assert distance_km(busan, lax) == pytest.approx(9620, rel=0.01)
    assert distance_km(busan, busan) == 0
    bkk, lch = gaz.lookup("Bangkok"), gaz.lookup("Laem Chabang")
    assert bkk is not None and lch is not None
    assert 60 < distance_km(bkk, lch) < 110
