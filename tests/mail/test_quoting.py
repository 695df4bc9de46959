"""New text versus quoted history, for English, Korean, Japanese and Thai mail clients."""

from __future__ import annotations

import pytest

from gateway.mail.quoting import split_quoted

CASES = [
    ("Gmail en", "Please quote 2x40HC.\n\nOn Thu, Mar 5, 2026 at 10:12 AM Kim Minsu <minsu@example.kr>\nwrote:\n"
     "> Can you ship to LA?\n> Thanks", "Please quote 2x40HC.", "> Can you ship to LA?"),
    ("Gmail ko", "네, 진행해 주세요.\n\n2026년 3월 5일 (목) 오전 10:12, 김민수 <minsu@example.kr>님이 작성:\n"
     "> 견적 부탁드립니다.",
     "네, 진행해 주세요.", "님이 작성:"),
    ("Gmail ja", "承知しました。\n\n2026年3月5日(木) 10:12 山田 太郎 <yamada@example.jp>:\n> 見積をお願いします。",
     "承知しました。", "> 見積をお願いします。"),
    ("Gmail th", "ตกลงครับ\n\nเมื่อ พฤ. 5 มี.ค. 2026 เวลา 10:12 สมชาย <somchai@example.co.th> เขียนว่า:\n"
     "> ขอราคา",
     "ตกลงครับ", "> ขอราคา"),
    ("Outlook en", "See below.\n\n-----Original Message-----\nFrom: Kim\nSent: Thursday\nSubject: quote\n\nold",
     "See below.", "-----Original Message-----"),
    ("Outlook block", "OK.\n\n________________________________\nFrom: Kim <k@x.kr>\nSent: Thursday, March 5, 2026\n"
     "To: sales\nSubject: RE: quote\n\nold text", "OK.", "old text"),
    ("Outlook ko", "확인했습니다.\n\n보낸 사람: 김민수 <k@x.kr>\n보낸 날짜: 2026년 3월 5일 목요일 오전 10:12\n"
     "받는 사람: sales\n제목: RE: 견적\n\n이전 내용", "확인했습니다.", "이전 내용"),
    ("Outlook ja", "了解です。\n\n差出人: 山田 <y@x.jp>\n送信日時: 2026年3月5日 10:12\n"
     "宛先: sales\n件名: RE: 見積\n\n以前",
     "了解です。", "以前"),
    ("forward ko", "참고하세요.\n\n---------- 전달된 메일 ----------\n보낸사람: 김민수\n제목: 견적\n\n원문",
     "참고하세요.", "원문"),
    ("forward ja", "ご確認ください。\n\n-------- 転送メッセージ --------\n件名: 見積\n\n元の本文",
     "ご確認ください。", "元の本文"),
    ("forward th", "ดูด้านล่าง\n\n---------- ข้อความที่ส่งต่อ ---------\nจาก: สมชาย\n\nต้นฉบับ", "ดูด้านล่าง",
     "ต้นฉบับ"),
    ("forward en", "FYI\n\n---------- Forwarded message ---------\nFrom: a\n\norig", "FYI", "orig"),
    ("Apple", "Sure.\n\nBegin forwarded message:\n\nFrom: a\nSubject: b\n\norig", "Sure.", "orig"),
]


@pytest.mark.parametrize(("name", "text", "new", "quoted_part"), CASES, ids=[c[0] for c in CASES])
def test_split(name: str, text: str, new: str, quoted_part: str) -> None:
    got_new, got_quoted = split_quoted(text)
    assert got_new == new
    assert quoted_part in got_quoted
    assert new not in got_quoted


def test_inline_answers_stay_new() -> None:
    new, quoted = split_quoted("On Mon, Kim wrote:\n> How many boxes?\n12 boxes.\n> Weight?\n300 kg")
    assert new == "12 boxes.\n300 kg"
    assert quoted.startswith("On Mon, Kim wrote:") and "> Weight?" in quoted


def test_plain_text_without_history_is_all_new() -> None:
    text = "On Monday we need 3 pallets moved.\nFrom: our Busan warehouse\nTo: Seoul"
    assert split_quoted(text) == (text, "")


def test_huge_lines_do_not_backtrack() -> None:
    import time

    start = time.monotonic()
    split_quoted(("From: " + " " * 20000 + "\n") * 50 + "On " + "x " * 50000)
    assert time.monotonic() - start < 1.0


def test_html_quote_marker_cuts_and_never_eats_text() -> None:
    from gateway.mail.html import QUOTE_MARK, html_to_text

    text, _ = html_to_text("<table><tr><td>See below</td><td><blockquote>old offer</blockquote></td></tr></table>",
                           10_000)
    new, quoted = split_quoted(text)
    assert QUOTE_MARK not in new + quoted
    assert "See below" in new + quoted and "old offer" in quoted
    assert split_quoted(f"new text\n{QUOTE_MARK}\nold text") == ("new text", "old text")
