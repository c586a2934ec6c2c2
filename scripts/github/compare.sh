#!/usr/bin/env bash
# Step 2 of action.yml: runs `benchgate compare --github` with the action's inputs.
#
# Inputs arrive only as environment variables (INPUT_*), never spliced into the
# script, so no input can inject shell code. Lists are split on whitespace (and
# commas for metrics) with globbing off; nothing is evaluated. The step's exit
# code is benchgate's: 0 pass, 1 the gate failed, 2 usage or input error.
set -euo pipefail
set -f

bin=${BENCHGATE_BIN:?the install step gave no benchgate binary}
: "${INPUT_BASELINE:?the action needs the baseline input}"
: "${INPUT_CURRENT:?the action needs the current input}"

args=(compare --baseline "$INPUT_BASELINE" --github --comment "${INPUT_COMMENT:-on-change}")

# Word splitting without globbing (set -f): split on spaces, tabs and newlines.
# shellcheck disable=SC2206
current=($INPUT_CURRENT)
args+=(--current "${current[@]}")

metrics_list=${INPUT_METRICS:-}
# shellcheck disable=SC2206
metrics=(${metrics_list//,/ })
for metric in ${metrics[@]+"${metrics[@]}"}; do
    args+=(--metric "$metric")
done

if [ -n "${INPUT_CONFIG:-}" ]; then
    args+=(--config "$INPUT_CONFIG")
fi
if [ -n "${INPUT_FAIL_ON:-}" ]; then
    args+=(--fail-on "$INPUT_FAIL_ON")
fi

# shellcheck disable=SC2206
extra=(${INPUT_ARGS:-})

# The HTML report (the `html-report` output; upload it with actions/upload-artifact),
# unless the extra args name their own --html-out.
html_given=false
for word in ${extra[@]+"${extra[@]}"}; do
    case $word in --html-out | --html-out=*) html_given=true ;; esac
done
if [ "$html_given" = false ]; then
    args+=(--html-out "${INPUT_HTML_REPORT:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/benchgate-report.html}")
fi
# (The ${a[@]+…} form keeps bash 3.2, macOS's, happy with empty arrays under set -u.)
args+=(${extra[@]+"${extra[@]}"})

exec "$bin" "${args[@]}"
