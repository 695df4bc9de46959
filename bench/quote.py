"""Quote benchmark: a complete quote request arriving → the quote email accepted (250) by a real SMTP server.

    .venv/bin/python bench/quote.py [-n 200] [--warmup 5] [--burst]

One gateway `Runtime` (its real worker pool, SQLite with synchronous = full, no LLM) runs the whole job pipeline
that is on main: ingest (raw .eml fsynced, row, parse job) → parse → classify (ONNX) → desk (extract fields,
start the request, price with the shipped rate card, store the quote, queue the email) → send_email (aiosmtplib)
→ aiosmtpd on loopback. A request's latency is from just before `Ingestor.ingest()` to the moment the SMTP
server has the quote's DATA (it answers 250 right after). Requests go one at a time (nothing queued behind
another); `--burst` also drops all of them at once and reports the throughput. Requests are ko/en/ja/th,
sea FCL, sea LCL and air, all with every required field.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BASELINE_MS = 2000.0  # the AWS Lambda system we replace: "< 2 s per email", email arrival to stored result
TARGET_P95_MS = 300.0
QUOTE_NUMBER = re.compile(r"\bQ-\d{8}-\d{4,}\b")

PLACES = [  # (English, Korean, Japanese, Thai)
    ("Busan", "부산", "釜山", "ปูซาน"), ("Tokyo", "도쿄", "東京", "โตเกียว"), ("Bangkok", "방콕", "バンコク", "กรุงเทพ"),
    ("Shanghai", "상하이", "上海", "เซี่ยงไฮ้"), ("Singapore", "싱가포르", "シンガポール", "สิงคโปร์"),
    ("Osaka", "오사카", "大阪", "โอซาก้า"), ("Laem Chabang", "램차방", "レムチャバン", "แหลมฉบัง"),
    ("Hong Kong", "홍콩", "香港", "ฮ่องกง"),
]
GOODS = [("auto parts", "자동차 부품", "自動車部品", "ชิ้นส่วนรถยนต์"),
         ("electronics", "전자제품", "電子機器", "อุปกรณ์อิเล็กทรอนิกส์"),
         ("furniture", "가구", "家具", "เฟอร์นิเจอร์"), ("textiles", "섬유", "繊維製品", "สิ่งทอ")]
LANGS = ("ko", "en", "ja", "th")


def request_email(i: int) -> tuple[str, bytes]:
    """The i-th complete quote request: its Message-ID and raw bytes."""
    lang = LANGS[i % 4]
    kind = ("fcl", "lcl", "air")[(i // 4) % 3]
    a, b = PLACES[i % len(PLACES)], PLACES[(i * 3 + 1) % len(PLACES)]
    if a == b:
        b = PLACES[(i + 1) % len(PLACES)]
    goods = GOODS[i % len(GOODS)]
    col = LANGS.index(lang) if lang != "en" else 0
    o, d, g = (a[col], b[col], goods[col]) if lang != "en" else (a[0], b[0], goods[0])
    n, ctype = 1 + i % 3, ("20GP", "40GP", "40HC")[i % 3]
    cbm, kg = 2 + i % 9, 150 + 10 * (i % 40)
    day = f"2026-12-{1 + i % 28:02d}"
    if lang == "ko":
        cargo = {"fcl": f"{ctype} {n}대 해상 운송", "lcl": f"LCL {cbm} CBM, {kg * 4} kg 해상 운송",
                 "air": f"항공 운송 {kg} kg"}[kind]
        body = f"안녕하세요.\n{o}에서 {d}까지 {cargo} 견적 부탁드립니다.\n품목: {g}\n출하 가능일: {day}\n감사합니다."
        subject = "견적 요청"
    elif lang == "ja":
        cargo = {"fcl": f"{ctype} {n}本の海上輸送", "lcl": f"LCL {cbm} CBM、{kg * 4} kgの海上輸送",
                 "air": f"航空輸送 {kg} kg"}[kind]
        body = (f"お世話になっております。\n{o}から{d}まで{cargo}をした場合の運賃見積もりをいただけますでしょうか。\n"
                f"品名: {g}\n出荷可能日: {day}\nよろしくお願いいたします。")
        subject = "お見積り依頼"
    elif lang == "th":
        cargo = {"fcl": f"ขนส่งทางเรือ {ctype} จำนวน {n} ตู้", "lcl": f"ขนส่งทางเรือ LCL {cbm} CBM น้ำหนัก {kg * 4} kg",
                 "air": f"ขนส่งทางอากาศ {kg} kg"}[kind]
        body = f"เรียนฝ่ายขาย\nขอใบเสนอราคา{cargo} จาก{o}ไป{d}\nสินค้า: {g}\nพร้อมส่ง: {day}\nขอบคุณครับ"
        subject = "ขอใบเสนอราคา"
    else:
        cargo = {"fcl": f"{n}x{ctype} by sea", "lcl": f"LCL {cbm} CBM, {kg * 4} kg by sea",
                 "air": f"{kg} kg by air freight"}[kind]
        body = (f"Hello,\nplease quote {cargo} from {o} to {d}.\nCommodity: {g}\nCargo ready: {day}\n"
                "Best regards,\nAlex")
        subject = "Quote request"
    mid = f"bench-{i}-{time.time_ns()}@customer{i % 7}.example"
    msg = EmailMessage()
    msg["From"] = f"Customer {i} <buyer{i}@customer{i % 7}.example>"
    msg["To"] = "sales@busybee.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{mid}>"
    msg["Date"] = format_datetime(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    msg.set_content(body)
    return mid, msg.as_bytes()


class Sink:
    """aiosmtpd handler: notes when each reply's DATA arrives, keyed by the request it answers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.arrived: dict[str, list[tuple[float, str]]] = {}
        self.rcpts: dict[str, list[str]] = {}
        self.events: dict[str, threading.Event] = {}

    def expect(self, mid: str) -> threading.Event:
        with self.lock:
            return self.events.setdefault(mid, threading.Event())

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.perf_counter()
        msg = message_from_bytes(envelope.content)
        subject = str(make_header(decode_header(msg.get("Subject", ""))))
        parent = (msg.get("In-Reply-To") or "").strip().strip("<>")
        with self.lock:
            self.arrived.setdefault(parent, []).append((at, subject))
            if QUOTE_NUMBER.search(subject):
                self.rcpts[parent] = list(envelope.rcpt_tos)
                self.events.setdefault(parent, threading.Event()).set()
        return "250 2.0.0 OK queued"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))] if ordered else float("nan")


def setup(work: Path, port: int) -> Any:
    from gateway.config import load_settings
    from gateway.initialize import config_template

    text = config_template().replace("[web]\nenabled = true", "[web]\nenabled = false")
    text = text.replace("[mail.spool]\nenabled = true", "[mail.spool]\nenabled = false")
    text = text.replace("[smtp]\nenabled = false", "[smtp]\nenabled = true")
    text = re.sub(r'(?m)^security = "starttls".*$', 'security = "none"', text, count=1)
    text = re.sub(r"(?m)^# port = 587.*$", f"port = {port}", text, count=1)
    path = work / "busybee.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path, env={})
    assert settings.smtp.enabled and settings.smtp.port == port and settings.smtp.security == "none", "config edit"
    return settings


def stage_times(db: Any, email_ids: list[int]) -> dict[str, list[float]]:
    """Per job kind, ms from the previous step's finish (or the email's arrival) to this step's finish."""
    out: dict[str, list[float]] = {}
    for email_id in email_ids:
        received = db.execute("SELECT received_at FROM emails WHERE id = ?", [email_id]).fetchone()[0]
        rows = db.execute(
            "SELECT kind, finished_at FROM jobs WHERE state = 'done' AND (payload LIKE ? OR payload LIKE ?) "
            "ORDER BY finished_at", [f'%"email_id": {email_id}}}', f'%"email_id": {email_id},%']).fetchall()
        sent = db.execute("SELECT sent_at FROM outbox WHERE email_id = ? AND kind = 'quote' AND state = 'sent'",
                          [email_id]).fetchall()
        prev = received
        for kind, finished in [*rows, *(("send_email", r[0]) for r in sent)]:
            out.setdefault(kind, []).append((finished - prev) * 1000)
            prev = finished
    return out


def main() -> None:
    """Run the requests through a real gateway and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="measured requests (default 200)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured first requests (model and gazetteer load)")
    parser.add_argument("--burst", action="store_true", help="also drop n requests at once and report throughput")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for each quote email")
    args = parser.parse_args()

    import socket

    from aiosmtpd.controller import Controller

    from gateway.runtime import Runtime

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    work = Path(tempfile.mkdtemp(prefix="busybee-bench-quote."))
    sink = Sink()
    ctl = Controller(sink, hostname="127.0.0.1", port=port)
    ctl.start()
    settings = setup(work, port)
    runtime = Runtime(settings)
    t_start = time.perf_counter()
    runtime.build()
    runtime.start()
    startup_s = time.perf_counter() - t_start
    warmup_ms: list[float] = []
    db = runtime.connect()
    ingestor = runtime.ingestor(db)
    latencies: list[float] = []
    failed: list[str] = []
    measured_ids: list[int] = []
    try:
        for i in range(args.warmup + args.n):
            mid, raw = request_email(i)
            event = sink.expect(mid)
            t0 = time.perf_counter()
            result = ingestor.ingest(raw, f"bench:{i}")
            if not event.wait(args.timeout):
                failed.append(f"request {i} ({mid}): no quote email in {args.timeout} s; got "
                              f"{[s for _, s in sink.arrived.get(mid, [])]}")
                continue
            at = next(a for a, s in sink.arrived[mid] if QUOTE_NUMBER.search(s))
            sender = f"buyer{i}@customer{i % 7}.example"
            if sink.rcpts.get(mid) != [sender]:
                failed.append(f"request {i}: quote sent to {sink.rcpts.get(mid)}, not to {sender}")
            if i < args.warmup:
                warmup_ms.append((at - t0) * 1000)
                continue
            latencies.append((at - t0) * 1000)
            if result.email_id is not None:
                measured_ids.append(result.email_id)
        burst: dict[str, float] = {}
        if args.burst:
            ids = []
            events = []
            t0 = time.perf_counter()
            for i in range(10_000, 10_000 + args.n):
                mid, raw = request_email(i)
                events.append(sink.expect(mid))
                ids.append(ingestor.ingest(raw, f"burst:{i}").email_id)
            deadline = time.perf_counter() + args.n * args.timeout / 4
            done = sum(1 for e in events if e.wait(max(0.0, deadline - time.perf_counter())))
            burst = {"n": args.n, "done": done, "seconds": time.perf_counter() - t0}
    finally:
        runtime.stop()
        ctl.stop()
    stages = stage_times(db, measured_ids)
    print(f"quote pipeline: {len(latencies)} of {args.n} complete requests quoted, one at a time; gateway start-up "
          f"{startup_s:.1f} s; {args.warmup} warm-up request(s) first (model and gazetteer load): "
          f"{', '.join(f'{w:.0f}' for w in warmup_ms)} ms")
    print("stages on main: ingest → parse → classify → desk (extract, price, store, outbox) → send_email → SMTP 250; "
          f"{settings.jobs.workers} workers, synchronous = {settings.store.synchronous}, no LLM")
    print()
    print("| system | p50 ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: |")
    if latencies:
        print(f"| BusyBee: request ingested → quote email accepted (250) | {statistics.median(latencies):.0f} | "
              f"{pct(latencies, 95):.0f} | {max(latencies):.0f} |")
    print(f"| AWS Lambda system we replace (\"< 2 s per email\") | ~{BASELINE_MS:.0f} | ~{BASELINE_MS:.0f} | |")
    print()
    if stages:
        print("per step, ms from the previous step's finish (p50 / p95):")
        for kind, values in stages.items():
            print(f"  {kind:12} {statistics.median(values):7.1f} / {pct(values, 95):7.1f}   ({len(values)})")
    if burst:
        print(f"burst: {burst['done']} of {burst['n']} quoted in {burst['seconds']:.1f} s = "
              f"{burst['done'] / burst['seconds']:.1f} quotes/s")
    verdict = "meets" if latencies and pct(latencies, 95) <= TARGET_P95_MS else "MISSES"
    print(f"target p95 ≤ {TARGET_P95_MS:.0f} ms: {verdict}")
    for line in failed[:10]:
        print("FAILED", line)
    if failed:
        print(f"{len(failed)} request(s) got no quote")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
