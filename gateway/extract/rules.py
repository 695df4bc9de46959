"""Shipment fields from an email's new text and attachment text, without an LLM (pure).

Quoted earlier mail never counts: `text` is cut at the first reply/forward marker before anything is read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from gateway.extract.containers import find_containers
from gateway.extract.dates import find_dates, pick_ready_date
from gateway.extract.fields import Shipment, shipment_from_dict
from gateway.extract.gazetteer import Gazetteer
from gateway.extract.goods import find_commodity, find_incoterm, find_mode, find_packages
from gateway.extract.places import find_route
from gateway.extract.text import normalize
from gateway.extract.units import find_volumes, find_weights, pick_total
from gateway.mail.quoting import split_quoted

# A request states its shipment near the top; bounding the text keeps hostile mail (thousands of dates or numbers)
# from costing seconds.
MAX_BODY_CHARS = 20_000
MAX_ATTACHMENT_CHARS = 20_000
MAX_ATTACHMENTS = 5


@dataclass(frozen=True)
class Extraction:
    """The shipment read from one email, what we could not place, and the text each value came from."""

    shipment: Shipment = field(default_factory=Shipment)
    unsupported: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, str] = field(default_factory=dict)
    llm_error: str | None = None  # why the LLM's answer (or part of it) was not used


def extract_rules(text: str, *, sent_at: datetime | date | None, attachments: Sequence[str] = (),
                  gazetteer: Gazetteer | None = None) -> Extraction:
    """Read the shipment fields from `text` (above any quoted mail) and `attachments`; dates relative to sent_at."""
    new, _quoted = split_quoted((text or "")[: 2 * MAX_BODY_CHARS])
    parts = [new[:MAX_BODY_CHARS], *(a[:MAX_ATTACHMENT_CHARS] for a in list(attachments)[:MAX_ATTACHMENTS])]
    full = normalize("\n".join(parts))
    gaz = gazetteer or Gazetteer.load()
    values: dict[str, object] = {}
    evidence: dict[str, str] = {}

    def put(name: str, value: object, raw: str | None) -> None:
        if value is not None:
            values[name] = value
            evidence[name] = raw or str(value)

    route = find_route(full, gaz)
    put("origin", route.origin, route.evidence.get("origin"))
    put("destination", route.destination, route.evidence.get("destination"))
    containers, raw = find_containers(full)
    put("containers", containers, raw)
    n_containers = sum(int(p.split("x")[0]) for p in containers.split(",")) if containers else 0
    packages, raw = find_packages(full, n_containers)
    put("packages", packages, raw)
    weight = pick_total(find_weights(full), n_containers, packages or 0)
    if weight is not None:
        put("weight_kg", round(weight.value, 3), weight.raw)
    volume = pick_total(find_volumes(full), n_containers, packages or 0)
    if volume is not None:
        put("volume_cbm", round(volume.value, 3), volume.raw)
    put(*_field("incoterm", find_incoterm(full)))
    put(*_field("commodity", find_commodity(full)))
    mode, raw = find_mode(full)
    if mode is None:
        mode, raw = _implied_mode(full, containers, gaz)
    put("mode", mode, raw)
    ready = _ready_date(full, sent_at)
    if ready is not None:
        put("ready_date", ready[0], ready[1])
    shipment, problems = shipment_from_dict(values)
    for name in problems:
        evidence.pop(name, None)
    return Extraction(shipment, dict(route.unsupported), evidence)


_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|sv|答复|回复|답장|회신|返信)\s*(?:\[\d+\])?\s*[:：]", re.IGNORECASE)


def new_subject(subject: str | None) -> str:
    """The subject if it is the sender's own; a reply's "RE: ..." subject repeats earlier mail and is dropped."""
    return "" if not subject or _REPLY_SUBJECT.match(subject) else subject


def _field(name: str, found: tuple[object, str | None]) -> tuple[str, object, str | None]:
    return name, found[0], found[1]


_ROAD_HINT = re.compile(r"陸送|내륙\s?운송|배송|配送|ขนส่งทางรถ")


def _implied_mode(text: str, containers: str | None, gaz: Gazetteer) -> tuple[str | None, str | None]:
    """Containers mean sea; airport codes mean air."""
    if containers:
        return "sea", containers
    codes = [m for m in gaz.scan(text) if m.via == "code" and m.place.kind == "airport"]
    if codes:
        return "air", codes[0].raw
    road = _ROAD_HINT.search(text)
    return ("road", road.group(0)) if road else (None, None)


def _ready_date(text: str, sent_at: datetime | date | None) -> tuple[str, str] | None:
    if sent_at is None:
        mentions = [d for d in find_dates(text, date.today()) if re.search(r"\d{4}", d.raw)]
    else:
        sent = sent_at.date() if isinstance(sent_at, datetime) else sent_at
        mentions = find_dates(text, sent)
    picked = pick_ready_date(text, mentions)
    return (picked.value.isoformat(), picked.raw) if picked is not None else None
