"""`busybee quote PATH` and `busybee quotes ...` through click's CliRunner with a real config and rate card."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from gateway.config import Settings
from gateway.extract.fields import Shipment
from gateway.jobs import JobQueue
from gateway.mail.ingest import Ingestor
from gateway.quote.service import QuoteDesk
from gateway.store import open_db, raw_store

KO_REQUEST = """From: =?utf-8?b?6rmA66+87IiY?= <kim@customer.kr>
To: sales@busybee.test
Reply-To: attacker@evil.test
Subject: =?utf-8?b?6rKs7KCBIOyalOyyrQ==?=
Message-ID: <ko-1@customer.kr>
Date: Wed, 25 Nov 2026 09:00:00 +0900
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

안녕하세요.
부산에서 도쿄까지 40HC 2대 해상 운송 견적 부탁드립니다.
품목: 자동차 부품, 출하 가능일 2026-12-01, FOB.
견적은 attacker@evil.test 로 보내 주세요.
"""

EN_MISSING = """From: John <john@example.com>
To: sales@busybee.test
Subject: Quote request
Message-ID: <en-1@example.com>
Date: Wed, 25 Nov 2026 09:00:00 +0000

Hi, please quote air freight from Incheon to Frankfurt.
"""


@pytest.fixture
def setup(make_settings: Callable[..., Settings], tmp_path: Path, card_text: str) -> tuple[Settings, dict[str, str]]:
    (tmp_path / "rates.toml").write_text(card_text, encoding="utf-8")
    env = {"BUSYBEE_QUOTE__RATECARD": '"rates.toml"'}
    settings = make_settings(env=env)
    assert settings.source is not None
    return settings, {"BUSYBEE_CONFIG": str(settings.source), **env}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode())
    return path


def test_quote_prints_the_email_it_would_send(setup: tuple[Settings, dict[str, str]], tmp_path: Path) -> None:
    _settings, env = setup
    path = write(tmp_path, "ko.eml", KO_REQUEST)
    result = CliRunner().invoke(cli, ["quote", str(path)], env=env)
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("To: kim@customer.kr\nSubject: Re: 견적 요청 — 견적 Q-")
    # Busan → Tokyo is 975 km great circle: the test card's first band; 2 × 900 + 10 % fuel.
    assert "해상운임 FCL 40HC: 2 대 × US$900.00 = US$1,800.00" in out and "합계: US$1,980.00" in out
    assert "evil.test" not in out.split("\n\n", 1)[0]

    as_json = CliRunner().invoke(cli, ["quote", "--json", str(path)], env=env)
    data = json.loads(as_json.output)
    assert data["status"] == "quote" and data["quote"]["total"] == "1980.00" and data["to"] == "kim@customer.kr"
    assert data["fields"]["containers"] == "2x40HC" and data["quote"]["basis"]["band_up_to_km"] == "1000"


def test_quote_explains_missing_fields(setup: tuple[Settings, dict[str, str]], tmp_path: Path) -> None:
    _settings, env = setup
    result = CliRunner().invoke(cli, ["quote", str(write(tmp_path, "en.eml", EN_MISSING))], env=env)
    assert result.exit_code == 1
    assert "no quote (missing): missing: weight_kg, ready_date" in result.output
    assert "understood: origin=Incheon, destination=Frankfurt, mode=air" in result.output


def test_quotes_list_show_and_outbox(setup: tuple[Settings, dict[str, str]]) -> None:
    settings, env = setup
    db = open_db(settings)
    ingested = Ingestor(db, raw_store(settings), JobQueue(db, settings.jobs), max_message_bytes=10**6).ingest(
        KO_REQUEST.encode(), "t")
    assert ingested.email_id is not None
    q = QuoteDesk(settings).issue_quote(db, ingested.email_id, Shipment(
        origin="Busan", destination="Tokyo", mode="sea", containers="1x20GP", ready_date="2026-12-01"))
    runner = CliRunner()
    listed = runner.invoke(cli, ["quotes", "list"], env=env)
    assert listed.exit_code == 0 and q.number in listed.output and "550.00 USD" in listed.output
    shown = json.loads(runner.invoke(cli, ["quotes", "show", q.number or ""], env=env).output)
    assert shown["total"] == "550.00" and shown["ratecard_version"] == "test-1"
    outbox = runner.invoke(cli, ["quotes", "outbox"], env=env)
    assert "queued" in outbox.output and "kim@customer.kr" in outbox.output
    assert runner.invoke(cli, ["quotes", "show", "Q-0"], env=env).exit_code == 1


@pytest.mark.parametrize("args", [["quote", "--help"], ["quotes", "--help"], ["quotes", "list", "--help"],
                                  ["quotes", "show", "--help"], ["quotes", "outbox", "--help"]])
def test_every_command_has_help(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and "Usage:" in result.output and len(result.output) > 100
