"""Extractor without an LLM: what callers (desk, quote, CLI) get from subject, new body, attachments, date."""

from __future__ import annotations

from datetime import datetime

from gateway.config import Settings
from gateway.extract.service import Extractor

SENT = datetime.fromisoformat("2026-03-12T09:14:00+09:00")


def test_rules_only_by_default_and_missing_fields() -> None:
    ex = Extractor(Settings())
    assert ex.llm is None
    result = ex.extract("인천-나리타 항공 견적", "320kg / 1.8cbm / 전자부품(커넥터)\n다음주 화요일 출고예정", [], SENT)
    assert result.shipment.as_dict() == {
        "origin": "Incheon", "destination": "Narita", "mode": "air", "weight_kg": 320.0, "volume_cbm": 1.8,
        "containers": None, "packages": None, "commodity": "electronic components", "ready_date": "2026-03-17",
        "incoterm": None,
    }
    assert ex.missing(result) == []
    assert ex.missing(ex.extract("Quote please", "Busan to Tokyo, 1x20GP", [], SENT)) == ["ready_date"]


def test_reply_subject_and_quoted_mail_do_not_count() -> None:
    body = ("Please make it 3 containers to Yokohama instead.\n\n"
            "-----Original Message-----\nFrom: kim@example.com\nSent: Monday, March 9, 2026 10:12\n"
            "Subject: Busan - Los Angeles 2x40HC\n\nBusan to Los Angeles, 2x40HC, FOB, ready 2026-03-20\n")
    result = Extractor(Settings()).extract("RE: Busan - Los Angeles 2x40HC", body, [], SENT)
    assert result.shipment.destination == "Yokohama"
    assert result.shipment.origin is None and result.shipment.incoterm is None
    assert result.shipment.ready_date is None and result.shipment.containers is None


def test_attachments_and_requirements_from_settings() -> None:
    settings = Settings.model_validate({"extract": {"fcl": ["containers", "commodity"]}})
    ex = Extractor(settings)
    result = ex.extract("견적 요청의 건", "첨부 파일 확인하시고 견적 회신 부탁드립니다.",
                        ["출발지\t평택항 (KRPTK)\n도착지\tHo Chi Minh City, Cat Lai\n컨테이너\t20GP x 1\n"
                         "화물준비일\t2026-01-15"], SENT)
    assert (result.shipment.origin, result.shipment.destination) == ("Pyeongtaek", "Ho Chi Minh City")
    assert ex.missing(result) == ["commodity"]
