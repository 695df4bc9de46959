"""The desk's gettext catalogs: complete in ko/ja/th, compiled .mo files current, messages in the right language."""

from __future__ import annotations

import io

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from gateway.desk import messages
from gateway.desk.messages import Catalogs, Prompt
from gateway.extract.fields import Shipment
from gateway.i18n import LANGUAGES, LOCALE_DIR

KNOWN = Shipment(origin="Busan", destination="Los Angeles", containers="2x40HC", ready_date="2026-12-04")


def _code_msgids() -> set[str]:
    found = extract_from_file("python", messages.__file__, keywords={"N_": None, "_": None})
    return {msg for _line, msg, _comments, _ctx in found if isinstance(msg, str)}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_holds_every_message_and_its_mo_is_current(lang: str) -> None:
    po_path = LOCALE_DIR / lang / "LC_MESSAGES" / "desk.po"
    with po_path.open("rb") as fh:
        po = read_po(fh, locale=lang, domain="desk")
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "desk.mo").open("rb") as fh:
        mo = read_mo(io.BytesIO(fh.read()))
    po_ids = {m.id for m in po if m.id}
    assert _code_msgids() <= po_ids, sorted(_code_msgids() - po_ids)
    for message in po:
        if not message.id:
            continue
        if lang != "en":
            assert message.string, f"{lang}: {message.id!r} is not translated"
            assert set(_placeholders(message.id)) == set(_placeholders(message.string)), message.id
        assert (mo.get(message.id).string if mo.get(message.id) else "") == message.string, \
            f"{lang}: desk.mo is older than desk.po (recompile it)"


def _placeholders(text: str) -> list[str]:
    import re

    return re.findall(r"\{(\w+)\}", text)


@pytest.mark.parametrize(("lang", "expected"), [
    ("ko", "총중량"), ("ja", "総重量"), ("th", "น้ำหนักรวม"), ("en", "Gross weight"), ("de", "Gross weight")])
def test_the_clarification_asks_for_the_missing_field_in_the_customers_language(lang: str, expected: str) -> None:
    text = Catalogs().render(lang, Prompt("ask_missing", "R-000007", KNOWN, missing=("weight_kg",),
                                          chat_link="https://gw.example/chat/t0k"))
    assert expected in text and "R-000007" in text and "https://gw.example/chat/t0k" in text
    assert "Busan" in text and "2x40HC" in text  # what was understood so far


def test_the_confirmation_lists_every_known_value_with_local_formats() -> None:
    full = KNOWN.merged(Shipment(weight_kg=12500.0, mode="sea"))
    ko = Catalogs().render("ko", Prompt("ask_confirm", "R-000001", full), channel="chat")
    assert "12,500 kg" in ko and "해상" in ko and "2026년 12월 4일" in ko and "네" in ko
    ja = Catalogs().render("ja", Prompt("ask_confirm", "R-000001", full))
    assert "2026年12月4日" in ja and "はい" in ja and ja.startswith("お世話になっております")


def test_an_unsupported_place_is_named_in_the_question() -> None:
    text = Catalogs().render("th", Prompt("ask_place", "R-000002", KNOWN, unsupported={"destination": "Atlantis"}))
    assert "Atlantis" in text and "ปลายทาง" in text


def test_subject_keeps_the_customers_subject_and_adds_the_request_number_once() -> None:
    c = Catalogs()
    assert c.subject("ko", "R-000003", "부산→LA 견적") == "Re: 부산→LA 견적 [R-000003]"
    assert c.subject("ko", "R-000003", "Re: RE: 부산→LA 견적 [R-000003]") == "Re: 부산→LA 견적 [R-000003]"
    assert c.subject("ja", "R-000003", None) == "Re: 輸送のお問い合わせ [R-000003]"


def test_the_html_alternative_escapes_the_text_and_links_the_chat() -> None:
    from gateway.desk.messages import as_html

    page = as_html("Hello <Kim> & co,\n\nAnswer here:\nhttps://gw.example/chat/a.b-c\n", "ko")
    assert '<html lang="ko">' in page and "Hello &lt;Kim&gt; &amp; co," in page
    assert '<a href="https://gw.example/chat/a.b-c">https://gw.example/chat/a.b-c</a>' in page
    assert page.count("<p>") == 2 and "<script" not in as_html("<script>alert(1)</script>", "en")
