"""Helpers of single chapters: their figures, tables and the numbers they glue into prose."""

__all__: list[str] = []  # import the chapter modules themselves
