"""parse_message on real encodings: headers, bodies, HTML, reply structure, language, attachments."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.mail.parse import parse_message
from tests.mail.builders import LIMITS, html_only, message, raw_text_part, xlsx_of

KO = "안녕하세요. 부산에서 LA까지 40피트 컨테이너 2개 견적 부탁드립니다. 똠방각하"
JA = "お世話になっております。東京から大阪まで、パレット3枚の見積をお願いします。"
TH = "สวัสดีครับ ขอใบเสนอราคาขนส่งจากกรุงเทพฯ ไปเชียงใหม่ 3 พาเลทครับ"


@pytest.mark.parametrize(
    ("text", "charset", "cte", "lang"),
    [
        (KO, "cp949", "base64", "ko"),
        (KO, "utf-8", "quoted-printable", "ko"),
        (JA, "iso-2022-jp", "7bit", "ja"),
        (JA, "shift_jis", "base64", "ja"),
        (JA, "utf-8", "8bit", "ja"),
        (TH, "cp874", "quoted-printable", "th"),
        (TH, "utf-8", "base64", "th"),
        ("Dear team, please send us a quote for 3 pallets from Bangkok to Chiang Mai.", "us-ascii", "7bit", "en"),
    ],
)
def test_bodies_in_real_encodings(text: str, charset: str, cte: str, lang: str) -> None:
    parsed = parse_message(message(text, charset=charset, cte=cte), LIMITS)
    assert parsed.body_new == text
    assert parsed.language == lang
    assert parsed.error is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Please quote 2x40HC Busan to LA.\n\nBest regards,\n김민수 | 부산물류", "en"),
        ("東京から大阪まで見積", "ja"),  # kana decides, even among kanji
        ("東京大阪運輸見積", "other"),  # kanji alone could be Chinese
        ("Bitte senden Sie uns ein Angebot für drei Paletten.", "other"),
        ("부산→LA 40HC x2, ETD 3/15, incoterms FOB", "ko"),
        ("", "other"),
    ],
)
def test_language_by_script(text: str, lang: str) -> None:
    from gateway.mail.language import detect_language

    assert detect_language(text) == lang


def test_euc_kr_declared_but_cp949_bytes_is_a_warning_not_a_failure() -> None:
    raw = raw_text_part(KO.encode("cp949"), "euc-kr")
    parsed = parse_message(raw, LIMITS)
    assert parsed.body_new == KO
    assert "part 1: declared charset euc-kr failed, decoded as cp949" in parsed.warnings


def test_encoded_word_headers_in_asian_charsets() -> None:
    msg = EmailMessage()
    msg["Subject"] = "=?EUC-KR?B?" + __import__("base64").b64encode("견적 요청".encode("euc-kr")).decode() + "?="
    msg["From"] = "=?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>"
    msg["To"] = "sales@busybee.test, =?UTF-8?B?7JiB7JeF?= <Team@Example.KR>"
    msg["Reply-To"] = "Orders <ORDERS@example.jp>"
    msg["Message-ID"] = "<m2@example.jp>"
    msg["In-Reply-To"] = "<m1@busybee.test>"
    msg["References"] = "<m0@busybee.test> <m1@busybee.test>"
    msg["Date"] = "Thu, 05 Mar 2026 10:12:00 +0900"
    msg.set_content("x")
    parsed = parse_message(bytes(msg), LIMITS)
    assert parsed.subject == "견적 요청"
    assert (parsed.from_name, parsed.from_addr) == ("山田", "yamada@example.jp")
    assert parsed.to_addrs == ("sales@busybee.test", "team@example.kr")
    assert parsed.reply_to == "orders@example.jp"
    assert (parsed.message_id, parsed.in_reply_to) == ("m2@example.jp", "m1@busybee.test")
    assert parsed.references == ("m0@busybee.test", "m1@busybee.test")
    assert parsed.date == "2026-03-05T10:12:00+09:00"


def test_raw_8bit_korean_header_is_decoded_with_a_warning() -> None:
    raw = raw_text_part(b"body", "us-ascii", subject="견적 요청 드립니다 부산 출발".encode("cp949"))
    parsed = parse_message(raw, LIMITS)
    assert parsed.subject == "견적 요청 드립니다 부산 출발"
    assert any(w.startswith("Subject header") for w in parsed.warnings)


def test_html_only_body_becomes_clean_text_and_safe_markup() -> None:
    html = ("<html><head><style>p{color:red}</style><script>steal()</script></head><body>"
            "<p onclick='x()'>見積を<b>お願い</b>します。</p><table><tr><td>東京</td><td>大阪</td></tr></table>"
            "<img src='http://tracker.example/p.gif'><a href='javascript:alert(1)'>click</a></body></html>")
    parsed = parse_message(html_only(html), LIMITS)
    assert "見積をお願いします。" in parsed.body_new and "東京" in parsed.body_new
    assert "steal" not in parsed.body_new and "color" not in parsed.body_new
    safe = parsed.body_html_safe or ""
    assert "お願い" in safe
    for bad in ("<script", "onclick", "javascript:", "<img", "tracker.example", "<style"):
        assert bad not in safe
    assert parsed.language == "ja"


def test_html_reply_keeps_gmail_quote_apart() -> None:
    html = ('<div dir="ltr">네, 진행해 주세요.</div><br><div class="gmail_quote"><div class="gmail_attr">'
            '2026년 3월 5일 (목) 오전 10:12, 김민수 님이 작성:<br></div><blockquote class="gmail_quote">'
            '견적 부탁드립니다.</blockquote></div>')
    parsed = parse_message(html_only(html), LIMITS)
    assert parsed.body_new == "네, 진행해 주세요."
    assert "견적 부탁드립니다." in parsed.body_quoted


def test_alternative_prefers_plain_text_but_keeps_sanitised_html() -> None:
    raw = message("plain version", html="<p>html <b>version</b></p>")
    parsed = parse_message(raw, LIMITS)
    assert parsed.body_new == "plain version"
    assert parsed.body_html_safe is not None and "<b>version</b>" in parsed.body_html_safe


def test_reply_structure_kept() -> None:
    body = ("네, 진행해 주세요.\n\n2026년 3월 5일 (목) 오전 10:12, 김민수 <minsu@example.kr>님이 작성:\n"
            "> 견적 부탁드립니다.")
    parsed = parse_message(message(body), LIMITS)
    assert parsed.body_new == "네, 진행해 주세요."
    assert parsed.body_quoted.endswith("> 견적 부탁드립니다.")


def test_forwarded_message_attachment_goes_to_history() -> None:
    inner = EmailMessage()
    inner["From"] = "customer@example.co.th"
    inner["Subject"] = "ขอราคา"
    inner.set_content(TH)
    outer = EmailMessage()
    outer["From"] = "colleague@busybee.test"
    outer["Subject"] = "Fwd: ขอราคา"
    outer.set_content("Please handle this one.")
    outer.add_attachment(inner)
    parsed = parse_message(bytes(outer), LIMITS)
    assert parsed.body_new == "Please handle this one."
    assert TH in parsed.body_quoted and "From: customer@example.co.th" in parsed.body_quoted


def test_attachments_are_recorded_with_sniffed_types_and_text() -> None:
    sheet = xlsx_of([["출발", "도착", "수량"], ["부산", "LA", 2]])
    csv = "품목,수량\n파렛트,3\n박스,12\n".encode("cp949")
    raw = message(KO, attachments=[("견적.xlsx", sheet, "application/octet-stream"),
                                   ("list.csv", csv, "text/csv"),
                                   ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "image/jpeg")])
    parsed = parse_message(raw, LIMITS)
    by_name = {a.filename: a for a in parsed.attachments}
    xlsx = by_name["견적.xlsx"]
    assert xlsx.sniffed_type.endswith("spreadsheetml.sheet") and xlsx.declared_type == "application/octet-stream"
    assert "부산\tLA\t2" in (xlsx.text or "")
    assert by_name["list.csv"].sniffed_type == "text/csv" and "파렛트,3" in (by_name["list.csv"].text or "")
    assert by_name["photo.jpg"].sniffed_type == "image/jpeg" and by_name["photo.jpg"].text is None
    assert parsed.error is None and all(len(a.sha256 or "") == 64 for a in parsed.attachments)


def test_long_body_is_truncated_to_the_limit() -> None:
    limits = LIMITS.model_copy(update={"max_text_chars": 1000})
    parsed = parse_message(message("가" * 5000), limits)
    assert len(parsed.body_new) == 1000
    assert "body longer than 1,000 characters: truncated" in parsed.warnings


def test_empty_and_headerless_input() -> None:
    for raw in (b"", b"\r\n\r\n", b"just some text without headers"):
        parsed = parse_message(raw, LIMITS)
        assert parsed.subject is None and parsed.error is None


# --- properties -------------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from gateway.mail.parse import ParsedEmail  # noqa: E402

_PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_HEADER_NAMES = ["From", "To", "Subject", "Date", "Message-ID", "Content-Type", "Content-Transfer-Encoding",
                 "Content-Disposition", "MIME-Version", "References", "Reply-To"]


def _check_invariants(parsed: ParsedEmail) -> None:
    assert isinstance(parsed, ParsedEmail)
    assert len(parsed.body_new) <= LIMITS.max_text_chars and len(parsed.body_quoted) <= LIMITS.max_text_chars
    assert parsed.language in ("ko", "ja", "th", "en", "other")
    assert parsed.error is None or (isinstance(parsed.error, str) and parsed.error)
    assert all(isinstance(w, str) and w for w in parsed.warnings)
    for a in parsed.attachments:
        assert a.size >= 0 and a.depth >= 0 and a.path


@_PROPERTY
@given(st.binary(max_size=4000))
def test_any_bytes_parse_without_raising(raw: bytes) -> None:
    _check_invariants(parse_message(raw, LIMITS))


@_PROPERTY
@given(
    st.lists(st.tuples(st.sampled_from(_HEADER_NAMES), st.binary(max_size=120)), max_size=12),
    st.binary(max_size=3000),
)
def test_mail_shaped_garbage_parses_without_raising(headers: list[tuple[str, bytes]], body: bytes) -> None:
    raw = b"".join(name.encode() + b": " + value.replace(b"\n", b" ") + b"\r\n" for name, value in headers)
    _check_invariants(parse_message(raw + b"\r\n" + body, LIMITS))


_ALPHABET = st.one_of(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
    st.characters(min_codepoint=0x3041, max_codepoint=0x30FA),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
    st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B),
)
_LINE = st.text(alphabet=_ALPHABET, max_size=80)


def _lines(text: str) -> list[str]:
    return sorted(ln.strip() for ln in text.splitlines() if ln.strip())


@_PROPERTY
@given(
    st.lists(_LINE, min_size=1, max_size=15),
    st.sampled_from(["utf-8", "cp949", "euc-kr", "shift_jis", "iso-2022-jp", "cp874"]),
    st.sampled_from([None, "base64", "quoted-printable"]),
    st.lists(st.tuples(st.text(alphabet=_ALPHABET, min_size=1, max_size=20), st.binary(max_size=500)), max_size=3),
)
def test_structured_mime_keeps_every_line_and_attachment(
    lines: list[str], charset: str, cte: str | None, files: list[tuple[str, bytes]]
) -> None:
    text = "\n".join(lines)
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        charset = "utf-8"
    raw = message(text, charset=charset, cte=cte, attachments=[(n, d, "application/octet-stream") for n, d in files])
    parsed = parse_message(raw, LIMITS)
    _check_invariants(parsed)
    assert _lines(parsed.body_new + "\n" + parsed.body_quoted) == _lines(text)
    top = [a for a in parsed.attachments if a.depth == 0]
    assert [a.size for a in top] == [len(d) for _, d in files]
