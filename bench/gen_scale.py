#!/usr/bin/env python3
"""Deterministic large inputs for bench/scale.py: a baseline and a current run.

    python3 bench/gen_scale.py --n 1000000 --out /tmp/benchgate-scale [--seed 7]

Writes OUT/baseline-N.jsonl and OUT/current-N.jsonl (skipped when they exist with
the same parameters). Each row looks like a logged production request: an id, a
prompt of about 60 words, a reference of 6 to 16 words, a prediction that copies
the reference with some words swapped (the current run a little worse than the
baseline), an external score `judge` and a `category` tag. At n = 1,000,000 the
pair is about 1 GB. Same --seed, same bytes on every machine (Python's
random.Random is specified to be reproducible across versions for integer seeds).
"""
import argparse
import json
import os
import random

CATEGORIES = ["billing", "shipping", "returns", "account", "technical", "sales", "privacy", "other"]


def vocabulary(rng, size=4000):
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(2, 9))))
    return sorted(words)


def perturb(rng, ref, vocab, p):
    return [rng.choice(vocab) if rng.random() < p else w for w in ref]


def generate(n, seed, base_path, cur_path):
    rng = random.Random(seed)
    vocab = vocabulary(rng)
    with open(base_path, "w", encoding="utf-8") as fb, open(cur_path, "w", encoding="utf-8") as fc:
        for i in range(n):
            prompt = " ".join(rng.choices(vocab, k=rng.randint(30, 55)))
            ref = rng.choices(vocab, k=rng.randint(6, 16))
            category = CATEGORIES[rng.randrange(len(CATEGORIES))]
            # Exact matches for a third of the examples, word swaps for the rest;
            # the current run swaps a little more often in billing.
            p_cur = 0.25 if category == "billing" else 0.2
            for f, p, shift in ((fb, 0.2, 0.0), (fc, p_cur, 0.05 if category == "billing" else 0.0)):
                pred = ref if rng.random() < 0.33 else perturb(rng, ref, vocab, p)
                row = {
                    "id": f"ex-{i:07d}",
                    "input": prompt,
                    "prediction": " ".join(pred),
                    "reference": " ".join(ref),
                    "judge": round(min(5.0, max(1.0, rng.gauss(3.5 - shift, 1.0))), 2),
                    "category": category,
                }
                f.write(json.dumps(row, separators=(",", ":")) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    base = os.path.join(args.out, f"baseline-{args.n}.jsonl")
    cur = os.path.join(args.out, f"current-{args.n}.jsonl")
    stamp = os.path.join(args.out, f"stamp-{args.n}")
    key = f"n={args.n} seed={args.seed} v1"
    if os.path.exists(stamp) and open(stamp).read() == key and os.path.exists(base) and os.path.exists(cur):
        print(base, cur)
        return
    generate(args.n, args.seed, base + ".tmp", cur + ".tmp")
    os.replace(base + ".tmp", base)
    os.replace(cur + ".tmp", cur)
    with open(stamp, "w") as f:
        f.write(key)
    print(base, cur)


if __name__ == "__main__":
    main()
