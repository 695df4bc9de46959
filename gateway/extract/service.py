"""Extractor: rules always, the LLM when configured, merged; plus the missing fields by the configured rules."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import date, datetime

from sqlite_utils import Database

from gateway.config import ExtractSettings, Settings
from gateway.extract.errors import LlmError
from gateway.extract.fields import Shipment
from gateway.extract.gazetteer import Gazetteer
from gateway.extract.llm import LlmExtractor, TokenBudget
from gateway.extract.missing import Requirements, missing_fields
from gateway.extract.rules import Extraction, extract_rules, new_subject
from gateway.mail.quoting import split_quoted

log = logging.getLogger(__name__)


def requirements_from(settings: ExtractSettings) -> Requirements:
    """The [extract] section as Requirements."""
    return Requirements(
        common=tuple(settings.required),
        by_type={"fcl": tuple(settings.fcl), "lcl": tuple(settings.lcl), "air": tuple(settings.air),
                 "road": tuple(settings.road), "rail": tuple(settings.rail), "unknown": ("mode",)},
    )


class Extractor:
    """Reads the shipment of one email: `extract()` for the fields, `missing()` for what is still needed."""

    def __init__(self, settings: Settings, db: Database | None = None, *, llm: LlmExtractor | None = None) -> None:
        self.settings = settings
        self.gazetteer = Gazetteer.load()
        self.requirements = requirements_from(settings.extract)
        self.llm = llm
        if self.llm is None and settings.llm.enabled:
            if db is None:
                from gateway.store import open_db

                db = open_db(settings)
            self.llm = LlmExtractor(settings.llm, TokenBudget(db, settings.llm.daily_token_budget))

    def extract(self, subject: str | None, body_new: str | None, attachment_texts: Sequence[str] = (),
                sent_at: datetime | date | None = None) -> Extraction:
        """Rules over subject + new body + attachments; the LLM fills and corrects when configured."""
        body, _quoted = split_quoted(body_new or "")
        text = "\n".join(p for p in (new_subject(subject), body) if p)
        rules = extract_rules(text, sent_at=sent_at, attachments=attachment_texts, gazetteer=self.gazetteer)
        if self.llm is None:
            return rules
        sent = sent_at.date() if isinstance(sent_at, datetime) else sent_at
        try:
            answer = self.llm.extract("\n".join([text, *attachment_texts]), sent)
        except LlmError as exc:
            log.warning("LLM extraction failed; rules result stands", extra={"error": str(exc)})
            return dataclasses.replace(rules, llm_error=str(exc))
        return self._merge(rules, answer.shipment, answer.dropped)

    def _merge(self, rules: Extraction, llm: Shipment, dropped: dict[str, str]) -> Extraction:
        """LLM values win where they are valid; places must be in the gazetteer, else they are unsupported."""
        unsupported = dict(rules.unsupported)
        updates: dict[str, str | None] = {}
        for name in ("origin", "destination"):
            value = getattr(llm, name)
            if value is None:
                continue
            place = self.gazetteer.lookup(value)
            if place is not None:
                updates[name] = place.name
                unsupported.pop(name, None)
            elif getattr(rules.shipment, name) is None:
                unsupported.setdefault(name, value)
            updates.setdefault(name, None)
        llm = dataclasses.replace(llm, **updates)  # type: ignore[arg-type]
        evidence = dict(rules.evidence)
        for name in llm.known():
            if getattr(llm, name) != getattr(rules.shipment, name):
                evidence[name] = "llm"
        merged = rules.shipment.merged(llm)
        note = "; ".join(f"{k}: {v}" for k, v in sorted(dropped.items()) if k in llm.as_dict()) or None
        return Extraction(merged, unsupported, evidence, llm_error=f"dropped {note}" if note else None)

    def missing(self, extraction: Extraction) -> list[str]:
        """Required fields the shipment still lacks (unsupported places are reported, not listed)."""
        return missing_fields(extraction.shipment, extraction.unsupported, self.requirements)
