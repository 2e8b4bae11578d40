"""The console's initial download: the entry chunk and every chunk it imports statically, gzipped, read from
Vite's manifest (console/dist/.vite/manifest.json). Pages and charts load later, on demand.

    python -m bench.console_bundle [--dist console/dist]

Exits non-zero when the initial JavaScript exceeds the budget (400 KB gzipped)."""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_KB = 400


def _manifest(dist: Path) -> dict:
    return json.loads((dist / ".vite" / "manifest.json").read_text())


def initial_files(dist: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """The files a first visit loads before any page chunk: the entry and its static imports, recursively
    (with `extra` manifest keys: also those chunks and their imports, e.g. the page first opened)."""
    manifest = _manifest(dist)
    entries = [key for key, chunk in manifest.items() if chunk.get("isEntry")] + list(extra)
    seen: list[str] = []
    stack = list(entries)
    while stack:
        key = stack.pop()
        chunk = manifest[key]
        for name in [chunk["file"], *chunk.get("css", [])]:
            if name not in seen:
                seen.append(name)
        stack.extend(k for k in chunk.get("imports", []) if manifest[k]["file"] not in seen)
    return seen


def gzipped_size(path: Path) -> int:
    """Bytes of the file after gzip -9 (what a compressing server sends)."""
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def pages(dist: Path) -> list[str]:
    """The manifest keys of the pages the entry loads on demand (the router's dynamic imports)."""
    manifest = _manifest(dist)
    return sorted({key for chunk in manifest.values() if chunk.get("isEntry")
                   for key in chunk.get("dynamicImports", [])})


def measure(dist: Path, extra: tuple[str, ...] = ()) -> dict:
    """Sizes of the initial JavaScript and CSS, raw and gzipped, per file and in total."""
    files = [(name, (dist / name).stat().st_size, gzipped_size(dist / name))
             for name in initial_files(dist, extra)]
    js = [f for f in files if f[0].endswith(".js")]
    css = [f for f in files if f[0].endswith(".css")]
    return {"files": files, "js_raw": sum(f[1] for f in js), "js_gzip": sum(f[2] for f in js),
            "css_gzip": sum(f[2] for f in css)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dist", type=Path, default=ROOT / "console" / "dist")
    args = parser.parse_args()
    if not (args.dist / ".vite" / "manifest.json").exists():
        print(f"no build in {args.dist}: run `make console` first", file=sys.stderr)
        return 2
    result = measure(args.dist)
    for name, raw, packed in result["files"]:
        print(f"  {name:<48} {raw / 1024:8.1f} KB  gzip {packed / 1024:7.1f} KB")
    js_kb = result["js_gzip"] / 1024
    print(f"initial JavaScript: {result['js_raw'] / 1024:.1f} KB, gzip {js_kb:.1f} KB (budget {BUDGET_KB} KB); "
          f"initial CSS gzip {result['css_gzip'] / 1024:.1f} KB")
    # What a first visit really downloads: the entry plus the page it lands on (and that page's layout).
    layout = tuple(key for key in pages(args.dist) if "layout/" in key)
    for page in pages(args.dist):
        first = measure(args.dist, (page, *layout) if page not in layout else (page,))
        print(f"  first visit to {Path(page).stem:<16} JavaScript gzip {first['js_gzip'] / 1024:6.1f} KB")
    return 0 if js_kb <= BUDGET_KB else 1


if __name__ == "__main__":
    sys.exit(main())
