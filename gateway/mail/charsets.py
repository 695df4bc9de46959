"""Decoding bytes from mail: declared charsets with aliases, supersets and detection as the last resort."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from charset_normalizer import from_bytes

# Names mail clients declare that Python does not know, or knows as something narrower than what is
# really sent (Outlook's ks_c_5601-1987 is cp949; WHATWG reads latin-1 as windows-1252; Python's
# tis-620 turns cp874's € and quotes into C1 controls instead of failing, so Thai goes straight to cp874).
_ALIASES = {
    "ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "ks_c_5601-1989": "cp949", "x-windows-949": "cp949",
    "windows-949": "cp949", "x-sjis": "cp932", "windows-31j": "cp932", "x-ms-cp932": "cp932",
    "windows-874": "cp874", "x-windows-874": "cp874", "tis-620": "cp874", "tis620": "cp874",
    "iso-8859-11": "cp874", "iso8859-11": "cp874", "iso_8859-11": "cp874", "iso-8859-1": "cp1252", "latin1": "cp1252",
    "latin-1": "cp1252", "iso8859-1": "cp1252", "x-user-defined": "cp1252", "x-gbk": "gb18030",
    "ansi_x3.4-1968": "ascii", "us-ascii": "ascii", "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
}

# When the declared codec fails, the wider codec senders really used (by Python codec name).
_SUPERSETS = {
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "euc_jp": "euc_jis_2004",
    "iso2022_jp": "iso2022_jp_ext",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "ascii": "utf-8",
}

_DETECT_BYTES = 64 * 1024
# Detectors pick these for short Western text that is really windows-1252; our senders write
# Korean, Japanese, Thai or English, so prefer cp1252 whenever it decodes.
_WESTERN_GUESSES = frozenset({"cp1250", "cp775", "cp850", "cp852", "cp437", "iso8859-2", "iso8859-15", "iso8859-1",
                              "mac-roman", "mac-latin2", "cp1257", "iso8859-13", "iso8859-4"})


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, the codec that did it, and a warning when it was not the declared one."""

    text: str
    charset: str
    warning: str | None = None


def codec_for(declared: str | None) -> str | None:
    """The Python codec for a declared charset name, or None when it is unknown or empty."""
    if not declared:
        return None
    name = declared.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return None


def detect(data: bytes) -> str | None:
    """Best-guess codec for undeclared bytes (charset-normalizer on a bounded prefix), or None."""
    try:
        best = from_bytes(data[:_DETECT_BYTES]).best()
    except Exception:  # the detector must never take the parser down
        return None
    if best is None:
        return None
    codec = codec_for(best.encoding)
    if codec in _WESTERN_GUESSES and _try(data, "cp1252") is not None:
        return "cp1252"
    return codec


def _try(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_bytes(data: bytes, declared: str | None = None, *, what: str = "text") -> Decoded:
    """Decode `data`: declared codec, then its superset, UTF-8, detection, and finally replacement."""
    codec = codec_for(declared)
    label = (declared or "").strip().strip("\"'").lower()
    if codec is not None:
        text = _try(data, codec)
        if text is not None:
            return Decoded(text, codec)
        wider = _SUPERSETS.get(codec)
        if wider is not None:
            text = _try(data, wider)
            if text is not None:
                return Decoded(text, wider, f"{what}: declared charset {label} failed, decoded as {wider}")
    problem = f"declared charset {label} failed" if codec else (
        f"unknown charset {label!r}" if label else "no charset declared"
    )
    if codec is None and not label and data.isascii():
        return Decoded(data.decode("ascii"), "ascii")
    text = _try(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", None if not label and codec is None else f"{what}: {problem}, decoded as utf-8")
    guess = detect(data)
    if guess is not None:
        text = _try(data, guess)
        if text is not None:
            return Decoded(text, guess, f"{what}: {problem}, detected {guess}")
    fallback = codec or guess or "utf-8"
    return Decoded(data.decode(fallback, errors="replace"), fallback,
                   f"{what}: {problem}, undecodable bytes replaced ({fallback})")
