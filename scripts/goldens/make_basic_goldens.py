#!/usr/bin/env python3
"""Golden values for benchgate's basic text metrics and label metrics.

Regenerate (from the repository root):

    python3 -m pip install -r scripts/goldens/requirements.txt
    python3 scripts/goldens/make_basic_goldens.py

Writes (deterministic: fixed seed, no timestamps; output is pure ASCII JSON, non-ASCII
characters are written as \\uXXXX escapes so no line-splitting ambiguity exists):

  tests/goldens/basic_metrics.jsonl   one line per (prediction, references) case:
      {"prediction", "references", "squad_em", "squad_f1", "exact_match",
       "exact_match_ignore_case", "exact_match_ignore_punct", "exact_match_ignore_numbers",
       "exact_match_all", "exact_match_regex"}
    - squad_em / squad_f1: max over the references of the official SQuAD v1.1
      evaluate-v1.1.py exact_match_score / f1_score (functions copied below).
    - exact_match*: Hugging Face `evaluate`'s exact_match metric
      (metrics/exact_match/exact_match.py, ExactMatch._compute) against the FIRST
      reference only, per example, 1.0 or 0.0:
        exact_match                 no options
        exact_match_ignore_case     ignore_case=True
        exact_match_ignore_punct    ignore_punctuation=True
        exact_match_ignore_numbers  ignore_numbers=True
        exact_match_all             ignore_case, ignore_punctuation, ignore_numbers
        exact_match_regex           regexes_to_ignore=["the ", "yell", "YELL"]
  tests/goldens/classification.jsonl  20 label datasets:
      {"name", "y_true", "y_pred", "accuracy", "macro_f1", "macro_f1_default"}
    - accuracy: sklearn.metrics.accuracy_score
    - macro_f1: f1_score(average="macro", zero_division=0)
    - macro_f1_default: f1_score(average="macro") with the default zero_division="warn"
      (acts as 0.0; the warning is suppressed)

Things worth knowing when matching these numbers:
  * Python's str.split() / str.isspace() treat \\x1c-\\x1f as whitespace (Rust's
    char::is_whitespace does not), and also \\x85, \\xa0, \\u2028, \\u3000 ...
  * Python's re `\\b` uses str.isalnum()-based word characters: superscripts and vulgar
    fractions (U+00B2, U+00BD) are word characters, combining marks (U+0301) are not;
    Rust's regex crate has the opposite answer for both.
  * string.punctuation and string.digits are ASCII only: curly quotes, dashes, guillemets
    and non-ASCII digits are kept.
  * HF evaluate lower-cases with numpy (np.char.lower) on fixed-width unicode arrays, so a
    string whose lower-case form is longer (U+0130 'İ' -> 'i' + U+0307) gets truncated to
    the array's width, and the width depends on the batch. These goldens use plain Python
    str semantics (str.lower, str.translate) per example, i.e. what the numpy code means;
    the script prints how many cases a one-example numpy call would score differently.
  * macro F1 averages per-class scores with numpy (pairwise summation over the classes in
    sorted order); compare floats with a small tolerance (1e-12), not bit-for-bit.
"""

import collections
import json
import os
import random
import re
import string
import sys
import warnings
from collections import Counter

SEED = 20261127
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT_DIR = os.path.join(ROOT, "tests", "goldens")


# ---------------------------------------------------------------------------------------
# Official SQuAD v1.1 evaluation functions (evaluate-v1.1.py), copied verbatim.
# (max over ground truths is metric_max_over_ground_truths, as in the official script.)
# ---------------------------------------------------------------------------------------

def normalize_answer(s):
    """Lower text and remove punctuation, articles and extra whitespace."""
    def remove_articles(text):
        return re.sub(r'\b(a|an|the)\b', ' ', text)

    def white_space_fix(text):
        return ' '.join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return ''.join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def f1_score(prediction, ground_truth):
    prediction_tokens = normalize_answer(prediction).split()
    ground_truth_tokens = normalize_answer(ground_truth).split()
    common = Counter(prediction_tokens) & Counter(ground_truth_tokens)
    num_same = sum(common.values())
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(prediction_tokens)
    recall = 1.0 * num_same / len(ground_truth_tokens)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def exact_match_score(prediction, ground_truth):
    return (normalize_answer(prediction) == normalize_answer(ground_truth))


def metric_max_over_ground_truths(metric_fn, prediction, ground_truths):
    scores_for_ground_truths = []
    for ground_truth in ground_truths:
        score = metric_fn(prediction, ground_truth)
        scores_for_ground_truths.append(score)
    return max(scores_for_ground_truths)


# ---------------------------------------------------------------------------------------
# Hugging Face evaluate, metrics/exact_match/exact_match.py, ExactMatch._compute,
# reproduced step for step (the `evaluate` package cannot download metric scripts
# offline). Upstream works on numpy arrays: np.array([re.sub(s, "", x) ...]) per regex,
# np.char.lower, np.char.translate with string.punctuation / string.digits tables, then
# predictions == references and the mean. Here the same steps run on one Python string
# pair, which is what the numpy calls compute element-wise (see the module docstring for
# the one place numpy's fixed-width arrays differ).
# ---------------------------------------------------------------------------------------

def hf_exact_match(prediction, reference, regexes_to_ignore=None, ignore_case=False,
                   ignore_punctuation=False, ignore_numbers=False):
    predictions, references = [prediction], [reference]
    if regexes_to_ignore is not None:
        for s in regexes_to_ignore:
            predictions = [re.sub(s, "", x) for x in predictions]
            references = [re.sub(s, "", x) for x in references]

    if ignore_case:
        predictions = [x.lower() for x in predictions]
        references = [x.lower() for x in references]

    if ignore_punctuation:
        repl_table = string.punctuation.maketrans("", "", string.punctuation)
        predictions = [x.translate(repl_table) for x in predictions]
        references = [x.translate(repl_table) for x in references]

    if ignore_numbers:
        repl_table = string.digits.maketrans("", "", string.digits)
        predictions = [x.translate(repl_table) for x in predictions]
        references = [x.translate(repl_table) for x in references]

    score_list = [p == r for p, r in zip(predictions, references)]
    return 1.0 if score_list[0] else 0.0


def hf_exact_match_numpy(prediction, reference, regexes_to_ignore=None, ignore_case=False,
                         ignore_punctuation=False, ignore_numbers=False):
    """The upstream numpy code on a one-example batch (only used for the divergence count)."""
    import numpy as np
    predictions, references = [prediction], [reference]
    if regexes_to_ignore is not None:
        for s in regexes_to_ignore:
            predictions = np.array([re.sub(s, "", x) for x in predictions])
            references = np.array([re.sub(s, "", x) for x in references])
    else:
        predictions = np.asarray(predictions)
        references = np.asarray(references)
    if ignore_case:
        predictions = np.char.lower(predictions)
        references = np.char.lower(references)
    if ignore_punctuation:
        repl_table = string.punctuation.maketrans("", "", string.punctuation)
        predictions = np.char.translate(predictions, table=repl_table)
        references = np.char.translate(references, table=repl_table)
    if ignore_numbers:
        repl_table = string.digits.maketrans("", "", string.digits)
        predictions = np.char.translate(predictions, table=repl_table)
        references = np.char.translate(references, table=repl_table)
    score_list = predictions == references
    return float(np.mean(score_list))


EM_VARIANTS = [
    ("exact_match", {}),
    ("exact_match_ignore_case", {"ignore_case": True}),
    ("exact_match_ignore_punct", {"ignore_punctuation": True}),
    ("exact_match_ignore_numbers", {"ignore_numbers": True}),
    ("exact_match_all", {"ignore_case": True, "ignore_punctuation": True, "ignore_numbers": True}),
    ("exact_match_regex", {"regexes_to_ignore": ["the ", "yell", "YELL"]}),
]


# ---------------------------------------------------------------------------------------
# Corpus
# ---------------------------------------------------------------------------------------

HANDCRAFTED = [
    # SQuAD normalisation basics
    ("The cat", ["the cat"]),
    ("the cat", ["cat"]),
    ("The the a an", ["the"]),
    ("The the a an", [""]),
    ("a an the", ["   "]),
    ("an apple a day", ["apple day"]),
    ("A", ["a"]),
    ("Theater", ["theater"]),
    ("then anthem", ["anthem then"]),
    ("a-b", ["ab"]),
    ("a-b", ["a b"]),
    ("the-end", ["theend"]),
    ("the_end", ["end"]),
    ("l'a", ["la"]),
    ("The, the; THE: tHe!", [""]),
    ("Answer: the Beatles.", ["Beatles", "The Beatles"]),
    ("Beatles", ["the beatles!", "Rolling Stones"]),
    ("", [""]),
    ("", ["something"]),
    ("something", [""]),
    ("   ", [""]),
    ("   ", ["   "]),
    ("\t\n", [""]),
    ("hello world", ["hello\tworld"]),
    ("hello\nworld", ["hello world"]),
    ("hello  world", ["hello world"]),
    (" hello world ", ["hello world"]),
    ("hello world", ["hello world "]),
    ("Hello World", ["hello world"]),
    ("HELLO WORLD", ["hello world"]),
    ("hello, world.", ["hello world"]),
    ("hello world", ["world hello"]),
    ("hello hello world", ["hello world world"]),
    ("hello hello hello", ["hello"]),
    ("hello", ["hello hello hello"]),
    ("yell at the yellow YELL", ["at  low "]),
    ("the the", ["the "]),
    ("then the", ["then"]),
    ("YELLOW", ["OW"]),
    ("yellyell", [""]),
    # numbers
    ("1,000.50", ["100050"]),
    ("1,000.50", ["1000.50"]),
    ("$1,000.50", ["1,000.50 dollars"]),
    ("3.14", ["314"]),
    ("-7", ["7"]),
    ("42", ["forty-two", "42"]),
    ("year 2024", ["year 1999"]),
    ("room 101", ["room"]),
    ("order #12345", ["order 12345"]),
    ("Order 12345 not delivered as expected, customer wants status.",
     ["Order #12345 delayed, customer seeking location update."]),
    ("1e5", ["100000"]),
    ("\u00bd cup", ["1/2 cup"]),
    ("x\u00b2", ["x2"]),
    ("\u0663\u0664", ["34"]),
    ("\uff11\uff12\uff13", ["123"]),
    # ASCII and Unicode punctuation
    ("\u201cquoted\u201d", ["quoted"]),
    ("\u201cquoted\u201d", ["\"quoted\""]),
    ("\"quoted\"", ["quoted"]),
    ("it\u2019s", ["its"]),
    ("it's", ["its"]),
    ("wait\u2014what", ["wait what"]),
    ("wait\u2014what", ["waitwhat"]),
    ("well\u2026", ["well"]),
    ("well...", ["well"]),
    ("\u00bfQu\u00e9?", ["qu\u00e9"]),
    ("\u00a1Hola!", ["hola"]),
    ("\u00abBonjour\u00bb", ["bonjour"]),
    ("\u00ab the \u00bb", [""]),
    ("\u00abthe\u00bb", ["\u00ab\u00bb"]),
    ("a\u00b7b", ["a b"]),
    ("\u3001\u3002", [""]),
    ("\uff01", ["!"]),
    ("\u2018single\u2019", ["'single'"]),
    ("en\u2013dash", ["en dash"]),
    ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", [""]),
    ("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", ["!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"]),
    # CJK, Turkish, German, Greek and other case mappings
    ("\u65e5\u672c\u8a9e", ["\u65e5\u672c\u8a9e"]),
    ("\u65e5\u672c \u8a9e", ["\u65e5\u672c\u8a9e"]),
    ("\u4e2d\u6587\u3002", ["\u4e2d\u6587"]),
    ("the\u65e5\u672c", ["\u65e5\u672c"]),
    ("\u30c6\u30b9\u30c8 the", ["\u30c6\u30b9\u30c8"]),
    ("\u0130stanbul", ["istanbul"]),
    ("\u0130stanbul", ["i\u0307stanbul"]),
    ("\u0130STANBUL", ["\u0130stanbul"]),
    ("\u0130", ["i"]),
    ("\u0130", ["i\u0307"]),
    ("\u0131", ["i"]),
    ("I", ["\u0131"]),
    ("Stra\u00dfe", ["strasse"]),
    ("Stra\u00dfe", ["stra\u00dfe"]),
    ("STRASSE", ["stra\u00dfe"]),
    ("\u1e9e", ["\u00df"]),
    ("\u03a3\u039f\u03a6\u039f\u03a3", ["\u03c3\u03bf\u03c6\u03bf\u03c2"]),
    ("\u03a3\u039f\u03a6\u039f\u03a3", ["\u03c3\u03bf\u03c6\u03bf\u03c3"]),
    ("\u01c4", ["\u01c6"]),
    ("\u212a", ["k"]),
    ("\u212b", ["\u00e5"]),
    ("\ufb01le", ["file"]),
    ("caf\u00e9", ["cafe\u0301"]),
    ("CAF\u00c9", ["caf\u00e9"]),
    ("na\u00efve", ["naive"]),
    ("the\u0301", [""]),
    ("the\u0301 end", ["end"]),
    ("the\u00b2", ["\u00b2"]),
    ("a\u00bd", ["\u00bd"]),
    ("the\u200bend", ["end"]),
    ("\ufeffthe answer", ["answer"]),
    ("\U0001f600 the \U0001f600", ["\U0001f600 \U0001f600"]),
    ("the\U0001f600", ["\U0001f600"]),
    ("\ud55c\uad6d\uc5b4", ["\ud55c\uad6d\uc5b4"]),
    ("\u0645\u0631\u062d\u0628\u0627", ["\u0645\u0631\u062d\u0628\u0627!"]),
    # Python-only whitespace and other separators
    ("a\x1cb", ["a b"]),
    ("hello\x1cworld", ["hello world"]),
    ("hello\x1dworld", ["hello world"]),
    ("hello\x1eworld", ["hello world"]),
    ("hello\x1fworld", ["hello world"]),
    ("hello\x85world", ["hello world"]),
    ("hello\xa0world", ["hello world"]),
    ("hello\u2028world", ["hello world"]),
    ("hello\u2029world", ["hello world"]),
    ("hello\u3000world", ["hello world"]),
    ("hello\u2009world", ["hello world"]),
    ("hello\u200bworld", ["hello world"]),
    ("hello\u180eworld", ["hello world"]),
    ("hello\x0bworld", ["hello world"]),
    ("hello\x0cworld", ["hello world"]),
    ("hello\rworld", ["hello world"]),
    ("hello\r\nworld", ["hello world"]),
    ("\x1c\x1d\x1e\x1f", [""]),
    ("\x85\xa0\u2028", ["   "]),
    ("the\x1cend", ["end"]),
    ("the\xa0end", ["end"]),
    ("x\x1c", ["x"]),
    # several references
    ("Paris", ["paris", "Paris, France", "the city of Paris"]),
    ("Paris, France", ["London", "paris"]),
    ("in 1990", ["1990", "in the year 1990", "1990s"]),
    ("New York City", ["New York", "NYC"]),
    ("NYC", ["New York", "New York City", "nyc"]),
    ("blue", ["red", "green", "Blue."]),
    ("", ["", "x"]),
    ("x", ["", "x"]),
    ("the", ["", "a", "an"]),
]

WORDS = (
    "account order refund billing shipping login password reset email error invoice charge "
    "customer user package delivery tracking card payment subscription plan price discount "
    "code app crash update version browser page upload file sync notification support help "
    "urgent delayed missing wrong damaged late status request cancel change address quantity "
    "product item box label return replacement credit annual monthly tax certificate "
    "locked blocked failed broken received arrived never still again yesterday today "
    "and or not no but with without for to of in on at by from since after before "
    "is was are were has have had can cannot could should would will wants needs asks"
).split()
ARTICLES = ["a", "an", "the", "A", "An", "The", "THE", "tHe", "AN"]
NUMBERS = ["0", "1", "7", "42", "503", "12345", "#12345", "$49.99", "1,000.50", "1.000,50", "3.14",
           "-7", "+1", "2024", "10%", "4K", "v2.3.1", "1e5", "0x1F", "\u00bd", "\u00b2",
           "\u0663", "\uff15", "2,500", "99.9", "24/7"]
UNICODE_WORDS = ["caf\u00e9", "cafe\u0301", "na\u00efve", "Stra\u00dfe", "STRASSE", "\u0130stanbul",
                 "\u0131\u015f\u0131k", "\u65e5\u672c\u8a9e", "\u4e2d\u6587", "\u30c6\u30b9\u30c8",
                 "\ud55c\uad6d\uc5b4", "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac",
                 "\u03a3\u039f\u03a6\u039f\u03a3", "\ufb01le", "\u01c4", "\u212a", "se\u00f1or",
                 "\u00c5ngstr\u00f6m", "\u0645\u0631\u062d\u0628\u0627", "\U0001f600",
                 "\U0001f44d\U0001f3fd", "\u00e9t\u00e9", "\u0141\u00f3d\u017a"]
ASCII_PUNCT = list(string.punctuation)
UNICODE_PUNCT = ["\u201c", "\u201d", "\u2018", "\u2019", "\u2014", "\u2013", "\u2026", "\u00bf",
                 "\u00a1", "\u00ab", "\u00bb", "\u00b7", "\u2022", "\u203d", "\u3001", "\u3002",
                 "\uff01", "\uff1f", "\u00a7"]
SPACES = [" ", " ", " ", " ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e",
          "\x1f", "\x85", "\xa0", "\u2028", "\u2029", "\u3000", "\u2009", "\u200b"]


def rand_token(rng):
    r = rng.random()
    if r < 0.55:
        w = rng.choice(WORDS)
    elif r < 0.70:
        w = rng.choice(ARTICLES)
    elif r < 0.82:
        w = rng.choice(NUMBERS)
    elif r < 0.94:
        w = rng.choice(UNICODE_WORDS)
    else:
        w = rng.choice(["yell", "YELL", "yellow", "the", "then", "there", "an", "anthem", "a"])
    c = rng.random()
    if c < 0.1:
        w = w.upper()
    elif c < 0.2:
        w = w[:1].upper() + w[1:]
    return w


def join_tokens(rng, tokens, exotic=0.15):
    out = []
    for i, t in enumerate(tokens):
        if i:
            out.append(rng.choice(SPACES) if rng.random() < exotic else " ")
        if rng.random() < 0.12:
            t = t + rng.choice(ASCII_PUNCT if rng.random() < 0.6 else UNICODE_PUNCT)
        if rng.random() < 0.05:
            t = rng.choice(ASCII_PUNCT if rng.random() < 0.6 else UNICODE_PUNCT) + t
        out.append(t)
    return "".join(out)


def sentence(rng, lo=1, hi=12, exotic=0.15):
    return join_tokens(rng, [rand_token(rng) for _ in range(rng.randint(lo, hi))], exotic)


def perturb(rng, text):
    """One random edit; some keep one or more normalisations equal, some do not."""
    ops = ["upper", "lower", "title", "strip_punct", "add_punct", "add_uni_punct", "add_article",
           "drop_article", "digits", "drop_word", "add_word", "swap_words", "spaces", "regex",
           "dup_word", "trailing_space", "none"]
    op = rng.choice(ops)
    words = text.split(" ")
    if op == "upper":
        return text.upper()
    if op == "lower":
        return text.lower()
    if op == "title":
        return text.title()
    if op == "strip_punct":
        return "".join(ch for ch in text if ch not in string.punctuation)
    if op == "add_punct":
        i = rng.randint(0, len(text))
        return text[:i] + rng.choice(ASCII_PUNCT) + text[i:]
    if op == "add_uni_punct":
        i = rng.randint(0, len(text))
        return text[:i] + rng.choice(UNICODE_PUNCT) + text[i:]
    if op == "add_article":
        i = rng.randint(0, len(words))
        return " ".join(words[:i] + [rng.choice(ARTICLES)] + words[i:])
    if op == "drop_article":
        return " ".join(w for w in words if w.lower() not in ("a", "an", "the")) or text
    if op == "digits":
        return re.sub(r"[0-9]", lambda m: str(rng.randint(0, 9)), text) if re.search(r"[0-9]", text) \
            else text + " " + str(rng.randint(0, 999))
    if op == "drop_word" and len(words) > 1:
        del words[rng.randrange(len(words))]
        return " ".join(words)
    if op == "add_word":
        words.insert(rng.randint(0, len(words)), rand_token(rng))
        return " ".join(words)
    if op == "swap_words" and len(words) > 1:
        i, j = rng.sample(range(len(words)), 2)
        words[i], words[j] = words[j], words[i]
        return " ".join(words)
    if op == "spaces":
        return rng.choice(SPACES).join(words)
    if op == "regex":
        i = rng.randint(0, len(words))
        return " ".join(words[:i] + [rng.choice(["the", "yell", "YELL", "yellow", "The"])] + words[i:])
    if op == "dup_word":
        i = rng.randrange(len(words))
        return " ".join(words[:i + 1] + [words[i]] + words[i + 1:])
    if op == "trailing_space":
        return text + rng.choice(SPACES)
    return text


def perturbed_cases(rng, n):
    cases = []
    for _ in range(n):
        ref = sentence(rng, 1, 10, exotic=0.1)
        pred = ref
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            pred = perturb(rng, pred)
        refs = [ref]
        for _ in range(rng.choice([0, 0, 1, 2])):
            other = perturb(rng, ref) if rng.random() < 0.5 else sentence(rng, 1, 8)
            refs.append(other)
        if rng.random() < 0.2:
            rng.shuffle(refs)  # the exact source is not always the first reference
        cases.append((pred, refs))
    return cases


def salad_cases(rng, n):
    cases = []
    for _ in range(n):
        pred = sentence(rng, 0, 15, exotic=0.3)
        refs = [sentence(rng, 0, 15, exotic=0.3) for _ in range(rng.randint(1, 3))]
        # Share some tokens so F1 is not always 0.
        if rng.random() < 0.6:
            toks = pred.split()
            if toks:
                k = rng.randint(1, len(toks))
                refs[0] = " ".join(rng.sample(toks, k) + refs[0].split()[:rng.randint(0, 5)])
        cases.append((pred, refs))
    return cases


def long_cases(rng, n):
    cases = []
    for i in range(n):
        ref = sentence(rng, 150, 600, exotic=0.05)
        pred = ref
        for _ in range(rng.randint(1, 30)):
            pred = perturb(rng, pred)
        cases.append((pred, [ref] + ([sentence(rng, 50, 200)] if i % 3 == 0 else [])))
    # one very long unbroken "word" and a long line of punctuation
    cases.append(("x" * 5000, ["x" * 5000]))
    cases.append(("x" * 5000, ["x" * 4999]))
    cases.append(("-" * 3000 + " the " + "." * 3000, [""]))
    return cases


def build_corpus(rng):
    cases = list(HANDCRAFTED)
    cases += perturbed_cases(rng, 1000)
    cases += salad_cases(rng, 300)
    cases += long_cases(rng, 22)
    # Empty / whitespace-only predictions against random references.
    for _ in range(25):
        blank = "".join(rng.choice(SPACES) for _ in range(rng.randint(0, 4)))
        cases.append((blank, [sentence(rng, 0, 5) if rng.random() < 0.7 else blank]))
    return cases


def golden_line(pred, refs):
    assert refs, "every case has at least one reference"
    rec = collections.OrderedDict()
    rec["prediction"] = pred
    rec["references"] = refs
    rec["squad_em"] = float(metric_max_over_ground_truths(exact_match_score, pred, refs))
    rec["squad_f1"] = float(metric_max_over_ground_truths(f1_score, pred, refs))
    for name, kwargs in EM_VARIANTS:
        rec[name] = hf_exact_match(pred, refs[0], **kwargs)
    return rec


# ---------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------

def classification_datasets(rng):
    sets = []

    def add(name, y_true, y_pred):
        assert len(y_true) == len(y_pred)
        sets.append((name, list(y_true), list(y_pred)))

    add("perfect_binary", ["pos", "neg", "pos", "neg", "pos"], ["pos", "neg", "pos", "neg", "pos"])
    add("all_wrong_binary", ["pos", "neg", "pos", "neg", "pos", "neg"], ["neg", "pos", "neg", "pos", "neg", "pos"])
    add("never_predicted", ["a", "b", "c", "a", "b", "c", "a"], ["a", "b", "b", "a", "b", "a", "a"])
    add("only_predicted", ["x", "x", "y", "y", "x", "y"], ["x", "z", "y", "z", "x", "y"])
    add("both_never_and_only", ["cat", "dog", "bird", "cat", "dog", "bird", "cat", "dog"],
        ["cat", "dog", "fish", "cat", "cat", "fish", "cat", "dog"])
    add("single_class_true", ["yes"] * 9, ["yes", "yes", "no", "yes", "maybe", "yes", "yes", "no", "yes"])
    add("single_class_everywhere", ["ok"] * 5, ["ok"] * 5)
    add("disjoint_labels", ["a", "b", "a", "b", "a"], ["c", "d", "c", "d", "c"])
    add("unicode_labels", ["n\u00e9gatif", "positif", "neutre", "n\u00e9gatif", "\u65e5\u672c", "positif"],
        ["n\u00e9gatif", "neutre", "neutre", "positif", "\u65e5\u672c", "positif"])
    add("case_sensitive_labels", ["Yes", "yes", "YES", "no", "No"], ["yes", "yes", "Yes", "No", "No"])

    sentiment = ["positive", "negative", "neutral"]
    cats = ["login", "orders", "billing", "shipping", "refunds", "technical"]
    many = ["label_{:02d}".format(i) for i in range(14)]

    def noisy(labels, n, acc, extra=(), drop=()):
        y_true = [rng.choice(labels) for _ in range(n)]
        y_pred = []
        for t in y_true:
            if rng.random() < acc:
                y_pred.append(t)
            else:
                y_pred.append(rng.choice([l for l in list(labels) + list(extra) if l not in drop] or [t]))
        return y_true, y_pred

    add("sentiment_50", *noisy(sentiment, 50, 0.7))
    add("sentiment_300", *noisy(sentiment, 300, 0.82))
    add("categories_120", *noisy(cats, 120, 0.75, extra=["other"]))
    add("categories_200", *noisy(cats, 200, 0.8))
    yt, yp = noisy(cats, 200, 0.8, drop=["billing"])
    yp = ["shipping" if p == "billing" else p for p in yp]
    add("categories_200_billing_never_predicted", yt, yp)
    add("many_labels_150", *noisy(many, 150, 0.6, extra=["unknown"]))
    add("many_labels_300", *noisy(many, 300, 0.9))
    add("imbalanced_100", ["common"] * 90 + ["rare"] * 10,
        ["common"] * 85 + ["rare"] * 5 + ["common"] * 7 + ["rare"] * 3)
    add("tiny_5", ["a", "b", "c", "d", "e"], ["a", "a", "c", "z", "e"])
    add("numeric_strings", *noisy(["0", "1", "2", "10"], 80, 0.65, extra=["-1"]))
    assert len(sets) == 20
    return sets


def classification_golden(sets):
    from sklearn.metrics import accuracy_score, f1_score as sk_f1
    out = []
    for name, y_true, y_pred in sets:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            default = sk_f1(y_true, y_pred, average="macro")
        rec = collections.OrderedDict()
        rec["name"] = name
        rec["y_true"] = y_true
        rec["y_pred"] = y_pred
        rec["accuracy"] = float(accuracy_score(y_true, y_pred))
        rec["macro_f1"] = float(sk_f1(y_true, y_pred, average="macro", zero_division=0))
        rec["macro_f1_default"] = float(default)
        out.append(rec)
    return out


# ---------------------------------------------------------------------------------------

def write_jsonl(path, records):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="ascii", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")


def main():
    rng = random.Random(SEED)
    cases = build_corpus(rng)
    records = [golden_line(p, refs) for p, refs in cases]
    write_jsonl(os.path.join(OUT_DIR, "basic_metrics.jsonl"), records)

    cls = classification_golden(classification_datasets(rng))
    write_jsonl(os.path.join(OUT_DIR, "classification.jsonl"), cls)

    # Summary + the numpy divergence count (see docstring).
    n = len(records)
    print("basic_metrics.jsonl: {} cases".format(n))
    for key in ["squad_em", "squad_f1"] + [k for k, _ in EM_VARIANTS]:
        print("  mean {:<28} {:.4f}".format(key, sum(r[key] for r in records) / n))
    try:
        diverge = 0
        for (p, refs), r in zip(cases, records):
            for name, kwargs in EM_VARIANTS:
                if hf_exact_match_numpy(p, refs[0], **kwargs) != r[name]:
                    diverge += 1
                    print("  numpy one-example call differs: {} {!r} vs {!r}".format(name, p[:40], refs[0][:40]))
        print("  values where a one-example numpy call differs: {}".format(diverge))
    except ImportError:
        print("  numpy not installed: divergence check skipped", file=sys.stderr)
    print("classification.jsonl: {} datasets".format(len(cls)))
    for r in cls:
        print("  {:<40} n={:<4} acc={:.4f} macro_f1={:.6f} default={:.6f}".format(
            r["name"], len(r["y_true"]), r["accuracy"], r["macro_f1"], r["macro_f1_default"]))


if __name__ == "__main__":
    main()
