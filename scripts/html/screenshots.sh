#!/usr/bin/env bash
# Regenerates the screenshots (README and the book) of the HTML report and of the PR comment
# (docs/src/img/*.png) from the tickets fixture: builds the release binary, installs the
# browser tools as .ci/run does, and runs the browser test, which copies its
# screenshots to docs/src/img when every check passes.
#
#   bash scripts/html/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --locked --quiet
modules=$(bash scripts/html/install.sh)
node scripts/html/test.mjs --benchgate target/release/benchgate --modules "$modules" \
    --out target/html --screenshots docs/src/img
