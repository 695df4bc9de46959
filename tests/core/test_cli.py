"""The `busybee` CLI: init, users, jobs, ingest exit status, and --help on every command."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gateway.cli import cli
from gateway.config import load_settings
from gateway.jobs import JobQueue
from gateway.store import open_db
from gateway.web.users import verify


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_init_writes_commented_config_and_prints_admin_password_once(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(cli, ["init", str(tmp_path / "gw")])
    assert r.exit_code == 0, r.output
    password = r.output.split("password: ")[1].split()[0]
    config = tmp_path / "gw" / "busybee.toml"
    assert "# " in config.read_text() and (tmp_path / "gw" / "data" / "spool").is_dir()
    settings = load_settings(config, env={})
    assert verify(open_db(settings), "admin", password)
    again = runner.invoke(cli, ["init", str(tmp_path / "gw")])
    assert again.exit_code != 0 and "already exists" in again.output
    forced = runner.invoke(cli, ["init", "--force", str(tmp_path / "gw")])
    assert forced.exit_code == 0 and "password" not in forced.output  # admin exists: not recreated


def test_users_add_passwd_remove(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(cli, ["init", str(tmp_path)])
    cfg = ["--config", str(tmp_path / "busybee.toml")]
    assert runner.invoke(cli, [*cfg, "users", "add", "clerk", "--password", "s3cret-pass"]).exit_code == 0
    dup = runner.invoke(cli, [*cfg, "users", "add", "clerk", "--password", "s3cret-pass"])
    assert dup.exit_code != 0 and "already exists" in dup.output
    short = runner.invoke(cli, [*cfg, "users", "passwd", "clerk", "--password", "short"])
    assert short.exit_code != 0 and "at least 8" in short.output
    assert runner.invoke(cli, [*cfg, "users", "passwd", "clerk", "--password", "another-pass"]).exit_code == 0
    db = open_db(load_settings(tmp_path / "busybee.toml", env={}))
    assert verify(db, "clerk", "another-pass") and not verify(db, "clerk", "s3cret-pass")
    last_admin = runner.invoke(cli, [*cfg, "users", "remove", "admin"])
    assert last_admin.exit_code != 0 and "last admin" in last_admin.output
    assert runner.invoke(cli, [*cfg, "users", "remove", "clerk"]).exit_code == 0
    assert "clerk" not in runner.invoke(cli, [*cfg, "users", "list"]).output


def test_jobs_list_retry_purge(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(cli, ["init", str(tmp_path)])
    cfg = ["--config", str(tmp_path / "busybee.toml")]
    settings = load_settings(tmp_path / "busybee.toml", env={})
    q = JobQueue(open_db(settings), settings.jobs)
    q.enqueue("parse", {"email_id": 1}, key="parse:1")
    job = q.claim("w")
    assert job is not None
    q.fail(job, "ValueError: broken", permanent=True)
    listed = runner.invoke(cli, [*cfg, "jobs", "list", "--state", "dead"])
    assert "parse" in listed.output and "ValueError: broken" in listed.output
    assert "requeued 1" in runner.invoke(cli, [*cfg, "jobs", "retry", "--all"]).output
    assert q.list()[0].state == "queued"
    assert runner.invoke(cli, [*cfg, "jobs", "retry"]).exit_code != 0
    job = q.claim("w")
    assert job is not None
    q.complete(job)
    assert "purged 1 done" in runner.invoke(cli, [*cfg, "jobs", "purge", "--older-than", "0"]).output


def test_ingest_records_bad_files_and_fails_only_on_store_errors(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(cli, ["init", str(tmp_path)])
    cfg = ["--config", str(tmp_path / "busybee.toml")]
    good = tmp_path / "good.eml"
    good.write_bytes(b"From: a@b.c\r\nSubject: ok\r\n\r\nhi\r\n")
    garbage = tmp_path / "garbage.eml"
    garbage.write_bytes(b"\x00\xff" * 500)
    r = runner.invoke(cli, [*cfg, "ingest", str(good), str(garbage)])
    assert r.exit_code == 0, r.output
    assert "good.eml: stored" in r.output and "garbage.eml: stored" in r.output
    settings = load_settings(tmp_path / "busybee.toml", env={})
    import shutil

    shutil.rmtree(settings.data_dir / "mail")
    (settings.data_dir / "mail").write_text("a file where the raw-mail folder should be")  # even root cannot write
    other = tmp_path / "other.eml"
    other.write_bytes(b"Subject: x\r\n\r\ny\r\n")
    failed = runner.invoke(cli, [*cfg, "ingest", str(other)])
    assert failed.exit_code != 0 and "store failed" in failed.output


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, cmd in group.commands.items():
        found.append((*prefix, name))
        if isinstance(cmd, click.Group):
            found.extend(_commands(cmd, (*prefix, name)))
    return found


def test_every_command_has_help(runner: CliRunner) -> None:
    commands = _commands(cli)
    assert ("run",) in commands and ("jobs", "retry") in commands
    for path in commands:
        r = runner.invoke(cli, [*path, "--help"])
        assert r.exit_code == 0, path
        summary = r.output.split("\n\n")[1].strip()
        assert len(summary) > 10, f"{' '.join(path)} has no help text"


def test_missing_config_says_what_to_do(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BUSYBEE_CONFIG", raising=False)
    monkeypatch.setattr("gateway.config.SYSTEM_CONFIG", tmp_path / "none.toml")
    r = runner.invoke(cli, ["status"])
    assert r.exit_code != 0 and "busybee init" in r.output
