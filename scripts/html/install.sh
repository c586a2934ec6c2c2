#!/usr/bin/env bash
# Installs what the HTML report's browser test needs and prints the folder of its
# node modules: Debian's chromium (and a colour emoji font for the PR comment's
# screenshot) with apt-get, as root, when missing; puppeteer-core, axe-core and
# marked with `npm ci` from scripts/html/package-lock.json into TOOLS_DIR
# (default target/ci-tools/html), reused while the pins are unchanged.
#
#   modules=$(bash scripts/html/install.sh [TOOLS_DIR])
set -euo pipefail
cd "$(dirname "$0")/../.."
tools=${1:-$PWD/target/ci-tools/html}

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-color-emoji 2>/dev/null | grep -q "ok installed" || missing+=(fonts-noto-color-emoji)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing ${missing[*]} (apt-get)" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

stamp=$(cat scripts/html/package.json scripts/html/package-lock.json | sha256sum | cut -c1-16)
if [ "$(cat "$tools/stamp" 2>/dev/null || true)" != "$stamp" ]; then
    echo "npm ci in $tools (pinned by scripts/html/package-lock.json)" >&2
    rm -rf "$tools"
    mkdir -p "$tools"
    cp scripts/html/package.json scripts/html/package-lock.json "$tools/"
    (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
    echo "$stamp" > "$tools/stamp"
fi
echo "$tools/node_modules"
