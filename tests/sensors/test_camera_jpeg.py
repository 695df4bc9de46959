"""JPEG frame validation: real Pillow frames pass with their dimensions; truncated, garbage and oversized fail."""

from __future__ import annotations

import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from gateway.cameras.errors import FrameRejected
from gateway.cameras.jpeg import validate_jpeg
from tests.sensors.camera_fixtures import jpeg_of_size, make_jpeg

LIMIT = 60_000


@pytest.mark.parametrize(("width", "height"), [(160, 120), (320, 240), (640, 480), (800, 600), (1, 1)])
def test_real_frames_pass_with_their_dimensions(width: int, height: int) -> None:
    frame = make_jpeg(width, height)
    info = validate_jpeg(frame, LIMIT)
    assert (info.width, info.height, info.size, info.components) == (width, height, len(frame), 3)
    assert not info.progressive


def test_progressive_and_greyscale_frames_pass() -> None:
    out = io.BytesIO()
    Image.new("L", (64, 48), 128).save(out, "JPEG", progressive=True)
    info = validate_jpeg(out.getvalue(), LIMIT)
    assert (info.width, info.height, info.components, info.progressive) == (64, 48, 1, True)


def test_size_limit_is_exact() -> None:
    assert validate_jpeg(jpeg_of_size(LIMIT), LIMIT).size == LIMIT
    with pytest.raises(FrameRejected) as exc:
        validate_jpeg(jpeg_of_size(LIMIT + 1), LIMIT)
    assert exc.value.reason == "too_large"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "empty"),
        (b"hello camera", "not_jpeg"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "not_jpeg"),
        (b"\xff\xd8\xff\xd9", "no_dimensions"),
        (b"\xff\xd8" + b"\x00" * 50 + b"\xff\xd9", "bad_segment"),
        (b"\xff\xd8\xff\xe0\xff\xff" + b"\x00" * 10 + b"\xff\xd9", "bad_segment"),
    ],
)
def test_garbage_is_rejected_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(FrameRejected) as exc:
        validate_jpeg(payload, LIMIT)
    assert exc.value.reason == reason


def test_truncated_frame_is_rejected() -> None:
    frame = make_jpeg(320, 240, noise=True, quality=30)
    for cut in (len(frame) // 2, len(frame) - 1, 200):
        with pytest.raises(FrameRejected) as exc:
            validate_jpeg(frame[:cut], LIMIT)
        assert exc.value.reason == "truncated"


def test_zero_padding_after_eoi_is_tolerated_but_junk_is_not() -> None:
    frame = make_jpeg()
    assert validate_jpeg(frame + b"\x00" * 16, LIMIT).width == 320
    with pytest.raises(FrameRejected):
        validate_jpeg(frame + b"junk", LIMIT)


def test_zero_and_absurd_dimensions_are_rejected() -> None:
    frame = bytearray(make_jpeg(32, 16))
    sof = frame.index(b"\xff\xc0")
    for w, h in ((0, 16), (32, 0), (20000, 16)):
        frame[sof + 5:sof + 9] = h.to_bytes(2, "big") + w.to_bytes(2, "big")
        with pytest.raises(FrameRejected) as exc:
            validate_jpeg(bytes(frame), LIMIT)
        assert exc.value.reason == "bad_dimensions"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_hostile_bytes_only_ever_raise_frame_rejected(noise: bytes) -> None:
    for payload in (noise, b"\xff\xd8" + noise, b"\xff\xd8" + noise + b"\xff\xd9"):
        try:
            info = validate_jpeg(payload, LIMIT)
        except FrameRejected:
            continue
        assert info.width > 0 and info.height > 0


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=5000), st.binary(min_size=1, max_size=8))
def test_corrupting_a_real_frame_never_crashes(offset: int, junk: bytes) -> None:
    frame = bytearray(make_jpeg(64, 48))
    pos = offset % len(frame)
    frame[pos:pos + len(junk)] = junk
    with contextlib.suppress(FrameRejected):
        validate_jpeg(bytes(frame), LIMIT)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=4000), st.binary(min_size=1, max_size=6))
def test_accepted_frames_have_the_dimensions_pillow_reads(offset: int, junk: bytes) -> None:
    frame = bytearray(make_jpeg(96, 64))
    pos = offset % len(frame)
    frame[pos:pos + len(junk)] = junk
    try:
        info = validate_jpeg(bytes(frame), LIMIT)
    except FrameRejected:
        return
    try:
        size = Image.open(io.BytesIO(bytes(frame))).size
    except (OSError, SyntaxError, ValueError):
        return  # Pillow is stricter about some header segments: a frame we pass may still fail to decode
    assert size == (info.width, info.height)
