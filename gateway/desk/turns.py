"""Understanding one customer turn (pure): gives details, yes, no, unclear, asks a question or other — ko/en/ja/th."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

from gateway.extract.fields import CONTAINER_TYPES, Shipment

Intent = Literal["provide", "yes", "no", "unclear", "question", "other"]
INTENTS: tuple[Intent, ...] = ("provide", "yes", "no", "unclear", "question", "other")

# Whole-message words and the phrases that open a reply; "no" is tested before "yes" because
# ไม่ใช่ contains ใช่ and "not correct" contains "correct".
_NO = (
    "no", "nope", "nah", "not correct", "not right", "incorrect", "wrong", "that's wrong", "thats wrong",
    "아니요", "아니오", "아뇨", "아니", "아닙니다", "아니에요", "틀렸", "틀립니다", "틀려요",
    "いいえ", "違います", "ちがいます", "違う", "ちがう", "違いました", "間違い",
    "ไม่ใช่", "ไม่ถูกต้อง", "ไม่ถูก", "ผิด",
)
_YES = (
    "yes", "yeah", "yep", "yup", "correct", "that's correct", "thats correct", "right", "that's right",
    "confirmed", "confirm", "i confirm", "ok", "okay", "sure", "looks good", "all good", "go ahead",
    "네", "예", "넵", "응", "맞습니다", "맞아요", "맞아", "맞네요", "맞음", "확인", "확인했습니다",
    "좋습니다", "좋아요",
    "はい", "ええ", "そうです", "その通りです", "そのとおりです", "正しいです", "合っています", "あっています",
    "大丈夫です", "問題ありません", "了解", "了解です", "承知しました",
    "ใช่", "ถูกต้อง", "ตกลง", "โอเค", "ได้", "ใช่แล้ว", "ถูกแล้ว",
)
# Polite tails and fillers that do not change the meaning of a short answer.
_TAILS = (
    "please", "thanks", "thank you", "thx", "sir", "madam", "it is", "that is", "that's", "this is",
    "감사합니다", "고맙습니다", "입니다", "요", "그렇습니다",
    "ありがとうございます", "お願いします", "よろしくお願いします", "です",
    "ครับ", "ค่ะ", "คะ", "คับ", "จ้ะ", "จ้า", "นะ", "ขอบคุณ", "ขอบคุณครับ", "ขอบคุณค่ะ",
)
_TAILS_BY_LENGTH = sorted(_TAILS, key=len, reverse=True)
_CORRECTION = re.compile(
    r"make (?:that|it)|change (?:it |that )?to|should be|instead|actually|correction|not \d"
    r"|변경|바꿔|바꾸|수정|정정|아니라"
    r"|変更|訂正|修正|ではなく|じゃなくて"
    r"|เปลี่ยนเป็น|เปลี่ยน|แก้เป็น|แก้ไข",
)
_QUESTION = re.compile(
    r"[?？]|^(?:what|how|when|why|where|which|who|can you|could you|do you|does|is it|are you|will you)\b"
    r"|나요$|까요$|가요$|니까$|어때요|언제|얼마|왜|어떻게|무엇|뭐"
    r"|ですか|ますか|でしょうか|いつ|いくら|なぜ|どう|どこ|何"
    r"|ไหม|มั้ย|หรือเปล่า|หรือยัง|เท่าไหร่|เท่าไร|อะไร|เมื่อไหร่|ทำไม|อย่างไร|ยังไง",
)
_WORDY = re.compile(r"[^\W\d_]", re.UNICODE)
_DIGITS = re.compile(r"\d")
_SEP = re.compile(r"[\s,.!。、！~…·:;()\[\]\"「」『』-]+")

# A container count given without its type ("make that 3 containers", "3개로", "３本に", "3 ตู้").
_COUNT_WORDS = r"(?:containers?|cntrs?|ctrs?|boxes|units|fcl|컨테이너|대|개|本|台|コンテナ|ตู้|คอนเทนเนอร์)"
_COUNT = re.compile(r"(?<![\d.])(\d{1,3})\s*(?:x\s*)?" + _COUNT_WORDS, re.IGNORECASE)
_COUNT_BEFORE = re.compile(r"(?:containers?|컨테이너|コンテナ|ตู้|คอนเทนเนอร์)\s*(?:を|は|를|을)?\s*(\d{1,3})(?!\d)",
                           re.IGNORECASE)
_TYPED = re.compile(r"\d+\s*['’]?\s*(?:" + "|".join(CONTAINER_TYPES) + r"|GP|HC|HQ|RF|DV|ft|feet)", re.IGNORECASE)


@dataclass(frozen=True)
class Understanding:
    """What one customer turn means: its intent, whether it corrects a value, and values read from context."""

    intent: Intent
    correction: bool = False
    fields: Shipment = field(default_factory=Shipment)


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII, Thai digits stay), Thai digits to ASCII, lower case."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'")
    text = text.translate({0x0E50 + i: ord("0") + i for i in range(10)})
    return " ".join(text.lower().split())


def _cores(text: str) -> list[str]:
    """The answer, then the answer with polite tails and fillers peeled off one by one."""
    core = _SEP.sub(" ", text).strip()
    found = [core]
    while core:
        for tail in _TAILS_BY_LENGTH:
            ascii_ok = not tail.isascii()
            if core.endswith(tail) and (ascii_ok or len(core) == len(tail) or core[-len(tail) - 1] == " "):
                core = core[: -len(tail)].strip()
                break
            if core.startswith(tail) and (ascii_ok or len(core) == len(tail) or core[len(tail)] == " "):
                core = core[len(tail):].strip()
                break
        else:
            break
        found.append(core)
    return [c for c in found if c]


def _answer(text: str) -> Intent | None:
    """yes / no when the message is (or starts with) one of the answer words, else None."""
    cores = _cores(text)
    for core in cores:
        for intent, words in (("no", _NO), ("yes", _YES)):
            if core in words:
                return intent  # type: ignore[return-value]
    if not cores:
        return None
    core = cores[-1]
    first = core.split(" ", 1)[0]
    for intent, words in (("no", _NO), ("yes", _YES)):
        if first in words:
            return intent  # type: ignore[return-value]
        # scripts without spaces: "네맞습니다" / "ไม่ใช่ครับ" / "はいそうです" start with the word
        for word in sorted(words, key=len, reverse=True):
            if len(word) >= 2 and not word.isascii() and core.startswith(word):
                return intent  # type: ignore[return-value]
    return None


def container_count(text: str, known: Shipment) -> str | None:
    """A corrected container count in the type already known ("3 containers" + 2x40HC → 3x40HC), else None."""
    norm = normalise(text)
    if _TYPED.search(norm):
        return None  # a typed count is the extractor's job
    kinds = known.container_list()
    if len(kinds) != 1:
        return None
    match = _COUNT.search(norm) or _COUNT_BEFORE.search(norm)
    if not match or int(match.group(1)) == 0:
        return None
    return f"{int(match.group(1))}x{kinds[0][1]}"


def fit_places(found: Shipment, known: Shipment) -> Shipment:
    """A bare place answering the one place still unknown fills that role.

    The extractor calls the first place of an unlabelled text the origin; when the origin is known and the
    destination is what we asked for, "Tokyo" answers the question rather than replacing the origin.
    """
    roles = ("origin", "destination")
    unknown = [r for r in roles if getattr(known, r) is None]
    if len(unknown) != 1:
        return found
    gap, other = unknown[0], roles[1 - roles.index(unknown[0])]
    value = getattr(found, other)
    if getattr(found, gap) is None and value is not None and value != getattr(known, other):
        return dataclasses.replace(found, **{gap: value, other: None})
    return found


def understand(text: str, *, found: Shipment | None = None, known: Shipment | None = None) -> Understanding:
    """The intent of a customer turn; `found` is what the extractor read in it, `known` the shipment so far."""
    norm = normalise(text)
    known = known or Shipment()
    found = fit_places(found or Shipment(), known)
    context = Shipment()
    count = container_count(text, known)
    if count is not None and count != known.containers and found.containers in (None, known.containers):
        context = Shipment(containers=count)
    correction = bool(_CORRECTION.search(norm))
    details = found.merged(context)
    changes = [f for f in details.known() if getattr(details, f) != getattr(known, f)]
    answer = _answer(norm)
    if changes:
        # "No, make that 3 containers" corrects a value: the "no" is about the old value, not a refusal.
        return Understanding("provide", correction or answer == "no", details)
    if answer is not None:
        return Understanding(answer)
    if _QUESTION.search(norm):
        return Understanding("question")
    if not _WORDY.search(norm) and not _DIGITS.search(norm):
        return Understanding("unclear")
    if len(norm) <= 2 or (correction and not changes):
        return Understanding("unclear", correction)
    return Understanding("other")
