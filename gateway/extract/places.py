"""Origin and destination from the places a text names: labels (POL, 도착지, 揚地, ปลายทาง), pairs (A-B, A→B,
from A to B, AからB, A에서 B, A ไป B) and order; a labelled place we cannot find is reported, not guessed (pure)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from gateway.extract.gazetteer import Gazetteer, Mention

_ORIGIN_BEFORE = re.compile(
    r"(?:\bfrom|\bex\.?|\borigin|\bpol\b|port\sof\sloading|loading\sport|load\sport|pick\s?-?up(?:\sat|\sfrom)?|"
    r"\bshipper|place\sof\sreceipt|departure|出発地|発地|積地|積出港|船積港|積み地|出荷地|出荷元|集荷地|引取地|"
    r"출발지|출발항|선적항|적재항|출발|선적지|픽업지|ต้นทาง|จาก|ท่าเรือต้นทาง|รับสินค้าที่|รับของที่)"
    r"[^\n\w]{0,6}(?:\w{0,12}[:：])?[^\S\n]*$",
    re.IGNORECASE,
)
_DEST_BEFORE = re.compile(
    r"(?:\bto|\bdestination|\bpod\b|port\sof\sdischarge|discharge\sport|\bdeliver(?:y|ed)?(?:\sto|\sat)?|"
    r"\bconsignee|final\sdest\w*|place\sof\sdelivery|\bdest\.?|\binto|仕向地|仕向港|揚地|揚港|着地|到着地|納品先|"
    r"配送先|届け先|목적지|도착지|도착항|양하항|도착|배송지|ปลายทาง|ไปยัง|ไป|ท่าเรือปลายทาง|ส่งถึง|ส่งไป)"
    r"[^\n\w]{0,6}(?:\w{0,12}[:：])?[^\S\n]*$",
    re.IGNORECASE,
)
_ORIGIN_AFTER = re.compile(r"^\)?\s?(?:港|항|空港|공항)?\s?(?:에서|발|から|発|出し|出荷|積み|ex\b)")
_DEST_AFTER = re.compile(r"^\)?\s?(?:港|항|空港|공항)?\s?(?:까지|행|向け|まで|着|行き|揚げ|으로|로\s|へ|納品)")
_PAIR_GAP = re.compile(
    r"^\s?(?:港|항|空港|공항)?\s?(?:\([A-Z]{3,5}\)\s?)?(?:-{1,2}>?|–|—|→|⇒|=>|>|~|〜|/|to|ไป|ถึง|から|에서|発|→)\s?"
    r"(?:ท่าเรือ|สนามบิน)?$",
    re.IGNORECASE,
)
# What may stand between two legs of one route: "인천 → 톈진항 해상, 톈진 → 울란바토르", "to B, then rail to C"
_CHAIN_GAP = re.compile(
    r"^\s?(?:港|항|空港|공항)?\s?(?:\([^)\n]{0,30}\)\s?)?(?:→|->|⇒|=>|-{1,2}>?|–|"
    r"[^\n→]{0,20}?,\s?(?:then\s)?(?:[^\n]{0,20}?\b(?:to|→)|[^\n]{0,12}→))\s?$",
    re.IGNORECASE,
)
_LABEL_VALUE = re.compile(
    r"(?im)^[^\S\n]*[-*•・·]?[^\S\n]*(?P<label>origin|pol|port\sof\sloading|loading\sport|from|pick\s?-?up|"
    r"destination|pod|port\sof\sdischarge|discharge\sport|final\sdestination|to|deliver(?:y)?\s?(?:to|address)?|"
    r"出発地|積地|仕向地|揚地|着地|출발지|선적항|도착지|목적지|도착항|ต้นทาง|ปลายทาง)"
    r"[^\S\n]*[:：][^\S\n]*(?P<value>[^\n]{2,60})$"
)


@dataclass(frozen=True)
class Route:
    """Origin and destination (English names), what each came from, and labelled values we could not place."""

    origin: str | None
    destination: str | None
    evidence: dict[str, str]
    unsupported: dict[str, str]


_STRONG = re.compile(
    r"(?:\bpol\b|\bpod\b|origin|destination|port\sof\s(?:loading|discharge)|(?:loading|discharge)\sport|"
    r"出発地|積地|揚地|仕向地|仕向港|着地|到着地|출발지|도착지|목적지|선적항|도착항|양하항|ต้นทาง|ปลายทาง)"
    r"[^\n]{0,12}[:：|\t][^\S\n]*(?:\w{0,8}[^\S\n])?$",
    re.IGNORECASE,
)
_TITLE_BEFORE = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Miss|Dr|Mister|Khun|Sr|Sra)\.?|คุณ|คุน)\s?$")
# 川口機械の松尾です, 豊田商会, 大和ナッツの青柳: a town's name as the start of a company's
_COMPANY_AFTER = re.compile(
    r"^[\u30a0-\u30ff\u4e00-\u9fff]{0,6}?(?:商会|株式会社|工業|産業|商事|販売|機械|製作所|運輸|物流|電工|化学|食品|製菓|"
    r"乳業|水産|ホビー|フーズ|ナッツ|タイヤ|の[\u4e00-\u9fff]{1,3}(?:です|でございます|と申します))")
_NOT_PLACES = frozenset({"지난", "日出", "吉岡", "東海", "中央", "大和"})  # last time, sunrise, a surname, regions
_HONORIFIC = re.compile(
    r"^\s?(?:様|さん|殿|氏|님|씨|部長|課長|社長|さま|です|でございます|と申します|입니다|드림|올림)")


def _role(text: str, m: Mention) -> tuple[str | None, bool]:
    """The role a place plays by the words around it, and whether it is a field label (strong)."""
    line_start = text.rfind("\n", 0, m.start) + 1
    before = text[max(line_start, m.start - 40):m.start]
    after = text[m.end:m.end + 8]
    strong = bool(_STRONG.search(before))
    if _ORIGIN_BEFORE.search(before) or _ORIGIN_AFTER.match(after):
        return "origin", strong
    if _DEST_BEFORE.search(before) or _DEST_AFTER.match(after):
        return "destination", strong
    return None, False


def find_route(text: str, gazetteer: Gazetteer) -> Route:
    """Where the shipment goes from and to, as far as the text says."""
    mentions = [m for m in gazetteer.scan(text) if not _HONORIFIC.match(text[m.end:m.end + 8])
                and not _TITLE_BEFORE.search(text[max(0, m.start - 8):m.start])
                and not _COMPANY_AFTER.match(text[m.end:m.end + 16]) and m.raw not in _NOT_PLACES]
    evidence: dict[str, str] = {}
    found: dict[str, str] = {}

    def put(role: str, m: Mention) -> None:
        if role not in found and found.get("origin" if role == "destination" else "destination") != m.place.name:
            found[role] = m.place.name
            evidence[role] = m.raw

    roles = [(m, *_role(text, m)) for m in mentions]
    for m, role, strong in roles:  # 1. field labels: "POL: Busan", "도착지: LA"
        if role is not None and strong:
            put(role, m)
    strong_mentions = [m for m in mentions if not m.weak]
    if len(found) < 2:  # 2. pairs: A-B, A→B, A to B; a chain A→B→C goes from A to C
        for i, (a, b) in enumerate(itertools.pairwise(strong_mentions)):
            if a.place.name != b.place.name and _PAIR_GAP.match(text[a.end:b.start]) and (
                    not found or found.get("origin") == a.place.name or found.get("destination") == b.place.name):
                for c in strong_mentions[i + 2:]:
                    gap = text[b.end:c.start]
                    if c.place.name == b.place.name and len(gap) <= 12 and "\n" not in gap:
                        b = c  # "톈진항 해상, 톈진 → ...": the same place again starts the next leg
                        continue
                    if not _CHAIN_GAP.match(gap) or c.place.name == a.place.name:
                        break
                    b = c
                put("origin", a)
                if "destination" not in found:
                    put("destination", b)
                break
    for m, role, _strong in roles:  # 3. words around a place: from/to, 에서/까지, から/まで, จาก/ไป
        if role is not None:
            put(role, m)
    distinct = list(dict.fromkeys(m.place.name for m in strong_mentions))
    if not found and len(distinct) == 1:  # 4. one place, no route word: the customer's far end
        m = strong_mentions[0]
        put("origin" if m.place.country == _home_country(text) else "destination", m)
    if not found:  # 5. two places, no route word: the writer's own country is where the goods leave from
        pair = [m for i, m in enumerate(strong_mentions[:4])
                if m.place.name not in {x.place.name for x in strong_mentions[:i]}][:2]
        home = _home_country(text)
        if len(pair) == 2 and home and [m.place.country == home for m in pair] == [False, True]:
            put("origin", pair[1])
            put("destination", pair[0])
    if len(found) < 2:  # 6. first places in order of mention
        for m in strong_mentions[:4]:
            if m.place.name in found.values():
                continue
            put("origin" if "origin" not in found else "destination", m)
            if len(found) == 2:
                break
    unsupported = _unsupported(text, gazetteer, found)
    return Route(found.get("origin"), found.get("destination"), evidence, unsupported)


def _home_country(text: str) -> str | None:
    """The writer's country as the script suggests (Korean, Japanese, Thai desks); None for English."""
    if re.search(r"[\uac00-\ud7af]", text):
        return "KR"
    if re.search(r"[\u3040-\u30ff]", text):
        return "JP"
    if re.search(r"[\u0e00-\u0e7f]", text):
        return "TH"
    return None


def _unsupported(text: str, gazetteer: Gazetteer, found: dict[str, str]) -> dict[str, str]:
    """Labelled origin/destination values that name no place we know."""
    out: dict[str, str] = {}
    for m in _LABEL_VALUE.finditer(text):
        label = m["label"].lower()
        role = "origin" if re.match(r"origin|pol|port\sof\sloading|loading|from|pick|出発|積地|출발|선적|ต้นทาง",
                                    label) else "destination"
        if role in found or role in out:
            continue
        value = re.split(r"[,(/]| - ", m["value"])[0].strip(" .")
        if not value or re.search(r"\d{3,}", value) or gazetteer.scan(m["value"]):
            continue
        if gazetteer.lookup(value) is None:
            out[role] = value
    return out
