"""`busybee classify PATH... --json`: files, folders and Maildirs, with the shipped bundle and no config."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gateway.cli import cli
from tests.mail.builders import message

SPAMASSASSIN = Path(__file__).resolve().parents[3] / "shared" / "data" / "spamassassin"
KEYS = {"path", "message_id", "label", "confidence", "model_version"}


@pytest.fixture
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty folder without $BUSYBEE_CONFIG: what a fresh install sees."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BUSYBEE_CONFIG", raising=False)
    return tmp_path


def _run(*args: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["classify", "--json", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def test_json_shape_on_real_eml_files_and_a_maildir(no_config: Path) -> None:
    spam = sorted((SPAMASSASSIN / "spam").iterdir())[:3]
    ham = sorted((SPAMASSASSIN / "ham").iterdir())[:3]
    maildir = no_config / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for p in ham:
        shutil.copy(p, maildir / "cur" / (p.name + ":2,S"))
    quote = no_config / "quote.eml"
    quote.write_bytes(message("부산에서 LA까지 40HC 2대 해상운임 견적 부탁드립니다. 품목 자동차 부품, FOB 부산.",
                              subject="부산-LA 견적 요청"))
    rows = _run(str(quote), str(maildir), *map(str, spam))
    assert all(set(r) == KEYS for r in rows)
    assert len(rows) == 1 + len(ham) + len(spam)
    by_path = {r["path"]: r for r in rows}
    assert by_path[str(quote)]["label"] == "quote"
    assert by_path[str(quote)]["message_id"] == "test-1@example.kr"
    assert all(str(p) in by_path for p in spam)  # the path exactly as given
    assert all(isinstance(r["confidence"], float) and 0 < r["confidence"] <= 1 for r in rows)
    assert len({r["model_version"] for r in rows}) == 1


def test_text_output_and_a_broken_bundle_option(no_config: Path) -> None:
    eml = no_config / "a.eml"
    eml.write_bytes(message("Where is container MSKU1234567? It was due in Busan yesterday.", subject="ETA?"))
    result = CliRunner().invoke(cli, ["classify", str(eml)])
    assert result.exit_code == 0 and result.output.startswith(f"{eml}: ")
    empty = no_config / "empty-bundle"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["classify", "--bundle", str(empty), str(eml)])
    assert result.exit_code != 0 and "manifest.json: cannot read the manifest" in result.output
