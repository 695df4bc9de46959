"""JPEG frame validation, pure: SOI/EOI markers, a walk over the header segments to the SOF dimensions, limits.

Only the headers are parsed (no decoding): an ESP32-CAM frame of 30 KB is checked in microseconds, so every
frame can be checked on the MQTT thread. Anything malformed raises FrameRejected with a short reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.cameras.errors import FrameRejected

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
# start-of-frame markers (C4 = DHT, C8 = JPG extension and CC = DAC are not frames)
SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
PROGRESSIVE = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
MAX_DIMENSION = 4096  # the OV2640's UXGA is 1600x1200; anything above 4096 is not from our cameras
MAX_TRAILING = 64  # some encoders pad after EOI with zero bytes; more than this is not a clean frame


@dataclass(frozen=True)
class JpegInfo:
    """What the headers of a valid frame say."""

    width: int
    height: int
    size: int
    components: int
    progressive: bool


def validate_jpeg(data: bytes, max_bytes: int) -> JpegInfo:
    """Check that `data` is one complete baseline/progressive JPEG within `max_bytes`; FrameRejected otherwise."""
    size = len(data)
    if size == 0:
        raise FrameRejected("empty", "empty payload")
    if size > max_bytes:
        raise FrameRejected("too_large", f"frame of {size} bytes is over the {max_bytes}-byte limit")
    if not data.startswith(SOI):
        raise FrameRejected("not_jpeg", "no JPEG start-of-image marker")
    end = data.rstrip(b"\x00")
    if size - len(end) > MAX_TRAILING or not end.endswith(EOI):
        raise FrameRejected("truncated", "no JPEG end-of-image marker at the end (truncated frame?)")
    width, height, components, marker = _frame_header(data)
    if width == 0 or height == 0:
        raise FrameRejected("bad_dimensions", f"frame says {width}x{height}")
    if width > MAX_DIMENSION or height > MAX_DIMENSION:
        raise FrameRejected("bad_dimensions", f"frame of {width}x{height} is over {MAX_DIMENSION} pixels")
    if components not in (1, 3):
        raise FrameRejected("bad_segment", f"{components} colour components")
    return JpegInfo(width, height, size, components, marker in PROGRESSIVE)


def _frame_header(data: bytes) -> tuple[int, int, int, int]:
    """(width, height, components, SOF marker) from the first start-of-frame segment."""
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            raise FrameRejected("bad_segment", f"expected a marker at byte {i}")
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            break
        marker = data[i]
        i += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # standalone markers carry no length
            continue
        if marker in (0xD8, 0xD9, 0xDA, 0x00):
            raise FrameRejected("no_dimensions", f"marker 0xFF{marker:02X} before any start-of-frame")
        if i + 2 > n:
            break
        length = (data[i] << 8) | data[i + 1]
        if length < 2 or i + length > n:
            raise FrameRejected("bad_segment", f"segment 0xFF{marker:02X} of length {length} runs past the end")
        if marker in SOF_MARKERS:
            if length < 8:
                raise FrameRejected("bad_segment", "start-of-frame segment too short")
            height = (data[i + 3] << 8) | data[i + 4]
            width = (data[i + 5] << 8) | data[i + 6]
            return width, height, data[i + 7], marker
        i += length
    raise FrameRejected("no_dimensions", "no start-of-frame segment")
