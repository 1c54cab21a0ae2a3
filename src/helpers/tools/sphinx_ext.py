"""Small Sphinx fixes for the book's site, found by the browser tests.

* A light/dark mode default: the theme otherwise starts with an empty mode and logs an
  error in the browser console.
* Inline scripts added twice (sphinx-thebe's configuration) are written once, so the page
  does not fail with "Identifier ... has already been declared".
* The single-page build (for the PDF) gets the node visitors extensions register for HTML.
* Two accessibility fixes in the page body (found by axe-core): MyST-NB's "Show code cell
  source" toggles lose the aria-label "Toggle hidden content" that hid their visible text
  from their accessible name (WCAG 2.5.3, label in name); the entries of docutils' citation
  list (role "list") become list items instead of the deprecated "doc-biblioentry", which
  a list may not hold.
* Numbered references (``{numref}``) resolved without unpickling the whole target chapter
  once per reference: Sphinx 7.4 reads the target's doctree afresh for each, which took
  11 of the site build's 25 s (91 references into chapters of up to 0.9 MB of doctree).
  Each chapter is now read once per build for that lookup, which only reads it.
* pybtex's backends registered once, through pybtex's own ``register_plugin``:
  sphinxcontrib-bibtex asks pybtex for its plain-text backend at every citation, and pybtex
  looks for it among every installed package's entry points each time (2 s of the site
  build for the book's 99 citations).
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain
from sphinx.environment import BuildEnvironment

HIDDEN_CONTENT_LABEL = '<summary aria-label="Toggle hidden content">'
CITATION_ROLE = 'role="doc-biblioentry"'


def accessible_body(body: str) -> str:
    """The page body with MyST-NB's toggles named by their text and citations as list items."""
    return body.replace(HIDDEN_CONTENT_LABEL, "<summary>").replace(CITATION_ROLE, 'role="listitem"')


def _page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        attributes = getattr(script, "attributes", {}) or {}
        key = (str(getattr(script, "filename", script) or ""), attributes.get("body"))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique
    if "body" in context:
        context["body"] = accessible_body(context["body"])
    if not context.get("default_mode"):
        context["default_mode"] = "auto"


def _share_html_visitors(app: Sphinx) -> None:
    """Extensions register their node visitors for the ``html`` builder only; the
    single-page build the PDF is printed from needs the same ones."""
    handlers = app.registry.translation_handlers
    for name in ("singlehtml", "dirhtml"):
        shared = handlers.setdefault(name, {})
        for node, visitors in handlers.get("html", {}).items():
            shared.setdefault(node, visitors)


_NUMBERED_TARGETS: dict[str, nodes.document] = {}
"""The doctrees numbered references point into, read once per build (emptied when the
documents have been read, before any is written)."""


class _StandardDomain(StandardDomain):
    """Sphinx's standard domain, with one change: a numbered reference finds its target in
    a doctree read once per build instead of once per reference. The lookup only reads the
    target's number and type, so sharing the doctree changes nothing it resolves to."""

    def _resolve_numref_xref(
        self,
        env: BuildEnvironment,
        fromdocname: str,
        builder: Any,
        typ: str,
        target: str,
        node: Any,
        contnode: Any,
    ) -> Any:
        read = env.get_doctree

        def once(docname: str) -> nodes.document:
            if docname not in _NUMBERED_TARGETS:
                _NUMBERED_TARGETS[docname] = read(docname)
            return _NUMBERED_TARGETS[docname]

        env.get_doctree = once  # type: ignore[method-assign]
        try:
            return super()._resolve_numref_xref(
                env, fromdocname, builder, typ, target, node, contnode
            )
        finally:
            del env.get_doctree  # the class's own again


def _forget_numbered_targets(app: Sphinx, env: BuildEnvironment) -> None:
    _NUMBERED_TARGETS.clear()


PYBTEX_BACKENDS = ("plaintext", "docutils")
"""The pybtex backends sphinxcontrib-bibtex asks for while it resolves citations."""


def _register_pybtex_backends() -> None:
    """Each backend of :data:`PYBTEX_BACKENDS` as a runtime plugin, which pybtex finds
    before searching the entry points."""
    import pybtex.plugin

    for name in PYBTEX_BACKENDS:
        backend = pybtex.plugin.find_plugin("pybtex.backends", name)
        pybtex.plugin.register_plugin("pybtex.backends", name, backend, force=True)


def setup(app: Sphinx) -> dict[str, Any]:
    _register_pybtex_backends()
    app.add_domain(_StandardDomain, override=True)
    app.connect("env-updated", _forget_numbered_targets)
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("builder-inited", _share_html_visitors)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
