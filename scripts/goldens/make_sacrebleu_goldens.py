#!/usr/bin/env python3
"""Golden values for benchgate's BLEU, chrF and chrF++ (sacrebleu 2.6.0).

Regenerate (from the repository root):

    python3 -m pip install -r scripts/goldens/requirements.txt
    python3 scripts/goldens/make_sacrebleu_goldens.py

Deterministic (fixed seed, no timestamps); output is pure ASCII JSON, non-ASCII
characters are written as \\uXXXX escapes. Writes:

  tests/goldens/sacrebleu_segments.jsonl   one line per (prediction, references) pair:
      {"p": prediction, "r": [references],
       "b": {variant: [10 BLEU statistics]},     # hyp_len, ref_len, correct 1-4, total 1-4
       "sb": {variant: sentence BLEU},
       "c": [18 chrF statistics], "sc": sentence chrF,
       "cpp": [24 chrF++ statistics], "scpp": sentence chrF++,
       "sc_lc": sentence chrF lowercased, "sc_ws": sentence chrF with whitespace}
    BLEU variants: "13a" (the default), "intl", "zh", "char", "none" (tokenize=...),
    and "13a_lc" (13a with lowercase=True).
    - statistics: Metric._extract_corpus_statistics([p], [[x] for x in r])[0], i.e.
      exactly what sacrebleu sums for corpus scores (chrF: [hyp, ref, match] per order,
      characters 1-6 then words 1-2, of the first reference with the best F).
    - sentence BLEU: BLEU(tokenize=..., lowercase=..., effective_order=True)
      .sentence_score(p, r).score, i.e. sacrebleu.sentence_bleu.
    - sentence chrF: CHRF(word_order=0|2, lowercase=..., whitespace=...)
      .sentence_score(p, r).score.
  tests/goldens/sacrebleu_corpus.jsonl    one line per (subset, metric):
      {"subset", "metric", "score"}
    subsets: "first_100" (pairs 0-99), "all", "multi_ref" (pairs with 2 or more
    references, in order), "single_ref" (pairs with exactly one reference);
    metrics: "bleu_<variant>", "chrf", "chrf++", "chrf_lc", "chrf_ws";
    score: Metric.corpus_score(hyps, refs).score with refs as reference streams padded
    with None where a pair has fewer references (sacrebleu drops None references).

The corpus mixes ASCII and Unicode punctuation, CJK, numbers with separators
(1,000.50), empty predictions and references, very long lines, 1-3 references,
&quot; &amp; entities, <skipped>, "-\\n", the separators \\x1c-\\x1f (whitespace to
Python's str.split) and other Unicode whitespace, Greek final sigma, dotted capital I
and mixed case. The intl tokenizer's classes come from the `regex` module
(2026.5.9: Unicode 17). Characters whose lowercase differs between Unicode versions
(scripts added after Unicode 14, Python 3.11's version) are avoided.
"""

import json
import os
import random
import sys

import regex
import sacrebleu
from sacrebleu.metrics import BLEU, CHRF

SEED = 20261128
N_PAIRS = 1500
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DIR = os.path.join(ROOT, "tests", "goldens")

BLEU_VARIANTS = [
    ("13a", {"tokenize": "13a"}),
    ("intl", {"tokenize": "intl"}),
    ("zh", {"tokenize": "zh"}),
    ("char", {"tokenize": "char"}),
    ("none", {"tokenize": "none"}),
    ("13a_lc", {"tokenize": "13a", "lowercase": True}),
]
CHRF_VARIANTS = [
    ("chrf", {"word_order": 0}),
    ("chrf++", {"word_order": 2}),
    ("chrf_lc", {"word_order": 0, "lowercase": True}),
    ("chrf_ws", {"word_order": 0, "whitespace": True}),
]

# ---------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------

WORDS = (
    "the a an of to in on at for with by from and or but not is was are were be been "
    "cat dog house government minister said year people new first last world country "
    "city police report market company week day time percent million billion state "
    "president water school health system because however which would could should "
    "quick brown fox jumps over lazy river bank model translation quality data test"
).split()
CAPITALISED = ["The", "A", "Paris", "London", "China", "Beijing", "Angela", "Merkel", "U.S.",
               "EU", "NASA", "COVID-19", "iPhone", "McDonald's", "O'Brien", "UN", "WMT"]
NUMBERS = ["1,000.50", "3.14", "2019", "2019.", "10-20", "-5", "1.000,50", "42", "0.5",
           "1,234,567", "12:30", "1/2", "50%", "$5", "5$", "1e-5", "3-4", "2.", ",5", ".5",
           "\u00bd", "\u00b2", "\u0663\u0664", "\uff10\uff11\uff12", "\u2160", "No.1",
           "1st", "20th", "1990s", "+44", "#1", "7.0-8.0", "100,000-200,000"]
ASCII_PUNCT = list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["--", "...", "?!", "''", "``"]
UNICODE_PUNCT = ["\u2026", "\u2014", "\u2013", "\u201c", "\u201d", "\u2018", "\u2019",
                 "\u00ab", "\u00bb", "\u00bf", "\u00a1", "\u3001", "\u3002", "\uff0c",
                 "\uff01", "\uff1f", "\uff1a", "\uff08", "\uff09", "\u00b7", "\u2022",
                 "\u300a", "\u300b", "\u300c", "\u300d", "\u2032", "\u203a", "\u00a7",
                 "\u00b6", "\u2010", "\u2011", "\u2e3a", "\u055d", "\u060c", "\u0964"]
SYMBOLS = ["\u20ac", "\u00a3", "\u00a5", "\u00a9", "\u2122", "\u00b1", "\u00d7", "\u2192",
           "\u00b0", "\u221e", "\u2264", "\u2665", "\u2713", "\u20c1", "\u02c6", "\u00a8",
           "\U0001f600", "\U0001f44d\U0001f3fd", "\u2600", "\u27a1", "\u2b50", "^", "`",
           "\uffe5", "\u3012"]
ENTITIES = ["&quot;", "&amp;", "&lt;", "&gt;", "&amp;lt;", "&apos;", "&#39;", "&", "&amp",
            "AT&amp;T", "&quot;quoted&quot;", "a&lt;b&gt;c"]
MARKUP = ["<skipped>", "<skip<skipped>ped>", "<b>", "</b>", "<br/>", "[sic]", "{x}"]
CJK = ["\u6211\u4eec", "\u5317\u4eac", "\u4e2d\u56fd", "\u4eca\u5929", "\u5929\u6c14",
       "\u5f88\u597d", "\u7684", "\u662f", "\u4e86", "\u3067\u3059\u306d",
       "\uc548\ub155\ud558\uc138\uc694", "\uff21\uff22\uff23", "\u3400", "\u9fa6",
       "\U00020000", "\uf900", "\u31c0", "\u2e80", "\u3105", "\u32a3", "\u4e00\u4e8c\u4e09",
       "\u8bf4\uff1a\u201c\u597d\u201d", "\u7ecf\u6d4e\u589e\u957f3.5%"]
OTHER_SCRIPTS = ["\u039f\u0394\u039f\u03a3", "\u03a3\u03bf\u03c6\u03af\u03b1",
                 "\u0130stanbul", "\u0130", "Stra\u00dfe", "\u1e9e", "Gr\u00f6\u00dfe",
                 "e\u0301te\u0301", "\u00e9t\u00e9", "\u0645\u0631\u062d\u0628\u0627",
                 "\u0928\u092e\u0938\u094d\u0924\u0947", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35",
                 "\u041c\u043e\u0441\u043a\u0432\u0430", "\ufb01ne", "\u01c5", "\u13a0\u13a1",
                 "\u0391\u03a3'\u0391", "\u03a3.", "K\u00d6LN", "\u0149"]
GLUED = ["word,", "(word)", "word.", "'word'", "don't", "e.g.,", "co-operate",
         "state-of-the-art", "a.m.", "http://example.com/a?b=c&d=e", "user@example.com",
         "C++", "#hashtag", "@user", "end.\"", "\"start", "x-\ny", "(hi)", "[1]", "\u201cquote\u201d",
         "well--known", "Mr.", "...and", "yes!!", "5.5.", "a,b,c", "1-", "-1", "U.S.A.", "hi."]
SEPARATORS = [" "] * 40 + ["", "", "", "  ", "\t", "\n", "-\n", "\xa0", "\u3000", "\u2028",
                           "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u2009", "\r\n", " \n "]

CATEGORIES = [
    (WORDS, 40), (CAPITALISED, 6), (NUMBERS, 6), (ASCII_PUNCT, 8), (UNICODE_PUNCT, 5),
    (SYMBOLS, 3), (ENTITIES, 2), (MARKUP, 1), (CJK, 6), (OTHER_SCRIPTS, 4), (GLUED, 6),
]
_POOLS = [c for c, _ in CATEGORIES]
_WEIGHTS = [w for _, w in CATEGORIES]


def item(rng):
    return rng.choice(rng.choices(_POOLS, _WEIGHTS)[0])


def recase(rng, s):
    r = rng.random()
    if r < 0.05:
        return s.upper()
    if r < 0.10:
        return s.lower()
    if r < 0.13:
        return s.title()
    return s


def join(rng, items, sep_noise):
    out = []
    for i, it in enumerate(items):
        if i:
            out.append(rng.choice(SEPARATORS) if rng.random() < sep_noise else " ")
        out.append(it)
    return "".join(out)


def sentence_items(rng, length):
    items = [item(rng) for _ in range(length)]
    if items and rng.random() < 0.4:
        items[0] = items[0][:1].upper() + items[0][1:]
    if rng.random() < 0.6:
        items.append(rng.choice([".", "!", "?", "\u3002", ".\"", "...", "\u2026"]))
    return items


def perturb(rng, items, noise):
    out = []
    for it in items:
        r = rng.random()
        if r < noise * 0.4:
            continue  # drop
        if r < noise * 0.8:
            out.append(item(rng))  # replace
        elif r < noise:
            out.extend([it, item(rng)])  # insert
        else:
            out.append(recase(rng, it) if rng.random() < noise else it)
    if len(out) > 3 and rng.random() < noise:
        i = rng.randrange(len(out) - 2)
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


HANDCRAFTED = [
    ("", [""]),
    ("", ["The cat sat on the mat."]),
    ("The cat sat on the mat.", [""]),
    ("The cat sat on the mat.", ["", "The cat sat on the mat."]),
    ("   ", [" "]),
    ("\x1c\x1d\x1e\x1f", ["a\x1fb"]),
    ("a\x1cb\x1dc", ["a b c", "abc"]),
    ("the cat sat on the mat", ["the cat is on the mat", "a cat sat"]),
    ("It costs $1,000.50.", ["It costs 1,000.50 dollars."]),
    ("It was 2019.", ["It was 2019 ."]),
    ("x&amp;lt;y &quot;q&quot;", ["x<y \"q\""]),
    ("co-\noperate<skipped> now", ["cooperate now"]),
    ("\u6211\u7231\u5317\u4eac\u3002Hello, 2019.", ["\u6211\u7231\u5317\u4eac\u5929\u5b89\u95e8\u3002"]),
    ("\u201cok\u201d \u2014 fine\u2026", ["\"ok\" - fine..."]),
    ("\u039f\u0394\u039f\u03a3 \u039f\u0394\u039f\u03a3.", ["\u03bf\u03b4\u03bf\u03c2 \u03bf\u03b4\u03bf\u03c2."]),
    ("\u0130STANBUL", ["istanbul", "\u0130stanbul"]),
    ("(hi) there!", ["(hi) there !", "hi there"]),
    ("a", ["a"]),
    ("a", ["b"]),
    ("a b", ["a b"]),
    ("a b c", ["a b c d"]),
    ("a b c d", ["a b c d"]),
    ("a b c d e", ["a b c"]),
    ("ab", ["ab", "abc", "a"]),
    ("abc abc abc", ["abc", "abc abc abc abc"]),
    ("1-2 3-4", ["1 - 2 3 - 4"]),
    (".,.,.", [",.,.,"]),
    ("a..b,,c", ["a . . b , , c"]),
    ("\u20c1 100", ["\u20c1100"]),
    ("\U0001f600\U0001f600", ["\U0001f600"]),
    ("e\u0301", ["\u00e9"]),
    ("\u00a0\u3000x\u2028y\x85", ["x y"]),
    ("Hello\r\nworld", ["Hello world"]),
    ("A" * 3, ["a" * 3]),
]


def make_pairs(rng):
    pairs = list(HANDCRAFTED)
    while len(pairs) < N_PAIRS:
        k = len(pairs)
        if k % 400 == 7:
            length = rng.randrange(800, 1500)  # a very long line
            words_only = [rng.choice(WORDS + CAPITALISED + NUMBERS + ASCII_PUNCT) for _ in range(length)]
            ref = words_only
            hyp = perturb(rng, ref, 0.3)
            pairs.append((join(rng, hyp, 0.02), [join(rng, ref, 0.02)]))
            continue
        length = rng.choice([0, 1, 2, 3, 4, 5] + list(range(5, 41)) * 2) if rng.random() < 0.1 \
            else rng.randrange(3, 30)
        ref_items = sentence_items(rng, length)
        n_refs = rng.choices([1, 2, 3], [60, 25, 15])[0]
        refs = [join(rng, ref_items, 0.15)]
        for _ in range(n_refs - 1):
            refs.append(join(rng, perturb(rng, ref_items, 0.25), 0.15))
        noise = rng.choice([0.0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0])
        hyp = join(rng, perturb(rng, ref_items, noise), 0.15)
        r = rng.random()
        if r < 0.03:
            hyp = ""
        elif r < 0.04:
            hyp = rng.choice(["", " ", "\x1f", "\t\n", "&quot;", "<skipped>", "-\n", "."])
        if rng.random() < 0.03:
            refs[rng.randrange(len(refs))] = ""
        if rng.random() < 0.03:
            hyp = rng.choice([hyp.upper(), hyp.lower(), hyp.title(), hyp.swapcase()])
        if rng.random() < 0.05:
            hyp = hyp + rng.choice([" ", "\n", "\x1c", " \t", "\u3000"])
        pairs.append((hyp, refs))
    return pairs


# ---------------------------------------------------------------------------------------
# sacrebleu
# ---------------------------------------------------------------------------------------

def streams(refs_per_pair):
    width = max(len(r) for r in refs_per_pair)
    return [[r[i] if i < len(r) else None for r in refs_per_pair] for i in range(width)]


def main():
    assert sacrebleu.__version__ == "2.6.0", sacrebleu.__version__
    rng = random.Random(SEED)
    pairs = make_pairs(rng)

    bleus = {name: BLEU(**kw) for name, kw in BLEU_VARIANTS}
    sbleus = {name: BLEU(effective_order=True, **kw) for name, kw in BLEU_VARIANTS}
    chrfs = {name: CHRF(**kw) for name, kw in CHRF_VARIANTS}

    segments = []
    for hyp, refs in pairs:
        ref_streams = [[r] for r in refs]
        seg = {"p": hyp, "r": refs, "b": {}, "sb": {}}
        for name, _ in BLEU_VARIANTS:
            seg["b"][name] = bleus[name]._extract_corpus_statistics([hyp], ref_streams)[0]
            seg["sb"][name] = sbleus[name].sentence_score(hyp, refs).score
        seg["c"] = chrfs["chrf"]._extract_corpus_statistics([hyp], ref_streams)[0]
        seg["sc"] = chrfs["chrf"].sentence_score(hyp, refs).score
        seg["cpp"] = chrfs["chrf++"]._extract_corpus_statistics([hyp], ref_streams)[0]
        seg["scpp"] = chrfs["chrf++"].sentence_score(hyp, refs).score
        seg["sc_lc"] = chrfs["chrf_lc"].sentence_score(hyp, refs).score
        seg["sc_ws"] = chrfs["chrf_ws"].sentence_score(hyp, refs).score
        segments.append(seg)

    subsets = {
        "first_100": list(range(100)),
        "all": list(range(len(pairs))),
        "multi_ref": [i for i, (_, r) in enumerate(pairs) if len(r) >= 2],
        "single_ref": [i for i, (_, r) in enumerate(pairs) if len(r) == 1],
    }
    corpus = []
    metrics = [("bleu_" + n, bleus[n]) for n, _ in BLEU_VARIANTS] + list(chrfs.items())
    for subset, idx in subsets.items():
        hyps = [pairs[i][0] for i in idx]
        refs = streams([pairs[i][1] for i in idx])
        for name, metric in metrics:
            score = metric.corpus_score(hyps, refs).score
            corpus.append({"subset": subset, "metric": name, "score": score})

    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "sacrebleu_segments.jsonl"), "w", encoding="ascii", newline="\n") as f:
        for seg in segments:
            f.write(json.dumps(seg, ensure_ascii=True, separators=(",", ":")) + "\n")
    with open(os.path.join(OUT_DIR, "sacrebleu_corpus.jsonl"), "w", encoding="ascii", newline="\n") as f:
        for row in corpus:
            f.write(json.dumps(row, ensure_ascii=True) + "\n")

    multi = sum(1 for _, r in pairs if len(r) >= 2)
    print(f"sacrebleu {sacrebleu.__version__}, regex {regex.__version__}, Python {sys.version.split()[0]}")
    print(f"{len(segments)} pairs ({multi} with several references), {len(corpus)} corpus values")


if __name__ == "__main__":
    main()
