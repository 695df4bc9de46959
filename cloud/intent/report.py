"""The bundle's human report: MODEL_CARD.md (metrics, confusion matrix, weaknesses) and confusion.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

CARD = "MODEL_CARD.md"
PICTURE = "confusion.png"

WEAKNESSES = """\
- Trained on a few thousand hand-written emails from a handful of writers plus composed variants; wording
  far from theirs (other trades, other scripts, very long threads) is less reliable. Low-confidence
  predictions are flagged `needs_review` on the gateway.
- A bag of subwords and subword bigrams: it sees which words occur, not their order beyond pairs. An email
  that mixes intents (an order that also asks for a new quote) gets one label.
- Quoted and forwarded text is cut at reply/forward markers (`gateway.classify.features`); an unusual
  client's marker leaves the quoted mail in and can pull the label towards the quoted intent.
- SpamAssassin (2002–2003 English mail) is the only spam/ham source beyond the hand-written corpus; modern
  phishing in Korean, Japanese or Thai is covered only by the hand-written examples.
- Attachments count only through their names and extracted text (first 600 characters each, 4 at most).
- Spam needs a very high probability (`min_confidence` in the manifest): newsletters and vendor promotions
  the reader subscribed to read like advertising, and a model that sees only the text cannot tell that they
  were asked for. The price is recall: about one SpamAssassin spam in five scores below the threshold and is
  labelled by its next-best label (mostly other), so it reaches staff instead of being set aside.
- Probabilities are sharp (clear requests score ~1.0), so `needs_review` flags mostly emails that fit no
  label rather than near-misses between two labels.
"""


def confusion_png(path: Path, matrix: list[list[int]], labels: list[str], title: str) -> Path:
    """Draw the confusion matrix (rows gold, columns predicted) with counts in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.2, 4.4), dpi=110)
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    top = max((max(r) for r in matrix), default=1) or 1
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if v > top / 2 else "black")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None, "CreationDate": None} if path.suffix == ".pdf" else {
        "Software": None})
    plt.close(fig)
    return path


def _matrix_text(matrix: list[list[int]], labels: list[str]) -> str:
    head = "| true \\ predicted | " + " | ".join(labels) + " |"
    rule = "|---" * (len(labels) + 1) + "|"
    rows = [f"| **{lab}** | " + " | ".join(str(v) for v in row) + " |" for lab, row in zip(labels, matrix, strict=True)]
    return "\n".join([head, rule, *rows])


def write_card(out: Path, metrics: dict[str, Any], training: dict[str, Any], labels: list[str],
               version: str) -> Path:
    """Write MODEL_CARD.md and confusion.png into the bundle folder `out`."""
    held = metrics["heldout"]
    confusion_png(out / PICTURE, held["confusion"], labels, f"held-out ({held['n']} emails), model {version}")
    lines = [
        f"# Model card — busybee-intent {version}",
        "",
        "Labels every incoming email **quote / order / inquiry / spam / other**, in Korean, English, Japanese",
        "and Thai, on the gateway's CPU with `tokenizers` + `onnxruntime` (no torch).",
        "",
        "## Model",
        f"- Architecture: `{training['config']['arch']}` (fastText-style: subword unigrams, hashed subword "
        f"bigrams ({training['config']['buckets']:,} buckets) and hashed character 2/3/4-grams of the first "
        f"{training['config']['max_chars']} characters ({training['config']['char_buckets']:,} buckets), "
        f"{training['config']['dim']}-dimensional embedding mean, linear layer; the hashing runs inside the ONNX "
        "graph), chosen over a 1-D CNN by validation macro-F1 and latency "
        f"({'below' if metrics.get('validation') else 'measured with --compare; see the README'}).",
        f"- Tokenizer: BPE with byte fallback (no `<unk>`), {training['vocab_size']} pieces, NFKC + lowercase; "
        "BPE rather than Unigram because the Unigram trainer is not deterministic (hash-map tie-breaking).",
        f"- Input: subject, new body text (quoted mail cut), attachment names and text; at most "
        f"{training['config']['max_tokens']} tokens.",
        "",
        "## Training data",
        f"- Trained {training['date']} with seed {training['seed']}: {training['hand_written']} hand-written "
        f"emails ({', '.join(f'{k} {v}' for k, v in training['by_language'].items())}), "
        f"{training['composed']} composed variants, {training['spamassassin']} SpamAssassin messages "
        f"(total {training['examples']}).",
        "- The held-out set below was written by other writers and never used for training or selection.",
        "",
        "## Held-out results",
        f"- **Accuracy {held['accuracy']:.3f}, macro-F1 {held['macro_f1']:.3f}** on {held['n']} emails.",
        f"- Spam among held-out mail: recall {held['spam']['spam_recall']}, "
        f"false-positive rate {held['spam']['ham_false_positive_rate']}.",
    ]
    sa = metrics.get("spamassassin_test")
    if sa:
        lines.append(f"- SpamAssassin test part ({sa['spam']} spam, {sa['ham']} ham, never trained on): spam recall "
                     f"{sa['spam_recall']}, ham false-positive rate {sa['ham_false_positive_rate']}.")
    lines += ["", "| class | precision | recall | F1 | n |", "|---|---|---|---|---|"]
    for lab, s in held["per_class"].items():
        lines.append(f"| {lab} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} | {s['support']} |")
    lines += ["", "| language | n | accuracy | macro-F1 |", "|---|---|---|---|"]
    for lang, s in held["per_language"].items():
        lines.append(f"| {lang} | {s['n']} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} |")
    lines += ["", "### Confusion matrix (held-out)", "", f"![confusion matrix]({PICTURE})", "",
              _matrix_text(held["confusion"], labels), ""]
    val = metrics.get("validation") or {}
    if val:
        lines += ["## Architecture comparison (validation split of the training writers)", "",
                  "| architecture | val macro-F1 | val accuracy | params | train s | torch latency µs |",
                  "|---|---|---|---|---|---|"]
        for arch, v in val.items():
            lines.append(f"| {arch} | {v['val_macro_f1']} | {v['val_accuracy']} | {v['params']:,} | "
                         f"{v['train_seconds']} | {v['torch_latency_us']} |")
        lines.append("")
    sel = metrics.get("selection") or {}
    if sel:
        lines += ["## Validation and the spam threshold", "",
                  f"On the training writers' validation split ({sel['n']} hand-written emails, never trained on "
                  f"during selection): macro-F1 {sel['val_macro_f1']}, accuracy {sel['val_accuracy']}.",
                  f"Spam is only given at a probability of **{sel['min_spam']}** or more (`min_confidence` in the "
                  "manifest): the lowest threshold that kept both the SpamAssassin training ham and the hand-written "
                  "legitimate validation mail flagged as spam at or below 0.5 %, each counted on its own. It is "
                  "measured 2-fold: two selection models each learnt from one half of the SpamAssassin training "
                  "part and scored the other half, so every SpamAssassin message below was unseen by the model "
                  "that scored it; hand-written rows count both models' predictions:", "",
                  "| min spam prob. | SpamAssassin spam recall | SpamAssassin ham FP rate | hand-written FP rate "
                  "| macro-F1 (hand val) |", "|---|---|---|---|---|"]
        for g in sel["spam_grid"]:
            lines.append(f"| {g['min_spam']} | {g['spam_recall']} | {g['ham_false_positive_rate']} | "
                         f"{g['hand_false_positive_rate']} | {g['hand_macro_f1']} |")
        lines += ["", "Tokenizer on validation text, by language:", "",
                  "| lang | tokens/char | median tokens | unk rate | byte-fallback rate |", "|---|---|---|---|---|"]
        for lang, t in sel["tokenizer"].items():
            lines.append(f"| {lang} | {t['tokens_per_char']} | {t['median_tokens']} | {t['unk_rate']} | "
                         f"{t['byte_rate']} |")
        lines.append("")
    lines += ["## Known weaknesses", "", WEAKNESSES,
              "## Signature", "",
              "`manifest.json` lists the sha256 of every other file; the fleet signs the exact bytes of",
              "`manifest.json` into `manifest.sig` (see `gateway/classify/manifest.py`). Retraining removes a",
              "stale `manifest.sig`.", ""]
    card = out / CARD
    card.write_text("\n".join(lines), encoding="utf-8")
    return card
