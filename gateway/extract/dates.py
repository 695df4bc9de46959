"""Dates in mail: ISO, 27.03.2026, March 20, 3月20日, 2026년 3월 20일, 20 มี.ค. 69 (Buddhist era), and relative
dates ("next Friday", 来週金曜日, 다음 주 금요일, ศุกร์หน้า) resolved against the email's own date (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

BUDDHIST_OFFSET = 543
MAX_DATES = 200  # more dates than this in one email is not a quote request; stop looking

_EN_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_TH_MONTHS = {
    "มกราคม": 1, "กุมภาพันธ์": 2, "มีนาคม": 3, "เมษายน": 4, "พฤษภาคม": 5, "มิถุนายน": 6, "กรกฎาคม": 7,
    "สิงหาคม": 8, "กันยายน": 9, "ตุลาคม": 10, "พฤศจิกายน": 11, "ธันวาคม": 12,
    "ม.ค.": 1, "ก.พ.": 2, "มี.ค.": 3, "เม.ย.": 4, "พ.ค.": 5, "มิ.ย.": 6, "ก.ค.": 7, "ส.ค.": 8, "ก.ย.": 9,
    "ต.ค.": 10, "พ.ย.": 11, "ธ.ค.": 12,
}
_WEEKDAYS = {
    # English, Korean, Japanese, Thai -> Monday=0
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6,
    "월": 0, "화": 1, "수": 2, "목": 3, "금": 4, "토": 5, "일": 6,
    "月": 0, "火": 1, "水": 2, "木": 3, "金": 4, "土": 5, "日": 6,
    "จันทร์": 0, "อังคาร": 1, "พุธ": 2, "พฤหัส": 3, "พฤหัสบดี": 3, "พฤหัสฯ": 3, "ศุกร์": 4, "เสาร์": 5,
    "อาทิตย์": 6,
}
_TH_MONTH_RE = "|".join(re.escape(k) for k in sorted(_TH_MONTHS, key=len, reverse=True))
_EN_MONTH_RE = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_EN_DAY_RE = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)"
_TH_DAY_RE = r"(จันทร์|อังคาร|พุธ|พฤหัสบดี|พฤหัสฯ|พฤหัส|ศุกร์|เสาร์|อาทิตย์)"


@dataclass(frozen=True)
class DateMention:
    """A date found in text."""

    value: date
    start: int
    end: int
    raw: str
    weak: bool = False  # a bare weekday or day of month: a ready date only beside a ready word


def _year(y: int | None, month: int, day: int, sent: date, *, thai: bool = False) -> int | None:
    if y is None:
        guess = sent.year
        try:
            if date(guess, month, day) < sent - timedelta(days=60):
                guess += 1
        except ValueError:
            return None
        return guess
    if y >= 2400:
        return y - BUDDHIST_OFFSET
    if y < 100:
        if thai and y >= 50:
            return 2500 + y - BUDDHIST_OFFSET
        return 2000 + y
    return y


def _make(y: int | None, m: int, d: int, sent: date, *, thai: bool = False) -> date | None:
    year = _year(y, m, d, sent, thai=thai)
    if year is None or not 1 <= m <= 12:
        return None
    try:
        found = date(year, m, d)
    except ValueError:
        return None
    return found if abs((found - sent).days) < 800 else None


def _next_weekday(sent: date, weekday: int, *, next_week: bool) -> date:
    if next_week:
        monday = sent - timedelta(days=sent.weekday()) + timedelta(days=7)
        return monday + timedelta(days=weekday)
    ahead = (weekday - sent.weekday()) % 7
    return sent + timedelta(days=ahead)


def find_dates(text: str, sent: date) -> list[DateMention]:
    """Every absolute or relative date in the text, resolved against the date the email was sent."""
    found: list[DateMention] = []

    def add(m: re.Match[str], value: date | None, weak: bool = False) -> None:
        if len(found) >= MAX_DATES:
            return
        if value is not None and not any(f.start < m.end() and m.start() < f.end for f in found):
            found.append(DateMention(value, m.start(), m.end(), m.group(0), weak))

    i = re.IGNORECASE
    thai = bool(re.search(r"[\u0e00-\u0e7f]", text))
    for m in re.finditer(r"(?<!\d)(\d{4})\s?[-/.年년]\s?(\d{1,2})\s?[-/.月월]\s?(\d{1,2})(?:\s?[日일])?(?!\d)", text):
        add(m, _make(int(m[1]), int(m[2]), int(m[3]), sent))
    for m in re.finditer(r"(?<![\d/.])(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\d/.])", text):
        a, b, y = int(m[1]), int(m[3]), int(m[4])
        day, month = (b, a) if (m[2] == "/" and b > 12 and not thai) else (a, b)
        add(m, _make(y, month, day, sent, thai=thai))
    for m in re.finditer(r"(\d{1,2})\s?(?:月|월)\s?(\d{1,2})\s?(?:日|일)", text):
        add(m, _make(None, int(m[1]), int(m[2]), sent))
    range_start = r"(?<![\d/.])(\d{1,2})\s?[-~〜–]\s?\d{1,2}\s?"
    for m in re.finditer(range_start + r"(" + _TH_MONTH_RE + r")\s?(?:(?:พ\.ศ\.|ค\.ศ\.)\s?)?(\d{4}|\d{2})?(?!\d)",
                         text):  # "10-20 เม.ย. 2569": the range starts on the 10th
        add(m, _make(int(m[3]) if m[3] else None, _TH_MONTHS[m[2]], int(m[1]), sent, thai=True))
    for m in re.finditer(range_start + _EN_MONTH_RE + r"(?:,?\s(\d{4}))?\b", text, i):
        add(m, _make(int(m[3]) if m[3] else None, _EN_MONTHS[m[2][:3].lower()], int(m[1]), sent))
    for m in re.finditer(r"(?<!\d)(\d{1,2})\s?(" + _TH_MONTH_RE + r")\s?(?:(?:พ\.ศ\.|ค\.ศ\.)\s?)?(\d{4}|\d{2})?(?!\d)",
                         text):
        add(m, _make(int(m[3]) if m[3] else None, _TH_MONTHS[m[2]], int(m[1]), sent, thai=True))
    for m in re.finditer(r"\b" + _EN_MONTH_RE + r"\s(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s(\d{4}))?", text, i):
        add(m, _make(int(m[3]) if m[3] else None, _EN_MONTHS[m[1][:3].lower()], int(m[2]), sent))
    for m in re.finditer(r"\b(\d{1,2})(?:st|nd|rd|th)?\s(?:of\s)?" + _EN_MONTH_RE + r"(?:,?\s(\d{4}))?\b", text, i):
        add(m, _make(int(m[3]) if m[3] else None, _EN_MONTHS[m[2][:3].lower()], int(m[1]), sent))
    for m in re.finditer(r"(?<![\d/.:])(\d{1,2})/(\d{1,2})(?![\d/:])(?!\.\d)(?!\s?(?:cm|mm|kg|pcs))", text):
        a, b = int(m[1]), int(m[2])
        day, month = (a, b) if thai or a > 12 else (b, a)
        first = _make(None, month, day, sent)
        if not thai and a <= 12 and b <= 12 and first is not None and not -14 <= (first - sent).days <= 200:
            first = _make(None, b, a, sent) or first  # "Load 1/4" written in March is 1 April, not 4 January
        add(m, first)
    _relative(text, sent, add)
    for m in re.finditer(r"(\d{1,2})\s?(?:月末|월\s?말)|end\sof\s" + _EN_MONTH_RE, text, i):
        month = int(m[1]) if m[1] else _EN_MONTHS[m[2][:3].lower()]
        add(m, _month_end(month, sent))
    for m in re.finditer(r"(오늘|今日|本日|วันนี้)", text):
        add(m, sent, True)
    for m in re.finditer(r"\b(?:the\s)?(\d{1,2})(?:st|nd|rd|th)\b(?!\s?(?:of\s)?" + _EN_MONTH_RE + ")", text, i):
        add(m, _day_of_month(int(m[1]), sent), True)
    bare_weekday = r"(?<![다음이번주來来今])([월화수목금토일])요일|(?<![来今週])([月火水木金土日])曜日?|วัน" + _TH_DAY_RE
    for m in re.finditer(bare_weekday, text):
        day = _WEEKDAYS[m[1] or m[2] or m[3]]
        add(m, sent + timedelta(days=(day - sent.weekday()) % 7 or 7), True)
    for m in re.finditer(r"\b(?:on\s)?" + _EN_DAY_RE + r"\b(?!\s(?:next|this)\sweek)", text, i):
        ahead = (_WEEKDAYS[m[1].lower()] - sent.weekday()) % 7 or 7
        add(m, sent + timedelta(days=ahead), True)
    for m in re.finditer(r"(?<![\d月월/.\-])(\d{1,2})\s?(?:日|일)(?!\s?(?:間|以内|後|前|간|이내|후|전|\d))", text):
        add(m, _day_of_month(int(m[1]), sent), True)
    return sorted(found, key=lambda f: f.start)


def _month_end(month: int, sent: date) -> date | None:
    """The last day of `month` (this year, or next year when it is well past)."""
    if not 1 <= month <= 12:
        return None
    year = sent.year + (1 if month < sent.month - 2 else 0)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _day_of_month(day: int, sent: date) -> date | None:
    """A bare day of month: this month, or next month when it is already well past."""
    year, month = sent.year, sent.month
    if day < sent.day - 3:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _relative(text: str, sent: date, add: object) -> None:
    assert callable(add)
    i = re.IGNORECASE
    for m in re.finditer(r"\b(next|this|coming)\s" + _EN_DAY_RE + r"\b", text, i):
        day = _WEEKDAYS[m[2].lower()]
        add(m, _next_weekday(sent, day, next_week=m[1].lower() == "next"))
    for m in re.finditer(r"\b(?:on\s)?" + _EN_DAY_RE + r"\s(next|this)\sweek\b", text, i):
        add(m, _next_weekday(sent, _WEEKDAYS[m[1].lower()], next_week=m[2].lower() == "next"))
    for m in re.finditer(r"\bend\sof\s(next|this)\sweek\b", text, i):
        add(m, _next_weekday(sent, 4, next_week=m[1].lower() == "next"))
    for m in re.finditer(r"\b(?:by\s|on\s)?(tomorrow|today)\b", text, i):
        add(m, sent + timedelta(days=1 if m[1].lower() == "tomorrow" else 0))
    for m in re.finditer(r"(다음\s?주|차주|이번\s?주|금주)\s?([월화수목금토일])(?:요일)?", text):
        add(m, _next_weekday(sent, _WEEKDAYS[m[2]], next_week=m[1].replace(" ", "") in ("다음주", "차주")))
    for m in re.finditer(r"(내일|모레)", text):
        add(m, sent + timedelta(days=1 if m[1] == "내일" else 2))
    for m in re.finditer(r"(来週|今週|再来週)\s?の?\s?([月火水木金土日])曜", text):
        weeks = {"来週": 1, "今週": 0, "再来週": 2}[m[1]]
        base = sent - timedelta(days=sent.weekday()) + timedelta(days=7 * weeks)
        add(m, base + timedelta(days=_WEEKDAYS[m[2]]) if weeks else _next_weekday(sent, _WEEKDAYS[m[2]],
                                                                                   next_week=False))
    for m in re.finditer(r"(明後日|明日|あさって|あす)", text):
        add(m, sent + timedelta(days=2 if m[1] in ("明後日", "あさって") else 1))
    for m in re.finditer(r"(?:วัน)?" + _TH_DAY_RE + r"\s?(หน้า|นี้)", text):
        add(m, _next_weekday(sent, _WEEKDAYS[m[1]], next_week=m[2] == "หน้า"))
    for m in re.finditer(r"(?:วัน)?(?:สัปดาห์|อาทิตย์)หน้า\s?(?:วัน)?" + _TH_DAY_RE, text):
        add(m, _next_weekday(sent, _WEEKDAYS[m[1]], next_week=True))
    for m in re.finditer(r"(พรุ่งนี้|มะรืน)", text):
        add(m, sent + timedelta(days=1 if m[1] == "พรุ่งนี้" else 2))


_READY = re.compile(
    r"(ready|cargo\sready|crd|pick\s?-?up|pickup|collect|ship(?:ping|ment)?\s(?:date|on)|ship\s|shipped|etd|"
    r"loading|load|stuffing|departure|available|dispatch|sail|"
    r"준비|출고|선적|픽업|출항|적재|반입|상차|출하|출발|"
    r"準備|出荷|積込|積み込み|搬入|出港|船積|引取|集荷|発送|仕上が|完成|"
    r"พร้อม|ส่งของ|โหลด|รับสินค้า|รับของ|ออกเดินทาง|บรรจุ|ส่งออก|ขึ้นของ|เข้ารับ|ส่ง)",
    re.IGNORECASE,
)
_NOT_READY = re.compile(
    r"(reply|respond|answer|quote\sby|quotation\sby|reach\sus|offer|valid|deadline|meeting|invoice|eta|arriv|"
    r"deliver(?:y|ed)?\sby|need\sit\sby|in\s(?:store|warehouse)\sby|"
    r"회신|답변|견적.{0,6}(?:까지|부탁)|도착|입항|마감|유효|"
    r"回答|返信|ご連絡|見積.{0,4}まで|到着|着予定|必着|納期|期限|有効|"
    r"ตอบ|ใบเสนอราคา.{0,6}ภายใน|ถึงปลายทาง|ถึง|ภายในวันที่|ยืนราคา|"
    r"\bdate\s?[:：]|\bdated|po\sdate|issue\sdate|作成日|発行日|依頼書|요청일자|작성일|일자\s?[:：]|วันที่ออก)",
    re.IGNORECASE,
)
_DOCUMENT_AFTER = re.compile(r"^\s?(?:付|に(?:いただ|頂|ご提示|お送り|もら)|の(?:お)?見積|자\s?견적|에\s?(?:주신|받은)|"
                             r"quot|offer)", re.IGNORECASE)
_CHANGED_TO = re.compile(r"^\s?(?:[（(][^)）\n]{1,6}[)）])?\s?(?:→|->|⇒|=>|から|에서|เป็น|\bto\b)")


def pick_ready_date(text: str, dates: list[DateMention]) -> DateMention | None:
    """The cargo-ready date: a date near a ready/pick-up/loading word, else the first date not a deadline."""
    cued: list[DateMention] = []
    plain: list[DateMention] = []
    for d in dates:
        if _CHANGED_TO.match(text[d.end:d.end + 14]) and any(
                o.start > d.end and o.start - d.end <= 14 for o in dates):
            continue  # "3월 13일 → 3월 12일", "3月19日（木）から3月23日に": the later one is the new date
        if _DOCUMENT_AFTER.match(text[d.end:d.end + 8]):
            continue  # "2月12日付の御見積書": the date of a document
        line_start = text.rfind("\n", 0, d.start) + 1
        line_end = text.find("\n", d.end)
        before = text[max(line_start, d.start - 50):d.start]
        after = text[d.end:(line_end if line_end >= 0 else len(text))][:25]
        if _NOT_READY.search(before[-30:]) or _NOT_READY.search(after[:15]):
            continue
        if _READY.search(before) or _READY.search(after):
            cued.append(d)
        elif not d.weak:
            plain.append(d)
    best = cued or plain
    return best[0] if best else None
