"""The IMAP mail source: one component per account, polling or IDLE-ing, UID-tracked, reconnecting with backoff.

Bookkeeping rule (paperless-ngx #13175 re-downloads every mail it did not match): the `imap_folders` row of a
folder advances past EVERY UID fetched — stored, duplicate, too large or failed — and a UID whose sighting
is already recorded is never fetched again, even after a kill between ingest and bookkeeping.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from gateway.config import ImapAccount
from gateway.db import StoreError, transaction
from gateway.mail.imap import Credentials, ImapError, ImapFolderError, ImapSession
from gateway.mail.ingest import Ingestor

if TYPE_CHECKING:
    from gateway.runtime import Runtime

log = logging.getLogger(__name__)

# one UID FETCH pulls at most this much mail into memory (a Pi-class box; messages may be 50 MB each)
FETCH_BUDGET_BYTES = 8 * 1024 * 1024
# RFC 2177: servers may drop a client that IDLEs for 30 minutes; re-issue IDLE well before
IDLE_MAX_SECONDS = 25 * 60


@dataclass(frozen=True)
class IngestTiming:
    """When one message's batch was fetched and when the message was stored and queued (perf_counter)."""

    source: str
    outcome: str
    fetch_started: float
    fetched: float
    stored: float
    batch: int


def source_key(account: str, folder: str, uidvalidity: int, uid: int) -> str:
    """The sighting key of one IMAP message."""
    return f"imap:{account}:{folder}:{uidvalidity}:{uid}"


class FolderBook:
    """UIDVALIDITY / last UID / last poll of each folder of one account, in `imap_folders`."""

    def __init__(self, db: Database, account: str) -> None:
        self.db = db
        self.account = account

    def position(self, folder: str) -> tuple[int | None, int]:
        """(uidvalidity, last_uid) recorded for `folder`; (None, 0) when never polled."""
        row = self.db.execute("SELECT uidvalidity, last_uid FROM imap_folders WHERE account = ? AND folder = ?",
                              [self.account, folder]).fetchone()
        return (None, 0) if row is None else (int(row[0]), int(row[1]))

    def advance(self, folder: str, uidvalidity: int, last_uid: int) -> None:
        """Record that every UID up to `last_uid` under `uidvalidity` was handled."""
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO imap_folders (account, folder, uidvalidity, last_uid) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (account, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, "
                "last_uid = excluded.last_uid",
                [self.account, folder, uidvalidity, last_uid],
            )

    def polled(self, folder: str, error: str | None) -> None:
        """Stamp the end of a poll of `folder` (with its error, if any)."""
        with transaction(self.db):
            self.db.execute(
                "INSERT INTO imap_folders (account, folder, uidvalidity, last_uid, last_poll, last_error) "
                "VALUES (?, ?, 0, 0, ?, ?) ON CONFLICT (account, folder) DO UPDATE SET "
                "last_poll = excluded.last_poll, last_error = excluded.last_error",
                [self.account, folder, time.time(), error],
            )


def _chunks(items: Sequence[int], size: int) -> list[Sequence[int]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def split_by_size(uids: Sequence[int], sizes: dict[int, int], budget: int) -> list[list[int]]:
    """Consecutive groups of `uids` whose sizes add up to at most `budget` (a bigger message goes alone)."""
    groups: list[list[int]] = []
    current: list[int] = []
    total = 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if current and total + size > budget:
            groups.append(current)
            current, total = [], 0
        current.append(uid)
        total += size
    if current:
        groups.append(current)
    return groups


class ImapSource:
    """Polls (or IDLEs on) one IMAP account in its own thread and ingests every new message once."""

    def __init__(
        self,
        runtime: Runtime,
        account: ImapAccount,
        *,
        credentials: Credentials | None = None,
        backoff_base: float = 1.0,
        backoff_max: float = 300.0,
        observer: Callable[[IngestTiming], None] | None = None,
        fetch_budget_bytes: int = FETCH_BUDGET_BYTES,
    ) -> None:
        self.runtime = runtime
        self.account = account
        self.name = f"imap:{account.name}"
        self.credentials = credentials or Credentials(account)
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.observer = observer
        self.fetch_budget_bytes = fetch_budget_bytes
        self.last_ok: float | None = None
        self.last_error: str | None = None
        self.connected = False
        self.idling = False
        self.bodies_fetched = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)

    def start(self) -> None:
        """Start the account's thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current batch (IDLE notices within a second) and log out."""
        self._stop.set()
        self._thread.join(self.account.timeout_seconds + 5)

    def health(self) -> dict[str, Any]:
        """Thread alive, connected, IDLE-ing, last good poll and last error."""
        return {"alive": self._thread.is_alive(), "connected": self.connected, "idle": self.idling,
                "last_ok": self.last_ok, "last_error": self.last_error}

    # -- the loop --------------------------------------------------------------------------------

    def _run(self) -> None:
        db = self.runtime.connect()
        ingestor = self.runtime.ingestor(db)
        book = FolderBook(db, self.account.name)
        delay = self.backoff_base
        while not self._stop.is_set():
            session: ImapSession | None = None
            try:
                session = ImapSession.open(self.account)
                session.login(self.credentials)
                self.connected = True
                log.info("imap connected", extra={"account": self.account.name, "tls": session.tls_version})
                while not self._stop.is_set():
                    self.poll(session, ingestor, book)
                    delay = self.backoff_base
                    self._wait_for_mail(session)
            except (ImapError, StoreError) as exc:
                self._failed(book, str(exc), exc)
            except Exception as exc:  # a bug must not kill the source: log it, back off, try again
                log.exception("imap source failed", extra={"account": self.account.name})
                self._failed(book, f"{type(exc).__name__}: {exc}", exc)
            finally:
                self.connected = self.idling = False
                if session is not None:
                    self.bodies_fetched += session.bodies_fetched
                    session.close()
            if self._stop.wait(delay):
                break
            delay = min(delay * 2, self.backoff_max)
        db.close()

    def _wait_for_mail(self, session: ImapSession) -> None:
        acct = self.account
        if acct.idle and len(acct.folders) == 1 and session.can_idle:
            self.idling = True
            session.idle_wait(min(acct.poll_seconds, IDLE_MAX_SECONDS), self._stop)
            self.idling = False
        else:
            self._stop.wait(acct.poll_seconds)

    def _failed(self, book: FolderBook, error: str, exc: Exception) -> None:
        self.last_error = error
        self.runtime.metrics.source_errors.labels(self.name).inc()
        log.warning("imap source error; reconnecting", extra={"account": self.account.name, "error": error,
                                                              "kind": type(exc).__name__})
        try:
            for folder in self.account.folders:
                book.polled(folder, error)
        except StoreError:
            pass

    def poll(self, session: ImapSession, ingestor: Ingestor, book: FolderBook) -> int:
        """Sync every folder once; a missing folder is recorded and skipped. Returns messages fetched."""
        fetched = 0
        for folder in self.account.folders:
            if self._stop.is_set():
                break
            try:
                fetched += self.sync_folder(session, ingestor, book, folder)
            except ImapFolderError as exc:
                self.runtime.metrics.source_errors.labels(self.name).inc()
                log.warning("imap folder missing", extra={"account": self.account.name, "folder": folder})
                book.polled(folder, str(exc))
                continue
            book.polled(folder, None)
        self.last_ok, self.last_error = time.time(), None
        return fetched

    def sync_folder(self, session: ImapSession, ingestor: Ingestor, book: FolderBook, folder: str) -> int:
        """Ingest every UID above the recorded one, batch by batch; returns how many bodies were fetched."""
        state = session.select(folder)
        known_validity, last_uid = book.position(folder)
        if known_validity != state.uidvalidity:
            if known_validity not in (None, 0):
                log.warning("UIDVALIDITY changed: reading the folder again (duplicates are dropped)",
                            extra={"account": self.account.name, "folder": folder,
                                   "old": known_validity, "new": state.uidvalidity})
            last_uid = 0
            book.advance(folder, state.uidvalidity, 0)
        if state.exists == 0 or (state.uidnext is not None and state.uidnext <= last_uid + 1):
            return 0
        fetched = 0
        for batch in _chunks(session.uids_after(last_uid), self.account.batch_size):
            if self._stop.is_set():
                break
            fetched += self._sync_batch(session, ingestor, folder, state.uidvalidity, batch)
            book.advance(folder, state.uidvalidity, batch[-1])
        return fetched

    def _sync_batch(
        self, session: ImapSession, ingestor: Ingestor, folder: str, uidvalidity: int, batch: Sequence[int]
    ) -> int:
        acct = self.account.name
        fresh = [u for u in batch if not ingestor.seen(source_key(acct, folder, uidvalidity, u))]
        done = [u for u in batch if u not in fresh]  # ingested before a crash: only the after-action is owed
        fetched = 0
        for part in split_by_size(fresh, session.sizes(fresh), self.fetch_budget_bytes):
            started = time.perf_counter()
            bodies = session.fetch(part)
            arrived = time.perf_counter()
            fetched += len(bodies)
            for uid in part:
                raw = bodies.get(uid)
                if raw is None:
                    continue  # expunged meanwhile
                source = source_key(acct, folder, uidvalidity, uid)
                try:
                    result = ingestor.ingest(raw, source)
                except StoreError:
                    raise  # nothing recorded: this UID will be fetched again
                except Exception:
                    self.runtime.metrics.source_errors.labels(self.name).inc()
                    log.exception("imap message could not be ingested; left on the server",
                                  extra={"account": acct, "folder": folder, "uid": uid})
                    continue
                self.runtime.count(result, "imap")
                done.append(uid)
                if self.observer is not None:
                    self.observer(IngestTiming(source, result.outcome, started, arrived, time.perf_counter(),
                                               len(part)))
        self._after(session, sorted(done))
        return fetched

    def _after(self, session: ImapSession, uids: Sequence[int]) -> None:
        """The configured after-action, only for messages whose ingest has committed."""
        if self.account.after == "seen":
            session.mark_seen(uids)
        elif self.account.after == "move":
            assert self.account.move_to is not None
            session.move(uids, self.account.move_to)
