"""The IMAP source against a real dovecot: accounts and folders, IDLE and polling, after-actions, bookkeeping."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from imapclient import IMAPClient

from gateway.mail.imap_source import ImapSource, IngestTiming, split_by_size
from gateway.runtime import Runtime
from tests.conftest import require_binary
from tests.services.dovecot import Dovecot, free_port
from tests.services.mailgen import quote_email
from tests.services.wait import wait_for

pytestmark = pytest.mark.imap


def count(runtime: Runtime, sql: str, *args: object) -> int:
    db = runtime.connect()
    try:
        return int(db.execute(sql, list(args)).fetchone()[0])
    finally:
        db.close()


def emails(runtime: Runtime) -> int:
    return count(runtime, "SELECT COUNT(*) FROM emails")


def client(server: Dovecot, user: str = "alice") -> IMAPClient:
    c = IMAPClient(server.host, port=server.port, ssl=False)
    c.login(user, {"alice": "alicepw", "bob": "bobpw"}[user])
    return c


def test_several_accounts_and_folders_once_each(
    imap_server: Dovecot, imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource]
) -> None:
    same = quote_email(1)
    imap_server.deliver("alice", same)
    imap_server.deliver("alice", same, folder="Archive")  # the same mail in two folders
    imap_server.deliver("alice", quote_email(2), folder="Archive")
    imap_server.deliver("bob", quote_email(3))
    imap_server.deliver("bob", same)  # and in another account
    rt = imap_runtime(imap_server.account_toml("sales", "alice", folders=("INBOX", "Archive"), poll_seconds=0.3)
                      + imap_server.account_toml("ops", "bob", security="starttls", poll_seconds=0.3))
    run_source(rt, 0)
    run_source(rt, 1)
    wait_for(lambda: count(rt, "SELECT COUNT(*) FROM sightings") == 5, what="5 sightings")
    assert emails(rt) == 3
    assert count(rt, "SELECT COUNT(*) FROM jobs WHERE kind = 'parse'") == 3

    def positions() -> dict[tuple[str, str], int]:
        db = rt.connect()
        try:
            return {(r[0], r[1]): r[2] for r in db.execute("SELECT account, folder, last_uid FROM imap_folders")}
        finally:
            db.close()

    want = {("sales", "INBOX"): 1, ("sales", "Archive"): 2, ("ops", "INBOX"): 2}
    wait_for(lambda: positions() == want, what=f"last UIDs {want}")  # bookkeeping follows the batch's commits
    assert rt.metrics.emails_duplicate.labels("imap")._value.get() == 2


def test_idle_picks_up_a_new_message_within_seconds(
    imap_server: Dovecot, imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource]
) -> None:
    rt = imap_runtime(imap_server.account_toml(poll_seconds=300))
    source = run_source(rt)
    wait_for(lambda: source.idling, what="the source to enter IDLE")
    t0 = time.monotonic()
    imap_server.deliver("alice", quote_email(7))
    wait_for(lambda: emails(rt) == 1, seconds=5, what="IDLE to deliver the message")
    assert time.monotonic() - t0 < 3.0  # the poll interval is 300 s: only IDLE can explain this


def test_polling_when_the_server_has_no_idle(
    world_dir: Path, imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource]
) -> None:
    server = Dovecot(world_dir, require_binary("dovecot"), idle=False).start()
    try:
        rt = imap_runtime(server.account_toml(poll_seconds=0.5))
        source = run_source(rt)
        wait_for(lambda: source.last_ok, what="a first poll")
        assert not source.idling
        server.deliver("alice", quote_email(8))
        wait_for(lambda: emails(rt) == 1, seconds=5, what="polling to find the message")
        assert not source.idling
    finally:
        server.stop()


@pytest.mark.parametrize("after", ["seen", "move", "none"])
def test_after_actions(
    imap_server: Dovecot, imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource], after: str
) -> None:
    imap_server.maildir("alice", "Done")
    for i in range(3):
        imap_server.deliver("alice", quote_email(i))
    extra = {"move_to": "Done"} if after == "move" else {}
    rt = imap_runtime(imap_server.account_toml(after=after, poll_seconds=0.3, **extra))
    run_source(rt)
    wait_for(lambda: emails(rt) == 3, what="3 emails")
    expected = {"seen": (3, 0, 0), "move": (0, 0, 3), "none": (3, 3, 0)}[after]

    def state() -> tuple[int, int, int]:
        c = client(imap_server)
        try:
            c.select_folder("INBOX", readonly=True)
            inbox, unseen = len(c.search(["ALL"])), len(c.search(["UNSEEN"]))
            c.select_folder("Done", readonly=True)
            return inbox, unseen, len(c.search(["ALL"]))
        finally:
            c.logout()

    wait_for(lambda: state() == expected, what=f"INBOX/unseen/Done counts {expected}")  # follows the commit
    time.sleep(0.5)
    assert state() == expected


def test_move_without_the_move_extension_copies_and_expunges(
    world_dir: Path, imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource]
) -> None:
    server = Dovecot(world_dir, require_binary("dovecot"), move=False).start()
    try:
        server.maildir("alice", "Done")
        for i in range(4):
            server.deliver("alice", quote_email(i))
        rt = imap_runtime(server.account_toml(after="move", move_to="Done", poll_seconds=0.3))
        run_source(rt)
        wait_for(lambda: emails(rt) == 4, what="4 emails")

        def state() -> tuple[int, int]:
            c = client(server)
            try:
                assert not c.has_capability("MOVE")
                inbox = c.select_folder("INBOX", readonly=True)[b"EXISTS"]
                return int(inbox), len(c.select_folder("Done", readonly=True) and c.search(["ALL"]))
            finally:
                c.logout()

        wait_for(lambda: state() == (0, 4), what="INBOX expunged and 4 copies in Done")
    finally:
        server.stop()


def test_restart_does_not_download_seen_mail_again(
    imap_server: Dovecot, imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource]
) -> None:
    for i in range(20):
        imap_server.deliver("alice", quote_email(i))
    rt = imap_runtime(imap_server.account_toml(poll_seconds=0.3, after="none", batch_size=7))
    first = run_source(rt)
    wait_for(lambda: emails(rt) == 20, what="20 emails")
    first.stop()
    imap_server.deliver("alice", quote_email(100))
    second = run_source(rt)
    wait_for(lambda: emails(rt) == 21, what="the 21st email")
    second.stop()
    assert first.bodies_fetched + second.bodies_fetched == 21
    # and from the server's side: dovecot logs the bodies it sent in each session's logout line
    wait_for(lambda: imap_server.fetch_body_count() == 21, seconds=5, what="dovecot to log 21 bodies sent")


def test_uidvalidity_change_reads_again_and_drops_duplicates(
    imap_server: Dovecot, imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource]
) -> None:
    msgs = [quote_email(i) for i in range(3)]
    for raw in msgs:
        imap_server.deliver("alice", raw, folder="Work")
    rt = imap_runtime(imap_server.account_toml(folders=("Work",), poll_seconds=0.3, idle=False))
    source = run_source(rt)
    wait_for(lambda: emails(rt) == 3, what="3 emails")
    old = rt.connect().execute("SELECT uidvalidity FROM imap_folders").fetchone()[0]
    c = client(imap_server)  # replace the folder, live: same mail plus one new, under a new UIDVALIDITY
    c.create_folder("Rebuilt")
    for raw in [*msgs, quote_email(50)]:
        c.append("Rebuilt", raw)
    c.rename_folder("Work", "Old")
    c.rename_folder("Rebuilt", "Work")
    c.logout()
    wait_for(lambda: emails(rt) == 4, what="the new message after the UIDVALIDITY change")
    wait_for(lambda: count(rt, "SELECT COUNT(*) FROM sightings") == 7, what="all 7 sightings")
    # the bookkeeping of a batch follows its commits
    wait_for(lambda: count(rt, "SELECT last_uid FROM imap_folders") == 4, what="last_uid 4 under the new UIDVALIDITY")
    assert count(rt, "SELECT uidvalidity FROM imap_folders") != old
    assert count(rt, "SELECT COUNT(*) FROM jobs") == 4
    assert source.health()["alive"]


def test_reconnects_after_dovecot_restarts(
    imap_server: Dovecot, imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource]
) -> None:
    imap_server.deliver("alice", quote_email(1))
    rt = imap_runtime(imap_server.account_toml(poll_seconds=0.3))
    source = run_source(rt)
    wait_for(lambda: emails(rt) == 1, what="the first email")
    imap_server.restart()
    imap_server.deliver("alice", quote_email(2))
    wait_for(lambda: emails(rt) == 2, seconds=15, what="the email delivered after the restart")
    assert rt.metrics.source_errors.labels("imap:sales")._value.get() >= 1
    wait_for(lambda: source.connected, what="reconnected")


def test_missing_folder_is_recorded_and_others_still_read(
    imap_server: Dovecot, imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource]
) -> None:
    imap_server.deliver("alice", quote_email(1))
    rt = imap_runtime(imap_server.account_toml(folders=("INBOX", "Nope"), poll_seconds=0.3))
    run_source(rt)
    wait_for(lambda: emails(rt) == 1, what="INBOX to be read")
    wait_for(lambda: count(rt, "SELECT COUNT(*) FROM imap_folders WHERE last_error LIKE '%does not exist%'") == 1,
             what="the missing folder's error")
    from gateway.status import gather_status

    status = gather_status(rt.connect(), rt.settings)
    polled = {s["name"]: s for s in status["sources"]}
    assert polled["sales/INBOX"]["last_poll"] and polled["sales/INBOX"]["last_error"] is None
    assert "does not exist" in polled["sales/Nope"]["last_error"]


def test_split_by_size_bounds_each_fetch() -> None:
    sizes = {1: 400, 2: 400, 3: 5000, 4: 100, 5: 100}
    assert split_by_size([1, 2, 3, 4, 5], sizes, 1000) == [[1, 2], [3], [4, 5]]
    assert split_by_size([], {}, 1000) == []


def test_fetches_stay_within_the_memory_budget(
    imap_server: Dovecot, imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource]
) -> None:
    for i in range(12):
        imap_server.deliver("alice", quote_email(i))
    timings: list[IngestTiming] = []
    rt = imap_runtime(imap_server.account_toml(poll_seconds=0.3))
    run_source(rt, observer=timings.append, fetch_budget_bytes=30_000)
    wait_for(lambda: len(timings) == 12, what="12 emails")
    sizes = {len(quote_email(i)) for i in range(12)}
    assert max(t.batch for t in timings) < 12 and max(sizes) < 30_000
    assert emails(rt) == 12


def test_unreachable_server_backs_off_exponentially(
    imap_runtime: Callable[[str], Runtime], run_source: Callable[..., ImapSource]
) -> None:
    rt = imap_runtime(f'[[mail.imap]]\nname = "down"\nhost = "127.0.0.1"\nport = {free_port()}\n'
                      'security = "plain"\nallow_plain = true\nusername = "u"\npassword = "p"\n')
    source = run_source(rt, backoff_base=0.2, backoff_max=10.0)
    time.sleep(1.3)  # attempts at 0, 0.2, 0.6 (then 1.4): a fixed 0.2 s retry would have made 7
    attempts = rt.metrics.source_errors.labels("imap:down")._value.get()
    assert 2 <= attempts <= 4
    assert source.health()["alive"] and "connection refused" in (source.last_error or "")
    assert "connection refused" in rt.connect().execute("SELECT last_error FROM imap_folders").fetchone()[0]
