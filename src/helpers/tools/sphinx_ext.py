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
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

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


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _page_context, priority=900)
    app.connect("builder-inited", _share_html_visitors)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
