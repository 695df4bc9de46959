"""The IMAP connection wrapper against a real dovecot: TLS modes, logins, fetch, and how failures are named."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.config import ImapAccount, Settings
from gateway.mail.imap import (
    Credentials,
    ImapAuthError,
    ImapConnectError,
    ImapCredentialError,
    ImapDnsError,
    ImapFolderError,
    ImapSession,
    ImapTlsError,
)
from tests.services.dovecot import Dovecot, free_port

pytestmark = pytest.mark.imap


def account(make_settings: Callable[..., Settings], toml: str) -> ImapAccount:
    return make_settings(toml).mail.imap[0]


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_modes_verify_the_test_ca_and_log_in(
    imap_server: Dovecot, make_settings: Callable[..., Settings], security: str
) -> None:
    acct = account(make_settings, imap_server.account_toml(security=security))
    imap_server.deliver("alice", b"Subject: one\r\nMessage-ID: <1@t>\r\n\r\nhello\r\n")
    session = ImapSession.open(acct)
    try:
        assert session.tls_version in ("TLSv1.2", "TLSv1.3")
        session.login(Credentials(acct))
        state = session.select("INBOX")
        assert state.exists == 1 and state.uidvalidity > 0
        uids = session.uids_after(0)
        assert session.fetch(uids) == {uids[0]: b"Subject: one\r\nMessage-ID: <1@t>\r\n\r\nhello\r\n"}
        assert session.uids_after(uids[0]) == []  # "n:*" returns the last UID; it must be filtered out
    finally:
        session.close()


def test_plain_to_localhost_only_when_configured(imap_server: Dovecot, make_settings: Callable[..., Settings]) -> None:
    acct = account(make_settings, imap_server.account_toml(security="plain"))
    session = ImapSession.open(acct)
    session.login(Credentials(acct))
    assert session.tls_version is None
    session.close()


def test_untrusted_certificate_is_explained(imap_server: Dovecot, make_settings: Callable[..., Settings]) -> None:
    toml = imap_server.account_toml().replace(f'ca_file = "{imap_server.cert}"\n', "")
    with pytest.raises(ImapTlsError, match="self-signed and not trusted: set ca_file"):
        ImapSession.open(account(make_settings, toml))


def test_wrong_password_is_an_auth_error(imap_server: Dovecot, make_settings: Callable[..., Settings]) -> None:
    acct = account(make_settings, imap_server.account_toml(password="nope"))
    session = ImapSession.open(acct)
    with pytest.raises(ImapAuthError, match="refused user 'alice' and its password") as info:
        session.login(Credentials(acct))
    assert not isinstance(info.value, ImapCredentialError)
    session.close()


def test_password_command(imap_server: Dovecot, make_settings: Callable[..., Settings], world_dir: Path) -> None:
    secret = world_dir / "pw"
    secret.write_text("alicepw\n")
    acct = account(make_settings, imap_server.account_toml(password_command=f"cat {secret}"))
    session = ImapSession.open(acct)
    session.login(Credentials(acct))
    session.close()
    broken = account(make_settings, imap_server.account_toml(password_command=f"{sys.executable} -c 'exit(3)'"))
    session = ImapSession.open(broken)
    with pytest.raises(ImapCredentialError, match="password_command exited with status 3"):
        session.login(Credentials(broken))
    session.close()


def test_missing_folder(imap_server: Dovecot, make_settings: Callable[..., Settings]) -> None:
    acct = account(make_settings, imap_server.account_toml())
    session = ImapSession.open(acct)
    session.login(Credentials(acct))
    with pytest.raises(ImapFolderError, match="folder 'Nope' does not exist"):
        session.select("Nope")
    session.close()


def test_refused_port_and_bad_dns(make_settings: Callable[..., Settings]) -> None:
    port = free_port()
    refused = account(make_settings, f'[[mail.imap]]\nname = "x"\nhost = "127.0.0.1"\nport = {port}\n'
                                     'username = "u"\npassword = "p"\n')
    with pytest.raises(ImapConnectError, match="connection refused"):
        ImapSession.open(refused)
    nowhere = account(make_settings, '[[mail.imap]]\nname = "x"\nhost = "imap.does-not-exist.invalid"\n'
                                     'username = "u"\npassword = "p"\n')
    with pytest.raises(ImapDnsError, match="does not resolve"):
        ImapSession.open(nowhere)
