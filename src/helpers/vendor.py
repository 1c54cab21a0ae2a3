"""Thebe, served by the site itself: how ``book/_static/vendor/thebe`` is made.

The site serves its own copy of every front-end library it loads (see
``book/_static/vendor/LICENSES.txt``). Thebe 0.9.2 (live code) comes from its npm
package: ``lib/*.js`` and ``lib/thebe.css``, without source maps. Its bundle names three
third-party servers, each patched here to the site's own files or to nothing:

- MathJax 2 from cdnjs, to typeset LaTeX outputs: none (the book's outputs hold no LaTeX,
  and Thebe then drops its LaTeX renderer);
- require.js from cdnjs, to load widget modules: the site's copy of require.js 2.3.8
  (npm package ``requirejs``), saved beside Thebe;
- third-party widget modules from jsDelivr: none (the book uses no widgets; Thebe's
  built-in Jupyter widgets are part of the bundle).

To refresh it (needs the npm registry)::

    npm pack thebe@0.9.2 requirejs@2.3.8
    tar xzf thebe-0.9.2.tgz && mkdir rjs && tar xzf requirejs-2.3.8.tgz -C rjs
    python -m helpers.vendor package rjs/package/require.js
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .paths import project_root

REQUIREJS = "require.js"
PATCHES = {
    '"https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.5/MathJax.js"': '""',
    'fetch("https://cdnjs.cloudflare.com/ajax/libs/require.js/2.3.6/require.min.js")': (
        f'fetch(document.documentElement.dataset.content_root+"_static/vendor/thebe/{REQUIREJS}")'
    ),
    '"https://cdn.jsdelivr.net/npm/"': '""',
}


def thebe_dir() -> Path:
    """Where the site's copy of Thebe lives."""
    return project_root() / "book" / "_static" / "vendor" / "thebe"


def patch(text: str) -> str:
    """Thebe's bundle with every third-party address replaced (idempotent)."""
    for old, new in PATCHES.items():
        text = text.replace(old, new)
    return text


def vendor_thebe(package: Path, requirejs: Path, dest: Path) -> None:
    """Copy Thebe's npm ``package`` folder and ``require.js`` into ``dest``, patched."""
    lib = package / "lib"
    if not (lib / "index.js").is_file():
        raise FileNotFoundError(f"{lib / 'index.js'}: not an unpacked thebe npm package")
    if not requirejs.is_file():
        raise FileNotFoundError(f"{requirejs}: no require.js there")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for source in sorted(lib.glob("*.js")) + [lib / "thebe.css"]:
        (dest / source.name).write_text(patch(source.read_text(encoding="utf-8")), "utf-8")
    for notice in sorted(lib.glob("*.LICENSE.txt")):
        shutil.copy2(notice, dest / notice.name)
    shutil.copy2(requirejs, dest / REQUIREJS)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m helpers.vendor THEBE_PACKAGE_DIR REQUIRE_JS", file=sys.stderr)
        return 2
    vendor_thebe(Path(argv[0]), Path(argv[1]), thebe_dir())
    print(f"wrote {thebe_dir()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
