"""Charset decoding: declared names, aliases, supersets, broken declarations and detection."""

from __future__ import annotations

import pytest

from gateway.mail.charsets import codec_for, decode_bytes

KO = "견적 요청: 부산에서 로스앤젤레스까지 40피트 컨테이너 2개, 똠방각하 펲시콜라"
JA = "見積依頼：東京から大阪まで、パレット3枚。①②③ ㈱山田運輸"
TH = "ขอใบเสนอราคาขนส่งจากกรุงเทพฯ ไปเชียงใหม่ จำนวน 3 พาเลท"


@pytest.mark.parametrize(
    ("name", "codec"),
    [("EUC-KR", "euc_kr"), ("ks_c_5601-1987", "cp949"), ("Shift_JIS", "shift_jis"), ("windows-31j", "cp932"),
     ("ISO-2022-JP", "iso2022_jp"), ("TIS-620", "cp874"), ("windows-874", "cp874"), ("iso-8859-1", "cp1252"),
     ('"utf-8"', "utf-8"), ("x-unknown-thing", None), ("", None), (None, None)],
)
def test_codec_names(name: str | None, codec: str | None) -> None:
    assert codec_for(name) == codec


def test_cp949_only_hangul_declared_euc_kr_falls_back_to_cp949() -> None:
    data = KO.encode("cp949")  # 똠 and 펲 are not in EUC-KR proper
    with pytest.raises(UnicodeDecodeError):
        data.decode("euc_kr")
    out = decode_bytes(data, "euc-kr", what="body")
    assert out.text == KO and out.charset == "cp949"
    assert out.warning == "body: declared charset euc-kr failed, decoded as cp949"


def test_cp932_extensions_declared_shift_jis() -> None:
    out = decode_bytes(JA.encode("cp932"), "shift_jis")
    assert out.text == JA and out.charset == "cp932" and "shift_jis failed" in (out.warning or "")


def test_iso2022jp_with_extensions() -> None:
    text = "ｶﾀｶﾅ半角の見積"  # half-width katakana is outside plain ISO-2022-JP
    data = text.encode("iso2022_jp_ext")
    out = decode_bytes(data, "iso-2022-jp")
    assert out.text == text and out.charset == "iso2022_jp_ext"


@pytest.mark.parametrize("declared", ["tis-620", "iso-8859-11", "windows-874"])
def test_thai_declarations(declared: str) -> None:
    out = decode_bytes(TH.encode("cp874"), declared)
    assert out.text == TH


def test_thai_with_cp874_only_characters_declared_tis620() -> None:
    text = TH + " ราคา 1,000€"  # € exists only in cp874
    out = decode_bytes(text.encode("cp874"), "tis-620")
    assert out.text == text and out.charset == "cp874" and out.warning is None


def test_utf8_declared_as_latin1_is_not_mojibake() -> None:
    out = decode_bytes(KO.encode("utf-8"), "us-ascii")
    assert out.text == KO and "decoded as utf-8" in (out.warning or "")


@pytest.mark.parametrize(("text", "codec"), [(KO * 3, "cp949"), (JA * 3, "cp932"), (TH * 3, "cp874")])
def test_undeclared_bytes_are_detected(text: str, codec: str) -> None:
    out = decode_bytes(text.encode(codec), None)
    assert out.text == text, out


def test_unknown_charset_name_is_reported_and_survived() -> None:
    out = decode_bytes("Grüße".encode(), "x-mac-klingon")
    assert out.text == "Grüße" and "unknown charset 'x-mac-klingon'" in (out.warning or "")


def test_undecodable_bytes_are_replaced_not_raised() -> None:
    out = decode_bytes(b"\xff\xfe\xfd\x80\x81 abc \xc3\x28", "utf-8")
    assert "abc" in out.text and out.warning
