#!/usr/bin/env bash
# Checks the action's step scripts without GitHub: compare.sh and monitor.sh pass
# the inputs through as words (no shell evaluation, multi-line lists), and install.sh
# picks the committed checksums, the tool cache, or refuses a version it cannot
# verify. Downloads and source builds are exercised by test-action.yml on GitHub.
#
# Usage: scripts/github/test-action-scripts.sh BENCHGATE_BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "action scripts: $*" >&2; exit 1; }

# compare.sh: a regression run with a multi-line `current` and comma-separated metrics.
set +e
BENCHGATE_BIN=$bin INPUT_BASELINE=fixtures/tickets/baseline.jsonl \
INPUT_CURRENT=$'fixtures/tickets/current.jsonl\n' INPUT_METRICS='f1, judge' \
INPUT_COMMENT=never INPUT_ARGS='--resamples 500 --suite action-script' \
GITHUB_OUTPUT="$work/output" GITHUB_STEP_SUMMARY="$work/summary" RUNNER_TEMP="$work" \
    bash scripts/github/compare.sh > "$work/stdout" 2> "$work/stderr"
status=$?
set -e
[ "$status" -eq 1 ] || fail "compare.sh: expected exit 1 on the regression, got $status: $(cat "$work/stderr")"
grep -qx "fail" "$work/output" || fail "compare.sh: no verdict output"
grep -q "<!-- benchgate:suite=action-script -->" "$work/summary" || fail "compare.sh: args not passed"
grep -q "| judge |" "$work/summary" || fail "compare.sh: metrics not passed"
if grep -q "| exact_match |" "$work/summary"; then fail "compare.sh: metrics ignored"; fi
html=$(grep -A1 "^html-report<<" "$work/output" | tail -n 1)
[ "$html" = "$work/benchgate-report.html" ] || fail "compare.sh: html-report output is '$html'"
head -c 15 "$html" | grep -q "<!DOCTYPE html>" || fail "compare.sh: no HTML report at $html"

# compare.sh: inputs are data, never code.
set +e
BENCHGATE_BIN=$bin INPUT_BASELINE='fixtures/tickets/baseline.jsonl' \
INPUT_CURRENT="fixtures/tickets/current.jsonl \$(touch $work/pwned1)" \
INPUT_METRICS="f1,\`touch $work/pwned2\`" INPUT_ARGS="; touch $work/pwned3" \
GITHUB_OUTPUT="$work/output2" RUNNER_TEMP="$work" \
    bash scripts/github/compare.sh > /dev/null 2>&1
status=$?
set -e
[ "$status" -eq 2 ] || fail "compare.sh: expected a usage error (2) for the injection attempt, got $status"
for f in "$work"/pwned*; do
    [ -e "$f" ] && fail "compare.sh: an input was executed ($f)"
done

# monitor.sh: the fixture's logs (week 4 regressed at the reference mix: an alarm),
# the benchmark for drift, multi-line logs and comma-separated metrics.
set +e
BENCHGATE_BIN=$bin INPUT_LOGS=$'fixtures/monitor/logs.jsonl\n' INPUT_WINDOW=7d INPUT_AGAINST=previous \
INPUT_BENCHMARK=fixtures/monitor/benchmark.jsonl INPUT_METRICS='sentiment,' \
INPUT_ARGS='--slice-by category --resamples 2000' \
GITHUB_OUTPUT="$work/monitor-output" GITHUB_STEP_SUMMARY="$work/monitor-summary" RUNNER_TEMP="$work" \
    bash scripts/github/monitor.sh > "$work/monitor-stdout" 2> "$work/monitor-stderr"
status=$?
set -e
[ "$status" -eq 1 ] || fail "monitor.sh: expected exit 1 (an alarm) on the fixture, got $status: $(cat "$work/monitor-stderr")"
grep -qx "true" "$work/monitor-output" || fail "monitor.sh: no alarm output: $(cat "$work/monitor-output")"
grep -qi "category" "$work/monitor-summary" || fail "monitor.sh: args not passed (no slice in the summary)"

# monitor.sh: inputs are data, never code.
set +e
BENCHGATE_BIN=$bin INPUT_LOGS="fixtures/monitor/logs.jsonl \$(touch $work/pwned4)" \
INPUT_METRICS="sentiment,\`touch $work/pwned5\`" INPUT_ARGS="; touch $work/pwned6" \
INPUT_ISSUE="7 \$(touch $work/pwned7)" \
GITHUB_OUTPUT="$work/monitor-output2" RUNNER_TEMP="$work" \
    bash scripts/github/monitor.sh > /dev/null 2>&1
status=$?
set -e
[ "$status" -eq 2 ] || fail "monitor.sh: expected a usage error (2) for the injection attempt, got $status"
for f in "$work"/pwned*; do
    [ -e "$f" ] && fail "monitor.sh: an input was executed ($f)"
done

# install.sh: a committed checksum and a warm tool cache; no network.
action="$work/action"
mkdir -p "$action/checksums" "$work/cache/benchgate/9.9.9/X64"
cp Cargo.toml "$action/"
printf '%s  benchgate-v9.9.9-x86_64-unknown-linux-musl.tar.gz\n' "$(printf '0%.0s' {1..64})" > "$action/checksums/v9.9.9.sha256"
printf '%s  benchgate-v1.0.0-x86_64-unknown-linux-musl.tar.gz\n' "$(printf '1%.0s' {1..64})" > "$action/checksums/v1.0.0.sha256"
cp "$bin" "$work/cache/benchgate/9.9.9/X64/benchgate"
touch "$work/cache/benchgate/9.9.9/X64.complete"
BENCHGATE_ACTION_PATH=$action BENCHGATE_ACTION_REPOSITORY=example/benchgate BENCHGATE_VERSION='' \
BENCHGATE_RUNNER_OS=Linux BENCHGATE_RUNNER_ARCH=X64 RUNNER_TOOL_CACHE="$work/cache" RUNNER_TEMP="$work" \
GITHUB_OUTPUT="$work/install-output" \
    bash scripts/github/install.sh > "$work/install.log"
grep -qx "path=$work/cache/benchgate/9.9.9/X64/benchgate" "$work/install-output" \
    || fail "install.sh: the newest committed version in the tool cache was not used: $(cat "$work/install.log")"

# install.sh: a version with no committed checksums that is not the action's source is refused.
set +e
BENCHGATE_ACTION_PATH=$action BENCHGATE_ACTION_REPOSITORY=example/benchgate BENCHGATE_VERSION=v2.0.0 \
BENCHGATE_RUNNER_OS=Linux BENCHGATE_RUNNER_ARCH=X64 RUNNER_TOOL_CACHE="$work/cache" RUNNER_TEMP="$work" \
GITHUB_OUTPUT="$work/install-output2" \
    bash scripts/github/install.sh > "$work/install2.log" 2>&1
status=$?
set -e
[ "$status" -eq 1 ] || fail "install.sh: expected a refusal for an unverifiable version, got $status"
grep -q "::error title=benchgate install::version 2.0.0 has no committed checksums" "$work/install2.log" \
    || fail "install.sh: unclear refusal: $(cat "$work/install2.log")"
grep -q "use one of: 1.0.0 9.9.9" "$work/install2.log" || fail "install.sh: versions not listed"

echo "action-scripts: 5 passed, 0 failed"
