#!/usr/bin/env bash
# Bounded fuzzing of the loaders and the markdown renderer (issue 7): builds the
# cargo-fuzz targets in fuzz/ and runs each for SECONDS (default 45), starting
# from the committed seeds and regressions. A crash, a hang (-timeout) or an
# allocation past 2 GB (-rss_limit_mb/-malloc_limit_mb) fails the run and
# leaves the input in fuzz/artifacts/TARGET/; copy it to fuzz/regressions/TARGET/
# and `cargo test --test fuzz_corpus` replays it from then on.
#
# usage: scripts/fuzz/run.sh [SECONDS]
# cargo-fuzz is installed from crates.io (pinned) into target/ci-tools and reused.
# It runs on the stable toolchain with RUSTC_BOOTSTRAP=1. No sanitizer: benchgate
# forbids unsafe code, and libFuzzer itself catches panics, hangs and memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-45}
version=0.13.2
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
tools="$target_dir/ci-tools/cargo-fuzz-$version"
if ! "$tools/bin/cargo-fuzz" --version 2>/dev/null | grep -qF "$version"; then
    echo "== installing cargo-fuzz $version into $tools"
    env -u CARGO_TARGET_DIR cargo install cargo-fuzz --version "$version" --locked --root "$tools" --quiet
fi
export PATH="$tools/bin:$PATH"
export RUSTC_BOOTSTRAP=1
cd fuzz
flags=(--sanitizer none -O)
cargo fuzz build "${flags[@]}"
log=$(mktemp)
for target in $(cargo fuzz list); do
    # New corpus entries go to the target directory, never into the repository.
    corpus="$target_dir/fuzz-corpus/$target"
    mkdir -p "$corpus"
    echo "== fuzzing $target for $seconds s"
    if ! cargo fuzz run "${flags[@]}" "$target" "$corpus" "seeds/$target" "regressions/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -print_final_stats=1 >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz target $target failed; the input is in fuzz/artifacts/$target/: add it to fuzz/regressions/$target/ and fix the bug" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    corpus_size=$(find "$corpus" -type f | wc -l)
    echo "$target: ${runs:-?} inputs tried in $seconds s, no crash, hang or memory blow-up; corpus $corpus_size files"
done
rm -f "$log"
