"""Exactly once: `busybee run`, SIGKILLed again and again during a large IMAP ingest, loses and doubles nothing."""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from gateway.initialize import config_template
from tests.conftest import require_binary
from tests.services.dovecot import Dovecot
from tests.services.mailgen import quote_email

pytestmark = [pytest.mark.imap, pytest.mark.slow]

UNIQUE = 1000
KILLS = 8


def identity(raw: bytes) -> tuple[str, str]:
    """(Message-ID, sha256 of the body): what makes two deliveries the same email, computed independently."""
    head, _, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    match = re.search(rb"^message-id:\s*<?([^>\s]+)>?", head, re.I | re.M)
    assert match, head[:200]
    return match.group(1).decode(), hashlib.sha256(body.rstrip(b"\n")).hexdigest()


def build_mailbox(server: Dovecot) -> set[tuple[str, str]]:
    """Deliver 1,000 distinct mails plus redeliveries, copies in a second folder and reused Message-IDs."""
    rng = random.Random(7)
    distinct: dict[int, bytes] = {i: quote_email(i) for i in range(UNIQUE)}
    deliveries: list[tuple[str, bytes]] = [("INBOX", raw) for raw in distinct.values()]
    for i in rng.sample(range(UNIQUE), 60):  # the same mail delivered twice (another relay hop on top)
        deliveries.append(("INBOX", b"Received: from mx2.example by mx1.example; Tue, 3 Mar 2026 10:00:00 +0000\r\n"
                                    + distinct[i]))
    for i in rng.sample(range(UNIQUE), 100):  # the same mail in two folders
        deliveries.append(("Archive", distinct[i]))
    reused = []
    for n, i in enumerate(rng.sample(range(UNIQUE), 20)):  # a Message-ID reused for a different mail
        mid = identity(distinct[i])[0]
        reused.append(quote_email(5000 + n, message_id=f"<{mid}>"))
    deliveries.extend(("Archive", raw) for raw in reused)
    rng.shuffle(deliveries)
    for folder, raw in deliveries:
        server.deliver("alice", raw, folder=folder)
    expected = {identity(raw) for raw in [*distinct.values(), *reused]}
    assert len(expected) == UNIQUE + 20
    return expected


def progress(db_path: Path) -> int:
    """How many sightings are committed (0 before the schema exists)."""
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM sightings").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_killed_gateway_stores_every_message_exactly_once(world_dir: Path) -> None:
    server = Dovecot(world_dir, require_binary("dovecot")).start()
    try:
        expected = build_mailbox(server)
        mailbox = {}
        with IMAPClient(server.host, port=server.port, ssl=False) as c:
            c.login("alice", "alicepw")
            for folder in ("INBOX", "Archive"):
                validity = c.select_folder(folder, readonly=True)[b"UIDVALIDITY"]
                mailbox[folder] = (validity, c.search(["ALL"]))
        total = sum(len(uids) for _, uids in mailbox.values())

        gw = world_dir / "gw"
        gw.mkdir()
        config = gw / "busybee.toml"
        config.write_text(config_template() + "\n" + server.account_toml(
            "sales", security="plain", folders=("INBOX", "Archive"), batch_size=25, poll_seconds=0.2, idle=False))
        env = {**os.environ, "BUSYBEE_WEB__ENABLED": "false", "BUSYBEE_JOBS__WORKERS": "0",
               "BUSYBEE_MAIL__SPOOL__ENABLED": "false", "BUSYBEE_LOG__LEVEL": "warning"}
        db_path = gw / "data" / "busybee.db"
        log = (gw / "gateway.log").open("ab")
        command = [sys.executable, "-m", "gateway", "--config", str(config), "run"]
        rng = random.Random(13)
        kills = 0
        deadline = time.monotonic() + 120
        while kills < KILLS:
            before = progress(db_path)
            proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
            while progress(db_path) == before and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.15))  # somewhere inside fetch / blob write / commit / bookkeeping
            assert proc.poll() is None, f"gateway exited on its own: {(gw / 'gateway.log').read_text()[-2000:]}"
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            kills += 1
            assert progress(db_path) < total, "the ingest finished before the kills were done: use a larger mailbox"
            assert time.monotonic() < deadline
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        while progress(db_path) < total and time.monotonic() < deadline:
            assert proc.poll() is None, (gw / "gateway.log").read_text()[-2000:]
            time.sleep(0.05)
        time.sleep(0.5)  # the after-action of the last batch
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        log.close()

        db = sqlite3.connect(db_path)
        rows = db.execute("SELECT id, sha256 FROM emails").fetchall()
        stored = []
        for _email_id, sha in rows:
            raw = (gw / "data" / "mail" / f"{sha}.eml").read_bytes()  # every raw .eml exists, intact
            assert hashlib.sha256(raw).hexdigest() == sha
            stored.append(identity(raw))
        assert len(stored) == len(set(stored)), "an email was stored twice"
        assert set(stored) == expected, "an email is missing or unexpected"
        jobs = db.execute("SELECT payload, COUNT(*) FROM jobs WHERE kind = 'parse' GROUP BY payload").fetchall()
        assert len(jobs) == len(rows) and all(n == 1 for _, n in jobs), "each email needs exactly one parse job"
        sources = {r[0] for r in db.execute("SELECT source FROM sightings")}
        want = {f"imap:sales:{folder}:{validity}:{uid}" for folder, (validity, uids) in mailbox.items() for uid in uids}
        assert sources == want, f"{len(want - sources)} messages never recorded"
        assert db.execute("SELECT COUNT(*) FROM sightings WHERE email_id IS NULL").fetchone()[0] == 0
        with IMAPClient(server.host, port=server.port, ssl=False) as c:
            c.login("alice", "alicepw")
            for folder in mailbox:
                c.select_folder(folder, readonly=True)
                assert c.search(["UNSEEN"]) == [], f"after-action owed in {folder}"
        print(f"{kills} kills, {total} messages, {len(rows)} emails stored once each")
    finally:
        server.stop()
