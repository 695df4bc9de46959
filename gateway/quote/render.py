"""Quote and booking-confirmation emails as text + HTML in ko/en/ja/th (Jinja2, gettext domain `quote`, Babel).

Catalogs: gateway/locale/<lang>/LC_MESSAGES/quote.po, compiled to quote.mo beside it (both committed;
`pybabel compile -d gateway/locale -D quote` after editing a .po, tests/quote/test_render.py checks they agree).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gateway import i18n
from gateway.extract.fields import Shipment
from gateway.i18n import BABEL_LOCALES as _LOCALES
from gateway.i18n import language_of
from gateway.quote.pricing import LineItem, Quote

DOMAIN = "quote"


def _(message: str) -> str:
    """Marks a message for extraction; translated at render time with the customer's catalog."""
    return message


_LINE_TEXT = {
    "freight_fcl": _("Ocean freight FCL %(type)s"),
    "freight_lcl": _("Ocean freight LCL"),
    "freight_air": _("Air freight"),
    "freight_road": _("Road freight"),
    "freight_rail": _("Rail freight"),
    "minimum": _("Minimum charge adjustment"),
    "fuel": _("Fuel surcharge"),
    "hazardous": _("Dangerous goods surcharge"),
}
_UNITS = {"container": _("container(s)"), "lot": _("lot"), "W/M": "W/M", "kg": "kg", "km·t": "km·t", "%": "%"}
_MODES = {"sea": _("Sea freight"), "air": _("Air freight"), "road": _("Road freight"), "rail": _("Rail freight")}


@dataclass(frozen=True)
class Rendered:
    """One email's subject and bodies."""

    subject: str
    text: str
    html: str
    language: str

    def fill(self, message: EmailMessage) -> EmailMessage:
        """Put subject, text and HTML alternative into a reply skeleton."""
        if message["Subject"] is None:
            message["Subject"] = self.subject
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        message["Content-Language"] = self.language  # after set_content, which moves Content-* headers
        return message


def translations(language: str) -> NullTranslations:
    """The compiled `quote` catalog for a language (English falls back to the msgids)."""
    return i18n.translations(DOMAIN, language)


@cache
def _environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=select_autoescape(["html"], default_for_string=False),
        undefined=StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


class _Formats:
    """Babel number, money and date formatting for one language."""

    def __init__(self, language: str, currency: str) -> None:
        self.language = language_of(language)
        self.locale = _LOCALES[self.language]
        self.currency = currency
        self.gettext = translations(self.language).gettext

    def money(self, amount: Decimal) -> str:
        return format_currency(amount, self.currency, locale=self.locale)

    def number(self, value: Decimal | float | int) -> str:
        return format_decimal(value, locale=self.locale, decimal_quantization=False)

    def day(self, value: date | str | None) -> str:
        if value is None:
            return ""
        value = date.fromisoformat(value) if isinstance(value, str) else value
        if self.language == "th":  # Thai correspondence writes Buddhist-era years (2026 = 2569)
            return f"{format_date(value, 'd MMMM', locale=self.locale)} พ.ศ. {value.year + 543}"
        return format_date(value, "long", locale=self.locale)

    def line(self, item: LineItem) -> dict[str, str]:
        text = self.gettext(_LINE_TEXT.get(item.code, item.description))
        if "%(type)s" in text:
            text = text % {"type": item.detail}
        elif item.detail:
            text = f"{text} {item.detail}"
        unit = self.gettext(_UNITS.get(item.unit, item.unit))
        return {"description": text, "quantity": self.number(item.quantity), "unit": unit,
                "unit_price": self.money(item.unit_price),
                "amount": self.money(item.amount), "is_percent": str(item.unit == "%")}

    def cargo(self, s: Shipment) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        g = self.gettext
        if s.mode:
            rows.append((g("Mode"), g(_MODES.get(s.mode, s.mode))))
        if s.containers:
            rows.append((g("Containers"), ", ".join(f"{n} × {t}" for n, t in s.container_list())))
        if s.weight_kg is not None:
            rows.append((g("Weight"), f"{self.number(Decimal(str(s.weight_kg)))} kg"))
        if s.volume_cbm is not None:
            rows.append((g("Volume"), f"{self.number(Decimal(str(s.volume_cbm)))} CBM"))
        if s.packages is not None:
            rows.append((g("Packages"), self.number(s.packages)))
        if s.commodity:
            rows.append((g("Commodity"), s.commodity))
        if s.ready_date:
            rows.append((g("Ready date"), self.day(s.ready_date)))
        if s.incoterm:
            rows.append((g("Incoterm"), s.incoterm))
        return rows


def _render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    env = _environment(language_of(language))
    text = env.get_template(f"{template}.txt").render(**context)
    html = env.get_template(f"{template}.html").render(**context)
    return text, html


def _subject(original: str | None, label: str, ref: str | None) -> str:
    base = " ".join((original or "").split())[:150]
    if base and not base.lower().startswith(("re:", "答复:", "回复:")):
        base = f"Re: {base}"
    tag = f"[{ref}] " if ref else ""
    return f"{tag}{base} — {label}" if base else f"{tag}{label}"


def render_quote(quote: Quote, *, language: str | None, customer_name: str | None = None,
                 request_subject: str | None = None, request_ref: str | None = None) -> Rendered:
    """The quote email for a stored (numbered) quote in the customer's language."""
    lang = language_of(language)
    f = _Formats(lang, quote.currency)
    g = f.gettext
    number = quote.number or "—"
    s = quote.shipment
    context = {
        "lang": lang, "number": number, "customer_name": customer_name or "",
        "origin": s.origin or "?", "destination": s.destination or "?",
        "cargo": f.cargo(s), "lines": [f.line(li) for li in quote.lines], "total": f.money(quote.total),
        "valid_until": f.day(quote.valid_until), "issued_on": f.day(quote.issued_on),
        "distance": f.number(quote.basis.distance_km), "hazardous": quote.basis.hazardous,
        "chargeable_kg": f.number(quote.basis.chargeable_kg) if quote.basis.chargeable_kg is not None else "",
        "revenue_tons": f.number(quote.basis.revenue_tons) if quote.basis.revenue_tons is not None else "",
        "ratecard_version": quote.ratecard_version, "mode": g(_MODES.get(quote.basis.mode, quote.basis.mode)),
    }
    text, html = _render("quote", lang, context)
    label = g("Quote %(number)s: %(origin)s → %(destination)s") % {
        "number": number, "origin": context["origin"], "destination": context["destination"]}
    return Rendered(_subject(request_subject, label, request_ref), text, html, lang)


def render_booking(number: str, shipment: Shipment, *, language: str | None, customer_name: str | None = None,
                   request_subject: str | None = None, request_ref: str | None = None,
                   quote_number: str | None = None) -> Rendered:
    """The booking-confirmation email for an order in the customer's language."""
    lang = language_of(language)
    f = _Formats(lang, "USD")
    g = f.gettext
    context = {
        "lang": lang, "number": number, "customer_name": customer_name or "",
        "origin": shipment.origin or "?", "destination": shipment.destination or "?",
        "cargo": f.cargo(shipment), "quote_number": quote_number or "",
    }
    text, html = _render("booking", lang, context)
    label = g("Booking confirmed %(number)s: %(origin)s → %(destination)s") % {
        "number": number, "origin": context["origin"], "destination": context["destination"]}
    return Rendered(_subject(request_subject, label, request_ref), text, html, lang)
