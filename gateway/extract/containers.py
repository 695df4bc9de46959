"""Container counts and types as mail writes them: 2x40HC, 40' HQ x 2, 40HC 2대, ２０ＧＰ ２本, 5 ตู้ 20 ฟุต (pure)."""

from __future__ import annotations

import re

from gateway.extract.fields import CONTAINER_TYPES

_SIZE = r"(20|40|45)\s?(?:'|ft\.?|feet|foot|fts|피트|フィート|ฟุต)?"
_TYPE = (
    r"(?:[\s-]?(GP|DC|DV|ST|STD|SD|HC|HQ|HCD|RF|RH|RQ|RFR|REEFERS?|NOR|standard|dry(?:\s?van)?|high[\s-]?cube|"
    r"hi[\s-]?cube|하이큐브|ハイキューブ|ドライ|리퍼|냉동|冷凍|リーファー|ห้องเย็น|แช่เย็น|ธรรมดา))?"
)
_COUNT_WORD = r"(?:units?|cntrs?|containers?|ctrs?|boxes|box|대|개|本|基|ตู้|개의)"
_AFTER = r"(?![A-Za-z0-9])"

_PATTERNS = [
    # 2 x 40HC, 2x 40' HQ, 2 X 20GP, 2*40HC, 2 × 40ft high cube
    re.compile(r"(?<![\d.xX×*])(\d{1,3})\s?[xX×*]\s?" + _SIZE + _TYPE + _AFTER + r"(?!\s?(?:cm|mm|ซม|센티|センチ))",
               re.IGNORECASE),
    # 40HC x 2, 40' HQ × 2, 20GP X 1
    re.compile(r"(?<![\d.xX×*])" + _SIZE + _TYPE + r"\s?[xX×*]\s?(\d{1,3})(?![\d.])"
               r"(?!\s?(?:[xX×*]\s?\d|cm|mm|m\b|ซม|센티|センチ))", re.IGNORECASE),
    # 40HC 2대, 40HC 1本, 20GP 2 units, 40' HQ - 2 containers, 20フィート 2本
    re.compile(r"(?<![\d.])" + _SIZE + _TYPE + r"\s?(?:[-:]\s?)?(\d{1,3})\s?" + _COUNT_WORD, re.IGNORECASE),
    # 2 units 40HC, 5 ตู้ 20 ฟุต, 2대 40HC, 2 containers of 40' HQ
    re.compile(r"(?<![\d.])(\d{1,3})\s?" + _COUNT_WORD + r"\s?(?:of\s|x\s)?" + _SIZE + _TYPE + _AFTER, re.IGNORECASE),
    # ตู้ 40 ฟุต 2 ตู้ / 컨테이너 40ft 2
    re.compile(r"(?:ตู้|컨테이너|コンテナ)\s?" + _SIZE + _TYPE + r"\s?(?:จำนวน\s?)?(\d{1,3})\s?(?:ตู้|대|本)",
               re.IGNORECASE),
    # table cells: 20GP<tab>2, 40HC | 3
    re.compile(r"(?<![\d.])" + _SIZE + _TYPE + r"(?:[ ]?\|[ ]?|[ \t])(\d{1,3})[ ]*(?=\n|$|\|)", re.IGNORECASE),
]
_CHANGED = re.compile(r"^\s?(?:本|대|ตู้|units?)?\s?(?:→|->|⇒|=>|から|에서|เป็น)\s?(\d{1,3})(?!\d)")
_FOOT = re.compile(r"'|ft|feet|foot|피트|フィート|ฟุต", re.IGNORECASE)
_CONTAINER_AFTER = re.compile(r"\s?(?:containers?|cntrs?|컨테이너|コンテナ|ตู้)", re.IGNORECASE)

_BARE = re.compile(r"(?<![\d.x×*])" + r"(20|40|45)\s?'?\s?(GP|DC|DV|HC|HQ|RF|RH|STD?)" + _AFTER, re.IGNORECASE)


def _kind(size: str, word: str | None) -> str | None:
    w = (word or "").strip().upper().replace(" ", "").replace("-", "").removesuffix("S")
    if w in ("HC", "HQ", "HCD", "HIGHCUBE", "HICUBE", "하이큐브", "ハイキューブ"):
        code = "HC"
    elif w in ("RF", "RH", "RQ", "RFR", "REEFER", "NOR", "리퍼", "냉동", "冷凍", "リーファー", "ห้องเย็น", "แช่เย็น"):
        code = "RF"
    else:
        code = "GP"
    if size == "45":
        code = "HC"
    if size == "20" and code == "HC":
        code = "GP"
    kind = f"{size}{code}"
    return kind if kind in CONTAINER_TYPES else None


def find_containers(text: str) -> tuple[str | None, str | None]:
    """The containers as "1x20GP,2x40HC" (types in order of first mention) and the text they came from."""
    counts: dict[str, int] = {}
    changed_to: dict[str, int] = {}
    raws: list[str] = []
    taken: list[tuple[int, int]] = []
    for i, pattern in enumerate(_PATTERNS):
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            g = m.groups()
            if i in (0, 3):
                count, size, word = g[0], g[1], g[2]
            else:
                size, word, count = g[0], g[1], g[2]
            if i == 0 and not word and not _FOOT.search(m.group(0)) and not _CONTAINER_AFTER.match(text[m.end():]):
                continue  # "50x40" is a size in cm
            kind = _kind(size, word)
            if kind is None or not 0 < int(count) < 1000:
                continue
            taken.append((m.start(), m.end()))
            raws.append(m.group(0))
            changed = _CHANGED.match(text[m.end():m.end() + 12])
            if changed:  # "40HC 3本→2本", "2대→3대로": the new count
                changed_to[kind] = int(changed.group(1))
            counts[kind] = max(counts.get(kind, 0), int(count))
    for m in _BARE.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        kind = _kind(m.group(1), m.group(2))
        if kind is not None and kind not in counts:
            counts[kind] = 1
            raws.append(m.group(0))
    counts.update({k: v for k, v in changed_to.items() if 0 < v < 1000})
    if not counts:
        return None, None
    ordered = sorted(counts, key=lambda k: _first_at(text, k, raws))
    return ",".join(f"{counts[k]}x{k}" for k in ordered), "; ".join(raws)


def _first_at(text: str, kind: str, raws: list[str]) -> int:
    positions = [text.find(r) for r in raws if _kind_of_raw(r) == kind]
    return min((p for p in positions if p >= 0), default=len(text))


def _kind_of_raw(raw: str) -> str | None:
    for i, pattern in enumerate(_PATTERNS):
        m = pattern.fullmatch(raw)
        if m:
            g = m.groups()
            return _kind(g[1], g[2]) if i in (0, 3) else _kind(g[0], g[1])
    m = _BARE.fullmatch(raw)
    return _kind(m.group(1), m.group(2)) if m else None
