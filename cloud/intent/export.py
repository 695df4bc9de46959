"""Export a trained classifier to one self-contained ONNX file (dynamic batch and sequence), optionally int8."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from gateway.classify.manifest import CHAR_INPUT_NAME, INPUT_NAME, OUTPUT_NAME


def export_onnx(model: nn.Module, path: Path, example_len: int = 16, chars: bool = False) -> Path:
    """Write `model` as ONNX: input `ids` int64 [batch, seq] (and `chars` [batch, n]), output `logits`."""
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    model.eval()
    emb = getattr(model, "emb", None)
    if isinstance(emb, nn.Embedding) and emb.padding_idx == 0 and bool(emb.weight.detach()[0].abs().sum() > 0):
        raise ValueError("the padding embedding row is not zero: the graph's plain sum would count padding")
    example: tuple[torch.Tensor, ...] = (torch.ones((2, example_len), dtype=torch.int64),)
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq")
    names = [INPUT_NAME]
    shapes: tuple[dict[int, Any], ...] = ({0: batch, 1: seq},)
    if chars:
        example += (torch.full((2, example_len * 4), 97, dtype=torch.int64),)
        names.append(CHAR_INPUT_NAME)
        shapes += ({0: batch, 1: torch.export.Dim("n_chars")},)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, example, str(path), input_names=names, output_names=[OUTPUT_NAME],
            dynamic_shapes=shapes, dynamo=True, external_data=False, verbose=False,
        )
    return path


def quantize_int8(src: Path, dst: Path) -> Path:
    """Dynamic int8 quantisation of the weights (onnxruntime.quantization)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
    return dst


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Largest absolute difference between two logit arrays."""
    return float(np.abs(a - b).max()) if a.size else 0.0
