"""Parse benchmark: the SpamAssassin sample, inputs where the stdlib crawls, CJK PDFs and the extraction sandbox.

    .venv/bin/python bench/parse.py [--repeat 3]

Side by side, in one run:
1. parse_message() over ../shared/data/spamassassin (1,999 messages): messages/s, p50/p95 ms.
2. Hostile headers/structure: the stdlib's modern policy alone (parse + the header reads a MIME walk makes)
   versus parse_message() (which switches to compat32 and cuts huge headers).
3. Korean/Japanese PDFs (reportlab CID fonts; plain, letter-spaced, glyph by glyph): whether pypdf,
   pdfminer.six and our extractor return the line exactly as written, and their time.
4. Text extraction cost in-process versus in the sandboxed child process.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gateway.config import LimitSettings  # noqa: E402
from gateway.mail.extract import PDF, SandboxExtractor, pdf_text  # noqa: E402
from gateway.mail.parse import parse_message  # noqa: E402
from tests.mail.builders import cjk_pdf  # noqa: E402

CORPUS = ROOT.parent / "shared" / "data" / "spamassassin"
KO = "견적 요청: 부산에서 로스앤젤레스까지 40피트 2개"
JA = "見積依頼：東京から大阪まで、パレット3枚"


def _ms(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def corpus(limits: LimitSettings) -> None:
    files = sorted(p for p in CORPUS.glob("*/*") if p.is_file())
    extract = SandboxExtractor(limits.max_text_chars)
    times = []
    for path in files:
        raw = path.read_bytes()
        start = time.perf_counter()
        parse_message(raw, limits, extract)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    total = sum(times) / 1000
    print(f"\n1. SpamAssassin sample: {len(files)} messages in {total:.1f} s = {len(files) / total:.0f} messages/s; "
          f"p50 {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms, "
          f"max {times[-1]:.0f} ms")


def _stdlib_modern(raw: bytes) -> None:
    msg = BytesParser(policy=default).parsebytes(raw)
    for part in msg.walk():
        part.get_content_type()
        part.get_param("charset")
        part.get_filename()


def hostile(limits: LimitSettings, repeat: int) -> None:
    cases = {
        "50,000 MIME parts": b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 50_000 + b"--b--\r\n",
        "header with 100,000 parameters": b"Content-Type: multipart/mixed;\r\n" + b"\ta=b;\r\n" * 100_000
        + b"\tboundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n",
        "RFC 2231 bomb, 20,000 pieces": b"Content-Type: application/pdf; "
        + b"".join(b"name*%d*=utf-8''a; " % i for i in range(20_000)) + b"\r\n\r\nx",
    }
    print("\n2. Inputs where the stdlib crawls (best of", repeat, "runs)")
    print(f"   {'input':32} {'modern policy alone':>20} {'parse_message()':>16}")
    for name, raw in cases.items():
        alone = _ms(lambda raw=raw: _stdlib_modern(raw), 1)
        ours = _ms(lambda raw=raw: parse_message(raw, limits, lambda *a: ""), repeat)
        print(f"   {name:32} {alone:17,.0f} ms {ours:13,.0f} ms")


def pdfs(repeat: int) -> None:
    from pdfminer.high_level import extract_text
    from pypdf import PdfReader

    def pypdf_text(data: bytes) -> str:
        return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)

    readers: dict[str, Callable[[bytes], str]] = {
        "pypdf 7.1": pypdf_text,
        "pdfminer.six": lambda data: extract_text(io.BytesIO(data)),
        "ours (pdfminer + spacing)": lambda data: pdf_text(data, 100_000),
    }
    print("\n3. CJK PDFs: is the line extracted exactly as written? (ms per PDF, best of", repeat, ")")
    print(f"   {'reader':28} " + " ".join(f"{lang}-{mode:7}" for lang in ("ko", "ja")
                                          for mode in ("plain", "spaced", "glyphs")))
    docs = [(line, cjk_pdf([line, "Total 12,000 kg"], font=font, mode=mode))
            for line, font in ((KO, "HYSMyeongJo-Medium"), (JA, "HeiseiMin-W3"))
            for mode in ("plain", "spaced", "glyphs")]
    for name, read in readers.items():
        cells = []
        for line, data in docs:
            ok = line in read(data)
            cells.append(f"{'yes' if ok else 'NO ':3} {_ms(lambda d=data, r=read: r(d), repeat):4.0f}ms")
        print(f"   {name:28} " + " ".join(f"{c:10}" for c in cells))


def sandbox(repeat: int) -> None:
    data = cjk_pdf([KO] * 40)
    SandboxExtractor(100_000)(PDF, data, 30)  # start the fork server once
    inproc = _ms(lambda: pdf_text(data, 100_000), repeat)
    cold = []
    for _ in range(repeat):
        box = SandboxExtractor(100_000)
        cold.append(_ms(lambda box=box: box(PDF, data, 30), 1))
        warm = _ms(lambda box=box: box(PDF, data, 30), repeat)
        box.close()
    print(f"\n4. One 40-line Korean PDF: in-process {inproc:.0f} ms; sandboxed: first file (helper starts) "
          f"{min(cold):.0f} ms, next files (warm helper) {warm:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    limits = LimitSettings()
    corpus(limits)
    hostile(limits, args.repeat)
    pdfs(args.repeat)
    sandbox(args.repeat)


if __name__ == "__main__":
    main()
