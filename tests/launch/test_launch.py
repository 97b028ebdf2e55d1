"""The launch buttons, proven: a chapter opened the way Colab opens it runs.

Colab gives a fresh runtime with torch, numpy, plotly and Jupyter installed but not this
library. Here that runtime is a new virtual environment whose ``sys.path`` reaches this
machine's installed packages through a plain path entry (so their ``.pth`` hooks, among them
the editable install of ``expand_neurons``, do not run: the library is *not* importable). The
chapter is exported exactly as the deploy workflow exports it, with its install cell, only with
the requirement pointed at a copy of this checkout instead of the GitHub URL; nbval then runs
it with that environment's interpreter from a folder outside the checkout. It must pass, and
the library must afterwards be importable from the environment itself.

Binder builds its image from ``binder/`` (repo2docker runs ``pip install -r
binder/requirements.txt`` from the repository root): pip's resolver must accept that file as it
stands, offline, against the packages ``requirements.txt`` installed here.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: A chapter that exercises the library, the figures and glue, in well under a minute.
PAGE = os.environ.get("EXPAND_NEURONS_LAUNCH_PAGE", "book/superposition")


def _copy_checkout(target: Path) -> Path:
    """The files git would ship (tracked and untracked-but-not-ignored), copied to ``target``."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _colab_like_env(root: Path) -> Path:
    """A venv without this library; the machine's packages on its path. Its python."""
    venv.EnvBuilder(with_pip=False).create(root)
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    shared = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "machine_packages.pth").write_text("".join(f"{p}\n" for p in shared))
    return python


def _run(python: Path, *args: str, cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(EXPAND_NEURONS_PROFILE="quick", EXPAND_NEURONS_PROGRESS="off")
    env.pop("EXPAND_NEURONS_BOOK_STORE", None)  # a learner's notebook has no build store
    return subprocess.run(
        [str(python), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to list the checkout's files")
def test_a_chapter_runs_in_a_fresh_runtime_through_its_install_cell(tmp_path):
    checkout = _copy_checkout(tmp_path / "checkout")
    python = _colab_like_env(tmp_path / "venv")
    probe = "import importlib.util as u, sys; sys.exit(u.find_spec('expand_neurons') is not None)"
    assert _run(python, "-c", probe, cwd=tmp_path).returncode == 0, (
        "the simulated fresh runtime can already import expand_neurons: the test would prove "
        "nothing"
    )
    notebooks = tmp_path / "notebooks"
    export = [sys.executable, str(ROOT / "scripts" / "export_notebooks.py"), str(notebooks)]
    export += ["--setup-cell", "--only", PAGE]
    export += ["--requirement", f"expand-neurons[book] @ {checkout.as_uri()}"]
    subprocess.run(export, check=True, capture_output=True, text=True)
    notebook = notebooks / f"{PAGE}.ipynb"
    assert notebook.is_file()
    nbval = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env"]
    run = _run(python, *nbval, "--nbval-cell-timeout=900", str(notebook), cwd=notebook.parent)
    assert run.returncode == 0, f"the chapter failed in the fresh runtime:\n{run.stdout[-6000:]}"
    where = _run(
        python, "-c", "import expand_neurons; print(expand_neurons.__file__)", cwd=tmp_path
    )
    assert where.returncode == 0 and str(tmp_path / "venv") in where.stdout, where.stdout


def test_binder_requirements_resolve_offline_against_the_installed_packages():
    resolve = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--no-build-isolation"]
        + ["-r", "binder/requirements.txt"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resolve.returncode == 0, f"pip cannot resolve binder/requirements.txt:\n{resolve.stderr}"
    lines = resolve.stdout.splitlines()
    new = [p for line in lines if line.startswith("Would install") for p in line.split()[2:]]
    assert all(p.startswith("expand-neurons-") for p in new), (
        f"binder/ needs packages that requirements.txt did not install: {new}"
    )
