"""The serial wire format: framing, checksum, the board's $BB sentences, and the stream parser's resync."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.sensors.errors import FrameError
from gateway.sensors.nmea import (
    Bad,
    Env,
    Heartbeat,
    Hello,
    checksum,
    decode_board,
    encode_env,
    encode_heartbeat,
    encode_hello,
    frame,
    parse_sentence,
)
from gateway.sensors.stream import MAX_LINE, StreamParser, event_json


def test_checksum_matches_real_receiver_lines() -> None:
    line = "$GPRMC,083723.00,A,5155.55442,N,00434.65873,E,0.211,,210810,,,A*7F"
    assert checksum(line[1:-3]) == 0x7F
    assert frame(line[1:-3]) == line


def test_board_sentences_round_trip() -> None:
    assert decode_board(parse_sentence(encode_hello("1.2.0", "uno-7"))) == Hello("1.2.0", "uno-7")
    assert decode_board(parse_sentence(encode_env(41, 4.5, 61.0))) == Env(41, 4.5, 61.0, "OK")
    assert decode_board(parse_sentence(encode_env(42, None, None, "TIMEOUT"))) == Env(42, None, None, "TIMEOUT")
    assert decode_board(parse_sentence(encode_heartbeat(3600))) == Heartbeat(3600)
    assert encode_env(1, -3.25, 40) == frame("BBENV,1,-3.2,40.0,OK")


def test_lowercase_checksum_hex_is_accepted() -> None:
    line = encode_heartbeat(5)
    assert parse_sentence(line[:-2] + line[-2:].lower()).fields == ("5",)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("$BBHB,12*00", "bad_checksum"),
        ("$BBHB,12", "truncated"),
        ("$BBHB,12*4", "truncated"),
        ("BBHB,12*4B", "noise"),
        ("$" + "A" * 130 + "*00", "too_long"),
        ("$bbhb,12*4B", "malformed"),
        ("$BBHB,1\x072*4B", "malformed"),
    ],
)
def test_framing_errors_say_why(line: str, reason: str) -> None:
    with pytest.raises(FrameError) as err:
        parse_sentence(line)
    assert err.value.reason == reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("BBENV,1,20.0,50.0", "malformed"),
        ("BBENV,1,20.0,50.0,MAYBE", "malformed"),
        ("BBENV,x,20.0,50.0,OK", "malformed"),
        ("BBENV,1,,50.0,OK", "malformed"),
        ("BBENV,1,hot,50.0,OK", "malformed"),
        ("BBENV,1,200.0,50.0,OK", "out_of_range"),
        ("BBENV,1,20.0,101,OK", "out_of_range"),
        ("BBENV,1,nan,50,OK", "out_of_range"),
        ("BBHELLO,1.0", "malformed"),
        ("BBHELLO,1.0,bad id", "malformed"),
        ("BBHB,-5", "malformed"),
        ("BBREBOOT,now", "unknown"),
    ],
)
def test_board_sentence_errors(body: str, reason: str) -> None:
    with pytest.raises(FrameError) as err:
        decode_board(parse_sentence(frame(body)))
    assert err.value.reason == reason


def test_stream_counts_every_kind_of_damage_and_keeps_going() -> None:
    parser = StreamParser()
    good = encode_env(7, 21.5, 40.0)
    data = b"".join(
        [
            b"\xb5b\x01\x07\x5c\x00\x88\x13" + good.encode() + b"\r\n",  # UBX bytes glued in front of a sentence
            b"$BBENV,8,21.6,4",  # cut by an unplug, then the next line arrives
            encode_env(9, 21.7, 40.0).encode() + b"\r\n",
            good[:-2].encode() + b"00\r\n",  # bad checksum
            b"\x00\x00\r\n",  # line noise on reset: ignored, not even a line
            b"\xff\xfe garbage\r\n",
            encode_heartbeat(12).encode() + b"\r\n",
        ]
    )
    events = parser.feed(data)
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["Bad", "Env", "Bad", "Env", "Bad", "Bad", "Heartbeat"]
    assert [e.reason for e in events if isinstance(e, Bad)] == ["noise", "truncated", "bad_checksum", "noise"]
    assert events[1] == Env(7, 21.5, 40.0, "OK") and events[3] == Env(9, 21.7, 40.0, "OK")
    assert parser.stats.bad_total == 4 and parser.stats.events["env"] == 2


def test_overlong_line_is_dropped_once_and_parsing_resumes() -> None:
    parser = StreamParser()
    events = parser.feed(b"$" + b"A" * (MAX_LINE + 10))
    assert [e.reason for e in events if isinstance(e, Bad)] == ["too_long"]
    events = parser.feed(b"still the same line\n" + encode_heartbeat(1).encode() + b"\n")
    assert events == [Heartbeat(1)]


def test_partial_line_at_end_of_input_is_truncated() -> None:
    parser = StreamParser()
    assert parser.feed(b"$BBHB,1") == []
    assert [event_json(e) for e in parser.flush()] == [{"kind": "bad", "line": "$BBHB,1", "reason": "truncated"}]


@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_and_are_accounted(data: bytes) -> None:
    parser = StreamParser()
    events = parser.feed(data) + parser.flush()
    assert all(isinstance(e, Bad | Env | Heartbeat | Hello) or type(e).__name__ == "Fix" for e in events)
    assert parser.stats.bad_total == sum(isinstance(e, Bad) for e in events)


@given(st.integers(0, 2**31), st.floats(-40, 85), st.floats(0, 100))
def test_any_valid_reading_survives_the_wire(seq: int, temp: float, hum: float) -> None:
    parser = StreamParser()
    (event,) = parser.feed(encode_env(seq, temp, hum).encode() + b"\r\n")
    assert isinstance(event, Env) and event.seq == seq
    assert event.temp_c == pytest.approx(temp, abs=0.051) and event.humidity == pytest.approx(hum, abs=0.051)
