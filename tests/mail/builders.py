"""Builders of real test mail (stdlib email), archives, PDFs, spreadsheets and hostile inputs."""

from __future__ import annotations

import functools
import io
import zipfile
from email.message import EmailMessage
from email.utils import formatdate

from gateway.config import LimitSettings

LIMITS = LimitSettings()


def message(
    body: str = "Busan to LA, 2x40HC, please quote.",
    *,
    subject: str = "견적 요청",
    sender: str = "김민수 <minsu@example.kr>",
    charset: str = "utf-8",
    cte: str | None = None,
    html: str | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A real message: text (and optional HTML alternative) in `charset`, plus attachments."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "sales@busybee.test"
    msg["Subject"] = subject
    msg["Date"] = formatdate(1772673120, localtime=False)
    msg["Message-ID"] = "<test-1@example.kr>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body, charset=charset, cte=cte)
    if html is not None:
        msg.add_alternative(html, subtype="html", charset=charset, cte=cte)
    for filename, data, ctype in attachments or []:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def html_only(html: str, charset: str = "utf-8") -> bytes:
    """A message whose only body is HTML."""
    msg = EmailMessage()
    msg["From"] = "tanaka@example.jp"
    msg["To"] = "sales@busybee.test"
    msg["Subject"] = "見積依頼"
    msg.set_content(html, subtype="html", charset=charset)
    return bytes(msg)


def raw_text_part(body: bytes, declared: str, *, subject: bytes = b"test", cte: str = "8bit") -> bytes:
    """A hand-made single-part message: `body` bytes as they are, under a declared charset."""
    return (b"From: a@example.com\r\nTo: sales@busybee.test\r\nSubject: " + subject + b"\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: text/plain; charset=" + declared.encode() + b"\r\n"
            b"Content-Transfer-Encoding: " + cte.encode() + b"\r\n\r\n" + body)


def zip_of(entries: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip archive holding `entries` (name → bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name, (2026, 3, 5, 10, 12, 0)), data, compress_type=compression)
    return buf.getvalue()


def zip_with_infos(entries: list[tuple[zipfile.ZipInfo, bytes]]) -> bytes:
    """A zip with hand-set member metadata (symlinks, encryption flags, traversal names)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def mark_encrypted(data: bytes, name: str) -> bytes:
    """The zip with member `name` flagged as encrypted (bit 0) in its local and central headers."""
    out = bytearray(data)
    encoded = name.encode()
    for sig, name_len_at, name_at, flag_at in ((b"PK\x03\x04", 26, 30, 6), (b"PK\x01\x02", 28, 46, 8)):
        pos = out.find(sig)
        while pos != -1:
            n = int.from_bytes(out[pos + name_len_at : pos + name_len_at + 2], "little")
            if bytes(out[pos + name_at : pos + name_at + n]) == encoded:
                out[pos + flag_at] |= 0x01
            pos = out.find(sig, pos + 4)
    return bytes(out)


@functools.cache
def zip_bomb(expanded: int = 150 * 1024 * 1024) -> bytes:
    """A small zip (about 150 KB) whose single member expands to `expanded` bytes of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("orders/data.csv", "w") as fh:
        chunk = b"\0" * (1 << 20)
        for _ in range(expanded >> 20):
            fh.write(chunk)
    return buf.getvalue()


def nested_zip(levels: int) -> bytes:
    """A zip inside a zip ... `levels` deep, a text file at the bottom."""
    data = zip_of({"po.txt": b"PO 4711: 2x40HC Busan-LA"})
    for i in range(1, levels):
        data = zip_of({f"level{i}.zip": data})
    return data


def deep_mime(depth: int) -> bytes:
    """A message whose multipart tree is `depth` levels deep."""
    parts = [b"From: a@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n"]
    for i in range(1, depth):
        parts.append(b"--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n" % (i - 1, i))
    parts.append(b"--b%d\r\nContent-Type: text/plain\r\n\r\nhello from the bottom\r\n" % (depth - 1))
    parts.extend(b"--b%d--\r\n" % i for i in range(depth - 1, -1, -1))
    return b"".join(parts)


def cjk_pdf(lines: list[str], font: str = "HYSMyeongJo-Medium", mode: str = "plain") -> bytes:
    """A PDF with reportlab's built-in CID font: plain strings, letter-spaced (Tc), or glyph by glyph."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(font))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    y = 800.0
    for line in lines:
        if mode == "plain":
            c.setFont(font, 12)
            c.drawString(50, y, line)
        elif mode == "spaced":
            t = c.beginText(50, y)
            t.setFont(font, 12)
            t.setCharSpace(3)
            t.textOut(line)
            c.drawText(t)
        else:  # each glyph drawn on its own, 1.5 pt apart
            x = 50.0
            for ch in line:
                c.setFont(font, 12)
                c.drawString(x, y, ch)
                x += pdfmetrics.stringWidth(ch, font, 12) + 1.5
        y -= 20
    c.save()
    return buf.getvalue()


def xlsx_of(rows: list[list[object]], title: str = "견적") -> bytes:
    """An Excel workbook with one sheet of `rows`."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def docx_of(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A Word document with paragraphs and an optional table."""
    from docx import Document

    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
