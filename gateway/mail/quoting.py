"""Split a plain-text body into the sender's new text and the quoted or forwarded history (pure).

Everything from the first reply/forward header (English, Korean, Japanese and Thai clients) is
history; above it, `>` lines are history too (inline replies keep their new lines as new text).
"""

from __future__ import annotations

import re

from gateway.mail.html import QUOTE_MARK

# A line that alone starts the history: separators of Outlook, Gmail, Apple Mail, Thunderbird, Naver...
_SEPARATOR = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:Original\ Message|원본\ 메시지|元のメッセージ|ข้อความต้นฉบับ)\s*-{2,}
      | -{2,}\s*(?:Forwarded\ message|Forwarded\ Message|전달된\ 메일|전달된\ 메시지|転送メッセージ
                  |転送されたメッセージ|ข้อความที่ส่งต่อ)\s*-{2,}
      | (?:Begin\ forwarded\ message|Forwarded\ message|転送メッセージ|ข้อความที่ส่งต่อ)\s*[:：]
      | _{20,}
    )\s*$""",
    re.VERBOSE | re.IGNORECASE,
)

# Attribution lines ("On ... wrote:"), possibly wrapped over up to three lines.
_ATTRIBUTION = re.compile(
    r"""^\s*(?:
        On\b.{4,300}?\bwrote\s*:
      | Le\b.{4,300}?\ba\ écrit\s*:
      | Am\b.{4,300}?\bschrieb.{0,40}:
      | \d{4}\s*년\s*\d{1,2}\s*월\s*\d{1,2}\s*일.{0,300}?(?:님이\ 작성|작성)\s*[:：]?
      | \d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日.{0,300}?[:：]
      | \d{4}/\d{1,2}/\d{1,2}.{0,300}?(?:のメッセージ|さんは書きました|wrote)\s*[:：]
      | เมื่อ.{4,300}?เขียนว่า\s*[:：]?
      | .{0,200}?\b(?:님이\ 작성|さんは書きました|เขียนว่า)\s*[:：]
    )\s*$""",
    re.VERBOSE | re.IGNORECASE | re.DOTALL,
)

# Outlook-style header blocks: a From line followed closely by Sent/Date and To/Subject lines.
_FROM = re.compile(r"^\s*(?:\*\s*)?(?:From|보낸\ 사람|差出人|送信者|จาก)\s*\**\s*[:：]", re.IGNORECASE | re.VERBOSE)
_HEADER = re.compile(
    r"^\s*(?:\*\s*)?(?:Sent|Date|To|Cc|Subject|보낸\ 날짜|날짜|받는\ 사람|참조|제목|送信日時|日付|宛先|件名|CC"
    r"|ส่ง|วันที่|ถึง|เรื่อง)\s*\**\s*[:：]",
    re.IGNORECASE | re.VERBOSE,
)
_QUOTED_LINE = re.compile(r"^\s*>")
_LINE_PROBE = 400  # markers sit at the start of short lines; never run the patterns over huge ones


def _is_header_block(lines: list[str], i: int) -> bool:
    if not _FROM.match(lines[i]):
        return False
    following = [ln for ln in lines[i + 1 : i + 6] if ln.strip()]
    return sum(bool(_HEADER.match(ln)) for ln in following[:4]) >= 2


def _attribution_at(lines: list[str], i: int) -> int:
    """How many lines (1-3) starting at i form an attribution line; 0 if none."""
    for n in (1, 2, 3):
        if i + n > len(lines) or not lines[i + n - 1].strip():
            break
        chunk = " ".join(ln.strip() for ln in lines[i : i + n])
        if _ATTRIBUTION.match(chunk):
            return n
    return 0


def _boundary(lines: list[str]) -> tuple[int, int] | None:
    """(index where the history starts, attribution line count or 0 for a separator/header block)."""
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        if QUOTE_MARK in line or _SEPARATOR.match(line) or _is_header_block(lines, i):
            return i, 0
        n = _attribution_at(lines, i)
        # An attribution counts when quoted lines or the end of the text follow it.
        if n:
            rest = [ln for ln in lines[i + n :] if ln.strip()]
            if not rest or _QUOTED_LINE.match(rest[0]):
                return i, n
    return None


def split_quoted(text: str) -> tuple[str, str]:
    """(new text, quoted/forwarded history), both stripped; `>` lines count as history, inline answers as new."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found = _boundary([ln[:_LINE_PROBE] for ln in lines])
    new: list[str] = []
    quoted: list[str] = []
    if found is not None and found[1] == 0:  # a separator: everything below is history
        head, tail = lines[: found[0]], lines[found[0] :]
    elif found is not None:  # "On ... wrote:" then `>` lines, possibly with answers in between
        i, n = found
        head, tail = lines[:i] + lines[i + n :], lines[i : i + n]
    else:
        head, tail = lines, []
    for line in head:
        (quoted if _QUOTED_LINE.match(line) else new).append(line)
    if found is not None and found[1]:
        quoted = tail + quoted
    else:
        quoted.extend(tail)
    quoted = [ln.replace(QUOTE_MARK, "") for ln in quoted if ln.strip() != QUOTE_MARK]
    new = [ln.replace(QUOTE_MARK, "") for ln in new if ln.strip() != QUOTE_MARK]
    return "\n".join(new).strip(), "\n".join(quoted).strip()
