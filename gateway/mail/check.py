"""`busybee mail check`: test one IMAP account step by step (DNS, TCP, TLS, login, folders) and say what is wrong."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from gateway.config import ImapAccount
from gateway.mail.imap import (
    Credentials,
    ImapAuthError,
    ImapCredentialError,
    ImapError,
    ImapFolderError,
    ImapSession,
    ImapTlsError,
)

Resolver = Callable[..., list[Any]]


@dataclass(frozen=True)
class Step:
    """The outcome of one check."""

    name: str
    ok: bool
    detail: str


def check_account(
    account: ImapAccount,
    *,
    credentials: Credentials | None = None,
    resolve: Resolver = socket.getaddrinfo,
) -> Iterator[Step]:
    """Yield one Step per check, stopping after the first failure."""
    host, port, timeout = account.host, account.effective_port, account.timeout_seconds
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        yield Step("dns", False, f"host name {host!r} does not resolve ({exc.strerror or exc}): check `host`")
        return
    addresses = sorted({str(info[4][0]) for info in infos})
    yield Step("dns", True, f"{host} -> {', '.join(addresses)}")

    started = time.perf_counter()
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except ConnectionRefusedError:
        usual = "993 for security = 'tls', 143 for 'starttls'"
        yield Step("tcp", False, f"{host}:{port} refused the connection: nothing listens there ({usual})")
        return
    except TimeoutError:
        yield Step("tcp", False, f"{host}:{port} did not answer within {timeout:g}s (firewall, or wrong host?)")
        return
    except OSError as exc:
        yield Step("tcp", False, f"{host}:{port}: {exc.strerror or exc}")
        return
    yield Step("tcp", True, f"connected to {host}:{port} in {(time.perf_counter() - started) * 1000:.0f} ms")

    try:
        session = ImapSession.open(account)
    except ImapTlsError as exc:
        yield Step("tls", False, str(exc))
        return
    except ImapError as exc:
        yield Step("tls", False, f"connected, but no IMAP greeting/TLS: {exc}")
        return
    try:
        yield from _session_steps(account, session, credentials or Credentials(account))
    finally:
        session.close()


def _session_steps(account: ImapAccount, session: ImapSession, credentials: Credentials) -> Iterator[Step]:
    if session.tls_version:
        how = "implicit TLS" if account.security == "tls" else "STARTTLS"
        yield Step("tls", True, f"{how}, {session.tls_version}, certificate verified for {account.host}")
    else:
        yield Step("tls", True, "none: plain IMAP to localhost (allow_plain = true)")

    method = "XOAUTH2" if account.auth == "xoauth2" else "password"
    try:
        session.login(credentials)
    except ImapCredentialError as exc:
        what = "token" if account.auth == "xoauth2" else "password"
        yield Step("login", False, f"could not obtain the {what}: {exc}")
        return
    except ImapAuthError as exc:
        yield Step("login", False, str(exc))
        return
    except ImapError as exc:
        yield Step("login", False, f"connection failed during login: {exc}")
        return
    idle = "offers IDLE" if session.can_idle else "has no IDLE (polling)"
    yield Step("login", True, f"logged in as {account.username} ({method}); server {idle}")

    wanted = list(account.folders) + ([account.move_to] if account.after == "move" and account.move_to else [])
    for folder in wanted:
        try:
            state = session.select(folder)
        except ImapFolderError:
            try:
                names = ", ".join(sorted(session.folders())[:20])
            except ImapError:
                names = "(cannot list)"
            role = "move_to folder" if folder == account.move_to and folder not in account.folders else "folder"
            yield Step("folder", False, f"{role} {folder!r} does not exist; the server has: {names}")
            return
        except ImapError as exc:
            yield Step("folder", False, f"{folder}: {exc}")
            return
        yield Step("folder", True, f"{folder}: {state.exists} messages, UIDVALIDITY {state.uidvalidity}")
