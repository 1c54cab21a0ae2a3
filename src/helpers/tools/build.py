"""Build the book: execute the notebooks with papermill, then build the site with Jupyter Book.

``python -m helpers.tools.build --params notebooks/params/NAME.yaml`` executes every notebook with
the parameters of that file into a staging folder under ``_build/``, builds the HTML site
there (Sphinx warnings are errors), and only then moves it into place: the canonical book
to ``_build/html``, any other parameter set to ``_build/NAME/html``. Tracked files are never
written. ``--refresh-notebooks`` re-executes the committed notebooks in place (the
canonical run whose outputs nbval checks). Papermill, nbformat and the downloads are
imported where they are used, so that a build with nothing to do answers at once.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from traitlets.config import Config

from ..params import ParameterError, check_publication, data_path, needs_import
from ..params import check_file as check_parameters
from ..paths import build_dir, project_root

if TYPE_CHECKING:
    import nbformat

CANONICAL = "canonical"
# The tag of code cells the page hides (book.css) but keeps, so that Thebe live code can
# run them: set-up, glue and the parameters, papermill's injected ones included.
PLUMBING = "plumbing"
SOURCES = ("_config.yml", "_toc.yml", "book")
KERNEL = "python3"
# Kernels talk to papermill over local IPC sockets, not TCP: nothing is exposed on the
# network, and the kernel has no transport warning to print. Their log is quiet below
# critical: jupyter_client interrupts every kernel before shutting it down, and an idle
# kernel logs that as "ERROR | KeyboardInterrupt caught in kernel", which reads as a
# failure in the build's output (a cell's own error still fails the build, via papermill).
KERNEL_CONFIG = Config(
    {
        "KernelManager": {"transport": "ipc"},
        "NotebookClient": {"extra_arguments": ["--IPKernelApp.log_level=CRITICAL"]},
    }
)
PAPERMILL_OPTIONS: dict[str, Any] = {
    "kernel_name": KERNEL,
    "progress_bar": False,
    # the notebook is written once, when it ends (or fails), not after every cell as
    # papermill does by default: 1 to 4 s of each chapter, measured
    "request_save_on_cell_execute": False,
}
"""How the build, the refresh and the tests run a notebook through papermill."""


def kernel_config(folder: str) -> Config:
    """:data:`KERNEL_CONFIG` with the kernel's sockets in ``folder``, a folder of its own:
    kernels started at once in one folder would otherwise race for the same socket names."""
    config = copy.deepcopy(KERNEL_CONFIG)
    config.KernelManager.ip = os.path.join(folder, "ipc")
    return config


DOWNLOADS = ("ledger.csv", "instrument-datapackage.zip", "instrument.html")
DATA_DOWNLOADS = "data"
"""The folder, at the top of the site, of the synthetic data a class can download
(:mod:`helpers.tools.downloads`); the build writes it under ``book/_generated`` for the pages."""


LAST = ("06_ledger",)
"""Chapters that read what others store (the ledger reads the simulation): run last, so
that they find it in the results store instead of computing it again."""
FIRST = ("05_simulation",)
"""The longest chapter, started first so that the others run beside it."""


def workers() -> int:
    """Chapters executed at once: one per core, at most two (each kernel also needs memory),
    or ``SWICT_WORKERS``."""
    return max(1, int(os.environ.get("SWICT_WORKERS", min(2, os.cpu_count() or 1))))


def execution_order(paths: list[Path]) -> list[Path]:
    """The chapters in the order they are started: :data:`FIRST`, then the rest in
    number order, then :data:`LAST`."""

    def rank(path: Path) -> tuple[int, str]:
        return (0 if path.stem in FIRST else 2 if path.stem in LAST else 1, path.stem)

    return sorted(paths, key=rank)


class BuildError(RuntimeError):
    """The book could not be built; the message says why."""


def notebooks() -> list[Path]:
    """The chapter notebooks, in reading order."""
    return sorted((project_root() / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def declared_parameters(path: Path) -> dict[str, Any]:
    """The parameters a notebook declares in its ``parameters`` cell, with defaults."""
    import papermill

    return {name: spec["default"] for name, spec in papermill.inspect_notebook(str(path)).items()}


def load_params(path: Path) -> dict[str, Any]:
    """Read a parameters file and check every name is a parameter of some notebook."""
    if not path.is_file():
        raise BuildError(f"{path}: parameters file not found")
    try:
        params = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise BuildError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(params, dict):
        raise BuildError(f"{path}: expected 'name: value' lines")
    try:
        check_parameters(params)
    except ParameterError as err:
        raise BuildError(f"{path}: {err}") from None
    return params


def import_data(params: dict[str, Any], name: str) -> dict[str, Any]:
    """The parameters the chapters get: when ``data_file`` is a survey export (with its
    ``crosswalk``), it is imported first into ``_build/imports/NAME/`` (respondent file and
    survey file, never inside the site) and the chapters read that file."""
    if not needs_import(params):
        return params
    from ..science import crosswalk
    from ..science.dataio import DataFileError

    export = data_path(params["data_file"])
    mapping = data_path(params["crosswalk"]) if params.get("crosswalk") else None
    out = build_dir() / "imports" / name / f"{export.stem}.csv"
    try:
        imported = crosswalk.import_export(export, mapping)
        crosswalk.write(imported, out, export, *([mapping] if mapping else []))
    except DataFileError as err:
        raise BuildError(f"importing the data file failed: {err}") from None
    print(
        f"imported {len(imported.frame):,} respondents from {export.name}"
        + (f" with the crosswalk {mapping.name}" if mapping else ""),
        flush=True,
    )
    return {**params, "data_file": str(out.relative_to(project_root()))}


def _inputs_digest(params: dict[str, Any]) -> str:
    """A hash of the data file and crosswalk a parameter file names (and of the survey file
    beside the data file), wherever they are."""
    from ..science.codebook import survey_path

    digest = hashlib.sha256()
    for key in ("data_file", "crosswalk"):
        if params.get(key):
            path = data_path(params[key])
            for item in (path, survey_path(path)):
                if item.is_file():
                    digest.update(item.read_bytes())
    return digest.hexdigest()


ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
"""The linear algebra of a chapter's kernel on one thread, unless the environment says
otherwise: chapters already run one per core, and a BLAS's waiting threads spin, taking
the other chapter's core (chapter 5 run alone: 38 s of processor time in 32 s with the
default threads, 28 s in 29 s with one)."""


def _execute(src: Path, dest: Path, params: dict[str, Any]) -> float:
    import nbformat
    import papermill

    for name, value in ONE_THREAD.items():
        os.environ.setdefault(name, value)  # this worker's kernels inherit it

    own = declared_parameters(src)
    given = {k: v for k, v in params.items() if k in own}
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
            papermill.execute_notebook(
                str(src),
                str(dest),
                parameters=given,
                cwd=str(dest.parent),
                log_output=False,
                config=kernel_config(sockets),
                **PAPERMILL_OPTIONS,
            )
    except papermill.PapermillExecutionError as err:
        first = next((line for line in str(err.source).splitlines() if line.strip()), "")
        raise BuildError(
            f"{src.name} failed: {err.ename}: {err.evalue} (in the cell starting {first!r})"
        ) from None
    nb = nbformat.read(dest, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags and PLUMBING not in tags:
            cell.metadata["tags"] = [*tags, PLUMBING]
    nbformat.write(nb, dest)
    seconds = time.perf_counter() - started
    print(f"  executed {src.name} in {seconds:.1f} s", flush=True)
    return seconds


def repository_url() -> str:
    """The public repository the book is published from: ``$BOOK_REPOSITORY_URL``, or the
    GitHub repository a GitHub Actions run builds (``$GITHUB_REPOSITORY``); '' if unknown."""
    if url := os.environ.get("BOOK_REPOSITORY_URL", ""):
        return url
    if repo := os.environ.get("GITHUB_REPOSITORY", ""):
        return f"https://github.com/{repo}"
    return ""


def colab_setup(url: str) -> list[str]:
    """The lines of the first cell of a notebook opened in Colab: the book's data and
    helpers come from its repository, and only what the chapters need is installed (the
    package without its ``book`` and ``test`` extras)."""
    return [
        f"!git clone --depth 1 {url} /content/book",
        "!pip install --quiet /content/book",
        "%cd /content/book",
    ]


RUN_EXERCISES = """\
Each can be done in the browser: open any chapter notebook with the launch button (Binder or
Colab) at the top of its page, or run `make lab` locally, and add a cell. Binder starts with
everything installed. Colab starts with the notebook alone, so there first run this cell,
which fetches the book's data and installs what the chapters need:

```ipython
{setup}
```
"""


def _add_repository(config_path: Path) -> None:
    """With a known repository, give the site its repository and launch buttons (Binder
    from environment.yml, and Colab: links only, nothing is loaded from them), Thebe live
    code (sphinx-thebe loads Thebe from its CDN only when the reader launches it, for a
    Binder kernel), and tell readers of the exercises how to use them, with the Colab set-up
    cell (:func:`colab_setup`)."""
    url = repository_url()
    if not url:
        return
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    substitutions = config["parse"]["myst_substitutions"]
    substitutions["run_exercises"] = RUN_EXERCISES.format(setup="\n".join(colab_setup(url)))
    config["repository"] = {
        "url": url,
        "branch": os.environ.get("BOOK_BRANCH", "main"),
        "path_to_book": "",
    }
    config.setdefault("html", {}).update(use_repository_button=True, use_issues_button=True)
    config["launch_buttons"] = {
        "notebook_interface": "jupyterlab",
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "thebe": True,
    }
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def _chart_title(spec: dict[str, Any]) -> str:
    title = spec.get("title", "")
    if isinstance(title, dict):
        title = title.get("text", "")
    return str(title or spec.get("description", "chart")[:80])


def outputs_table(folder: Path) -> str:
    """A Markdown table of every figure, table and glued number of the executed notebooks,
    figures and tables by their numbers (cross-references to them)."""
    import nbformat

    from ..chapters.vega_render import MIME as VEGA_MIME

    lines = ["| notebook | item | what | glue key |", "| --- | --- | --- | --- |"]
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        keys = []
        for cell in nb.cells:
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                meta = out.get("metadata", {})
                name = meta.get("scrapbook", {}).get("name")
                if name:
                    keys.append(name)
                elif VEGA_MIME in data:
                    item = f"{{numref}}`{figure['name']}`" if "name" in figure else "figure"
                    lines.append(f"| {path.stem} | {item} | {_chart_title(data[VEGA_MIME])} | – |")
                elif "table" in meta:
                    label, caption = meta["table"]["name"], meta["table"]["caption"]
                    what = caption.split(":")[0].replace("|", "\\|")
                    lines.append(f"| {path.stem} | {{numref}}`{label}` | {what} | – |")
        if keys:
            lines.append(
                f"| {path.stem} | numbers in the prose | {len(keys)} glued values | "
                + ", ".join(f"`{k}`" for k in keys)
                + " |"
            )
    return "\n".join(lines) + "\n"


NO_DOWNLOADS = """\
This copy of the book was built from a respondent file, not from its own synthetic
respondents, so it offers none of the synthetic files for download: a class's or a study's
real respondents never leave it through this page. The book built without a data file (the
canonical one) offers them here.
"""


def _write_generated(
    src: Path, timings: dict[str, float], total: float, downloads_page: str | None
) -> None:
    """Pages the build writes for itself: runtime of this build, the outputs map, and the
    downloads page: for a book built on its own synthetic respondents, the table that links
    the data a class can download (``downloads_page``, from :func:`_write_downloads`);
    ``None`` for a book built from a respondent file."""
    folder = src / "book" / "_generated"
    folder.mkdir(parents=True, exist_ok=True)
    rows = "\n".join(f"| {name} | {sec:.1f} s |" for name, sec in timings.items())
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
        f"Python {platform.python_version()}"
    )
    (folder / "runtime.md").write_text(
        f"Executed on {machine}.\n\n| notebook | execution time |\n| --- | --- |\n{rows}\n"
        f"| all notebooks | {total:.1f} s |\n",
        encoding="utf-8",
    )
    (folder / "outputs.md").write_text(outputs_table(src / "notebooks"), encoding="utf-8")
    (folder / "downloads.md").write_text(downloads_page or NO_DOWNLOADS, encoding="utf-8")


def _write_downloads(folder: Path) -> str:
    """The data a class can download, and the text of the page that links them (made
    beside the chapters, see :func:`build`, so that the build's own process never imports
    what they need)."""
    from . import downloads

    downloads.write(folder)
    return downloads.page_text(f"_generated/{DATA_DOWNLOADS}")


def swap_in(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``: the old site stays whole until the new one is complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    old = target.with_name(f".{target.name}-old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old)


def fingerprint(params: dict[str, Any]) -> str:
    """A hash of everything a build reads: sources, notebooks, helpers, data, lock, params.

    Unlike jupyter-cache, it notices changes in the helpers and the data too.
    """
    root = project_root()
    files = [root / name for name in ("_config.yml", "_toc.yml", "requirements.lock")]
    for folder in ("book", "notebooks", "src/helpers", "data"):
        files += [
            p for p in (root / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ]
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode())
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def target_for(name: str, builder: str = "html") -> Path:
    """Where the site of a parameter set goes."""
    return build_dir() / builder if name == CANONICAL else build_dir() / name / builder


def build(params_file: Path, force: bool = False, builder: str = "html") -> Path:
    """Build the book for one parameters file; return the folder of the site.

    When nothing the build reads has changed since the site in place was built, the build
    is skipped (``force`` rebuilds anyway).
    """
    params = load_params(params_file)
    name = params_file.stem
    root = project_root()
    target = target_for(name, builder)
    stamp = build_dir() / ".fingerprints" / f"{name}-{builder}"
    fprint = fingerprint(
        {
            "params": params,
            "file": params_file.name,
            "builder": builder,
            "repository": repository_url(),
            "inputs": _inputs_digest(params),
        }
    )
    if not force and target.is_dir() and stamp.is_file() and stamp.read_text() == fprint:
        print(f"{target} is up to date (nothing it is built from has changed)", flush=True)
        return target
    params = import_data(params, name)
    staging = build_dir() / f".staging-{name}-{builder}"
    if staging.exists():
        shutil.rmtree(staging)
    src = staging / "src"
    src.mkdir(parents=True)
    for item in SOURCES:
        path = root / item
        if path.is_dir():
            shutil.copytree(path, src / item)
        else:
            shutil.copy2(path, src / item)
    _add_repository(src / "_config.yml")
    (src / "notebooks").mkdir()
    print(f"executing notebooks with {params_file} ...", flush=True)
    os.environ["SWICT_OUTPUT_DIR"] = str(src / "notebooks")
    # a book built from a respondent file offers no synthetic downloads: files of the same
    # respondents (the class survey, say) must not leave a build that treats them as real
    data_downloads = not params.get("data_file")
    started = time.perf_counter()
    try:
        # one process per chapter at a time (a fresh interpreter each: kernels are not
        # shared between threads of one process); the data downloads, which no chapter
        # reads, are written in the same pool, by whichever process frees first
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers(), mp_context=spawn) as pool:
            running = {
                nb.name: pool.submit(_execute, nb, src / "notebooks" / nb.name, params)
                for nb in execution_order(notebooks())
            }
            folder = src / "book" / "_generated" / DATA_DOWNLOADS
            data = pool.submit(_write_downloads, folder) if data_downloads else None
            timings = {name: running[name].result() for name in sorted(running)}
            total = time.perf_counter() - started
            downloads_page = None if data is None else data.result()
    finally:
        del os.environ["SWICT_OUTPUT_DIR"]
    _write_generated(src, timings, total, downloads_page)
    print("building the site ...", flush=True)
    env = dict(os.environ)
    if builder != "html":
        from ..chapters.vega_render import STATIC_ENV

        env[STATIC_ENV] = "1"
    command = [
        # jupyter-book's own command line, run after importing this package, which declines
        # jsonschema's IRI checker that jupyter-book's config would otherwise import
        # (2.7 s of every site build; see helpers/__init__.py)
        sys.executable,
        "-c",
        "import helpers; from jupyter_book.cli.main import main; main()",
        "build",
        str(src),
        "--builder",
        builder,
        "--path-output",
        str(staging / "out"),
        "-W",
        "--keep-going",
    ]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:] + result.stderr[-6000:])
        raise BuildError(f"jupyter-book build failed (exit {result.returncode}); see above")
    site = staging / "out" / "_build" / builder
    if builder != "linkcheck":
        for name in DOWNLOADS:
            shutil.copy2(src / "notebooks" / name, site / name)
        if data_downloads:
            shutil.copytree(src / "book" / "_generated" / DATA_DOWNLOADS, site / DATA_DOWNLOADS)
    stamp.unlink(missing_ok=True)
    swap_in(site, target)
    shutil.rmtree(staging)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(fprint)
    return target


def without_run_metadata(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without what changes on every run and says nothing about the results
    (execution timestamps and durations), so that a refresh changes only real outputs."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    return nb


def refresh_notebooks(names: list[str] | None = None) -> None:
    """Re-execute committed notebooks in place with their default parameters: every chapter,
    or those whose names (``05_simulation``) are given."""
    import nbformat
    import papermill

    chosen = [nb for nb in notebooks() if not names or nb.stem in names or nb.name in names]
    unknown = set(names or ()) - {nb.stem for nb in chosen} - {nb.name for nb in chosen}
    if unknown:
        raise BuildError(f"no chapter notebook {', '.join(sorted(unknown))}")
    for nb in chosen:
        started = time.perf_counter()
        executed = papermill.execute_notebook(
            str(nb),
            None,
            cwd=str(nb.parent),
            config=KERNEL_CONFIG,
            **PAPERMILL_OPTIONS,
        )
        nbformat.write(without_run_metadata(executed), nb)
        print(f"  refreshed {nb.name} in {time.perf_counter() - started:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.tools.build", description=__doc__)
    parser.add_argument("--params", type=Path, default=Path("notebooks/params/canonical.yaml"))
    parser.add_argument(
        "--refresh-notebooks",
        nargs="*",
        metavar="NAME",
        help="re-execute the committed notebooks in place (all, or the chapters named)",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument("--builder", default="html", choices=["html", "singlehtml", "linkcheck"])
    parser.add_argument(
        "--check-publication",
        action="store_true",
        help="only check that the parameter file allows publishing the book built from it",
    )
    args = parser.parse_args(argv)
    try:
        if args.refresh_notebooks is not None:
            refresh_notebooks(args.refresh_notebooks)
            return 0
        if args.check_publication:
            try:
                check_publication(load_params(args.params))
            except ParameterError as err:
                raise BuildError(f"{args.params}: not publishable: {err}") from None
            print(f"{args.params}: the book built from it may be published")
            return 0
        site = build(args.params, force=args.force, builder=args.builder)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"built the book: open {site / 'index.html'} (or run 'make serve')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
