"""Seeded composition: variants of hand-written emails that look like real mail around the same intent.

Every variant is derived from one hand-written email and inherits its split (the caller composes train
and validation separately), so validation never sees a re-dressed copy of a training email.
Operations: greeting/sign-off/signature/disclaimer wrapping, a reply that quotes *another* email, a
forwarded chain, an out-of-office auto-reply wrapping the email (→ other), typos, full-width/Thai digits,
case changes and reply/forward subject prefixes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import replace

from cloud.intent.corpus import Email

# Small built-in fallbacks, used only when models/corpus/parts/<lang>.json lacks a kind.
_FALLBACK: dict[str, dict[str, list[str]]] = {
    "en": {
        "greeting": ["Hi,", "Hello team,", "Dear Sir/Madam,", "Good morning,"],
        "signoff": ["Thanks,", "Best regards,", "Regards,", "Cheers,"],
        "ooo": ["I am out of the office until Monday with limited access to email. "
                "For urgent matters please contact my colleague.",
                "Thank you for your email. I'm currently on leave and will reply when I return."],
        "reply_header": ["On {date}, {name} wrote:", "-----Original Message-----\nFrom: {name}\nSent: {date}"],
        "forward_header": ["---------- Forwarded message ---------\nFrom: {name}\nDate: {date}"],
        "forward_note": ["FYI", "see below", "Please handle, thanks."],
        "reply_prefix": ["RE: ", "Re: "],
        "forward_prefix": ["FW: ", "Fwd: "],
    },
    "ko": {
        "greeting": ["안녕하세요.", "수고 많으십니다."],
        "signoff": ["감사합니다.", "수고하세요."],
        "ooo": ["부재중입니다. 다음 주 월요일에 복귀하여 확인 후 회신드리겠습니다."],
        "reply_header": ["{date}, {name}님이 작성:",
                         "-----Original Message-----\n보낸 사람: {name}\n보낸 날짜: {date}"],
        "forward_header": ["---------- 전달된 메시지 ---------\n보낸 사람: {name}\n날짜: {date}"],
        "forward_note": ["참고 바랍니다.", "확인 부탁드려요."],
        "reply_prefix": ["RE: ", "회신: "],
        "forward_prefix": ["FW: ", "전달: "],
    },
    "ja": {
        "greeting": ["お世話になっております。", "いつもお世話になっております。"],
        "signoff": ["よろしくお願いいたします。", "以上、よろしくお願いします。"],
        "ooo": ["ただいま出張中のため、メールの確認が遅れます。来週月曜日以降に返信いたします。"],
        "reply_header": ["{date} {name}:", "-----Original Message-----\n差出人: {name}\n送信日時: {date}"],
        "forward_header": ["---------- 転送メッセージ ----------\n差出人: {name}\n日付: {date}"],
        "forward_note": ["ご参考まで。", "対応お願いします。"],
        "reply_prefix": ["RE: ", "Re: "],
        "forward_prefix": ["FW: ", "転送: "],
    },
    "th": {
        "greeting": ["เรียน ฝ่ายขาย", "สวัสดีครับ", "สวัสดีค่ะ"],
        "signoff": ["ขอบคุณครับ", "ขอบคุณค่ะ", "ขอแสดงความนับถือ"],
        "ooo": ["ขณะนี้ดิฉันไม่อยู่ที่สำนักงาน จะกลับมาตอบอีเมลในวันจันทร์ค่ะ"],
        "reply_header": ["เมื่อ {date} {name} เขียนว่า:", "-----Original Message-----\nจาก: {name}\nวันที่: {date}"],
        "forward_header": ["---------- ข้อความที่ส่งต่อ ----------\nจาก: {name}\nวันที่: {date}"],
        "forward_note": ["เพื่อทราบครับ", "รบกวนดำเนินการด้วยค่ะ"],
        "reply_prefix": ["RE: ", "ตอบกลับ: "],
        "forward_prefix": ["FW: ", "ส่งต่อ: "],
    },
}
# Substrings that map a parts-file key to one of our kinds.
_KIND_WORDS = {
    "greeting": ("greeting", "opening", "salutation"),
    "signoff": ("sign_off", "signoff", "sign-off", "closing"),
    "signature": ("signature",),
    "disclaimer": ("disclaimer", "legal"),
    "ooo": ("ooo", "out_of_office", "out-of-office", "auto_repl", "autorepl", "auto-repl"),
    "reply_header": ("reply_header", "reply-header", "quote_header", "reply_headers"),
    "forward_header": ("forward_header", "forward-header", "fwd_header", "forward_headers"),
}
_NAMES = ["Kim Minsu <minsu@example.co.kr>", "Sato Yui <y.sato@example.co.jp>", "Somchai P. <somchai@example.co.th>",
          "Anna Meyer <anna.meyer@example.com>", "sales <sales@busybee.example>"]
_DATES = ["Mon, 2 Mar 2026 09:12", "2026-01-15 14:03", "Friday, February 20, 2026 4:45 PM", "2026/03/09 10:20"]
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


class Parts:
    """Snippets by language and kind: the corpus's parts files first, the built-in fallbacks second."""

    def __init__(self, parts: dict[str, dict[str, list[str]]]) -> None:
        self.table: dict[str, dict[str, list[str]]] = {}
        for lang, fallback in _FALLBACK.items():
            found: dict[str, list[str]] = {k: list(v) for k, v in fallback.items()}
            for key, snippets in parts.get(lang, {}).items():
                kind = next((k for k, words in _KIND_WORDS.items() if any(w in key.lower() for w in words)), None)
                if kind and snippets:
                    found[kind] = [s for s in snippets if s.strip()] or found.get(kind, [])
            self.table[lang] = found

    def pick(self, rng: random.Random, lang: str, kind: str) -> str:
        """A random snippet of this kind ('' when there is none)."""
        options = self.table.get(lang, self.table["en"]).get(kind) or self.table["en"].get(kind) or [""]
        text = rng.choice(options)
        name = rng.choice(_NAMES)
        email = name.split("<")[-1].rstrip(">")
        text = text.replace("{name} <{email}>", name).replace("{email}", email)
        return text.replace("{name}", name.split(" <")[0]).replace("{date}", rng.choice(_DATES))


def _quote_block(body: str) -> str:
    return "\n".join("> " + ln if ln.strip() else ">" for ln in body.splitlines())


def typos(rng: random.Random, text: str, rate: float = 0.015) -> str:
    """Drop, double or swap a few letters."""
    chars = list(text)
    i = 0
    while i < len(chars) - 1:
        if chars[i].isalpha() and rng.random() < rate:
            op = rng.randrange(3)
            if op == 0:
                del chars[i]
            elif op == 1:
                chars.insert(i, chars[i])
                i += 1
            else:
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
        i += 1
    return "".join(chars)


class Composer:
    """Makes `variants` composed emails per hand-written one, deterministically from `seed`."""

    def __init__(self, parts: Parts, seed: int = 0) -> None:
        self.parts = parts
        self.seed = seed

    def compose(self, emails: Sequence[Email], variants: int = 3) -> list[Email]:
        """Composed variants of `emails` (all from one split); quotes and forwards use emails of that split."""
        out: list[Email] = []
        ops: list[Callable[[random.Random, Email, Sequence[Email]], Email]] = [
            self._wrap, self._reply_quoting_other, self._forward, self._surface, self._wrap,
        ]
        for e in emails:
            rng = random.Random(f"{self.seed}:{e.id}")
            for k in range(variants):
                if rng.random() < 0.12 and e.label in ("quote", "order", "inquiry"):
                    variant = self._out_of_office(rng, e)
                else:
                    variant = rng.choice(ops)(rng, e, emails)
                    if rng.random() < 0.5:
                        variant = self._surface(rng, variant, emails)
                out.append(replace(variant, id=f"{e.id}~{k}", source="composed"))
        return out

    def _wrap(self, rng: random.Random, e: Email, _pool: Sequence[Email]) -> Email:
        lang = e.lang if e.lang in _FALLBACK else "en"
        body = e.body
        if rng.random() < 0.5:
            body = self.parts.pick(rng, lang, "greeting") + "\n\n" + body
        if rng.random() < 0.6:
            body += "\n\n" + self.parts.pick(rng, lang, "signoff")
        if rng.random() < 0.5:
            body += "\n" + self.parts.pick(rng, lang, "signature")
        if rng.random() < 0.3:
            body += "\n\n" + self.parts.pick(rng, lang, "disclaimer")
        return replace(e, body=body.strip(), case=e.case + "+wrap")

    def _reply_quoting_other(self, rng: random.Random, e: Email, pool: Sequence[Email]) -> Email:
        other = rng.choice(pool)
        lang = e.lang if e.lang in _FALLBACK else "en"
        header = self.parts.pick(rng, lang, "reply_header")
        quoted = other.body if rng.random() < 0.5 else _quote_block(other.body)
        subject = self.parts.pick(rng, lang, "reply_prefix") + (other.subject if rng.random() < 0.5 else e.subject)
        return replace(e, subject=subject, body=f"{e.body}\n\n{header}\n{quoted}", case=e.case + "+reply")

    def _forward(self, rng: random.Random, e: Email, pool: Sequence[Email]) -> Email:
        if e.label not in ("quote", "order", "inquiry"):
            return self._wrap(rng, e, pool)
        lang = e.lang if e.lang in _FALLBACK else "en"
        note = self.parts.pick(rng, lang, "forward_note") if rng.random() < 0.7 else ""
        header = self.parts.pick(rng, lang, "forward_header")
        subject = self.parts.pick(rng, lang, "forward_prefix") + e.subject
        return replace(e, subject=subject, body=f"{note}\n\n{header}\n\n{e.body}".strip(), case=e.case + "+fwd")

    def _out_of_office(self, rng: random.Random, e: Email) -> Email:
        lang = e.lang if e.lang in _FALLBACK else "en"
        notice = self.parts.pick(rng, lang, "ooo")
        header = self.parts.pick(rng, lang, "reply_header")
        prefix = rng.choice(["Automatic reply: ", "Out of Office: ", "자동 회신: ", "自動応答: ", "ตอบกลับอัตโนมัติ: "])
        body = f"{notice}\n\n{header}\n{_quote_block(e.body) if rng.random() < 0.5 else e.body}"
        return replace(e, label="other", subject=prefix + e.subject, body=body, attachments=(),
                       case="ooo-composed")

    def _surface(self, rng: random.Random, e: Email, _pool: Sequence[Email]) -> Email:
        body, subject = e.body, e.subject
        if rng.random() < 0.5:
            body = typos(rng, body)
        if e.lang == "ja" and rng.random() < 0.5:
            body, subject = body.translate(_FULLWIDTH), subject.translate(_FULLWIDTH)
        if e.lang == "th" and rng.random() < 0.5:
            body, subject = body.translate(_THAI), subject.translate(_THAI)
        roll = rng.random()
        if roll < 0.15:
            subject = subject.upper()
        elif roll < 0.3:
            subject, body = subject.lower(), body.lower()
        return replace(e, subject=subject, body=body, case=e.case + "+surface")
