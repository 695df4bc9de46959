"""Every bot message of the desk, in the customer's language, from the gettext catalogs (domain `desk`, Babel)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from babel.dates import format_date
from babel.numbers import format_decimal
from babel.support import NullTranslations

from gateway.extract.fields import FIELDS, Shipment
from gateway.i18n import language_of, translations

DOMAIN = "desk"
_BRACKETS = re.compile(r"\s*[(（][^)）]*[)）]\s*$")


def N_(message: str) -> str:
    """Mark a message for extraction; translated later."""
    return message


LABELS = {
    "origin": N_("Origin (city or port)"),
    "destination": N_("Destination (city or port)"),
    "mode": N_("Transport mode (sea, air, road or rail)"),
    "weight_kg": N_("Gross weight (kg)"),
    "volume_cbm": N_("Volume (CBM)"),
    "containers": N_("Containers (for example 2x40HC)"),
    "packages": N_("Number of packages"),
    "commodity": N_("Commodity"),
    "ready_date": N_("Cargo ready date"),
    "incoterm": N_("Incoterm"),
}
MODES = {"sea": N_("sea"), "air": N_("air"), "road": N_("road"), "rail": N_("rail")}


_URL = re.compile(r"https?://[^\s<>\"]+")


def as_html(text: str, lang: str) -> str:
    """The HTML alternative of a bot message: the same text, escaped, paragraphs kept, links clickable."""
    def para(block: str) -> str:
        pieces, last = [], 0
        for m in _URL.finditer(block):
            pieces += [html.escape(block[last:m.start()]), f'<a href="{html.escape(m.group(0))}">'
                       f"{html.escape(m.group(0))}</a>"]
            last = m.end()
        pieces.append(html.escape(block[last:]))
        return "<p>" + "".join(pieces).replace("\n", "<br>\n") + "</p>"

    body = "\n".join(para(b) for b in text.strip().split("\n\n") if b.strip())
    return (f'<!doctype html>\n<html lang="{html.escape(language_of(lang))}"><head><meta charset="utf-8"></head>'
            f'<body style="font-family: sans-serif">\n{body}\n</body></html>\n')


@dataclass(frozen=True)
class Prompt:
    """What the bot says at one step, before it is put into an email or a chat bubble."""

    action: str
    number: str
    known: Shipment
    missing: tuple[str, ...] = ()
    unsupported: Mapping[str, str] | None = None
    reask: bool = False
    question: bool = False
    outcome: str | None = None
    chat_link: str | None = None
    name: str | None = None


class Catalogs:
    """Loaded translations per language (each .mo is read once)."""

    def get(self, lang: str) -> NullTranslations:
        """The `desk` translations of one language."""
        return translations(DOMAIN, lang)

    def gettext(self, lang: str, message: str) -> str:
        """One message in `lang`."""
        return self.get(lang).gettext(message)

    def render(self, lang: str, prompt: Prompt, *, channel: str = "email") -> str:
        """The whole bot message for a step, in `lang`."""
        _ = self.get(lang).gettext
        lines: list[str] = []
        if channel == "email":
            lines += [_("Hello {name},").format(name=prompt.name) if prompt.name else _("Hello,"), ""]
        if prompt.reask:
            lines += [_("Sorry, we did not understand your answer."), ""]
        if prompt.question:
            lines += [_("Thank you for your question: a colleague will answer it."), ""]
        act = prompt.action
        if act in ("ask_missing", "ask_place"):
            lines.append(_("Thank you for your request {number}.").format(number=prompt.number))
            for field, place in (prompt.unsupported or {}).items():
                lines.append(_("We could not find \u201c{place}\u201d ({field}). Please give the nearest port or "
                               "city we can ship from or to.").format(place=place, field=self.label(lang, field)))
            if prompt.missing:
                lines += ["", _("To prepare your quote we still need:")]
                lines += [f"- {_(LABELS[f])}" for f in prompt.missing]
            lines += self._summary(lang, prompt.known, _("This is what we understood so far:"))
            lines += ["", _("Please reply to this email with the missing details.")]
        elif act == "ask_confirm":
            lines += self._summary(lang, prompt.known, _("Please check the details of request {number}:")
                                   .format(number=prompt.number))
            lines += ["", _("Are these details correct? Reply yes, or tell us what to change.")]
        elif act == "ask_change":
            lines += [_("What should we change? For example: make that 3 containers.")]
        elif act == "handover":
            lines += [_("A colleague will take over your request {number} and get back to you shortly.")
                      .format(number=prompt.number)]
        elif act == "remind":
            lines += [_("We are still waiting for your answer about request {number}.").format(number=prompt.number)]
            if prompt.missing:
                lines += ["", _("To prepare your quote we still need:")]
                lines += [f"- {_(LABELS[f])}" for f in prompt.missing]
            lines += self._summary(lang, prompt.known, _("This is what we understood so far:"))
        elif act == "quote":
            lines += [_("Thank you! Your quote {quote} for request {number} is on its way by email.")
                      .format(quote=prompt.outcome or "", number=prompt.number)]
        elif act == "book":
            lines += [_("Thank you! Your booking {booking} for request {number} is confirmed.")
                      .format(booking=prompt.outcome or "", number=prompt.number)]
        if prompt.chat_link and channel == "email" and act not in ("quote", "book", "handover"):
            lines += ["", _("You can also answer in our web chat:"), prompt.chat_link]
        if channel == "email":
            lines += ["", _("Best regards,"), _("The BusyBee quote desk")]
        return "\n".join(lines).strip() + "\n"

    def _summary(self, lang: str, known: Shipment, title: str) -> list[str]:
        rows = list(self.fields(lang, known))
        if not rows:
            return []
        return ["", title, *(f"- {label}: {value}" for label, value in rows)]

    def fields(self, lang: str, known: Shipment) -> Iterable[tuple[str, str]]:
        """(label, value) pairs of the known fields, values formatted for `lang`."""
        _ = self.get(lang).gettext
        for name in FIELDS:
            value = getattr(known, name)
            if value is None:
                continue
            yield self.label(lang, name), self.value(lang, name, value)

    def label(self, lang: str, name: str) -> str:
        """A field's short name (without the explanation in brackets) in `lang`."""
        return _BRACKETS.sub("", self.gettext(lang, LABELS[name]))

    def value(self, lang: str, name: str, value: object) -> str:
        """One field value as a customer reads it."""
        lang = language_of(lang)
        if name == "mode":
            return self.gettext(lang, MODES.get(str(value), str(value)))
        if name in ("weight_kg", "volume_cbm") and isinstance(value, int | float):
            return format_decimal(value, locale=lang) + (" kg" if name == "weight_kg" else " CBM")
        if name == "packages" and isinstance(value, int):
            return format_decimal(value, locale=lang)
        if name == "ready_date":
            from datetime import date

            return format_date(date.fromisoformat(str(value)), format="long", locale=lang)
        return str(value)

    def subject(self, lang: str, number: str, original: str | None) -> str:
        """The subject of a desk email: the customer's own subject, threaded, with the request number."""
        base = (original or self.gettext(lang, N_("Your transport request"))).strip()
        while base.lower().startswith(("re:", "re：", "aw:", "答复:", "回复:")):
            base = base.split(":", 1)[-1].split("：", 1)[-1].strip()
        base = base.replace(f"[{number}]", "").strip()
        return f"Re: {base} [{number}]"[:250]


CHAT_UI = {
    "title": N_("Your transport request {number}"),
    "intro": N_("Answer our questions here; we keep the same conversation as by email."),
    "placeholder": N_("Type your message"),
    "send": N_("Send"),
    "yes": N_("Yes"),
    "no": N_("No"),
    "expired": N_("This chat link has expired or is not valid. Please reply to our email instead."),
    "closed": N_("This request is settled; a colleague will answer any further message."),
    "offline": N_("Connection lost. Reload the page to continue."),
}
