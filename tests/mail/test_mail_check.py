"""`busybee mail check` names the step that fails and what to do, against a real dovecot."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from gateway.cli import cli
from gateway.config import Settings
from tests.services.dovecot import Dovecot, free_port

pytestmark = pytest.mark.imap


def check(make_settings: Callable[..., Settings], toml: str, *args: str) -> Result:
    settings = make_settings(toml)
    return CliRunner().invoke(cli, ["--config", str(settings.source), "mail", "check", *args])


def test_everything_fine(imap_server: Dovecot, make_settings: Callable[..., Settings]) -> None:
    imap_server.maildir("alice", "Archive")
    imap_server.deliver("alice", b"Subject: x\r\n\r\nbody\r\n")
    result = check(make_settings, imap_server.account_toml(folders=("INBOX", "Archive")), "sales")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[1] for line in lines[:-1]] == ["dns", "tcp", "tls", "login", "folder", "folder"]
    assert "certificate verified for 127.0.0.1" in lines[2] and "offers IDLE" in lines[3]
    assert "INBOX: 1 messages" in lines[4] and lines[-1] == "all checks passed"


def test_bad_dns(make_settings: Callable[..., Settings]) -> None:
    result = check(make_settings, '[[mail.imap]]\nname = "sales"\nhost = "imap.nowhere.invalid"\n'
                                  'username = "u"\npassword = "p"\n')
    assert result.exit_code == 1
    assert result.output.startswith("sales: dns    FAIL host name 'imap.nowhere.invalid' does not resolve")


def test_refused_port(make_settings: Callable[..., Settings]) -> None:
    result = check(make_settings, f'[[mail.imap]]\nname = "sales"\nhost = "127.0.0.1"\nport = {free_port()}\n'
                                  'username = "u"\npassword = "p"\n')
    assert result.exit_code == 1
    assert "sales: dns    ok" in result.output
    assert "tcp    FAIL" in result.output and "refused the connection: nothing listens there" in result.output


def test_untrusted_certificate(imap_server: Dovecot, make_settings: Callable[..., Settings]) -> None:
    toml = imap_server.account_toml().replace(f'ca_file = "{imap_server.cert}"\n', "")
    result = check(make_settings, toml)
    assert result.exit_code == 1
    last = result.output.splitlines()[-1]
    assert last.startswith("sales: tls    FAIL") and "self-signed and not trusted: set ca_file" in last


def test_wrong_password(imap_server: Dovecot, make_settings: Callable[..., Settings]) -> None:
    result = check(make_settings, imap_server.account_toml(security="starttls", password="wrong"))
    assert result.exit_code == 1
    last = result.output.splitlines()[-1]
    assert last.startswith("sales: login  FAIL") and "refused user 'alice' and its password" in last


def test_token_failure_is_not_reported_as_a_wrong_password(
    imap_server: Dovecot, make_settings: Callable[..., Settings]
) -> None:
    toml = imap_server.account_toml(auth="xoauth2", oauth2={"token_command": "false"})
    result = check(make_settings, toml)
    assert result.exit_code == 1
    assert "login  FAIL could not obtain the token" in result.output and "token_command exited" in result.output


def test_missing_folder(imap_server: Dovecot, make_settings: Callable[..., Settings]) -> None:
    result = check(make_settings, imap_server.account_toml(folders=("INBOX", "Orders")))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "folder ok   INBOX" in lines[-2]
    assert lines[-1] == "sales: folder FAIL folder 'Orders' does not exist; the server has: INBOX"


def test_unknown_account_is_named(imap_server: Dovecot, make_settings: Callable[..., Settings]) -> None:
    result = check(make_settings, imap_server.account_toml(), "nope")
    assert result.exit_code == 1 and "no IMAP account named 'nope' (accounts: sales)" in result.output
    assert CliRunner().invoke(cli, ["mail", "check", "--help"]).exit_code == 0


def test_tls_on_the_plain_port_points_at_the_port(imap_server: Dovecot, make_settings: Callable[..., Settings]) -> None:
    toml = imap_server.account_toml().replace(f"port = {imap_server.sport}", f"port = {imap_server.port}")
    result = check(make_settings, toml)
    assert result.exit_code == 1
    assert "tls    FAIL" in result.output and "is this the right port for security = 'tls'?" in result.output
