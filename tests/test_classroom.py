"""For the classroom: the student edition (no solution in it), the exercises page, the data a
class can download, and what the published site promises (Colab, launch buttons, PDF)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from helpers.chapters.vega_render import MIME
from helpers.science import codebook, synth
from helpers.science.assumptions import value as assumed
from helpers.science.dataio import encode, read_respondents
from helpers.tools import build, downloads, student
from support import ROOT

PAGE = (ROOT / "book" / "exercises.md").read_text(encoding="utf-8")
CHAPTERS = {p.stem: nbformat.read(p, as_version=4) for p in build.notebooks()}
REPOSITORY = "https://github.com/example/socialwork-ict-replication"


def _markdown(nb: nbformat.NotebookNode) -> str:
    return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def _every_solution() -> list[str]:
    found = student.solutions(PAGE)
    for nb in CHAPTERS.values():
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                found += student.solutions(cell.source)
    return found


def _every_exercise() -> list[student.Exercise]:
    found = [e for items in student.page_exercises(PAGE).values() for e in items]
    for nb in CHAPTERS.values():
        found += student.exercises_in(_markdown(nb))
    return found


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return student.write(tmp_path_factory.mktemp("edition") / "student", repository="")


def _texts(folder: Path) -> dict[str, str]:
    """Every text a student receives: each notebook cell (and output) and each zip member."""
    out = {}
    for path in folder.rglob("*"):
        if path.suffix == ".ipynb":
            out[str(path)] = path.read_text(encoding="utf-8")
        elif path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    out[f"{path}:{name}"] = archive.read(name).decode("utf-8")
        elif path.suffix == ".md":
            out[str(path)] = path.read_text(encoding="utf-8")
    return out


def _sentences(text: str) -> list[str]:
    """The distinctive lines of a solution: its prose (code may repeat a chapter's), in lines
    long enough not to occur by chance."""
    return [
        line.strip()
        for line in text.splitlines()
        if len(line.strip()) >= 30 and not line.startswith("    ")
    ]


def test_student_edition_holds_no_solution(edition: Path) -> None:
    solutions = _every_solution()
    assert len(solutions) >= 12
    texts = _texts(edition)
    assert any(name.endswith(".zip:student-edition/README.md") for name in texts)
    for name, text in texts.items():
        decoded = json.loads(text) if name.endswith(".ipynb") else None  # zip members too
        flat = "\n".join("".join(c["source"]) for c in decoded["cells"]) if decoded else text
        assert "{solution" not in flat, name
        for solution in solutions:
            for line in _sentences(solution):
                assert line not in flat, (name, line)


def test_student_edition_has_every_chapter_and_exercise(edition: Path) -> None:
    for stem in CHAPTERS:
        assert (edition / "notebooks" / f"{stem}.ipynb").is_file()
        assert (edition / "exercises" / f"{stem}_exercises.ipynb").is_file()
    exercises = "\n".join(
        c.source
        for path in (edition / "exercises").glob("*.ipynb")
        for c in nbformat.read(path, as_version=4).cells
    )
    for exercise in _every_exercise():
        first = next(line for line in exercise.text.splitlines() if "{" not in line)
        assert first.strip() in exercises, exercise.label
    with zipfile.ZipFile(edition / student.ZIP_NAME) as archive:
        names = set(archive.namelist())
    for path in edition.rglob("*.ipynb"):
        assert f"student-edition/{path.relative_to(edition)}" in names


def test_student_notebooks_read_without_myst(edition: Path) -> None:
    """Glued numbers are written in (JupyterLab shows no glue), and every chart is followed
    by its text description."""
    for path in edition.rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for k, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown":
                assert "{glue" not in cell.source, path.name
            charts = [o for o in cell.get("outputs", []) if MIME in o.get("data", {})]
            if charts:
                following = nb.cells[k + 1]
                assert following.cell_type == "markdown"
                assert charts[0]["data"][MIME]["description"] in following.source


def test_colab_cell_names_the_repository_or_asks_for_it(edition: Path, tmp_path: Path) -> None:
    unknown = nbformat.read(edition / "exercises" / "01_data_exercises.ipynb", as_version=4)
    code = "\n".join(c.source for c in unknown.cells if c.cell_type == "code")
    assert "REPOSITORY_URL" not in code and 'repository = ""' in code
    known = student.write(tmp_path / "known", repository=REPOSITORY)
    nb = nbformat.read(known / "exercises" / "01_data_exercises.ipynb", as_version=4)
    setup = next(c.source for c in nb.cells if c.cell_type == "code")
    for line in build.colab_setup(REPOSITORY):
        assert line in setup
    assert 'if "google.colab" in sys.modules' in setup


def test_zip_is_the_same_for_the_same_edition(edition: Path, tmp_path: Path) -> None:
    again = student.write(tmp_path / "again", repository="")
    assert (again / student.ZIP_NAME).read_bytes() == (edition / student.ZIP_NAME).read_bytes()


@pytest.mark.slow
def test_an_exercise_notebook_runs(edition: Path, tmp_path: Path) -> None:
    """An exercise notebook runs from top to bottom in a kernel (outside Colab, its Colab
    cell does nothing)."""
    import papermill

    from helpers.tools.build import PAPERMILL_OPTIONS

    out = tmp_path / "ran.ipynb"
    papermill.execute_notebook(
        str(edition / "exercises" / "01_data_exercises.ipynb"),
        str(out),
        cwd=str(tmp_path),
        **PAPERMILL_OPTIONS,
    )
    ran = nbformat.read(out, as_version=4)
    assert all(c.execution_count for c in ran.cells if c.cell_type == "code")


def test_solutions_are_removed_whatever_their_fence() -> None:
    text = "\n".join(
        [
            "Intro.",
            "````{solution} ex-a",
            ":class: dropdown",
            "",
            "```python",
            "secret_one = 1",
            "```",
            "````",
            ":::{solution} ex-b",
            "secret two",
            ":::",
            "```{solution-start} ex-c",
            "```",
            "secret three",
            "```{solution-end}",
            "```",
            "Outro.",
        ]
    )
    kept = student.without_solutions(text)
    assert "secret" not in kept and "Intro." in kept and "Outro." in kept
    assert len(student.solutions(text)) == 3


# --- The exercises page ------------------------------------------------------------------


def test_at_least_twelve_exercises_each_with_level_time_and_a_way_without_code() -> None:
    exercises = _every_exercise()
    assert len(exercises) >= 12
    for exercise in student.exercises_in(PAGE):
        assert re.search(r"\*\*Level:\*\* (easy|medium|hard)", exercise.text), exercise.label
        assert "**Time:**" in exercise.text and "**Without code:**" in exercise.text
    labels = {e.label for e in student.exercises_in(PAGE)}
    assert labels == {e.label for e in student.exercises_in(PAGE)} and len(labels) >= 12
    # several use the explorables, one the class's own data
    assert sum("explorable" in e.text for e in student.exercises_in(PAGE)) >= 3
    assert any("own" in e.label and "validate" in e.text for e in student.exercises_in(PAGE))


def test_exercises_table_lists_every_exercise_from_easy_to_hard() -> None:
    rows = re.findall(r"^\| \{ref\}`[^`<]+<(ex-[\w-]+)>` \| [^|]+ \| (\w+) \|", PAGE, flags=re.M)
    assert {label for label, _ in rows} == {e.label for e in student.exercises_in(PAGE)}
    order = {"easy": 0, "medium": 1, "hard": 2}
    levels = [order[level] for _, level in rows]
    assert levels == sorted(levels)
    on_page = [
        order[re.search(r"\*\*Level:\*\* (\w+)", e.text)[1]] for e in student.exercises_in(PAGE)
    ]
    assert on_page == sorted(on_page)  # the page itself runs from easy to hard
    for label, level in rows:
        exercise = next(e for e in student.exercises_in(PAGE) if e.label == label)
        assert f"**Level:** {level}" in exercise.text


GLUE = re.compile(r"\{glue(?::text)?\}`\.\./notebooks/(\d\d_[\w-]+)\.ipynb::([\w]+)(?::\w+)?`")


@pytest.mark.parametrize("page", ["exercises.md", "instructors.md", "class_data.md"])
def test_every_glued_number_exists_in_the_committed_chapters(page: str) -> None:
    text = (ROOT / "book" / page).read_text(encoding="utf-8")
    for stem, key in GLUE.findall(text):
        assert stem in CHAPTERS, (page, stem)
        assert key in student.glue_values(CHAPTERS[stem]), (page, stem, key)


def test_solutions_type_no_number_the_chapters_compute() -> None:
    """Every number in a solution is glued: the only digits left in the prose of a
    solution (outside code and glue) are those of formulas and code."""
    for solution in student.solutions(PAGE):
        prose = "\n".join(
            line for line in solution.splitlines() if line.strip() and not line.startswith("    ")
        )
        prose = re.sub(r"\{glue[^`]*`[^`]*`", "", prose)
        prose = re.sub(r"`[^`]*`", "", prose)
        numbers = re.findall(r"(?<![\w.])\d(?:[\d,.]*\d)?%?", prose)
        formulas = {"1", "100", "0.05", "0.95", "0.005", ".05", ".005", ".001", "95"}
        assert set(numbers) <= formulas, (
            numbers,
            solution[:80],
        )


# --- Data a class can download ------------------------------------------------------------


@pytest.fixture(scope="module")
def data_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("downloads")
    downloads.write(folder)
    return folder


def test_downloads_are_every_format_of_both_data_sets(data_files: Path) -> None:
    names = {p.name for p in data_files.iterdir() if not p.name.startswith(".")}
    assert names == set(downloads.files())
    for stem in downloads.datasets():
        assert "synthetic" in stem
        assert {f"{stem}.csv", f"{stem}.sav", f"{stem}.dta"} <= names


def test_csv_downloads_are_valid_respondent_files(data_files: Path) -> None:
    seed = int(assumed("canonical_seed"))
    frame = read_respondents(data_files / f"synthetic_respondents_seed{seed}.csv")
    pd.testing.assert_frame_equal(encode(frame), encode(synth.generate(seed)))


@pytest.mark.parametrize("ext", ["sav", "dta"])
def test_spss_and_stata_files_hold_the_same_respondents_labelled_synthetic(
    data_files: Path, ext: str
) -> None:
    import pyreadstat

    reader = pyreadstat.read_sav if ext == "sav" else pyreadstat.read_dta
    for stem, (frame, label, _) in downloads.datasets().items():
        data, meta = reader(str(data_files / f"{stem}.{ext}"), user_missing=True)
        assert meta.file_label.startswith("SYNTHETIC") and meta.file_label == label
        assert all("[synthetic]" in v for v in meta.column_names_to_labels.values())
        text = encode(frame)
        missing = downloads.SPSS_MISSING if ext == "sav" else downloads.STATA_MISSING
        back = {str(v): k for k, v in missing.items()}
        for f in codebook.fields():
            labels = meta.variable_value_labels.get(f.name, {})
            decoded = []
            for value in data[f.name]:
                key = str(int(value)) if isinstance(value, float) else str(value)
                if key in back:
                    decoded.append(back[key])
                elif f.enum:
                    label_of = labels[float(value) if ext == "sav" else int(value)]
                    decoded.append(next(v for v, lab in f.labels if lab == label_of))
                else:
                    decoded.append(key)
            assert decoded == list(text[f.name]), (stem, ext, f.name)


def test_codebook_download_names_every_variable_and_says_synthetic(data_files: Path) -> None:
    table = pd.read_csv(data_files / "codebook.csv")
    assert list(table["variable"]) == codebook.names()
    pkg = json.loads((data_files / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["title"].startswith("SYNTHETIC")
    assert {r["path"] for r in pkg["resources"]} == {f"{s}.csv" for s in downloads.datasets()}


def test_same_data_give_the_same_files(data_files: Path, tmp_path: Path) -> None:
    downloads.write(tmp_path)
    for name in downloads.files():
        assert (tmp_path / name).read_bytes() == (data_files / name).read_bytes(), name


# --- What the published site promises -------------------------------------------------------


def test_repository_gives_launch_buttons_and_the_colab_cell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "_config.yml"
    original = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert not re.search(r"(?<![$\w])REPOSITORY_URL", original)  # no placeholder address
    config.write_text(original, encoding="utf-8")
    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    monkeypatch.delenv("BOOK_REPOSITORY_URL", raising=False)
    build._add_repository(config)
    unknown = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert "launch_buttons" not in unknown
    text = unknown["parse"]["myst_substitutions"]["run_exercises"]
    assert "make lab" in text and "git clone" not in text
    monkeypatch.setenv("BOOK_REPOSITORY_URL", REPOSITORY)
    build._add_repository(config)
    known = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert known["launch_buttons"]["colab_url"]
    text = known["parse"]["myst_substitutions"]["run_exercises"]
    for line in build.colab_setup(REPOSITORY):
        assert line in text
    assert "launch button" in text


def test_colab_installs_only_what_the_chapters_need() -> None:
    """Colab's `pip install` takes the package's own dependencies: the tools that build the
    book (Jupyter Book, JupyterLab, papermill, vl-convert) are an extra it does not install."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    needed = {re.split(r"[<>=\[ ]", d)[0].lower() for d in project["dependencies"]}
    for tool in ("jupyter-book", "jupyterlab", "papermill", "vl-convert-python", "pytest"):
        assert tool not in needed
    assert "!pip install --quiet /content/book" in build.colab_setup(REPOSITORY)
    book_extra = {
        re.split(r"[<>=\[ ]", d)[0].lower() for d in project["optional-dependencies"]["book"]
    }
    assert {"jupyter-book", "papermill"} <= book_extra
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "'.[book,test]'" in makefile  # the lock still pins everything the build needs


def test_publish_workflow_builds_the_pdf_the_front_page_links() -> None:
    workflow = yaml.safe_load(
        (ROOT / ".github" / "workflows" / "publish.yml").read_text(encoding="utf-8")
    )
    steps = [s.get("run", s.get("uses", "")) for s in workflow["jobs"]["build"]["steps"]]
    book = next(i for i, s in enumerate(steps) if s.startswith("make book"))
    pdf = next(i for i, s in enumerate(steps) if "make pdf" in s)
    upload = next(i for i, s in enumerate(steps) if "upload-pages-artifact" in s)
    assert book < pdf < upload
    assert 'test -s "$SITE/book.pdf"' in steps[pdf]  # beside the site that is uploaded
    assert "book.pdf" in (ROOT / "book" / "index.md").read_text(encoding="utf-8")
