"""Checkers for the book's exercises, one module per chapter (``exercises.fpe``,
``exercises.collisions``, ...), each named after the chapter it serves; :mod:`.core` holds what
they share.

A chapter imports its checkers from its own module (``from expand_neurons.book.exercises.fpe
import check_split``); each exercise's reference solution is in the chapter itself, in the
exercise's solution dropdown, and nowhere importable.
"""

from .core import NOT_ATTEMPTED, ExerciseError, exercise

__all__ = ["ExerciseError", "NOT_ATTEMPTED", "exercise"]
