"""Quote and booking emails in ko/en/ja/th: translated text, Babel money and dates, escaped HTML, fresh catalogs."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from gateway.extract.fields import Shipment
from gateway.i18n import LANGUAGES, locale_dir
from gateway.quote.pricing import Quote, price
from gateway.quote.ratecard import RateCard
from gateway.quote.render import render_booking, render_quote

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


@pytest.fixture
def quote(card: RateCard) -> Quote:
    shipment = Shipment(origin="Busan", destination="Tokyo", mode="sea", containers="2x40HC,1x20GP",
                        commodity=HOSTILE, ready_date="2026-12-01", incoterm="FOB")
    return replace(price(shipment, card, 900, today=date(2026, 11, 25)), number="Q-20261125-0007")


EXPECTED = {  # language: strings that must appear in the text part
    "ko": ["견적 Q-20261125-0007", "해상운임 FCL 40HC", "유류할증료", "합계: US$2,530.00", "2026년 12월 5일까지",
           "출하 가능일: 2026년 12월 1일", "2 대"],
    "en": ["our quote Q-20261125-0007", "Ocean freight FCL 40HC", "Fuel surcharge", "Total: $2,530.00",
           "Valid until December 5, 2026.", "Ready date: December 1, 2026", "2 container(s)"],
    "ja": ["お見積り Q-20261125-0007", "海上運賃 FCL 40HC", "燃油サーチャージ", "合計: $2,530.00",
           "有効期限: 2026年12月5日 まで", "2 本"],
    "th": ["ใบเสนอราคาเลขที่ Q-20261125-0007", "ค่าขนส่งทางทะเล FCL 40HC", "รวมทั้งสิ้น: US$2,530.00",
           "5 ธันวาคม พ.ศ. 2569", "2 ตู้"],  # Buddhist-era year
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_quote_email_in_each_language(quote: Quote, lang: str) -> None:
    r = render_quote(quote, language=lang, customer_name="Kim", request_subject="견적 요청")
    for expected in EXPECTED[lang]:
        assert expected in r.text, expected
        assert expected.split(": ")[-1] in r.html.replace("</th><th style=\"text-align: right;\">", ": ")
    assert r.language == lang and r.subject.startswith("Re: 견적 요청 — ") and "Q-20261125-0007" in r.subject
    assert f'<html lang="{lang}">' in r.html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_html_escapes_a_hostile_commodity(quote: Quote, lang: str) -> None:
    r = render_quote(quote, language=lang, customer_name='<b onmouseover="x">Eve</b>')
    assert "<script>" not in r.html and "<img" not in r.html and "<b onmouseover" not in r.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in r.html
    assert HOSTILE in r.text  # the text part is plain text: shown as written


def test_unknown_language_falls_back_to_english(quote: Quote) -> None:
    assert "Fuel surcharge" in render_quote(quote, language="de").text
    assert "Fuel surcharge" in render_quote(quote, language=None).text


def test_zero_decimal_currency_and_hazardous_note(card_text: str) -> None:
    from gateway.quote.ratecard import parse_ratecard

    krw = parse_ratecard(card_text.replace('"USD"', '"KRW"').encode())
    q = replace(price(Shipment(mode="sea", containers="1x20GP", commodity="UN1263 paint"), krw, 500,
                      today=date(2026, 11, 25)), number="Q-1")
    r = render_quote(q, language="ko")
    assert "합계: ₩800" in r.text and "위험물 요율로 산정했습니다." in r.text


@pytest.mark.parametrize(("lang", "expected"), [
    ("ko", "부킹 번호 B-20261125-0003(으)로 접수되었습니다"), ("en", "booked under number B-20261125-0003"),
    ("ja", "ブッキング番号 B-20261125-0003 にて承りました"), ("th", "ภายใต้หมายเลข B-20261125-0003"),
])
def test_booking_confirmation(lang: str, expected: str) -> None:
    s = Shipment(origin="Bangkok", destination="Busan", mode="sea", containers="1x40HC", commodity=HOSTILE)
    r = render_booking("B-20261125-0003", s, language=lang, quote_number="Q-20261120-0002")
    assert expected in r.text and expected in r.html and "Q-20261120-0002" in r.text
    assert "B-20261125-0003" in r.subject and "<script>" not in r.html


def test_filled_message_is_multipart_alternative(quote: Quote) -> None:
    from email.message import EmailMessage

    msg = render_quote(quote, language="th").fill(EmailMessage())
    assert msg.get_content_type() == "multipart/alternative" and msg["Content-Language"] == "th"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]


def test_catalogs_are_complete_and_compiled() -> None:
    """Every message in render.py and the templates is translated in ko/ja/th, and each .mo matches its .po."""
    root = Path(__file__).resolve().parents[2]
    method_map = [("gateway/quote/render.py", "python"), ("gateway/quote/templates/**.txt", "jinja2"),
                  ("gateway/quote/templates/**.html", "jinja2")]
    used = {msg for _f, _l, msg, _c, _ctx in extract_from_dir(str(root), method_map, keywords={"_": None, "g": None})}
    assert len(used) > 30
    for lang in LANGUAGES:
        folder = locale_dir() / lang / "LC_MESSAGES"
        po = read_po(io.BytesIO((folder / "quote.po").read_bytes()), locale=lang)
        mo = read_mo(io.BytesIO((folder / "quote.mo").read_bytes()))
        assert used <= {m.id for m in po if m.id}, f"{lang}: run pybabel update"
        if lang != "en":
            untranslated = [m.id for m in po if m.id and not m.string]
            assert not untranslated, f"{lang}: untranslated {untranslated}"
        compiled = {m.id: m.string for m in mo if m.id}
        assert compiled == {m.id: m.string for m in po if m.id and m.string}, \
            f"{lang}: quote.mo is stale: pybabel compile -d gateway/locale -D quote"
