"""Realistic test emails: quote requests in several languages and scripts, some with attachments."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

BODIES = {
    "en": "Hello, please quote {n} x 40HC from Busan to Los Angeles, ready on the 12th. Cargo: auto parts, 18 t.",
    "ko": "안녕하세요, 부산에서 로스앤젤레스까지 40HC {n}대 견적 부탁드립니다. 화물: 자동차 부품 18톤.",
    "ja": "お世話になっております。釜山からロサンゼルスまで40HCを{n}本お見積りください。貨物は自動車部品18トンです。",
    "th": "สวัสดีครับ รบกวนขอใบเสนอราคา 40HC จำนวน {n} ตู้ จากปูซานไปลอสแองเจลิส สินค้าอะไหล่รถยนต์ 18 ตัน",
    "de": "Guten Tag, bitte um ein Angebot für {n} x 40HC von Busan nach Los Angeles, Ware: Autoteile, 18 t.",
    "zh": "您好，请报价{n}个40HC集装箱，从釜山到洛杉矶，货物为汽车零件18吨。谢谢！",
}
SUBJECTS = {"en": "Quote request", "ko": "견적 요청", "ja": "お見積り依頼", "th": "ขอใบเสนอราคา",
            "de": "Angebotsanfrage", "zh": "询价"}
LANGS = sorted(BODIES)


def quote_email(i: int, *, rng: random.Random | None = None, attachments: bool = True,
                message_id: str | None = None) -> bytes:
    """Email number `i`: a quote request in one of six languages, with a CSV/PDF-like attachment on some."""
    rng = rng or random.Random(i)
    lang = LANGS[i % len(LANGS)]
    msg = EmailMessage()
    msg["From"] = f"Customer {i} <customer{i}@example.{lang}>"
    msg["To"] = "sales@busybee.test"
    msg["Subject"] = f"{SUBJECTS[lang]} #{i}"
    msg["Date"] = format_datetime(datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=i))
    msg["Message-ID"] = message_id or make_msgid(idstring=f"q{i}", domain=f"example.{lang}")
    body = BODIES[lang].format(n=1 + i % 5)
    msg.set_content((body + "\n") * rng.randint(1, 6))
    if attachments and i % 3 == 0:
        rows = "\n".join(f"{k},{rng.randint(1, 999)},KG,{lang}" for k in range(rng.randint(20, 400)))
        msg.add_attachment(("item,qty,unit,lang\n" + rows).encode(), maintype="text", subtype="csv",
                           filename=f"packing-list-{i}.csv")
    if attachments and i % 5 == 0:
        blob = b"%PDF-1.4\n" + rng.randbytes(rng.randint(2_000, 60_000)) + b"\n%%EOF\n"
        msg.add_attachment(blob, maintype="application", subtype="pdf", filename=f"invoice-{i}.pdf")
    return msg.as_bytes()
