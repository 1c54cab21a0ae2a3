"""The student edition: ``make student`` (``python -m helpers.tools.student``) writes
``_build/student/``:

- ``notebooks/NN_name.ipynb``: each chapter as committed (executed for the canonical book,
  outputs included) with every solution removed, the glued numbers written into its text
  (JupyterLab and Colab do not render MyST glue), and each chart followed by its text
  description;
- ``exercises/NN_name_exercises.ipynb``: one notebook per chapter with that chapter's
  exercises (its own, and those of ``book/exercises.md`` filed under it), each followed by
  an empty cell to answer in, ready for JupyterLab or Colab;
- ``student-edition.zip``: both folders and a short README, for a course site.

Both kinds of notebook start with a cell that, in Google Colab only, fetches the book's
repository and installs what the chapters need (:func:`helpers.tools.build.colab_setup`); a book
whose repository is unknown asks for the address instead of showing a placeholder.
Solutions are sphinx-exercise ``{solution}`` blocks (any fence, and ``solution-start`` /
``solution-end`` pairs); none of their text reaches the edition (a test checks).
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..chapters.vega_render import MIME
from ..paths import build_dir, project_root
from .build import colab_setup, notebooks, repository_url, swap_in

EXERCISES_PAGE = Path("book") / "exercises.md"
ZIP_NAME = "student-edition.zip"
FIXED_TIME = (2017, 1, 1, 0, 0, 0)
"""The time stamp of every file in the zip, so that the same edition gives the same bytes."""

_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[\w-]+)\}(?P<arg>.*)$")
_GLUE = re.compile(r"\{glue(?::text|:any|:md)?\}`(?P<key>[^`]+)`")
_ROLE = re.compile(r"\{(?P<role>term|doc|numref|ref|cite|cite:p|cite:t)\}`(?P<body>[^`]+)`")


@dataclass(frozen=True)
class Block:
    """A directive block of MyST Markdown: its name, argument, options, body and lines."""

    name: str
    argument: str
    options: dict[str, str]
    body: str
    start: int
    end: int  # one past the closing fence


def blocks(text: str) -> list[Block]:
    """Every top-level directive block of a Markdown text (fenced with backticks or
    colons; a block closes at a line of the same character at least as long)."""
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if not match:
            i += 1
            continue
        fence = match["fence"]
        j = i + 1
        while j < len(lines):
            stripped = lines[j].strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                break
            j += 1
        inner = lines[i + 1 : j]
        options = {}
        while inner and inner[0].startswith(":") and not inner[0].startswith(":::"):
            key, _, value = inner.pop(0)[1:].partition(":")
            options[key.strip()] = value.strip()
        out.append(
            Block(match["name"], match["arg"].strip(), options, "\n".join(inner).strip(), i, j + 1)
        )
        i = j + 1
    return out


def _gated(text: str, name: str) -> list[tuple[Block, Block]]:
    """Each ``{name}-start`` block with the ``{name}-end`` block that closes it."""
    found = blocks(text)
    ends = [b for b in found if b.name == f"{name}-end"]
    pairs = []
    for start in (b for b in found if b.name == f"{name}-start"):
        end = next((e for e in ends if e.start > start.start), None)
        if end is not None:
            pairs.append((start, end))
    return pairs


def without_solutions(text: str) -> str:
    """A Markdown text with every ``{solution}`` block and every gated solution removed."""
    drop = [(b.start, b.end) for b in blocks(text) if b.name == "solution"]
    drop += [(start.start, end.end) for start, end in _gated(text, "solution")]
    lines = text.splitlines()
    keep = [line for k, line in enumerate(lines) if not any(lo <= k < hi for lo, hi in drop)]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(keep))
    return out.strip("\n") + ("\n" if text.endswith("\n") else "")


def solutions(text: str) -> list[str]:
    """The text of every solution of a Markdown text (for the test that none survives)."""
    found = [b.body for b in blocks(text) if b.name == "solution"]
    lines = text.splitlines()
    found += ["\n".join(lines[start.end : end.start]) for start, end in _gated(text, "solution")]
    return found


def glue_values(nb: nbformat.NotebookNode) -> dict[str, str]:
    """The text of every value a notebook glues (as its outputs store it)."""
    out = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            data = output.get("data", {})
            text = data.get("application/papermill.record/text/plain") or data.get("text/plain")
            if name and text is not None:
                try:
                    value = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    value = text
                out[name] = str(value)
    return out


def plain(text: str, glued: dict[str, dict[str, str]], chapter: str) -> str:
    """MyST roles as JupyterLab can show them: glued numbers written in (``key`` of this
    chapter, or ``../notebooks/NN_name.ipynb::key`` of another), glossary terms and page
    links as their text, cross-references and citations as their labels."""

    def glue(match: re.Match[str]) -> str:
        key = match["key"].split(":s")[0] if match["key"].endswith(":s") else match["key"]
        source = chapter
        if "::" in key:
            path, key = key.split("::", 1)
            source = Path(path).stem
        values = glued.get(source, {})
        if key not in values:
            raise KeyError(f"{source}: no glued value {key!r}")
        return values[key]

    def role(match: re.Match[str]) -> str:
        body = match["body"]
        shown = re.match(r"^(?P<text>.*?)\s*<(?P<target>[^>]+)>$", body)
        if match["role"] in ("term", "doc", "ref"):
            if shown:
                return shown["text"]
            if match["role"] != "doc":
                return body
            name = Path(body).name
            return f"`{name}.ipynb`" if "notebooks/" in body else f"the book's page “{name}”"
        if match["role"] == "numref":
            return f"`{shown['target'] if shown else body}`"
        return f"({body})"

    return _ROLE.sub(role, _GLUE.sub(glue, text))


def setup_cells(repository: str) -> list[nbformat.NotebookNode]:
    """The cells that make a notebook runnable in Google Colab (they do nothing elsewhere)."""
    if repository:
        lines = colab_setup(repository)
        intro = (
            "**In Google Colab**, run the next cell first: it fetches the book's data and "
            "helpers and installs what the chapters need. Elsewhere (JupyterLab, Binder) it "
            "does nothing."
        )
        code = 'import sys\n\nif "google.colab" in sys.modules:\n' + "".join(
            f"    {line}\n" for line in lines
        )
    else:
        lines = colab_setup("{repository}")
        intro = (
            "**In Google Colab**, the book's data and helpers have to be fetched first: put the "
            "address of the book's repository (your instructor has it) in `repository` and "
            "run the next cell. Elsewhere (JupyterLab, Binder) it does nothing."
        )
        code = (
            'import sys\n\nrepository = ""  # the address of the book\'s repository\n\n'
            'if "google.colab" in sys.modules:\n'
            "    if not repository:\n"
            '        raise SystemExit("Put the address in `repository` first.")\n'
            + "".join(f"    {line}\n" for line in lines)
        )
    return [nbformat.v4.new_markdown_cell(intro), nbformat.v4.new_code_cell(code.rstrip())]


def _chart_description(cell: nbformat.NotebookNode) -> str:
    """The text description of a chart a code cell draws ('' if it draws none)."""
    for output in cell.get("outputs", []):
        spec = output.get("data", {}).get(MIME)
        if isinstance(spec, dict) and spec.get("description"):
            title = spec.get("title", "")
            title = title.get("text", "") if isinstance(title, dict) else title
            named = f" “{title}”" if isinstance(title, str) and title else " above"
            return f"**Text description of the chart{named}.** {spec['description']}"
    return ""


def chapter_edition(
    nb: nbformat.NotebookNode, stem: str, glued: dict[str, dict[str, str]], repository: str
) -> nbformat.NotebookNode:
    """A chapter for students: no solutions, numbers written in, charts described."""
    out = copy.deepcopy(nb)
    cells = []
    for k, cell in enumerate(out.cells):
        if cell.cell_type == "markdown":
            cell.source = plain(without_solutions(cell.source), glued, stem)
            if not cell.source.strip():
                continue
        cells.append(cell)
        if cell.cell_type == "code" and (text := _chart_description(cell)):
            cells.append(nbformat.v4.new_markdown_cell(text))
        if k == 0:
            cells += setup_cells(repository)
    out.cells = cells
    return out


@dataclass(frozen=True)
class Exercise:
    """One exercise: its label, title and text (options and solution left out)."""

    label: str
    title: str
    text: str


def exercises_in(text: str) -> list[Exercise]:
    """The exercises of a Markdown text, in order."""
    found = []
    for b in blocks(text):
        if b.name == "exercise":
            found.append(Exercise(b.options.get("label", ""), b.argument, b.body))
    lines = text.splitlines()
    for start, end in _gated(text, "exercise"):
        body = "\n".join(lines[start.end : end.start]).strip()
        found.append(Exercise(start.options.get("label", ""), start.argument, body))
    return found


def page_exercises(text: str) -> dict[str, list[Exercise]]:
    """The exercises of ``book/exercises.md`` by chapter: each names the chapter it goes
    with (``**Chapter:** {doc}`../notebooks/NN_name```)."""
    out: dict[str, list[Exercise]] = {}
    for exercise in exercises_in(text):
        linked = re.search(
            r"\*\*Chapter:\*\*\s+\{doc\}`\.\./notebooks/(\d\d_[\w-]+)`", exercise.text
        )
        if not linked:
            raise ValueError(f"{EXERCISES_PAGE}: exercise {exercise.label!r} names no chapter")
        out.setdefault(linked.group(1), []).append(exercise)
    return out


def _title(nb: nbformat.NotebookNode) -> str:
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    heading = re.search(r"(?m)^# (.+)$", first)
    return heading.group(1).strip() if heading else ""


def exercise_notebook(
    stem: str,
    title: str,
    items: list[Exercise],
    glued: dict[str, dict[str, str]],
    repository: str,
) -> nbformat.NotebookNode:
    """One chapter's exercises as a notebook: set-up, then each exercise and a cell for
    the answer."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.metadata["language_info"] = {"name": "python"}
    cells = [
        nbformat.v4.new_markdown_cell(
            f"# Exercises: {title}\n\nThese exercises go with the chapter *{title}* "
            f"(`{stem}.ipynb`). Work in the empty cell under each one; add cells as you need "
            "them. Solutions are not included.\n\nThe explorable figures some exercises use "
            "are on the chapter pages of the book's site; here, `explore.denominators()`, "
            "`explore.odds_and_risk()`, `explore.power()` and `explore.winners_curse()` draw "
            "them."
        ),
        *setup_cells(repository),
        nbformat.v4.new_code_cell(
            "from helpers.chapters import explore, preamble\n\n"
            "preamble.setup()  # the book's charts and tables"
        ),
    ]
    for number, item in enumerate(items, start=1):
        heading = f"## Exercise {number}" + (f": {item.title}" if item.title else "")
        cells.append(nbformat.v4.new_markdown_cell(f"{heading}\n\n{plain(item.text, glued, stem)}"))
        cells.append(nbformat.v4.new_code_cell("# your answer"))
    nb.cells = cells
    return nb


README = """\
# Student edition

- `notebooks/`: the chapters of the book, executed, without the solutions of their
  exercises. Open them in JupyterLab or upload them to Google Colab.
- `exercises/`: one notebook per chapter with its exercises and room for your answers.

In Google Colab, run the first code cell of a notebook before the others: it fetches the
book's data and helpers. The data the book uses are synthetic respondents, made to match the
published numbers; they are not the survey's real data.
"""


def write(target: Path | None = None, repository: str | None = None) -> Path:
    """Write the student edition into ``target`` (``_build/student``), atomically; return
    the folder."""
    root = project_root()
    target = target or build_dir() / "student"
    repository = repository_url() if repository is None else repository
    chapters = {path.stem: nbformat.read(path, as_version=4) for path in notebooks()}
    glued = {stem: glue_values(nb) for stem, nb in chapters.items()}
    page = (root / EXERCISES_PAGE).read_text(encoding="utf-8")
    from_page = page_exercises(page)
    unknown = set(from_page) - set(chapters)
    if unknown:
        raise ValueError(f"{EXERCISES_PAGE}: no chapter {', '.join(sorted(unknown))}")
    staging = target.with_name(f".{target.name}-new")
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "notebooks").mkdir(parents=True)
    (staging / "exercises").mkdir()
    for stem, nb in chapters.items():
        nbformat.write(
            _stable_ids(chapter_edition(nb, stem, glued, repository), stem),
            staging / "notebooks" / f"{stem}.ipynb",
        )
        own = [e for c in nb.cells if c.cell_type == "markdown" for e in exercises_in(c.source)]
        items = own + from_page.get(stem, [])
        nbformat.write(
            _stable_ids(exercise_notebook(stem, _title(nb), items, glued, repository), stem),
            staging / "exercises" / f"{stem}_exercises.ipynb",
        )
    (staging / "README.md").write_text(README, encoding="utf-8")
    _zip(staging, staging / ZIP_NAME)
    swap_in(staging, target)
    return target


def _stable_ids(nb: nbformat.NotebookNode, stem: str) -> nbformat.NotebookNode:
    """Cell ids from the notebook's name and the cell's place (new cells get random ones),
    so that the same edition gives the same files."""
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"{stem[:40]}-{k}"
    return nb


def _zip(folder: Path, path: Path) -> None:
    """The edition as one zip, with fixed time stamps (the same edition, the same bytes)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file() and p != path):
            info = zipfile.ZipInfo(f"student-edition/{file.relative_to(folder)}", FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, file.read_bytes())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.tools.student", description=__doc__)
    parser.add_argument("--out", type=Path, help="folder to write (default _build/student)")
    args = parser.parse_args(argv)
    try:
        folder = write(args.out)
    except (ValueError, KeyError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if not repository_url():
        print(
            "note: the book's repository is unknown ($BOOK_REPOSITORY_URL), so in Colab the "
            "notebooks ask students for its address",
            file=sys.stderr,
        )
    print(f"wrote the student edition to {folder} (zip: {folder / ZIP_NAME})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
