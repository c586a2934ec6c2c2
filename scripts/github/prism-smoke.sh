#!/usr/bin/env bash
# Contract smoke test: Prism serves GitHub's full official OpenAPI description on
# 127.0.0.1 and validates every request against it (--errors turns a violation
# into an error response); benchgate runs once against it as in a pull-request
# workflow. Any violation in Prism's log, a warning from benchgate, or a missing
# comment-url fails the test.
#
# Usage: scripts/github/prism-smoke.sh NODE_MODULES_DIR BENCHGATE_BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."

modules=${1:?usage: prism-smoke.sh NODE_MODULES_DIR BENCHGATE_BINARY}
bin=${2:?usage: prism-smoke.sh NODE_MODULES_DIR BENCHGATE_BINARY}
spec="$modules/@octokit/openapi/generated/api.github.com.json"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Prism answers GET /pulls/{n} with the description's example, whose head
# commit is not the webhook example's: the event gets that head, so that this
# run is the head's and posts (benchgate leaves the comment to the head's run).
# That example also breaks its own schema (its reviewer team lacks the required
# `type`; @octokit/openapi 23.0.2), which Prism --errors reports as a violation
# of its own answer: the copy Prism serves has the example without reviewer
# teams. Nothing else of the description is touched.
python3 - "$spec" "$PWD/tests/github/events/pull_request.opened.json" "$work" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1], encoding="utf-8"))
op = spec["paths"]["/repos/{owner}/{repo}/pulls/{pull_number}"]["get"]
ref = op["responses"]["200"]["content"]["application/json"]["examples"]["default"]["$ref"]
example = spec["components"]["examples"][ref.rsplit("/", 1)[1]]["value"]
example["requested_teams"] = []
event = json.load(open(sys.argv[2], encoding="utf-8"))
event["pull_request"]["head"]["sha"] = example["head"]["sha"]
json.dump(event, open(sys.argv[3] + "/event.json", "w", encoding="utf-8"))
json.dump(spec, open(sys.argv[3] + "/api.github.com.json", "w", encoding="utf-8"))
PY
"$modules/.bin/prism" mock --host 127.0.0.1 --port "$port" --errors "$work/api.github.com.json" > "$work/prism.log" 2>&1 &
prism=$!
cleanup() {
    kill "$prism" 2>/dev/null || true
    wait "$prism" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Loading the 13 MB description takes Prism a while; bounded wait.
for _ in $(seq 1 240); do
    grep -q "Prism is listening" "$work/prism.log" && break
    if ! kill -0 "$prism" 2>/dev/null; then
        echo "prism exited before listening:" >&2
        tail -n 20 "$work/prism.log" >&2
        exit 1
    fi
    sleep 0.5
done
grep -q "Prism is listening" "$work/prism.log" || { echo "prism did not start in 120 s" >&2; exit 1; }
: > "$work/requests.log"
lines_before=$(wc -l < "$work/prism.log")


set +e
GITHUB_EVENT_NAME=pull_request \
GITHUB_EVENT_PATH="$work/event.json" \
GITHUB_REPOSITORY=Codertocat/Hello-World \
GITHUB_API_URL="http://127.0.0.1:$port" \
GITHUB_SERVER_URL=https://github.com \
GITHUB_RUN_ID=1 \
GITHUB_TOKEN=ghs_prism_smoke_token \
GITHUB_STEP_SUMMARY="$work/summary.md" \
GITHUB_OUTPUT="$work/output" \
RUNNER_TEMP="$work" \
    timeout 180 "$bin" compare --baseline fixtures/tickets/baseline.jsonl \
    --current fixtures/tickets/current.jsonl --resamples 1000 \
    --github --comment always --github-timeout 60 --verbose > "$work/stdout" 2> "$work/stderr"
status=$?
set -e

tail -n "+$((lines_before + 1))" "$work/prism.log" > "$work/requests.log"
fail=0
if [ "$status" -ne 1 ]; then
    echo "expected exit code 1 (the fixture regresses), got $status" >&2
    fail=1
fi
if grep -E "Violation|did not pass|✖" "$work/requests.log" >&2; then
    echo "prism reported violations of GitHub's description" >&2
    fail=1
fi
requests=$(grep -c "\[HTTP SERVER\]" "$work/requests.log" || true)
passed=$(grep -c "request passed the validation rules" "$work/requests.log" || true)
if [ "$requests" -lt 2 ] || [ "$passed" -ne "$requests" ]; then
    echo "expected at least a list and a create, each passing validation; got $passed of $requests" >&2
    fail=1
fi
if grep "^::warning" "$work/stdout" >&2; then
    fail=1
fi
if ! grep -A1 "^comment-url<<" "$work/output" | tail -n 1 | grep -q "^https://"; then
    echo "no comment-url output" >&2
    fail=1
fi
if grep -q "ghs_prism_smoke_token" "$work/stdout" "$work/stderr"; then
    echo "the token was printed" >&2
    fail=1
fi
sed 's/^/    /' "$work/stderr"
if [ "$fail" -ne 0 ]; then
    echo "--- benchgate stdout" >&2; cat "$work/stdout" >&2
    echo "--- prism (requests)" >&2; cut -c1-300 "$work/requests.log" >&2
    exit 1
fi
echo "prism contract smoke test: $requests requests, each valid against GitHub's official description"
