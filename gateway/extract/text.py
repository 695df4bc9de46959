"""Text normalisation shared by the extraction rules: full-width forms, Thai digits, spaces (pure)."""

from __future__ import annotations

import re
import unicodedata

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def nfkc(text: str) -> str:
    """NFKC, but Thai SARA AM stays one character (NFKC splits ำ into ํ + า, which no Thai word is written with)."""
    return unicodedata.normalize("NFKC", text).replace("\u0e4d\u0e32", "\u0e33")


def normalize(text: str) -> str:
    """NFKC (full-width digits and letters, ㎏, ㎥), Thai digits to ASCII, one space for runs of spaces."""
    text = nfkc(text).translate(_THAI_DIGITS)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("’", "'").replace("′", "'")
    return _SPACES.sub(" ", text)


def parse_number(raw: str, *, thousands_dot: bool = False) -> float | None:
    """A number as mail writes it: 21,400 / 21.400 (thousands_dot) / 1.8 / 2,5 (decimal comma)."""
    s = raw.strip().replace(" ", "")
    if not s:
        return None
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+", s) and thousands_dot:
        s = s.replace(".", "")
    elif re.fullmatch(r"\d{1,3}(\.\d{3})+,\d+", s):
        s = s.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d{1,2}", s):
        s = s.replace(",", ".")
    try:
        return float(s)
    except ValueError:
        return None
