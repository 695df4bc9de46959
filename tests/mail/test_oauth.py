"""XOAUTH2: tokens from a command or a refresh flow, cached until near expiry; login via dovecot's oauth2 passdb."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from gateway.config import OAuth2Settings, Settings
from gateway.mail.imap import Credentials, ImapAuthError, ImapCredentialError, ImapSession
from gateway.mail.imap_source import ImapSource
from gateway.mail.oauth import TokenError, TokenSource
from gateway.runtime import Runtime
from tests.services.dovecot import Dovecot
from tests.services.mailgen import quote_email
from tests.services.oauth_server import OAuthProvider
from tests.services.wait import wait_for

FLOW = OAuth2Settings(token_url="https://login.example/token", client_id="busybee", refresh_token="rt-1",
                      scope="imap offline_access")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_refresh_flow_posts_the_grant_and_caches_until_near_expiry() -> None:
    seen: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(httpx.QueryParams(request.content.decode())))
        return httpx.Response(200, json={"access_token": f"at-{len(seen)}", "expires_in": 600})

    clock = Clock()
    tokens = TokenSource(FLOW, transport=httpx.MockTransport(handler), clock=clock)
    assert tokens.token() == "at-1"
    clock.now += 500  # 600 s lifetime minus the 60 s margin: still cached
    assert tokens.token() == "at-1"
    clock.now += 41
    assert tokens.token() == "at-2"
    assert seen[0] == {"grant_type": "refresh_token", "refresh_token": "rt-1", "client_id": "busybee",
                       "scope": "imap offline_access"}
    tokens.invalidate()
    assert tokens.token() == "at-3"


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(400, json={"error": "invalid_grant", "error_description": "token revoked"}),
         r"refused the refresh token \(HTTP 400\): token revoked"),
        (httpx.Response(502, text="<html>bad gateway</html>"), "HTTP 502 without a JSON object"),
        (httpx.Response(200, json={"token_type": "Bearer"}), "without an access_token"),
    ],
)
def test_refresh_flow_errors_are_readable(response: httpx.Response, message: str) -> None:
    tokens = TokenSource(FLOW, transport=httpx.MockTransport(lambda _: response))
    with pytest.raises(TokenError, match=message):
        tokens.token()


def test_unreachable_token_endpoint() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(TokenError, match=re.escape("oauth2.token_url https://login.example/token unreachable")):
        TokenSource(FLOW, transport=httpx.MockTransport(refuse)).token()


def test_token_command(tmp_path: Path) -> None:
    script = tmp_path / "tok.py"
    script.write_text("import sys; print('at-from-command'); print('ignored')\n")
    assert TokenSource(OAuth2Settings(token_command=f"{sys.executable} {script}")).token() == "at-from-command"
    failing = OAuth2Settings(token_command=f"{sys.executable} -c \"import sys; sys.exit('vault sealed')\"")
    with pytest.raises(TokenError, match="token_command exited with status 1: vault sealed"):
        TokenSource(failing).token()
    with pytest.raises(TokenError, match="token_command could not run"):
        TokenSource(OAuth2Settings(token_command="/nonexistent/helper")).token()


@pytest.mark.imap
def test_xoauth2_from_a_token_command_against_dovecot(
    imap_oauth_server: Dovecot, oauth_provider: OAuthProvider, imap_runtime: Callable[[str], Runtime],
    run_source: Callable[..., ImapSource], world_dir: Path,
) -> None:
    token_file = world_dir / "token"
    token_file.write_text(oauth_provider.issue("alice") + "\n")
    imap_oauth_server.deliver("alice", quote_email(1))
    rt = imap_runtime(imap_oauth_server.account_toml(auth="xoauth2", poll_seconds=0.3,
                                                     oauth2={"token_command": f"cat {token_file}"}))
    run_source(rt)
    wait_for(lambda: rt.connect().execute("SELECT COUNT(*) FROM emails").fetchone()[0] == 1, what="1 email")
    assert "method=XOAUTH2" in imap_oauth_server.log_text()
    assert oauth_provider.introspections >= 1


@pytest.mark.imap
def test_xoauth2_refresh_flow_against_dovecot(
    imap_oauth_server: Dovecot, oauth_provider: OAuthProvider, imap_runtime: Callable[[str], Runtime],
    run_source: Callable[..., ImapSource],
) -> None:
    refresh = oauth_provider.add_refresh_token("busybee", "alice")
    imap_oauth_server.deliver("alice", quote_email(2))
    flow = {"token_url": f"{oauth_provider.url}/token", "client_id": "busybee", "refresh_token": refresh}
    rt = imap_runtime(imap_oauth_server.account_toml(auth="xoauth2", security="starttls", poll_seconds=0.3,
                                                     oauth2=flow))
    run_source(rt)
    wait_for(lambda: rt.connect().execute("SELECT COUNT(*) FROM emails").fetchone()[0] == 1, what="1 email")
    assert [r["grant_type"] for r in oauth_provider.token_requests] == ["refresh_token"]


@pytest.mark.imap
def test_xoauth2_refused_token_and_failed_refresh_are_told_apart(
    imap_oauth_server: Dovecot, oauth_provider: OAuthProvider, make_settings: Callable[..., Settings],
) -> None:
    bad = make_settings(imap_oauth_server.account_toml(
        auth="xoauth2", oauth2={"token_command": "echo at-never-issued"})).mail.imap[0]
    session = ImapSession.open(bad)
    with pytest.raises(ImapAuthError, match="the server refused the XOAUTH2 token for 'alice'") as info:
        session.login(Credentials(bad))
    assert not isinstance(info.value, ImapCredentialError)
    session.close()
    flow = {"token_url": f"{oauth_provider.url}/token", "client_id": "busybee", "refresh_token": "rt-revoked"}
    revoked = make_settings(imap_oauth_server.account_toml(
        auth="xoauth2", oauth2=flow)).mail.imap[0]
    session = ImapSession.open(revoked)
    with pytest.raises(ImapCredentialError, match="refresh token unknown or revoked"):
        session.login(Credentials(revoked))
    session.close()
    assert oauth_provider.token_requests[0]["refresh_token"] == "rt-revoked"
