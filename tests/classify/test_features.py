"""The model input: quoted mail is cut at every client's reply/forward marker; attachments count; bounded."""

from __future__ import annotations

import pytest

from gateway.classify.features import MAX_TEXT_CHARS, email_text, split_quoted

QUOTE_REQUEST = "Please quote 2x40HC Busan to Los Angeles, FOB, ready next Friday."


@pytest.mark.parametrize("marker", [
    "On Mon, 2 Mar 2026 at 09:12, Kim Minsu <minsu@example.co.kr> wrote:",
    "-----Original Message-----\nFrom: Kim Minsu <minsu@example.co.kr>\nSent: Monday, March 2, 2026 9:12 AM",
    "2026년 3월 5일 (목) 오전 10:12, 김민수 <minsu@example.co.kr>님이 작성:",
    "2026年3月5日(木) 10:12 佐藤 <sato@example.co.jp>:",
    "เมื่อ วันจันทร์ที่ 16 ก.พ. 2569 15:40 Somchai <somchai@example.co.th> เขียนว่า:",
    "---------- Forwarded message ---------\nFrom: A <a@example.com>",
    "---------- 転送メッセージ ----------",
    "보낸 사람: 김민수 <minsu@example.co.kr>\n보낸 날짜: 2026년 3월 5일",
])
def test_reply_and_forward_markers_cut_the_quoted_text(marker: str) -> None:
    body = f"I am out of the office until Monday.\n\n{marker}\n{QUOTE_REQUEST}"
    new, quoted = split_quoted(body)
    assert new == "I am out of the office until Monday."
    assert QUOTE_REQUEST in quoted


def test_angle_bracket_quotes_are_cut() -> None:
    new, quoted = split_quoted(f"Thanks, we'll get back to you.\n\n> {QUOTE_REQUEST}\n> regards")
    assert new == "Thanks, we'll get back to you."
    assert quoted.startswith(">")


def test_a_from_line_inside_the_new_text_is_not_a_reply_header() -> None:
    body = "Shipment details\nFrom: Cat Lai port, HCMC\nTo: Busan\nPlease quote 1x20GP"
    assert split_quoted(body) == (body, "")


def test_email_text_keeps_new_text_subject_and_attachments_not_the_quote() -> None:
    text = email_text("Out of office", "I am away until Monday with limited access to email.\n\n"
                      f"-----Original Message-----\nFrom: x <x@example.com>\nSent: today\n{QUOTE_REQUEST}",
                      [("order_form.xlsx", "PO 4471 qty 300 cartons")])
    assert text.startswith("Out of office\nI am away until Monday")
    assert "Busan" not in text
    assert "[order_form.xlsx] PO 4471 qty 300 cartons" in text


def test_a_bare_forward_uses_the_forwarded_text() -> None:
    text = email_text("FW: rate request", "FYI\n\n---------- Forwarded message ---------\nFrom: a <a@b.c>\n"
                      + QUOTE_REQUEST)
    assert QUOTE_REQUEST in text


def test_parser_split_quoted_text_counts_when_new_text_is_empty() -> None:
    assert QUOTE_REQUEST in email_text("Fwd: rates", "", body_quoted=QUOTE_REQUEST)
    assert QUOTE_REQUEST not in email_text("Re: rates", "We accept your offer of USD 1,200, please book it for us.",
                                           body_quoted=QUOTE_REQUEST)


def test_thai_digits_and_spaces_are_normalised_and_length_is_bounded() -> None:
    assert email_text("๑๒๓", "a  \t b") == "123\na b"
    long = email_text("s" * 5000, "b" * 50_000, [("f", "t" * 50_000)] * 20)
    assert len(long) <= MAX_TEXT_CHARS


def test_blank_layout_lines_of_html_mail_do_not_fill_the_body_budget() -> None:
    body = "ZDNet Announcements\n" + " \n \n\t\n" * 600 + "Dear member: 40% off your subscription this week."
    text = email_text("Newsletter", body)
    assert "40% off your subscription" in text
    assert "\n\n\n" not in text and " \n" not in text
