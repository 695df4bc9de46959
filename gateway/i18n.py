"""The languages we answer customers in and their gettext catalogs (one loader for every domain)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LANGUAGES = ("ko", "en", "ja", "th")
BABEL_LOCALES = {"ko": "ko_KR", "en": "en_US", "ja": "ja_JP", "th": "th_TH"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def locale_dir() -> Path:
    """gateway/locale, where every domain's catalogs live."""
    return LOCALE_DIR


def language_of(code: str | None) -> str:
    """One of ko/en/ja/th for a detected language code; anything else is English."""
    return code if code in LANGUAGES else "en"


@cache
def translations(domain: str, language: str) -> NullTranslations:
    """The compiled catalog of `domain` for a language, read once (English falls back to the msgids)."""
    lang = language_of(language)
    return Translations.load(str(LOCALE_DIR), [BABEL_LOCALES[lang], lang], domain)
