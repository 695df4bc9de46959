"""Train the subword tokenizer: BPE (default) or Unigram, with byte fallback, over NFKC-lowercased text.

Thai has no spaces between words, so whitespace pre-tokenization leaves whole Thai phrases as one "word";
the subword model then segments them into learned pieces (max_piece_length bounds a piece). Byte
fallback makes every unseen character a sequence of <0xNN> pieces instead of <unk>.
BPE is the default because its trainer is deterministic; the Unigram trainer breaks score ties in hash-map
order, so two runs on the same text give different vocabularies (and training could not be reproduced).
Traps handled here: UnigramTrainer resets byte_fallback to False (patched in the JSON after training),
and the <0xNN> pieces must not stay registered as special tokens (decode() would drop them).
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Sequence

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

PAD, UNK = "<pad>", "<unk>"
BYTE_PIECES = [f"<0x{i:02X}>" for i in range(256)]


def train_tokenizer(texts: Iterable[str], vocab_size: int = 8000, max_piece_length: int = 6,
                    kind: str = "bpe") -> Tokenizer:
    """A BPE or Unigram tokenizer with byte fallback; <pad> has id 0 and <unk> id 1."""
    tok = Tokenizer(models.BPE(unk_token=UNK, byte_fallback=True) if kind == "bpe" else models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Metaspace()])
    tok.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace()])
    trainer: trainers.Trainer
    if kind == "bpe":
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=[PAD, UNK, *BYTE_PIECES],
                                      max_token_length=max_piece_length, show_progress=False)
    elif kind == "unigram":
        trainer = trainers.UnigramTrainer(
            vocab_size=vocab_size, special_tokens=[PAD, UNK, *BYTE_PIECES], unk_token=UNK,
            shrinking_factor=0.75, max_piece_length=max_piece_length, show_progress=False,
        )
    else:
        raise ValueError(f"unknown tokenizer kind {kind!r}")
    tok.train_from_iterator(texts, trainer=trainer)
    spec = json.loads(tok.to_str())
    spec["model"]["byte_fallback"] = True
    spec["added_tokens"] = [a for a in spec["added_tokens"] if a["content"] in (PAD, UNK)]
    tok = Tokenizer.from_str(json.dumps(spec, ensure_ascii=False))
    if tok.token_to_id(PAD) != 0:
        raise RuntimeError("tokenizer training put <pad> somewhere other than id 0")
    return tok


def tokenizer_stats(tok: Tokenizer, texts: Sequence[str]) -> dict[str, float]:
    """Tokens per character, share of <unk>/byte pieces, and vocabulary size, measured on `texts`."""
    encs = tok.encode_batch(list(texts), add_special_tokens=False)
    n_tok = sum(len(e.ids) for e in encs) or 1
    n_chr = sum(len(t) for t in texts) or 1
    unk = tok.token_to_id(UNK) or 1
    byte_ids = {i for i in (tok.token_to_id(p) for p in BYTE_PIECES) if i is not None}
    return {
        "vocab": tok.get_vocab_size(),
        "tokens_per_char": round(n_tok / n_chr, 3),
        "median_tokens": float(statistics.median([len(e.ids) for e in encs])) if encs else 0.0,
        "unk_rate": round(sum(e.ids.count(unk) for e in encs) / n_tok, 5),
        "byte_rate": round(sum(sum(1 for i in e.ids if i in byte_ids) for e in encs) / n_tok, 5),
    }
