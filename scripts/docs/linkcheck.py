#!/usr/bin/env python3
"""Checks the internal links of the built manual, and the README's links into it.

    python3 scripts/docs/linkcheck.py target/book [README.md]

Every page of the book (the HTML that `mdbook build docs` wrote) is parsed; each
`href` and `src` that is not an outside address must name a file of the build, and
its `#fragment` an `id` (or `name`) on that page. The README's relative links must
name a file of the repository; a link to `docs/src/PAGE.md#anchor` is checked
against the built `PAGE.html`, and `#anchor` links in the README against GitHub's
heading anchors. Outside addresses (http:, https:, mailto:) are not fetched.
Prints every broken link with the page it is on and exits 1 if there is one.
Standard library only.
"""

import html.parser
import os
import re
import sys
import urllib.parse

OUTSIDE = ("http:", "https:", "mailto:", "data:", "javascript:")


class Page(html.parser.HTMLParser):
    """The ids of a page and the links on it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = set()
        self.links = []  # (attribute, value, line)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src", "srcset"):
            value = attrs.get(key)
            if value is None:
                continue
            if key == "srcset":
                for part in value.split(","):
                    if part.strip():
                        self.links.append((key, part.split()[0], self.getpos()[0]))
            elif tag != "link" or attrs.get("rel") in ("stylesheet", "icon", "shortcut icon"):
                self.links.append((key, value, self.getpos()[0]))


def parse(path):
    page = Page()
    with open(path, encoding="utf-8") as f:
        page.feed(f.read())
    return page


def check_book(book):
    pages = {}
    for folder, _, files in os.walk(book):
        for name in files:
            # 404.html is the web server's not-found page: its links are relative to the
            # site's root (`<base href="/">`), wherever the book is served.
            if name.endswith(".html") and not (folder == book and name == "404.html"):
                path = os.path.join(folder, name)
                pages[os.path.normpath(path)] = parse(path)
    if not pages:
        sys.exit(f"{book}: no HTML pages; build the book first (mdbook build docs)")
    broken = []
    for path, page in sorted(pages.items()):
        for attr, value, line in page.links:
            if value.startswith(OUTSIDE) or value.startswith("//"):
                continue
            parts = urllib.parse.urlsplit(value)
            if parts.scheme:
                continue
            target = path
            if parts.path:
                target = os.path.normpath(
                    os.path.join(os.path.dirname(path), urllib.parse.unquote(parts.path))
                )
                if os.path.isdir(target):
                    target = os.path.join(target, "index.html")
                if not os.path.exists(target):
                    broken.append(f"{path}:{line}: {attr}={value!r}: no file {target}")
                    continue
            if parts.fragment and target.endswith(".html"):
                ids = pages[target].ids if target in pages else parse(target).ids
                if urllib.parse.unquote(parts.fragment) not in ids:
                    broken.append(f"{path}:{line}: {attr}={value!r}: no id {parts.fragment!r} in {target}")
    return pages, broken


def github_anchor(heading):
    """The id GitHub gives a heading: lowercased, punctuation dropped, spaces to '-'."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def check_readme(readme, book, pages):
    root = os.path.dirname(os.path.abspath(readme))
    text = open(readme, encoding="utf-8").read()
    prose = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    anchors = set()
    for heading in re.findall(r"^#+\s+(.*)$", prose, flags=re.M):
        anchors.add(github_anchor(heading))
    links = re.findall(r"\]\(([^)\s]+)\)", prose)
    links += re.findall(r'(?:src|srcset|href)="([^"]+)"', prose)
    broken = []
    for value in links:
        if value.startswith(OUTSIDE):
            continue
        parts = urllib.parse.urlsplit(value)
        if not parts.path:
            if parts.fragment not in anchors:
                broken.append(f"{readme}: {value!r}: no heading with that anchor")
            continue
        target = os.path.normpath(os.path.join(root, urllib.parse.unquote(parts.path)))
        if not os.path.exists(target):
            broken.append(f"{readme}: {value!r}: no file {target}")
            continue
        docs_src = os.path.join(root, "docs", "src") + os.sep
        if parts.fragment and target.startswith(docs_src) and target.endswith(".md"):
            page = os.path.normpath(os.path.join(book, target[len(docs_src):-3] + ".html"))
            if page not in pages:
                broken.append(f"{readme}: {value!r}: {target} is not a page of the book")
            elif parts.fragment not in pages[page].ids:
                broken.append(f"{readme}: {value!r}: no id {parts.fragment!r} in {page}")
    return broken


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    book = os.path.normpath(sys.argv[1])
    pages, broken = check_book(book)
    count = sum(len(p.links) for p in pages.values())
    if len(sys.argv) == 3:
        broken += check_readme(sys.argv[2], book, pages)
    for line in broken:
        print(f"broken link: {line}", file=sys.stderr)
    if broken:
        sys.exit(1)
    print(f"{len(pages)} pages, {count} links: none broken")


if __name__ == "__main__":
    main()
