"""Tests of the benchmark code: parsing and request factories (nothing timed)."""
