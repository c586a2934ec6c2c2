#!/usr/bin/env bash
# Step 1 of action.yml: puts a benchgate binary on the runner and writes its path
# to the step output `path`.
#
# The released binary for the runner's OS and architecture is downloaded, its
# sha256 checked against checksums/vVERSION.sha256 committed in the action's own
# repository (never against a file downloaded beside it), and kept in the runner's
# tool cache. When no released binary fits (no checksums committed yet, an
# unknown platform, or the action used from a local checkout), benchgate is built
# from the action's own source with `cargo install --locked`.
#
# Environment (set by action.yml): BENCHGATE_VERSION, BENCHGATE_ACTION_PATH,
# BENCHGATE_ACTION_REPOSITORY, BENCHGATE_RUNNER_OS, BENCHGATE_RUNNER_ARCH, plus the
# runner's RUNNER_TOOL_CACHE, RUNNER_TEMP and GITHUB_OUTPUT.
set -euo pipefail

action_path=${BENCHGATE_ACTION_PATH:?BENCHGATE_ACTION_PATH is not set}
requested=${BENCHGATE_VERSION#v}
os=${BENCHGATE_RUNNER_OS:-}
arch=${BENCHGATE_RUNNER_ARCH:-}
exe=""
case "$os/$arch" in
    Linux/X64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64) target=aarch64-unknown-linux-musl ;;
    macOS/X64) target=x86_64-apple-darwin ;;
    macOS/ARM64) target=aarch64-apple-darwin ;;
    Windows/X64) target=x86_64-pc-windows-msvc; exe=.exe ;;
    *) target="" ;;
esac

say() { echo "benchgate install: $*"; }
output() { echo "path=$1" >> "$GITHUB_OUTPUT"; say "using $1"; }

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        shasum -a 256 "$1" | cut -d' ' -f1
    fi
}

# Versions with committed checksums, one a line.
versions() {
    for f in "$action_path"/checksums/v*.sha256; do
        [ -e "$f" ] || continue
        f=${f##*/v}
        echo "${f%.sha256}"
    done
}

source_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$action_path/Cargo.toml" | head -n 1)

build_from_source() {
    say "building benchgate $source_version from the action's source ($1)"
    if [ -n "$requested" ] && [ "$requested" != "$source_version" ]; then
        echo "::error title=benchgate install::version $requested has no committed checksums in this action (checksums/v$requested.sha256) and the action's source is $source_version; use one of: $(versions | tr '\n' ' ')or leave \`version\` empty"
        exit 1
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "::error title=benchgate install::no released binary fits ($1) and cargo is not installed; add \`- uses: dtolnay/rust-toolchain@stable\` before this step"
        exit 1
    fi
    root="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/benchgate-source"
    cargo install --locked --quiet --features bertscore --path "$action_path" --root "$root"
    output "$root/bin/benchgate$exe"
}

# The newest version with committed checksums, unless one was asked for.
version=$requested
if [ -z "$version" ]; then
    version=$(versions | sort -V | tail -n 1)
fi
sums="$action_path/checksums/v$version.sha256"
if [ -z "$version" ] || [ ! -f "$sums" ]; then
    build_from_source "no committed checksums${version:+ for $version}"
    exit 0
fi
if [ -z "$target" ]; then
    build_from_source "no released binary for $os/$arch"
    exit 0
fi
if [ -n "$exe" ]; then archive="benchgate-v$version-$target.zip"; else archive="benchgate-v$version-$target.tar.gz"; fi
expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$sums")
if [ -z "$expected" ]; then
    build_from_source "$archive is not in checksums/v$version.sha256"
    exit 0
fi

cache="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/benchgate/$version/$arch"
if [ -f "$cache.complete" ] && [ -x "$cache/benchgate$exe" ]; then
    say "found benchgate $version in the tool cache"
    output "$cache/benchgate$exe"
    exit 0
fi
if [ -z "${BENCHGATE_ACTION_REPOSITORY:-}" ]; then
    build_from_source "the action runs from a local checkout, whose releases are unknown"
    exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
url="https://github.com/$BENCHGATE_ACTION_REPOSITORY/releases/download/v$version/$archive"
say "downloading $url"
curl --fail --silent --show-error --location --proto '=https' --retry 3 --retry-delay 2 --max-time 300 \
    --output "$work/$archive" "$url"
actual=$(sha256_of "$work/$archive")
if [ "$actual" != "$expected" ]; then
    echo "::error title=benchgate install::$archive has sha256 $actual, but checksums/v$version.sha256 says $expected; refusing to run it"
    exit 1
fi
mkdir -p "$work/unpacked"
if [ -n "$exe" ]; then
    if command -v unzip >/dev/null 2>&1; then
        unzip -q "$work/$archive" -d "$work/unpacked"
    else
        7z x -bd -y "-o$work/unpacked" "$work/$archive" >/dev/null
    fi
else
    tar -xzf "$work/$archive" -C "$work/unpacked"
fi
binary=$(find "$work/unpacked" -type f -name "benchgate$exe" | head -n 1)
if [ -z "$binary" ]; then
    echo "::error title=benchgate install::$archive holds no benchgate$exe"
    exit 1
fi
rm -rf "$cache"
mkdir -p "$cache"
cp "$binary" "$cache/benchgate$exe"
chmod +x "$cache/benchgate$exe"
touch "$cache.complete"
output "$cache/benchgate$exe"
