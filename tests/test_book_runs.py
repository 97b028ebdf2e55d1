"""The book build's shared store: keyed by the library's sources, unused when not asked for."""

from expand_neurons.book import runs


def _package(root, text):
    (root / "sub").mkdir(parents=True, exist_ok=True)
    (root / "a.py").write_text(text)
    (root / "sub" / "b.py").write_text("x = 1\n")
    return root


def test_fingerprint_follows_every_source_byte_and_name(tmp_path):
    one = runs.source_fingerprint(_package(tmp_path / "one", "y = 2\n"))
    assert one == runs.source_fingerprint(_package(tmp_path / "two", "y = 2\n"))
    assert one != runs.source_fingerprint(_package(tmp_path / "three", "y = 3\n"))
    moved = _package(tmp_path / "four", "y = 2\n")
    (moved / "sub" / "b.py").rename(moved / "sub" / "c.py")
    assert one != runs.source_fingerprint(moved)


def test_fingerprint_ignores_the_read_only_book_helpers(tmp_path):
    root = _package(tmp_path / "pkg", "y = 2\n")
    before = runs.source_fingerprint(root)
    (root / "book").mkdir()
    (root / "book" / "figures.py").write_text("colour = 'red'\n")
    assert runs.source_fingerprint(root) == before
    (root / "sub" / "b.py").write_text("x = 2\n")
    assert runs.source_fingerprint(root) != before


def test_no_store_unless_the_variable_names_one(tmp_path, monkeypatch):
    monkeypatch.delenv(runs.BOOK_STORE_VARIABLE, raising=False)
    assert runs.build_store() is None
    monkeypatch.setenv(runs.BOOK_STORE_VARIABLE, "  ")
    assert runs.build_store() is None
    monkeypatch.setenv(runs.BOOK_STORE_VARIABLE, str(tmp_path))
    store = runs.build_store()
    assert store is not None and store.root == tmp_path / runs.source_fingerprint()


def test_a_second_run_reads_the_first_runs_cells(tmp_path, monkeypatch):
    monkeypatch.setenv(runs.BOOK_STORE_VARIABLE, str(tmp_path))
    tiny = {"seeds": 2, "epochs": 2, "n_train": 64, "n_test": 32}
    first = runs.run("boolean-pilot", "quick", **tiny)
    files = list((tmp_path / runs.source_fingerprint()).rglob("*.json"))
    assert len(files) == 1
    assert first["cells"] == {"total": 1, "computed": 1}
    second = runs.run("boolean-pilot", "quick", **tiny)
    assert second["cells"] == {"total": 1, "computed": 0}
    assert second["records"] == first["records"]


def test_the_precompute_list_is_every_experiment_the_chapters_run():
    import re
    from pathlib import Path

    from expand_neurons.book.pages import load
    from expand_neurons.book.scoreboard import experiments_of
    from expand_neurons.experiments import names

    book = Path(__file__).resolve().parents[1] / "book"
    call = re.compile(r'(?<![.\w])run\("([\w-]+)"')  # the book's run("name", ...)
    called = {m for p in book.glob("*.md") for m in call.findall(p.read_text())}
    read = called | set(load.EXPERIMENTS) | set(experiments_of())
    assert len(set(runs.BOOK_EXPERIMENTS)) == len(runs.BOOK_EXPERIMENTS)
    assert set(runs.BOOK_EXPERIMENTS) == read
    assert set(runs.BOOK_EXPERIMENTS) <= set(names())
