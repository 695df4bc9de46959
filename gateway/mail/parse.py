"""parse_message(): raw RFC 822 bytes to a ParsedEmail — headers, new and quoted text, attachments, warnings.

It never raises on bad input: what could not be read becomes `warnings` (recovered) or `error` (something
in the email was refused or unreadable; the rest is still there).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import Policy, compat32
from email.policy import default as modern
from email.utils import getaddresses

from gateway.config import LimitSettings
from gateway.mail.attachments import Attachment, Extractor, read_attachments
from gateway.mail.charsets import decode_bytes
from gateway.mail.dates import iso_date
from gateway.mail.extract import SandboxExtractor
from gateway.mail.html import html_to_text, sanitize_html
from gateway.mail.language import detect_language
from gateway.mail.quoting import split_quoted

_ADDRESS = re.compile(r"[\w.+'-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_MSGID = re.compile(r"<([^<>\s]{1,900})>")
_MAX_HEADER_CHARS = 2000
_MAX_HEADER_BYTES = 8192
_BLANK_LINE = re.compile(rb"\n\r?\n")
_BOUNDARY_LINE = re.compile(rb"(?m)^--[^\n]*\n")
_FOLDED_HEADER = re.compile(rb"(?m)^[!-9;-~]{1,76}:[^\n]*(?:\n[ \t][^\n]*)*")


@dataclass(frozen=True)
class ParsedEmail:
    """Everything read from one message."""

    subject: str | None
    from_addr: str | None
    from_name: str | None
    to_addrs: tuple[str, ...]
    cc_addrs: tuple[str, ...]
    reply_to: str | None
    date: str | None
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    language: str
    body_new: str
    body_quoted: str
    body_html_safe: str | None
    attachments: tuple[Attachment, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None


@dataclass
class _Walk:
    """State gathered while walking the MIME tree."""

    limits: LimitSettings
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    html_display: list[str] = field(default_factory=list)  # HTML alternatives of a plain body we used
    forwarded: list[str] = field(default_factory=list)
    files: list[tuple[str | None, str | None, bytes]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    defects: Counter[str] = field(default_factory=Counter)
    parts: int = 0
    too_deep: bool = False
    too_many: bool = False


def _decode_words(value: str, what: str, warnings: list[str]) -> str:
    """Decode raw 8-bit bytes and RFC 2047 words in a header value through charsets.decode_bytes."""
    value = value[: _MAX_HEADER_CHARS * 8]
    if any("\udc80" <= ch <= "\udcff" for ch in value):  # raw 8-bit bytes the parser kept
        decoded = decode_bytes(value.encode("ascii", "surrogateescape"), None, what=what)
        value = decoded.text
        warnings.append(decoded.warning or f"{what}: raw 8-bit bytes, decoded as {decoded.charset}")
    if "=?" in value:
        try:
            chunks = decode_header(value)
        except Exception:  # the stdlib on malformed encoded words
            chunks = [(value, None)]
        pieces = []
        for chunk, charset in chunks:
            if isinstance(chunk, str):
                pieces.append(chunk)
                continue
            decoded = decode_bytes(chunk, charset, what=what)
            if decoded.warning:
                warnings.append(decoded.warning)
            pieces.append(decoded.text)
        value = "".join(pieces)
    return re.sub(r"\s+", " ", value).strip()[:_MAX_HEADER_CHARS]


def _header_text(msg: Message, name: str, warnings: list[str]) -> str | None:
    """The first `name` header, decoded by hand from its raw value (the policy's decoding hides failures)."""
    lname = name.lower()
    for key, raw in msg.raw_items():
        if key.lower() == lname:
            return _decode_words(str(raw), f"{name} header", warnings) or None
    return None


def _pairs(value: str | None) -> list[tuple[str, str]]:
    """(name, address) pairs; the stdlib recurses on nested comments, so fall back to a plain scan."""
    if not value:
        return []
    try:
        return getaddresses([value])
    except (RecursionError, ValueError, IndexError):
        return [("", m) for m in _ADDRESS.findall(value)]


def _addresses(value: str | None) -> tuple[str, ...]:
    return tuple(addr.lower() for _, addr in _pairs(value) if "@" in addr)[:100]


def _first(value: str | None) -> tuple[str, str]:
    pairs = _pairs(value)
    return pairs[0] if pairs else ("", "")


def _msgids(value: str | None) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value or ""))[:100]


def _payload(part: Message, walk: _Walk, where: str) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # the stdlib's decoders on hostile transfer encodings
        walk.warnings.append(f"part {where}: content could not be decoded ({type(exc).__name__}), skipped")
        return b""
    return data if isinstance(data, bytes) else b""


def _filename(part: Message, warnings: list[str]) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # RFC 2231 parameters the stdlib cannot take apart
        return None
    if not name:
        return None
    return _decode_words(str(name), "attachment name", warnings)[:255] or None


def _text(part: Message, walk: _Walk, where: str) -> str:
    data = _payload(part, walk, where)
    try:
        charset = part.get_param("charset")
    except Exception:
        charset = None
    decoded = decode_bytes(data, charset if isinstance(charset, str) else None, what=f"part {where}")
    if decoded.warning:
        walk.warnings.append(decoded.warning)
    return decoded.text


def _visit(part: Message, walk: _Walk, depth: int, where: str, forwarded: bool) -> None:
    walk.parts += 1
    if walk.parts > walk.limits.max_mime_parts:
        walk.too_many = True
        return
    if depth > walk.limits.max_mime_depth:
        walk.too_deep = True
        return
    for defect in getattr(part, "defects", []):
        walk.defects[type(defect).__name__] += 1
    try:
        ctype = part.get_content_type()
        disposition = part.get_content_disposition() or ""
    except Exception:  # the header parser on hostile parameters
        ctype, disposition = "text/plain", ""
    filename = _filename(part, walk.warnings)
    payload = part.get_payload()
    if ctype == "message/rfc822" and isinstance(payload, list) and payload:
        inner = payload[0]
        if isinstance(inner, Message):
            head = [f"{h}: {v}" for h in ("From", "Date", "Subject")
                    if (v := _header_text(inner, h, walk.warnings))]
            walk.forwarded.append("---------- Forwarded message ----------\n" + "\n".join(head))
            _visit(inner, walk, depth + 1, f"{where}.1", True)
        return
    if part.is_multipart() and isinstance(payload, list):
        children = [p for p in payload if isinstance(p, Message)]
        if ctype == "multipart/alternative":
            chosen = _prefer_plain(children)
            if not forwarded:
                walk.html_display.extend(_text(c, walk, f"{where}.h") for c in children
                                         if c not in chosen and c.get_content_type() == "text/html")
            children = chosen
        for i, child in enumerate(children, 1):
            _visit(child, walk, depth + 1, f"{where}.{i}", forwarded)
        return
    if ctype.startswith("multipart/"):  # a multipart without a usable boundary: its body is text
        ctype = "text/plain"
    is_file = disposition == "attachment" or filename is not None or not ctype.startswith("text/")
    if ctype in ("text/plain", "text/html") and not (disposition == "attachment" or filename):
        is_file = False
    if is_file:
        walk.files.append((filename, ctype, _payload(part, walk, where)))
        return
    text = _text(part, walk, where)
    if forwarded:
        if ctype == "text/html":
            text, _ = html_to_text(text, walk.limits.max_text_chars)
        walk.forwarded.append(text)
    elif ctype == "text/html":
        walk.html.append(text)
    else:
        walk.plain.append(text)


def _prefer_plain(children: list[Message]) -> list[Message]:
    """Of alternatives, the plain text when it has content; otherwise the HTML (the richest last one)."""
    plain = [c for c in children if c.get_content_type() == "text/plain"]
    if plain:
        try:
            body = plain[0].get_payload(decode=True)
        except Exception:
            body = None
        if isinstance(body, bytes) and body.strip():
            return [plain[0]]
    others = [c for c in children if c.get_content_type() != "text/plain"]
    return others[-1:] or children[:1]


def _header_blocks(raw: bytes) -> Iterator[tuple[int, int]]:
    """Spans of the header blocks: the message's own, and the lines after each `--boundary` line."""
    starts = [0] + [m.end() for m in _BOUNDARY_LINE.finditer(raw)]
    for start in starts:
        blank = _BLANK_LINE.search(raw, start)
        yield start, blank.start() + 1 if blank else len(raw)


def _tame(raw: bytes, limits: LimitSettings, warnings: list[str]) -> tuple[bytes, Policy]:
    """The bytes and policy to parse with: the modern policy, unless the message would make its header
    parser crawl (it is quadratic: 10 s for 50,000 parts, 50 s for one header of 100,000 parameters).
    Then compat32, with every header over 8 KiB cut short, parses in bounded time."""
    long_headers = [m.span() for start, end in _header_blocks(raw)
                    for m in _FOLDED_HEADER.finditer(raw, start, end) if m.end() - m.start() > _MAX_HEADER_BYTES]
    if long_headers:
        warnings.append(f"{len(long_headers)} header(s) over {_MAX_HEADER_BYTES:,} bytes cut short; parsed with "
                        "the simpler compat32 policy")
        pieces, pos = [], 0
        for start, end in sorted(set(long_headers)):
            if start < pos:
                continue
            pieces += [raw[pos : start + _MAX_HEADER_BYTES], b"\n"]
            pos = end
        pieces.append(raw[pos:])
        return b"".join(pieces), compat32
    boundaries = raw.count(b"\n--")
    if boundaries > 4 * limits.max_mime_parts:
        warnings.append(f"{boundaries:,} MIME boundary lines: parsed with the simpler compat32 policy")
        return raw, compat32
    return raw, modern


def _parse_tree(raw: bytes, policy: Policy, errors: list[str]) -> Message:
    try:
        return BytesParser(policy=policy).parsebytes(raw)
    except RecursionError:
        errors.append("MIME tree nested too deeply to parse: only the headers were read")
    except Exception as exc:  # the stdlib parser on hostile bytes
        errors.append(f"MIME structure unreadable ({type(exc).__name__}): only the headers were read")
    try:
        return BytesHeaderParser(policy=compat32).parsebytes(raw[: 256 * 1024])
    except Exception:
        return Message()


def _iter_defect_warnings(defects: Counter[str]) -> Iterator[str]:
    for name, n in sorted(defects.items()):
        yield f"MIME defect {name}" + (f" ({n} parts)" if n > 1 else "")


def parse_message(raw: bytes, limits: LimitSettings, extract: Extractor | None = None) -> ParsedEmail:
    """Parse one raw message within `limits`; never raises on bad input."""
    warnings: list[str] = []
    errors: list[str] = []
    msg = _parse_tree(*_tame(raw, limits, warnings), errors)
    walk = _Walk(limits)
    _visit(msg, walk, 0, "1", False)
    if walk.too_deep:
        errors.append(f"MIME tree deeper than {limits.max_mime_depth} levels: truncated")
    if walk.too_many:
        errors.append(f"more than {limits.max_mime_parts} MIME parts: the rest ignored")
    h = {name: _header_text(msg, name, warnings) for name in (
        "Subject", "From", "To", "Cc", "Reply-To", "Date", "Message-ID", "In-Reply-To", "References")}
    from_name, from_addr = _first(h["From"])
    _, reply_addr = _first(h["Reply-To"])

    html_safe = None
    plain_text = "\n\n".join(t for t in walk.plain if t.strip())
    if walk.html or walk.html_display:
        markup = "\n".join(walk.html + walk.html_display)
        html_safe = sanitize_html(markup, limits.max_text_chars)
        if walk.html and not plain_text.strip():
            markup = "\n".join(walk.html)
            plain_text, warning = html_to_text(markup, limits.max_text_chars)
            if warning:
                warnings.append(warning)
    if len(plain_text) > limits.max_text_chars:
        warnings.append(f"body longer than {limits.max_text_chars:,} characters: truncated")
        plain_text = plain_text[: limits.max_text_chars]
    new, quoted = split_quoted(plain_text)
    if walk.forwarded:
        quoted = "\n\n".join([quoted, *walk.forwarded]).strip()[: limits.max_text_chars]

    own = None
    if extract is None:  # helpers of a one-off extractor are stopped again below
        extract = own = SandboxExtractor(limits.max_text_chars)
    try:
        attachments = read_attachments(walk.files, limits, extract)
    finally:
        if own is not None:
            own.close()
    errors.extend(a.error for a in attachments if a.error)
    warnings = list(dict.fromkeys([*warnings, *walk.warnings, *_iter_defect_warnings(walk.defects)]))[:50]
    mids = _msgids(h["Message-ID"])
    return ParsedEmail(
        subject=h["Subject"],
        from_addr=from_addr.lower() or None if "@" in from_addr else None,
        from_name=from_name or None,
        to_addrs=_addresses(h["To"]),
        cc_addrs=_addresses(h["Cc"]),
        reply_to=reply_addr.lower() if "@" in reply_addr else None,
        date=iso_date(h["Date"]),
        message_id=mids[0] if mids else (h["Message-ID"] or None),
        in_reply_to=(_msgids(h["In-Reply-To"]) or (None,))[0],
        references=_msgids(h["References"]),
        language=detect_language(f"{h['Subject'] or ''}\n{new or quoted}"),
        body_new=new,
        body_quoted=quoted,
        body_html_safe=html_safe,
        attachments=tuple(attachments),
        warnings=tuple(warnings),
        error="; ".join(dict.fromkeys(errors))[:4000] or None,
    )
