"""The model's input text from an email: subject, new body text, attachment names and text — bounded.

Training (cloud/) and the gateway both call `email_text`, so the model sees the same view of an email
in both places. Quoted earlier mail is cut off (an out-of-office reply quoting a quote request is not a
quote request) and only used when the new text is nearly empty (a bare forward).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_SUBJECT_CHARS = 300
MAX_BODY_CHARS = 1500
MAX_QUOTED_CHARS = 800
MAX_ATTACHMENT_CHARS = 600  # per attachment
MAX_ATTACHMENTS = 4
MAX_TEXT_CHARS = 3000
SHORT_NEW_TEXT = 40  # below this many characters of new text, the quoted text counts too

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_LINE_EDGES = re.compile(r" *\n *")
_BLANK_LINES = re.compile(r"\n{3,}")

# A line that starts quoted/forwarded material, in the mail clients our customers use.
_CUT_LINE = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:original\s+message|forwarded\s+message|begin\s+forwarded\s+message|
                  元のメッセージ|転送メッセージ|転送されたメッセージ|원본\s*메시지|전달된\s*메시지|
                  ข้อความต้นฉบับ|ข้อความเดิม|ข้อความที่ส่งต่อ)[^\n]*
      | -{3,}.{0,120}(?:@|\d{1,2}:\d{2}|forward|original|転送|전달|원본|ส่งต่อ|ต้นฉบับ|เดิม).{0,120}-{3,}
      | begin\s+forwarded\s+message:?
      | on\s.{4,200}\swrote:\s*
      | .{0,200}(?:님이\s*작성|작성:|작성했습니다:?|のメッセージ:|さんは書きました:?|wrote:|เขียนว่า:?)\s*
      | 20\d\d年\s*\d{1,2}月\s*\d{1,2}日.{0,120}<[^>\s]+@[^>\s]+>:?\s*
      | _{10,}\s*
      | [=＝]{3,}\s*\S.{0,60}[=＝]{3,}
      | (?:forwarded\s+by|\[원본\s*메일\]|\[전달\]|以下、?転送|ส่งต่อจาก).*
      | .{0,120}(?:転送します|ส่งเมื่อ.{0,80}โดย).*
      | .{0,160}[\w.+-]+@[\w-]+(?:\.[\w-]+)+.{0,80}[:：]\s*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_HEADER_FROM = re.compile(r"^\s*\**(?:from|보낸\s*사람|보낸이|발신|差出人|送信者|送信元|จาก|von|de)\s*\**\s*[:：]",
                          re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\**(?:sent|date|보낸\s*날짜|날짜|送信日時|日付|วันที่|ส่ง|gesendet|datum)\s*\**\s*[:：]",
    re.IGNORECASE,
)


def split_quoted(body: str) -> tuple[str, str]:
    """Split a body into (new text, quoted/forwarded text) at the first reply or forward marker."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        if _is_cut(lines, i, line):
            return "\n".join(lines[:i]).strip(), "\n".join(lines[i:]).strip()
    return body.strip(), ""


def _is_cut(lines: list[str], i: int, line: str) -> bool:
    stripped = line.strip()
    if stripped.startswith(">"):
        rest = [ln for ln in lines[i:] if ln.strip()]
        return sum(ln.lstrip().startswith(">") for ln in rest) >= max(1, len(rest) // 2)
    if len(stripped) > 240:
        return False
    if _CUT_LINE.match(stripped):
        return True
    if _HEADER_FROM.match(stripped):
        return "@" in stripped or any(_HEADER_NEXT.match(ln) for ln in lines[i + 1:i + 5])
    return False


def clean(text: str) -> str:
    """Thai digits to ASCII, runs of spaces collapsed, lines trimmed, at most one blank line in a row.

    Trimming matters for HTML mail turned into text: its layout leaves hundreds of lines holding one space,
    which would otherwise fill the body budget before any words.
    """
    text = text.translate(_THAI_DIGITS).replace("\r\n", "\n").replace("\r", "\n")
    text = _LINE_EDGES.sub("\n", _SPACES.sub(" ", text))
    return _BLANK_LINES.sub("\n\n", text).strip()


def email_text(
    subject: str | None,
    body_new: str | None,
    attachments: Iterable[tuple[str | None, str | None]] = (),
    body_quoted: str | None = None,
) -> str:
    """The bounded model input for one email; `attachments` are (file name, extracted text) pairs."""
    new, quoted = split_quoted(body_new or "")
    quoted = "\n".join(q for q in (quoted, body_quoted or "") if q)
    parts = [clean(subject or "")[:MAX_SUBJECT_CHARS], clean(new)[:MAX_BODY_CHARS]]
    if len(parts[1]) < SHORT_NEW_TEXT and quoted:
        parts.append(clean(quoted.replace("\n>", "\n").lstrip(">"))[:MAX_QUOTED_CHARS])
    for name, text in list(attachments)[:MAX_ATTACHMENTS]:
        parts.append(clean(f"[{name or 'attachment'}] {text or ''}")[:MAX_ATTACHMENT_CHARS])
    return "\n".join(p for p in parts if p)[:MAX_TEXT_CHARS]
