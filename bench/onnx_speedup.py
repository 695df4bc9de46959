"""How much faster is onnxruntime than PyTorch eager, per architecture, on this machine?

usage: python bench/onnx_speedup.py [--runs 500]
(needs the `train` extra: torch, onnx)

The intent issue asks for ONNX >= 4x faster than the same weights in PyTorch eager. This survey measures
that ratio for every architecture family we could ship under the 1 ms budget — the shipped fastText-style
model, the 1-D CNN it was compared with, and small transformers (plain export, onnxruntime's transformer
fusions, int8) — with random weights (speed does not depend on their values) on real inputs: the held-out
emails tokenised by the shipped tokenizer. One thread each, model run only (inputs ready), p50.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from bench.classify import pct, timed  # noqa: E402
from cloud.intent import corpus as C  # noqa: E402
from cloud.intent.export import export_onnx, quantize_int8  # noqa: E402
from cloud.intent.models import TrainConfig, build, pad_batch  # noqa: E402
from gateway.classify.bundle import load_bundle  # noqa: E402
from gateway.classify.model import make_session  # noqa: E402

MAX_POSITIONS = 128


class Block(nn.Module):
    """Pre-norm transformer encoder block (multi-head self-attention + GELU feed-forward)."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.qkv, self.out = nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.ff1, self.ff2 = nn.Linear(dim, 2 * dim), nn.Linear(2 * dim, dim)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) * (d // self.heads) ** -0.5 + bias, dim=-1) @ v
        x = x + self.out(att.transpose(1, 2).reshape(b, t, d))
        return x + self.ff2(nn.functional.gelu(self.ff1(self.norm2(x))))


class TinyTransformer(nn.Module):
    """Token + position embeddings, `layers` blocks, masked mean pooling, linear head."""

    def __init__(self, vocab: int, dim: int, layers: int, labels: int = 5) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.pos = nn.Embedding(MAX_POSITIONS, dim)
        self.blocks = nn.ModuleList(Block(dim, 4) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, labels)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = ids != 0
        x = self.emb(ids) + self.pos.weight[: ids.shape[1]]
        bias = ((~mask).float() * -1e9)[:, None, None, :]
        for block in self.blocks:
            x = block(x, bias)
        keep = mask.unsqueeze(-1).float()
        return self.fc((self.norm(x) * keep).sum(1) / keep.sum(1).clamp(min=1))


def export_plain(model: nn.Module, path: Path) -> Path:
    """ONNX export of a one-input model (dynamic batch and sequence)."""
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    seq = torch.export.Dim("seq", max=MAX_POSITIONS)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (torch.ones((2, 16), dtype=torch.int64),), str(path), input_names=["ids"],
                          output_names=["logits"], dynamic_shapes=({0: torch.export.Dim("batch"), 1: seq},),
                          dynamo=True, external_data=False)
    return path


def fuse_transformer(src: Path, dst: Path, dim: int) -> Path:
    """onnxruntime's offline transformer fusions (SkipLayerNorm, BiasGelu, ...)."""
    from onnxruntime.transformers import optimizer

    logging.getLogger().setLevel(logging.ERROR)
    optimizer.optimize_model(str(src), model_type="bert", num_heads=4, hidden_size=dim,
                             opt_level=1).save_model_to_file(str(dst))
    return dst


def measure(torch_model: nn.Module, onnx_path: Path, feeds: list[dict[str, np.ndarray]],
            runs: int) -> tuple[float, float, float]:
    """(torch p50 ms, onnxruntime p50 ms, batch-of-32 ratio) over the same inputs."""
    session = make_session(onnx_path, threads=1)
    names = [i.name for i in session.get_inputs()]
    tensors = [[torch.from_numpy(f[n]) for n in names] for f in feeds]
    cursor = iter(range(10**9))

    def eager() -> None:
        with torch.no_grad():
            torch_model(*tensors[next(cursor) % len(tensors)])

    def ort() -> None:
        session.run(None, feeds[next(cursor) % len(feeds)])

    t, o = timed(eager, runs), timed(ort, runs)
    batch = {n: pad_batch([f[n][0] for f in feeds[:32]], 1 << 30).numpy() for n in names}
    tb = [torch.from_numpy(batch[n]) for n in names]

    def eager_batch() -> None:
        with torch.no_grad():
            torch_model(*tb)

    ratio = pct(timed(eager_batch, 30, warmup=3), 50) / pct(timed(lambda: session.run(None, batch), 30, warmup=3), 50)
    return pct(t, 50), pct(o, 50), ratio


def main() -> int:
    """Measure each architecture and print one table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    shipped = load_bundle(REPO / "models" / "intent", threads=1)
    vocab = shipped.tokenizer.get_vocab_size()
    texts = [e.text for e in C.load_heldout()][:200]
    full = [shipped.inputs([t]) for t in texts]
    ids_only = [{"ids": f["ids"]} for f in full]
    short = [{"ids": f["ids"][:, :MAX_POSITIONS]} for f in full]
    config = TrainConfig()
    candidates: list[tuple[str, Callable[[Path], tuple[nn.Module, Path]], list[dict[str, np.ndarray]]]] = []

    def fasttext(tmp: Path) -> tuple[nn.Module, Path]:
        model = build(config, vocab, 5).eval()
        return model, export_onnx(model, tmp / "ft.onnx", chars=True)

    def cnn(tmp: Path) -> tuple[nn.Module, Path]:
        model = build(TrainConfig(arch="cnn"), vocab, 5).eval()
        return model, export_onnx(model, tmp / "cnn.onnx")

    candidates += [("fastText-style, shipped config", fasttext, full), ("1-D CNN (compared in training)", cnn,
                                                                          ids_only)]
    for dim, layers in ((64, 1), (64, 2), (96, 2)):
        def transformer(tmp: Path, dim: int = dim, layers: int = layers) -> tuple[nn.Module, Path]:
            model = TinyTransformer(vocab, dim, layers).eval()
            return model, export_plain(model, tmp / f"tf{dim}x{layers}.onnx")

        candidates.append((f"transformer d={dim}, {layers} layer(s), <= {MAX_POSITIONS} tokens", transformer, short))

    def fused(tmp: Path) -> tuple[nn.Module, Path]:
        model = TinyTransformer(vocab, 64, 2).eval()
        return model, fuse_transformer(export_plain(model, tmp / "f.onnx"), tmp / "fused.onnx", 64)

    def int8(tmp: Path) -> tuple[nn.Module, Path]:
        model = TinyTransformer(vocab, 64, 2).eval()
        return model, quantize_int8(export_plain(model, tmp / "q.onnx"), tmp / "int8.onnx")

    candidates += [("transformer d=64, 2 layers + ORT fusions", fused, short),
                   ("transformer d=64, 2 layers, ORT int8", int8, short)]
    rows = [("architecture", "params", "torch eager ms", "onnxruntime ms", "ratio 1 email", "ratio batch 32")]
    with tempfile.TemporaryDirectory() as tmp:
        for name, make, feeds in candidates:
            model, path = make(Path(tmp))
            t, o, batch = measure(model, path, feeds, args.runs)
            params = sum(p.numel() for p in model.parameters())
            rows.append((name, f"{params:,}", f"{t:.3f}", f"{o:.3f}", f"{t / o:.1f}x", f"{batch:.1f}x"))
    width = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"torch {torch.__version__}, onnxruntime {__import__('onnxruntime').__version__}, one thread, "
          f"model run only (p50 over {args.runs} held-out emails); target ratio >= 4x")
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, width, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
