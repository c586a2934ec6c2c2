#!/usr/bin/env bash
# The monitor step of action.yml (mode: monitor): runs `benchgate monitor --github`
# with the action's inputs, for a scheduled workflow over production logs.
#
# Inputs arrive only as environment variables (INPUT_*), never spliced into the
# script, so no input can inject shell code. Lists are split on whitespace (and
# commas for metrics) with globbing off (benchgate expands the globs itself); nothing
# is evaluated. The step's exit code is benchgate's: 0 no alarm, 1 an alarm, 2 usage
# or input error.
set -euo pipefail
set -f

bin=${BENCHGATE_BIN:?the install step gave no benchgate binary}
: "${INPUT_LOGS:?the monitor mode needs the logs input}"

# shellcheck disable=SC2206
logs=($INPUT_LOGS)
args=(monitor --github --logs "${logs[@]}" --window "${INPUT_WINDOW:-7d}" --against "${INPUT_AGAINST:-previous}")

# shellcheck disable=SC2206
benchmark=(${INPUT_BENCHMARK:-})
if [ "${#benchmark[@]}" -gt 0 ]; then
    args+=(--benchmark "${benchmark[@]}")
fi

# One number; benchgate checks it (a word here is a usage error, exit 2).
issue=${INPUT_ISSUE:-}
issue=${issue//[[:space:]]/}
if [ -n "$issue" ]; then
    args+=(--issue "$issue")
fi

metrics_list=${INPUT_METRICS:-}
# shellcheck disable=SC2206
metrics=(${metrics_list//,/ })
for metric in ${metrics[@]+"${metrics[@]}"}; do
    args+=(--metric "$metric")
done

# shellcheck disable=SC2206
extra=(${INPUT_ARGS:-})
# (The ${a[@]+…} form keeps bash 3.2, macOS's, happy with empty arrays under set -u.)
args+=(${extra[@]+"${extra[@]}"})

exec "$bin" "${args[@]}"
