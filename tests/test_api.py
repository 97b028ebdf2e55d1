"""The public API is what ``__all__`` says: every listed name exists, every public def is listed,
and the package imports without plotly (the book's helpers live in ``expand_neurons.book``)."""

import importlib
import inspect
import pkgutil
import subprocess
import sys

import pytest

import expand_neurons

MODULES = [
    m.name
    for m in pkgutil.walk_packages(expand_neurons.__path__, "expand_neurons.")
    if not m.name.endswith("__main__")
]


@pytest.mark.parametrize("name", ["expand_neurons", *MODULES])
def test_all_is_the_truth(name):
    mod = importlib.import_module(name)
    assert hasattr(mod, "__all__"), f"{name} has no __all__"
    missing = [n for n in mod.__all__ if not hasattr(mod, n)]
    assert not missing, f"{name}.__all__ lists missing names {missing}"
    unlisted = [
        n
        for n, obj in vars(mod).items()
        if not n.startswith("_")
        and n not in mod.__all__
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == name
    ]
    assert not unlisted, f"{name} defines public {unlisted} but does not list them in __all__"


def test_documented_modules_are_importable_from_the_package():
    import expand_neurons as en

    for attr in ("experiments", "layers", "splits", "tasks", "metrics", "theory", "baselines"):
        assert attr in en.__all__ and hasattr(en, attr)
    assert callable(en.experiments.get) and callable(en.layers.fpe_layers)


def test_the_core_library_imports_neither_plotly_nor_myst_nb():
    code = (
        "import sys, expand_neurons, expand_neurons.experiments, expand_neurons.layers.bench; "
        "print(sorted(m for m in ('plotly', 'myst_nb', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
