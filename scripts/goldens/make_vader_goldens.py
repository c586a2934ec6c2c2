#!/usr/bin/env python3
"""Golden values for benchgate's `sentiment` metrics: VADER as vaderSentiment 3.3.2 computes it.

    python3 -m venv /tmp/vader && /tmp/vader/bin/pip install -r scripts/goldens/requirements-vader.txt
    /tmp/vader/bin/python scripts/goldens/make_vader_goldens.py            # write the goldens
    /tmp/vader/bin/python scripts/goldens/make_vader_goldens.py --check    # CI: committed == package
    /tmp/vader/bin/python scripts/goldens/make_vader_goldens.py --real ../shared/data \\
        --benchgate target/release/benchgate                                 # CI: real outputs

Writes tests/goldens/vader.jsonl, one line per text:
    {"name", "text", "neg", "neu", "pos", "compound"}
with SentimentIntensityAnalyzer().polarity_scores(text) (the package rounds: 3 decimals for
the proportions, 4 for compound). The texts (deterministic: fixed seed, no timestamps):
  * edge/...       hand-written cases for every rule: ALL CAPS emphasis, negation ("not bad",
                   "isn't", "without a doubt", "never so"), "but", "least", "no", boosters and
                   dampeners ("kind of", "sort of"), idioms ("the bomb", "yeah right"), "!!!" and
                   "???", emoticons, emoji (single code points, with variation selectors and
                   ZWJ sequences), non-ASCII letters (Café, İstanbul, final sigma, title case),
                   Python-only whitespace (U+001C-U+001F), empty and blank texts;
  * demo/...       the package's own demo sentences;
  * fixture/...    the inputs, references and predictions of the project's ticket fixtures;
  * synthetic/...  seeded random sentences built from the lexicon, boosters, negations,
                   "but", casing and punctuation, so that rule interactions are covered.

--real DIR runs benchgate (`score --metric sentiment... --format jsonl`) over the system
outputs in DIR (AlpacaEval answers, SummEval and REALSumm summaries, WMT hypotheses) and
checks each value against the package there and then: real data is read at check time and
never committed. Python 3.11's sum() adds floats left to right as benchgate does (3.12 sums
with compensation, which can move a last bit; pin the interpreter when regenerating).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

from vaderSentiment import vaderSentiment as vs

SEED = 20261203
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "goldens", "vader.jsonl")
FIELDS = ["neg", "neu", "pos", "compound"]
METRICS = {"sentiment": "compound", "sentiment_neg": "neg", "sentiment_neu": "neu", "sentiment_pos": "pos"}

EDGE = [
    "", "   ", "\x1c\x1d good \x1e\x1f", "good\x1cbad", "Not bad at all", "not bad", "NOT BAD",
    "It isn't good.", "It isnt good", "It is not good at all!", "It wasn't horrible, but it was not great.",
    "The food was good, but the service was terrible.", "but", "good but bad but good",
    "great great great but great", "bad bad but good good", "I love it but I hate it but I love it",
    "VADER is VERY SMART, handsome, and FUNNY!!!", "VADER is smart, handsome, and funny.",
    "This is GREAT", "THIS IS GREAT", "this is GREAT and AWFUL", "SUX", "Today SUX!",
    "At least it isn't a horrible book.", "Roger Dodger is one of the least compelling variations.",
    "He is at least compelling.", "the very least good", "least good", "no good", "no no no",
    "no problem at all", "There is no love or joy here", "no hope nor love", "No.",
    "The book was only kind of good.", "It was sort of good", "kind of bad", "kinda good",
    "It was sorta terrible", "just enough good", "With VADER, sentiment analysis is the shit!",
    "the bomb", "This party is the bomb!", "yeah right", "kiss of death", "to die for",
    "a beating heart", "bus stop", "bad ass", "badass", "Without a doubt, excellent idea.",
    "Without a doubt, an excellent idea.", "Sentiment analysis has never been good.",
    "Sentiment analysis has never been this good!", "never so good", "it was so good",
    "Most automated sentiment analysis tools are shit.", "Other tools can be quite bad.",
    "Make sure you :) or :D today!", ":)", ":(", ":-)", "<3", "</3", ":D :D :D", ";)",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁", "😁😁😁", "I ❤️ it", "I ❤ it", "👍", "👎 bad",
    "👨‍👩‍👧 family", "great!!!!!!!!", "great!", "great!!", "really???", "why?? why??? why????",
    "What?", "good?", "!!!", "???", "!!!good!!!", "...good...", "'good'", '"terrible"',
    "(happy)", "Café is good", "İstanbul is lovely", "ΣΑΣ good", "ǅemal is HAPPY", "ÉNORME SUCCÈS",
    "naïve but sweet", "Größe is great", "日本語 is fine", "مرحبا good", "😀 grinning", "I\u00a0love\u00a0it",
    "good\u2028bad", "good\u3000bad", "a\tgood\ttime", "line one is good\nline two is bad",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today only kinda sux! But I'll get by, lol", "Not such a badass after all.",
    "It was one of the worst movies I've seen, despite good reviews.",
    "Unbelievably bad acting!! Poor direction. VERY poor production.", "VERY BAD movie!",
    "extremely good", "EXTREMELY good", "extremely GOOD", "barely good", "hardly bad",
    "not very good", "not extremely bad", "never really good", "don't like it", "dont like it",
    "I can't stand it", "cannot stand it", "nothing good", "nowhere good", "rarely good",
    "seldom bad", "despite good", "uh-uh good", "neither good", "wont be good",
    "The refund was processed and the customer is happy.", "Customer is angry about the double charge!",
    "Customer locked out, error 503, requires urgent help.", "12345 67890", "$229.68 refunded",
    "a" * 300, "good " * 200, "bad " * 150 + "but good",
]

DEMO = [
    "VADER is smart, handsome, and funny.", "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.", "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!", "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.", "The book was good.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "On the other hand, VADER is quite bad ass", "VADER is such a badass!",
]

NEGATIONS = ["not", "isn't", "never", "no", "without", "don't", "cannot", "nor", "hardly"]
BOOSTERS = ["very", "extremely", "kind of", "sort of", "barely", "so", "really", "totally", "slightly"]
FILLER = ["the", "service", "was", "and", "it", "is", "this", "order", "refund", "team", "at", "least", "or", "of", "this", "so"]
PUNCT = ["", ".", "!", "!!", "!!!", "?", "??", "???", "...", ",", " :)", " :(", " 😀", " 😡"]


def fixture_texts():
    out = []
    for name in ["baseline", "current"]:
        path = os.path.join(ROOT, "fixtures", "tickets", name + ".jsonl")
        with open(path, encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                for key in ["input", "reference", "prediction"]:
                    out.append((f"fixture/{name}/{row['id']}/{key}", row[key]))
    seen, unique = set(), []
    for name, text in out:
        if text not in seen:
            seen.add(text)
            unique.append((name, text))
    return unique


def synthetic(rng, lexicon, n):
    words = sorted(lexicon)
    out = []
    for i in range(n):
        parts = []
        for _ in range(rng.randint(1, 4)):
            clause = []
            for _ in range(rng.randint(0, 3)):
                clause.append(rng.choice(FILLER))
            if rng.random() < 0.4:
                clause.append(rng.choice(NEGATIONS))
            if rng.random() < 0.4:
                clause.append(rng.choice(BOOSTERS))
            clause.append(rng.choice(words))
            for _ in range(rng.randint(0, 2)):
                clause.append(rng.choice(FILLER + words[:0] + [rng.choice(words)]))
            text = " ".join(clause)
            r = rng.random()
            if r < 0.15:
                text = text.upper()
            elif r < 0.35:
                ws = text.split(" ")
                k = rng.randrange(len(ws))
                ws[k] = ws[k].upper()
                text = " ".join(ws)
            parts.append(text + rng.choice(PUNCT))
        joiner = rng.choice([" ", " but ", ", ", " BUT ", "; "])
        out.append((f"synthetic/{i:04d}", joiner.join(parts)))
    return out


def corpus():
    rng = random.Random(SEED)
    analyzer = vs.SentimentIntensityAnalyzer()
    cases = [(f"edge/{i:03d}", t) for i, t in enumerate(EDGE)]
    cases += [(f"demo/{i:02d}", t) for i, t in enumerate(DEMO)]
    cases += fixture_texts()
    cases += synthetic(rng, analyzer.lexicon, 1600)
    return analyzer, cases


def line(analyzer, name, text):
    scores = analyzer.polarity_scores(text)
    record = {"name": name, "text": text}
    record.update({k: scores[k] for k in FIELDS})
    return json.dumps(record, ensure_ascii=True) + "\n"


def check_real(data, benchgate, analyzer):
    """Scores real system outputs with benchgate and with the package, side by side."""
    texts = []
    for root, _, files in sorted(os.walk(data)):
        for f in sorted(files):
            path = os.path.join(root, f)
            if os.path.basename(root) == "systems" and f.endswith(".txt"):
                # WMT hypotheses and SummEval/REALSumm summaries: one text a line.
                with open(path, encoding="utf-8", errors="replace") as fh:
                    texts += fh.read().split("\n")[:300]
            elif os.path.basename(root) == "llm-alpacaeval" and f.startswith("sys") and f.endswith(".jsonl"):
                # AlpacaEval answers: multi-line markdown.
                with open(path, encoding="utf-8") as fh:
                    texts += [json.loads(raw)["text"] for raw in fh if raw.strip()]
    texts = [t for t in dict.fromkeys(texts)]
    if len(texts) < 500:
        sys.exit(f"--real: only {len(texts)} texts found under {data}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "real.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": f"t{i:06d}", "prediction": t}) + "\n")
        args = [benchgate, "score", "--input", path, "--format", "jsonl"]
        for m in METRICS:
            args += ["--metric", m]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    # `score --format jsonl` writes a scores file: a header line, then each example
    # with its scores under "benchgate_scores".
    got = {}
    for raw in out.splitlines():
        row = json.loads(raw)
        if "benchgate_baseline" not in row:
            got[row["id"]] = row["benchgate_scores"]
    bad = 0
    for i, t in enumerate(texts):
        want = analyzer.polarity_scores(t)
        scores = got[f"t{i:06d}"]
        for metric, key in METRICS.items():
            if scores[metric] != want[key]:
                bad += 1
                if bad <= 10:
                    print(f"mismatch {metric}: benchgate {scores[metric]} vs vaderSentiment {want[key]}: {t[:120]!r}")
    print(f"vader real outputs: {len(texts)} texts x {len(METRICS)} scores, {bad} mismatches")
    return bad == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="fail when the committed goldens differ")
    ap.add_argument("--real", metavar="DATA", help="also check benchgate on the real outputs in DATA")
    ap.add_argument("--benchgate", default=os.path.join(ROOT, "target", "release", "benchgate"))
    args = ap.parse_args()
    analyzer, cases = corpus()
    text = "".join(line(analyzer, n, t) for n, t in cases)
    ok = True
    if args.check:
        with open(OUT, encoding="utf-8") as f:
            if f.read() != text:
                print(f"stale: {OUT} (regenerate with {sys.argv[0]})", file=sys.stderr)
                ok = False
            else:
                print(f"tests/goldens/vader.jsonl is what vaderSentiment says ({len(cases)} texts)")
    else:
        with open(OUT, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {OUT}: {len(cases)} texts")
    if args.real:
        ok = check_real(args.real, args.benchgate, analyzer) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
