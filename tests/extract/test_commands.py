"""`busybee extract PATH... [--json]` on .eml files, folders and Maildirs."""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner

from gateway.cli import cli
from gateway.extract.fields import FIELDS


def _eml(path: Path, subject: str, body: str, date: str = "Thu, 12 Mar 2026 09:14:00 +0900") -> Path:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Date"] = "kim@example.com", "sales@busybee.example", subject, date
    msg["Message-ID"] = f"<{path.stem}@example.com>"
    msg.set_content(body)
    path.write_bytes(msg.as_bytes())
    return path


def test_extract_json_one_object_per_message(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    a = _eml(folder / "a.eml", "부산-LA 40HC 2대 운임 견적 부탁드립니다",
             "POL: 부산 (KRPUS)\nPOD: Los Angeles (USLAX)\n컨테이너: 40HC x 2\n조건: FOB\n화물 준비일: 2026년 3월 20일")
    maildir = tmp_path / "Maildir"
    (maildir / "cur").mkdir(parents=True)
    b = _eml(maildir / "cur" / "1.host:2,S", "Air quote",
             "Please quote air freight ICN to NRT, 3 cartons, next Friday.")
    runner = CliRunner()
    result = runner.invoke(cli, ["extract", "--json", str(folder), str(maildir)], env={"BUSYBEE_CONFIG": ""})
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["path"] for r in rows] == [str(a), str(b)]
    first, second = rows
    assert list(first["fields"]) == list(FIELDS)
    assert first["label"] in ("quote", "order", "inquiry", "spam", "other")
    assert first["fields"]["origin"] == "Busan" and first["fields"]["containers"] == "2x40HC"
    assert first["fields"]["weight_kg"] is None and first["missing"] == []
    assert second["fields"]["mode"] == "air" and second["fields"]["ready_date"] == "2026-03-20"
    assert second["missing"] == ["weight_kg"]


def test_extract_text_output_and_help(tmp_path: Path) -> None:
    path = _eml(tmp_path / "x.eml", "RFQ", "Origin: Xyzzyville\nDestination: Busan\n1x20GP ready 2026-04-01")
    runner = CliRunner()
    result = runner.invoke(cli, ["extract", str(path)], env={"BUSYBEE_CONFIG": ""})
    assert result.exit_code == 0, result.output
    assert "destination=Busan" in result.output and "unsupported origin: Xyzzyville" in result.output
    assert "--json" in runner.invoke(cli, ["extract", "--help"]).output
