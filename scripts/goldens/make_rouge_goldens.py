#!/usr/bin/env python3
"""Golden values for benchgate's ROUGE metrics and its port of NLTK's Porter stemmer.

Regenerate (from the repository root):

    python3 -m pip install -r scripts/goldens/requirements.txt
    python3 scripts/goldens/make_rouge_goldens.py            # rebuild the corpus and values
    python3 scripts/goldens/make_rouge_goldens.py --rescore  # recompute values only

Building the corpus samples sentences and words from the real data sets in
`../shared/data` (override with --data); it is deterministic (fixed seed, sorted inputs,
no timestamps). `--rescore` needs no data: it reads the inputs back from the committed
files and recomputes every value, which is how to check the goldens against another
version of rouge-score or nltk. Output is pure ASCII JSON (non-ASCII as \\uXXXX).

Writes:

  tests/goldens/rouge.jsonl   one line per (prediction, references) case:
      {"name", "prediction", "references",
       "rouge1", "rouge2", "rougeL", "rougeLsum",                     # use_stemmer=False
       "rouge1_stem", "rouge2_stem", "rougeL_stem", "rougeLsum_stem"} # use_stemmer=True
    Each value is rouge_score 0.1.2's
        RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"], use_stemmer=...)
          .score(target=references[0], prediction=prediction)[type].fmeasure
    with one reference, and `.score_multi(references, prediction)[type].fmeasure` with
    several (per type the reference with the highest F; the first wins a tie).
    `name` says where a case comes from (`article/model1/ticket-0001`, `edge/...`,
    `wmt22/...`, `summeval/...`, `realsumm/...`, `alpacaeval/...`, `synthetic/...`).
  tests/goldens/porter.jsonl  one line per word: {"word", "stem"} with
      nltk.stem.porter.PorterStemmer().stem(word) (default NLTK_EXTENSIONS mode).

Things worth knowing when matching these numbers:
  * rouge-score's argument order is score(target, prediction): precision divides by the
    prediction's count. F = 2 * p * r / (p + r), evaluated left to right.
  * Tokens are runs of [a-z0-9] after Python's str.lower(); only U+0130 and U+212A
    lowercase to ASCII letters, every other non-ASCII character separates tokens.
  * rougeLsum splits on "\\n" only; the LCS backtrack's tie-break decides the union LCS.
"""

import argparse
import collections
import json
import os
import random
import re
import sys

SEED = 20261127
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DIR = os.path.join(ROOT, "tests", "goldens")
DEFAULT_DATA = os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))
TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]

# The three tickets of the article (fixtures/tickets/seed): rougeL without stemmer is
# model 1: 0.5882, 0.3750, 0.5882 and model 2: 0.3000, 0.3750, 0.5556.
ARTICLE = [
    ("ticket-0001", "Customer locked out, error 503, requires urgent help.",
     "User locked out of account, error 503, needs help.",
     "Customer cannot access account due to lockout, error 503. Immediate support required."),
    ("ticket-0002", "Order #12345 delayed, customer seeking location update.",
     "Order 12345 not delivered as expected, customer wants status.",
     "Customer's order #12345 is late. Seeking delivery status."),
    ("ticket-0003", "Password reset email not received, even in spam.",
     "User attempting password reset, email not arriving. Spam checked.",
     "Cannot reset password, no reset email received. Verified spam folder."),
]
ARTICLE_ROUGE_L = {"model1": [0.5882, 0.3750, 0.5882], "model2": [0.3000, 0.3750, 0.5556]}

# Words whose stems exercise a particular rule or special case of NLTK's stemmer.
STEMMER_SPECIAL = """
sky skies dying lying tying news innings inning outings outing cannings canning howe
proceed exceed succeed dies ties lies pies spies flies cries skied died tied lied spied
cried fried agreed feed bleed breed disagreed guaranteed generously generous generously
caresses ponies caress cats plastered bled motoring sing conflated troubled sized hopping
tanned falling hissing fizzed failing filing happy sky enjoy enjoyment spy fly try tried
relational conditional rational valenci hesitanci digitizer conformabli radicalli
differentli vileli analogousli vietnamization predication operator feudalism decisiveness
hopefulness callousness formaliti sensitiviti sensibiliti triplicate formative formalize
electriciti electrical hopeful goodness revival allowance inference airliner gyroscopic
adjustable defensible irritant replacement adjustment dependent adoption homologou
communism activate angulariti homologous effective bowdlerize probate rate cease
controll roll geology theology archaeology philology biology hopefully beautifully
carefully usually finally really totally basically logically radically naturally
syzygy toy yyyy yyy yy y ayyy boyy eyes dye dyed dyes playing played player says obeyed
ies ied sses eed ing ed s ss is as us was has bus gas yes this thus plus
agreement agreements achievement measurement argument settlement government parliament
national nationally internationally organization organizations organisational
relativity activity sensitivity ability possibility probability responsibility
running runs ran runner swimming swam swimmer hopped hoped hoping hopes hope
generalization generalizations generalize generalized generalizing generally general
mice geese feet teeth children oxen women men went gone goes going
1990s 2000s 80s 1st 2nd 3rd 4th covid19 mp3s a1b2c3ing 4ever h2o co2 utf8 x86 ipv6
""".split()

# Suffixes of the Porter rules, to build synthetic words that reach every rule.
SUFFIXES = """
sses ies ss s eed ed ing at bl iz y ational tional enci anci izer bli alli entli eli
ousli ization ation ator alism iveness fulness ousness aliti iviti biliti fulli logi
icate ative alize iciti ical ful ness al ance ence er ic able ible ant ement ment ent
sion tion ou ism ate iti ous ive ize e ll
""".split()
STEMS = """
b tr ab hop fil conflat troubl siz gener oy y yy by sky toy cry rel condit val hesit
digit conform radic differ vil analog vietnam predic oper feud decis hope call form sens
tripl electr good reviv allow infer airlin gyroscop adjust defens irrit replac depend
adopt homolog commun activ angular effect bowdler prob rat ceas control geo theo archaeo
bo wil fizz hiss tann fall mot xyz oat tree ivy orrery ee
""".split()


def wordish(text):
    """Lowercase alphabetic words of a text (what the stemmer sees from the tokenizer)."""
    return re.findall(r"[a-z]+", text.lower())


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_data(data):
    """Real texts from ../shared/data, as plain Python structures."""
    wmt = os.path.join(data, "mt-wmt22-zhen")
    systems = sorted(os.listdir(os.path.join(wmt, "systems")))
    out = {
        "wmt_ref": read_lines(os.path.join(wmt, "ref.txt")),
        "wmt_refB": read_lines(os.path.join(wmt, "refB.txt")),
        "wmt_systems": {s[:-4]: read_lines(os.path.join(wmt, "systems", s)) for s in systems
                        if s.endswith(".txt")},
    }
    se = os.path.join(data, "summ-summeval")
    out["summeval_refs"] = [r["refs"] for r in read_jsonl(os.path.join(se, "refs_all.jsonl"))]
    out["summeval_systems"] = {
        s[:-4]: read_lines(os.path.join(se, "systems", s))
        for s in sorted(os.listdir(os.path.join(se, "systems"))) if s.endswith(".txt")
    }
    rs = os.path.join(data, "summ-realsumm")
    out["realsumm_ref"] = [r["text"] for r in read_jsonl(os.path.join(rs, "ref.jsonl"))]
    out["realsumm_systems"] = {
        s[:-6]: [r["text"] for r in read_jsonl(os.path.join(rs, "systems", s))]
        for s in sorted(os.listdir(os.path.join(rs, "systems"))) if s.endswith(".jsonl")
    }
    al = os.path.join(data, "llm-alpacaeval")
    out["alpaca"] = {k: [r["text"] for r in read_jsonl(os.path.join(al, k + ".jsonl"))]
                     for k in ["ref", "sysA", "sysB", "sysC"]}
    return out


def stemmer_words(rng, data, stem):
    """About 2,000 words: special cases, real words spread over their endings, and
    synthetic suffix chains."""
    freq = collections.Counter()
    texts = data["wmt_ref"] + data["wmt_refB"] + [r for refs in data["summeval_refs"] for r in refs]
    texts += data["realsumm_ref"] + data["alpaca"]["ref"]
    for t in texts:
        freq.update(w for w in wordish(t) if len(w) > 3)
    # Round-robin over three-letter endings, most frequent words first, so every ending
    # (and hence most rule paths) is represented.
    by_end = collections.defaultdict(list)
    for w, c in sorted(freq.items(), key=lambda x: (-x[1], x[0])):
        by_end[w[-3:]].append(w)
    ends = sorted(by_end, key=lambda e: (-len(by_end[e]), e))
    real = []
    depth = 0
    while len(real) < 1400:
        added = False
        for e in ends:
            if depth < len(by_end[e]):
                real.append(by_end[e][depth])
                added = True
                if len(real) >= 1400:
                    break
        if not added:
            break
        depth += 1
    synthetic = set()
    while len(synthetic) < 450:
        w = rng.choice(STEMS) + rng.choice(SUFFIXES)
        if rng.random() < 0.4:
            w += rng.choice(SUFFIXES)
        synthetic.add(w)
    words = []
    seen = set()
    for w in STEMMER_SPECIAL + real + sorted(synthetic):
        if w not in seen:
            seen.add(w)
            words.append(w)
    # A few words that take NLTK's non-ASCII / mixed-case path (stem() lowercases first;
    # its length test uses the word as given).
    extra = ["Running", "SKIES", "Dying", "CAFÉS", "naïvely", "Größeness", "İİ", "İstanbul",
             "ΣΟΦΙΑΣ", "façades", "résumés", "Ab", "AB", "ÉÉ", "zoë's"]
    return words + [w for w in extra if w not in seen]


def edge_cases():
    """Hand-written cases: tokenizer edges, empty sides, references, lines."""
    long_a = " ".join("w%d" % (i % 97) for i in range(3000))
    long_b = " ".join("w%d" % ((i * 7) % 101) for i in range(2500))
    cases = [
        ("empty-both", "", [""]),
        ("empty-prediction", "", ["the cat sat"]),
        ("empty-reference", "the cat sat", [""]),
        ("whitespace-only", " \t \n\n ", ["the cat sat"]),
        ("whitespace-both", "   ", ["\n"]),
        ("punctuation-only", "!!! ... ???", ["---"]),
        ("identical", "The quick brown fox.", ["The quick brown fox."]),
        ("mixed-case", "ThE QuIcK bRoWn FOX", ["the quick brown fox"]),
        ("ascii-punctuation", "don't stop-believing; (really) [now]!", ["dont stop believing really now"]),
        ("unicode-punctuation", "“Hello” — said the «fox»… ’tis ‘true’", ["hello said the fox tis true"]),
        ("cjk", "东京是日本的首都", ["东京是日本的首都"]),
        ("cjk-mixed", "Tokyo 东京 is the capital 首都 of Japan", ["Tokyo is the capital of Japan 日本"]),
        ("cafe", "Café au lait", ["caf au lait"]),
        ("grosse", "Größe und Maße", ["gr e und ma e"]),
        ("istanbul", "İstanbul İİ", ["i stanbul"]),
        ("kelvin", "300 \u212a and 5 \u212am", ["300 k and 5 km"]),
        ("accents", "naïve résumé façade coöperate", ["naive resume facade cooperate"]),
        ("numbers-separators", "It cost $1,000.50 on 2024-01-31 at 10:30 (3.14%)",
         ["it cost 1000 50 on 2024 01 31 at 10 30 3 14"]),
        ("numbers-words", "1990s 2nd 3rd 4th mp3s covid19", ["1990 2 nd 3 rd 4 th mp3 covid 19"]),
        ("repeated-tokens", "the the the the cat", ["the cat the cat"]),
        ("repeated-bigrams", "a b a b a b", ["a b a b"]),
        ("one-token", "cat", ["cat"]),
        ("one-token-vs-two", "cat", ["cat dog"]),
        ("two-refs-tie", "a b c d", ["a b x y", "x y c d"]),
        ("two-refs-second-wins", "a b c d", ["a x y z", "a b c z"]),
        ("three-refs", "the cat sat on the mat", ["a dog lay on a rug", "the cat sat", "the mat"]),
        ("three-refs-one-empty", "the cat", ["", "cat", "the cat sat"]),
        ("lines-basic", "the cat sat\non the mat", ["the cat\nsat on the mat"]),
        ("lines-empty-lines", "\n\nthe cat sat\n\n\non the mat\n", ["on the mat\n\nthe cat sat"]),
        ("lines-crlf", "the cat sat\r\non the mat\r\n", ["the cat sat\non the mat"]),
        ("lines-reordered", "c d\na b\ne f", ["a b\nc d\ne f"]),
        ("lines-repeated", "a b a\nb a b\na a", ["a b\nb a\na b a b"]),
        ("lines-one-vs-many", "a b c d e f", ["a b\nc d\ne f"]),
        ("lines-many-vs-one", "a b\nc d\ne f", ["a b c d e f"]),
        ("lines-whitespace", "a b\n \n\t\nc", ["a\nb c"]),
        ("lines-only-newlines", "\n\n\n", ["a\n\nb"]),
        ("tabs-and-nbsp", "a\tb\u00a0c\u2003d\u3000e", ["a b c d e"]),
        ("separators-1c-1f", "a\x1cb\x1dc\x1ed\x1fe", ["a b c d e"]),
        ("line-separator-u2028", "a b\u2028c d", ["a b\nc d"]),
        ("stemmer-pool", "Dying skies, lying news; tying innings", ["die sky lie news tie inning"]),
        ("stemmer-short", "cats are is as us bus", ["cat ar i a u bu"]),
        ("stemmer-words", "generously agreed to feed the flies", ["generous agreement feeding fly"]),
        ("stemmer-y", "yyyy syzygy toys happy happiness", ["yyyi syzygi toy happi happi"]),
        ("very-long-line", long_a, [long_b]),
        ("very-long-vs-short", long_a, ["w1 w2 w3 w4 w5"]),
        ("very-long-lines", "\n".join(long_a[i:i + 400] for i in range(0, len(long_a), 400)),
         ["\n".join(long_b[i:i + 300] for i in range(0, len(long_b), 300))]),
        ("markdown", "# Title\n\n* **bold** item\n* `code` item\n\n1. first\n2. second",
         ["Title\nbold item\ncode item\nfirst\nsecond"]),
        ("urls-emails", "see https://example.com/a_b?c=d or mail me@x.org",
         ["see https example com a b c d or mail me x org"]),
        ("underscores", "snake_case_name and CamelCaseName", ["snake case name and camelcasename"]),
        ("emoji", "great 👍 job 🎉🎉", ["great job"]),
        ("arabic-digits", "٣ apples and ३ pears", ["3 apples and 3 pears"]),
        ("fullwidth", "ＡＢＣ １２３ abc 123", ["abc 123"]),
        ("combining", "e\u0301te\u0301 cafe\u0301", ["et caf"]),
        ("sigma", "ΟΔΟΣ ΣΟΦΙΑΣ sofia", ["sofia"]),
        ("token-lengths", "abcdefg abcdefgh abcdefghi abcdefghijklmnop abcdefghijklmnopq",
         ["ABCDEFGH abcdefghijklmnop abcdefghijklmnopqr abcdefgh abcdefghi"]),
        ("long-tokens", "Supercalifragilisticexpialidocious antidisestablishmentarianism "
         "3f2a9c0e1b7d4f6a8c2e0b9d7f5a3c1e " + "a" * 40,
         ["antidisestablishmentarianisms supercalifragilisticexpialidocious "
          "3F2A9C0E1B7D4F6A8C2E0B9D7F5A3C1E " + "a" * 41]),
        ("long-tokens-stemmed", "internationalizations institutionalizations "
         "counterrevolutionaries electroencephalographically",
         ["internationalization institutionalization counterrevolutionary "
          "electroencephalographic"]),
        ("kelvin-joins-tokens", "abcdefgh\u212aijklmnop\u212aq 1234567\u212a",
         ["abcdefghkijklmnopkq 1234567k"]),
    ]
    return cases


def mutate(rng, text):
    """A plausible paraphrase-like variant: dropped, repeated, swapped and recased words,
    changed punctuation."""
    words = text.split(" ")
    out = []
    for w in words:
        x = rng.random()
        if x < 0.08:
            continue
        if x < 0.12:
            out.append(w)
        if x < 0.16:
            w = w.upper()
        elif x < 0.20:
            w = w.capitalize()
        elif x < 0.23:
            w = w + rng.choice([",", ".", ";", "'s", "-"])
        out.append(w)
    if len(out) > 3 and rng.random() < 0.5:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


def random_tokens(rng, n, vocab):
    return [rng.choice(vocab) for _ in range(n)]


def synthetic_cases(rng, words, stem):
    """Tiny-vocabulary texts (many LCS ties, repeated tokens, union-LCS clipping) and
    stemmer-family pairs (same stems, different surface forms)."""
    cases = []
    small = ["a", "b", "c", "d", "e"]
    for k in range(700):
        vocab = small[: rng.randint(2, 5)]
        def text():
            lines = []
            for _ in range(rng.randint(1, 4)):
                lines.append(" ".join(random_tokens(rng, rng.randint(0, 9), vocab)))
            sep = rng.choice(["\n", "\n", "\n\n", " \n"])
            return sep.join(lines)
        refs = [text() for _ in range(rng.choice([1, 1, 1, 2, 3]))]
        cases.append(("synthetic/tiny-%03d" % k, text(), refs))
    families = collections.defaultdict(list)
    for w in words:
        if w.isascii() and w.isalpha() and w.islower():
            families[stem(w)].append(w)
    groups = sorted((sorted(v) for v in families.values() if len(v) > 1), key=lambda g: g[0])
    for k in range(420):
        n = rng.randint(3, 14)
        picks = [rng.choice(groups) for _ in range(n)]
        ref = " ".join(rng.choice(g) for g in picks)
        pred = " ".join(rng.choice(g) for g in picks if rng.random() < 0.85)
        extra = " ".join(rng.choice(words) for _ in range(rng.randint(0, 3)))
        if rng.random() < 0.3:
            ref = ref.replace(" ", "\n", 2)
        if rng.random() < 0.3:
            pred = (pred + " " + extra).strip()
        cases.append(("synthetic/stems-%03d" % k, pred, [ref]))
    return cases


def real_cases(rng, data):
    cases = []
    ref, ref_b = data["wmt_ref"], data["wmt_refB"]
    systems = sorted(data["wmt_systems"])
    for k in range(520):
        i = rng.randrange(len(ref))
        system = rng.choice(systems)
        pred = data["wmt_systems"][system][i]
        x = rng.random()
        refs = [ref[i]] if x < 0.6 else ([ref[i], ref_b[i]] if x < 0.85 else [ref_b[i], ref[i]])
        if rng.random() < 0.1:
            pred = mutate(rng, ref[i])
        cases.append(("wmt22/%s/%d" % (system, i), pred, refs))
    # Online-W line 1479 is an empty hypothesis.
    cases.append(("wmt22/Online-W/1478", data["wmt_systems"]["Online-W"][1478], [ref[1478]]))
    se_systems = sorted(data["summeval_systems"])
    for k in range(150):
        i = rng.randrange(len(data["summeval_refs"]))
        system = rng.choice(se_systems)
        refs = data["summeval_refs"][i]
        chosen = rng.sample(range(len(refs)), rng.randint(1, 3))
        cases.append(("summeval/%s/%d" % (system, i), data["summeval_systems"][system][i],
                      [refs[j] for j in chosen]))
    rs_systems = sorted(data["realsumm_systems"])
    for k in range(160):
        i = rng.randrange(len(data["realsumm_ref"]))
        system = rng.choice(rs_systems)
        preds = data["realsumm_systems"][system]
        if i >= len(preds):
            continue
        cases.append(("realsumm/%s/%d" % (system, i), preds[i], [data["realsumm_ref"][i]]))
    for k in range(70):
        i = rng.randrange(len(data["alpaca"]["ref"]))
        system = rng.choice(["sysA", "sysB", "sysC"])
        cut = 3000 if k < 5 else 700
        pred = data["alpaca"][system][i][:cut]
        refs = [data["alpaca"]["ref"][i][:cut]]
        cases.append(("alpacaeval/%s/%d" % (system, i), pred, refs))
    return cases


def score_case(scorers, prediction, references):
    row = {}
    for suffix, scorer in scorers:
        if len(references) == 1:
            s = scorer.score(references[0], prediction)
        else:
            s = scorer.score_multi(references, prediction)
        for t in TYPES:
            row[t + suffix] = s[t].fmeasure
    return row


def write_jsonl(path, rows):
    with open(path, "w", encoding="ascii", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=True, separators=(",", ":")) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--rescore", action="store_true",
                        help="recompute values for the committed inputs (needs no data)")
    args = parser.parse_args()

    import nltk
    import rouge_score
    from nltk.stem.porter import PorterStemmer
    from rouge_score import rouge_scorer

    stemmer = PorterStemmer()
    scorers = [("", rouge_scorer.RougeScorer(TYPES, use_stemmer=False)),
               ("_stem", rouge_scorer.RougeScorer(TYPES, use_stemmer=True))]
    rouge_path = os.path.join(OUT_DIR, "rouge.jsonl")
    porter_path = os.path.join(OUT_DIR, "porter.jsonl")

    if args.rescore:
        words = [r["word"] for r in read_jsonl(porter_path)]
        cases = [(r["name"], r["prediction"], r["references"]) for r in read_jsonl(rouge_path)]
    else:
        rng = random.Random(SEED)
        data = load_data(args.data)
        words = stemmer_words(rng, data, stemmer.stem)
        cases = []
        for model, column in (("model1", 2), ("model2", 3)):
            for ticket in ARTICLE:
                cases.append(("article/%s/%s" % (model, ticket[0]), ticket[column], [ticket[1]]))
        cases += [("edge/" + n, p, r) for n, p, r in edge_cases()]
        cases += real_cases(rng, data)
        cases += synthetic_cases(rng, words, stemmer.stem)

    rows = []
    for name, prediction, references in cases:
        row = {"name": name, "prediction": prediction, "references": references}
        row.update(score_case(scorers, prediction, references))
        rows.append(row)
    for model, want in ARTICLE_ROUGE_L.items():
        got = [round(r["rougeL"], 4) for r in rows if r["name"].startswith("article/" + model)]
        assert got == want, (model, got, want)

    write_jsonl(rouge_path, rows)
    write_jsonl(porter_path, [{"word": w, "stem": stemmer.stem(w)} for w in words])
    size = os.path.getsize(rouge_path) + os.path.getsize(porter_path)
    print("rouge-score %s, nltk %s: %d cases, %d words, %.2f MB"
          % (getattr(rouge_score, "__version__", "0.1.2"), nltk.__version__, len(rows),
             len(words), size / 1e6), file=sys.stderr)


if __name__ == "__main__":
    main()
