"""Fixtures of the mail tests: a real dovecot (password and oauth2 variants) in a world-traversable dir."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.config import Settings
from gateway.mail.imap_source import ImapSource
from gateway.runtime import Runtime
from gateway.store import open_db
from tests.conftest import require_binary
from tests.services.dovecot import Dovecot
from tests.services.oauth_server import OAuthProvider


@pytest.fixture
def imap_server(world_dir: Path) -> Iterator[Dovecot]:
    """dovecot with users alice/alicepw and bob/bobpw, IMAP (STARTTLS) and IMAPS, IDLE offered."""
    server = Dovecot(world_dir, require_binary("dovecot")).start()
    yield server
    server.stop()


@pytest.fixture
def oauth_provider() -> Iterator[OAuthProvider]:
    """A loopback token endpoint (/token) and introspection endpoint (/introspect)."""
    provider = OAuthProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def imap_oauth_server(world_dir: Path, oauth_provider: OAuthProvider) -> Iterator[Dovecot]:
    """dovecot whose oauth2 passdb asks `oauth_provider` to introspect XOAUTH2 tokens."""
    server = Dovecot(world_dir, require_binary("dovecot"),
                     introspection_url=f"{oauth_provider.url}/introspect").start()
    yield server
    server.stop()


NO_SPOOL_ENV = {"BUSYBEE_MAIL__SPOOL__ENABLED": "false", "BUSYBEE_JOBS__WORKERS": "0"}


@pytest.fixture
def imap_runtime(make_settings: Callable[..., Settings]) -> Callable[[str], Runtime]:
    """A migrated (not started) Runtime whose config is the template plus the given [[mail.imap]] TOML."""

    def make(accounts: str) -> Runtime:
        settings = make_settings(accounts, env=NO_SPOOL_ENV)
        open_db(settings).close()
        return Runtime(settings)

    return make


@pytest.fixture
def run_source() -> Iterator[Callable[..., ImapSource]]:
    """Start ImapSources (backoff 0.2 s) and stop them all at teardown."""
    started: list[ImapSource] = []

    def start(runtime: Runtime, index: int = 0, **kwargs: Any) -> ImapSource:
        kwargs.setdefault("backoff_base", 0.2)
        kwargs.setdefault("backoff_max", 1.0)
        source = ImapSource(runtime, runtime.settings.mail.imap[index], **kwargs)
        source.start()
        started.append(source)
        return source

    yield start
    for source in started:
        source.stop()

