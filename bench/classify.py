"""Intent classifier benchmark: the shipped ONNX bundle vs the same weights in PyTorch eager vs TF-IDF + LR.

usage: python bench/classify.py [--bundle models/intent] [--runs 2000]
(needs the `train` extra: torch, scikit-learn, onnx)

Everything is measured in this one run on the held-out split (models/corpus/heldout, other writers):
accuracy and macro-F1, single-email latency p50/p99 with one thread including tokenisation, batch-of-32
throughput, bundle size, cold start (fresh process → first prediction) and RSS, next to the figures of
the system we replace.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import numpy_helper  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from cloud.intent import corpus as C  # noqa: E402
from cloud.intent.evaluate import scores, spam_report  # noqa: E402
from cloud.intent.export import quantize_int8  # noqa: E402
from cloud.intent.models import FastTextClassifier  # noqa: E402
from gateway.classify.bundle import load_bundle, read_manifest  # noqa: E402
from gateway.classify.manifest import MODEL_FILE  # noqa: E402
from gateway.classify.model import IntentModel, make_session  # noqa: E402

OLD = {"accuracy": 0.85, "onnx_batch_ms": 200.0, "torch_ms": 800.0, "params": 66_000_000,
       "name": "DistilKoBERT (old system)"}
COLD_START = """
import time, resource, sys
t0 = time.perf_counter()
from gateway.classify.bundle import load_bundle
m = load_bundle(sys.argv[1])
p = m.classify("부산-LA 40HC 2대 해상운임 견적 부탁드립니다")
rss = int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0])
print(time.perf_counter() - t0, rss, p.label)
"""


def timed(fn: Callable[[], object], runs: int, warmup: int = 20) -> list[float]:
    """Wall times (seconds) of `runs` calls after a warm-up."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def pct(times: Sequence[float], q: float) -> float:
    """q-th percentile in milliseconds."""
    return float(np.percentile(np.asarray(times), q) * 1000)


def torch_from_onnx(model_path: Path, vocab: int, config: dict[str, int]) -> FastTextClassifier:
    """The fastText-style model with the ONNX file's weights (same numbers, PyTorch eager)."""
    weights = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(model_path)).graph.initializer}
    emb, fc_w, fc_b = weights["emb.weight"], weights["fc.weight"], weights["fc.bias"]
    chars = config.get("char_buckets", 0)
    model = FastTextClassifier(vocab, fc_w.shape[0], dim=emb.shape[1], buckets=emb.shape[0] - vocab - chars,
                               char_buckets=chars)
    model.load_state_dict({"emb.weight": torch.from_numpy(emb.copy()), "fc.weight": torch.from_numpy(fc_w.copy()),
                           "fc.bias": torch.from_numpy(fc_b.copy())})
    return model.eval()


def cold_start(bundle: Path, runs: int = 3) -> tuple[float, float, int]:
    """(median seconds from process start to first prediction, in-process part, RSS KiB) in fresh interpreters."""
    walls, inner, rss = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", COLD_START, str(bundle)], capture_output=True, text=True,
                             check=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
        walls.append(time.perf_counter() - t0)
        t_in, kib, _ = out.stdout.split()
        inner.append(float(t_in))
        rss.append(int(kib))
    return statistics.median(walls), statistics.median(inner), int(statistics.median(rss))


def main() -> int:
    """Run every measurement and print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bundle", type=Path, default=REPO / "models" / "intent")
    parser.add_argument("--runs", type=int, default=2000, help="single-email timing runs")
    args = parser.parse_args()
    torch.set_num_threads(1)

    manifest = read_manifest(args.bundle)
    model = load_bundle(args.bundle, threads=1)
    heldout = C.load_heldout()
    texts = [e.text for e in heldout]
    gold = [e.label for e in heldout]
    labels = manifest.labels
    rng = np.random.default_rng(0)
    sample = [texts[i] for i in rng.integers(0, len(texts), size=args.runs + 20)]
    cursor = iter(range(10**9))

    def one_onnx() -> None:
        model.classify(sample[next(cursor) % len(sample)])

    # --- ONNX (the gateway's code path)
    onnx_pred = [p.label for p in model.classify_batch(texts)]
    onnx_single = timed(one_onnx, args.runs)
    batches = [texts[i:i + 32] for i in range(0, len(texts) - 31, 32)]
    onnx_batch = timed(lambda: [model.classify_batch(b) for b in batches], 5, warmup=1)
    onnx_tput = len(batches) * 32 / statistics.median(onnx_batch)

    # --- the same weights in PyTorch eager (same tokenizer, same inputs)
    tmodel = torch_from_onnx(args.bundle / MODEL_FILE, model.tokenizer.get_vocab_size(), manifest.training["config"])
    names = [model.input_name] + ([model.char_input] if model.char_input else [])

    def torch_logits(batch: Sequence[str]) -> torch.Tensor:
        feed = model.inputs(batch)
        with torch.no_grad():
            return tmodel(*(torch.from_numpy(feed[n]) for n in names))

    parity = float(np.abs(torch_logits(texts[:64]).numpy() - model.logits(texts[:64])).max())
    torch_single = timed(lambda: torch_logits([sample[next(cursor) % len(sample)]]).softmax(-1), args.runs)

    def torch_batches() -> None:
        for b in batches:
            torch_logits(b)

    torch_tput = len(batches) * 32 / statistics.median(timed(torch_batches, 5, warmup=1))

    # --- model execution only (inputs prepared): onnxruntime vs PyTorch eager
    feeds = [model.inputs([t]) for t in sample[:200]]
    ort_only = timed(lambda: model.session.run(None, feeds[next(cursor) % len(feeds)]), args.runs)
    tensors = [[torch.from_numpy(f[n]) for n in names] for f in feeds]

    def torch_only() -> None:
        with torch.no_grad():
            tmodel(*tensors[next(cursor) % len(tensors)])

    torch_model_only = timed(torch_only, args.runs)

    # --- int8 (dynamic quantisation of the same ONNX file)
    with tempfile.TemporaryDirectory() as tmp:
        qpath = quantize_int8(args.bundle / MODEL_FILE, Path(tmp) / "int8.onnx")
        qmodel = IntentModel(make_session(qpath, 1), model.tokenizer, labels, max_tokens=model.max_tokens,
                             version="int8", min_confidence=model.min_confidence, char_input=model.char_input,
                             max_chars=model.max_chars)
        q_pred = [p.label for p in qmodel.classify_batch(texts)]
        q_single = timed(lambda: qmodel.classify(sample[next(cursor) % len(sample)]), args.runs // 2)
        q_bytes = qpath.stat().st_size

    # --- TF-IDF + logistic regression baseline, trained on the same hand-written emails + SpamAssassin part
    train_hand = C.load_hand()
    sa_train, sa_test = C.split_spamassassin(list(C.read_spamassassin()))
    spam_cap = manifest.training.get("spamassassin", 1000) // 2  # what the model learnt from, per class
    base_train = train_hand + [e for e in sa_train if e.label == "spam"][:spam_cap] + \
        [e for e in sa_train if e.label == "other"][:spam_cap]
    t0 = time.perf_counter()
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=2, max_features=200_000)
    clf = LogisticRegression(max_iter=2000, C=10.0)
    clf.fit(vec.fit_transform([e.text for e in base_train]), [e.label for e in base_train])
    base_fit = time.perf_counter() - t0
    base_pred = list(clf.predict(vec.transform(texts)))
    base_single = timed(lambda: clf.predict(vec.transform([sample[next(cursor) % len(sample)]])), args.runs // 4)

    # --- SpamAssassin test part through the gateway model
    sa_pred = [p.label for p in model.classify_batch([e.text for e in sa_test])]
    sa = spam_report([e.label for e in sa_test], sa_pred)
    sa_base = spam_report([e.label for e in sa_test], list(clf.predict(vec.transform([e.text for e in sa_test]))))

    bundle_bytes = sum(p.stat().st_size for p in args.bundle.iterdir() if p.is_file())
    cold_wall, cold_inner, rss_kib = cold_start(args.bundle)

    s_onnx, s_q, s_base = scores(gold, onnx_pred, labels), scores(gold, q_pred, labels), scores(gold, base_pred, labels)
    n_params = sum(p.numel() for p in tmodel.parameters())
    rows = [
        ("", "ours ONNX fp32", "ours int8", "same weights torch", "TF-IDF+LR", OLD["name"]),
        ("held-out accuracy", f"{s_onnx['accuracy']:.3f}", f"{s_q['accuracy']:.3f}", f"{s_onnx['accuracy']:.3f}",
         f"{s_base['accuracy']:.3f}", f"{OLD['accuracy']:.2f}"),
        ("held-out macro-F1", f"{s_onnx['macro_f1']:.3f}", f"{s_q['macro_f1']:.3f}", f"{s_onnx['macro_f1']:.3f}",
         f"{s_base['macro_f1']:.3f}", "-"),
        ("1 email p50 ms (1 thread, incl. tokenize)", f"{pct(onnx_single, 50):.3f}", f"{pct(q_single, 50):.3f}",
         f"{pct(torch_single, 50):.3f}", f"{pct(base_single, 50):.3f}", f"{OLD['torch_ms']:.0f} (torch)"),
        ("model run only p50 ms (inputs ready)", f"{pct(ort_only, 50):.3f}", "-", f"{pct(torch_model_only, 50):.3f}",
         "-", "-"),
        ("1 email p99 ms", f"{pct(onnx_single, 99):.3f}", f"{pct(q_single, 99):.3f}", f"{pct(torch_single, 99):.3f}",
         f"{pct(base_single, 99):.3f}", "-"),
        ("batch of 32: emails/s", f"{onnx_tput:,.0f}", "-", f"{torch_tput:,.0f}", "-",
         f"{32 / (OLD['onnx_batch_ms'] / 1000):,.0f} (ONNX batch ~{OLD['onnx_batch_ms']:.0f} ms)"),
        ("parameters", f"{n_params:,}", f"{n_params:,}", f"{n_params:,}", f"{clf.coef_.size:,}",
         f"{OLD['params']:,}"),
        ("model file MB", f"{(args.bundle / MODEL_FILE).stat().st_size / 1e6:.1f}", f"{q_bytes / 1e6:.1f}", "-", "-",
         "~250"),
    ]
    width = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"held-out split: {len(texts)} emails by other writers; bundle {manifest.version}")
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, width, strict=True)))
    print()
    speed = pct(torch_single, 50) / pct(onnx_single, 50)
    model_speed = pct(torch_model_only, 50) / pct(ort_only, 50)
    print(f"ONNX vs PyTorch eager, same weights: model run {model_speed:.1f}x faster (p50), {speed:.1f}x per email "
          f"including tokenisation, {onnx_tput / torch_tput:.1f}x in batches of 32; max |logit diff| {parity:.1e}")
    print(f"vs the old system: {OLD['torch_ms'] / pct(onnx_single, 50):,.0f}x faster than its PyTorch per email, "
          f"{OLD['params'] / n_params:,.0f}x fewer parameters")
    print(f"bundle size {bundle_bytes / 1e6:.1f} MB (target <= 20); cold start {cold_wall:.2f} s from process start "
          f"to first prediction ({cold_inner:.2f} s after the interpreter is up; target <= 1 s); "
          f"RSS {rss_kib / 1024:.0f} MB")
    print(f"TF-IDF+LR trained in {base_fit:.1f} s on {len(base_train)} emails (char 1-3-grams)")
    print(f"SpamAssassin test part ({sa['spam']} spam / {sa['ham']} ham): spam recall {sa['spam_recall']}, "
          f"ham false-positive rate {sa['ham_false_positive_rate']} (TF-IDF+LR: recall {sa_base['spam_recall']}, "
          f"ham false-positive rate {sa_base['ham_false_positive_rate']})")
    print(json.dumps({"onnx_p50_ms": round(pct(onnx_single, 50), 4), "onnx_p99_ms": round(pct(onnx_single, 99), 4),
                      "torch_p50_ms": round(pct(torch_single, 50), 4), "speedup": round(speed, 2),
                      "model_only_speedup": round(model_speed, 2),
                      "batch32_per_s": round(onnx_tput), "cold_start_s": round(cold_wall, 3),
                      "rss_mb": round(rss_kib / 1024), "bundle_mb": round(bundle_bytes / 1e6, 2),
                      "macro_f1": s_onnx["macro_f1"], "int8_macro_f1": s_q["macro_f1"],
                      "tfidf_macro_f1": s_base["macro_f1"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
