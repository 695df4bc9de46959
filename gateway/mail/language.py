"""The language of a text by the scripts it is written in: ko, ja, th, en or other (pure)."""

from __future__ import annotations

import re

LANGUAGES = ("ko", "ja", "th", "en", "other")

_ENGLISH = frozenset(
    (
        "the", "and", "to", "of", "a", "in", "for", "is", "you", "we", "on", "be",
        "with", "this", "that", "are", "please", "our", "your", "from", "at", "it", "as", "have",
        "will", "can", "by", "not", "or", "us", "i", "an", "if", "do", "would", "need",
        "quote", "price", "send", "thanks", "regards", "dear", "hi", "hello",
    )
)
_WORD = re.compile(r"[a-z]+")
_SAMPLE = 20_000


def _script_counts(text: str) -> dict[str, int]:
    counts = {"hangul": 0, "kana": 0, "han": 0, "thai": 0, "latin": 0}
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            if ch.isalpha():
                counts["latin"] += 1
        elif 0xAC00 <= o <= 0xD7A3 or 0x1100 <= o <= 0x11FF or 0x3130 <= o <= 0x318F:
            counts["hangul"] += 1
        elif 0x3040 <= o <= 0x30FF or 0xFF66 <= o <= 0xFF9F or 0x31F0 <= o <= 0x31FF:
            counts["kana"] += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF:
            counts["han"] += 1
        elif 0x0E00 <= o <= 0x0E7F:
            counts["thai"] += 1
        elif ch.isalpha() and o < 0x250:
            counts["latin"] += 1
    return counts


def detect_language(text: str) -> str:
    """ko/ja/th by their scripts (kana marks Japanese even among kanji), en by common words, else other."""
    sample = text[:_SAMPLE]
    c = _script_counts(sample)
    total = sum(c.values())
    if total == 0:
        return "other"
    scores = {"ko": c["hangul"], "ja": c["kana"] + (c["han"] if c["kana"] else 0), "th": c["thai"]}
    best = max(scores, key=lambda k: scores[k])
    # Asian scripts carry ~3x the information per character of Latin letters.
    if scores[best] and scores[best] * 3 >= c["latin"]:
        return best
    words = _WORD.findall(sample.lower())
    if c["latin"] > c["han"] and words and sum(w in _ENGLISH for w in words) / len(words) >= 0.08:
        return "en"
    return best if scores[best] else "other"  # Latin that is not English around some Asian text
