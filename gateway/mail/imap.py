"""One IMAP connection for one account (imapclient underneath): connect, log in, select, UID search/fetch, act, IDLE.

Every imapclient, socket and ssl exception is translated here into this tree:

    ImapError
    ├── ImapConnectError        cannot reach the server (refused, unreachable, timed out)
    │   └── ImapDnsError        the host name does not resolve
    ├── ImapTlsError            TLS failed: handshake, untrusted / expired / wrong-host certificate
    ├── ImapAuthError           the server refused the login (password or XOAUTH2 token)
    │   └── ImapCredentialError no password or token could be obtained (command, token endpoint)
    ├── ImapFolderError         a configured folder does not exist
    └── ImapConnectionLost      the session broke (connection dropped, BYE, unexpected NO/BAD)
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError
from imapclient.imapclient import DELETED, SEEN, SocketTimeout

from gateway.config import ImapAccount
from gateway.mail.oauth import SecretError, TokenError, TokenSource, command_output


class ImapError(Exception):
    """Talking to the IMAP server failed."""


class ImapConnectError(ImapError):
    """The server cannot be reached."""


class ImapDnsError(ImapConnectError):
    """The host name does not resolve."""


class ImapTlsError(ImapError):
    """The TLS handshake or the certificate check failed."""


class ImapAuthError(ImapError):
    """The server refused the login."""


class ImapCredentialError(ImapAuthError):
    """No password or access token could be obtained to log in with."""


class ImapFolderError(ImapError):
    """A folder does not exist on the server."""


class ImapConnectionLost(ImapError):
    """The session broke after it was established."""


@dataclass(frozen=True)
class FolderState:
    """What SELECT reported about a folder."""

    name: str
    uidvalidity: int
    exists: int
    uidnext: int | None


_CERT_HINTS = {
    10: "the server's certificate has expired",
    18: "the server's certificate is self-signed and not trusted: set ca_file to that certificate to trust it",
    19: "the server's certificate chain ends in an untrusted self-signed CA: set ca_file to that CA",
    20: "the server's certificate was issued by a CA this machine does not trust: set ca_file to the CA",
    62: "the server's certificate is not valid for this host name",
    64: "the server's certificate is not valid for this IP address",
}


def explain_certificate(exc: ssl.SSLCertVerificationError, host: str) -> str:
    """A sentence a person can act on for a certificate verification failure."""
    hint = _CERT_HINTS.get(exc.verify_code or 0)
    detail = exc.verify_message or str(exc)
    return f"{host}: {hint} ({detail})" if hint else f"{host}: certificate not accepted: {detail}"


@contextmanager
def translate(account: ImapAccount, connecting: bool = False) -> Iterator[None]:
    """Turn imapclient/socket/ssl exceptions into ImapError subclasses naming the account's server."""
    where = f"{account.host}:{account.effective_port}"
    try:
        yield
    except ImapError:
        raise
    except socket.gaierror as exc:
        raise ImapDnsError(f"{account.host}: host name does not resolve ({exc.strerror or exc})") from exc
    except ssl.SSLCertVerificationError as exc:
        raise ImapTlsError(explain_certificate(exc, account.host)) from exc
    except ssl.SSLError as exc:
        raise ImapTlsError(f"{where}: TLS handshake failed ({exc.reason or exc}); is this the right port "
                           f"for security = {account.security!r}?") from exc
    except ConnectionRefusedError as exc:
        raise ImapConnectError(f"{where}: connection refused (nothing listening on that port)") from exc
    except TimeoutError as exc:
        cls = ImapConnectError if connecting else ImapConnectionLost
        raise cls(f"{where}: timed out after {account.timeout_seconds:g}s") from exc
    except OSError as exc:
        cls = ImapConnectError if connecting else ImapConnectionLost
        raise cls(f"{where}: {exc.strerror or exc}") from exc
    except IMAPClientAbortError as exc:
        raise ImapConnectionLost(f"{where}: connection lost ({exc})") from exc
    except IMAPClientError as exc:
        cls = ImapConnectError if connecting else ImapConnectionLost
        raise cls(f"{where}: server error: {exc}") from exc


def tls_context(account: ImapAccount) -> ssl.SSLContext:
    """Certificate-verifying TLS context, trusting `ca_file` when configured."""
    cafile = str(account.ca_file) if account.ca_file else None
    return ssl.create_default_context(cafile=cafile)


class Credentials:
    """How one account logs in: a password (literal or from a command) or an XOAUTH2 token."""

    def __init__(self, account: ImapAccount, tokens: TokenSource | None = None) -> None:
        self.account = account
        self.tokens = tokens
        if account.auth == "xoauth2" and tokens is None:
            assert account.oauth2 is not None
            self.tokens = TokenSource(account.oauth2, timeout=account.timeout_seconds)

    def password(self) -> str:
        """The password, running password_command when configured."""
        if self.account.password is not None:
            return self.account.password
        assert self.account.password_command is not None
        try:
            return command_output(self.account.password_command, what="password_command",
                                  timeout=self.account.timeout_seconds)
        except SecretError as exc:
            raise ImapCredentialError(f"{self.account.name}: {exc}") from exc

    def token(self) -> str:
        """An XOAUTH2 access token."""
        assert self.tokens is not None
        try:
            return self.tokens.token()
        except TokenError as exc:
            raise ImapCredentialError(f"{self.account.name}: no XOAUTH2 token: {exc}") from exc


class ImapSession:
    """A logged-in (or about to be) connection to one account's server."""

    def __init__(self, client: IMAPClient, account: ImapAccount) -> None:
        self.client = client
        self.account = account
        self.selected: str | None = None
        self.bodies_fetched = 0

    @classmethod
    def open(cls, account: ImapAccount) -> ImapSession:
        """Connect with the configured security (implicit TLS, STARTTLS, or plain to localhost)."""
        timeout = SocketTimeout(connect=account.timeout_seconds, read=account.timeout_seconds)
        ctx = tls_context(account) if account.security != "plain" else None
        with translate(account, connecting=True):
            client = IMAPClient(account.host, port=account.effective_port, ssl=account.security == "tls",
                                ssl_context=ctx, timeout=timeout)
            session = cls(client, account)
            try:
                if account.security == "starttls":
                    if not client.has_capability("STARTTLS"):
                        raise ImapTlsError(f"{account.host}: server does not offer STARTTLS")
                    client.starttls(ctx)
            except BaseException:
                session.close()
                raise
        return session

    @property
    def tls_version(self) -> str | None:
        """The negotiated TLS version, None on a plain connection."""
        sock = getattr(self.client._imap, "sock", None)
        return sock.version() if isinstance(sock, ssl.SSLSocket) else None

    def login(self, credentials: Credentials) -> None:
        """Log in with a password or XOAUTH2; ImapAuthError when the server refuses."""
        acct = self.account
        with translate(acct):
            try:
                if acct.auth == "xoauth2":
                    self.client.oauth2_login(acct.username, credentials.token())
                else:
                    self.client.login(acct.username, credentials.password())
            except LoginError as exc:
                if acct.auth == "xoauth2":
                    if credentials.tokens is not None:
                        credentials.tokens.invalidate()
                    raise ImapAuthError(f"{acct.name}: the server refused the XOAUTH2 token for "
                                        f"{acct.username!r} ({exc})") from exc
                raise ImapAuthError(f"{acct.name}: the server refused user {acct.username!r} "
                                    f"and its password ({exc})") from exc

    def folders(self) -> list[str]:
        """Every folder name on the server."""
        with translate(self.account):
            return [str(name) for _flags, _delim, name in self.client.list_folders()]

    def select(self, folder: str) -> FolderState:
        """SELECT read-write; ImapFolderError when it does not exist."""
        with translate(self.account):
            if self.selected != folder and not self.client.folder_exists(folder):
                raise ImapFolderError(f"{self.account.name}: folder {folder!r} does not exist")
            info = self.client.select_folder(folder)
        self.selected = folder
        uidnext = info.get(b"UIDNEXT")
        return FolderState(folder, int(info[b"UIDVALIDITY"]), int(info.get(b"EXISTS", 0)),
                           int(uidnext) if uidnext is not None else None)

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid` in the selected folder, ascending."""
        with translate(self.account):
            found = self.client.search(["UID", f"{last_uid + 1}:*"])
        # "n:*" always matches the highest UID, even when it is below n
        return sorted(int(u) for u in found if int(u) > last_uid)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """RFC822.SIZE of each message (to bound how much one FETCH pulls into memory)."""
        if not uids:
            return {}
        with translate(self.account):
            data = self.client.fetch(list(uids), ["RFC822.SIZE"])
        return {int(uid): int(item.get(b"RFC822.SIZE", 0)) for uid, item in data.items()}

    def fetch(self, uids: Sequence[int]) -> dict[int, bytes]:
        """Full raw messages (BODY.PEEK[], leaves \\Seen alone); UIDs that vanished meanwhile are absent."""
        if not uids:
            return {}
        with translate(self.account):
            data = self.client.fetch(list(uids), ["BODY.PEEK[]"])
        out = {int(uid): bytes(item[b"BODY[]"]) for uid, item in data.items() if item.get(b"BODY[]") is not None}
        self.bodies_fetched += len(out)
        return out

    def mark_seen(self, uids: Sequence[int]) -> None:
        """Set \\Seen."""
        if uids:
            with translate(self.account):
                self.client.add_flags(list(uids), [SEEN], silent=True)

    def move(self, uids: Sequence[int], destination: str) -> None:
        """MOVE, or COPY + \\Deleted + (UID) EXPUNGE on servers without MOVE."""
        if not uids:
            return
        with translate(self.account):
            if not self.client.folder_exists(destination):
                raise ImapFolderError(f"{self.account.name}: move_to folder {destination!r} does not exist")
            if self.client.has_capability("MOVE"):
                self.client.move(list(uids), destination)
                return
            self.client.copy(list(uids), destination)
            self.client.add_flags(list(uids), [DELETED], silent=True)
            if self.client.has_capability("UIDPLUS"):
                self.client.uid_expunge(list(uids))
            else:
                self.client.expunge()

    @property
    def can_idle(self) -> bool:
        """Whether the server offers IDLE."""
        with translate(self.account):
            return bool(self.client.has_capability("IDLE"))

    def idle_wait(self, timeout: float, stop: threading.Event) -> bool:
        """IDLE on the selected folder until new mail (True), `timeout` or `stop` (False)."""
        deadline = time.monotonic() + timeout
        with translate(self.account):
            self.client.idle()
            try:
                while not stop.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    responses = self.client.idle_check(timeout=min(1.0, left))
                    if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                        return True
                    if any(r and r[0] == b"BYE" for r in responses):
                        raise ImapConnectionLost(f"{self.account.host}: server said BYE during IDLE")
                return False
            finally:
                self.client.idle_done()

    def close(self) -> None:
        """Log out if possible, then drop the socket; never raises."""
        try:
            self.client.logout()
        except Exception:
            with suppress(Exception):
                self.client.shutdown()
