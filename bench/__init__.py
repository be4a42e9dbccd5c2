"""Benchmarks: ``python -m bench`` (or ``make bench``) runs every module listed in ``__main__``."""
