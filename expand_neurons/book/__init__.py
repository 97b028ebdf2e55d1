"""What only the book's chapters use: figures, glue, exercises, and the paper's own numbers.

* :mod:`.figures`: plotly figures that draw offline on the site (``show``) — imports plotly;
* :mod:`.glue`: putting computed numbers into the prose (``put``) and checking the prose's
  sentences against the data (``expect``, ``expect_outcome``) — imports myst-nb;
* :mod:`.exercises`: checkers for the chapters' exercises;
* :mod:`.paper`: what the paper reports, quoted in one place;
* :mod:`.families`: paired families (orderings, a difference at each setting) for tables;
* :mod:`.pages`: each chapter's figures and tables.

The core library never imports this package, so ``import expand_neurons`` needs neither plotly
nor myst-nb. Import the submodules explicitly: ``from expand_neurons.book.figures import show``.
"""

__all__: list[str] = []
