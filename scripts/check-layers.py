#!/usr/bin/env python3
"""Imports point one way: fails on a layer violation or a module cycle in src/.

Reads every `use` declaration and every `crate::`/`super::`/`self::` path of the
library (comments, strings and `#[cfg(test)] mod tests` blocks left out: a unit
test may build its input with whatever it needs), resolves each to the file of
the module it names, and checks the file graph against LAYERS below:

- a file may import from its own layer and the layers below it, never above;
- the modules (top-level ones, and the folders' files among themselves) form no
  cycle: A importing B and B importing A, directly or round a circle, fails.
  A folder's `mod.rs` and its own files may import each other (the folder is one
  module to the rest of the crate), and a file may import its own parent (`super`).

Usage: check-layers.py [--src DIR] [--graph] [--self-test]. Exit 0 when the
imports follow the layers, 1 with one line per violation otherwise. `--graph`
also prints the file graph and its cycles. `--self-test` proves the check can
fail: it copies src/ aside, injects one back-edge at a time (an upward `use`, a
grouped `use crate::{…}`, an inline `crate::` path, a cycle inside a layer) and
exits 1 unless every one of them is caught. Stdlib only.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile

# The layers, bottom first. A file belongs to the first entry whose module path
# is a prefix of its own (`load` holds every file in src/load/). Keep this table
# and the diagram in src/lib.rs's module doc in step.
LAYERS = [
    # Depends on nothing of benchgate: errors, diagnostics, text escaping, the atomic file
    # writer, the GitHub client and the Actions environment.
    ("base", ["error", "diagnostic", "escape", "atomic", "github"]),
    # The stages of a run, in the order they run.
    ("load", ["load"]),  # input files -> rows; baselines from files, git, artifacts
    ("align", ["align"]),  # pair by id; the dataset fingerprint
    ("score", ["metrics", "score", "design"]),  # per-example statistics
    ("resample", ["stats"]),  # resamplers, intervals, corrections: plain numbers
    # The validated settings, built from the settings of the stages above
    # (fields, metric options, resampler, artifact lookup); read from here on.
    ("config", ["config"]),
    # Verdicts, and what a report is made of: the human review, the history.
    ("judge", ["review", "report", "judge", "noise", "history", "examples", "agreement", "monitor"]),
    ("render", ["render"]),  # markdown, terminal, json, html: no statistics
    ("publish", ["publish"]),  # output files, the job summary, the PR comment
    # The pipeline (lib.rs) and the commands beside it.
    ("pipeline", ["", "baseline", "progress"]),
    # The command line: flags, and the Config they make.
    ("cli", ["cli", "cli_config", "app"]),
]

RAW = re.compile(r'r(#*)"')
WORD = re.compile(r"\w")
CHAR = re.compile(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'")
TEST_BLOCK = re.compile(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*\{")


def strip(text):
    """The source without comments, string and char literals (kept as spaces so
    that nothing inside them reads as a path)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            out.append(" ")
        elif c == "r" and RAW.match(text, i) and literal_start(text, i):
            m = RAW.match(text, i)
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            i = n if j < 0 else j + len(end)
            out.append('""')
        elif c == "b" and text.startswith('b"', i) and not (i and WORD.match(text, i - 1)):
            i = skip_string(text, i + 1)
            out.append('""')
        elif c == '"':
            i = skip_string(text, i)
            out.append('""')
        elif c == "'":
            # A char literal ('a', '\n', '\u{1F600}') or a lifetime ('a).
            m = CHAR.match(text, i)
            if m:
                i += len(m.group(0))
                out.append("' '")
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def literal_start(text, i):
    """Whether the `r` at `i` opens a raw string (`r"`, `br"`), not ends a name."""
    if i and text[i - 1] == "b":
        i -= 1
    return not (i and WORD.match(text, i - 1))


def skip_string(text, i):
    """Index after the string literal opening at `i`."""
    i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i + 1
        else:
            i += 1
    return i


def drop_test_blocks(code):
    """`code` without its `#[cfg(test)] mod … { … }` blocks."""
    while True:
        m = TEST_BLOCK.search(code)
        if not m:
            return code
        depth, i = 1, m.end()
        while i < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[i], 0)
            i += 1
        code = code[: m.start()] + code[i:]


def expand_use(tree):
    """The paths a use tree names: `a::{b, c::{d, e}}` -> a::b, a::c::d, a::c::e."""
    tree = re.sub(r"\s+as\s+\w+", "", tree)  # `x as y` names x
    tree = re.sub(r"\s+", "", tree)
    depth = 0
    for i, c in enumerate(tree):
        if c == "{":
            if depth == 0:
                prefix, inner = tree[:i], tree[i + 1 : tree.rindex("}")]
                parts, start, d = [], 0, 0
                for j, ch in enumerate(inner):
                    d += {"{": 1, "}": -1}.get(ch, 0)
                    if ch == "," and d == 0:
                        parts.append(inner[start:j])
                        start = j + 1
                parts.append(inner[start:])
                return [p for part in parts if part for p in expand_use(prefix + part)]
            depth += 1
    return [tree]


def module_of(path, src):
    """`src/load/json.rs` -> ("load", "json"); `src/lib.rs` -> ()."""
    rel = os.path.relpath(path, src)[: -len(".rs")].split(os.sep)
    if rel[-1] in ("mod", "lib"):
        rel = rel[:-1]
    return tuple(rel)


def references(code, module, is_dir_module, modules):
    """Module paths (absolute, as tuples) that `code`, the text of `module`, names."""
    # The module that `self` names, and what `super` names, for this file.
    here = module
    parent = module[:-1]
    found = []

    def absolute(segments):
        if not segments:
            return None
        head, rest = segments[0], segments[1:]
        if head == "crate":
            return tuple(rest)
        if head == "self":
            return here + tuple(rest)
        if head == "super":
            base = parent
            while rest and rest[0] == "super":
                base, rest = base[:-1], rest[1:]
            return base + tuple(rest)
        # A path that starts with a child module's name (`use json::read;` in
        # load/mod.rs, `load::git::…` in lib.rs).
        if here + (head,) in modules:
            return here + tuple(segments)
        return None

    uses = re.finditer(r"\buse\s+([^;]+);", code)
    spans = []
    for m in uses:
        spans.append(m.span())
        for path in expand_use(m.group(1)):
            p = absolute([s for s in path.split("::") if s and s != "*"])
            if p is not None:
                found.append(p)
    rest = code
    for start, end in reversed(spans):
        rest = rest[:start] + " " * (end - start) + rest[end:]
    for m in re.finditer(r"(?<![\w:$])((?:crate|self|super|[a-z_][a-z0-9_]*)(?:::[A-Za-z_]\w*)+)", rest):
        segments = m.group(1).split("::")
        if segments[0] not in ("crate", "self", "super") and here + (segments[0],) not in modules:
            continue
        p = absolute(segments)
        if p is not None:
            found.append(p)
    return found


def resolve(path, modules):
    """The longest module that `path` starts with (its file), or None."""
    for k in range(len(path), -1, -1):
        if path[:k] in modules:
            return path[:k]
    return None


def layer_of(module):
    """(index, table entry) of `module`: the first entry that is a prefix of it."""
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            parts = tuple(p for p in prefix.split("::") if p)
            if not parts and module:
                continue  # "" is lib.rs alone
            if module[: len(parts)] == parts and (best is None or len(parts) > len(best[1])):
                best = (index, parts)
    return best


def graph(src):
    """{file module: {imported file modules}} of the crate under `src`."""
    files = {}
    for root, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs") and not (root == src and name == "main.rs"):
                path = os.path.join(root, name)
                files[module_of(path, src)] = path
    # Files that are unit tests (`#[cfg(test)] mod tests;`) are left out too.
    sources = {}
    for module, path in files.items():
        with open(path, encoding="utf-8") as f:
            sources[module] = strip(f.read())
    for module, code in list(sources.items()):
        for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", code):
            sources.pop(module + (m.group(1),), None)
            files.pop(module + (m.group(1),), None)
    edges = {}
    for module, code in sources.items():
        code = drop_test_blocks(code)
        path = files[module]
        is_dir = os.path.basename(path) in ("mod.rs", "lib.rs")
        targets = set()
        for ref in references(code, module, is_dir, files):
            target = resolve(ref, files)
            if target is not None and target != module:
                targets.add(target)
        edges[module] = targets
    return edges


def name(module):
    return "::".join(module) or "lib"


def unit(module):
    """The module a cycle is counted between: the top-level module (the folder),
    so that a folder's mod.rs and its files may use each other."""
    return module[:1]


def cycles(nodes, edges):
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                    advanced = True
                    break
                if nxt in on:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    component.append(w)
                    if w == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def check(src, show_graph=False):
    """Violations, one line each, and the numbers the summary prints."""
    edges = graph(src)
    problems = []
    for module in sorted(edges):
        if layer_of(module) is None:
            problems.append(f"{name(module)}: in no layer; add it to LAYERS in {sys.argv[0]}")
    for module, targets in sorted(edges.items()):
        mine = layer_of(module)
        for target in sorted(targets):
            theirs = layer_of(target)
            if mine and theirs and theirs[0] > mine[0]:
                problems.append(
                    f"{name(module)} (layer {LAYERS[mine[0]][0]}) imports {name(target)} "
                    f"(layer {LAYERS[theirs[0]][0]}, above it)"
                )
    # Cycles between modules: top-level modules, and within a folder, its files
    # other than mod.rs (a folder's files may use their mod.rs, and it theirs).
    top = {}
    for module, targets in edges.items():
        for target in targets:
            if unit(module) != unit(target):
                top.setdefault(unit(module), set()).add(unit(target))
    for component in cycles(set(map(unit, edges)), top):
        problems.append("cycle between modules: " + " ↔ ".join(name(c) for c in component))
    inner = {}
    for module, targets in edges.items():
        for target in targets:
            same_folder = module[:-1] == target[:-1] and len(module) > 1
            if same_folder:
                inner.setdefault(module, set()).add(target)
    for component in cycles(set(edges), inner):
        problems.append("cycle between sibling files: " + " ↔ ".join(name(c) for c in component))
    file_cycles = cycles(set(edges), edges)
    if show_graph:
        for module, targets in sorted(edges.items()):
            print(f"{name(module)} -> {', '.join(name(t) for t in sorted(targets))}")
        for component in file_cycles:
            print(f"file cycle ({len(component)} files): {', '.join(name(c) for c in component)}")
    biggest = max((len(c) for c in file_cycles), default=0)
    return problems, len(edges), biggest


# (file, text appended, a phrase the violation must contain)
INJECTIONS = [
    ("error.rs", "use crate::publish::Published;\n", "error (layer base) imports publish"),
    (
        "load/mod.rs",
        "use crate::{error::Error as _E, render::RenderOptions as _R};\n",
        "load (layer load) imports render",
    ),
    (
        "stats/holm.rs",
        "fn _f(_: &crate::judge::Evidence<'_>) {}\n",
        "stats::holm (layer resample) imports judge",
    ),
    ("review/mod.rs", "use crate::report::Report as _R;\n", "cycle between modules"),
    ("metrics/mod.rs", "use crate::judge as _j;\n", "metrics (layer score) imports judge"),
    ("align.rs", "fn _g() -> super::score::Slices { todo!() }\n", "align (layer align) imports score"),
]


def self_test(src):
    """1 unless the clean tree passes and every injected back-edge fails."""
    problems, _, _ = check(src)
    if problems:
        print("self-test: the tree must pass before anything is injected")
        return 1
    failed = 0
    for path, text, expected in INJECTIONS:
        with tempfile.TemporaryDirectory() as tmp:
            copy = os.path.join(tmp, "src")
            shutil.copytree(src, copy)
            with open(os.path.join(copy, path), "a", encoding="utf-8") as f:
                f.write(text)
            problems, _, _ = check(copy)
            caught = any(expected in p for p in problems)
            print(f"self-test: {path} + {text.strip()!r}: {'caught' if caught else 'MISSED'}")
            failed += not caught
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--src", default=os.path.join(here, "..", "src"))
    parser.add_argument("--graph", action="store_true", help="print the file graph and its cycles")
    parser.add_argument("--self-test", action="store_true", help="prove that back-edges fail")
    args = parser.parse_args()
    if args.self_test:
        return self_test(os.path.normpath(args.src))
    problems, files, biggest = check(os.path.normpath(args.src), args.graph)
    for problem in problems:
        print(problem)
    print(
        f"check-layers: {files} files, {len(problems)} violations; "
        f"the largest import cycle of files (a folder with its mod.rs counts) holds {biggest}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
