"""axe-core, the accessibility engine, run in a page the browser tests opened.

The engine is a file the tests ship: ``tests/vendor/axe-core/axe.min.js`` from the npm
package ``axe-core`` (version in :data:`VERSION`, licence MPL-2.0 beside it). A pinned file
rather than an install at test time: ``make test`` then needs neither Node nor the network,
and a new axe release, whose rules change, cannot fail a run that changed nothing. To
refresh it (needs the npm registry)::

    npm pack axe-core@VERSION && tar xzf axe-core-VERSION.tgz
    cp package/axe.min.js package/LICENSE package/LICENSE-3RD-PARTY.txt tests/vendor/axe-core/

Every rule runs but the AAA ones (the book is held to WCAG 2.1 AA): the A and AA rules of
WCAG 2.0 to 2.2, axe's best practices, and the experimental rules too
(``label-content-name-mismatch``, WCAG 2.5.3, is one).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
VERSION = "4.14.1"
SEVERE = ("serious", "critical")

RUN = """async () => {
    const rules = axe.getRules()
        .filter(r => !r.tags.some(t => /^wcag2\\d?aaa$/.test(t)))
        .map(r => r.ruleId);
    const result = await axe.run(document, {
        runOnly: {type: "rule", values: rules},
        resultTypes: ["violations"],
    });
    return result.violations.map(v => ({
        rule: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map(n => ({
            target: n.target.join(" "),
            impact: n.impact,
            html: n.html.slice(0, 200),
            summary: (n.failureSummary || "").split("\\n").slice(0, 3).join(" "),
        })),
    }));
}"""


def severe_violations(page: Any, label: str) -> list[dict[str, str]]:
    """Run axe-core on ``page``; one row per element with a serious or critical violation,
    named by ``label`` (the page and its colour mode), the rule and the element."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found = []
    for violation in page.evaluate(RUN):
        for node in violation["nodes"]:
            impact = node["impact"] or violation["impact"]
            if impact in SEVERE:
                found.append(
                    {
                        "page": label,
                        "rule": violation["rule"],
                        "impact": impact,
                        "element": node["target"],
                        "html": node["html"],
                        "why": node["summary"] or violation["help"],
                    }
                )
    return found


def report(found: list[dict[str, str]]) -> str:
    """The violations, one line each: page, rule, element and why."""
    return "\n".join(
        f"{v['page']}: {v['rule']} ({v['impact']}) at {v['element']}: {v['why']}\n    {v['html']}"
        for v in found
    )
