"""Weights and volumes in the four languages' units: kg, t, 톤, トン, ตัน, lbs, CBM, m3, 立米, cu ft, คิว (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.extract.text import parse_number

LB_KG = 0.45359237
CUFT_CBM = 0.0283168

_NUM = r"(\d{1,3}(?:[,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_WEIGHT_UNITS = [
    (r"(?:kgs?|kilos?|kilograms?|킬로그램|킬로|키로|kg|キロ(?:グラム)?|กก\.?|กิโลกรัม|กิโล|โล)", 1.0),
    (r"(?:tons?|tonnes?|mts?|t|톤|トン|ตัน|噸)", 1000.0),
    (r"(?:lbs?|pounds?|파운드|ポンド|ปอนด์)", LB_KG),
]
_VOLUME_UNITS = [
    (r"(?:cbm|m3|cubic\s+met(?:er|re)s?|立米|立方メートル|立方|㎥|루베|세제곱미터|입방미터|คิว|ลบ\.?\s?ม\.?|ลูกบาศก์เมตร)",
     1.0),
    (r"(?:cu\.?\s?ft\.?|cubic\s+f(?:ee|oo)t|cft|ft3)", CUFT_CBM),
]
_AFTER = r"(?![A-Za-z])"
_PER_UNIT = re.compile(
    r"(?:per(?:\s\w+)?|each|/\s*(?:ctn|carton|box|pc|pallet|plt|bag|unit|case|piece|cntr|container)|@|ละ|ต่อ\S{0,6}|"
    r"당|각|各|あたり|につき|/個|/箱|/ケース|/本|/대)\s*(?:약|approx\.?|about|around|ca\.?|約|ประมาณ)?\s*$",
    re.IGNORECASE,
)
_PER_AFTER = re.compile(
    r"^\s*(?:/\s*(?:ctn|carton|box|pc|pallet|plt|bag|unit|case|piece|ea|container|cntr|ctr|ตู้|本|대|台|個|箱)|per\b|"
    r"each\b|ea\b|ต่อ|ละ|씩|ずつ|麻袋|袋|箱|ケース|bags?\b|sacks?\b|boxes\b|cartons?\b|ctns?\b|กระสอบ|ถุง|포대|자루)",
    re.IGNORECASE,
)
_TOTAL = re.compile(
    r"(?:gross|total|g\.?\s?w|weight|wt|총\s?중량|중량|무게|총|総重量|重量|合計|総|น้ำหนัก|รวม|volume|measurement|"
    r"용적|부피|容積|体積|ปริมาตร)",
    re.IGNORECASE,
)
_PIECE_AFTER = re.compile(r"^\s*(?:麻袋|袋|箱|ケース|bags?\b|sacks?\b|boxes\b|cartons?\b|ctns?\b|กระสอบ|ถุง|포대|자루)",
                          re.IGNORECASE)
_VEHICLE_AFTER = re.compile(
    r"^\s?(?:\d{1,2}\s?台|車|ユニック|トラック|ウイング|平ボディ|차|트럭|카고|윙바디|truck|lorry)", re.IGNORECASE)
_PACK_BEFORE = re.compile(r"(?:กระสอบ|ถุง|bag|sack|포대|袋)\s*$", re.IGNORECASE)
# What a per-unit value is per: a container (or box/truck of the shipment) or one piece.
_PER_CONTAINER = re.compile(
    r"(?:ตู้ละ|ต่อตู้|/\s?ตู้|per\s(?:box|container|cntr|ctr|unit|40|20)|/\s?(?:box|cntr|container|ctr)|本あたり|"
    r"本当たり|1本|/本|대당|/대|컨테이너당|each\scontainer|(?:20|40)(?:GP|HC|'|ft)?\s?당|/\s?(?:container|cntr))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    """One measured value found in text, converted to kg or cbm."""

    value: float
    start: int
    raw: str
    total: bool  # labelled as gross/total weight or volume
    per: str | None = None  # "container", "piece" or "each" when the value is per unit, not for the shipment


def _find(text: str, units: list[tuple[str, float]], *, thousands_dot: bool) -> list[Quantity]:
    out: list[Quantity] = []
    for pattern, factor in units:
        regex = re.compile(_NUM + r"\s?(?:-\s?)?" + pattern + _AFTER, re.IGNORECASE)
        for m in regex.finditer(text):
            if m.start() > 0 and (text[m.start() - 1].isalnum() and text[m.start() - 1].isascii()):
                continue
            before = text[max(0, m.start() - 40):m.start()]
            after = text[m.end():m.end() + 12]
            per = None
            if _VEHICLE_AFTER.match(after):
                continue  # "4t車", "5톤 트럭": a truck size, not a weight
            if _PER_UNIT.search(before) or _PER_AFTER.match(after) or _PACK_BEFORE.search(before):
                if _PIECE_AFTER.match(after) or _PACK_BEFORE.search(before):
                    per = "piece"
                elif _PER_CONTAINER.search(before[-16:] + " " + after):
                    per = "container"
                else:
                    per = "each"  # per container when containers are named, else per piece
            num = parse_number(m.group(1), thousands_dot=thousands_dot)
            if num is None or num <= 0:
                continue
            line_start = text.rfind("\n", 0, m.start()) + 1
            label = text[max(line_start, m.start() - 30):m.start()]
            out.append(Quantity(num * factor, m.start(), m.group(0), bool(_TOTAL.search(label)), per))
    return sorted(out, key=lambda q: q.start)


def find_weights(text: str) -> list[Quantity]:
    """Every weight in the text, in kg (per-piece weights left out)."""
    return _find(text, _WEIGHT_UNITS, thousands_dot=True)


def find_volumes(text: str) -> list[Quantity]:
    """Every volume in the text, in cbm (per-piece volumes left out)."""
    return _find(text, _VOLUME_UNITS, thousands_dot=False)


def pick_total(found: list[Quantity], containers: int = 0, pieces: int = 0) -> Quantity | None:
    """The shipment's total: the first labelled total, else the largest value, else a per-container (or
    per-piece) value times the number of containers (or pieces)."""
    whole = [q for q in found if q.per is None]
    labelled = [q for q in whole if q.total]
    if labelled:
        return labelled[0]
    if whole:
        return max(whole, key=lambda q: q.value)
    for q in found:
        count = {"container": containers, "piece": pieces}.get(q.per or "", containers or pieces)
        if count:
            return Quantity(q.value * count, q.start, f"{q.raw} x {count}", False)
    return None
