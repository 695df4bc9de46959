"""Ingest benchmark: N mixed-language emails with attachments, over IMAP from a real dovecot and from the spool folder.

    .venv/bin/python bench/ingest.py [-n 1000] [--batch-sizes 50,20]

Each source runs in its own child process (the "gateway" whose peak RSS is reported) with the gateway's real
Runtime: SQLite with synchronous = full, raw .eml written and fsynced, one parse job queued per email.
Per-email time is what one email costs from fetch to stored-and-queued: its share of the batch's UID FETCH plus
its own ingest transaction (spool: read the file, ingest, move it aside). "In-batch latency" adds the wait behind
the emails before it in the same batch. "load, fsync" is the 1-minute load average after each run and the median
4 KiB write+fsync before and after it: every email costs three fsyncs (raw file, its directory, the SQLite commit),
so a busy machine or disk explains a slow run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE_MS = 2000.0  # the AWS Lambda system we replace: ~2 s per email


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def fsync_ms(directory: Path, rounds: int = 30) -> float:
    """Median time of write(4 KiB) + fsync here: how busy the disk is at this moment (explains noisy runs)."""
    path = directory / "fsync-probe"
    times = []
    with path.open("wb") as fh:
        for _ in range(rounds):
            t0 = time.perf_counter()
            fh.write(os.urandom(4096))
            fh.flush()
            os.fsync(fh.fileno())
            times.append((time.perf_counter() - t0) * 1000)
    path.unlink()
    return statistics.median(times)


def _write_config(directory: Path, extra: str, *, spool: bool) -> Path:
    from gateway.initialize import config_template

    text = config_template().replace("[web]\nenabled = true", "[web]\nenabled = false")
    text = text.replace("workers = 2 ", "workers = 0 ")
    if not spool:
        text = text.replace("[mail.spool]\nenabled = true", "[mail.spool]\nenabled = false")
    path = directory / "busybee.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


# -- children: one gateway process per source ---------------------------------------------------------


def child_imap(config: Path, expected: int) -> dict[str, object]:
    """Run the IMAP source of a real Runtime until `expected` messages are recorded."""
    from gateway.config import load_settings
    from gateway.mail.imap_source import ImapSource, IngestTiming
    from gateway.runtime import Runtime

    settings = load_settings(config, env={})
    runtime = Runtime(settings)
    runtime.build()
    timings: list[IngestTiming] = []
    source = ImapSource(runtime, settings.mail.imap[0], observer=timings.append)
    start, cpu = time.perf_counter(), time.process_time()
    source.start()
    while len(timings) < expected:
        if time.perf_counter() - start > 600 or not source.health()["alive"]:
            raise SystemExit(f"IMAP ingest stalled at {len(timings)}/{expected}: {source.last_error}")
        time.sleep(0.005)
    elapsed = timings[-1].stored - start
    cpu = time.process_time() - cpu
    source.stop()
    per_email, latency = [], []
    previous: dict[float, float] = {}
    for t in timings:  # within a batch, each email's ingest starts when the one before it was stored
        began = previous.get(t.fetch_started, t.fetched)
        per_email.append(((t.fetched - t.fetch_started) / t.batch + (t.stored - began)) * 1000)
        latency.append((t.stored - t.fetch_started) * 1000)
        previous[t.fetch_started] = t.stored
    outcomes = {o: sum(1 for t in timings if t.outcome == o) for o in {t.outcome for t in timings}}
    return {"emails": len(timings), "seconds": elapsed, "per_email_ms": per_email, "latency_ms": latency,
            "outcomes": outcomes, "cpu_seconds": cpu, "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def child_spool(config: Path, expected: int) -> dict[str, object]:
    """Ingest every ready spool file the way the spool component does, timing each."""
    from gateway.config import load_settings
    from gateway.mail.spool import ingest_file, ready_files
    from gateway.runtime import Runtime

    settings = load_settings(config, env={})
    runtime = Runtime(settings)
    runtime.build()
    db = runtime.connect()
    ingestor = runtime.ingestor(db)
    per_email: list[float] = []
    outcomes: dict[str, int] = {}
    start, cpu = time.perf_counter(), time.process_time()
    for path in ready_files(settings.spool_dir, settle_seconds=0):
        t0 = time.perf_counter()
        result = ingest_file(ingestor, path)
        per_email.append((time.perf_counter() - t0) * 1000)
        outcome = getattr(result, "outcome", "failed")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    if len(per_email) != expected:
        raise SystemExit(f"spool ingested {len(per_email)} of {expected}")
    return {"emails": len(per_email), "seconds": elapsed, "per_email_ms": per_email, "latency_ms": per_email,
            "outcomes": outcomes, "cpu_seconds": cpu, "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


# -- the parent: mail, dovecot, children, table -------------------------------------------------------------


def _run_child(kind: str, config: Path, expected: int) -> dict[str, Any]:
    disk = fsync_ms(config.parent)
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--config", str(config), "-n", str(expected)],
                         capture_output=True, text=True, check=False, timeout=900)
    if out.returncode != 0:
        raise SystemExit(f"{kind} child failed:\n{out.stderr[-3000:]}")
    result = dict(json.loads(out.stdout.strip().splitlines()[-1]))
    result["fsync_ms"] = (disk + fsync_ms(config.parent)) / 2
    result["load"] = os.getloadavg()[0]
    return result


def main() -> None:
    """Parse arguments, run both sources, print the comparison table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="number of emails (default 1000)")
    parser.add_argument("--batch-sizes", default="50,20",
                        help="IMAP UID FETCH batch sizes, one IMAP run each (default 50,20; 50 is the config default)")
    parser.add_argument("--child", choices=["imap", "spool"], help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child = child_imap if args.child == "imap" else child_spool
        print(json.dumps(child(args.config, args.n)))
        return

    from tests.services.dovecot import Dovecot
    from tests.services.mailgen import LANGS, quote_email

    work = Path(tempfile.mkdtemp(prefix="busybee-bench.", dir="/tmp"))
    work.chmod(0o711)
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    server = Dovecot(work, binary).start()
    try:
        mails = [quote_email(i) for i in range(args.n)]
        size = sum(len(m) for m in mails)
        with_attachments = sum(1 for i in range(args.n) if i % 3 == 0 or i % 5 == 0)
        for raw in mails:
            server.deliver("alice", raw)
        sizes = [int(b) for b in args.batch_sizes.split(",")]
        imap = {}
        for batch in sizes:
            imap_dir = work / f"imap-gw-{batch}"
            imap_dir.mkdir()
            account = server.account_toml("bench", security="tls", batch_size=batch, poll_seconds=1, after="none")
            imap[batch] = _run_child("imap", _write_config(imap_dir, account, spool=False), args.n)

        spool_dir = work / "spool-gw"
        spool_dir.mkdir()
        config = _write_config(spool_dir, "", spool=True)
        spool = spool_dir / "data" / "spool"
        spool.mkdir(parents=True)
        for i, raw in enumerate(mails):
            path = spool / f"{i:06d}.eml"
            path.write_bytes(raw)
            os.utime(path, (1, 1))
        spooled = _run_child("spool", config, args.n)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{args.n} emails ({', '.join(LANGS)}), {with_attachments} with attachments, "
          f"{size / args.n / 1024:.1f} KiB average; SQLite synchronous=full\n")
    head = f"| {'source':<34} | {'emails/s':>8} | {'p50 ms/email':>12} | {'p95 ms/email':>12} | " \
           f"{'p95 in-batch latency ms':>23} | {'peak RSS MB':>11} | {'load, fsync ms':>14} |"
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    rows = [(f"IMAP (dovecot, IMAPS), batch {b}", r) for b, r in imap.items()] + [("spool folder", spooled)]
    for name, r in rows:
        per = [float(x) for x in r["per_email_ms"]]
        lat = [float(x) for x in r["latency_ms"]]
        rate = float(r["emails"]) / float(r["seconds"])
        print(f"| {name:<34} | {rate:>8.0f} | {statistics.median(per):>12.1f} | {_percentile(per, 95):>12.1f} | "
              f"{_percentile(lat, 95):>23.1f} | {float(r['peak_rss_kb']) / 1024:>11.0f} | "
              f"{r['load']:>7.1f}, {r['fsync_ms']:>5.2f} |")
    print(f"| {'AWS Lambda system (baseline)':<34} | {1000 / BASELINE_MS:>8.1f} | {BASELINE_MS:>12.0f} | "
          f"{'~' + str(int(BASELINE_MS)):>12} | {'':>23} | {'':>11} | {'':>14} |")
    print("\ngateway CPU per email: " + "; ".join(
        f"{name}: {1000 * float(r['cpu_seconds']) / float(r['emails']):.2f} ms" for name, r in rows))
    print("outcomes: " + "; ".join(f"{name}: {r['outcomes']}" for name, r in rows))


if __name__ == "__main__":
    main()
