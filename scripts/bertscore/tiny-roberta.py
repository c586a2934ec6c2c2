#!/usr/bin/env python3
"""Builds fixtures/bertscore/tiny-roberta: a tiny RoBERTa model directory for the tests.

No RoBERTa checkpoint can be fetched where benchgate is tested (no model hub, and no PyPI
package ships one), so the tests use a RoBERTa made here: random weights under a fixed
seed, and a byte-level BPE tokenizer trained on the text of the repository's fixtures.
Its scores mean nothing; what the tests check is that benchgate computes them exactly as
bert-score 0.3.13 does with transformers' RobertaModel and the slow RobertaTokenizer.

Regenerate (from the repository root; the venv of scripts/bertscore/requirements.txt):

    /tmp/bs/bin/python scripts/bertscore/tiny-roberta.py
    /tmp/bs/bin/python scripts/bertscore/goldens.py --set tiny-roberta

The directory is laid out like roberta-large's on the hub, so it exercises the same code:
  * config.json: model_type "roberta", RobertaForMaskedLM, pad_token_id 1 (position ids
    start at 2), type_vocab_size 1, max_position_embeddings 514 (512 tokens + the offset);
  * model.safetensors: the RobertaForMaskedLM weights, under the `roberta.` prefix, plus
    the LM head (unused by BERTScore);
  * vocab.json + merges.txt (what the slow RobertaTokenizer, bert-score's default, reads),
    tokenizer.json (the fast tokenizer, converted from them by transformers, as
    `save_pretrained` writes it: ByteLevel with add_prefix_space false, which benchgate
    must turn on as bert-score's `add_prefix_space=True` does), tokenizer_config.json
    with model_max_length 512.
Sizes: hidden 32, 4 layers, 4 heads, intermediate 64, vocabulary 1,000: about 0.4 MB.
Every parameter (LayerNorm and biases too) is drawn at random, so a weight that is not
loaded, or loaded in the wrong place, changes the scores.
"""

import glob
import json
import os
import shutil
import tempfile

import torch
from tokenizers import ByteLevelBPETokenizer
from transformers import RobertaConfig, RobertaForMaskedLM, RobertaTokenizer, RobertaTokenizerFast

SEED = 20261128
VOCAB = 1000
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "fixtures", "bertscore", "tiny-roberta")
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]


def strings(value):
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)


def fixture_text():
    """The text of the JSON Lines fixtures, one string a line, sorted and deduplicated."""
    seen = set()
    for path in sorted(glob.glob(os.path.join(ROOT, "fixtures", "**", "*.jsonl"), recursive=True)):
        with open(path, encoding="utf-8", errors="replace") as f:  # some fixtures are bad on purpose
            for line in f:
                try:
                    seen.update(s.strip() for s in strings(json.loads(line)) if len(s.strip()) > 3)
                except json.JSONDecodeError:
                    continue  # the fixtures of bad input
    return sorted(seen)


def tokenizer(tmp):
    text = os.path.join(tmp, "text.txt")
    with open(text, "w", encoding="utf-8") as f:
        f.write("\n".join(fixture_text()) + "\n")
    bpe = ByteLevelBPETokenizer()
    bpe.train([text], vocab_size=VOCAB, min_frequency=2, special_tokens=SPECIALS, show_progress=False)
    bpe.save_model(tmp)
    slow = RobertaTokenizer(os.path.join(tmp, "vocab.json"), os.path.join(tmp, "merges.txt"), model_max_length=512)
    slow.save_pretrained(OUT)
    # The fast tokenizer as transformers converts it from the slow one: tokenizer.json.
    fast = RobertaTokenizerFast.from_pretrained(OUT)
    fast.save_pretrained(OUT)
    assert [slow.convert_tokens_to_ids(t) for t in SPECIALS] == [0, 1, 2, 3, 4]
    return len(slow)


def model(vocab_size):
    config = RobertaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=4,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=514,
        type_vocab_size=1,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        layer_norm_eps=1e-5,
    )
    torch.manual_seed(SEED)
    m = RobertaForMaskedLM(config)
    g = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for name, p in sorted(m.named_parameters()):
            noise = torch.randn(p.shape, generator=g)
            if "LayerNorm.weight" in name or "layer_norm.weight" in name:
                p.copy_(1.0 + 0.1 * noise)
            elif name.endswith("bias"):
                p.copy_(0.05 * noise)
            else:
                p.copy_(0.15 * noise)
    m.eval()
    m.save_pretrained(OUT, safe_serialization=True)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    with tempfile.TemporaryDirectory() as tmp:
        vocab_size = tokenizer(tmp)
    model(vocab_size)
    extra = os.path.join(OUT, "generation_config.json")  # written by some versions; unused
    if os.path.exists(extra):
        os.remove(extra)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"{OUT}: {sorted(os.listdir(OUT))}, {total} bytes")


if __name__ == "__main__":
    main()
